package dev.morse.analysis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.morse.engine.Activation;
import dev.morse.engine.Dataset;
import dev.morse.engine.Evaluator;
import dev.morse.engine.Loss;
import dev.morse.engine.Mlp;
import dev.morse.engine.Problem;
import dev.morse.engine.Regularizer;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * Newton refinement to the nearest critical point of any index (SPEC §6) and trust-region Newton
 * minimization: convergence from perturbed minima and saddles, the same critical point found
 * again, quadratic rate, no descent from a saddle, and the stop reasons.
 */
class RefinementTest {

    /** 2-10-1 tanh, mse, l2(1e-3), N = 5 (P = 41): the problem of issue 12. */
    static Dataset data() {
        return Dataset.regression(MorseClaimsTest.gaussian(10, 1), 5, 2, MorseClaimsTest.gaussian(5, 2), 1);
    }

    static Evaluator tanh(int hidden) {
        return Evaluator.open(Problem.of(Mlp.of(Activation.TANH, 2, hidden, 1), data(), Loss.MSE, Regularizer.l2(1e-3)));
    }

    static double[] perturbed(double[] center, double distance, long seed) {
        double[] u = MorseClaimsTest.gaussian(center.length, seed);
        double n = 0;
        for (double x : u) n += x * x;
        n = Math.sqrt(n);
        double[] t = center.clone();
        for (int i = 0; i < t.length; i++) t[i] += distance * u[i] / n;
        return t;
    }

