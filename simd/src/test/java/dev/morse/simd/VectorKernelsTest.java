package dev.morse.simd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every level-1 and layout kernel of {@link VectorKernels} against {@link ScalarKernels} over
 * sizes that hit every vector-body/tail split (0, 1, below one vector, exact multiples, odd
 * remainders, multi-kilo lengths). Reductions use a tolerance scaled with n: the two sum in
 * different orders, and any two orders differ by at most ~n·ε·Σ|terms|.
 */
class VectorKernelsTest {

    static final int[] SIZES = {0, 1, 3, 4, 5, 7, 8, 13, 31, 64, 100, 257, 1023, 4099};
    private static final double EPS = Math.ulp(1.0);

    private final Kernels scalar = KernelProvider.scalar();
    private final Kernels vector = KernelProvider.vector();

    static int[] sizes() {
        return SIZES;
    }

    private static double[] random(Random rnd, int n) {
        double[] a = new double[n];
        for (int i = 0; i < n; i++) {
            a[i] = rnd.nextGaussian();
        }
        return a;
    }

    private static void assertWithin(double expected, double actual, double tol, String what) {
        assertTrue(Math.abs(expected - actual) <= tol,
                () -> what + ": expected " + expected + " ± " + tol + ", got " + actual);
    }

    @ParameterizedTest(name = "n={0}")
    @MethodSource("sizes")
    void dotMatchesScalar(int n) {
        Random rnd = new Random(1000 + n);
        // Offsets 3 and 5 put the two operands out of step with each other and with vector alignment.
        double[] x = random(rnd, n + 3);
        double[] y = random(rnd, n + 5);
        double abs = 0;
        for (int i = 0; i < n; i++) {
            abs += Math.abs(x[3 + i] * y[5 + i]);
        }
        assertWithin(scalar.dot(n, x, 3, y, 5), vector.dot(n, x, 3, y, 5), 4 * n * EPS * abs, "dot n=" + n);
    }

    /**
     * k dot products against one vector: each within rounding of the scalar dot, for every row
     * count (the 4-row block and its remainder), every length (two vectors, one, the scalar tail),
     * offsets and a leading dimension wider than the length; and a row's bits do not depend on
     * which rows are computed with it (the same n gives the same sum order).
     */
    @ParameterizedTest(name = "n={0}")
    @MethodSource("sizes")
    void dotRowsMatchScalarDots(int n) {
        Random rnd = new Random(3000 + n);
        int ldx = n + 3;
        for (int k : new int[] {0, 1, 3, 4, 5, 9}) {
            double[] x = random(rnd, 2 + k * ldx);
            double[] y = random(rnd, n + 5);
            double[] out = new double[k + 1];
            vector.dotRows(k, n, x, 2, ldx, y, 5, out, 1);
            double[] scalarOut = new double[k + 1];
            scalar.dotRows(k, n, x, 2, ldx, y, 5, scalarOut, 1);
            for (int i = 0; i < k; i++) {
                double abs = 0;
                for (int t = 0; t < n; t++) abs += Math.abs(x[2 + i * ldx + t] * y[5 + t]);
                assertWithin(scalar.dot(n, x, 2 + i * ldx, y, 5), out[1 + i], 4 * n * EPS * abs, "dotRows k=" + k + " n=" + n + " row " + i);
                assertEquals(scalar.dot(n, x, 2 + i * ldx, y, 5), scalarOut[1 + i], 0, "scalar dotRows is the scalar dot");
            }
            if (k == 9) {   // rows 4..7 alone (a block of their own) give the bits they had inside the 9
                double[] part = new double[4];
                vector.dotRows(4, n, x, 2 + 4 * ldx, ldx, y, 5, part, 0);
                for (int i = 0; i < 4; i++) assertEquals(out[1 + 4 + i], part[i], 0, "row " + (4 + i) + " with other rows");
            }
        }
    }

