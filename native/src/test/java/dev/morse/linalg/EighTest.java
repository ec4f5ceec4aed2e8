package dev.morse.linalg;

import static dev.morse.linalg.Matrices.EPS;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Full symmetric eigendecomposition (dsyevd) on every backend, checked by invariants. */
class EighTest {

    /** Backward-stable eigensolvers give residual and orthogonality O(n·ε); 20 leaves room for the F2j path. */
    private static final double C = 20;

    static Stream<Arguments> backendsAndSizes() {
        return TestBackends.all().flatMap(b -> Stream.of(1, 2, 7, 50, 200).map(n -> Arguments.of(b, n)));
    }

    static Stream<Arguments> backends() {
        return TestBackends.all().map(Arguments::of);
    }

    /** Checks everything a decomposition of a must satisfy, and returns it. */
    static SymmetricEigen checkDecomposition(Linalg linalg, double[] a, int n) {
        double[] before = a.clone();
        SymmetricEigen e = linalg.eigh(a, n, true);
        assertArrayEquals(before, a, "eigh must not modify its input");
        assertEquals(n, e.n(), "n()");
        assertEquals(n, e.count(), "a full decomposition has n eigenpairs");
        assertEquals((long) n * n, e.vectors().length, "vectors are n×n");
        assertTrue(Matrices.ascending(e.values()), "eigenvalues must be ascending");
        double tol = C * Math.max(1, n) * EPS;
        double res = Matrices.residual(a, n, e.values(), e.vectors());
        assertTrue(res <= tol, "‖AV−VΛ‖_F/‖A‖_F = " + res + " should be ≤ " + tol + " for n=" + n);
        double orth = Matrices.orthogonality(e.vectors(), n, n);
        assertTrue(orth <= tol, "‖VVᵀ−I‖_F = " + orth + " should be ≤ " + tol + " for n=" + n);

        SymmetricEigen valuesOnly = linalg.eigh(a, n, false);
        assertNull(valuesOnly.vectors(), "vectors=false computes no vectors");
        double scale = Math.max(1, Matrices.frobenius(a));
        double diff = Matrices.maxDiff(e.values(), valuesOnly.values());
        assertTrue(diff <= tol * scale, "values-only eigenvalues differ from the with-vectors ones by " + diff);
        return e;
    }

    @ParameterizedTest(name = "{0} n={1}")
    @MethodSource("backendsAndSizes")
    void randomSymmetric(TestBackends.Backend backend, int n) {
        checkDecomposition(backend.get(), Matrices.randomSymmetric(n, 1000 + n), n);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void diagonalGivesSortedDiagonal(TestBackends.Backend backend) {
        double[] d = {3, -1, 7, 0, 2.5, -4};
        int n = d.length;
        double[] a = new double[n * n];
        for (int i = 0; i < n; i++) {
            a[i * n + i] = d[i];
        }
        SymmetricEigen e = checkDecomposition(backend.get(), a, n);
        assertArrayEquals(new double[] {-4, -1, 0, 2.5, 3, 7}, e.values(), 0.0,
                "a diagonal matrix's eigenvalues are its sorted diagonal, exactly");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void identity(TestBackends.Backend backend) {
        int n = 9;
        double[] a = new double[n * n];
        for (int i = 0; i < n; i++) {
            a[i * n + i] = 1;
        }
        SymmetricEigen e = checkDecomposition(backend.get(), a, n);
        for (double v : e.values()) {
            assertEquals(1.0, v, 4 * EPS, "every eigenvalue of I is 1");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void repeatedEigenvalues(TestBackends.Backend backend) {
        double[] spectrum = {1, 1, 1, 2, 2, 5};
        int n = spectrum.length;
        double[] a = Matrices.withSpectrum(new double[] {2, 1, 5, 1, 2, 1}, 42);
        SymmetricEigen e = checkDecomposition(backend.get(), a, n);
        assertArrayEquals(spectrum, e.values(), 1e-13, "eigenvalues of Q diag(1,1,1,2,2,5) Qᵀ");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void emptyMatrix(TestBackends.Backend backend) {
        Linalg linalg = backend.get();
        SymmetricEigen e = linalg.eigh(new double[0], 0, true);
        assertEquals(0, e.count(), "0×0 has no eigenvalues");
        assertEquals(0, e.vectors().length, "0×0 has an empty (non-null) vector array when vectors are asked for");
        assertNull(linalg.eigh(new double[0], 0, false).vectors(), "no vectors when not asked for");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void oneByOne(TestBackends.Backend backend) {
        SymmetricEigen e = backend.get().eigh(new double[] {-2.5}, 1, true);
        assertArrayEquals(new double[] {-2.5}, e.values(), 0.0, "1×1: the eigenvalue is the entry");
        assertEquals(1.0, Math.abs(e.vectors()[0]), 0.0, "1×1: the eigenvector is ±1");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void onlyLowerTriangleIsRead(TestBackends.Backend backend) {
        int n = 5;
        double[] a = Matrices.randomSymmetric(n, 7);
        double[] garbage = a.clone();
        for (int i = 0; i < n; i++) {
            for (int j = i + 1; j < n; j++) {
                garbage[i * n + j] = 1e3 * (i + j); // upper triangle differs
            }
        }
        Linalg linalg = backend.get();
        assertArrayEquals(linalg.eigh(a, n, false).values(), linalg.eigh(garbage, n, false).values(), 0.0,
                "eigh reads only the lower triangle (j ≤ i), as documented");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void inPlaceReturnsVectorsInTheInputArray(TestBackends.Backend backend) {
        int n = 30;
        double[] a = Matrices.randomSymmetric(n, 5);
        Linalg linalg = backend.get();
        SymmetricEigen copy = linalg.eigh(a, n, true);
        double[] work = a.clone();
        SymmetricEigen inPlace = linalg.eighInPlace(work, n, true);
        assertSame(work, inPlace.vectors(), "eighInPlace returns the eigenvectors in the input array, without a copy");
        assertArrayEquals(copy.values(), inPlace.values(), 0.0, "in-place and copying eigh run the same computation");
        double res = Matrices.residual(a, n, inPlace.values(), inPlace.vectors());
        assertTrue(res <= C * n * EPS, "in-place residual " + res);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void backendsAgreeOnEigenvalues(TestBackends.Backend backend) {
        int n = 40;
        double[] a = Matrices.randomSymmetric(n, 77);
        double[] mine = backend.get().eigh(a, n, false).values();
        double[] reference = Linalg.javaFallback().eigh(a, n, false).values();
        double tol = C * n * EPS * Matrices.frobenius(a);
        assertTrue(Matrices.maxDiff(mine, reference) <= tol,
                "eigenvalues should match the Java fallback's within " + tol);
    }
}
