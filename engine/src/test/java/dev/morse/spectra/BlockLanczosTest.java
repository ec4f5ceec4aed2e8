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
 * vectors, a space smaller than one block, and the same bits for the same seed; thick restarts
 * past a large cluster just below the wanted values, and why a run stops.
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

    /**
     * The shift-invert spectrum of an l2-regularized minimum (Fashion-MNIST 784-3-10 at l2(1e-2)
     * in miniature): H has four eigenvalues below the regularizer's value 0.01, a cluster of 600
     * exactly at 0.01 (the null space of the data Hessian) with a continuum just above it, and a
     * bulk up to 50. The k = 8 of largest |μ| of (H − σI)⁻¹ are the four and four of the cluster,
     * whose μ = 100 lies 2 % below the fourth: with a basis of 128 vectors (8 blocks) they do not
     * converge; thick restarts get them at the same memory.
     */
    static double[] clusteredH() {
        int n = 1000;
        double[] h = new double[n];
        double[] below = {0.0069, 0.0077, 0.0091, 0.0098};
        System.arraycopy(below, 0, h, 0, below.length);
        for (int i = 4; i < 604; i++) h[i] = 0.01;
        for (int i = 604; i < 700; i++) h[i] = 0.01 + 1e-7 * Math.pow(1.1, i - 604);   // the continuum above the cluster
        for (int i = 700; i < n; i++) h[i] = 0.02 + 50.0 * (i - 700) / (n - 701);
        return h;
    }

    @Test
    void thickRestartsConvergeNextToALargeCluster() {
        double[] h = clusteredH();
        int n = h.length;
        double sigma = 1e-10, tol = 1e-8 * 50;
        double[] mu = new double[n];
        for (int i = 0; i < n; i++) mu[i] = 1 / (h[i] - sigma);
        LinearOperator a = Operators.diagonal(mu);
        BlockLanczos.Convergence test = BlockLanczos.Convergence.ofInverse(tol);
        BlockLanczos.Result cut = BlockLanczos.largestMagnitude(a, 8, 16, test, 128, 0, 1);
        assertEquals(BlockLanczos.Stop.BUDGET, cut.stop(), "one basis of 8 blocks is not enough");
        assertEquals(8, cut.applications());
        BlockLanczos.Result r = BlockLanczos.largestMagnitude(a, 8, 16, test, 128, 40, 1);
        assertEquals(BlockLanczos.Stop.CONVERGED, r.stop(), "restarts: " + r.restarts() + ", solves: " + r.applications());
        assertTrue(r.allConverged() && r.restarts() > 0 && r.restarts() < 40, "restarts " + r.restarts());
        assertEquals(r.products(), 16L * r.applications(), "whole blocks after each restart");
        double[] want = {0.0069, 0.0077, 0.0091, 0.0098, 0.01, 0.01, 0.01, 0.01};
        for (int i = 0; i < 8; i++) {
            double lambda = sigma + 1 / r.ritzValues()[i];
            // The image z = A·y, normalized, is the eigenvector estimate of H; its residual is what the test measured.
            double[] z = Arrays.copyOfRange(r.images(), i * n, (i + 1) * n);
            double zn = 0;
            for (double x : z) zn += x * x;
            zn = Math.sqrt(zn);
            double res = 0;
            for (int q = 0; q < n; q++) res += Math.pow((h[q] - lambda) * z[q] / zn, 2);
            res = Math.sqrt(res);
            assertTrue(res <= tol, "H residual of pair " + i + ": " + res);
            assertEquals(r.residuals()[i] / (Math.abs(r.ritzValues()[i]) * zn), res, 1e-3 * tol, "the estimate is the H residual, pair " + i);
            assertEquals(want[i], lambda, tol, "eigenvalue " + i);
            assertTrue(r.converged()[i]);
        }
        // The Ritz values of the last basis show the cluster next to the wanted values.
        long near = Arrays.stream(r.allRitzValues()).filter(t -> Math.abs(1 / t - 0.01) < 1e-3).count();
        assertTrue(near > 16, "Ritz values in the cluster: " + near);
        // Same bits for the same seed, restarts included.
        BlockLanczos.Result again = BlockLanczos.largestMagnitude(a, 8, 16, test, 128, 40, 1);
        assertArrayEquals(r.ritzValues(), again.ritzValues(), 0.0);
        assertArrayEquals(r.vectors(), again.vectors(), 0.0);
    }

    @Test
    void aRunStopsWhenACycleMakesNoProgressOrTheSpaceIsSpanned() {
        double[] h = clusteredH();
        double[] mu = new double[h.length];
        for (int i = 0; i < h.length; i++) mu[i] = 1 / h[i];
        // A tolerance below rounding: the residuals stall, and the next restart is not taken.
        BlockLanczos.Result r = BlockLanczos.largestMagnitude(Operators.diagonal(mu), 4, 16, BlockLanczos.Convergence.relative(1e-30), 128, 50, 1);
        assertEquals(BlockLanczos.Stop.STAGNATED, r.stop());
        assertTrue(r.restarts() < 50 && !r.allConverged(), "restarts " + r.restarts());
        // A basis that spans the whole space: exact pairs, and the same unreachable test.
        double[] d = {3, -2, 1, 0.5, 0.25};
        BlockLanczos.Result all = BlockLanczos.largestMagnitude(Operators.diagonal(d), 3, 16, BlockLanczos.Convergence.relative(1e-30), 5, 5, 1);
        assertEquals(BlockLanczos.Stop.SPANNED, all.stop());
        assertArrayEquals(new double[] {3, -2, 1}, all.ritzValues(), 1e-14);
        assertThrows(IllegalArgumentException.class, () -> BlockLanczos.largestMagnitude(Operators.diagonal(d), 3, 2, BlockLanczos.Convergence.relative(1e-8), 5, -1, 1));
        assertThrows(IllegalArgumentException.class, () -> BlockLanczos.Convergence.ofInverse(0));
    }

    /**
     * θ = 0 with residual 0 (an exact zero eigenvalue, the zero operator) passes the relative
     * test: not 0/0 = NaN, which never converged and reached the stagnation test's distance.
     */
    @Test
    void anExactZeroPairIsConverged() {
        BlockLanczos.Convergence rel = BlockLanczos.Convergence.relative(1e-8);
        assertEquals(0.0, rel.ratio(0, 0, 0));
        assertEquals(0.0, rel.ratio(2, 0, 2));
        assertEquals(Double.POSITIVE_INFINITY, rel.ratio(0, 1e-20, 1e-20), "θ = 0 with a residual: not converged");
        BlockLanczos.Result r = BlockLanczos.largestMagnitude(Operators.diagonal(new double[40]), 3, 4, rel, 16, 2, 1);
        assertEquals(BlockLanczos.Stop.CONVERGED, r.stop());
        assertEquals(1, r.applications());
        assertArrayEquals(new double[3], r.ritzValues(), 0.0);
    }

    /**
     * A basis as large as the space, n not a multiple of the block (40 = 2·16 + 8): the last 8
     * vectors are added and the run spans the space, instead of a thick restart at 32 of 40.
     */
    @Test
    void aBasisAsLargeAsTheSpaceIsFilledNotRestarted() {
        double[] d = new double[40];
        for (int i = 0; i < d.length; i++) d[i] = Math.pow(1.05, i) * (i % 2 == 0 ? 1 : -1);
        BlockLanczos.Result r = BlockLanczos.largestMagnitude(Operators.diagonal(d), 2, 16, BlockLanczos.Convergence.relative(1e-30), 40, 5, 1);
        assertEquals(0, r.restarts(), "no restart where the space fits the basis");
        assertEquals(3, r.applications(), "16 + 16 + 8 vectors");
        assertEquals(40, r.products());
        assertTrue(r.stop() == BlockLanczos.Stop.SPANNED || r.stop() == BlockLanczos.Stop.CONVERGED, r.stop().toString());
        assertEquals(d[39], r.ritzValues()[0], 1e-12 * Math.abs(d[39]));
        assertEquals(d[38], r.ritzValues()[1], 1e-12 * Math.abs(d[38]));
    }
}
