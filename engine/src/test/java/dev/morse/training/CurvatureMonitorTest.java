package dev.morse.training;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.morse.engine.Activation;
import dev.morse.engine.CurvatureOperator;
import dev.morse.engine.Dataset;
import dev.morse.engine.Evaluator;
import dev.morse.engine.Loss;
import dev.morse.engine.Mlp;
import dev.morse.engine.Part;
import dev.morse.engine.Problem;
import dev.morse.engine.Regularizer;
import dev.morse.linalg.Linalg;
import dev.morse.spectra.TraceEstimator;
import org.junit.jupiter.api.Test;

/**
 * The curvature monitor against dense matrices of a small model (P = 63): λ_max against LAPACK,
 * the Hutchinson estimates against the same probes applied to the dense H, G and M, the Frobenius
 * ratio estimator against its definition and, with many probes, against the exact ratio.
 */
class CurvatureMonitorTest {

    static final Mlp MLP = Mlp.of(Activation.GELU, 3, 6, 3, 3);

    static Evaluator open(int n) {
        Dataset data = TrainerTest.blobs(n, 8);
        return Evaluator.open(Problem.of(MLP, data, Loss.CROSS_ENTROPY, Regularizer.l2(1e-2)), Evaluator.Settings.defaults().withThreads(2));
    }

    static double[] quad(double[] m, int p, double[] z, int off) {
        double[] out = new double[p];
        for (int i = 0; i < p; i++) {
            double s = 0;
            for (int j = 0; j < p; j++) s += m[i * p + j] * z[off + j];
            out[i] = s;
        }
        return out;
    }

    @Test
    void everyNumberAgainstDenseMatrices() {
        try (Evaluator ev = open(40)) {
            int p = ev.dim();
            double[] theta = MLP.initPyTorchDefault(4);
            for (int i = 0; i < p; i++) theta[i] *= 3;   // away from the near-linear start: M is not small
            CurvatureMonitor.Options o = new CurvatureMonitor.Options(8, 11, 1e-10, 200);
            CurvatureMonitor.Snapshot s = new CurvatureMonitor(ev, o).measure(theta);

            double[] h = ev.dense(Part.HESSIAN, theta), g = ev.dense(Part.GGN, theta), m = ev.dense(Part.NME, theta);
            double[] eig = Linalg.get().eigh(h.clone(), p, false).values();
            double top = eig[p - 1];
            assertEquals(top, s.topEigenvalue(), 1e-9 * Math.abs(top), "λ_max against LAPACK");
            assertTrue(s.topConverged());

            double[] z = TraceEstimator.rademacherProbes(p, 8, Seeds.derive(11, Seeds.CURVATURE, 1));
            double[] qh = new double[8], qg = new double[8], am = new double[8], ah = new double[8];
            for (int k = 0; k < 8; k++) {
                double[] hz = quad(h, p, z, k * p), gz = quad(g, p, z, k * p), mz = quad(m, p, z, k * p);
                for (int i = 0; i < p; i++) {
                    qh[k] += z[k * p + i] * hz[i];
                    qg[k] += z[k * p + i] * gz[i];
                    am[k] += mz[i] * mz[i];
                    ah[k] += hz[i] * hz[i];
                }
            }
            TraceEstimator.Estimate th = TraceEstimator.fromSamples(qh, 8, "hutchinson");
            assertEquals(th.estimate(), s.hessianTrace().estimate(), 1e-11 * Math.abs(th.estimate()));
            assertEquals(th.standardError(), s.hessianTrace().standardError(), 1e-9 * th.standardError());
            TraceEstimator.Estimate tg = TraceEstimator.fromSamples(qg, 8, "hutchinson");
            assertEquals(tg.estimate(), s.ggnTrace().estimate(), 1e-11 * Math.abs(tg.estimate()));
            assertEquals(TraceEstimator.fromSamples(am, 8, "").estimate(), s.nmeFrobeniusSquared().estimate(), 1e-10 * s.nmeFrobeniusSquared().estimate());
            assertEquals(TraceEstimator.fromSamples(ah, 8, "").estimate(), s.hessianFrobeniusSquared().estimate(), 1e-10 * s.hessianFrobeniusSquared().estimate());
            double sa = 0, sb = 0;
            for (int k = 0; k < 8; k++) {
                sa += am[k];
                sb += ah[k];
            }
            assertEquals(Math.sqrt(sa / sb), s.nmeToHessianFrobenius(), 1e-10, "r = √(mean‖Mz‖² / mean‖Hz‖²)");
            assertTrue(s.nmeToHessianFrobeniusError() > 0);

            // The same probes as TraceEstimator.hutchinson would draw: its estimate on the Hessian operator agrees.
            TraceEstimator.Estimate hut = TraceEstimator.hutchinson(CurvatureOperator.hessian(ev, theta), 8, Seeds.derive(11, Seeds.CURVATURE, 1));
            assertEquals(hut.estimate(), s.hessianTrace().estimate(), 1e-12 * Math.abs(hut.estimate()));
            assertEquals(s.lanczosProducts() + 16, s.products());
            assertEquals(40, s.samples());
            assertEquals(1.0, s.secondDerivativeFraction(), 0.0, "GELU: σ″ ≠ 0 everywhere (no underflow at these scales)");
            assertEquals(2, s.secondDerivativeFractions().length);
        }
    }

    /** With many probes the estimates land within a few standard errors of the exact values. */
    @Test
    void estimatesAreUnbiasedWithinTheirErrors() {
        try (Evaluator ev = open(30)) {
            int p = ev.dim();
            double[] theta = MLP.initPyTorchDefault(6);
            for (int i = 0; i < p; i++) theta[i] *= 3;
            CurvatureMonitor.Snapshot s = new CurvatureMonitor(ev, new CurvatureMonitor.Options(400, 1, 1e-8, 100)).measure(theta);
            double[] h = ev.dense(Part.HESSIAN, theta), g = ev.dense(Part.GGN, theta), m = ev.dense(Part.NME, theta);
            double trH = 0, trG = 0, fm = 0, fh = 0;
            for (int i = 0; i < p; i++) {
                trH += h[i * p + i];
                trG += g[i * p + i];
            }
            for (int i = 0; i < p * p; i++) {
                fm += m[i] * m[i];
                fh += h[i] * h[i];
            }
            assertEquals(trH, s.hessianTrace().estimate(), 4 * s.hessianTrace().standardError());
            assertEquals(trG, s.ggnTrace().estimate(), 4 * s.ggnTrace().standardError());
            assertEquals(fm, s.nmeFrobeniusSquared().estimate(), 4 * s.nmeFrobeniusSquared().standardError());
            assertEquals(Math.sqrt(fm / fh), s.nmeToHessianFrobenius(), 4 * s.nmeToHessianFrobeniusError() + 0.01);
            assertTrue(s.nmeToHessianFrobenius() > 0.01, "M is not negligible here: " + s.nmeToHessianFrobenius());
        }
    }

    @Test
    void ratioOfMeansAndItsError() {
        double[] r = CurvatureMonitor.ratioOfMeans(new double[] {1, 1, 1}, new double[] {4, 4, 4});
        assertEquals(0.5, r[0], 0.0);
        assertEquals(0.0, r[1], 0.0, "no spread, no error");
        double[] n = CurvatureMonitor.ratioOfMeans(new double[] {1, 2}, new double[] {0, 0});
        assertTrue(Double.isNaN(n[0]));
    }
}
