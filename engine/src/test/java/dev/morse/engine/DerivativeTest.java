package dev.morse.engine;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Gradients and Hessian-vector products against central finite differences, for every activation, loss and regularizer. */
class DerivativeTest {

    static final Activation[] EXACT = {
        Activation.IDENTITY, Activation.TANH, Activation.SIGMOID, Activation.SOFTPLUS, Activation.RELU,
        Activation.GELU, Activation.betaGelu(4), Activation.betaGelu(0.5)
    };
    static final Activation[] MODIFIED = {Activation.augmentedRelu(2), Activation.DIMINISHED_GELU};
    static final Regularizer[] REGS = {
        Regularizer.NONE, Regularizer.l2(0.03), Regularizer.l2(0.03, true), Regularizer.generalizedL2(0.05, 11),
        Regularizer.multiplicative(0.07)
    };

    static Stream<Arguments> exactCases() {
        List<Arguments> out = new ArrayList<>();
        long seed = 100;
        for (Activation a : EXACT) {
            for (Loss loss : Loss.values()) {
                for (Regularizer r : REGS) {
                    out.add(Arguments.of(Named.of(a.name(), a), loss, Named.of(r.spec(), r), seed++));
                }
            }
        }
        return out.stream();
    }

    static Stream<Arguments> allActivations() {
        List<Arguments> out = new ArrayList<>();
        long seed = 500;
        for (Activation a : EXACT) for (Loss l : Loss.values()) out.add(Arguments.of(Named.of(a.name(), a), l, seed++));
        for (Activation a : MODIFIED) for (Loss l : Loss.values()) out.add(Arguments.of(Named.of(a.name(), a), l, seed++));
        return out.stream();
    }

    @ParameterizedTest(name = "{0} {1} {2}")
    @MethodSource("exactCases")
    void gradientMatchesCentralDifferences(Activation act, Loss loss, Regularizer reg, long seed) {
        Evaluator obj = Problems.small(act, loss, reg, seed);
        double[] theta = obj.problem().model().initPyTorchDefault(seed);
        double[] g = new double[obj.dim()];
        double l = obj.lossAndGradient(theta, g);
        assertTrue(Math.abs(l - obj.loss(theta)) <= 1e-15 * Math.max(1, Math.abs(l)), "lossAndGradient returns loss()");
        double h = 1e-6;
        double worst = 0;
        for (int i = 0; i < obj.dim(); i++) {
            double[] tp = theta.clone();
            double[] tm = theta.clone();
            tp[i] += h;
            tm[i] -= h;
            double fd = (obj.loss(tp) - obj.loss(tm)) / (2 * h);
            worst = Math.max(worst, Math.abs(fd - g[i]));
        }
        double scale = Math.max(1e-3, Problems.maxAbs(g));
        assertTrue(worst <= 2e-7 * scale, "gradient vs central FD: max error " + worst + " (|g|max " + scale + ")");
    }