    /**
     * Row combinations: the contract fixes the summation order, so vector and scalar agree to the
     * bit, for every row count (the 4-row register block and its remainder), every width (2 vectors,
     * 1 vector, scalar tail), offsets and leading dimensions wider than the width; and the result
     * equals a plain-loop oracle written here to within rounding.
     */
    @ParameterizedTest(name = "w={0}")
    @MethodSource("sizes")
    void combineRowsMatchesScalarBitForBit(int w) {
        Random rnd = new Random(9000 + w);
        for (int k : new int[] {1, 3, 4, 5, 9}) {
            for (int m : new int[] {1, 2, 7, 40}) {
                int lds = m + 2, ldx = w + 3, ldy = w + 5;
                double[] s = random(rnd, 1 + k * lds);
                double[] x = random(rnd, 2 + m * ldx);
                double[] ys = new double[4 + k * ldy];
                double[] yv = new double[4 + k * ldy];
                Arrays.fill(ys, Double.NaN);   // every entry in range is written, none outside
                Arrays.fill(yv, Double.NaN);
                scalar.combineRows(k, m, w, s, 1, lds, x, 2, ldx, ys, 4, ldy);
                vector.combineRows(k, m, w, s, 1, lds, x, 2, ldx, yv, 4, ldy);
                for (int i = 0; i < yv.length; i++) {
                    int row = (i - 4) / ldy, col = (i - 4) % ldy;
                    boolean inside = i >= 4 && row < k && col < w;
                    if (!inside) {
                        assertTrue(Double.isNaN(yv[i]) && Double.isNaN(ys[i]), "k=" + k + " m=" + m + " w=" + w + ": wrote outside at " + i);
                        continue;
                    }
                    assertEquals(Double.doubleToRawLongBits(ys[i]), Double.doubleToRawLongBits(yv[i]),
                            "k=" + k + " m=" + m + " w=" + w + " row " + row + " col " + col);
                    double oracle = 0, abs = 0;
                    for (int j = 0; j < m; j++) {
                        double term = s[1 + row * lds + j] * x[2 + j * ldx + col];
                        oracle += term;
                        abs += Math.abs(term);
                    }
                    assertWithin(oracle, yv[i], 2 * m * EPS * abs, "oracle k=" + k + " m=" + m + " w=" + w);
                }
            }
        }
    }

    /**
     * firstNonFinite: the scalar twin and the vector kernel agree on the index of the first NaN,
     * +∞ or −∞ (at the first, a middle and the last entry, and with a second one after it), and
     * give −1 for finite entries, also those whose sum overflows; entries outside the range do not count.
     */
    @ParameterizedTest(name = "n={0}")
    @MethodSource("sizes")
    void firstNonFiniteFindsTheFirstBadEntry(int n) {
        for (Kernels k : new Kernels[] {scalar, vector}) {
            double[] x = random(new Random(4000 + n), n + 2);
            x[0] = Double.NaN;          // outside the range [1, n]
            x[n + 1] = Double.NEGATIVE_INFINITY;
            assertEquals(-1, k.firstNonFinite(n, x, 1), k.name() + " finite n=" + n);
            if (n == 0) continue;
            double[] big = new double[n + 2];
            java.util.Arrays.fill(big, 1, n + 1, Double.MAX_VALUE);
            assertEquals(-1, k.firstNonFinite(n, big, 1), k.name() + ": finite entries whose sum overflows, n=" + n);
            for (int at : new int[] {0, n / 2, n - 1}) {
                for (double bad : new double[] {Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY}) {
                    double[] y = x.clone();
                    y[1 + at] = bad;
                    if (at + 1 < n) y[n] = Double.NaN;   // a later one does not count
                    assertEquals(at, k.firstNonFinite(n, y, 1), k.name() + ": " + bad + " at " + at + ", n=" + n);
                    assertEquals(scalar.firstNonFinite(n, y, 1), vector.firstNonFinite(n, y, 1), "twins, n=" + n);
                }
            }
        }
    }

    /**
     * allFinite: true for finite entries even when their sum overflows (the exact scan decides
     * then), false for one NaN, +∞ or −∞ anywhere (first, last, middle), also when +∞ and −∞
     * cancel to NaN; entries outside the range do not count.
     */
    @ParameterizedTest(name = "n={0}")
    @MethodSource("sizes")
    void allFiniteDecidesEveryCase(int n) {
        for (Kernels k : new Kernels[] {scalar, vector}) {
            double[] x = random(new Random(3000 + n), n + 2);
            x[0] = Double.NaN;          // outside the range [1, n]
            x[n + 1] = Double.POSITIVE_INFINITY;
            assertTrue(k.allFinite(n, x, 1), k.name() + " finite n=" + n);
            if (n == 0) continue;
            double[] big = new double[n + 2];
            java.util.Arrays.fill(big, 1, n + 1, Double.MAX_VALUE);
            assertTrue(k.allFinite(n, big, 1), k.name() + ": finite entries whose sum overflows, n=" + n);
            for (int at : new int[] {0, n / 2, n - 1}) {
                for (double bad : new double[] {Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY}) {
                    double[] y = x.clone();
                    y[1 + at] = bad;
                    assertTrue(!k.allFinite(n, y, 1), k.name() + ": " + bad + " at " + at + ", n=" + n);
                }
            }
            if (n >= 2) {
                double[] y = x.clone();
                y[1] = Double.POSITIVE_INFINITY;
                y[n] = Double.NEGATIVE_INFINITY;
                assertTrue(!k.allFinite(n, y, 1), k.name() + ": +inf and -inf, n=" + n);
            }
        }
    }

