package dev.morse.engine;

import dev.morse.simd.KernelProvider;
import dev.morse.simd.Kernels;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.SplittableRandom;

/**
 * What the terms of the objective share, in one place: the checks of their coefficients and counts,
 * the text form of numbers, the kernels, ‖g‖, the draw order of probes and noise, and the explicit
 * vectors of the penalties that draw ({@link WeightNoisePenalty}, {@link TracePenalty}), whose hash
 * {@link GeneralizedL2Regularizer}'s explicit coefficients share. Not in {@link Term},
 * {@link Regularizer} or {@link Penalty} because an interface's members are public or private, and
 * these are for the terms of this package only.
 */
final class Terms {
    private Terms() {}

    static double checkCoefficient(double v, String what) {
        if (!(v >= 0) || Double.isInfinite(v)) throw new IllegalArgumentException(what + " must be finite and ≥ 0, got " + v);
        return v;
    }

    static int checkCount(int k) {
        if (k < 1) throw new IllegalArgumentException("k must be at least 1, got " + k);
        return k;
    }

    static String fmt(double v) {
        return Double.toString(v);
    }

    static Kernels kernels() {
        return KernelProvider.get();
    }

    static double norm(double[] v, int n) {
        return Math.sqrt(kernels().sumOfSquares(n, v, 0));
    }

    /** Fills out[off .. off + n) with standard normals from rng (the shared draw order: vector after vector, θ's order). */
    static void draw(SplittableRandom rng, double[] out, int off, int n) {
        Gaussians.fill(rng, out, off, n);
    }

    static double[] explicit(double[] values, int k, String what) {
        if (values == null) throw new IllegalArgumentException(what + " are null");
        checkCount(k);
        if (values.length % k != 0) throw new IllegalArgumentException(what + ": " + values.length + " values do not form " + k + " vectors");
        for (int i = 0; i < values.length; i++) {
            if (!Double.isFinite(values[i])) throw new IllegalArgumentException(what + ": value " + values[i] + " at flat index " + i);
        }
        return values.clone();
    }

    static void validateExplicit(double[] values, int k, Mlp model, String spec, String what) {
        if (values != null && values.length != (long) k * model.numParameters()) {
            throw new IllegalArgumentException("penalty " + spec + ": " + values.length / k + " values per " + what + " vector, expected P = "
                    + model.numParameters() + " for model " + model.describe());
        }
    }

    static void hashExplicit(MessageDigest md, String spec, double[] values) {
        md.update(spec.getBytes(StandardCharsets.UTF_8));
        md.update((byte) 0);
        if (values != null) {
            ByteBuffer b = ByteBuffer.allocate(8 * values.length);
            for (double x : values) b.putDouble(x);
            md.update(b.array());
        }
    }
}
