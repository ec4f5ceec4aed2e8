package dev.morse.linalg;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Row-major dgemm and dgemv against naive loops: odd shapes, offsets, padded rows, every transpose. */
class BlasTest {

    /** Sentinel in padding and outside the target block: must survive every call untouched. */
    private static final double PAD = 12345.678;

    private static final int[][] SHAPES = {{1, 1, 1}, {3, 5, 7}, {13, 4, 9}, {8, 17, 33}, {0, 3, 2}, {3, 0, 2}, {4, 3, 0}};

    static Stream<Arguments> gemmCases() {
        return TestBackends.all().flatMap(b -> Stream.of(
                Arguments.of(b, false, false), Arguments.of(b, false, true),
                Arguments.of(b, true, false), Arguments.of(b, true, true)));
    }

    static Stream<Arguments> syrkCases() {
        return TestBackends.all().flatMap(b -> Stream.of(Arguments.of(b, false), Arguments.of(b, true)));
    }

    /** A rows×cols matrix at offset off with leading dimension ld, padding filled with PAD. */
    private static double[] padded(Random r, int rows, int cols, int off, int ld) {
        double[] x = new double[off + rows * ld + 3];
        java.util.Arrays.fill(x, PAD);
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                x[off + i * ld + j] = r.nextDouble() * 2 - 1;
            }
        }
        return x;
    }

    @ParameterizedTest(name = "{0} transA={1} transB={2}")
    @MethodSource("gemmCases")
    void dgemmMatchesNaiveLoop(TestBackends.Backend backend, boolean transA, boolean transB) {
        Linalg linalg = backend.get();
        Random r = new Random(31 + (transA ? 2 : 0) + (transB ? 1 : 0));
        for (int[] s : SHAPES) {
            int m = s[0];
            int n = s[1];
            int k = s[2];
            for (double beta : new double[] {0, 0.7, 1}) {
                int aRows = transA ? k : m;
                int aCols = transA ? m : k;
                int bRows = transB ? n : k;
                int bCols = transB ? k : n;
                int lda = Math.max(1, aCols) + 2;
                int ldb = Math.max(1, bCols) + 1;
                int ldc = Math.max(1, n) + 3;
                int aOff = 3;
                int bOff = 5;
                int cOff = 2;
                double[] a = padded(r, aRows, aCols, aOff, lda);
                double[] b = padded(r, bRows, bCols, bOff, ldb);
                double[] c = padded(r, m, n, cOff, ldc);
                if (beta == 0) {
                    for (int i = 0; i < m; i++) {
                        for (int j = 0; j < n; j++) {
                            c[cOff + i * ldc + j] = Double.NaN; // beta = 0 must overwrite, not propagate
                        }
                    }
                }
                double[] expected = c.clone();
                double alpha = 1.5;
                for (int i = 0; i < m; i++) {
                    for (int j = 0; j < n; j++) {
                        double sum = 0;
                        for (int p = 0; p < k; p++) {
                            double aip = transA ? a[aOff + p * lda + i] : a[aOff + i * lda + p];
                            double bpj = transB ? b[bOff + j * ldb + p] : b[bOff + p * ldb + j];
                            sum += aip * bpj;
                        }
                        double old = c[cOff + i * ldc + j];
                        expected[cOff + i * ldc + j] = alpha * sum + (beta == 0 ? 0 : beta * old);
                    }
                }
                linalg.dgemm(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
                String what = "dgemm m=" + m + " n=" + n + " k=" + k + " beta=" + beta;
                for (int i = 0; i < c.length; i++) {
                    assertEquals(expected[i], c[i], 1e-13 * (k + 1), what + ": c[" + i + "] (padding must stay " + PAD + ")");
                }
            }
        }
    }

    @ParameterizedTest(name = "{0} trans={1}")
    @MethodSource("syrkCases")
    void dgemvMatchesNaiveLoop(TestBackends.Backend backend, boolean trans) {
        Linalg la = backend.get();
        Random r = new Random(77);
        for (int[] shape : new int[][] {{1, 1}, {3, 5}, {13, 4}, {40, 257}, {0, 3}, {3, 0}}) {
            int rows = shape[0], cols = shape[1], lda = cols + 2, aOff = 3;
            double[] a = padded(r, rows, cols, aOff, Math.max(1, lda));
            int xLen = trans ? rows : cols, yLen = trans ? cols : rows;
            double[] x = new double[2 + xLen];
            double[] y = new double[1 + yLen + 2];
            for (int i = 0; i < x.length; i++) x[i] = r.nextDouble() - 0.5;
            java.util.Arrays.fill(y, PAD);
            for (int i = 0; i < yLen; i++) y[1 + i] = r.nextDouble();
            double[] expected = y.clone();
            for (int i = 0; i < yLen; i++) {
                double s = 0;
                for (int t = 0; t < xLen; t++) s += (trans ? a[aOff + t * lda + i] : a[aOff + i * lda + t]) * x[2 + t];
                expected[1 + i] = 0.75 * s - 0.5 * y[1 + i];
            }
            la.dgemv(trans, rows, cols, 0.75, a, aOff, Math.max(1, lda), x, 2, -0.5, y, 1);
            for (int i = 0; i < y.length; i++) {
                assertEquals(expected[i], y[i], 1e-13 * (1 + xLen), la.backend() + " dgemv " + rows + "x" + cols + " trans=" + trans + " at " + i);
            }
        }
    }
}