    @ParameterizedTest(name = "n={0}")
    @MethodSource("sizes")
    void sumAndSumOfSquaresMatchScalar(int n) {
        Random rnd = new Random(2000 + n);
        double[] x = random(rnd, n + 2);
        double abs = 0;
        double sq = 0;
        for (int i = 0; i < n; i++) {
            abs += Math.abs(x[2 + i]);
            sq += x[2 + i] * x[2 + i];
        }
        assertWithin(scalar.sum(n, x, 2), vector.sum(n, x, 2), 4 * n * EPS * abs, "sum n=" + n);
        assertWithin(scalar.sumOfSquares(n, x, 2), vector.sumOfSquares(n, x, 2), 4 * n * EPS * sq, "sumOfSquares n=" + n);
    }

    @ParameterizedTest(name = "n={0}")
    @MethodSource("sizes")
    void axpyMatchesScalarAndLeavesTheRestAlone(int n) {
        Random rnd = new Random(3000 + n);
        double[] x = random(rnd, n + 1);
        double[] y0 = random(rnd, n + 6);
        double[] ys = y0.clone();
        double[] yv = y0.clone();
        double alpha = -0.75;
        scalar.axpy(n, alpha, x, 1, ys, 4);
        vector.axpy(n, alpha, x, 1, yv, 4);
        for (int i = 0; i < y0.length; i++) {
            if (i < 4 || i >= 4 + n) {
                assertEquals(y0[i], yv[i], 0.0, "axpy n=" + n + " must not touch y[" + i + "]");
            } else {
                // Vector uses one fma, scalar a multiply then an add: they differ by at most one rounding of alpha·x.
                double tol = 2 * EPS * (Math.abs(y0[i]) + Math.abs(alpha * x[i - 3]));
                assertWithin(ys[i], yv[i], tol, "axpy n=" + n + " at " + i);
            }
        }
    }

    @ParameterizedTest(name = "n={0}")
    @MethodSource("sizes")
    void scaleAndMulAreExact(int n) {
        Random rnd = new Random(4000 + n);
        double[] x0 = random(rnd, n + 3);
        double[] xs = x0.clone();
        double[] xv = x0.clone();
        scalar.scale(n, 1.5e-3, xs, 3);
        vector.scale(n, 1.5e-3, xv, 3);
        assertTrue(Arrays.equals(xs, xv), "scale n=" + n + ": vector must equal scalar bit for bit (one multiply each)");

        double[] a = random(rnd, n);
        double[] b = random(rnd, n);
        double[] os = new double[n];
        double[] ov = new double[n];
        scalar.mul(n, a, b, os);
        vector.mul(n, a, b, ov);
        assertTrue(Arrays.equals(os, ov), "mul n=" + n + ": vector must equal scalar bit for bit");
        // out aliasing x
        double[] alias = a.clone();
        vector.mul(n, alias, b, alias);
        assertTrue(Arrays.equals(os, alias), "mul n=" + n + " with out == x must equal the unaliased result");
    }

    @ParameterizedTest(name = "n={0}")
    @MethodSource("sizes")
    void mulAddMul3MatchesScalarIncludingAliasing(int n) {
        Random rnd = new Random(5000 + n);
        double[] a = random(rnd, n);
        double[] b = random(rnd, n);
        double[] c = random(rnd, n);
        double[] d = random(rnd, n);
        double[] e = random(rnd, n);
        double[] os = new double[n];
        scalar.mulAddMul3(n, a, b, c, d, e, os);
        double[] outA = a.clone();
        vector.mulAddMul3(n, outA, b, c, d, e, outA);
        double[] outE = e.clone();
        vector.mulAddMul3(n, a, b, c, d, outE, outE);
        for (int i = 0; i < n; i++) {
            double tol = 4 * EPS * (Math.abs(a[i] * b[i]) + Math.abs(c[i] * d[i] * e[i]));
            assertWithin(os[i], outA[i], tol, "mulAddMul3 n=" + n + " (out == a) at " + i);
            assertWithin(os[i], outE[i], tol, "mulAddMul3 n=" + n + " (out == e) at " + i);
        }
    }

