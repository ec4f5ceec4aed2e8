package dev.morse.analysis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.morse.engine.Activation;
import dev.morse.engine.Dataset;
import dev.morse.engine.Evaluator;
import dev.morse.engine.Loss;
import dev.morse.engine.Mlp;
import dev.morse.engine.Problem;
import dev.morse.engine.Regularizer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * Bad arguments to the embedding API's helpers are IllegalArgumentExceptions naming the value
 * (they used to be ArrayIndexOutOfBounds or NegativeArraySize exceptions, or were accepted), and
 * a Trajectory prints its numbers, not its arrays' identities.
 */
class EmbeddingArgumentsTest {

    private static void fails(Executable e, String... fragments) {
        IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, e);
        for (String f : fragments) assertTrue(ex.getMessage().contains(f), "message '" + ex.getMessage() + "' should mention '" + f + "'");
    }

    private static Evaluator evaluator(Mlp mlp) {
        int n = 16;
        double[] x = new double[n], y = new double[n];
        for (int i = 0; i < n; i++) {
            x[i] = -1 + 2.0 * i / (n - 1);
            y[i] = Math.sin(3 * x[i]);
        }
        return Evaluator.open(Problem.of(mlp, Dataset.regression(x, n, 1, y, 1), Loss.MSE, Regularizer.l2(1e-3)),
                Evaluator.Settings.defaults().withThreads(1));
    }

    private static void npe(Executable e, String name) {
        NullPointerException ex = assertThrows(NullPointerException.class, e);
        assertEquals(name, ex.getMessage(), "a null argument is named by the exception");
    }

    /** Null arguments are NullPointerExceptions naming the argument (they were bare NPEs, or "θ has length null"). */
    @Test
    void nullArgumentsAreNamed() {
        Mlp mlp = Mlp.of(Activation.TANH, 1, 8, 1);
        try (Evaluator e = evaluator(mlp)) {
            double[] theta = mlp.initPyTorchDefault(42);
            dev.morse.spectra.LinearOperator h = dev.morse.engine.CurvatureOperator.hessian(e, theta);
            npe(() -> dev.morse.engine.CurvatureOperator.hessian(e, null), "θ");
            npe(() -> dev.morse.engine.CurvatureOperator.hessian(null, theta), "evaluator");
            npe(() -> dev.morse.spectra.Lanczos.run(null, new dev.morse.spectra.Lanczos.Options()), "operator");
            npe(() -> dev.morse.spectra.Lanczos.run(h, null), "options");
            npe(() -> dev.morse.spectra.SpectralDensity.estimate(h, null), "options");
            npe(() -> dev.morse.spectra.SpectralDensity.estimate(null, new dev.morse.spectra.SpectralDensity.Options()), "operator");
            npe(() -> dev.morse.spectra.DenseSpectrum.eigen(null, false), "operator");
            npe(() -> dev.morse.spectra.DenseSpectrum.inertia(null, 0), "operator");
            npe(() -> dev.morse.spectra.TraceEstimator.hutchinson(null, 4, 1), "operator");
            npe(() -> dev.morse.spectra.TraceEstimator.hutchPlusPlus(null, 9, 1), "operator");
            npe(() -> dev.morse.spectra.BlockLanczos.largestMagnitude(null, 1, 1, 1e-8, 10, 1), "operator");
            npe(() -> dev.morse.spectra.Operators.sum(h, null), "operator");
            npe(() -> dev.morse.spectra.Operators.scale(null, 2), "operator");
            npe(() -> dev.morse.spectra.Operators.diagonal(null), "diagonal");
            npe(() -> Minres.solve(null, theta, new double[theta.length], 1e-8, 10), "operator");
            npe(() -> MorseReport.at(e, theta, null), "options");
            npe(() -> MorseReport.at(null, theta, MorseReport.Options.defaults()), "evaluator");
            npe(() -> MorseReport.at(e, null, MorseReport.Options.defaults()), "θ");
            npe(() -> MorseReport.at(e, theta, MorseReport.Options.defaults(), null), "listener");
            npe(() -> CriticalPoints.lbfgs(null, theta, 5, 10, 1e-8), "evaluator");
            npe(() -> CriticalPoints.gradientDescent(e, null, 0.1, 10, 1e-8), "θ₀");
            npe(() -> CriticalPoints.newton(e, theta, null, null), "options");
            npe(() -> CriticalPoints.newtonTrustRegion(e, null, new CriticalPoints.NewtonOptions(10, 0, 100, 500, 0), null), "θ₀");
        }
    }

    /**
     * A report too big for dense work is refused before any work, with advice a report user can
     * act on (the dense limit); it used to run the gradient and Lanczos for seconds, then fail
     * advising "use Lanczos or raise -Xmx".
     */
    @Test
    void aDenseReportThatCannotFitIsRefusedUpFront() {
        Mlp mlp = Mlp.of(Activation.TANH, 1, 20000, 1);   // P = 60001: P² doubles exceed one Java array
        try (Evaluator e = evaluator(mlp)) {
            double[] theta = mlp.initPyTorchDefault(1);
            java.util.List<String> phases = new java.util.ArrayList<>();
            MorseReport.Listener listener = new MorseReport.Listener() {
                @Override
                public void phase(String what) {
                    phases.add(what);
                }
            };
            for (boolean spectra : new boolean[] {false, true}) {
                MorseReport.Options o = MorseReport.Options.defaults().withDenseLimit(100_000).withSpectra(spectra);
                dev.morse.linalg.MemoryLimitException ex = assertThrows(dev.morse.linalg.MemoryLimitException.class,
                        () -> MorseReport.at(e, theta, o, listener));
                assertTrue(ex.getMessage().contains("withDenseLimit") && ex.getMessage().contains("--dense-limit")
                        && ex.getMessage().contains("below P = 60001"), ex.getMessage());
                assertTrue(phases.isEmpty(), "refused before any work, but ran " + phases);
            }
        }
    }

    @Test
    void layersCountFromOne() {
        Mlp mlp = Mlp.of(Activation.TANH, 1, 8, 1);
        assertEquals(0, mlp.weightOffset(1));
        fails(() -> mlp.weightOffset(0), "layer 0", "1..2", "count from 1");
        fails(() -> mlp.biasOffset(3), "layer 3", "1..2");
        fails(() -> mlp.hasBias(0), "layer 0");
        fails(() -> mlp.activation(0), "hidden layer 0", "1..1");
        fails(() -> mlp.activation(2), "hidden layer 2", "output layer");
        fails(() -> mlp.width(3), "width index 3", "0..2");
        fails(() -> mlp.initGaussian(Double.NaN, 1), "scale", "NaN");
        fails(() -> mlp.initGaussian(-1, 1), "scale", "-1");
    }

    @Test
    void optimizerArgumentsAreChecked() {
        Mlp mlp = Mlp.of(Activation.TANH, 1, 8, 1);
        try (Evaluator e = evaluator(mlp)) {
            double[] theta = mlp.initPyTorchDefault(42);
            fails(() -> CriticalPoints.lbfgs(e, theta, 0, 10, 1e-8), "history", "at least 1", "got 0");
            fails(() -> CriticalPoints.lbfgs(e, theta, 5, -1, 1e-8), "iteration limit", "-1");
            fails(() -> CriticalPoints.lbfgs(e, theta, 5, 10, Double.NaN), "grad_tol", "NaN");
            fails(() -> CriticalPoints.lbfgs(e, theta, 5, 10, -1), "grad_tol");
            fails(() -> CriticalPoints.lbfgs(e, new double[3], 5, 10, 0), "θ₀ has length 3");
            fails(() -> CriticalPoints.gradientDescent(e, theta, 0.1, 10, Double.NaN), "grad_tol");
        }
    }

    @Test
    void trajectoryPrintsItsNumbers() {
        Mlp mlp = Mlp.of(Activation.TANH, 1, 8, 1);
        try (Evaluator e = evaluator(mlp)) {
            Trajectory t = CriticalPoints.lbfgs(e, mlp.initPyTorchDefault(42), 5, 3, 1e-8);
            String s = t.toString();
            assertFalse(s.contains("[D@"), s);
            assertTrue(s.contains("lbfgs") && s.contains("MAX_ITERATIONS") && s.contains("iterations=3"), s);
            assertTrue(s.contains(String.valueOf(t.finalLoss())) && s.contains("P=" + mlp.numParameters()), s);
        }
    }
}
