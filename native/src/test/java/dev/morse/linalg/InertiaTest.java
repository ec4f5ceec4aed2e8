package dev.morse.linalg;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Sylvester inertia via dsytrf against eigenvalue counts from eigh. */
class InertiaTest {

    static Stream<Arguments> backends() {
        return TestBackends.all().map(Arguments::of);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void countsMatchEigenvaluesForShiftsBetweenThem(TestBackends.Backend backend) {
        Linalg linalg = backend.get();
        int n = 45;
        double[] a = Matrices.randomSymmetric(n, 2024);
        double[] before = a.clone();
        double[] values = linalg.eigh(a, n, false).values();
        for (int below = 0; below <= n; below++) {
            double shift = below == 0 ? values[0] - 1
                    : below == n ? values[n - 1] + 1
                    : 0.5 * (values[below - 1] + values[below]);
            Inertia in = linalg.inertia(a, n, shift);
            assertEquals(new Inertia(below, 0, n - below), in,
                    "shift " + shift + " lies above exactly " + below + " eigenvalues");
        }
        assertArrayEquals(before, a, "inertia must not modify its input");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void twoByTwoPivots(TestBackends.Backend backend) {
        Linalg linalg = backend.get();
        // A zero diagonal forces Bunch–Kaufman to a 2×2 pivot: [[0,1],[1,0]] has eigenvalues ±1.
        double[] swap = {0, 1, 1, 0};
        assertEquals(new Inertia(1, 0, 1), linalg.inertia(swap, 2, 0), "[[0,1],[1,0]] at shift 0");
        assertEquals(new Inertia(0, 0, 2), linalg.inertia(swap, 2, -2), "[[0,1],[1,0]] at shift −2");
        assertEquals(new Inertia(2, 0, 0), linalg.inertia(swap, 2, 2), "[[0,1],[1,0]] at shift 2");
        double[] a = Matrices.withSpectrum(new double[] {-3, -1, 2, 4, 6}, 9);
        assertEquals(new Inertia(2, 0, 3), linalg.inertia(a, 5, 0), "spectrum {-3,-1,2,4,6} at 0");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void exactlySingularPivotsCountAsZero(TestBackends.Backend backend) {
        Linalg linalg = backend.get();
        assertEquals(new Inertia(0, 3, 0), linalg.inertia(new double[9], 3, 0), "the zero matrix at shift 0");
        double[] diag = {1, 0, 0, 0, 2, 0, 0, 0, 3};
        assertEquals(new Inertia(0, 1, 2), linalg.inertia(diag, 3, 1), "diag(1,2,3) at shift 1: one exact zero pivot");
        assertEquals(new Inertia(0, 0, 0), linalg.inertia(new double[0], 0, 5), "0×0");
    }

    @Test
    void blockInertiaDecodesTwoByTwoBlocks() {
        // Column-major 2×2 blocks as dsytrf (UPLO='U') leaves them; ipiv = {-1, -1} marks one block.
        int[] pair = {-1, -1};
        assertEquals(new Inertia(1, 0, 1), Linalg.blockInertia(new double[] {1, 0, 3, 1}, pair, 2), "det < 0");
        assertEquals(new Inertia(2, 0, 0), Linalg.blockInertia(new double[] {-2, 0, 1, -3}, pair, 2), "det > 0, trace < 0");
        assertEquals(new Inertia(0, 0, 2), Linalg.blockInertia(new double[] {2, 0, 1, 3}, pair, 2), "det > 0, trace > 0");
        assertEquals(new Inertia(0, 1, 1), Linalg.blockInertia(new double[] {1, 0, 1, 1}, pair, 2), "det = 0, trace > 0");
        assertEquals(new Inertia(1, 0, 1), Linalg.blockInertia(new double[] {1e300, 0, 1e300, 1e299}, pair, 2),
                "det < 0 without overflow: d11·d22 = 1e599 − 1e600");
        assertEquals(new Inertia(1, 1, 1), Linalg.blockInertia(new double[] {-1, 0, 0, 0, 0, 0, 0, 0, 2},
                new int[] {1, 2, 3}, 3), "1×1 blocks count by sign");
    }
}
