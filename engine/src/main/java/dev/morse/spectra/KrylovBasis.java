package dev.morse.spectra;

import dev.morse.linalg.Linalg;
import dev.morse.linalg.NativeThreads;
import dev.morse.simd.KernelProvider;
import dev.morse.simd.Kernels;
import dev.morse.simd.Ranges;

import java.util.SplittableRandom;

/**
 * An orthonormal Krylov basis held row by row (row j = v_j, length n) with full
 * reorthogonalization: each new vector is orthogonalized against every stored one by classical
 * Gram–Schmidt as two matrix–vector products (c = V w, w −= Vᵀ c: two sweeps over the basis, BLAS),
 * repeated once when the norm dropped below 1/√2 of its value (the DGKS criterion, Daniel, Gragg,
 * Kaufman and Stewart 1976; "twice is enough", Giraud et al. 2005). This keeps ‖VᵀV − I‖ near
 * machine precision; its cost is memory traffic over the basis, O(m·n) per step.
 */
final class KrylovBasis {
    final int n;
    final int capacity;
    final double[] v;        // capacity × n
    int size;
    private final double[] coef;
    private final Kernels kernels = KernelProvider.get();

    KrylovBasis(int n, int capacity) {
        this.n = n;
        this.capacity = capacity;
        this.v = new double[Math.multiplyExact(capacity, n)];
        this.coef = new double[capacity];
    }

    /**
     * Orthogonalizes w against rows 0..size-1 and returns the coefficient of row {@code diagRow}
     * accumulated over the passes (the Lanczos α when diagRow is the current vector), or 0 when
     * diagRow is negative.
     */
    double orthogonalize(double[] w, int diagRow) {
        return orthogonalize(w, diagRow, false);
    }

    /**
     * As {@link #orthogonalize(double[], int)}; with {@code twice}, always two passes (CGS2). A
     * basis kept only semi-orthogonal (partial reorthogonalization: overlaps up to √ε) needs the
     * second pass: one pass against rows with overlaps δ leaves components of order δ, a second
     * leaves δ².
     */
    double orthogonalize(double[] w, int diagRow, boolean twice) {
        if (size == 0) return 0;
        Linalg la = Linalg.get();
        double diag = 0;
        double before = norm(w);
        // Two matrix-vector sweeps over the basis: memory-bound, so they get every core (the
        // engine's workers are idle meanwhile; OpenBLAS's dgemv splits the output dimension, so
        // each entry is summed in the same order for any thread count).
        try (NativeThreads.Scope s = NativeThreads.dense()) {
            for (int pass = 0; pass < 2; pass++) {
                la.dgemv(false, size, n, 1.0, v, 0, n, w, 0, 0.0, coef, 0);
                la.dgemv(true, size, n, -1.0, v, 0, n, coef, 0, 1.0, w, 0);
                if (diagRow >= 0) diag += coef[diagRow];
                double after = norm(w);
                if (!twice && after > 0.7071067811865476 * before) break;   // DGKS: no severe cancellation, one pass suffices
                before = after;
            }
        }
        return diag;
    }

    /**
     * One Lanczos step's orthogonalization of w = A v_j: the three-term recurrence first
     * (α = v_jᵀw, w −= α v_j + β v_{j−1}; β = 0 skips the second term), which removes the large
     * components so that full reorthogonalization usually needs one sweep; returns α including
     * the reorthogonalization's correction.
     */
    double lanczosStep(double[] w, int j, double beta) {
        return lanczosStep(w, j, beta, false);
    }

    /** As {@link #lanczosStep(double[], int, double)}; {@code twice}: two Gram–Schmidt passes always. */
    double lanczosStep(double[] w, int j, double beta, boolean twice) {
        int o = j * n;
        double alpha = kernels.dot(n, v, o, w, 0);
        kernels.axpy(n, -alpha, v, o, w, 0);
        if (beta != 0 && j > 0) kernels.axpy(n, -beta, v, (j - 1) * n, w, 0);
        return alpha + orthogonalize(w, j, twice);
    }

