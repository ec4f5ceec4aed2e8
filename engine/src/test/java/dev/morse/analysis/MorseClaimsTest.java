package dev.morse.analysis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.morse.engine.Activation;
import dev.morse.engine.Dataset;
import dev.morse.engine.Loss;
import dev.morse.engine.Mlp;
import dev.morse.engine.Evaluator;
import dev.morse.engine.Part;
import dev.morse.engine.Problem;
import dev.morse.engine.Regularizer;
import dev.morse.engine.CurvatureOperator;
import dev.morse.spectra.TraceEstimator;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The research claims behind Morse (RESEARCH.md), as tests on small problems. Each can fail: a
 * wrong Hessian, threshold or refinement changes the counts.
 */
class MorseClaimsTest {

    static double[] gaussian(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            double u1 = r.nextDouble(), u2 = r.nextDouble();
            v[i] = Math.sqrt(-2 * Math.log(1 - u1)) * Math.cos(2 * Math.PI * u2);
        }
        return v;
    }

    /** Overparameterized regression: 2-6-1 tanh (P = 25) on N = 4 points. */
    static Evaluator tanhRegression(Regularizer reg) {
        Dataset data = Dataset.regression(gaussian(8, 1), 4, 2, gaussian(4, 2), 1);
        return Evaluator.open(Problem.of(Mlp.of(Activation.TANH, 2, 6, 1), data, Loss.MSE, reg));
    }

    /**
     * L-BFGS, then Newton until ‖∇‖ stops decreasing (rounding level). Refining only to the SPEC
     * default grad_tol is not enough to count zeros: at ‖∇‖ ≈ 1e-10 the null directions carry
     * eigenvalues of that order, far above τ ≈ 1e-13.
     */
    static double[] refine(Evaluator obj, double[] start) {
        Trajectory t = CriticalPoints.lbfgs(obj, start, 20, 3000, 1e-9);
        Trajectory n = CriticalPoints.newton(obj, t.theta(), 60, Double.MIN_VALUE, 10_000);
        assertTrue(n.reason() != Trajectory.StopReason.MAX_ITERATIONS && n.finalGradientNorm() < 1e-13,
                "Newton refinement reaches rounding level: " + n.reason() + ", ‖∇‖ = " + n.finalGradientNorm());
        return n.theta();
    }

    @Test
    void unregularizedTanhMinimumIsDegenerateAndWeightDecayMakesItMorse() {
        Evaluator plain = tanhRegression(Regularizer.NONE);
        double[] theta0 = plain.problem().model().initPyTorchDefault(3);
        double[] min = refine(plain, theta0);
        MorseReport r = MorseReport.at(plain, min, MorseReport.Options.defaults());
        assertTrue(r.critical(), "refined point is critical");
        assertTrue(r.loss() < 1e-20, "interpolating minimum (loss " + r.loss() + ")");
        assertEquals(0, r.index(), "a minimum has index 0");
        // At interpolation H = G = (2/N) JᵀJ has rank ≤ N = 4: at least P − 4 = 21 zero eigenvalues.
        assertTrue(r.nullity() >= 21, "nullity ≥ P − N = 21, got " + r.nullity());
        assertTrue(!r.nondegenerate() && r.verdict().startsWith("NOT MORSE"), r.verdict());

        Evaluator l2 = tanhRegression(Regularizer.l2(1e-3));
        MorseReport rr = MorseReport.at(l2, refine(l2, min), MorseReport.Options.defaults());
        assertTrue(rr.critical(), "refined l2 point is critical");
        assertEquals(0, rr.nullity(), "l2(1e-3) removes the zero eigenvalues: " + rr.verdict());
        assertEquals(0, rr.index(), "and it is a minimum");
        assertTrue(rr.minAbsOverTau() > 1e6, "robust verdict: min|λ|/τ = " + rr.minAbsOverTau());
    }

    @Test
    void generalizedL2GivesNondegenerateCriticalPoints() {
        for (long seed : new long[] {5, 6}) {
            Evaluator g = tanhRegression(Regularizer.generalizedL2(1e-2, seed));
            double[] theta = refine(g, g.problem().model().initPyTorchDefault(seed));
            MorseReport r = MorseReport.at(g, theta, MorseReport.Options.defaults());
            assertTrue(r.critical(), "critical");
            assertEquals(0, r.nullity(), "generalized_l2 (seed " + seed + "): " + r.verdict());
        }
    }

    @Test
    void multiplicativeRegularizerKeepsZeroLossMinimaDegenerate() {
        Evaluator plain = tanhRegression(Regularizer.NONE);
        double[] min = refine(plain, plain.problem().model().initPyTorchDefault(3));
        Evaluator mult = tanhRegression(Regularizer.multiplicative(0.05));
        MorseReport r = MorseReport.at(mult, min, MorseReport.Options.defaults());
        assertTrue(r.critical(), "the zero set of L stays critical under (1 + ε‖θ‖²)L");
        assertTrue(r.nullity() >= 21, "multiplicative(0.05) keeps nullity ≥ 21, got " + r.nullity());
    }

    @Test
    void linearNetworkWithWeightDecayKeepsTheOrthogonalOrbit() {
        int d0 = 3, h = 4, c = 2, n = 10;
        Dataset data = Dataset.regression(gaussian(n * d0, 11), n, d0, gaussian(n * c, 12), c);
        Mlp mlp = Mlp.builder(d0, h, c).activation(Activation.IDENTITY).noBias().build();
        Evaluator obj = Evaluator.open(Problem.of(mlp, data, Loss.MSE, Regularizer.l2(1e-2)));
        double[] theta = refine(obj, mlp.initPyTorchDefault(13));
        MorseReport r = MorseReport.at(obj, theta, MorseReport.Options.defaults());
        assertTrue(r.critical(), "critical");
        // Rank r of W1 (h × d0) from its singular values; orbit dimension of O(h) acting W1 → QW1, W2 → W2Qᵀ.
        double[] w1 = java.util.Arrays.copyOfRange(theta, 0, h * d0);
        double[] gram = new double[h * h];
        for (int i = 0; i < h; i++) for (int j = 0; j < h; j++) for (int k = 0; k < d0; k++) gram[i * h + j] += w1[i * d0 + k] * w1[j * d0 + k];
        double[] sv = dev.morse.linalg.Linalg.get().eigh(gram, h, false).values();
        int rank = 0;
        for (double s : sv) if (s > 1e-8 * sv[h - 1]) rank++;
        int orbit = h * (h - 1) / 2 - (h - rank) * (h - rank - 1) / 2;
        assertTrue(rank >= 1 && orbit >= 1, "nontrivial orbit: rank " + rank + ", orbit dim " + orbit);
        assertTrue(r.nullity() >= orbit, "l2 does not remove the orthogonal symmetry: nullity " + r.nullity() + " ≥ orbit dim " + orbit);
    }

    @Test
    void reluTraceOfHessianEqualsTraceOfGgnByHutchinsonAndDense() {
        Dataset data = Dataset.regression(gaussian(40 * 4, 21), 40, 4, gaussian(40 * 2, 22), 2);
        Evaluator obj = Evaluator.open(Problem.of(Mlp.of(Activation.RELU, 4, 16, 16, 2), data, Loss.MSE));
        double[] theta = obj.problem().model().initPyTorchDefault(23);
        MorseReport r = MorseReport.at(obj, theta, MorseReport.Options.defaults());
        assertEquals(r.traceGgn(), r.traceHessian(), 1e-12 * Math.abs(r.traceHessian()), "dense: tr H = tr G for ReLU");
        TraceEstimator.Estimate est = TraceEstimator.hutchinson(CurvatureOperator.hessian(obj, theta), 200, 5);
        assertTrue(Math.abs(est.estimate() - r.traceGgn()) <= 3 * est.standardError(), "Hutchinson tr H " + est + " within 3 SE of tr G " + r.traceGgn());
        assertTrue(r.warning() != null && r.warning().contains("not a critical point"), "report warns at a non-critical point");
    }

    @Test
    void newtonConvergesQuadraticallyNearANondegenerateMinimum() {
        Evaluator obj = tanhRegression(Regularizer.l2(1e-2));
        Trajectory t = CriticalPoints.lbfgs(obj, obj.problem().model().initPyTorchDefault(3), 20, 3000, 1e-6);
        Trajectory n = CriticalPoints.newton(obj, t.theta(), 30, Double.MIN_VALUE, 10_000);
        double[] g = n.gradientNorms();
        // In the quadratic regime g_{k+1} ≤ C g_k² (C ~ 1e4 here); a linear rate would give g_{k+1} ≈ ρ g_k.
        int quadratic = 0;
        for (int k = 0; k + 1 < g.length && g[k + 1] > 1e-15; k++) {
            assertTrue(g[k + 1] <= 1e5 * g[k] * g[k], "quadratic step " + k + ": " + g[k] + " → " + g[k + 1]);
            quadratic++;
        }
        assertTrue(quadratic >= 2, "at least two steps above the rounding floor: " + java.util.Arrays.toString(g));
        assertTrue(g[2] / g[1] < 1e-3 * (g[1] / g[0]), "the rate accelerates (superlinear): " + java.util.Arrays.toString(g));
        assertTrue(n.finalGradientNorm() < 1e-15, "ends at rounding level: " + n.finalGradientNorm());
    }

    @Test
    void minresSolvesIndefiniteSystems() {
        int n = 50;
        double[] a = new double[n * n];
        double[] z = gaussian(n * n, 31);
        for (int i = 0; i < n; i++) for (int j = 0; j < n; j++) a[i * n + j] = z[i * n + j] + z[j * n + i];
        double[] b = gaussian(n, 32), x = new double[n];
        Minres.Info info = Minres.solve(dev.morse.spectra.Operators.dense(a, n), b, x, 1e-12, 500);
        double res = 0, nb = 0;
        for (int i = 0; i < n; i++) {
            double s = 0;
            for (int j = 0; j < n; j++) s += a[i * n + j] * x[j];
            res += (s - b[i]) * (s - b[i]);
            nb += b[i] * b[i];
        }
        assertTrue(Math.sqrt(res / nb) <= 1e-9, "MINRES relative residual " + Math.sqrt(res / nb) + " after " + info.iterations());
    }

    /**
     * τ's scale is that of the matrix as assembled (SPEC §6): ‖G‖₂ + ‖M‖₂ + ‖R″‖₂ when H = G + M + R″
     * from its parts (additive regularizers), ‖H‖₂ when H is formed by products (multiplicative).
     */
    @Test
    void tauScalesWithTheAssembledParts() {
        Evaluator l2 = tanhRegression(Regularizer.l2(1e-2));
        double[] theta = l2.problem().model().initPyTorchDefault(5);   // not critical: G and M both sizeable
        MorseReport r = MorseReport.at(l2, theta, MorseReport.Options.defaults());
        assertEquals("parts", r.tauScaleSource());
        assertEquals(r.ggnNorm() + r.nmeNorm() + r.regularizerNorm(), r.tauScale(), 0.0, "s = ‖G‖ + ‖M‖ + ‖R″‖");
        assertEquals(1e-2, r.regularizerNorm(), 1e-17, "‖R″‖₂ = λ");
        assertTrue(r.tauScale() >= r.hessianNorm() * (1 - 1e-12), "s ≥ ‖H‖₂ (triangle inequality)");
        assertEquals(10 * 25 * MorseReport.EPS * r.tauScale(), r.tau(), 1e-30, "τ = c·P·ε·s");
        MorseReport m = MorseReport.at(tanhRegression(Regularizer.multiplicative(0.05)), theta, MorseReport.Options.defaults());
        assertEquals("hessian", m.tauScaleSource());
        assertEquals(m.hessianNorm(), m.tauScale(), 0.0, "multiplicative: H by products, s = ‖H‖₂");
    }

    /** Above the dense limit the report says whether Lanczos converged (the CLI exits 3 when it did not). */
    @Test
    void lanczosPathReportsNonConvergence() {
        Dataset data = Dataset.regression(gaussian(16, 1), 8, 2, gaussian(8, 2), 1);
        Evaluator obj = Evaluator.open(Problem.of(Mlp.of(Activation.TANH, 2, 100, 1), data, Loss.MSE, Regularizer.l2(1e-2)));
        double[] theta = obj.problem().model().initPyTorchDefault(5);
        MorseReport ok = MorseReport.at(obj, theta, MorseReport.Options.defaults().withDenseLimit(10));
        assertTrue(ok.converged() && !ok.countsExact(), "P = 401 > 10: Lanczos extremes, converged");
        MorseReport stuck = MorseReport.at(obj, theta, MorseReport.Options.defaults().withDenseLimit(10).withLanczosRestarts(0));
        assertTrue(!stuck.converged(), "no restarts allowed: not converged");
        assertTrue(stuck.warning().contains("did not converge"), stuck.warning());
    }
}
