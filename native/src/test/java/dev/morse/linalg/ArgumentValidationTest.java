package dev.morse.linalg;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.stream.Stream;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Bad arguments are refused at the door with messages that name the values, on every backend. */
class ArgumentValidationTest {

    static Stream<Arguments> backends() {
        return TestBackends.all().map(Arguments::of);
    }

    private static void assertRefused(Executable call, String... fragments) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call,
                "expected IllegalArgumentException mentioning " + String.join(", ", fragments));
        for (String f : fragments) {
            assertTrue(e.getMessage().contains(f), "message \"" + e.getMessage() + "\" should contain \"" + f + "\"");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void blasArguments(TestBackends.Backend backend) {
        Linalg l = backend.get();
        double[] x = new double[100];
        assertRefused(() -> l.dgemm(false, false, -1, 2, 2, 1, x, 0, 2, x, 0, 2, 0, x, 0, 2), "m=-1 < 0");
        assertRefused(() -> l.dgemm(false, false, 2, 4, 4, 1, x, 0, 3, x, 0, 4, 0, x, 0, 4), "lda=3 < k=4");
        assertRefused(() -> l.dgemm(true, false, 5, 4, 3, 1, x, 0, 4, x, 0, 4, 0, x, 0, 4), "lda=4 < m=5");
        assertRefused(() -> l.dgemm(false, true, 2, 6, 3, 1, x, 0, 3, x, 0, 2, 0, x, 0, 6), "ldb=2 < k=3");
        assertRefused(() -> l.dgemm(false, false, 2, 6, 3, 1, x, 0, 3, x, 0, 6, 0, x, 0, 5), "ldc=5 < n=6");
        assertRefused(() -> l.dgemm(false, false, 2, 2, 2, 1, x, -1, 2, x, 0, 2, 0, x, 0, 2), "aOff=-1 < 0");
        assertRefused(() -> l.dgemm(false, false, 4, 4, 4, 1, x, 0, 4, x, 0, 4, 0, new double[10], 1, 4),
                "c.length=10 < 17", "cOff=1", "ldc=4");
        assertRefused(() -> l.dgemm(false, false, 4, 4, 4, 1, x, 95, 4, x, 0, 4, 0, x, 0, 4), "a.length=100 < 111");
        assertRefused(() -> l.dgemm(false, false, 1, 1, 1, 1, null, 0, 1, x, 0, 1, 0, x, 0, 1), "a is null");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void lapackArguments(TestBackends.Backend backend) {
        Linalg l = backend.get();
        double[] a = Matrices.randomSymmetric(4, 1);
        assertRefused(() -> l.eigh(a, -1, false), "n=-1 < 0");
        assertRefused(() -> l.eigh(a, 3, false), "a.length=16 != n·n = 3·3 = 9");
        assertRefused(() -> l.eigh(null, 3, false), "a is null");
        double[] nan = a.clone();
        nan[13] = Double.NaN;
        assertRefused(() -> l.eigh(nan, 4, true), "a[13] = NaN", "row 3, column 1");
        assertRefused(() -> l.eighInPlace(nan, 4, true), "a[13] = NaN");
        double[] inf = a.clone();
        inf[12] = Double.NEGATIVE_INFINITY;
        assertRefused(() -> l.inertia(inf, 4, 0), "a[12] = -Infinity");
        // The upper triangle is not read (the engine's dense Hessians leave it unspecified): a NaN
        // there changes nothing, where it used to abort with a message about an unread entry.
        double[] upper = a.clone();
        upper[7] = Double.NaN;   // row 1, column 3
        upper[2] = Double.POSITIVE_INFINITY;
        assertArrayEquals(l.eigh(a, 4, false).values(), l.eigh(upper, 4, false).values());
        assertEquals(l.inertia(a, 4, 0.1), l.inertia(upper, 4, 0.1));
        assertEquals(l.choleskyInPlace(a.clone(), 4, -10).positiveDefinite(), l.choleskyInPlace(upper.clone(), 4, -10).positiveDefinite());
        assertRefused(() -> l.inertia(a, 4, Double.NaN), "shift=NaN");
        assertRefused(() -> l.tridiagonalEigen(new double[3], new double[3], false), "offDiag.length=3 != diag.length-1 = 2");
        assertRefused(() -> l.tridiagonalEigen(new double[] {1, Double.POSITIVE_INFINITY}, new double[1], false),
                "diag[1] = Infinity");
        assertRefused(() -> l.tridiagonalEigen(new double[2], new double[] {Double.NaN}, true), "offDiag[0] = NaN");
    }
}
