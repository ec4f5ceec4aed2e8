package dev.morse.engine;

import dev.morse.linalg.MemoryGuard;
import dev.morse.simd.Kernels;
import java.util.Arrays;

/**
 * The first layer's per-sample curvature Q_s (count × d_1 × d_1, see
 * {@link ChunkPass#firstLayerCurvature}) of each data part, the factor of the Kronecker form
 * Σ_s Q_s ⊗ x_s x_sᵀ of the first layer's weight block: computed inside a dense request (all
 * samples, the dense chunk plan) and kept per part while θ's bits stay the same, so that the
 * column blocks of one matrix compute it once. Owned by one {@link Evaluator} and used under its
 * lock.
 */
final class FirstLayerCurvature {
    private final ChunkScheduler scheduler;
    private final Mlp mlp;
    private final Dataset data;
    private final Kernels kernels;
    private final double[][] q = new double[Part.values().length][];
    private final double[][] keys = new double[Part.values().length][];   // the θ each q was computed at

    FirstLayerCurvature(ChunkScheduler scheduler, Mlp mlp, Dataset data, Kernels kernels) {
        this.scheduler = scheduler;
        this.kernels = kernels;
        this.mlp = mlp;
        this.data = data;
    }

    /**
     * The Q_s of a data part at θ, inside a dense request; null when they would not fit in memory
     * (MemoryGuard's rule for one more array): the unit-column products then do the whole block.
     */
    double[] at(Part dataPart, double[] theta) {
        int i = dataPart.ordinal();
        if (q[i] != null && Arrays.equals(keys[i], theta)) return q[i];
        long n = size();
        if (q[i] == null || q[i].length != n) {
            q[i] = null;
            if (!fits(dataPart)) return null;
            q[i] = new double[(int) n];
        }
        keys[i] = null;   // no key while Q is rewritten: a run that fails halfway leaves no stale hit
        scheduler.firstLayerCurvature(dataPart, theta, q[i]);
        keys[i] = theta.clone();
        return q[i];
    }

    /** Whether a data part's Q_s are held or would fit in memory (MemoryGuard's rule for one more array). */
    boolean fits(Part dataPart) {
        double[] held = q[dataPart.ordinal()];
        long n = size();
        return held != null && held.length == n || n <= Integer.MAX_VALUE - 8 && MemoryGuard.fits(1, n, 1.0);
    }

    private long size() {
        return (long) data.size() * mlp.width(1) * mlp.width(1);
    }

    /** Whether some part's Q_s are kept (tests: dense work that ends or stops leaves none). */
    boolean holdsAny() {
        for (double[] a : q) if (a != null) return true;
        return false;
    }

    /** Drops every part's Q_s (N × d_1² doubles apiece). */
    void release() {
        Arrays.fill(q, null);
        Arrays.fill(keys, null);
    }

    /**
     * The diagonal of the first layer's weight block from q into out[0 .. d_1·d_0):
     * Σ_s Q_s[i, i] x_s[c]² for weight (i, c), summed in sample order (the same bits however the
     * Q_s were computed). Each sample's squared inputs are formed once and added to the d_1 rows
     * by vector axpys: the scalar loop that squared them per row took about 30 ms per part at
     * 784-12-10, N = 2000 (now 5–8 ms), on the main thread between the assembly's parallel runs.
     */
    void diagonal(double[] q, double[] out) {
        int d0 = mlp.inputDim(), d1 = mlp.width(1), n = data.size();
        double[] x = data.x(), x2 = new double[d0];
        Arrays.fill(out, 0, d0 * d1, 0.0);
        for (int s = 0; s < n; s++) {
            int xo = s * d0;
            for (int c = 0; c < d0; c++) x2[c] = x[xo + c] * x[xo + c];
            for (int i = 0; i < d1; i++) kernels.axpy(d0, q[s * d1 * d1 + i * d1 + i], x2, 0, out, i * d0);
        }
    }
}
