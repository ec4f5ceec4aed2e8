package dev.morse.linalg;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The in-place Bunch–Kaufman factorization ({@link Linalg#ldltInPlace}, dsytrf) and its solves
 * ({@link Linalg#ldltSolve}, dsytrs), on every backend: inertia against eigenvalue counts, solve
 * residuals (one and several right-hand sides, indefinite and shifted), refusals.
 */
class LdltTest {

    static Stream<Arguments> backends() {
        return TestBackends.all().map(Arguments::of);
    }

    /** ‖(A − σI)x − b‖ / (‖A − σI‖_F ‖x‖ + ‖b‖) for row-major A. */
    static double relativeResidual(double[] a, int n, double shift, double[] x, double[] b, int off) {
        double r = 0, nx = 0, nb = 0, na = 0;
        for (int i = 0; i < n; i++) {
            double s = -shift * x[off + i];
            for (int j = 0; j < n; j++) s += a[i * n + j] * x[off + j];
            double d = s - b[off + i];
            r += d * d;
            nx += x[off + i] * x[off + i];
            nb += b[off + i] * b[off + i];
            for (int j = 0; j < n; j++) {
                double v = a[i * n + j] - (i == j ? shift : 0);
                na += v * v;
            }
        }
        return Math.sqrt(r) / (Math.sqrt(na) * Math.sqrt(nx) + Math.sqrt(nb));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void factorsInPlaceWithTheInertiaOfTheCopyingMethod(TestBackends.Backend backend) {
        Linalg linalg = backend.get();
        for (int n : new int[] {1, 2, 7, 64, 129}) {
            double[] a = Matrices.randomSymmetric(n, 100 + n);
            double[] values = linalg.eigh(a, n, false).values();
            double shift = n == 1 ? values[0] + 0.5 : 0.5 * (values[n / 2 - 1] + values[n / 2]);
            Inertia copy = linalg.inertia(a, n, shift);
            double[] f = a.clone();
            LdltFactorization ldlt = linalg.ldltInPlace(f, n, shift);
            assertEquals(copy, ldlt.inertia(), "n=" + n + ": in place and on a copy");
            int below = 0;
            for (double v : values) if (v < shift) below++;
            assertEquals(new Inertia(below, 0, n - below), ldlt.inertia(), "n=" + n + ": counts of the eigenvalues around " + shift);
            assertEquals(shift, ldlt.shift());
            assertEquals(n, ldlt.n());
            assertFalse(ldlt.singular());
            assertSame(linalg, ldlt.linalg());
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void solvesIndefiniteShiftedSystems(TestBackends.Backend backend) {
        Linalg linalg = backend.get();
        Random r = new Random(7);
        for (int n : new int[] {1, 3, 50, 131}) {
            double[] a = Matrices.randomSymmetric(n, 200 + n);
            double shift = 0.37;
            LdltFactorization f = linalg.ldltInPlace(a.clone(), n, shift);
            int nrhs = 3;
            double[] b = new double[1 + n * nrhs];   // offset 1: right-hand sides need not start at 0
            for (int i = 0; i < b.length; i++) b[i] = r.nextGaussian();
            double[] x = b.clone();
            f.solve(x, 1, nrhs);
            for (int j = 0; j < nrhs; j++) {
                double res = relativeResidual(a, n, shift, x, b, 1 + j * n);
                assertTrue(res < 1e3 * n * Matrices.EPS, "n=" + n + ", rhs " + j + ": relative residual " + res);
            }
            assertEquals(b[0], x[0], "entries before the offset are not touched");
            double[] one = java.util.Arrays.copyOfRange(b, 1, 1 + n);
            f.solve(one);
            assertArrayEquals(java.util.Arrays.copyOfRange(x, 1, 1 + n), one, 1e-12 * (1 + Matrices.frobenius(one)),
                    "one right-hand side alone gives the same solution");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void twoByTwoPivotsSolve(TestBackends.Backend backend) {
        Linalg linalg = backend.get();
        // A zero diagonal forces 2×2 pivots: [[0,1],[1,0]] x = b has x = (b1, b0).
        LdltFactorization f = linalg.ldltInPlace(new double[] {0, 1, 1, 0}, 2, 0);
        assertEquals(new Inertia(1, 0, 1), f.inertia());
        double[] b = {3, -5};
        f.solve(b);
        assertArrayEquals(new double[] {-5, 3}, b, 1e-15);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void singularFactorsCountTheirZerosAndRefuseToSolve(TestBackends.Backend backend) {
        Linalg linalg = backend.get();
        LdltFactorization f = linalg.ldltInPlace(new double[] {1, 0, 0, 0, 2, 0, 0, 0, 3}, 3, 2);
        assertTrue(f.singular(), "diag(1,2,3) − 2I has an exactly zero pivot");
        assertEquals(new Inertia(1, 1, 1), f.inertia());
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> f.solve(new double[3]));
        assertTrue(e.getMessage().contains("singular") && e.getMessage().contains("σ = 2.0"), e.getMessage());
        LdltFactorization empty = linalg.ldltInPlace(new double[0], 0, 1);
        assertEquals(new Inertia(0, 0, 0), empty.inertia());
        empty.solve(new double[0]);
    }

    /**
     * A pivot that is not zero but subnormal (diag(1, 4.9e-324, 3)): the factorization can solve, and
     * the solve overflows. That is a numerical failure of the run (LinalgException: the CLI's exit
     * 3), named with the entry, not an Infinity handed back (the shift-invert Lanczos of the Morse
     * check then refused it as an operator's non-finite product: an IllegalArgumentException, exit 1).
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void aSolveThatOverflowsIsANumericalFailure(TestBackends.Backend backend) {
        Linalg linalg = backend.get();
        double[] a = {1, 0, 0, 0, Double.MIN_VALUE, 0, 0, 0, 3};
        LdltFactorization f = linalg.ldltInPlace(a.clone(), 3, 0);
        assertFalse(f.singular(), "a subnormal pivot is not zero");
        LinalgException e = assertThrows(LinalgException.class, () -> f.solve(new double[] {1, 1, 1, 2, 1, 1}, 0, 2));
        assertTrue(e.getMessage().startsWith("dsytrs: ") && e.getMessage().contains(" of right-hand side 0: ")
                && e.getMessage().contains("numerically singular"), e.getMessage());
        CholeskyFactorization c = linalg.choleskyInPlace(a.clone(), 3, 0);
        assertTrue(c.positiveDefinite());
        e = assertThrows(LinalgException.class, () -> c.solve(new double[] {0, 2, 0}));
        assertTrue(e.getMessage().startsWith("dpotrs: ") && e.getMessage().contains(" of right-hand side 0: "), e.getMessage());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void validatesAtTheDoor(TestBackends.Backend backend) {
        Linalg linalg = backend.get();
        double[] a = Matrices.randomSymmetric(4, 1);
        assertRefused(() -> linalg.ldltInPlace(new double[15], 4, 0), "a.length=15", "16");
        assertRefused(() -> linalg.ldltInPlace(a.clone(), 4, Double.NaN), "shift=NaN");
        double[] bad = a.clone();
        bad[5] = Double.POSITIVE_INFINITY;
        assertRefused(() -> linalg.ldltInPlace(bad, 4, 0), "a[5]", "Infinity");
        LdltFactorization f = linalg.ldltInPlace(a.clone(), 4, 0.1);
        assertRefused(() -> f.solve(new double[7], 0, 2), "b.length=7", "8");
        assertRefused(() -> f.solve(new double[8], -1, 1), "bOff=-1");
        assertRefused(() -> f.solve(new double[4], 0, -1), "nrhs=-1");
        assertRefused(() -> f.solve(new double[] {1, Double.NaN, 0, 0}), "b[1] = NaN");
        assertRefused(() -> linalg.ldltSolve(null, new double[4], 0, 1), "factorization is null");
        Linalg other = linalg.backend() == Linalg.Backend.JAVA ? null : Linalg.javaFallback();
        if (other != null) assertRefused(() -> other.ldltSolve(f, new double[4], 0, 1), "made by the NATIVE backend");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void choleskyCertifiesPositiveDefinitenessAndSolves(TestBackends.Backend backend) {
        Linalg linalg = backend.get();
        Random r = new Random(3);
        for (int n : new int[] {1, 5, 67, 150}) {
            double[] a = Matrices.randomSymmetric(n, 300 + n);
            double[] values = linalg.eigh(a, n, false).values();
            // Below the spectrum: positive definite, and it solves like LDLᵀ.
            double below = values[0] - 0.3;
            CholeskyFactorization c = linalg.choleskyInPlace(a.clone(), n, below);
            assertTrue(c.positiveDefinite(), "n=" + n + ": A − (λ_min − 0.3)I is positive definite");
            assertEquals(new Inertia(0, 0, n), c.inertia());
            double[] b = new double[2 * n];
            for (int i = 0; i < b.length; i++) b[i] = r.nextGaussian();
            double[] x = b.clone();
            c.solve(x, 0, 2);
            for (int j = 0; j < 2; j++) {
                double res = relativeResidual(a, n, below, x, b, j * n);
                assertTrue(res < 1e3 * n * Matrices.EPS, "n=" + n + ": Cholesky residual " + res);
            }
            // Inside the spectrum (n > 1): it breaks down, says where, and refuses to count or solve.
            if (n > 1) {
                double mid = 0.5 * (values[0] + values[1]);
                CholeskyFactorization d = linalg.choleskyInPlace(a.clone(), n, mid);
                assertTrue(!d.positiveDefinite() && d.failedAt() >= 1 && d.failedAt() <= n, "n=" + n + ": not positive definite, " + d);
                assertTrue(d.singular());
                assertThrows(IllegalStateException.class, d::inertia);
                assertThrows(IllegalStateException.class, () -> d.solve(new double[n]));
            }
        }
        assertRefused(() -> linalg.choleskyInPlace(new double[3], 2, 0), "a.length=3");
        assertRefused(() -> linalg.choleskyInPlace(new double[4], 2, Double.NEGATIVE_INFINITY), "shift=-Infinity");
        assertRefused(() -> linalg.choleskySolve(null, new double[2], 0, 1), "factorization is null");
    }

    private static void assertRefused(org.junit.jupiter.api.function.Executable call, String... fragments) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        for (String f : fragments) assertTrue(e.getMessage().contains(f), "message '" + e.getMessage() + "' should contain '" + f + "'");
    }
}
