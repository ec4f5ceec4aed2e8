package dev.morse.analysis;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.morse.engine.Activation;
import dev.morse.engine.CurvatureOperator;
import dev.morse.engine.Dataset;
import dev.morse.engine.Evaluator;
import dev.morse.engine.Loss;
import dev.morse.engine.Mlp;
import dev.morse.engine.Problem;
import dev.morse.spectra.BlockLanczos;
import dev.morse.spectra.Lanczos;
import dev.morse.spectra.LinearOperator;
import dev.morse.spectra.SpectralDensity;
import dev.morse.spectra.TraceEstimator;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * Non-finite products are refused by the analyses with a message about the operator's output, not
 * passed on as NaN estimates or as "V contains NaN", naming a vector the caller never passed.
 */
class NonFiniteProductsTest {

    private static void fails(Executable e, String... fragments) {
        IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, e);
        for (String f : fragments) assertTrue(ex.getMessage().contains(f), "message '" + ex.getMessage() + "' should mention '" + f + "'");
        assertFalse(ex.getMessage().contains("V contains"), ex.getMessage());
    }

    /** A user operator whose products are NaN at index 2. */
    private static final LinearOperator NAN_OP = new LinearOperator() {
        @Override
        public int dim() {
            return 6;
        }

        @Override
        public void apply(double[] v, double[] out) {
            for (int i = 0; i < 6; i++) out[i] = (i + 1) * v[i];
            out[2] = Double.NaN;
        }

        @Override
        public String describe() {
            return "nan-op";
        }
    };

    @Test
    void spectralMethodsRefuseANonFiniteProduct() {
        fails(() -> TraceEstimator.hutchinson(NAN_OP, 4, 1), "nan-op", "returned NaN at index 2", "probe 0 of Hutchinson");
        fails(() -> TraceEstimator.hutchPlusPlus(NAN_OP, 6, 1), "nan-op", "returned NaN at index 2");
        fails(() -> Lanczos.run(NAN_OP, new Lanczos.Options().k(1)), "nan-op", "returned NaN at index 2", "Lanczos");
        fails(() -> SpectralDensity.estimate(NAN_OP, new SpectralDensity.Options().probes(2).steps(3)), "returned NaN at index 2", "SLQ probe 0");
        fails(() -> BlockLanczos.largestMagnitude(NAN_OP, 1, 2, 1e-8, 6, 1), "returned NaN at index 2");
    }

    @Test
    void overflowingWeightsAreRefusedNamingTheOverflow() {
        int n = 6;
        double[] x = new double[3 * n], y = new double[n];
        for (int i = 0; i < x.length; i++) x[i] = Math.sin(i + 1);
        for (int i = 0; i < n; i++) y[i] = Math.cos(i + 1);
        Mlp mlp = Mlp.of(Activation.TANH, 3, 4, 1);
        try (Evaluator e = Evaluator.open(Problem.of(mlp, Dataset.regression(x, n, 3, y, 1), Loss.MSE), Evaluator.Settings.defaults().withThreads(1))) {
            for (double big : new double[] {1e200, 1e160}) {
                double[] theta = new double[mlp.numParameters()];
                Arrays.fill(theta, big);
                fails(() -> MorseReport.at(e, theta, MorseReport.Options.defaults()), "non-finite loss or gradient at θ", "overflow");
                fails(() -> TraceEstimator.hutchinson(CurvatureOperator.hessian(e, theta), 4, 1), "returned", "overflow");
                fails(() -> Lanczos.run(CurvatureOperator.hessian(e, theta), new Lanczos.Options().k(2)), "returned", "overflow");
            }
            // the evaluator itself returns IEEE results (training's divergence test reads them)
            double[] theta = new double[mlp.numParameters()];
            Arrays.fill(theta, 1e200);
            double[] g = new double[theta.length];
            assertFalse(Double.isFinite(e.lossAndGradient(theta, g)));
        }
    }
}
