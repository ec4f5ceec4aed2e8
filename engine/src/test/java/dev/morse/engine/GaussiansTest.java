package dev.morse.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.morse.simd.Erf;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The ziggurat draws of {@link Gaussians#fill}: the standard normal distribution, and determinism. */
class GaussiansTest {

    @Test
    void zigguratDrawsAreStandardNormal() {
        int n = 2_000_000;
        double[] x = new double[n];
        Gaussians.fill(new SplittableRandom(2024), x, 0, n);
        double m1 = 0, m2 = 0, m4 = 0;
        int tail = 0;
        for (double v : x) {
            m1 += v;
            m2 += v * v;
            m4 += v * v * v * v;
            if (Math.abs(v) > 3.442619855899) tail++;
        }
        m1 /= n;
        m2 /= n;
        m4 /= n;
        assertEquals(0.0, m1, 5 / Math.sqrt(n), "mean");
        assertEquals(1.0, m2, 5 * Math.sqrt(2.0 / n), "variance");
        assertEquals(3.0, m4, 5 * Math.sqrt(96.0 / n), "fourth moment");
        double pTail = 2 * (1 - Erf.normalCdf(3.442619855899));
        assertEquals(pTail * n, tail, 5 * Math.sqrt(pTail * n), "draws beyond the ziggurat's tail start R (the tail sampler)");
        // Kolmogorov–Smirnov against Φ: D below its 1 % critical value 1.63/√n.
        double[] s = x.clone();
        Arrays.sort(s);
        double d = 0;
        for (int i = 0; i < n; i++) {
            double f = Erf.normalCdf(s[i]);
            d = Math.max(d, Math.max(Math.abs(f - (double) i / n), Math.abs(f - (double) (i + 1) / n)));
        }
        assertTrue(d < 1.63 / Math.sqrt(n), "KS distance " + d + " vs critical " + 1.63 / Math.sqrt(n));
    }

    @Test
    void sameSeedSameValuesInPieces() {
        double[] whole = new double[1000], pieces = new double[1000];
        Gaussians.fill(new SplittableRandom(5), whole, 0, 1000);
        SplittableRandom r = new SplittableRandom(5);
        Gaussians.fill(r, pieces, 0, 300);
        Gaussians.fill(r, pieces, 300, 700);
        assertArrayEquals(whole, pieces, 0.0, "filling in pieces from one stream = one fill");
    }
}