    @ParameterizedTest(name = "{0} {1} {2}")
    @MethodSource("exactCases")
    void hvpMatchesCentralDifferencesOfGradient(Activation act, Loss loss, Regularizer reg, long seed) {
        Evaluator obj = Problems.small(act, loss, reg, seed);
        double[] theta = obj.problem().model().initPyTorchDefault(seed);
        double[] v = Problems.gaussian(obj.dim(), seed + 3);
        double[] hv = new double[obj.dim()];
        obj.hvp(theta, v, hv);
        double[] fd = Problems.gradientDifference(obj, theta, v, 1e-5);
        double worst = Problems.maxAbsDiff(fd, hv);
        double scale = Math.max(1e-3, Problems.maxAbs(hv));
        assertTrue(worst <= 1e-6 * scale, "H·v vs central FD of ∇L_R: max error " + worst + " (|Hv|max " + scale + ")");
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("allActivations")
    void hessianIsSumOfPartsSymmetricAndMatchesDense(Activation act, Loss loss, long seed) {
        for (Regularizer reg : REGS) {
            Evaluator obj = Problems.small(act, loss, reg, seed);
            int p = obj.dim();
            double[] theta = obj.problem().model().initPyTorchDefault(seed);
            double[] u = Problems.gaussian(p, seed + 1);
            double[] v = Problems.gaussian(p, seed + 2);
            double[] hv = new double[p], hu = new double[p], gv = new double[p], mv = new double[p], rv = new double[p];
            obj.hvp(theta, v, hv);
            obj.hvp(theta, u, hu);
            obj.ggnVp(theta, v, gv);
            obj.nmeVp(theta, v, mv);
            obj.regularizerHvp(theta, v, rv);
            double scale = Problems.maxAbs(hv);
            double[] sum = new double[p];
            for (int i = 0; i < p; i++) sum[i] = gv[i] + mv[i] + rv[i];
            assertTrue(Problems.maxAbsDiff(sum, hv) <= 1e-13 * scale, reg.spec() + ": H·v = G·v + M·v + R''·v");
            double uhv = Problems.dot(u, hv), vhu = Problems.dot(v, hu);
            assertTrue(Math.abs(uhv - vhu) <= 1e-12 * Math.max(1, Math.abs(uhv)), reg.spec() + ": ⟨u,Hv⟩ = ⟨Hu,v⟩, got " + uhv + " vs " + vhu);
            double[] dense = obj.dense(Part.HESSIAN, theta);
            assertTrue(Problems.maxAbsDiff(Problems.matVec(dense, p, v), hv) <= 1e-12 * scale, reg.spec() + ": dense H times v equals H·v");
            double[] gu = new double[p];
            obj.ggnVp(theta, u, gu);
            assertTrue(Math.abs(Problems.dot(u, gv) - Problems.dot(v, gu)) <= 1e-12 * Math.max(1, Math.abs(Problems.dot(u, gv))), "GGN symmetric");
            // G is positive semidefinite for both losses (H_ℓ ⪰ 0).
            assertTrue(Problems.dot(v, gv) >= -1e-12 * Math.max(1, scale), "vᵀGv ≥ 0, got " + Problems.dot(v, gv));
        }
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("allActivations")
    void blockProductsEqualColumnByColumn(Activation act, Loss loss, long seed) {
        Evaluator obj = Problems.small(act, loss, Regularizer.l2(0.01), seed);
        int p = obj.dim();
        int k = 5;
        double[] theta = obj.problem().model().initPyTorchDefault(seed);
        double[] vs = Problems.gaussian(k * p, seed + 9);
        for (Part part : Part.values()) {
            double[] block = new double[k * p];
            obj.apply(part, theta, vs, block, k);
            for (int j = 0; j < k; j++) {
                double[] v = java.util.Arrays.copyOfRange(vs, j * p, (j + 1) * p);
                double[] single = new double[p];
                obj.apply(part, theta, v, single, 1);
                double[] col = java.util.Arrays.copyOfRange(block, j * p, (j + 1) * p);
                // Same math, different GEMM shapes (one GEMM per group instead of per vector): equal to rounding.
                assertTrue(Problems.maxAbsDiff(col, single) <= 1e-13 * Math.max(1e-300, Problems.maxAbs(single)),
                        part + ": block column " + j + " equals the single product to rounding");
            }
        }
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("allActivations")
    void jvpAndVjpMatchFiniteDifferencesAndAreAdjoint(Activation act, Loss loss, long seed) {
        Evaluator obj = Problems.small(act, loss, Regularizer.NONE, seed);
        int p = obj.dim();
        int nc = obj.problem().data().size() * obj.problem().model().outputDim();
        double[] theta = obj.problem().model().initPyTorchDefault(seed);
        double[] v = Problems.gaussian(p, seed + 1);
        double[] u = Problems.gaussian(nc, seed + 2);
        double[] jv = new double[nc];
        double[] jtu = new double[p];
        obj.jvp(theta, v, jv);
        obj.vjp(theta, u, jtu);
        double a = Problems.dot(u, jv), b = Problems.dot(jtu, v);
        assertTrue(Math.abs(a - b) <= 1e-12 * Math.max(1, Math.abs(a)), "⟨u, Jv⟩ = ⟨Jᵀu, v⟩: " + a + " vs " + b);
        double h = 1e-6;
        double[] tp = theta.clone(), tm = theta.clone();
        for (int i = 0; i < p; i++) {
            tp[i] += h * v[i];
            tm[i] -= h * v[i];
        }
        double[] fp = obj.outputs(tp), fm = obj.outputs(tm);
        double worst = 0;
        for (int i = 0; i < nc; i++) worst = Math.max(worst, Math.abs((fp[i] - fm[i]) / (2 * h) - jv[i]));
        assertTrue(worst <= 1e-7 * Math.max(1, Problems.maxAbs(jv)), "J·v vs FD of outputs: " + worst);
    }
}