    @ParameterizedTest(name = "cols={0}")
    @MethodSource("sizes")
    void repeatedFactorsMatchScalarAndTheDefinition(int cols) {
        if (cols > 1023) return;   // rows × reps × cols stays small
        Random rnd = new Random(5500 + cols);
        for (int[] shape : new int[][] {{1, 1}, {3, 2}, {5, 7}}) {
            int rows = shape[0], reps = shape[1];
            double[] s = random(rnd, rows * cols), t = random(rnd, rows * cols);
            double[] x = random(rnd, rows * reps * cols), y = random(rnd, rows * reps * cols);
            double[] os = new double[x.length], ov = new double[x.length];
            scalar.mulRepeated(rows, reps, cols, s, x, os);
            vector.mulRepeated(rows, reps, cols, s, x, ov);
            assertTrue(Arrays.equals(os, ov), "mulRepeated: vector equals scalar bit for bit (one multiply each)");
            for (int i = 0; i < rows; i++) {
                for (int j = 0; j < reps; j++) {
                    for (int c = 0; c < cols; c++) {
                        int o = (i * reps + j) * cols + c;
                        assertEquals(s[i * cols + c] * x[o], os[o], 0.0, "mulRepeated definition at row " + i + " copy " + j);
                    }
                }
            }
            double[] fs = new double[x.length];
            scalar.mulAddMulRepeated(rows, reps, cols, s, x, t, y, fs);
            double[] fv = x.clone();
            vector.mulAddMulRepeated(rows, reps, cols, s, fv, t, y, fv);   // out aliases x
            for (int i = 0; i < rows; i++) {
                for (int j = 0; j < reps; j++) {
                    for (int c = 0; c < cols; c++) {
                        int o = (i * reps + j) * cols + c;
                        double exact = s[i * cols + c] * x[o] + t[i * cols + c] * y[o];
                        double tol = 4 * EPS * (Math.abs(s[i * cols + c] * x[o]) + Math.abs(t[i * cols + c] * y[o]));
                        assertWithin(exact, fs[o], tol, "mulAddMulRepeated scalar at " + o);
                        assertWithin(fs[o], fv[o], tol, "mulAddMulRepeated vector (aliased) at " + o);
                    }
                }
            }
        }
    }

    @ParameterizedTest(name = "cols={0}")
    @MethodSource("sizes")
    void addToRowsAndColumnSumsMatchScalar(int cols) {
        Random rnd = new Random(6000 + cols);
        int lda = cols + 3; // padding between rows must stay untouched
        for (int rows : new int[] {0, 1, 3, 4, 7, 9}) {
            double[] a0 = random(rnd, rows * lda);
            double[] v = random(rnd, cols);
            double[] as = a0.clone();
            double[] av = a0.clone();
            scalar.addToRows(rows, cols, as, lda, v);
            vector.addToRows(rows, cols, av, lda, v);
            assertTrue(Arrays.equals(as, av), "addToRows rows=" + rows + " cols=" + cols + ": must equal scalar bit for bit");

            double[] init = random(rnd, cols);
            double[] ss = init.clone();
            double[] sv = init.clone();
            scalar.addColumnSums(rows, cols, a0, lda, ss);
            vector.addColumnSums(rows, cols, a0, lda, sv);
            for (int j = 0; j < cols; j++) {
                double abs = Math.abs(init[j]);
                for (int r = 0; r < rows; r++) {
                    abs += Math.abs(a0[r * lda + j]);
                }
                assertWithin(ss[j], sv[j], 4 * (rows + 1) * EPS * abs, "addColumnSums rows=" + rows + " cols=" + cols + " col " + j);
            }
        }
    }

    @ParameterizedTest(name = "n={0}")
    @MethodSource("sizes")
    void reductionsOfAnEmptyOrConstantInputAreExact(int n) {
        double[] ones = new double[n];
        Arrays.fill(ones, 1.0);
        assertEquals(n, vector.sum(n, ones, 0), 0.0, "sum of " + n + " ones");
        assertEquals(n, vector.sumOfSquares(n, ones, 0), 0.0, "sum of squares of " + n + " ones");
        assertEquals(n, vector.dot(n, ones, 0, ones, 0), 0.0, "dot of " + n + " ones");
    }
}
