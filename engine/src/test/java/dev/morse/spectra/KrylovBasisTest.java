package dev.morse.spectra;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.morse.simd.Ranges;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The blocked passes of a Lanczos step: the formulas they stand for, and the same bits for any cut into ranges. */
class KrylovBasisTest {

    /** Ranges cut at uneven places (none on a block boundary), run last to first. */
    private static final Ranges UNEVEN = (n, task) -> {
        int[] cuts = {0, n / 7 + 3, n / 2 + 1, Math.max(n / 2 + 1, n - 5), n};
        for (int i = cuts.length - 2; i >= 0; i--) task.run(cuts[i], cuts[i + 1]);
    };

    /** Ranges cut exactly on block boundaries (as two workers cut n = 2^15), plus an empty one. */
    private static final Ranges ON_BOUNDARIES = (n, task) -> {
        int b = KrylovBasis.SUM_BLOCK, mid = Math.min(n, b * Math.max(1, n / (2 * b)));
        task.run(0, mid);
        task.run(mid, mid);
        task.run(mid, n);
    };

    @Test
    void blockedPassesFollowTheirFormulasWithTheSameBitsForAnyCut() {
        int b = KrylovBasis.SUM_BLOCK;
        for (int n : new int[] {100, 4 * b, 3 * b + 1234}) {   // under one block, whole blocks, a partial last block
            check(n);
        }
    }

    private static void check(int n) {
        Ranges[] cuts = {Ranges.SERIAL, UNEVEN, ON_BOUNDARIES};
        double[][] wOut = new double[3][], nextOut = new double[3][], rowOut = new double[3][];
        double[][] sums = new double[3][];
        for (int variant = 0; variant < 3; variant++) {
            KrylovBasis basis = new KrylovBasis(n, 4);
            basis.ranges(cuts[variant]);
            SplittableRandom rng = new SplittableRandom(7);
            double[] w = new double[n];
            for (int r = 0; r < 2; r++) {
                for (int t = 0; t < n; t++) w[t] = rng.nextDouble() - 0.5;
                basis.append(w, basis.blockedNorm(w));
            }
            double[] aw = new double[n];
            for (int t = 0; t < n; t++) aw[t] = rng.nextDouble() - 0.5;
            double[] ref = aw.clone();
            double beta = 0.3;
            double alpha = basis.recurrence(aw, 1, beta);
            double inNorm = basis.inputNorm();
            double outNorm = basis.subtract(aw, 1, alpha);
            double[] next = new double[n];
            basis.append(aw, outNorm, next);
            // The formulas, term by term in plain loops.
            double refIn = 0, refAlpha = 0, refOut = 0;
            for (int t = 0; t < n; t++) refIn += ref[t] * ref[t];
            for (int t = 0; t < n; t++) ref[t] -= beta * basis.v[t];
            for (int t = 0; t < n; t++) refAlpha += basis.v[n + t] * ref[t];
            for (int t = 0; t < n; t++) ref[t] -= refAlpha * basis.v[n + t];
            for (int t = 0; t < n; t++) refOut += ref[t] * ref[t];
            assertEquals(Math.sqrt(refIn), inNorm, 1e-13 * Math.sqrt(refIn));
            assertEquals(refAlpha, alpha, 1e-13);
            assertEquals(Math.sqrt(refOut), outNorm, 1e-13 * Math.sqrt(refOut));
            assertArrayEquals(ref, aw, 1e-14);
            assertEquals(3, basis.size);
            double[] row = java.util.Arrays.copyOfRange(basis.v, 2 * n, 3 * n);
            for (int t = 0; t < n; t++) assertEquals(aw[t] / outNorm, row[t], 1e-15, "appended row");
            assertArrayEquals(row, next, 0.0, "the copy for the next product");
            assertEquals(outNorm, basis.blockedNorm(aw), 0.0, "blockedNorm is subtract's norm");
            wOut[variant] = aw;
            nextOut[variant] = next;
            rowOut[variant] = row;
            sums[variant] = new double[] {inNorm, alpha, outNorm};
        }
        for (int variant = 1; variant < 3; variant++) {
            String what = "n = " + n + ", cut " + variant;
            assertArrayEquals(sums[0], sums[variant], 0.0, what + ": norms and α, the same bits as SERIAL");
            assertArrayEquals(wOut[0], wOut[variant], 0.0, what);
            assertArrayEquals(nextOut[0], nextOut[variant], 0.0, what);
            assertArrayEquals(rowOut[0], rowOut[variant], 0.0, what);
        }
    }
}
