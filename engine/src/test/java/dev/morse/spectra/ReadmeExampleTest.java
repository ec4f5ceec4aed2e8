package dev.morse.spectra;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.morse.analysis.CriticalPoints;
import dev.morse.analysis.MorseReport;
import dev.morse.analysis.Trajectory;
import dev.morse.engine.Activation;
import dev.morse.engine.Dataset;
import dev.morse.engine.Loss;
import dev.morse.engine.Mlp;
import dev.morse.engine.CurvatureOperator;
import dev.morse.engine.Evaluator;
import dev.morse.engine.Part;
import dev.morse.engine.Problem;
import dev.morse.engine.Regularizer;
import org.junit.jupiter.api.Test;

/** The README's embedding example, kept compiling and checked (keep the two in sync). */
class ReadmeExampleTest {

    @Test
    void readmeExample() {
        // --- README example begins
        // 16 points on a line, a 1-8-1 tanh network, mean-squared error, weight decay 1e-3.
        int n = 16;
        double[] x = new double[n], y = new double[n];
        for (int i = 0; i < n; i++) {
            x[i] = -1 + 2.0 * i / (n - 1);
            y[i] = Math.sin(3 * x[i]);
        }
        Mlp mlp = Mlp.of(Activation.TANH, 1, 8, 1);                 // θ in PyTorch order, P = 25
        Dataset data = Dataset.regression(x, n, 1, y, 1);
        Problem problem = Problem.of(mlp, data, Loss.MSE, Regularizer.l2(1e-3));   // immutable, serializable
        Evaluator obj = Evaluator.open(problem);   // owns the worker threads and buffers: close it when done
        double[] theta = mlp.initPyTorchDefault(42);

        // Drive θ to a critical point, then ask whether it is nondegenerate.
        Trajectory fit = CriticalPoints.lbfgs(obj, theta, 20, 5000, 1e-8);
        Trajectory refined = CriticalPoints.newton(obj, fit.theta(), 50, 0, 5000);
        MorseReport report = MorseReport.at(obj, refined.theta(), MorseReport.Options.defaults());
        String verdict = report.verdict();   // e.g. "MORSE: critical point is a nondegenerate minimum (…)"

        // The thin operator API: Hessian, GGN, NME, or your own LinearOperator.
        LinearOperator h = CurvatureOperator.hessian(obj, refined.theta());
        Lanczos.Result top = Lanczos.run(h, new Lanczos.Options().k(3).which(Lanczos.Which.LARGEST));
        double[] all = DenseSpectrum.eigen(h, false).values();
        SpectralDensity.Result density = SpectralDensity.estimate(h, new SpectralDensity.Options().probes(4).steps(20));
        TraceEstimator.Estimate trace = TraceEstimator.hutchinson(CurvatureOperator.ggn(obj, refined.theta()), 50, 7);
        obj.close();
        // --- README example ends

        assertEquals(Trajectory.StopReason.CONVERGED, refined.reason(), "refined to grad_tol");
        assertTrue(report.critical() && report.nondegenerate(), verdict);
        assertTrue(verdict.startsWith("MORSE: critical point is a nondegenerate minimum"), verdict);
        for (int i = 0; i < 3; i++) assertEquals(all[all.length - 3 + i], top.ritzValues()[i], 1e-8 * all[all.length - 1], "Lanczos top " + i);
        assertEquals(1.0, integral(density), 1e-6, "density integrates to 1");
        assertTrue(trace.standardError() >= 0 && trace.products() == 50, "trace estimate carries its error and cost");
    }

    static double integral(SpectralDensity.Result r) {
        double s = 0;
        for (int i = 1; i < r.grid().length; i++) s += 0.5 * (r.density()[i] + r.density()[i - 1]) * (r.grid()[i] - r.grid()[i - 1]);
        return s;
    }
}
