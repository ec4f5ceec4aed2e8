package dev.morse.spectra;

import dev.morse.simd.KernelProvider;
import dev.morse.simd.Kernels;
import dev.morse.simd.Ranges;

import java.util.SplittableRandom;

/**
 * An orthonormal Krylov basis held row by row (row j = v_j, length n) with full
 * reorthogonalization: each new vector is orthogonalized against every stored one by classical
 * Gram–Schmidt as two matrix–vector products (c = V w, w −= Vᵀ c: two sweeps over the basis, by
 * blocks of columns on the operator's workers),
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
    private final double[] dots;   // per block of columns, the capacity dot products of V w
    private final Kernels kernels = KernelProvider.get();
    private final Pass pass;
    private Ranges ranges = Ranges.SERIAL;

    KrylovBasis(int n, int capacity) {
        this.n = n;
        this.capacity = capacity;
        this.v = new double[Math.multiplyExact(capacity, n)];
        this.coef = new double[capacity];
        this.pass = new Pass((n + SUM_BLOCK - 1) / SUM_BLOCK);
        this.dots = new double[Math.multiplyExact(pass.blocks, capacity)];
    }

    /** Where the blocked passes ({@link #recurrence}, {@link #subtract}, {@link #append}) run: the operator's {@link LinearOperator#ranges()}. */
    void ranges(Ranges r) {
        this.ranges = r;
    }

    /**
     * Orthogonalizes w against rows 0..size-1 and returns the coefficient of row {@code diagRow}
     * accumulated over the passes (the Lanczos α when diagRow is the current vector), or 0 when
     * diagRow is negative.
     */
    double orthogonalize(double[] w, int diagRow) {
        return orthogonalize(w, diagRow, false, Double.NaN);
    }

    /**
     * As {@link #orthogonalize(double[], int)}; with {@code twice}, always two passes (CGS2). A
     * basis kept only semi-orthogonal (partial reorthogonalization: overlaps up to √ε) needs the
     * second pass: one pass against rows with overlaps δ leaves components of order δ, a second
     * leaves δ². {@code norm} is ‖w‖ as given when the caller has it (else NaN); ‖w‖ after is
     * then {@link #lastNorm()}.
     */
    double orthogonalize(double[] w, int diagRow, boolean twice, double norm) {
        if (size == 0) {
            lastNorm = Double.isNaN(norm) ? blockedNorm(w) : norm;
            return 0;
        }
        double diag = 0;
        // The DGKS test's norms are not needed for two passes.
        double before = twice ? 0 : Double.isNaN(norm) ? blockedNorm(w) : norm;
        for (int sweep = 0; sweep < 2; sweep++) {
            coefficients(w);
            double after = subtractRows(w);
            if (diagRow >= 0) diag += coef[diagRow];
            if (twice) {
                lastNorm = after;
                continue;
            }
            boolean enough = after > 0.7071067811865476 * before;   // DGKS: no severe cancellation, one pass suffices
            before = after;
            lastNorm = after;
            if (enough) break;
        }
        return diag;
    }

    /** ‖w‖ after the last {@link #orthogonalize}. */
    double lastNorm() {
        return lastNorm;
    }

    private double lastNorm;

    /**
     * The first half of a Gram–Schmidt pass: the coefficients c = V w over rows 0..size−1 (one
     * sweep; {@link #coefficient}), returning ‖c‖². The second half, w −= Vᵀc, is left to a thick
     * restart ({@link #restart(double[], int[], int, double[], double, double[], double[])}), which reads every row
     * anyway: Lanczos defers it at the end of a cycle, when w is the next cycle's start.
     */
    double project(double[] w) {
        coefficients(w);
        double c2 = 0;
        for (int i = 0; i < size; i++) c2 += coef[i] * coef[i];
        return c2;
    }

    /** Coefficient i of the last {@link #project} or Gram–Schmidt sweep. */
    double coefficient(int i) {
        return coef[i];
    }

    // ------------------------------------------------------------ blocked passes of a Lanczos step
    //
    // A step's vector work (‖A v_j‖, w −= β v_{j−1}, α = v_jᵀw, w −= α v_j, ‖w‖, the append and the
    // copy the next product reads) was seven passes over n-vectors on one thread: about 0.3 s of
    // the 5 s of 205 products at P = 269 322. Done block by block (a block of each vector stays in
    // L1/L2 while every kernel of the pass runs on it), it is two passes, on the operator's
    // workers. Each block's sums are its own, added in block order afterwards: the same bits for
    // any thread count.
    //
    // The new vector is not normalized by a pass of its own: the operator is linear, so the next
    // product takes u = β v_{j+1} as it is, and the next step's first pass writes the row
    // v_{j+1} = u/β and scales A u by 1/β while it reads them anyway (a pending row).

    /** Entries per block of the passes (32 KB of each vector). */
    static final int SUM_BLOCK = 4096;

    /**
     * First pass of a Lanczos step on aw = A v_j: ‖A v_j‖ (the breakdown test's scale, then
     * {@link #inputNorm()}), aw −= β v_{j−1} (skipped for β = 0), aw −= known (when not null: the
     * arrowhead's Σ c_i y_i after a thick restart, from {@link #restart}), and returns α = v_jᵀaw.
     *
     * <p>With {@code pending} not null, row j is not yet stored: v_j = pending·scale, and the
     * product was taken of pending, so aw = A·pending. The pass stores row j and scales aw by
     * {@code scale} first; {@code pending} itself is left as it is.
     */
    double recurrence(double[] aw, int j, double beta, double[] known, double[] pending, double scale) {
        pass.set(Pass.RECURRENCE, aw, j, scale, pending);
        pass.beta = beta;
        pass.known = known;
        ranges.run(n, pass);
        pass.known = null;
        inputNorm = Math.sqrt(sum(pass.b));
        return sum(pass.a);
    }

    /** ‖A v_j‖ before the last {@link #recurrence}. */
    double inputNorm() {
        return inputNorm;
    }

    private double inputNorm;

    /** Second pass: out = aw − α v_j (out may be aw); returns ‖out‖. */
    double subtract(double[] aw, int j, double alpha, double[] out) {
        pass.set(Pass.SUBTRACT, aw, j, alpha, out);
        ranges.run(n, pass);
        return Math.sqrt(sum(pass.a));
    }

    /** ‖w‖ by blocks, on the operator's workers. */
    double blockedNorm(double[] w) {
        pass.set(Pass.NORM, w, 0, 0, null);
        ranges.run(n, pass);
        return Math.sqrt(sum(pass.a));
    }

    /** Appends w/norm as the next row: one pass. */
    void append(double[] w, double norm) {
        pass.set(Pass.APPEND, w, size, 1.0 / norm, null);
        ranges.run(n, pass);
        size++;
    }

    /**
     * coef[0..size) = V w, one sweep over the basis by blocks of {@value #SUM_BLOCK} columns on the
     * operator's workers: each block's dot products are its own, summed over the blocks in block
     * order, so the bits never depend on the thread count. (OpenBLAS's threaded dgemv, used here
     * before, does not promise that: at n = 40 961 and 37 rows its 1- and 2-thread results differed
     * in the last bits, and it ran at the machine's core count, not the evaluator's.)
     */
    private void coefficients(double[] w) {
        pass.set(Pass.DOTS, w, 0, 0, null);
        ranges.run(n, pass);
        for (int i = 0; i < size; i++) {
            double c = 0;
            for (int blk = 0; blk < pass.blocks; blk++) c += dots[blk * capacity + i];
            coef[i] = c;
        }
    }

    /** w −= Vᵀ coef (per block: Vᵀcoef, one fixed-order sum per entry, then subtracted), the second sweep; returns ‖w‖ after. */
    private double subtractRows(double[] w) {
        pass.set(Pass.SUBTRACT_ROWS, w, 0, 0, null);
        ranges.run(n, pass);
        return Math.sqrt(sum(pass.a));
    }

    private static double sum(double[] parts) {
        double s = 0;
        for (double x : parts) s += x;
        return s;
    }

    /** The blocked passes as one reusable task (no allocation per step). */
    private final class Pass implements Ranges.Task {
        static final int RECURRENCE = 0, SUBTRACT = 1, NORM = 2, APPEND = 3, DOTS = 4, SUBTRACT_ROWS = 5;
        final int blocks;
        final double[] a, b;   // per-block sums
        int mode, row;
        double[] w, other;     // other: RECURRENCE's pending vector, SUBTRACT's output
        double x;
        double beta;           // RECURRENCE's β_{j−1}
        double[] known;        // RECURRENCE's known couplings, or null

        Pass(int blocks) {
            this.blocks = blocks;
            this.a = new double[blocks];
            this.b = new double[blocks];
        }

        void set(int mode, double[] w, int row, double x, double[] other) {
            this.mode = mode;
            this.w = w;
            this.row = row;
            this.x = x;
            this.other = other;
        }

        /**
         * The blocks that start in [from, to): each block is one task's, whatever the cut, and
         * tasks touch disjoint blocks (a block may reach past {@code to}, into entries no other
         * task touches).
         */
        @Override
        public void run(int from, int to) {
            for (int blk = (from + SUM_BLOCK - 1) / SUM_BLOCK; blk < blocks && blk * SUM_BLOCK < to; blk++) {
                int t0 = blk * SUM_BLOCK, len = Math.min(SUM_BLOCK, n - t0);
                switch (mode) {
                    case RECURRENCE -> {
                        if (other != null) {   // the pending row: store v_j = pending·x, and A v_j = aw·x
                            int o = row * n + t0;
                            for (int t = 0; t < len; t++) v[o + t] = other[t0 + t] * x;
                            kernels.scale(len, x, w, t0);
                        }
                        b[blk] = kernels.sumOfSquares(len, w, t0);
                        if (beta != 0 && row > 0) kernels.axpy(len, -beta, v, (row - 1) * n + t0, w, t0);
                        if (known != null) kernels.axpy(len, -1.0, known, t0, w, t0);
                        a[blk] = kernels.dot(len, v, row * n + t0, w, t0);
                    }
                    case SUBTRACT -> {
                        if (other != w) System.arraycopy(w, t0, other, t0, len);
                        kernels.axpy(len, -x, v, row * n + t0, other, t0);
                        a[blk] = kernels.sumOfSquares(len, other, t0);
                    }
                    case NORM -> a[blk] = kernels.sumOfSquares(len, w, t0);
                    case DOTS -> kernels.dotRows(size, len, v, t0, n, w, t0, dots, blk * capacity);
                    case SUBTRACT_ROWS -> {   // Vᵀc over the block (one fixed-order sum per entry), then w −= it
                        double[] vtc = SUBTRACTED.get();
                        kernels.combineRows(1, size, len, coef, 0, size, v, t0, n, vtc, 0, SUM_BLOCK);
                        kernels.axpy(len, -1.0, vtc, 0, w, t0);
                        a[blk] = kernels.sumOfSquares(len, w, t0);
                    }
                    default -> {
                        int o = row * n + t0;
                        for (int t = 0; t < len; t++) v[o + t] = w[t0 + t] * x;
                    }
                }
            }
        }
    }

    /**
     * A random unit vector orthogonal to the current rows, for a start or after breakdown
     * (an invariant subspace was found). Returns false only when none exists: the basis spans R^n.
     *
     * <p>Rademacher vectors first (the start vector of SPEC §7). On a small, structured operator
     * every one of them can lie in the span (diag(1, 1, 2, 2): a Krylov space of dimension 2 or 3
     * holds several of the 16 sign vectors), so then Gaussian vectors, and last the coordinate
     * vectors, of which at least one keeps 1/√n of its norm: while the basis has fewer than n
     * rows a direction is always found, and a breakdown never ends the iteration with a basis
     * that does not span the space.
     */
    boolean appendRandom(SplittableRandom rng, double[] w) {
        if (size >= n) return false;
        for (int attempt = 0; attempt < 5; attempt++) {
            for (int t = 0; t < n; t++) w[t] = rng.nextBoolean() ? 1.0 : -1.0;
            if (appendOrthogonal(w, 1e-8)) return true;
        }
        for (int attempt = 0; attempt < 5; attempt++) {
            for (int t = 0; t < n; t++) w[t] = rng.nextGaussian();
            if (appendOrthogonal(w, 1e-8)) return true;
        }
        // Σ_i ‖(I − VVᵀ)e_i‖² = n − size ≥ 1, so some e_i keeps at least 1/√n of its norm.
        double keep = 0.5 / Math.sqrt(n);
        for (int i = 0; i < n; i++) {
            java.util.Arrays.fill(w, 0.0);
            w[i] = 1.0;
            if (appendOrthogonal(w, keep)) return true;
        }
        throw new IllegalStateException("no direction orthogonal to " + size + " basis rows in R^" + n
                + ": the basis lost its orthogonality");
    }

    /**
     * Orthogonalizes w against the rows and appends it, normalized, when it keeps more than
     * {@code tol} of its norm (else it lies in their span, to rounding); returns whether it did.
     * The norms are the orthogonalization's own (no extra pass).
     */
    boolean appendOrthogonal(double[] w, double tol) {
        double before = blockedNorm(w);
        orthogonalize(w, -1, false, before);
        double after = lastNorm();
        if (!(after > tol * Math.max(before, Double.MIN_NORMAL))) return false;
        append(w, after);
        return true;
    }

    /** Columns per block of {@link #restart}: the block of m basis rows and a spare one ((m + 1) × 512 doubles) stays in L2. */
    private static final int BLOCK = 512;

    /**
     * y (rows of length n) = the Ritz vectors V·s_i for the chosen rows s_i of s (length m, the
     * first m basis rows), by {@link Kernels#combineRows}: each entry one fixed-order sum (the same
     * bits whatever the blocking, and independent of any BLAS's threading).
     */
    void ritzVectors(double[] s, int[] chosen, int m, double[] y) {
        double[] sk = chosenRows(s, chosen, m);
        // Column ranges are independent, as in restart: on the operator's workers, the same bits.
        ranges.run(n, (from, to) -> {
            for (int t0 = from; t0 < to; t0 += BLOCK) {
                kernels.combineRows(chosen.length, m, Math.min(BLOCK, to - t0), sk, 0, m, v, t0, n, y, t0, n);
            }
        });
    }

    /**
     * Thick restart in place: rows 0..k−1 become the Ritz vectors V·s_i of the k chosen rows of s
     * (over the first m rows), row k the residual direction v_{m+1} (row m), and the size k + 1.
     * Block by block of columns, the m rows are copied to a small buffer first, so the combination
     * can overwrite them: no second basis and no k × n temporary (at P = 269 322 and m = 40 that
     * was a 54 MB allocation and two more passes over it per restart).
     */
    void restart(double[] s, int[] chosen, int m) {
        restart(s, chosen, m, null, 0, null, null);
    }

    /**
     * As {@link #restart(double[], int[], int)}, and, on the column blocks the restart holds
     * anyway (no sweep over the basis of their own):
     * <ul>
     * <li>with r not null, the residual direction given as r, not yet orthogonalized: row k becomes
     * (r − Vᵀc)·scale, c the coefficients of the last {@link #project}(r) over the m rows (the
     * second half of that Gram–Schmidt pass; no pass to normalize r into row m, none to move it);
     * <li>with u not null, z = Σ_j u_j v_j over the m rows before the restart: the arrowhead's
     * Σ c_i y_i, which the next cycle's first step subtracts ({@link #recurrence}'s known), for
     * u = Σ_i c_i s_i over the chosen rows.
     * </ul>
     */
    void restart(double[] s, int[] chosen, int m, double[] r, double scale, double[] u, double[] z) {
        int k = chosen.length;
        if (k >= m) throw new IllegalArgumentException("restart keeps " + k + " of " + m + " rows");
        double[] sk = chosenRows(s, chosen, m);
        double[] c = r == null ? null : java.util.Arrays.copyOf(coef, m);
        // Column ranges are independent (each reads and writes only its own columns), so they run
        // on the operator's workers; every entry is one fixed-order sum, so the bits are the same.
        ranges.run(n, (from, to) -> {
            double[] block = BLOCKS.get();
            if (block.length < (m + 1) * BLOCK) {
                block = new double[(m + 1) * BLOCK];
                BLOCKS.set(block);
            }
            for (int t0 = from; t0 < to; t0 += BLOCK) {
                int w = Math.min(BLOCK, to - t0);
                for (int j = 0; j < m; j++) System.arraycopy(v, j * n + t0, block, j * BLOCK, w);
                kernels.combineRows(k, m, w, sk, 0, m, block, 0, BLOCK, v, t0, n);
                if (r != null) {
                    int pr = m * BLOCK, o = k * n + t0;   // Vᵀc into the block's spare row, then row k
                    kernels.combineRows(1, m, w, c, 0, m, block, 0, BLOCK, block, pr, BLOCK);
                    for (int t = 0; t < w; t++) v[o + t] = (r[t0 + t] - block[pr + t]) * scale;
                }
                if (u != null) kernels.combineRows(1, m, w, u, 0, m, block, 0, BLOCK, z, t0, n);
            }
            if (r == null) System.arraycopy(v, m * n + from, v, k * n + from, to - from);
        });
        size = k + 1;
    }

    /** Each thread's Vᵀc over one block of a Gram–Schmidt sweep ({@value #SUM_BLOCK} doubles). */
    private static final ThreadLocal<double[]> SUBTRACTED = ThreadLocal.withInitial(() -> new double[SUM_BLOCK]);

    /** Each thread's column block of {@link #restart} ((m + 1) × {@value #BLOCK} doubles: the m rows and a spare one; kept for the next restart). */
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
