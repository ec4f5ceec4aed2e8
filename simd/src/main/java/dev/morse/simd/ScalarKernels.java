package dev.morse.simd;

/**
 * Plain-loop implementation of {@link Kernels}: the fallback when the Vector API is unavailable
 * and the oracle that the vector kernels are tested against. Every method is the textbook loop,
 * in index order, so its rounding is easy to reason about; the only concession to speed is the
 * i-p-j loop order in {@link #gemm} (unit stride over C and B for the non-transposed case).
 *
 * <p>Transcendentals use {@link StrictMath} (pure Java, the same bits in the interpreter, C1, C2
 * and on every platform) rather than {@link Math}, whose intrinsics are free to differ: Morse
 * promises bit-identical results for identical inputs (SPEC §8), and the vector kernels' tails
 * run through here too.
 *
 * <p>Stateless and thread-safe; obtain it from {@link KernelProvider#scalar()}.
 */
public final class ScalarKernels implements Kernels {

    /** Creates the (stateless) scalar kernels; {@link KernelProvider#scalar()} returns a shared one. */
    public ScalarKernels() {
    }

    @Override
    public String name() {
        return "scalar";
    }

    @Override
    public double dot(int n, double[] x, int xOff, double[] y, int yOff) {
        double s = 0.0;
        for (int i = 0; i < n; i++) {
            s += x[xOff + i] * y[yOff + i];
        }
        return s;
    }

    @Override
    public void axpy(int n, double alpha, double[] x, int xOff, double[] y, int yOff) {
        for (int i = 0; i < n; i++) {
            y[yOff + i] += alpha * x[xOff + i];
        }
    }

    @Override
    public void scale(int n, double alpha, double[] x, int off) {
        for (int i = 0; i < n; i++) {
            x[off + i] *= alpha;
        }
    }

    @Override
    public int firstNonFinite(int n, double[] x, int off) {
        for (int i = 0; i < n; i++) {
            if (!Double.isFinite(x[off + i])) return i;
        }
        return -1;
    }

    @Override
    public double sum(int n, double[] x, int off) {
        double s = 0.0;
        for (int i = 0; i < n; i++) {
            s += x[off + i];
        }
        return s;
    }

    @Override
    public double sumOfSquares(int n, double[] x, int off) {
        double s = 0.0;
        for (int i = 0; i < n; i++) {
            double v = x[off + i];
            s += v * v;
        }
        return s;
    }

    @Override
    public void mul(int n, double[] x, double[] y, double[] out) {
        for (int i = 0; i < n; i++) {
            out[i] = x[i] * y[i];
        }
    }

    @Override
    public void mulRepeated(int rows, int reps, int cols, double[] s, double[] x, double[] out) {
        for (int i = 0; i < rows; i++) {
            int so = i * cols;
            for (int j = 0; j < reps; j++) {
                int o = (i * reps + j) * cols;
                for (int c = 0; c < cols; c++) out[o + c] = s[so + c] * x[o + c];
            }
        }
    }

    @Override
    public void mulAddMulRepeated(int rows, int reps, int cols, double[] s, double[] x, double[] t, double[] y, double[] out) {
        for (int i = 0; i < rows; i++) {
            int so = i * cols;
            for (int j = 0; j < reps; j++) {
                int o = (i * reps + j) * cols;
                for (int c = 0; c < cols; c++) out[o + c] = Math.fma(t[so + c], y[o + c], s[so + c] * x[o + c]);
            }
        }
    }

    @Override
    public void mulAddMul3(int n, double[] a, double[] b, double[] c, double[] d, double[] e, double[] out) {
        for (int i = 0; i < n; i++) {
            out[i] = a[i] * b[i] + c[i] * d[i] * e[i];
        }
    }

    @Override
    public void map(ElementwiseFunction f, double beta, int n, double[] x, double[] value, double[] d1, double[] d2, double[] d3) {
        mapRange(f, beta, 0, n, x, value, d1, d2, d3);
    }

