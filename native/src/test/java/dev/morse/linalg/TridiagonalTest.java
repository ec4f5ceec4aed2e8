package dev.morse.linalg;

import static dev.morse.linalg.Matrices.EPS;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Symmetric tridiagonal eigenproblems (dstevr) against dense eigh of the same matrix. */
class TridiagonalTest {

    private static final double C = 20;

    static Stream<Arguments> backendsAndSizes() {
        return TestBackends.all().flatMap(b -> Stream.of(1, 2, 3, 20, 101).map(n -> Arguments.of(b, n)));
    }

    static Stream<Arguments> backends() {
        return TestBackends.all().map(Arguments::of);
    }

    private static double[] dense(double[] d, double[] e) {
        int n = d.length;
        double[] t = new double[n * n];
        for (int i = 0; i < n; i++) {
            t[i * n + i] = d[i];
            if (i + 1 < n) {
                t[i * n + i + 1] = e[i];
                t[(i + 1) * n + i] = e[i];
            }
        }
        return t;
    }

    @ParameterizedTest(name = "{0} n={1}")
    @MethodSource("backendsAndSizes")
    void matchesDenseEigh(TestBackends.Backend backend, int n) {
        Linalg linalg = backend.get();
        Random r = new Random(500 + n);
        double[] d = new double[n];
        double[] e = new double[Math.max(0, n - 1)];
        for (int i = 0; i < n; i++) {
            d[i] = r.nextGaussian();
        }
        for (int i = 0; i < e.length; i++) {
            e[i] = r.nextGaussian();
        }
        double[] dBefore = d.clone();
        double[] eBefore = e.clone();
        double[] t = dense(d, e);
        double[] expected = linalg.eigh(t, n, false).values();
        double tol = C * n * EPS * Math.max(1, Matrices.frobenius(t));

        SymmetricEigen full = linalg.tridiagonalEigen(d, e, true);
        assertArrayEquals(dBefore, d, "diag must not be modified");
        assertArrayEquals(eBefore, e, "offDiag must not be modified");
        assertTrue(Matrices.ascending(full.values()), "ascending eigenvalues");
        assertTrue(Matrices.maxDiff(expected, full.values()) <= tol,
                "tridiagonal eigenvalues " + Arrays.toString(full.values()) + " should equal dense " + Arrays.toString(expected));
        double res = Matrices.residual(t, n, full.values(), full.vectors());
        assertTrue(res <= C * n * EPS, "residual " + res + " should be ≤ " + C * n * EPS);
        double orth = Matrices.orthogonality(full.vectors(), n, n);
        assertTrue(orth <= C * n * EPS, "orthogonality " + orth + " should be ≤ " + C * n * EPS);

        SymmetricEigen valuesOnly = linalg.tridiagonalEigen(d, e, false);
        assertNull(valuesOnly.vectors(), "vectors=false computes no vectors");
        assertTrue(Matrices.maxDiff(full.values(), valuesOnly.values()) <= tol, "values-only equals with-vectors values");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void laplacianHasKnownSpectrum(TestBackends.Backend backend) {
        int n = 12;
        double[] d = new double[n];
        double[] e = new double[n - 1];
        Arrays.fill(d, 2);
        Arrays.fill(e, -1);
        double[] values = backend.get().tridiagonalEigen(d, e, false).values();
        for (int k = 1; k <= n; k++) {
            double exact = 2 - 2 * Math.cos(k * Math.PI / (n + 1));
            assertEquals(exact, values[k - 1], 1e-14, "eigenvalue " + k + " of the 1-D Laplacian: 2−2cos(kπ/(n+1))");
        }
    }

    /**
     * Exactly repeated eigenvalues (copies of one block, coupled by 1e-9), as Lanczos ghosts
     * produce, through the call Lanczos and SLQ use. MRRR (dstevr) guarantees orthogonality of
     * O(n·ε) with a constant that grows for clusters this tight (relative gaps of 1e-9); measured
     * worst over these seeds: 1.1e-13 = 33·n·ε at n = 15. The bound 100·n·ε leaves a factor 3 of
     * room and still fails for vectors that are not orthogonal to working accuracy (a Lanczos
     * basis loses nothing at 1e-13).
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void clusteredSpectraHaveOrthonormalVectors(TestBackends.Backend backend) {
        Linalg linalg = backend.get();
        int block = 5;
        int copies = 3;
        int n = block * copies;
        for (long seed = 0; seed < 40; seed++) {
            Random r = new Random(seed);
            double[] d = new double[n];
            double[] e = new double[n - 1];
            double[] bd = r.doubles(block).toArray();
            double[] be = r.doubles(block - 1).toArray();
            for (int c = 0; c < copies; c++) {
                System.arraycopy(bd, 0, d, c * block, block);
                System.arraycopy(be, 0, e, c * block, block - 1);
                if (c + 1 < copies) {
                    e[c * block + block - 1] = 1e-9 * r.nextGaussian();
                }
            }
            double[] t = dense(d, e);
            SymmetricEigen all = linalg.tridiagonalEigen(d, e, true);
            double orth = Matrices.orthogonality(all.vectors(), all.count(), n);
            assertTrue(orth <= 100 * n * EPS, "seed " + seed + ": orthogonality " + orth + " should be ≤ " + 100 * n * EPS);
            double res = Matrices.residual(t, n, all.values(), all.vectors());
            assertTrue(res <= C * n * EPS, "seed " + seed + ": residual " + res);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void emptyTridiagonal(TestBackends.Backend backend) {
        SymmetricEigen e = backend.get().tridiagonalEigen(new double[0], new double[0], true);
        assertEquals(0, e.count(), "order 0 has no eigenvalues");
    }
}