    /**
     * One Lanczos step without reorthogonalization: w −= β v_{j−1}, α = v_jᵀw, w −= α v_j (the
     * modified form of the three-term recurrence); returns α. Partial reorthogonalization decides
     * separately whether w must also be swept against the whole basis.
     */
    double threeTermStep(double[] w, int j, double beta) {
        if (beta != 0 && j > 0) kernels.axpy(n, -beta, v, (j - 1) * n, w, 0);
        double alpha = kernels.dot(n, v, j * n, w, 0);
        kernels.axpy(n, -alpha, v, j * n, w, 0);
        return alpha;
    }

    static double norm(double[] w) {
        return Math.sqrt(KernelProvider.get().sumOfSquares(w.length, w, 0));
    }

    /** Appends w/‖w‖ as the next row. */
    void append(double[] w, double norm) {
        int o = size * n;
        double inv = 1.0 / norm;
        for (int t = 0; t < n; t++) v[o + t] = w[t] * inv;
        size++;
    }

    /**
     * A random unit vector orthogonal to the current rows, for a start or after breakdown
     * (an invariant subspace was found). Returns false if none exists (the basis spans R^n).
     */
    boolean appendRandom(SplittableRandom rng, double[] w) {
        if (size >= n) return false;
        for (int attempt = 0; attempt < 5; attempt++) {
            for (int t = 0; t < n; t++) w[t] = rng.nextBoolean() ? 1.0 : -1.0;
            double before = norm(w);
            orthogonalize(w, -1);
            double after = norm(w);
            if (after > 1e-8 * before) {
                append(w, after);
                return true;
            }
        }
        return false;
    }

    /** Columns per block of {@link #restart}: the block of m basis rows (m × 512 doubles) stays in L2. */
    private static final int BLOCK = 512;

    /**
     * y (rows of length n) = the Ritz vectors V·s_i for the chosen rows s_i of s (length m, the
     * first m basis rows), by {@link Kernels#combineRows}: each entry one fixed-order sum (the same
     * bits whatever the blocking, and independent of any BLAS's threading).
     */
    void ritzVectors(double[] s, int[] chosen, int m, double[] y) {
        double[] sk = chosenRows(s, chosen, m);
        for (int t0 = 0; t0 < n; t0 += BLOCK) {
            kernels.combineRows(chosen.length, m, Math.min(BLOCK, n - t0), sk, 0, m, v, t0, n, y, t0, n);
        }
    }

    /**
     * Thick restart in place: rows 0..k−1 become the Ritz vectors V·s_i of the k chosen rows of s
     * (over the first m rows), row k the residual direction v_{m+1} (row m), and the size k + 1.
     * Block by block of columns, the m rows are copied to a small buffer first, so the combination
     * can overwrite them: no second basis and no k × n temporary (at P = 269 322 and m = 40 that
     * was a 54 MB allocation and two more passes over it per restart).
     */
    void restart(double[] s, int[] chosen, int m, Ranges ranges) {
        int k = chosen.length;
        if (k >= m) throw new IllegalArgumentException("restart keeps " + k + " of " + m + " rows");
        double[] sk = chosenRows(s, chosen, m);
        // Column ranges are independent (each reads and writes only its own columns), so they run
        // on the operator's workers; every entry is one fixed-order sum, so the bits are the same.
        ranges.run(n, (from, to) -> {
            double[] block = BLOCKS.get();
            if (block.length < m * BLOCK) {
                block = new double[m * BLOCK];
                BLOCKS.set(block);
            }
            for (int t0 = from; t0 < to; t0 += BLOCK) {
                int w = Math.min(BLOCK, to - t0);
                for (int j = 0; j < m; j++) System.arraycopy(v, j * n + t0, block, j * BLOCK, w);
                kernels.combineRows(k, m, w, sk, 0, m, block, 0, BLOCK, v, t0, n);
            }
            System.arraycopy(v, m * n + from, v, k * n + from, to - from);
        });
        size = k + 1;
    }

    /** Each thread's column block of {@link #restart} (m × 512 doubles, kept for the next restart). */
    private static final ThreadLocal<double[]> BLOCKS = ThreadLocal.withInitial(() -> new double[0]);

    private static double[] chosenRows(double[] s, int[] chosen, int m) {
        double[] sk = new double[chosen.length * m];
        for (int i = 0; i < chosen.length; i++) System.arraycopy(s, chosen[i] * m, sk, i * m, m);
        return sk;
    }

    void copyRow(int row, double[] out) {
        System.arraycopy(v, row * n, out, 0, n);
    }
}
