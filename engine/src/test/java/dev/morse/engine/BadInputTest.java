package dev.morse.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** Bad input gets a clear exception that names what is wrong, never a wrong number. */
class BadInputTest {

    private static void fails(Executable e, String... fragments) {
        IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, e);
        for (String f : fragments) assertTrue(ex.getMessage().contains(f), "message '" + ex.getMessage() + "' should mention '" + f + "'");
    }

    @Test
    void shapeMismatches() {
        Dataset data = Problems.regression(5, 3, 2, 1);
        fails(() -> Evaluator.open(Problem.of(Mlp.of(Activation.TANH, 4, 3, 2), data, Loss.MSE)), "d0=3", "4");
        fails(() -> Evaluator.open(Problem.of(Mlp.of(Activation.TANH, 3, 3, 1), data, Loss.MSE)), "C=2", "1");
        fails(() -> Evaluator.open(Problem.of(Mlp.of(Activation.TANH, 3, 3, 2), data, Loss.CROSS_ENTROPY)), "class-index");
        Evaluator obj = Evaluator.open(Problem.of(Mlp.of(Activation.TANH, 3, 3, 2), data, Loss.MSE));
        fails(() -> obj.loss(new double[obj.dim() + 1]), "length " + (obj.dim() + 1), "P=" + obj.dim());
        fails(() -> obj.hvp(new double[obj.dim()], new double[3], new double[obj.dim()]), "v has length 3", "exactly P = " + obj.dim());
        fails(() -> Dataset.regression(new double[14], 5, 3, new double[10], 2), "14", "15");
        fails(() -> Dataset.regression(new double[15], 5, 3, new double[9], 2), "9", "10");
    }

    @Test
    void nonFiniteValuesNameTheirIndex() {
        double[] x = new double[15];
        x[7] = Double.NaN;
        fails(() -> Dataset.regression(x, 5, 3, new double[10], 2), "NaN", "index 7", "row 2");
        double[] y = new double[10];
        y[3] = Double.POSITIVE_INFINITY;
        fails(() -> Dataset.regression(new double[15], 5, 3, y, 2), "Infinity", "index 3");
        Evaluator obj = Evaluator.open(Problem.of(Mlp.of(Activation.TANH, 3, 3, 2), Problems.regression(5, 3, 2, 1), Loss.MSE));
        double[] theta = new double[obj.dim()];
        theta[4] = Double.NaN;
        fails(() -> obj.loss(theta), "NaN", "index 4");
        double[] v = new double[obj.dim()];
        v[2] = Double.NEGATIVE_INFINITY;
        fails(() -> obj.ggnVp(new double[obj.dim()], v, new double[obj.dim()]), "index 2");
    }

    @Test
    void classIndexOutOfRangeAndEmptyData() {
        fails(() -> Dataset.classification(new double[6], 3, 2, new int[] {0, 3, 1}, 3), "sample 1", "3 not in [0, 3)");
        fails(() -> Dataset.classification(new double[6], 3, 2, new int[] {0, -1, 1}, 3), "sample 1");
        fails(() -> Dataset.regression(new double[0], 0, 3, new double[0], 1), "empty");
    }

    @Test
    void unknownNamesListTheValidOnes() {
        fails(() -> Activation.parse("swish"), "swish", "tanh", "beta_gelu");
        fails(() -> Activation.parse("beta_gelu:x"), "not a number");
        fails(() -> Activation.parse("beta_gelu:-1"), "positive");
        fails(() -> Activation.parse("tanh:2"), "takes no parameter");
        fails(() -> Loss.parse("hinge"), "hinge", "mse", "cross_entropy");
        fails(() -> Regularizer.parse("l1:0.1"), "l1", "l2");
        fails(() -> Regularizer.parse("l2:-1"), "≥ 0");
        fails(() -> Mlp.parseWidths("3-x-1"), "'x'");
        fails(() -> Mlp.of(Activation.TANH, 3, 0, 1), "d1", "positive");
    }

    /**
     * The spec strings' numbers are decimals in all three parsers (Java's parser took 4d, 0x1p2 and
     * blanks in activations), a bad seed is named as one, and a trailing colon is a field, not
     * nothing: "l2:0.1:" was read as plain l2, regularizing the biases its writer meant to exclude.
     */
    @Test
    void specStringsAgreeOnNumbersAndFields() {
        for (String a : new String[] {"beta_gelu:4d", "beta_gelu:4f", "augmented_relu:0x1p2", "beta_gelu: 4", "beta_gelu:"}) {
            fails(() -> Activation.parse(a), "not a number");
        }
        assertEquals(Activation.parse("beta_gelu:4"), Activation.parse("BETA_GELU:4.0e0"));
        fails(() -> Regularizer.parse("generalized_l2:0.1:abc"), "seed 'abc' is not a whole number");
        fails(() -> Regularizer.parse("generalized_l2:0.1:1.5"), "seed '1.5' is not a whole number");
        fails(() -> Regularizer.parse("l2:0.1:"), "third field must be exclude_bias");
        fails(() -> Regularizer.parse("multiplicative:1e-3:"), "has 2 parameter(s)");
        fails(() -> Regularizer.parse("l2:"), "'' is not a number");
        fails(() -> Regularizer.parse("l2:1d"), "'1d' is not a number");
        assertEquals("generalized_l2:0.1:7", Regularizer.parse("generalized_l2:0.1:7").spec());
    }
}
