package dev.morse.engine;

import java.util.SplittableRandom;

/**
 * Standard normal draws that depend on the seed only: the same seed gives the same numbers on
 * every JDK and CPU, which {@code Random.nextGaussian} does not promise across versions. Two
 * generators over {@link SplittableRandom} (whose algorithm is specified), each with its own
 * stream of values:
 * <ul>
 *   <li>{@link #next}: Marsaglia's polar method, one value per call (the second of each pair is
 *       dropped). About 50 ns per value: for initialisations and small draws.
 *   <li>{@link #fill}: the ziggurat method (Marsaglia and Tsang 2000, in Doornik's 2005 form ZIGNOR:
 *       128 blocks, R = 3.442619855899, V = 9.91256303526217e-3), one {@code nextLong} per value
 *       in 98.8 % of draws (a table look-up and a multiply), the wedges and the tail by rejection.
 *       About 10× faster: for the per-step probes and noise of the training penalties, where P
 *       values are drawn every step (P = 269 322 values take ~15 ms with {@link #next}, as long as a
 *       gradient step of a 784-256-256-10 network on 128 samples).
 * </ul>
 * Logarithms and exponentials are {@link StrictMath}'s (fdlibm, specified to the bit):
 * {@code Math}'s are intrinsics that may round differently on another CPU or before and after JIT
 * compilation. The ziggurat's tables are computed at class initialisation with them too.
 */
public final class Gaussians {
    private Gaussians() {}

    /** One standard normal draw (polar method). */
    public static double next(SplittableRandom rng) {
        double u, v, s;
        do {
            u = 2 * rng.nextDouble() - 1;
            v = 2 * rng.nextDouble() - 1;
            s = u * u + v * v;
        } while (s >= 1 || s == 0);
        return u * Math.sqrt(-2 * StrictMath.log(s) / s);
    }

    // ZIGNOR (J. A. Doornik, "An Improved Ziggurat Method to Generate Normal Random Samples", 2005).
    private static final int BLOCKS = 128;
    private static final double R = 3.442619855899;           // start of the right tail
    private static final double V = 9.91256303526217e-3;      // area of each block
    private static final double[] X = new double[BLOCKS + 1]; // block edges: every block has area V
    private static final double[] RATIO = new double[BLOCKS]; // X[i + 1] / X[i]

    static {
        double f = StrictMath.exp(-0.5 * R * R);
        X[0] = V / f;   // the bottom block (with the tail) as a rectangle of the same area
        X[1] = R;
        X[BLOCKS] = 0;
        for (int i = 2; i < BLOCKS; i++) {
            X[i] = Math.sqrt(-2 * StrictMath.log(V / X[i - 1] + f));
            f = StrictMath.exp(-0.5 * X[i] * X[i]);
        }
        for (int i = 0; i < BLOCKS; i++) RATIO[i] = X[i + 1] / X[i];
    }

    /** A uniform double in (0, 1), never 0 or 1 (53 random bits, centred). */
    private static double open01(long bits) {
        return ((bits >>> 11) + 0.5) * 0x1.0p-53;
    }

    /**
     * Fills out[off .. off + n) with standard normal draws by the ziggurat method (see the class
     * comment), in order: the same rng state gives the same values, whatever else runs.
     */
    public static void fill(SplittableRandom rng, double[] out, int off, int n) {
        for (int k = 0; k < n; k++) out[off + k] = ziggurat(rng);
    }

    /** One ziggurat draw (ZIGNOR). */
    static double ziggurat(SplittableRandom rng) {
        while (true) {
            long bits = rng.nextLong();
            double u = 2 * open01(bits) - 1;      // high 53 bits
            int i = (int) (bits & (BLOCKS - 1));  // low 7 bits: independent of u's
            if (Math.abs(u) < RATIO[i]) return u * X[i];   // inside the block's rectangle
            if (i == 0) return tail(rng, u < 0);
            double x = u * X[i];
            double f0 = StrictMath.exp(-0.5 * (X[i] * X[i] - x * x));
            double f1 = StrictMath.exp(-0.5 * (X[i + 1] * X[i + 1] - x * x));
            if (f1 + open01(rng.nextLong()) * (f0 - f1) < 1.0) return x;   // under the density in the wedge
        }
    }

    /** A draw from the tail |x| > R (Marsaglia's method). */
    private static double tail(SplittableRandom rng, boolean negative) {
        double x, y;
        do {
            x = StrictMath.log(open01(rng.nextLong())) / R;
            y = StrictMath.log(open01(rng.nextLong()));
        } while (-2 * y < x * x);
        return negative ? x - R : R - x;
    }
}
