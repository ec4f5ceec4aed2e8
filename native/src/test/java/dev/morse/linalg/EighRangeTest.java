package dev.morse.linalg;

import static dev.morse.linalg.Matrices.EPS;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Partial spectra (dsyevr RANGE='I' and 'V') against the full decomposition, on every backend. */
class EighRangeTest {

    private static final int N = 37;
    private static final double C = 20;

    static Stream<Arguments> backends() {
        return TestBackends.all().map(Arguments::of);
    }

    private static void checkPart(double[] a, int n, double[] expected, SymmetricEigen part, String what) {
        double tol = C * n * EPS * Matrices.frobenius(a);
        assertEquals(expected.length, part.count(), what + ": number of eigenvalues");
        assertTrue(Matrices.maxDiff(expected, part.values()) <= tol,
                what + ": eigenvalues " + Arrays.toString(part.values()) + " should equal " + Arrays.toString(expected));
        if (part.vectors() != null) {
            assertEquals((long) part.count() * n, part.vectors().length, what + ": vectors are m×n");
            double res = Matrices.residual(a, n, part.values(), part.vectors());
            assertTrue(res <= C * n * EPS, what + ": residual " + res + " should be ≤ " + C * n * EPS);
            double orth = Matrices.orthogonality(part.vectors(), part.count(), n);
            assertTrue(orth <= C * n * EPS, what + ": orthogonality " + orth);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void indexRangesMatchTheFullDecomposition(TestBackends.Backend backend) {
        Linalg linalg = backend.get();
        double[] a = Matrices.randomSymmetric(N, 11);
        double[] before = a.clone();
        double[] all = linalg.eigh(a, N, false).values();
        int[][] ranges = {{0, 0}, {0, 4}, {N - 5, N - 1}, {10, 20}, {0, N - 1}, {N - 1, N - 1}};
        for (int[] r : ranges) {
            double[] expected = Arrays.copyOfRange(all, r[0], r[1] + 1);
            for (boolean vectors : new boolean[] {false, true}) {
                SymmetricEigen part = linalg.eighRange(a, N, r[0], r[1], vectors);
                checkPart(a, N, expected, part, "eighRange(" + r[0] + ", " + r[1] + ", vectors=" + vectors + ")");
                if (!vectors) {
                    assertNull(part.vectors(), "vectors=false computes no vectors");
                }
            }
        }
        assertArrayEquals(before, a, "eighRange must not modify its input");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void intervalsMatchTheFullDecomposition(TestBackends.Backend backend) {
        Linalg linalg = backend.get();
        double[] a = Matrices.randomSymmetric(N, 12);
        double[] all = linalg.eigh(a, N, false).values();
        // Bounds halfway between eigenvalues, so rounding cannot move one across a bound.
        double[][] intervals = {
            {mid(all, 3), mid(all, 9)},
            {all[0] - 1, mid(all, 0)},
            {mid(all, N - 2), all[N - 1] + 1},
            {all[N - 1] + 1, all[N - 1] + 2},          // empty
            {Double.NEGATIVE_INFINITY, mid(all, 17)},
            {mid(all, 30), Double.POSITIVE_INFINITY},
            {Double.NEGATIVE_INFINITY, Double.POSITIVE_INFINITY},
            {Double.NEGATIVE_INFINITY, -1e300},          // empty: below the whole spectrum
            {1e300, Double.POSITIVE_INFINITY},           // empty: above it
        };
        for (double[] iv : intervals) {
            double[] expected = Arrays.stream(all).filter(x -> x > iv[0] && x <= iv[1]).toArray();
            for (boolean vectors : new boolean[] {false, true}) {
                SymmetricEigen part = linalg.eighInterval(a, N, iv[0], iv[1], vectors);
                checkPart(a, N, expected, part, "eighInterval(" + iv[0] + ", " + iv[1] + ", vectors=" + vectors + ")");
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void intervalIsHalfOpen(TestBackends.Backend backend) {
        double[] a = {1, 0, 0, 0, 2, 0, 0, 0, 3};
        SymmetricEigen e = backend.get().eighInterval(a, 3, 1, 2, false);
        assertArrayEquals(new double[] {2}, e.values(), 0.0, "(1, 2] contains 2 but not 1");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void topKOfARepeatedSpectrum(TestBackends.Backend backend) {
        double[] a = Matrices.withSpectrum(new double[] {1, 1, 1, 2, 2, 5}, 3);
        SymmetricEigen top = backend.get().eighRange(a, 6, 3, 5, true);
        checkPart(a, 6, new double[] {2, 2, 5}, top, "top 3 of diag(1,1,1,2,2,5)");
    }

    /**
     * Regression guard: netlib's F2j dsyevr returned duplicated (non-orthogonal) eigenvectors for
     * repeated eigenvalues when RANGE was 'I' or 'V'; every backend must give orthonormal ones.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void rangesOfClusteredSpectraHaveOrthonormalVectors(TestBackends.Backend backend) {
        Linalg linalg = backend.get();
        double[] spectrum = {0, 0, 0, 0, 1, 1, 1, 2, 3, 3, 3, 3, 3, 3, 4, 5, 6, 7, 7, 7};
        int n = spectrum.length;
        for (long seed = 0; seed < 40; seed++) {
            double[] a = Matrices.withSpectrum(spectrum, seed);
            checkPart(a, n, Arrays.copyOfRange(spectrum, 10, 20), linalg.eighRange(a, n, 10, 19, true),
                    "eighRange(10, 19) of a clustered spectrum, seed " + seed);
            checkPart(a, n, Arrays.copyOfRange(spectrum, 4, 14), linalg.eighInterval(a, n, 0.5, 3.5, true),
                    "eighInterval(0.5, 3.5] of a clustered spectrum, seed " + seed);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void emptyMatrixInterval(TestBackends.Backend backend) {
        SymmetricEigen e = backend.get().eighInterval(new double[0], 0, -1, 1, true);
        assertEquals(0, e.count(), "0×0 has no eigenvalues in any interval");
    }

    private static double mid(double[] sorted, int i) {
        return 0.5 * (sorted[i] + sorted[i + 1]);
    }

    /**
     * Regression: with an infinite bound the Gershgorin bound used to sum whole rows, though only
     * the lower triangle is read. A star matrix given by its lower triangle alone (zeros above)
     * then looked like it had row sums of 1 instead of 99, and (0.5, ∞) came back empty.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void infiniteBoundsUseOnlyTheLowerTriangle(TestBackends.Backend backend) {
        Linalg linalg = backend.get();
        int n = 100;
        double[] lower = new double[n * n];
        for (int i = 1; i < n; i++) lower[i * n] = 1.0;   // a_{i0} = 1: the star's spokes, lower triangle only
        // Eigenvalues of the star: ±√(n−1) and n−2 zeros.
        double top = Math.sqrt(n - 1);
        SymmetricEigen above = linalg.eighInterval(lower, n, 0.5, Double.POSITIVE_INFINITY, false);
        assertEquals(1, above.count(), "one eigenvalue above 0.5");
        assertEquals(top, above.values()[0], 1e-12 * top, "it is √(n−1)");
        SymmetricEigen below = linalg.eighInterval(lower, n, Double.NEGATIVE_INFINITY, -0.5, false);
        assertEquals(1, below.count(), "one eigenvalue below −0.5");
        assertEquals(-top, below.values()[0], 1e-12 * top, "it is −√(n−1)");
        assertEquals(n - 1.0, Linalg.maxAbsRowSum(lower, n), 0.0, "Gershgorin bound of the symmetric matrix");
    }
}
