package dev.morse.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.morse.spectra.LinearOperator;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * The arguments of curvature products: a product is never computed in place (out == v used to
 * give silently wrong numbers with any term, and for every shifted operator), and a single
 * product takes vectors of length exactly P (longer ones used to be accepted, their tails
 * silently ignored), and so does a gradient.
 */
class ProductArgumentsTest {

    private static void fails(Executable e, String... fragments) {
        IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, e);
        for (String f : fragments) assertTrue(ex.getMessage().contains(f), "message '" + ex.getMessage() + "' should mention '" + f + "'");
    }

    private static Problem problem(Regularizer reg) {
        return Problem.of(Mlp.of(Activation.TANH, 3, 4, 2), Problems.regression(5, 3, 2, 1), Loss.MSE, reg);
    }

    @Test
    void productsIntoTheirInputAreRefused() {
        for (Regularizer reg : List.of(Regularizer.NONE, Regularizer.l2(0.1), Regularizer.multiplicative(0.2))) {
            try (Evaluator e = Evaluator.open(problem(reg), Evaluator.Settings.defaults().withThreads(1))) {
                int p = e.dim();
                double[] theta = e.problem().model().initPyTorchDefault(1);
                double[] v = e.problem().model().initPyTorchDefault(2);
                fails(() -> e.hvp(theta, v, v), "same array", "in place");
                fails(() -> e.regularizerHvp(theta, v, v), "in place");
                fails(() -> e.ggnVp(theta, v, v), "in place");
                for (Part part : Part.values()) fails(() -> e.apply(part, theta, v, v, 1), "in place");
                fails(() -> e.hvp(theta, v, theta), "θ");
                LinearOperator h = CurvatureOperator.hessian(e, theta);
                for (LinearOperator op : List.of(h, h.scaled(2), h.shifted(1), h.plus(h), h.restrict(LinearOperator.range(0, p)))) {
                    fails(() -> op.apply(v, v), "in place");
                    double[] vs = new double[2 * p];
                    fails(() -> op.apply(vs, vs, 2), "in place");
                }
                // v == θ is a product, not an aliasing: allowed
                double[] out = new double[p];
                e.hvp(theta, theta, out);
                double[] ref = new double[p];
                e.hvp(theta, theta.clone(), ref);
                assertArrayEquals(ref, out);
            }
        }
    }

    /**
     * Every output array that aliases an input is refused: lossAndGradient(θ, θ) with a term used
     * to write the data gradient into θ before the term read θ (a wrong loss and gradient), and
     * jvp/vjp/quadraticForms into their inputs gave wrong numbers as well.
     */
    @Test
    void outputsAliasingAnInputAreRefused() {
        try (Evaluator e = Evaluator.open(problem(Regularizer.l2(0.5)), Evaluator.Settings.defaults().withThreads(1))) {
            int p = e.dim();
            double[] theta0 = e.problem().model().initPyTorchDefault(1);
            double[] theta = theta0.clone();
            double[] v = e.problem().model().initPyTorchDefault(2);
            fails(() -> e.lossAndGradient(theta, theta), "gradient array is θ's array");
            fails(() -> e.lossAndGradient(Batch.all(), theta, theta, (lo, hi) -> { }), "θ's array");
            fails(() -> e.dataLossAndGradient(theta, theta), "θ's array");
            fails(() -> e.jvp(theta, v, v), "jvp output and v are the same array", "in place");
            fails(() -> e.jvp(theta, v, theta), "jvp output array is θ's array");
            fails(() -> e.vjp(theta, v, v), "vjp output and u are the same array");   // u needs N·C = 10 ≤ P entries
            fails(() -> e.vjp(theta, v, theta), "vjp output array is θ's array");
            fails(() -> e.quadraticForms(Batch.all(), Part.GGN, theta, v, 1, new double[1], theta), "gradient array is θ's array");
            fails(() -> e.quadraticForms(Batch.all(), Part.GGN, theta, v, 1, new double[1], v), "gradient and V are the same array");
            fails(() -> e.quadraticForms(Batch.all(), Part.GGN, theta, v, 1, v, null), "forms and V are the same array");
            fails(() -> e.quadraticForms(Batch.all(), Part.GGN, theta, v, 1, theta, null), "forms array is θ's array");
            double[] both = new double[p];
            fails(() -> e.quadraticForms(Batch.all(), Part.GGN, theta, v, 1, both, both), "gradient and forms are the same array");
            fails(() -> e.denseColumns(Part.GGN, theta, 0, 1, theta, 0), "θ's array");
            fails(() -> e.firstLayerDiagonal(Part.GGN, theta, theta), "θ's array");
            assertArrayEquals(theta0, theta);   // refused before anything was written
        }
    }

    @Test
    void singleProductsTakeExactlyP() {
        try (Evaluator e = Evaluator.open(problem(Regularizer.l2(0.1)), Evaluator.Settings.defaults().withThreads(1))) {
            int p = e.dim();
            double[] theta = e.problem().model().initPyTorchDefault(1);
            double[] v = e.problem().model().initPyTorchDefault(2);
            double[] longV = Arrays.copyOf(v, p + 3);
            fails(() -> e.hvp(theta, longV, new double[p]), "v has length " + (p + 3), "exactly P = " + p);
            fails(() -> e.ggnVp(theta, v, new double[p + 1]), "output has length " + (p + 1), "exactly P = " + p);
            fails(() -> e.hvp(theta, new double[p - 1], new double[p]), "exactly P = " + p);
            double[] nan = v.clone();
            nan[3] = Double.NaN;
            fails(() -> e.hvp(theta, nan, new double[p]), "v contains NaN at index 3");   // v, as the caller named it
            LinearOperator h = CurvatureOperator.hessian(e, theta);
            fails(() -> h.apply(nan, new double[p]), "v contains NaN at index 3");   // the operator's single product too
            for (LinearOperator op : List.of(h, h.shifted(1), h.plus(h))) {
                fails(() -> op.apply(longV, new double[p]), "exactly n = " + p);
            }
            // block products take at least k·P: a longer buffer is a documented workspace
            double[] out = new double[p + 5];
            e.apply(Part.HESSIAN, theta, longV, out, 1);
            double[] ref = new double[p];
            e.hvp(theta, v, ref);
            assertArrayEquals(ref, Arrays.copyOf(out, p));
            fails(() -> e.apply(Part.HESSIAN, theta, new double[p - 1], new double[p], 1), "at least " + p);
        }
    }

    /**
     * A gradient goes into exactly P entries, as a single product's output: a longer array was
     * accepted and its tail left as it was (a caller with the wrong layout got no error).
     */
    @Test
    void gradientsTakeExactlyP() {
        try (Evaluator e = Evaluator.open(problem(Regularizer.l2(0.1)), Evaluator.Settings.defaults().withThreads(1))) {
            int p = e.dim();
            double[] theta = e.problem().model().initPyTorchDefault(1);
            fails(() -> e.lossAndGradient(theta, new double[p + 2]), "gradient has length " + (p + 2), "a gradient takes exactly P = " + p);
            fails(() -> e.lossAndGradient(Batch.all(), theta, new double[p + 1], (from, to) -> { }), "gradient has length " + (p + 1), "exactly P = " + p);
            fails(() -> e.dataLossAndGradient(theta, new double[p + 1]), "gradient has length " + (p + 1), "exactly P = " + p);
            fails(() -> e.lossAndGradient(theta, new double[p - 1]), "exactly P = " + p);
            fails(() -> e.lossAndGradient(theta, null), "gradient is null");
            double[] vs = e.problem().model().initPyTorchDefault(2);
            fails(() -> e.quadraticForms(Batch.all(), Part.GGN, theta, vs, 1, new double[1], new double[p + 1]), "gradient has length " + (p + 1),
                    "exactly P = " + p);
            int outputs = e.problem().data().size() * e.problem().model().outputDim();
            fails(() -> e.vjp(theta, new double[outputs], new double[p + 1]), "vjp output has length " + (p + 1), "exactly P = " + p);
            fails(() -> e.jvp(theta, Arrays.copyOf(vs, p + 1), new double[outputs]), "v has length " + (p + 1), "exactly P = " + p);
            double[] g = new double[p];
            e.lossAndGradient(theta, g);   // exactly P: accepted
        }
    }
}
