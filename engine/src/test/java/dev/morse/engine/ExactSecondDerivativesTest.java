package dev.morse.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * The exact-Hessian twin of a problem with modified activations (SPEC §3): the same loss and
 * gradient bit for bit, and a Hessian that is the derivative of that gradient (the modified
 * operator is not), which Newton on ∇L_R = 0 needs.
 */
class ExactSecondDerivativesTest {

    @Test
    void twinsHaveTheSameValueAndFirstDerivative() {
        assertSame(Activation.GELU, Activation.DIMINISHED_GELU.exactSecondDerivative());
        assertSame(Activation.RELU, Activation.augmentedRelu(2).exactSecondDerivative());
        for (Activation a : DerivativeTest.EXACT) assertSame(a, a.exactSecondDerivative(), a.name());
    }

    @Test
    void aProblemWithoutModifiedActivationsIsItsOwnTwin() {
        Problem p = Problem.of(Mlp.of(Activation.TANH, 3, 5, 2), Problems.regression(7, 3, 2, 1), Loss.MSE, Regularizer.l2(0.1));
        assertSame(p, p.withExactSecondDerivatives());
    }

    @Test
    void theTwinKeepsLossAndGradientAndHasTheTrueHessian() {
        for (Activation a : DerivativeTest.MODIFIED) {
            // One modified layer next to an exact one: only the modified one is replaced.
            Mlp mlp = Mlp.builder(3, 5, 4, 2).activation(1, a).activation(2, Activation.TANH).build();
            Problem modified = Problem.of(mlp, Problems.regression(7, 3, 2, 3), Loss.MSE, Regularizer.l2(0.03));
            Problem exact = modified.withExactSecondDerivatives();
            assertEquals(a.exactSecondDerivative(), exact.model().activation(1), a.name());
            assertEquals(Activation.TANH, exact.model().activation(2));
            assertTrue(!exact.model().usesModifiedSecondDerivative());
            try (Evaluator em = Evaluator.open(modified); Evaluator ee = Evaluator.open(exact)) {
                double[] theta = Problems.gaussian(em.dim(), 11);
                for (int i = 0; i < theta.length; i++) theta[i] *= 0.7;
                double[] gm = new double[em.dim()];
                double[] ge = new double[em.dim()];
                assertEquals(em.lossAndGradient(theta, gm), ee.lossAndGradient(theta, ge), 0.0, a.name());
                assertArrayEquals(gm, ge, 0.0, a.name());

                // H·v of the twin against a central difference of the gradient; the modified operator misses it.
                double[] v = Problems.gaussian(em.dim(), 12);
                double[] fd = Problems.gradientDifference(ee, theta, v, 1e-5);
                double[] hvExact = new double[em.dim()];
                double[] hvModified = new double[em.dim()];
                ee.hvp(theta, v, hvExact);
                em.hvp(theta, v, hvModified);
                double scale = Problems.maxAbs(fd);
                assertTrue(Problems.maxAbsDiff(hvExact, fd) <= 1e-6 * scale, a.name() + ": the twin's H·v is the derivative of ∇L_R, off by "
                        + Problems.maxAbsDiff(hvExact, fd));
                assertTrue(Problems.maxAbsDiff(hvModified, fd) > 1e-3 * scale, a.name() + ": the modified operator differs from it");
            }
        }
    }

    @Test
    void penaltiesHaveNoTwin() {
        Mlp mlp = Mlp.of(Activation.DIMINISHED_GELU, 3, 5, 2);
        Problem p = Problem.of(mlp, Problems.regression(7, 3, 2, 1), Loss.MSE, Penalty.parse("gradient_norm:0.1"));
        IllegalStateException e = assertThrows(IllegalStateException.class, p::withExactSecondDerivatives);
        assertTrue(e.getMessage().contains("penalties"), e.getMessage());
    }
}
