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
