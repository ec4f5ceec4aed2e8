package dev.morse.simd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link Kernels#gemm} of every backend against a naive triple loop: odd shapes that leave
 * partial micro-tiles in both directions, shapes that cross the k-, m- and n-blocking
 * boundaries, all four transpose combinations, alpha and beta ≠ 1, nonzero offsets, leading
 * dimensions wider than the matrix, and the BLAS rules for beta = 0 and alpha = 0.
 */
class GemmTest {

    private static final double EPS = Math.ulp(1.0);
    private static final int[] DIMS = {0, 1, 2, 3, 5, 7, 17, 33, 67, 130};

    static Stream<Named<Kernels>> backends() {
        return Stream.of(Named.of("scalar", KernelProvider.scalar()), Named.of("vector", KernelProvider.vector()));
    }

    /** A GEMM problem with its own padded, offset storage. */
    private static final class Problem {
        final boolean ta;
        final boolean tb;
        final int m;
        final int n;
        final int k;
        final int aOff = 3;
        final int bOff = 5;
        final int cOff = 7;
        final int lda;
        final int ldb;
        final int ldc;
        final double[] a;
        final double[] b;
        final double[] c;

        Problem(Random rnd, boolean ta, boolean tb, int m, int n, int k) {
            this.ta = ta;
            this.tb = tb;
            this.m = m;
            this.n = n;
            this.k = k;
            int aRows = ta ? k : m;
            int aCols = ta ? m : k;
            int bRows = tb ? n : k;
            int bCols = tb ? k : n;
            // Leading dimensions wider than the rows, so padding between rows must be ignored and preserved.
            lda = aCols + 2;
            ldb = bCols + 3;
            ldc = n + 1;
            a = fill(rnd, aOff + aRows * lda);
            b = fill(rnd, bOff + bRows * ldb);
            c = fill(rnd, cOff + m * ldc);
        }

        private static double[] fill(Random rnd, int len) {
            double[] x = new double[len];
            for (int i = 0; i < len; i++) {
                x[i] = rnd.nextDouble() * 2 - 1;
            }
            return x;
        }

        double opA(int i, int p) {
            return ta ? a[aOff + p * lda + i] : a[aOff + i * lda + p];
        }

        double opB(int p, int j) {
            return tb ? b[bOff + j * ldb + p] : b[bOff + p * ldb + j];
        }

        void run(Kernels kern, double alpha, double beta, double[] cc) {
            kern.gemm(ta, tb, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, cc, cOff, ldc);
        }

        /** Checks cc against the naive product, entry by entry, with an error bound of (k+2)·4ε·(|α|Σ|a||b| + |β||c|). */
        void check(String label, double alpha, double beta, double[] c0, double[] cc) {
            for (int idx = 0; idx < cc.length; idx++) {
                int rel = idx - cOff;
                boolean inside = rel >= 0 && rel / ldc < m && rel % ldc < n;
                if (!inside) {
                    assertEquals(Double.doubleToRawLongBits(c0[idx]), Double.doubleToRawLongBits(cc[idx]),
                            label + ": element " + idx + " outside C must be untouched");
                    continue;
                }
                int i = rel / ldc;
                int j = rel % ldc;
                double sum = 0;
                double abs = 0;
                for (int p = 0; p < k; p++) {
                    double t = opA(i, p) * opB(p, j);
                    sum += t;
                    abs += Math.abs(t);
                }
                double cOld = beta == 0.0 ? 0.0 : beta * c0[idx];
                double expected = alpha * sum + cOld;
                double tol = (k + 2) * 4 * EPS * (Math.abs(alpha) * abs + Math.abs(cOld));
                double got = cc[idx];
                assertTrue(Math.abs(got - expected) <= tol,
                        () -> label + ": C[" + i + "][" + j + "] expected " + expected + " ± " + tol + ", got " + got);
            }
        }
    }