    /**
     * {@link #map} over indices [from, to): shared with the vector kernels, whose scalar tails
     * call it so that both implementations use one set of formulas.
     */
    static void mapRange(ElementwiseFunction f, double beta, int from, int to,
                         double[] x, double[] value, double[] d1, double[] d2, double[] d3) {
        for (int i = from; i < to; i++) {
            double xi = x[i];
            double v;
            double g1;
            double g2;
            double g3;
            switch (f) {
                case IDENTITY -> {
                    v = xi;
                    g1 = 1.0;
                    g2 = 0.0;
                    g3 = 0.0;
                }
                case TANH -> {
                    double t = StrictMath.tanh(xi);
                    v = t;
                    g1 = (1.0 - t) * (1.0 + t); // 1 − t², factored: exact-er near |t| = 1
                    g2 = -2.0 * t * g1;
                    g3 = 2.0 * g1 * (2.0 - 3.0 * g1); // g1(4t² − 2g1) with t² = 1 − g1
                }
                case SIGMOID -> {
                    // s and 1−s from e = e^{−|x|} ∈ (0, 1]: neither overflows and 1−s keeps full
                    // relative accuracy for large x (s(1−s) with 1−s formed by subtraction would not).
                    double e = StrictMath.exp(-Math.abs(xi));
                    double r = 1.0 / (1.0 + e);
                    double s = xi >= 0 ? r : e * r;
                    double c = xi >= 0 ? e * r : r;
                    v = s;
                    g1 = s * c;
                    g2 = g1 * (c - s);
                    g3 = g1 * (1.0 - 6.0 * g1); // sc((c − s)² − 2sc) with (c − s)² = 1 − 4sc
                }
                case SOFTPLUS -> {
                    double e = StrictMath.exp(-Math.abs(xi));
                    double r = 1.0 / (1.0 + e);
                    double s = xi >= 0 ? r : e * r;
                    double c = xi >= 0 ? e * r : r;
                    v = Math.max(xi, 0.0) + StrictMath.log1p(e);
                    g1 = s;
                    g2 = s * c;
                    g3 = g2 * (c - s);
                }
                case RELU -> {
                    v = Math.max(xi, 0.0); // Math.max propagates NaN
                    g1 = xi > 0 ? 1.0 : 0.0;
                    g2 = 0.0;
                    g3 = 0.0;
                }
                case GELU -> {
                    double t = beta * xi;
                    double cdf = Erf.normalCdf(t);
                    // φ(t) underflows to 0 beyond |t| = 38.6, so clamping t for the φ terms only
                    // removes ∞·0 at infinite inputs.
                    double tc = Math.max(-Erf.CLAMP, Math.min(t, Erf.CLAMP));
                    double pdf = Erf.normalPdf(tc);
                    v = xi * cdf;
                    g1 = cdf + tc * pdf;
                    g2 = beta * pdf * (2.0 - tc * tc);
                    g3 = beta * beta * pdf * (tc * (tc * tc - 4.0));
                }
                default -> throw new AssertionError(f);
            }
            if (value != null) {
                value[i] = v;
            }
            if (d1 != null) {
                d1[i] = g1;
            }
            if (d2 != null) {
                d2[i] = g2;
            }
            if (d3 != null) {
                d3[i] = g3;
            }
        }
    }

    @Override
    public void addToRows(int rows, int cols, double[] a, int lda, double[] v) {
        for (int i = 0; i < rows; i++) {
            int row = i * lda;
            for (int j = 0; j < cols; j++) {
                a[row + j] += v[j];
            }
        }
    }

    @Override
    public void addColumnSums(int rows, int cols, double[] a, int lda, double[] out) {
        for (int i = 0; i < rows; i++) {
            int row = i * lda;
            for (int j = 0; j < cols; j++) {
                out[j] += a[row + j];
            }
        }
    }

    @Override
    public void combineRows(int k, int m, int w, double[] s, int sOff, int lds, double[] x, int xOff, int ldx,
                            double[] y, int yOff, int ldy) {
        combineRowsScalar(k, m, w, s, sOff, lds, x, xOff, ldx, y, yOff, ldy);
    }

    /** {@link #combineRows}'s loops, also the vector kernel's tail (the same FMA chain per entry). */
    static void combineRowsScalar(int k, int m, int w, double[] s, int sOff, int lds, double[] x, int xOff, int ldx,
                                  double[] y, int yOff, int ldy) {
        for (int i = 0; i < k; i++) {
            int si = sOff + i * lds;
            for (int t = 0; t < w; t++) {
                double acc = s[si] * x[xOff + t];
                for (int j = 1; j < m; j++) {
                    acc = Math.fma(s[si + j], x[xOff + j * ldx + t], acc);
                }
                y[yOff + i * ldy + t] = acc;
            }
        }
    }

    @Override
    public void gemm(boolean transA, boolean transB, int m, int n, int k,
                     double alpha, double[] a, int aOff, int lda,
                     double[] b, int bOff, int ldb,
                     double beta, double[] c, int cOff, int ldc) {
        // C ← beta·C first; beta = 0 stores zeros so NaN/Inf in C do not propagate (BLAS rule).
        for (int i = 0; i < m; i++) {
            int row = cOff + i * ldc;
            if (beta == 0.0) {
                java.util.Arrays.fill(c, row, row + n, 0.0);
            } else if (beta != 1.0) {
                for (int j = 0; j < n; j++) {
                    c[row + j] *= beta;
                }
            }
        }
        // alpha = 0 or k = 0: op(A)·op(B) is not referenced (BLAS rule), so NaN in A or B is ignored.
        if (alpha == 0.0 || k == 0) {
            return;
        }
        for (int i = 0; i < m; i++) {
            int cRow = cOff + i * ldc;
            if (!transB) {
                // i-p-j: unit stride over the rows of B and C.
                for (int p = 0; p < k; p++) {
                    double aip = alpha * (transA ? a[aOff + p * lda + i] : a[aOff + i * lda + p]);
                    int bRow = bOff + p * ldb;
                    for (int j = 0; j < n; j++) {
                        c[cRow + j] += aip * b[bRow + j];
                    }
                }
            } else {
                // B is n×k: each C entry is a dot product of a row of op(A) with a row of B.
                for (int j = 0; j < n; j++) {
                    int bRow = bOff + j * ldb;
                    double s = 0.0;
                    for (int p = 0; p < k; p++) {
                        double aip = transA ? a[aOff + p * lda + i] : a[aOff + i * lda + p];
                        s += aip * b[bRow + p];
                    }
                    c[cRow + j] += alpha * s;
                }
            }
        }
    }
}
