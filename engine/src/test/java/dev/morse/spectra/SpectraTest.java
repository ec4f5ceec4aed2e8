package dev.morse.spectra;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.morse.engine.Activation;
import dev.morse.engine.Dataset;
import dev.morse.engine.Loss;
import dev.morse.engine.Mlp;
import dev.morse.engine.CurvatureOperator;
import dev.morse.engine.Evaluator;
import dev.morse.engine.Part;
import dev.morse.engine.Problem;
import dev.morse.linalg.Linalg;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Lanczos, SLQ and trace estimators on known spectra and on engine operators. */
class SpectraTest {

    static double[] gaussian(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            double u1 = r.nextDouble(), u2 = r.nextDouble();
            v[i] = Math.sqrt(-2 * Math.log(1 - u1)) * Math.cos(2 * Math.PI * u2);
        }
        return v;
    }

    /** Wishart W = ZZᵀ/m for Z n×m standard normal. */
    static double[] wishart(int n, int m, long seed) {
        double[] z = gaussian(n * m, seed);
        double[] w = new double[n * n];
        Linalg.get().dgemm(false, true, n, n, m, 1.0 / m, z, 0, m, z, 0, m, 0.0, w, 0, n);
        return w;
    }

    static double[] eig(double[] a, int n) {
        return Linalg.get().eigh(a, n, false).values();
    }

    @Test
    void lanczosFindsExtremesOfDiagonalWithRepeatedValues() {
        int n = 400;
        double[] d = new double[n];
        for (int i = 0; i < n; i++) d[i] = (i % 50) * 0.1 + (i >= 390 ? 100 + i : 0);   // repeated values, a separated top
        LinearOperator a = Operators.diagonal(d);
        double[] sorted = d.clone();
        Arrays.sort(sorted);
        Lanczos.Result r = Lanczos.run(a, new Lanczos.Options().k(10).which(Lanczos.Which.LARGEST).seed(3));
        assertTrue(r.allConverged(), "converged within the restart budget");
        for (int i = 0; i < 10; i++) {
            assertEquals(sorted[n - 10 + i], r.ritzValues()[i], 1e-8 * sorted[n - 1], "top Ritz value " + i);
        }
    }

    @Test
    void lanczosWithRestartsMatchesDenseOnWishartBothEndsAndVectorsAreEigenvectors() {
        int n = 300;
        double[] w = wishart(n, 600, 1);
        double[] ev = eig(w, n);
        LinearOperator a = Operators.dense(w, n);
        // A small basis forces several thick restarts; memory stays (m+1)·n.
        Lanczos.Result r = Lanczos.run(a, new Lanczos.Options().k(10).which(Lanczos.Which.BOTH).basis(45).tol(1e-10).vectors(true).seed(7));
        assertTrue(r.restarts() > 0, "restarted at least once with m=45");
        assertTrue(r.allConverged(), "all 20 Ritz values converged");
        double[] rv = r.ritzValues();
        assertEquals(20, rv.length);
        for (int i = 0; i < 10; i++) {
            assertEquals(ev[i], rv[i], 1e-8 * ev[n - 1], "bottom " + i);
            assertEquals(ev[n - 10 + i], rv[10 + i], 1e-8 * ev[n - 1], "top " + i);
        }
        double[] ax = new double[n];
        for (int i = 0; i < rv.length; i++) {
            double[] x = Arrays.copyOfRange(r.vectors(), i * n, (i + 1) * n);
            a.apply(x, ax);
            double res = 0, nx = 0;
            for (int t = 0; t < n; t++) {
                res += Math.pow(ax[t] - rv[i] * x[t], 2);
                nx += x[t] * x[t];
            }
            assertEquals(1.0, nx, 1e-10, "Ritz vector " + i + " is a unit vector");
            assertTrue(Math.sqrt(res) <= 1e-7 * ev[n - 1], "‖Ax − θx‖ small for Ritz pair " + i + ": " + Math.sqrt(res));
            assertTrue(r.residuals()[i] <= 1e-10 * ev[n - 1] * 1.0001, "reported residual bound within tol");
        }
    }

    @Test
    void lanczosOnEngineHessianMatchesDenseToRelative1e8() {
        Mlp mlp = Mlp.of(Activation.TANH, 6, 12, 8, 3);
        SplittableRandom rng = new SplittableRandom(5);
        double[] x = gaussian(60 * 6, 2);
        int[] y = new int[60];
        for (int i = 0; i < 60; i++) y[i] = rng.nextInt(3);
        Evaluator obj = Evaluator.open(Problem.of(mlp, Dataset.classification(x, 60, 6, y, 3), Loss.CROSS_ENTROPY), Evaluator.Settings.defaults().withChunkRows(16));
        double[] theta = mlp.initPyTorchDefault(11);
        CurvatureOperator h = CurvatureOperator.hessian(obj, theta);
        double[] ev = eig(h.toDense(null), obj.dim());
        int p = obj.dim();
        double scale = Math.max(Math.abs(ev[0]), Math.abs(ev[p - 1]));
        Lanczos.Result r = Lanczos.run(h, new Lanczos.Options().k(10).which(Lanczos.Which.BOTH).seed(1));
        assertTrue(r.allConverged(), "converged");
        for (int i = 0; i < 10; i++) {
            assertEquals(ev[i], r.ritzValues()[i], 1e-8 * scale, "smallest " + i);
            assertEquals(ev[p - 10 + i], r.ritzValues()[10 + i], 1e-8 * scale, "largest " + i);
        }
    }

    @Test
    void slqDensityIntegratesToOneAndMatchesPapyanHistogram() {
        // Papyan's synthetic matrix: diag(5,4,3,0,…,0) + ZZᵀ/2000, Z 2000×2000 standard normal.
        int n = 2000;
        double[] a = wishart(n, n, 42);
        a[0] += 5;
        a[n + 1] += 4;
        a[2 * n + 2] += 3;
        double[] ev = eig(a, n);
        SpectralDensity.Result r = SpectralDensity.estimate(Operators.dense(a, n), new SpectralDensity.Options().seed(9).sigma(0.02));
        double integral = 0;
        double[] t = r.grid(), f = r.density();
        for (int i = 1; i < t.length; i++) integral += 0.5 * (f[i] + f[i - 1]) * (t[i] - t[i - 1]);
        assertEquals(1.0, integral, 1e-6, "density integrates to 1");
        assertEquals(0.02, r.sigma(), 0.0, "σ reported as given (standard deviation)");
        // Mass in bins of width 0.5 over the Marchenko–Pastur bulk [0, 4]: SLQ vs exact eigenvalue histogram.
        for (double lo = 0; lo < 4; lo += 0.5) {
            double hi = lo + 0.5;
            double exact = 0;
            for (double e : ev) if (e >= lo && e < hi) exact++;
            exact /= n;
            double est = r.fractionBelow(hi) - r.fractionBelow(lo);
            assertEquals(exact, est, 0.05, "mass in [" + lo + ", " + hi + ")");
        }
        // Sturm-type count estimate: eigenvalues below 1.0 (≈ a third of the bulk) within 5% of n.
        int exactBelow = 0;
        for (double e : ev) if (e < 1.0) exactBelow++;
        assertEquals(exactBelow, r.countBelow(1.0), 0.05 * n, "estimated count below 1.0");
        // The outliers near 5+, 4+, 3+ carry ~1/n mass each: the top node must sit at the top eigenvalue.
        double top = Arrays.stream(r.nodes()).max().orElseThrow();
        assertEquals(ev[n - 1], top, 1e-6 * ev[n - 1], "largest quadrature node is the largest eigenvalue");
    }

    @Test
    void traceEstimatorsAreWithinThreeStandardErrors() {
        int n = 200;
        double[] w = wishart(n, 50, 3);
        double exact = 0;
        for (int i = 0; i < n; i++) exact += w[i * n + i];
        LinearOperator a = Operators.dense(w, n);
        TraceEstimator.Estimate h = TraceEstimator.hutchinson(a, 100, 4);
        assertEquals(100, h.products());
        assertTrue(Math.abs(h.estimate() - exact) <= 3 * h.standardError(), "Hutchinson " + h + " vs " + exact);
        TraceEstimator.Estimate hpp = TraceEstimator.hutchPlusPlus(a, 150, 5);
        assertTrue(Math.abs(hpp.estimate() - exact) <= 3 * hpp.standardError() + 1e-9 * exact, "Hutch++ " + hpp + " vs " + exact);
        assertTrue(hpp.standardError() < h.standardError(), "Hutch++ (rank-50 matrix, 150 products) beats Hutchinson's error");
    }

    @Test
    void compositionsAndRestriction() {
        int n = 30;
        double[] w = wishart(n, 40, 8);
        LinearOperator a = Operators.dense(w, n);
        LinearOperator b = a.plus(a.scaled(2)).shifted(1.5);   // 3A − 1.5 I
        double[] ev = eig(w, n);
        double[] dense = new double[n * n];
        double[] e = new double[n];
        double[] col = new double[n];
        for (int j = 0; j < n; j++) {
            Arrays.fill(e, 0);
            e[j] = 1;
            b.apply(e, col);
            for (int i = 0; i < n; i++) dense[j * n + i] = col[i];
        }
        double[] evb = eig(dense, n);
        for (int i = 0; i < n; i++) assertEquals(3 * ev[i] - 1.5, evb[i], 1e-12 * ev[n - 1], "eigenvalue " + i + " of 3A − 1.5I");
        int[] idx = {3, 7, 8, 20};
        LinearOperator r = a.restrict(idx);
        double[] v = {1, -2, 0.5, 3}, out = new double[4];
        r.apply(v, out);
        for (int i = 0; i < 4; i++) {
            double s = 0;
            for (int j = 0; j < 4; j++) s += w[idx[i] * n + idx[j]] * v[j];
            assertEquals(s, out[i], 1e-13, "restricted product entry " + i);
        }
        int[] cols = {0, 29, 5};
        double[] blk = Operators.denseBlock(a, idx, cols);
        for (int i = 0; i < idx.length; i++) {
            for (int j = 0; j < cols.length; j++) assertEquals(w[idx[i] * n + cols[j]], blk[i * cols.length + j], 1e-13, "block entry (" + i + "," + j + ")");
        }
        assertThrows(IllegalArgumentException.class, () -> a.restrict(new int[] {1, 1}), "repeated index");
        assertThrows(IllegalArgumentException.class, () -> a.plus(Operators.diagonal(new double[3])), "dims differ");
    }

    @Test
    void denseInertiaCountsAgreeWithEigenvalues() {
        int n = 120;
        double[] w = wishart(n, 60, 12);   // rank 60: 60 zero eigenvalues, the rest positive
        LinearOperator a = Operators.dense(w, n).shifted(0.5);
        double[] ev = DenseSpectrum.eigen(a, false).values();
        for (double shift : new double[] {-0.6, -0.25, 0.0, 0.7, 2.0}) {
            int below = 0, above = 0;
            for (double e : ev) {
                if (e < shift) below++;
                if (e > shift) above++;
            }
            dev.morse.linalg.Inertia in = DenseSpectrum.inertia(a, shift);
            assertEquals(below, in.negative(), "eigenvalues below " + shift);
            assertEquals(above, in.positive(), "eigenvalues above " + shift);
        }
        int inside = 0;
        for (double e : ev) if (e > -0.6 && e < -0.4) inside++;
        assertEquals(inside, DenseSpectrum.countInInterval(a, -0.6, -0.4), "count in (−0.6, −0.4): the 60 shifted zeros");
        assertEquals(60, inside, "rank-deficient Wishart has 60 zero eigenvalues");
    }

    /**
     * Regression: with which = BOTH and a basis of 2k + 2 the thick restart kept m vectors (k
     * rounded up at each end) and ran out of room (ArrayIndexOutOfBoundsException); it keeps at
     * most m − 1 now and converges to the dense extremes.
     */
    @Test
    void lanczosBothWithTheSmallestBasisRestartsCorrectly() {
        int n = 200, k = 5;
        double[] d = new double[n];
        for (int i = 0; i < n; i++) d[i] = i - 50 + 0.5 * Math.sin(i);
        Lanczos.Result r = Lanczos.run(Operators.diagonal(d), new Lanczos.Options().k(k).which(Lanczos.Which.BOTH).basis(2 * k + 2)
                .maxRestarts(3000).seed(3));
        assertTrue(r.restarts() > 0, "restarted");
        assertTrue(r.allConverged(), "converged");
        double[] sorted = d.clone();
        java.util.Arrays.sort(sorted);
        for (int i = 0; i < k; i++) {
            assertEquals(sorted[i], r.ritzValues()[i], 1e-6, "smallest " + i);
            assertEquals(sorted[n - k + i], r.ritzValues()[k + i], 1e-6, "largest " + i);
        }
    }

    /**
     * Regression: a rank-deficient operator given by exact products (the Gauss–Newton matrix of
     * N = 4 samples, rank 4 of P = 25). Once the Krylov space holds its range, G·v is rounding
     * noise in that space; a breakdown test against the local entries of T normalized the noise
     * into new vectors and reported Ritz values several times ‖G‖ (and negative ones for a PSD G).
     */
    @Test
    void lanczosOnARankDeficientOperatorStaysWithinItsSpectrum() {
        Dataset data = Dataset.regression(gaussian(8, 1), 4, 2, gaussian(4, 2), 1);
        Evaluator obj = Evaluator.open(Problem.of(Mlp.of(Activation.TANH, 2, 6, 1), data, Loss.MSE));
        double[] theta = obj.problem().model().initPyTorchDefault(3);
        double[] exact = eig(obj.dense(Part.GGN, theta), 25);
        double top = exact[24];
        for (Lanczos.Which w : new Lanczos.Which[] {Lanczos.Which.LARGEST, Lanczos.Which.BOTH, Lanczos.Which.MAGNITUDE}) {
            Lanczos.Result r = Lanczos.run(CurvatureOperator.ggn(obj, theta), new Lanczos.Options().k(1).which(w));
            double[] v = r.ritzValues();
            assertEquals(top, v[v.length - 1], 1e-8 * top, w + ": the largest Ritz value is ‖G‖₂");
            assertTrue(v[0] >= -1e-12 * top, w + ": no negative Ritz value for a PSD G, got " + v[0]);
        }
    }

    @Test
    void magnitudeTakesTheLargestAbsoluteValuesFromBothEnds() {
        double[] d = {-9, -1, -0.5, 0, 0.2, 3, 4, 8.5};
        Lanczos.Result r = Lanczos.run(Operators.diagonal(d), new Lanczos.Options().k(3).which(Lanczos.Which.MAGNITUDE));
        assertEquals(3, r.ritzValues().length);
        assertEquals(-9, r.ritzValues()[0], 1e-12);
        assertEquals(4, r.ritzValues()[1], 1e-12);
        assertEquals(8.5, r.ritzValues()[2], 1e-12);
        int n = 300;
        double[] big = new double[n];
        for (int i = 0; i < n; i++) big[i] = i % 2 == 0 ? 1.0 / (i + 1) : -1.0 / (i + 1);   // ±1/(i+1): the largest |λ| alternate in sign
        Lanczos.Result m = Lanczos.run(Operators.diagonal(big), new Lanczos.Options().k(4).which(Lanczos.Which.MAGNITUDE).tol(1e-10));
        assertTrue(m.allConverged(), "converged");
        assertEquals(-0.5, m.ritzValues()[0], 1e-9);
        assertEquals(-0.25, m.ritzValues()[1], 1e-9);
        assertEquals(1.0 / 3, m.ritzValues()[2], 1e-9);
        assertEquals(1.0, m.ritzValues()[3], 1e-9);
    }

    /**
     * Partial reorthogonalization against full (the default, SPEC §7): the same Ritz values to working
     * precision, Ritz vectors that are eigenvectors, residual bounds that hold, and far fewer sweeps
     * of the basis than products.
     */
    @Test
    void partialReorthogonalizationMatchesFullWithFewerSweeps() {
        int n = 3000;
        SplittableRandom rng = new SplittableRandom(17);
        double[] d = new double[n];
        for (int i = 0; i < n; i++) d[i] = rng.nextDouble() * 100 - 5;   // dense interior, both ends to find
        LinearOperator a = Operators.diagonal(d);
        double[] sorted = d.clone();
        java.util.Arrays.sort(sorted);
        for (Lanczos.Which which : new Lanczos.Which[] {Lanczos.Which.LARGEST, Lanczos.Which.BOTH}) {
            Lanczos.Result full = Lanczos.run(a, new Lanczos.Options().k(8).which(which).seed(2).vectors(true)
                    .reorthogonalization(Lanczos.Reorthogonalization.FULL));
            Lanczos.Result part = Lanczos.run(a, new Lanczos.Options().k(8).which(which).seed(2).vectors(true)
                    .reorthogonalization(Lanczos.Reorthogonalization.PARTIAL));
            Lanczos.Result byDefault = Lanczos.run(a, new Lanczos.Options().k(8).which(which).seed(2));
            assertEquals(byDefault.products(), byDefault.reorthogonalizations(), which + ": full reorthogonalization by default (SPEC §7)");
            assertTrue(full.allConverged() && part.allConverged(), which + ": both converged");
            assertEquals(full.products(), full.reorthogonalizations(), which + ": FULL sweeps at every step");
            assertTrue(part.reorthogonalizations() < part.products() / 2,
                    which + ": PARTIAL sweeps " + part.reorthogonalizations() + " times in " + part.products() + " products");
            double scale = Math.max(Math.abs(sorted[0]), Math.abs(sorted[n - 1]));
            int k = part.ritzValues().length;
            for (int i = 0; i < k; i++) {
                double exact = which == Lanczos.Which.LARGEST ? sorted[n - k + i] : (i < k / 2 ? sorted[i] : sorted[n - k + i]);
                assertEquals(exact, part.ritzValues()[i], 1e-10 * scale, which + ": Ritz value " + i + " (PARTIAL)");
                assertEquals(full.ritzValues()[i], part.ritzValues()[i], 1e-10 * scale, which + ": PARTIAL = FULL at " + i);
                // ‖A y − θ y‖ is within the reported bound (and small), and y is a unit vector.
                double[] y = java.util.Arrays.copyOfRange(part.vectors(), i * n, (i + 1) * n);
                double norm = 0, res = 0;
                for (int q = 0; q < n; q++) {
                    norm += y[q] * y[q];
                    double r = d[q] * y[q] - part.ritzValues()[i] * y[q];
                    res += r * r;
                }
                assertEquals(1.0, Math.sqrt(norm), 1e-8, which + ": unit Ritz vector " + i);
                // PARTIAL reports the vectors' true residuals (its bound does not hold for them)
                assertEquals(Math.sqrt(res), part.residuals()[i], 1e-6 * Math.sqrt(res) + 1e-15 * scale,
                        which + ": reported residual of " + i + " is ‖A y − θ y‖");
            }
            // The returned Ritz vectors are orthonormal to semi-orthogonality or better.
            for (int i = 0; i < k; i++) {
                for (int j = 0; j < i; j++) {
                    double dot = 0;
                    for (int q = 0; q < n; q++) dot += part.vectors()[i * n + q] * part.vectors()[j * n + q];
                    assertTrue(Math.abs(dot) < 1e-7, which + ": y" + i + "·y" + j + " = " + dot);
                }
            }
        }
    }

    /**
     * With PARTIAL the Ritz vectors come from a semi-orthogonal basis, for which A V = V T + β v eᵀ
     * holds only to about √ε‖A‖: the bound |β s_m| said 0 where a vector's true residual was
     * 1e-10 (a review's counterexample: SMALLEST, tol 1e-13). Reported residuals and convergence
     * are the vectors' own, and cost one product each.
     */
    @Test
    void partialReportsTheTrueResidualsOfItsRitzVectors() {
        int n = 300;
        double[] w = wishart(n, 320, 41);
        LinearOperator a = Operators.dense(w, n);
        Lanczos.Options o = new Lanczos.Options().k(5).which(Lanczos.Which.SMALLEST).tol(1e-13).seed(3).vectors(true)
                .reorthogonalization(Lanczos.Reorthogonalization.PARTIAL);
        Lanczos.Result r = Lanczos.run(a, o);
        Lanczos.Result values = Lanczos.run(a, o.vectors(false));
        assertEquals(values.products() + r.ritzValues().length, r.products(), "one product per returned vector");
        double max = Math.abs(eig(w, n)[n - 1]);
        double[] y = new double[n], ay = new double[n];
        for (int i = 0; i < r.ritzValues().length; i++) {
            System.arraycopy(r.vectors(), i * n, y, 0, n);
            a.apply(y, ay);
            double res = 0;
            for (int q = 0; q < n; q++) res += (ay[q] - r.ritzValues()[i] * y[q]) * (ay[q] - r.ritzValues()[i] * y[q]);
            res = Math.sqrt(res);
            assertEquals(res, r.residuals()[i], 1e-6 * res + 1e-16 * max, "value " + i + ": the reported residual is ‖A y − θ y‖");
            assertEquals(res <= 1e-13 * max, r.converged()[i], "value " + i + ": converged by its true residual " + res);
        }
    }

    /**
     * After a breakdown the basis grows by a fresh direction orthogonal to it. On diag(1, 1, 2, 2)
     * every Rademacher vector could lie in the span (16 sign vectors, a basis of 3): the iteration
     * then ended with a basis of fewer than n rows, a stale β, and a Ritz value above λ_max
     * reported converged with residual 0 (2.0607 for seed 870, one seed in about 1250). Gaussian
     * and then coordinate vectors always find the direction.
     */
    @Test
    void breakdownOnASmallStructuredOperatorStillFindsTheExtremes() {
        LinearOperator a = Operators.diagonal(new double[] {1, 1, 2, 2});
        for (long seed = 0; seed < 2500; seed++) {
            Lanczos.Result r = Lanczos.run(a, new Lanczos.Options().k(1).basis(3).seed(seed).maxRestarts(5));
            assertTrue(r.allConverged(), "seed " + seed + ": converged");
            assertEquals(2.0, r.ritzValues()[0], 1e-12, "seed " + seed + ": λ_max");
            assertTrue(r.residuals()[0] <= 1e-12, "seed " + seed + ": residual " + r.residuals()[0]);
        }
    }

    /** The density integrates to 1 exactly when the grid resolves its kernels, and the result says which. */
    @Test
    void densityIntegratesToOneWhenTheGridResolvesTheKernels() {
        int n = 200;
        double[] d = new double[n];
        for (int i = 0; i < n; i++) d[i] = 10.0 * i / (n - 1);
        LinearOperator a = Operators.diagonal(d);
        for (double sigma : new double[] {0, 0.05, 1e-4}) {
            SpectralDensity.Result r = SpectralDensity.estimate(a, new SpectralDensity.Options().seed(3).sigma(sigma));
            double integral = 0;
            for (int i = 1; i < r.grid().length; i++) integral += 0.5 * (r.density()[i] + r.density()[i - 1]) * (r.grid()[i] - r.grid()[i - 1]);
            assertEquals(sigma != 1e-4, r.resolved(), "σ = " + r.sigma() + " against the spacing " + r.spacing());
            if (r.resolved()) assertEquals(1.0, integral, 1e-6, "σ = " + r.sigma());
            else assertTrue(Math.abs(integral - 1) > 0.1, "σ = " + r.sigma() + " falls between the grid points: ∫ = " + integral);
        }
    }
}