    private static String label(Kernels kern, Problem p, double alpha, double beta) {
        return kern.name() + " gemm(transA=" + p.ta + ", transB=" + p.tb + ", m=" + p.m + ", n=" + p.n + ", k=" + p.k
                + ", alpha=" + alpha + ", beta=" + beta + ")";
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void oddShapesAllTransposesMatchNaive(Kernels kern) {
        Random rnd = new Random(11);
        for (int t = 0; t < 4; t++) {
            boolean ta = (t & 2) != 0;
            boolean tb = (t & 1) != 0;
            for (int m : DIMS) {
                for (int n : DIMS) {
                    for (int k : DIMS) {
                        // All combinations of the small dimensions; the large ones (67, 130) against a subset, to keep the run short.
                        if ((m >= 67 ? 1 : 0) + (n >= 67 ? 1 : 0) + (k >= 67 ? 1 : 0) > 1) {
                            continue;
                        }
                        Problem p = new Problem(rnd, ta, tb, m, n, k);
                        double alpha = -1.25;
                        double beta = 0.5;
                        double[] cc = p.c.clone();
                        p.run(kern, alpha, beta, cc);
                        p.check(label(kern, p, alpha, beta), alpha, beta, p.c, cc);
                    }
                }
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void blockingBoundariesMatchNaive(Kernels kern) {
        Random rnd = new Random(12);
        // k crosses KC = 256 twice (the later k-blocks accumulate with beta = 1), m crosses MC,
        // n crosses NC = 256·NR (2048 on AVX2), and 130 × 130 × 130 fills many full micro-tiles.
        int[][] shapes = {{9, 11, 600}, {211, 13, 5}, {3, 2100, 4}, {130, 130, 130}, {6, 9, 257}};
        for (int[] s : shapes) {
            for (int t = 0; t < 4; t++) {
                Problem p = new Problem(rnd, (t & 2) != 0, (t & 1) != 0, s[0], s[1], s[2]);
                for (double[] ab : new double[][] {{1.0, 1.0}, {0.75, -2.0}, {1.0, 0.0}}) {
                    double[] cc = p.c.clone();
                    p.run(kern, ab[0], ab[1], cc);
                    p.check(label(kern, p, ab[0], ab[1]), ab[0], ab[1], p.c, cc);
                }
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void betaZeroOverwritesNaNInC(Kernels kern) {
        Random rnd = new Random(13);
        for (int[] s : new int[][] {{1, 1, 1}, {5, 8, 3}, {7, 17, 33}, {130, 67, 300}, {4, 4, 0}}) {
            for (int t = 0; t < 4; t++) {
                Problem p = new Problem(rnd, (t & 2) != 0, (t & 1) != 0, s[0], s[1], s[2]);
                double[] nanC = p.c.clone();
                for (int i = 0; i < p.m; i++) {
                    Arrays.fill(nanC, p.cOff + i * p.ldc, p.cOff + i * p.ldc + p.n, Double.NaN);
                }
                double[] cc = nanC.clone();
                p.run(kern, 2.0, 0.0, cc);
                p.check(label(kern, p, 2.0, 0.0) + " with NaN-filled C", 2.0, 0.0, nanC, cc);
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void alphaZeroOrEmptyKOnlyScalesC(Kernels kern) {
        Random rnd = new Random(14);
        for (int k : new int[] {0, 5}) {
            Problem p = new Problem(rnd, false, true, 6, 9, k);
            Arrays.fill(p.a, Double.NaN); // BLAS: with alpha = 0, A and B are not referenced
            double[] cc = p.c.clone();
            p.run(kern, k == 0 ? 1.0 : 0.0, -3.0, cc);
            for (int i = 0; i < p.m; i++) {
                for (int j = 0; j < p.n; j++) {
                    int idx = p.cOff + i * p.ldc + j;
                    assertEquals(-3.0 * p.c[idx], cc[idx], 0.0, kern.name() + " k=" + k + ": C[" + i + "][" + j + "] should be beta*C");
                }
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void emptyOutputIsANoOp(Kernels kern) {
        double[] c = {1.0, 2.0};
        double[] a = {Double.NaN};
        kern.gemm(false, false, 0, 2, 1, 1.0, a, 0, 1, a, 0, 2, 0.0, c, 0, 2);
        kern.gemm(true, true, 2, 0, 1, 1.0, a, 0, 2, a, 0, 1, 0.0, c, 0, 1);
        assertTrue(Arrays.equals(new double[] {1.0, 2.0}, c), kern.name() + ": m = 0 or n = 0 must leave C untouched");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void repeatedCallsReuseTheWorkspaceCorrectly(Kernels kern) {
        // A large call grows the per-thread packing buffers; a smaller one must not read stale data from them.
        Random rnd = new Random(15);
        Problem big = new Problem(rnd, true, false, 67, 130, 300);
        Problem small = new Problem(rnd, false, false, 7, 5, 3);
        for (Problem p : new Problem[] {big, small, big}) {
            double[] cc = p.c.clone();
            p.run(kern, 1.0, 0.0, cc);
            p.check(label(kern, p, 1.0, 0.0), 1.0, 0.0, p.c, cc);
        }
    }
}
