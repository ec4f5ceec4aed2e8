package dev.morse.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.morse.simd.KernelProvider;
import dev.morse.simd.Kernels;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * σ, σ′, σ″, σ‴ of every activation of SPEC §3 as the engine evaluates them
 * ({@link Activation#evaluate}): each derivative against central differences of the one below
 * (σ‴ of every activation, modified ones included, is the derivative of its stated σ″), the
 * modified activations' replacement rule (augmented ReLU: σ″, σ‴ of β-GELU with σ′ the step;
 * diminished GELU: σ″ = σ‴ = 0), the vector kernels against the scalar twin over odd sizes, and
 * that asking for σ‴ leaves σ, σ′, σ″ bit for bit as before.
 */
class ActivationDerivativesTest {

    private static final Kernels SCALAR = KernelProvider.scalar();
    private static final Kernels VECTOR = KernelProvider.vector();

    static final Activation[] ALL = {
        Activation.IDENTITY, Activation.TANH, Activation.SIGMOID, Activation.SOFTPLUS, Activation.RELU,
        Activation.GELU, Activation.betaGelu(4), Activation.betaGelu(0.5),
        Activation.augmentedRelu(1), Activation.augmentedRelu(2), Activation.DIMINISHED_GELU
    };

    static Stream<Arguments> activations() {
        return Arrays.stream(ALL).map(a -> Arguments.of(Named.of(a.name(), a)));
    }

    /** A regular grid plus large |x| (saturated tails, underflowing φ, e^{−700}). */
    static double[] grid() {
        List<Double> pts = new ArrayList<>(List.of(0.0, 1e-8, -1e-8, 5.0, -5.0, 8.0, -8.0, 12.0, -12.0, 20.0, -20.0,
                30.0, -30.0, 40.0, -40.0, 100.0, -100.0, 700.0, -700.0));
        for (int i = -50; i <= 50; i++) pts.add(i * 0.1 + 0.013);
        return pts.stream().mapToDouble(Double::doubleValue).toArray();
    }

    /** [σ, σ′, σ″, σ‴] at x, through the 7-argument evaluate. */
    static double[][] eval(Kernels k, Activation act, double[] x) {
        int n = x.length;
        double[][] out = {new double[n], new double[n], new double[n], new double[n]};
        act.evaluate(k, n, x, out[0], out[1], out[2], out[3]);
        return out;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("activations")
    void eachDerivativeMatchesCentralDifferencesOfTheOneBelow(Activation act) {
        double[] x = grid();
        double[][] d = eval(SCALAR, act, x);
        double[] probe = new double[2];
        double beta = act.beta();
        for (int i = 0; i < x.length; i++) {
            double h = 1e-5 * Math.max(1.0, Math.abs(x[i])) / Math.max(1.0, beta);
            boolean nearKink = Math.abs(x[i]) < 2 * h;
            probe[0] = x[i] + h;
            probe[1] = x[i] - h;
            double[][] p = eval(SCALAR, act, probe);
            for (int o = 1; o <= 3; o++) {
                boolean stepFirst = act.name().startsWith("relu") || act.name().startsWith("augmented_relu");
                if (o <= 2 && stepFirst && nearKink) continue; // the kink of max(0, x)
                if (o == 2 && act.modifiesSecondDerivative()) continue; // σ″ is replaced, not σ′'s derivative
                double fd = (p[o - 1][0] - p[o - 1][1]) / (2 * h);
                // O(h²) truncation (scaled by β^o for β-GELU) plus ε·|σ^(o−1)|/h rounding.
                double tol = 1e-6 * Math.max(1e-3, Math.abs(d[o][i])) * Math.pow(Math.max(1.0, beta), o - 1);
                int at = i;
                int order = o;
                assertTrue(Math.abs(fd - d[o][i]) <= tol, () -> act + ": derivative " + order + " at x = " + x[at]
                        + " expected ≈ " + fd + " (central difference of derivative " + (order - 1) + "), got " + d[order][at]);
            }
        }
    }

    @Test
    void modifiedActivationsFollowTheReplacementRule() {
        double[] x = grid();
        for (double beta : new double[] {1, 2, 0.5}) {
            double[][] aug = eval(SCALAR, Activation.augmentedRelu(beta), x);
            double[][] relu = eval(SCALAR, Activation.RELU, x);
            double[][] bg = eval(SCALAR, Activation.betaGelu(beta), x);
            assertArrayEquals(relu[0], aug[0], 0.0, "augmented_relu σ is ReLU's");
            assertArrayEquals(relu[1], aug[1], 0.0, "augmented_relu σ′ is the step");
            assertArrayEquals(bg[2], aug[2], 0.0, "augmented_relu σ″ is β-GELU's");
            assertArrayEquals(bg[3], aug[3], 0.0, "augmented_relu σ‴ is β-GELU's");
        }
        double[][] dim = eval(SCALAR, Activation.DIMINISHED_GELU, x);
        double[][] gelu = eval(SCALAR, Activation.GELU, x);
        assertArrayEquals(gelu[0], dim[0], 0.0, "diminished_gelu σ is GELU's");
        assertArrayEquals(gelu[1], dim[1], 0.0, "diminished_gelu σ′ is GELU's");
        assertArrayEquals(new double[x.length], dim[2], 0.0, "diminished_gelu σ″ = 0");
        assertArrayEquals(new double[x.length], dim[3], 0.0, "diminished_gelu σ‴ = 0");
    }

    @Test
    void closedFormsAtKnownPoints() {
        // tanh‴(0) = −2, sigmoid‴(0) = −1/8, softplus‴(0) = 0, GELU‴(1) = −3φ(1), β-GELU‴(x) = β³x(β²x² − 4)φ(βx).
        double phi1 = 0.24197072451914337;
        double[] x = {0.0, 1.0};
        assertEquals(-2.0, eval(SCALAR, Activation.TANH, x)[3][0], 1e-15);
        assertEquals(-0.125, eval(SCALAR, Activation.SIGMOID, x)[3][0], 1e-16);
        assertEquals(0.0, eval(SCALAR, Activation.SOFTPLUS, x)[3][0], 0.0);
        assertEquals(-3 * phi1, eval(SCALAR, Activation.GELU, x)[3][1], 1e-15);
        double[] half = {2.0}; // β = ½: t = 1, σ‴ = β²·φ(1)·1·(1 − 4)
        assertEquals(0.25 * phi1 * -3, eval(SCALAR, Activation.betaGelu(0.5), half)[3][0], 1e-15);
    }

    @Test
    void zeroThirdDerivativeFlag() {
        for (Activation a : ALL) {
            double[][] d = eval(SCALAR, a, grid());
            boolean allZero = Arrays.stream(d[3]).allMatch(v -> v == 0.0);
            assertEquals(allZero, a.hasZeroThirdDerivative(), a + ": hasZeroThirdDerivative() against σ‴ on the grid");
            assertEquals(a.hasZeroSecondDerivative(), a.hasZeroThirdDerivative(), a + ": σ‴ ≡ 0 exactly when σ″ ≡ 0 in this family");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("activations")
    void vectorMatchesScalarOverOddSizes(Activation act) {
        double[] special = grid();
        Random rnd = new Random(31);
        for (int n : new int[] {1, 3, 5, 7, 9, 13, 31, 127, 257, 1023, 2049}) {
            double[] x = new double[n];
            for (int i = 0; i < n; i++) x[i] = i % 2 == 0 ? special[(i / 2) % special.length] : 3 * rnd.nextGaussian();
            double[][] s = eval(SCALAR, act, x);
            double[][] v = eval(VECTOR, act, x);
            double b = Math.max(1.0, act.beta());
            for (int o = 0; o < 4; o++) {
                for (int i = 0; i < n; i++) {
                    double tol = 1e-11 * Math.abs(s[o][i]) + 1e-14 * (1 + Math.abs(x[i])) * b * b;
                    int at = i;
                    int order = o;
                    assertTrue(Math.abs(s[o][i] - v[o][i]) <= tol, () -> act + " n=" + n + ": derivative " + order
                            + " at x = " + x[at] + " expected " + s[order][at] + " (scalar), got " + v[order][at]);
                }
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("activations")
    void thirdDerivativeIsOptionalAndChangesNothingElse(Activation act) {
        int n = 37;
        Random rnd = new Random(3);
        double[] x = new double[n];
        for (int i = 0; i < n; i++) x[i] = 4 * rnd.nextGaussian();
        for (Kernels k : List.of(SCALAR, VECTOR)) {
            double[][] all = eval(k, act, x);
            double[][] old = {new double[n], new double[n], new double[n]};
            act.evaluate(k, n, x, old[0], old[1], old[2]);
            for (int o = 0; o < 3; o++) {
                assertArrayEquals(all[o], old[o], 0.0, k.name() + " " + act + ": output " + o + " with and without σ‴");
            }
            double[] only3 = new double[n];
            Arrays.fill(only3, Double.NaN);
            act.evaluate(k, n, x, null, null, null, only3);
            assertArrayEquals(all[3], only3, 0.0, k.name() + " " + act + ": σ‴ alone");
            double[] z = new double[n];
            double[] s1 = new double[n];
            double[] s3 = new double[n];
            Arrays.fill(s3, Double.NaN);
            act.evaluate(k, n, x, z, s1, null, s3);
            assertArrayEquals(all[0], z, 0.0, k.name() + " " + act + ": σ with σ‴ but no σ″");
            assertArrayEquals(all[1], s1, 0.0, k.name() + " " + act + ": σ′ with σ‴ but no σ″");
            assertArrayEquals(all[3], s3, 0.0, k.name() + " " + act + ": σ‴ without σ″");
        }
    }
}
