package dev.morse.experiments.benign;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class PreactivationGdTest {

    /** Plain GD on θ = (W, a), with the step rule of PreactivationGd evaluated on θ. */
    static double plainStep(BenignData data, ReluNet net, double lambda, double lr) {
        int n = data.n();
        double[][] k = data.gram();
        double trace = 0;
        double[] f = net.outputs(data);
        double rn2 = 0;
        for (int i = 0; i < n; i++) rn2 += (f[i] - data.y()[i]) * (f[i] - data.y()[i]);
        for (int j = 0; j < net.width(); j++) {
            for (int i = 0; i < n; i++) {
                double u = Dense.dot(net.w()[j], data.x()[i]);
                if (u > 0) trace += u * u + net.a()[j] * net.a()[j] * (data.orthonormal() ? 1 : k[i][i]);
            }
        }
        double kRoot = data.orthonormal() ? 1 : Math.sqrt(Dense.frobenius(k));
        double eta = Math.min(lr, 1 / (2.0 / n * (trace + Math.sqrt(rn2) * kRoot) + 2 * lambda));
        ReluNet g = net.gradient(data, lambda);
        for (int j = 0; j < net.width(); j++) {
            net.a()[j] -= eta * g.a()[j];
            for (int l = 0; l < net.w()[j].length; l++) net.w()[j][l] -= eta * g.w()[j][l];
        }
        return eta;
    }

    private static double maxDiff(ReluNet p, ReluNet q) {
        double m = 0, s = 0;
        for (int j = 0; j < p.width(); j++) {
            m = Math.max(m, Math.abs(p.a()[j] - q.a()[j]));
            s = Math.max(s, Math.abs(p.a()[j]));
            for (int l = 0; l < p.w()[j].length; l++) {
                m = Math.max(m, Math.abs(p.w()[j][l] - q.w()[j][l]));
                s = Math.max(s, Math.abs(p.w()[j][l]));
            }
        }
        return m / Math.max(s, 1e-300);
    }

    private static ReluNet copy(ReluNet net) {
        double[][] w = new double[net.width()][];
        for (int j = 0; j < net.width(); j++) w[j] = net.w()[j].clone();
        return new ReluNet(w, net.a().clone());
    }

    private static void compareStepByStep(BenignData data, ReluNet init, double lambda, double lr, int steps) {
        PreactivationGd gd = new PreactivationGd(data, copy(init), new PreactivationGd.Options(lambda, lr, 10_000_000, 1e-30, 1e6));
        ReluNet plain = copy(init);
        assertTrue(maxDiff(gd.theta(), plain) < 1e-13, "the pre-activation coordinates reproduce θ at the start");
        double worst = 0;
        for (int t = 1; t <= steps; t++) {
            double etaPlain = plainStep(data, plain, lambda, lr);
            double eta = gd.stepOnce();
            assertEquals(etaPlain, eta, 1e-12 * etaPlain, "step size at step " + t);
            worst = Math.max(worst, maxDiff(gd.theta(), plain));
        }
        // Rounding accumulates over the steps; the two computations differ only in the order of operations.
        assertTrue(worst < 1e-10, "pre-activation GD = plain GD on θ to rounding, max relative difference " + worst);
    }

    @Test
    void orthonormalMatchesPlainGdStepByStep() {
        BenignData data = BenignData.orthogonal(4, 8, 11, 3, 12);
        assertTrue(data.orthonormal());
        compareStepByStep(data, ReluNet.init(12, 8, 0.7, 13), 0.01, 0.01, 3000);
    }

    @Test
    void largeInitUsesTheStabilityBoundAndStillMatches() {
        BenignData data = BenignData.orthogonal(6, 10, 21, 3, 22);
        ReluNet init = ReluNet.init(64, 10, 1.0, 23);
        compareStepByStep(data, init, 0.01, 0.01, 1500);
    }

    @Test
    void nonOrthogonalExampleMatchesPlainGdStepByStep() {
        BenignData data = BenignData.smallInitExample(5, 7);
        assertFalse(data.orthonormal());
        compareStepByStep(data, ReluNet.init(10, 7, 0.3, 5), 1e-3, 0.01, 3000);
    }

    @Test
    void orthonormalActiveSetsOnlyShrinkAndRunsConvergeToTheEndPoint() {
        BenignData data = BenignData.orthogonal(4, 8, 31, 3, 32);
        double lambda = 0.01;
        PreactivationGd gd = new PreactivationGd(data, ReluNet.init(10, 8, 0.5, 33), new PreactivationGd.Options(lambda, 0.01, 3_000_000, 1e-8, 1e3));
        boolean[] wasInactive = new boolean[10 * 4];
        for (int t = 0; t < 20_000; t++) {
            gd.stepOnce();
            for (int q = 0; q < wasInactive.length; q++) {
                if (wasInactive[q]) assertTrue(gd.u[q] <= 0, "an inactive coordinate never becomes active again (orthonormal inputs)");
                wasInactive[q] |= gd.u[q] <= 0;
            }
        }
        PreactivationGd.Result r = gd.run();
        assertEquals(PreactivationGd.Status.CONVERGED, r.status());
        assertTrue(r.gradNorm() < 1e-8);
        assertEquals(r.gradNorm(), r.end().gradientNorm(), 1e-10, "reported ‖∇L(θ*)‖ is the gradient at the end point");
        // θ* and θ_t differ only in parts that decay to 0 and do not touch f: θ* is lower.
        assertTrue(r.end().objective() <= r.objectiveRaw() + 1e-15);
        // The end point's decaying parts are exactly 0: no negative pre-activation remains.
        for (double v : r.end().u()) assertTrue(v >= 0);
    }

    @Test
    void capReportsUnconvergedAndDivergenceIsCaught() {
        BenignData data = BenignData.orthogonal(4, 8, 41, 3, 42);
        PreactivationGd.Result r = new PreactivationGd(data, ReluNet.init(10, 8, 0.5, 43),
                new PreactivationGd.Options(0.01, 0.01, 100, 1e-8, 1e3)).run();
        assertEquals(PreactivationGd.Status.MAX_STEPS, r.status());
        assertEquals(100, r.steps());
        assertThrows(IllegalArgumentException.class, () -> new PreactivationGd.Options(0, 0.01, 10, 1e-8, 10));
    }

    @Test
    void haarMatrixIsOrthogonalAndInitIsBalanced() {
        double[][] q = BenignData.haarOrthogonal(7, new java.util.SplittableRandom(3));
        for (int i = 0; i < 7; i++) for (int k = 0; k < 7; k++) assertEquals(i == k ? 1 : 0, Dense.dot(q[i], q[k]), 1e-14);
        ReluNet net = ReluNet.init(20, 7, 0.3, 9);
        int pos = 0;
        for (int j = 0; j < 20; j++) {
            assertEquals(Math.sqrt(Dense.dot(net.w()[j], net.w()[j])), Math.abs(net.a()[j]), 1e-15);
            if (net.a()[j] > 0) pos++;
        }
        assertTrue(pos > 0 && pos < 20, "random signs");
        BenignData ex = BenignData.smallInitExample(6, 6);
        for (int i = 0; i < 6; i++) assertEquals(1.0, Dense.dot(ex.x()[i], ex.x()[i]), 1e-15, "x_" + (i + 1) + " has unit norm");
        assertArrayEquals(new double[] {0.8, 7.0 / 9, 7.0 / 9, 32.0 / 45, 32.0 / 45, 32.0 / 45}, ex.y(), 1e-15);
    }

    @Test
    void gradientMatchesFiniteDifferences() {
        BenignData data = BenignData.smallInitExample(4, 5);
        ReluNet net = ReluNet.init(6, 5, 0.8, 2);
        double lambda = 0.03;
        ReluNet g = net.gradient(data, lambda);
        double h = 1e-6;
        for (int j = 0; j < 6; j++) {
            for (int l = 0; l <= 5; l++) {
                ReluNet p = copy(net), m = copy(net);
                if (l < 5) { p.w()[j][l] += h; m.w()[j][l] -= h; } else { p.a()[j] += h; m.a()[j] -= h; }
                double fd = (p.objective(data, lambda) - m.objective(data, lambda)) / (2 * h);
                double an = l < 5 ? g.w()[j][l] : g.a()[j];
                assertEquals(fd, an, 1e-7, "∂L at neuron " + j + ", coordinate " + l);
            }
        }
        // In pre-activation coordinates (weights projected onto the span of the inputs, d = 5 > n = 4).
        EndPoint ep = EndPoint.of(data, lambda, net);
        ReluNet inSpan = ep.toNet();
        assertArrayEquals(net.outputs(data), inSpan.outputs(data), 1e-12, "the part outside the span does not change f");
        assertEquals(inSpan.objective(data, lambda), ep.objective(), 1e-12, "pre-activation objective = θ objective (weights in span)");
        assertEquals(inSpan.gradient(data, lambda).norm(), ep.gradientNorm(), 1e-12, "pre-activation gradient norm = θ gradient norm");
    }

    @Test
    void valueBoundStopsOnlyWhenTheLimitIsCertainlyGlobal() {
        BenignData data = BenignData.orthogonal(4, 8, 51, 3, 52);
        double lambda = 0.01, g = ConvexGlobal.orthonormal(data.y(), lambda);
        for (long seed = 1; seed <= 4; seed++) {
            PreactivationGd.Options o = new PreactivationGd.Options(lambda, 0.01, 3_000_000, 1e-8, 1e3);
            PreactivationGd.Result bounded = new PreactivationGd(data, ReluNet.init(32, 8, 1.0, seed), o.withValueBound(g + 1e-7)).run();
            assertTrue(bounded.monotone(), "GD with the stability step decreases L at every step");
            if (bounded.status() != PreactivationGd.Status.VALUE_BOUND) continue;
            assertTrue(bounded.objectiveRaw() <= g + 1e-7 + 1e-15);
            PreactivationGd.Result full = new PreactivationGd(data, ReluNet.init(32, 8, 1.0, seed), o).run();
            assertTrue(full.end().objective() - g <= 1e-7, "the run continued to its end is global too");
            assertTrue(full.steps() >= bounded.steps());
        }
    }
}
