package dev.morse.simd;

/**
 * The hot-loop kernels of Morse: level-1 reductions and updates, fused elementwise maps, and a
 * register-blocked GEMM. Two implementations exist: {@link ScalarKernels} (plain loops; the
 * fallback and the test oracle) and a Vector API implementation chosen by {@link KernelProvider}.
 *
 * <p>Contract (the "trust inside" half of validate-at-the-door): callers pass valid lengths and
 * offsets; kernels do not check shapes, never allocate, and never keep references. All matrices
 * are row-major with an explicit leading dimension (the distance between rows).
 */
public interface Kernels {

    /** Human-readable name, e.g. {@code "vector (DoubleVector 256-bit, 4 lanes)"} or {@code "scalar"}. */
    String name();

    /** Σ_{i<n} x[xOff+i]·y[yOff+i]. */
    double dot(int n, double[] x, int xOff, double[] y, int yOff);

    /**
     * k dot products with one vector: out[outOff + i] = Σ_{t<n} x[xOff + i·ldx + t]·y[yOff + t]
     * for i &lt; k (V·y for k rows of V). Each sum's order depends only on n, k and i (and the
     * implementation), not on the data or on who calls: a caller cutting a long product into fixed
     * blocks, with the same k for each, gets the same bits whatever runs them. The vector kernel
     * reads y once per few rows instead of once per row (the rows after the last group of four
     * are plain dots, summed in another order).
     */
    default void dotRows(int k, int n, double[] x, int xOff, int ldx, double[] y, int yOff, double[] out, int outOff) {
        for (int i = 0; i < k; i++) out[outOff + i] = dot(n, x, xOff + i * ldx, y, yOff);
    }

    /** y[yOff+i] += alpha·x[xOff+i] for i < n. */
    void axpy(int n, double alpha, double[] x, int xOff, double[] y, int yOff);

    /** x[off+i] *= alpha for i < n. */
    void scale(int n, double alpha, double[] x, int off);

    /** Σ_{i<n} x[off+i]. */
    double sum(int n, double[] x, int off);

    /**
     * Whether x[off..off+n) holds only finite values. The sum is finite only when every term is
     * (an infinity or NaN propagates; +∞ + −∞ is NaN), so a vectorized sum decides the usual case;
     * only a non-finite sum (a bad entry, or finite entries that overflow it) is scanned entry by
     * entry.
     */
    default boolean allFinite(int n, double[] x, int off) {
        return Double.isFinite(sum(n, x, off)) || firstNonFinite(n, x, off) < 0;
    }

    /**
     * The index i &lt; n of the first NaN or infinity in x[off..off+n), or −1 when every entry is
     * finite: one scan, no allocation. The one place for "first non-finite entry" (refusals name
     * it); {@link #allFinite} is the cheaper yes/no.
     */
    int firstNonFinite(int n, double[] x, int off);

    /** Σ_{i<n} x[off+i]². */
    double sumOfSquares(int n, double[] x, int off);

    /** out[i] = x[i]·y[i] for i < n (out may alias x or y). */
    void mul(int n, double[] x, double[] y, double[] out);

    /** out[i] = a[i]·b[i] + c[i]·d[i]·e[i] for i < n (out may alias any input). */
    void mulAddMul3(int n, double[] a, double[] b, double[] c, double[] d, double[] e, double[] out);

    /**
     * A rows × cols factor applied to {@code reps} interleaved copies (block products keep k vectors'
     * rows interleaved, row i·reps + j for vector j):
     * out[(i·reps + j)·cols + c] = s[i·cols + c] · x[(i·reps + j)·cols + c]. out may alias x.
     */
    void mulRepeated(int rows, int reps, int cols, double[] s, double[] x, double[] out);

    /**
     * out[(i·reps + j)·cols + c] = s[i·cols + c]·x[(i·reps + j)·cols + c] + t[i·cols + c]·y[(i·reps + j)·cols + c]
     * (the factors s and t are shared by the reps copies). out may alias x or y.
     */
    void mulAddMulRepeated(int rows, int reps, int cols, double[] s, double[] x, double[] t, double[] y, double[] out);

    /**
     * Fused map of f, f' and f'' over x[0..n): any of {@code value}, {@code d1}, {@code d2} may
     * be null and is then skipped. {@code value} may alias {@code x} only when d1 and d2 are
     * null. The same as {@link #map(ElementwiseFunction, double, int, double[], double[], double[], double[], double[])}
     * with {@code d3 = null}.
     */
    default void map(ElementwiseFunction f, double beta, int n, double[] x, double[] value, double[] d1, double[] d2) {
        map(f, beta, n, x, value, d1, d2, null);
    }

    /**
     * Fused map of f, f', f'' and f''' over x[0..n): any of {@code value}, {@code d1}, {@code d2},
     * {@code d3} may be null and is then skipped (f''' costs nothing when not asked for).
     * {@code value} may alias {@code x} only when d1, d2 and d3 are null. Each output is the same
     * whichever others are requested.
     */
    void map(ElementwiseFunction f, double beta, int n, double[] x, double[] value, double[] d1, double[] d2, double[] d3);

    /** Adds the row vector v[0..cols) to every row of the rows×cols matrix a (leading dimension lda). */
    void addToRows(int rows, int cols, double[] a, int lda, double[] v);

    /** out[j] += Σ_{i<rows} a[i·lda + j] for j < cols (column sums of a, accumulated). */
    void addColumnSums(int rows, int cols, double[] a, int lda, double[] out);

    /**
     * Linear combinations of rows, each in one fixed order: for i < k and t < w,
     * y[yOff + i·ldy + t] = Σ_{j<m} s[sOff + i·lds + j] · x[xOff + j·ldx + t], summed as
     * s_i0·x_0t first and then one fused multiply-add per j in increasing j. Every implementation
     * gives the same bits (the order is part of the contract), for any blocking of t by the caller.
     * y must not overlap the rows of x that are read. Lanczos's Ritz vectors (Y = S·V with a small
     * k × m coefficient block and long basis rows) use it; m ≥ 1.
     */
    void combineRows(int k, int m, int w, double[] s, int sOff, int lds, double[] x, int xOff, int ldx,
                     double[] y, int yOff, int ldy);

    /**
     * General matrix product, row-major: C = alpha·op(A)·op(B) + beta·C, where op(A) is m×k
     * (A is m×k, or k×m when transA) and op(B) is k×n (B is k×n, or n×k when transB).
     * With beta = 0, C is overwritten (NaN in C does not propagate), as in BLAS.
     */
    void gemm(boolean transA, boolean transB, int m, int n, int k,
              double alpha, double[] a, int aOff, int lda,
              double[] b, int bOff, int ldb,
              double beta, double[] c, int cOff, int ldc);
}
