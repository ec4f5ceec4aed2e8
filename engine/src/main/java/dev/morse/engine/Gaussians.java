package dev.morse.engine;

import java.util.SplittableRandom;

/**
 * Standard normal draws that depend on the seed only (Marsaglia's polar method over
 * {@link SplittableRandom}, whose algorithm is specified): the same seed gives the same numbers
 * on every JDK, which {@code Random.nextGaussian} does not promise across versions. The logarithm
 * is {@link StrictMath#log} (fdlibm, specified to the bit): {@code Math.log} is an intrinsic that
 * may round differently on another CPU or before and after JIT compilation.
 */
public final class Gaussians {
    private Gaussians() {}

    /** One standard normal draw. */
    public static double next(SplittableRandom rng) {
        double u, v, s;
        do {
            u = 2 * rng.nextDouble() - 1;
            v = 2 * rng.nextDouble() - 1;
            s = u * u + v * v;
        } while (s >= 1 || s == 0);
        return u * Math.sqrt(-2 * StrictMath.log(s) / s);
    }
}
