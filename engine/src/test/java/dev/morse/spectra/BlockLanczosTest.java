package dev.morse.spectra;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Block Lanczos against known spectra: the k eigenvalues of largest magnitude of operators with
 * known spectra (indefinite, with a multiple eigenvalue, a shift-invert-like
 * spectrum with a few dominant values), residuals as reported and as recomputed, orthonormal Ritz
 * vectors, a space smaller than one block, and the same bits for the same seed.
 */
class BlockLanczosTest {

    static void check(double[] d, int k, int b, String what) {
        int n = d.length;
        // Krylov methods are invariant under rotations, so diag(d) is as good a test as QΛQᵀ.
        LinearOperator a = Operators.diagonal(d);
        BlockLanczos.Result r = BlockLanczos.largestMagnitude(a, k, b, 1e-10, n, 3);
        assertTrue(r.allConverged(), what + ": converged");
        double[] want = Arrays.stream(d).boxed().sorted((x, y) -> Double.compare(Math.abs(y), Math.abs(x))).mapToDouble(Double::doubleValue).limit(k).toArray();
        double norm = Math.abs(want[0]);
        assertArrayEquals(want, r.ritzValues(), 1e-9 * norm, what + ": the k of largest |λ|");
        double[] ay = new double[n];
        for (int i = 0; i < k; i++) {
            double[] y = Arrays.copyOfRange(r.vectors(), i * n, (i + 1) * n);
            a.apply(y, ay);
            double res = 0;
            for (int q = 0; q < n; q++) res += (ay[q] - r.ritzValues()[i] * y[q]) * (ay[q] - r.ritzValues()[i] * y[q]);
            assertEquals(Math.sqrt(res), r.residuals()[i], 1e-12 * norm, what + ": residual " + i + " as reported");
            assertTrue(r.residuals()[i] <= 1e-10 * Math.abs(r.ritzValues()[i]), what + ": residual " + i);
            for (int j = 0; j <= i; j++) {
                double s = 0;
                for (int q = 0; q < n; q++) s += y[q] * r.vectors()[j * n + q];
                assertEquals(i == j ? 1.0 : 0.0, s, 1e-10, what + ": ⟨y" + i + ", y" + j + "⟩");
            }
        }
    }

    @Test
    void findsTheEigenvaluesOfLargestMagnitude() {
        int n = 120;
        SplittableRandom r = new SplittableRandom(5);
        double[] indefinite = new double[n];
        for (int i = 0; i < n; i++) indefinite[i] = (r.nextDouble() - 0.5) * 10;
        check(indefinite, 6, 4, "indefinite");
        // Shift-invert-like: a few large values, the bulk small, one negative among the large.
        double[] inverse = new double[n];
        for (int i = 0; i < n; i++) inverse[i] = 1.0 / (1e-3 + i * 0.1);
        inverse[3] = -inverse[3];
        check(inverse, 10, 16, "1/(λ − σ)");
        // A multiple eigenvalue (multiplicity 5) among the wanted: found up to the block size.
        double[] multiple = new double[n];
        for (int i = 0; i < n; i++) multiple[i] = i < 5 ? 50 : 1 + i * 0.01;
        check(multiple, 7, 8, "multiplicity 5");
    }

    @Test
    void aSpaceSmallerThanABlockIsSolvedExactly() {
        double[] d = {3, -2, 1, 0.5, 0.25};
        check(d, 3, 16, "n = 5 < b = 16");
        check(new double[] {4}, 1, 2, "n = 1");
    }

    @Test
    void sameSeedSameBitsAndBadArgumentsRefused() {
        int n = 60;
        double[] d = new double[n];
        for (int i = 0; i < n; i++) d[i] = i + 1;
        LinearOperator a = Operators.diagonal(d);
        BlockLanczos.Result x = BlockLanczos.largestMagnitude(a, 4, 4, 1e-10, n, 9), y = BlockLanczos.largestMagnitude(a, 4, 4, 1e-10, n, 9);
        assertArrayEquals(x.ritzValues(), y.ritzValues(), 0.0);
        assertArrayEquals(x.vectors(), y.vectors(), 0.0);
        assertEquals(x.products(), y.products());
        assertThrows(IllegalArgumentException.class, () -> BlockLanczos.largestMagnitude(a, 0, 4, 1e-10, n, 1));
        assertThrows(IllegalArgumentException.class, () -> BlockLanczos.largestMagnitude(a, 4, 4, 0, n, 1));
        assertThrows(IllegalArgumentException.class, () -> BlockLanczos.largestMagnitude(a, 4, 4, 1e-10, 7, 1));
        // A basis limit reached before convergence: the best pairs, not converged.
        BlockLanczos.Result cut = BlockLanczos.largestMagnitude(a, 4, 4, 1e-14, 8, 1);
        assertEquals(4, cut.ritzValues().length);
        assertTrue(!cut.allConverged() || cut.residuals()[3] <= 1e-14 * Math.abs(cut.ritzValues()[3]));
    }
}