    static double distance(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) s += (a[i] - b[i]) * (a[i] - b[i]);
        return Math.sqrt(s);
    }

    /** A minimum refined to rounding level (L-BFGS, then Newton). */
    static double[] minimum(Evaluator ev) {
        Trajectory t = CriticalPoints.lbfgs(ev, ev.problem().model().initPyTorchDefault(3), 20, 5000, 1e-9);
        Trajectory n = CriticalPoints.newton(ev, t.theta(), 60, Double.MIN_VALUE, 10_000);
        assertTrue(n.finalGradientNorm() < 1e-14, "the minimum is refined: " + n.finalGradientNorm());
        return n.theta();
    }

    /** A trajectory's approach is never null: the reports write approach().id() (STEADY says "nothing to tell"). */
    @Test
    void aTrajectoryRefusesANullApproach() {
        var ex = assertThrows(NullPointerException.class, () -> new Trajectory("newton", new double[1], new double[1], new double[1],
                Trajectory.StopReason.CONVERGED, 0, null, null));
        assertTrue(ex.getMessage().contains("approach"), ex.getMessage());
        assertEquals(Trajectory.Approach.STEADY, new Trajectory("newton", new double[1], new double[1], new double[1],
                Trajectory.StopReason.CONVERGED, 0, null).approach());
    }

    @Test
    void fromAPerturbedRegularizedMinimumWithinFiftyIterations() {
        Evaluator ev = tanh(10);
        double[] min = minimum(ev);
        CriticalPoints.NewtonOptions defaults = CriticalPoints.NewtonOptions.defaults();
        for (long seed = 1; seed <= 5; seed++) {
            double[] start = perturbed(min, 1e-2, seed);
            // Default options, grad_tol 1e-12 (the target), then on to the rounding level.
            Trajectory t = CriticalPoints.newton(ev, start, new CriticalPoints.NewtonOptions(defaults.maxIter(), 1e-12, defaults.denseLimit(),
                    defaults.krylovIter(), defaults.initialRadius()), null);
            assertEquals(Trajectory.StopReason.CONVERGED, t.reason(), "seed " + seed + ": " + t.detail());
            assertTrue(t.iterations() <= 50, "seed " + seed + ": " + t.iterations() + " iterations");
            Trajectory r = CriticalPoints.newton(ev, start, 100, Double.MIN_VALUE, 10_000);
            assertTrue(r.finalGradientNorm() <= 1e-15 && r.iterations() <= 50, "to rounding level: " + r.iterations() + " iterations, ‖∇‖ "
                    + r.finalGradientNorm() + ", " + r.reason() + " (" + r.detail() + ")");
            assertTrue(distance(r.theta(), min) <= 1e-12, "seed " + seed + ": back at the minimum, distance " + distance(r.theta(), min));
        }
    }

    @Test
    void quadraticConvergenceAtTheEnd() {
        Evaluator ev = tanh(10);
        double[] min = minimum(ev);
        for (int denseLimit : new int[] {10_000, 0}) {
            Trajectory t = CriticalPoints.newton(ev, perturbed(min, 1e-2, 9), new CriticalPoints.NewtonOptions(100, Double.MIN_VALUE, denseLimit, 500, 0), null);
            double[] g = t.gradientNorms();
            // The last step above the rounding floor (1e-13) squares ‖∇‖ up to a constant, from well above the floor.
            int last = g.length - 1;
            while (last > 0 && g[last] < 1e-13) last--;
            assertTrue(last >= 1 && g[last - 1] >= 1e-7, t.optimizer() + ": a step from ‖∇‖ ≥ 1e-7 in " + Arrays.toString(g));
            assertTrue(g[last] <= 1e3 * g[last - 1] * g[last - 1], t.optimizer() + ": quadratic final step in " + Arrays.toString(g));
            assertTrue(g[g.length - 1] < 1e-14, t.optimizer() + ": ends at the rounding floor: " + Arrays.toString(g));
            assertEquals(Trajectory.Approach.STEADY, t.approach(), t.optimizer() + ": nothing to say of a nondegenerate point: " + t.detail());
        }
    }

    /**
     * Saddles of index 3 and 4, made by adding 3 or 4 dead hidden units (zero weights in and out)
     * to a minimum of a narrower network: each dead unit is a critical direction whose 4×4 Hessian
     * block λI + [0 u; uᵀ 0] (u the residuals' correlation with the inputs) has one eigenvalue
     * λ − ‖u‖ &lt; 0. From 1e-3 away refinement must find the same saddle, never a minimum.
     */
    @Test
    void fromPerturbedSaddlesOfIndexThreeAndFourTheSameSaddle() {
        for (int dead : new int[] {3, 4}) {
            int h = 10 - dead;
            Evaluator small = tanh(h);
            double[] ms = minimum(small);
            Evaluator ev = tanh(10);
            double[] saddle = new double[ev.dim()];
            for (int j = 0; j < h; j++) {   // layout: W1 [10][2], b1 [10], W2 [1][10], b2
                saddle[2 * j] = ms[2 * j];
                saddle[2 * j + 1] = ms[2 * j + 1];
                saddle[20 + j] = ms[2 * h + j];
                saddle[30 + j] = ms[3 * h + j];
            }
            saddle[40] = ms[4 * h];
            MorseReport at = MorseReport.at(ev, saddle, MorseReport.Options.defaults());
            assertTrue(at.critical(), "the embedding is critical: ‖∇‖ = " + at.gradientNorm());
            assertEquals(dead, at.index(), "index = dead units");
            assertEquals(0, at.nullity(), "nondegenerate: " + at.verdict());
            for (long seed = 1; seed <= 4; seed++) {
                double[] start = perturbed(saddle, 1e-3, 100 * dead + seed);
                Trajectory t = CriticalPoints.newton(ev, start, 100, Double.MIN_VALUE, 10_000);
                MorseReport r = MorseReport.at(ev, t.theta(), MorseReport.Options.defaults());
                assertTrue(r.critical() && t.iterations() <= 50, dead + " dead units, seed " + seed + ": " + t.iterations() + " iterations, "
                        + r.verdict());
                assertEquals(dead, r.index(), "the same index after refinement, seed " + seed);
                assertTrue(distance(t.theta(), saddle) <= 1e-12, "the same saddle: distance " + distance(t.theta(), saddle));
                // Matrix-free steps (no dense limit) find it too.
                Trajectory mf = CriticalPoints.newton(ev, start, new CriticalPoints.NewtonOptions(100, Double.MIN_VALUE, 0, 500, 0), null);
                assertTrue(distance(mf.theta(), saddle) <= 1e-12, "matrix-free: the same saddle, distance " + distance(mf.theta(), saddle));
            }
            // A descent method from the same start leaves the saddle for a minimum: a different question.
            Trajectory tr = CriticalPoints.newtonTrustRegion(ev, perturbed(saddle, 1e-3, 7), 200, Double.MIN_VALUE, 10_000);
            MorseReport m = MorseReport.at(ev, tr.theta(), MorseReport.Options.defaults());
            assertTrue(m.critical() && m.index() == 0 && tr.finalLoss() < at.loss(), "newton_tr descends to a minimum: " + m.verdict());
        }
    }

    /** A saddle found by Newton from a random start (as the issue suggests), then found again from 1e-3 away. */
    @Test
    void aSaddleFromARandomStartIsFoundAgain() {
        Evaluator ev = tanh(10);
        double[] saddle = null;
        int index = 0;
        for (long seed = 1; seed <= 40 && saddle == null; seed++) {
            Trajectory t = CriticalPoints.newton(ev, MorseClaimsTest.gaussian(ev.dim(), seed), 300, Double.MIN_VALUE, 10_000);
            if (t.finalGradientNorm() > 1e-13) continue;
            MorseReport r = MorseReport.at(ev, t.theta(), MorseReport.Options.defaults());
            if (r.index() > 0 && r.nullity() == 0) {
                saddle = t.theta();
                index = r.index();
            }
        }
        assertTrue(saddle != null, "Newton from random starts finds a nondegenerate saddle");
        for (long seed = 1; seed <= 3; seed++) {
            Trajectory t = CriticalPoints.newton(ev, perturbed(saddle, 1e-3, seed), 100, Double.MIN_VALUE, 10_000);
            assertTrue(distance(t.theta(), saddle) <= 1e-11, "index-" + index + " saddle found again, distance " + distance(t.theta(), saddle));
        }
    }

    /**
     * From a random start with no critical point in reach, every step is held to the trust radius
     * and ‖∇L_R‖ creeps to the iteration limit (300 iterations, ‖∇‖ = 7.9e-3): the stop says that
     * the last steps were held to the trust radius and did not halve ‖∇L_R‖.
     */
    @Test
    void aRunHeldToTheTrustRegionSaysSoAtTheLimit() {
        Evaluator ev = tanh(10);
        for (int denseLimit : new int[] {10_000, 0}) {
            Trajectory t = CriticalPoints.newton(ev, MorseClaimsTest.gaussian(ev.dim(), 1), new CriticalPoints.NewtonOptions(300, Double.MIN_VALUE, denseLimit, 500, 0), null);
            String what = t.optimizer() + ": " + t.reason() + " after " + t.iterations() + " iterations, " + t.detail();
            assertEquals(Trajectory.StopReason.MAX_ITERATIONS, t.reason(), what);
            assertTrue(t.detail().startsWith("iteration limit 300") && t.detail().contains("held to the trust radius")
                    && t.detail().contains("far from θ or nearly degenerate"), what);
            // and says so in a field, which the experiments read instead of the text
            assertEquals(Trajectory.Approach.CRAWL, t.approach(), what);
            double[] g = t.gradientNorms();
            int n = g.length - 1;
            assertTrue(g[n] > g[n - CriticalPoints.HELD_STEPS] / CriticalPoints.HELD_DECREASE, "the last steps did not halve ‖∇‖: " + what);
        }
    }

    @Test
    void trustRegionNewtonMinimizesFromTheInitialization() {
        Evaluator ev = tanh(10);
        double[] theta0 = ev.problem().model().initPyTorchDefault(3);
        for (int denseLimit : new int[] {10_000, 0}) {
            Trajectory t = CriticalPoints.newtonTrustRegion(ev, theta0, 200, 1e-12, denseLimit);
            assertEquals(Trajectory.StopReason.CONVERGED, t.reason(), t.optimizer() + ": " + t.detail());
            MorseReport r = MorseReport.at(ev, t.theta(), MorseReport.Options.defaults());
            assertTrue(r.index() == 0 && r.nullity() == 0, t.optimizer() + " ends at a nondegenerate minimum: " + r.verdict());
            double[] l = t.losses();
            for (int k = 0; k + 1 < l.length; k++) assertTrue(l[k + 1] <= l[k], t.optimizer() + ": a descent method, step " + k);
            assertEquals(denseLimit > 0 ? "newton-tr" : "newton-tr-cg", t.optimizer());
        }
    }

    /**
     * f = w₂w₁x with targets 0: L = E[x²]·(w₁w₂)², quartic at θ = 0 where H = 0. Newton converges
     * only linearly there; stopped early it says why, run longer it converges.
     */
    @Test
    void nearADegenerateCriticalPointTheStopReasonSaysSo() {
        Dataset d = Dataset.regression(MorseClaimsTest.gaussian(6, 4), 6, 1, new double[6], 1);
        Mlp mlp = Mlp.builder(1, 1, 1).activation(Activation.IDENTITY).noBias().build();
        Evaluator ev = Evaluator.open(Problem.of(mlp, d, Loss.MSE));
        double[] start = {0.02, -0.015};
        Trajectory shortRun = CriticalPoints.newton(ev, start, 8, 0, 10_000);
        assertEquals(Trajectory.StopReason.DEGENERATE, shortRun.reason(), shortRun.detail());
        assertTrue(shortRun.detail().contains("degenerate") && shortRun.detail().contains("linearly"), shortRun.detail());
        assertEquals(Trajectory.Approach.LINEAR, shortRun.approach(), shortRun.detail());
        Trajectory longRun = CriticalPoints.newton(ev, start, 100, 0, 10_000);
        assertEquals(Trajectory.StopReason.CONVERGED, longRun.reason(), longRun.detail());
        // converged, but linearly before that: the field keeps what the detail says
        assertEquals(longRun.detail() != null && longRun.detail().contains("linearly") ? Trajectory.Approach.LINEAR : Trajectory.Approach.STEADY,
                longRun.approach(), longRun.detail());
    }

    /**
     * Deep linear chains f = w_L⋯w₁x with x = y = (1, 2): θ = 0 is a critical point where H = 0
     * (nullity P), and ∇L ~ θ^(L−1) near it. Refined to rounding level (the Morse check's
     * setting), Newton creeps towards θ = 0 by a constant factor per step (‖∇‖ by exactly ¼ for
     * L = 3, 0.296 for L = 4): the run must end DEGENERATE, not as a converged critical point,
     * whose relative τ would shrink with H and call the point nondegenerate. Dense and
     * matrix-free steps alike.
     */
    @Test
    void aRunToRoundingLevelTowardsAVanishingHessianEndsDegenerate() {
        Dataset d = Dataset.regression(new double[] {1, 2}, 2, 1, new double[] {1, 2}, 1);
        double[][] starts = {{0.05, 0.04, 0.03}, {0.5, 0.4, 0.3, 0.45}};
        for (double[] start : starts) {
            int[] widths = new int[start.length + 1];
            Arrays.fill(widths, 1);
            Mlp mlp = Mlp.builder(widths).activation(Activation.IDENTITY).noBias().build();
            Evaluator ev = Evaluator.open(Problem.of(mlp, d, Loss.MSE));
            for (int denseLimit : new int[] {10_000, 0}) {
                Trajectory t = CriticalPoints.newton(ev, start, new CriticalPoints.NewtonOptions(100, Double.MIN_VALUE, denseLimit, 500, 0), null);
                String what = start.length + " layers, " + t.optimizer() + ": " + t.reason() + ", " + t.detail();
                assertEquals(Trajectory.StopReason.DEGENERATE, t.reason(), what);
                assertTrue(t.detail().contains("linearly"), what);
                assertEquals(Trajectory.Approach.LINEAR, t.approach(), what);
                assertTrue(t.iterations() < 100, "stops once the floor is reached, not at the iteration limit: " + what);
                for (double x : t.theta()) assertTrue(Math.abs(x) < 1e-3, "heads for θ = 0: " + Arrays.toString(t.theta()));
            }
        }
    }

    @Test
    void optionsAreValidated() {
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> new CriticalPoints.NewtonOptions(-1, 0, 0, 1, 0));
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> new CriticalPoints.NewtonOptions(1, -1, 0, 1, 0));
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> new CriticalPoints.NewtonOptions(1, 0, 0, 0, 0));
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> new CriticalPoints.NewtonOptions(1, 0, 0, 1, Double.NaN));
    }
}
