package dev.morse.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Closed forms and structural facts of the GGN/NME split (SPEC §5). */
class StructureTest {

    @Test
    void biasFreeLinearMseHasClosedFormHessianAndNoNme() {
        int n = 9, d = 4, c = 3;
        Dataset data = Problems.regression(n, d, c, 21);
        Mlp mlp = Mlp.builder(d, c).noBias().build();
        Evaluator obj = Evaluator.open(Problem.of(mlp, data, Loss.MSE), Evaluator.Settings.defaults().withChunkRows(4));
        double[] theta = Problems.gaussian(mlp.numParameters(), 3);
        double[] h = obj.dense(Part.HESSIAN, theta);
        double[] g = obj.dense(Part.GGN, theta);
        double[] m = obj.dense(Part.NME, theta);
        double[] x = data.inputs();
        int p = c * d;
        double[] expected = new double[p * p];
        // H = (2/(N·C)) I_C ⊗ Σ_n x_n x_nᵀ; θ index of W[c][i] is c·d + i.
        for (int a = 0; a < c; a++) {
            for (int i = 0; i < d; i++) {
                for (int j = 0; j < d; j++) {
                    double s = 0;
                    for (int r = 0; r < n; r++) s += x[r * d + i] * x[r * d + j];
                    expected[(a * d + i) * p + (a * d + j)] = 2.0 / (n * c) * s;
                }
            }
        }
        assertTrue(Problems.maxAbsDiff(expected, h) <= 1e-14 * Problems.maxAbs(expected), "H = (2/(NC)) I ⊗ XᵀX");
        assertTrue(Problems.maxAbsDiff(expected, g) <= 1e-14 * Problems.maxAbs(expected), "G = H");
        assertEquals(0.0, Problems.maxAbs(m), "M = 0 for a linear model");
    }

    @Test
    void softmaxRegressionHasHessianEqualToGgn() {
        Dataset data = Problems.classification(11, 4, 3, 5);
        Evaluator obj = Evaluator.open(Problem.of(Mlp.of(Activation.TANH, 4, 3), data, Loss.CROSS_ENTROPY), Evaluator.Settings.defaults().withChunkRows(5));
        double[] theta = Problems.gaussian(obj.dim(), 8);
        double[] h = obj.dense(Part.HESSIAN, theta);
        double[] g = obj.dense(Part.GGN, theta);
        assertTrue(Problems.maxAbsDiff(h, g) <= 1e-15 * Problems.maxAbs(h), "softmax regression: H = G");
        assertEquals(0.0, Problems.maxAbs(obj.dense(Part.NME, theta)), "softmax regression: M = 0");
    }

    @Test
    void reluNmeHasZeroWithinLayerBlocksSoTracesAgree() {
        Mlp mlp = Mlp.of(Activation.RELU, 4, 6, 5, 2);
        Evaluator obj = Evaluator.open(Problem.of(mlp, Problems.regression(13, 4, 2, 31), Loss.MSE), Evaluator.Settings.defaults().withChunkRows(4));
        double[] theta = mlp.initPyTorchDefault(4);
        int p = obj.dim();
        double[] m = obj.dense(Part.NME, theta);
        double[] h = obj.dense(Part.HESSIAN, theta);
        double[] g = obj.dense(Part.GGN, theta);
        double offBlock = 0;
        for (int l = 1; l <= mlp.layers(); l++) {
            int start = mlp.weightOffset(l);
            int end = l < mlp.layers() ? mlp.weightOffset(l + 1) : p;
            for (int i = start; i < end; i++) {
                for (int j = start; j < end; j++) assertEquals(0.0, m[i * p + j], "ReLU NME block of layer " + l + " at (" + i + "," + j + ")");
            }
            for (int i = start; i < end; i++) for (int j = 0; j < p; j++) if (j < start || j >= end) offBlock = Math.max(offBlock, Math.abs(m[i * p + j]));
        }
        assertTrue(offBlock > 1e-6, "ReLU NME is not zero altogether: its cross-layer blocks carry the gradient terms");
        double trH = 0, trG = 0;
        for (int i = 0; i < p; i++) {
            trH += h[i * p + i];
            trG += g[i * p + i];
        }
        assertEquals(trG, trH, 1e-13 * Math.abs(trH), "ReLU: tr H = tr G");
    }

    @Test
    void modifiedActivationsChangeOnlyTheSecondDerivativeTerm() {
        Dataset data = Problems.regression(10, 3, 1, 77);
        for (String[] pair : new String[][] {{"augmented_relu:2", "relu"}, {"diminished_gelu", "gelu"}}) {
            Evaluator mod = Evaluator.open(Problem.of(Mlp.of(Activation.parse(pair[0]), 3, 6, 1), data, Loss.MSE));
            Evaluator base = Evaluator.open(Problem.of(Mlp.of(Activation.parse(pair[1]), 3, 6, 1), data, Loss.MSE));
            double[] theta = mod.problem().model().initPyTorchDefault(9);
            assertEquals(base.loss(theta), mod.loss(theta), 0.0, pair[0] + ": same σ as " + pair[1]);
            double[] gm = mod.dense(Part.GGN, theta), gb = base.dense(Part.GGN, theta);
            assertEquals(0.0, Problems.maxAbsDiff(gm, gb), pair[0] + ": GGN uses σ′ only, equals that of " + pair[1]);
            // The first layer's weight block of M holds only the σ″ term: zero for ReLU and diminished GELU.
            double[] mm = mod.dense(Part.NME, theta), mb = base.dense(Part.NME, theta);
            int p = mod.dim(), w1 = 3 * 6;
            double blockMod = 0, blockBase = 0;
            for (int i = 0; i < w1; i++) {
                for (int j = 0; j < w1; j++) {
                    blockMod = Math.max(blockMod, Math.abs(mm[i * p + j]));
                    blockBase = Math.max(blockBase, Math.abs(mb[i * p + j]));
                }
            }
            if (pair[0].startsWith("augmented")) {
                assertEquals(0.0, blockBase, "ReLU: W1-W1 NME block is zero");
                assertTrue(blockMod > 1e-8, "augmented ReLU adds σ″ information to the W1-W1 block");
            } else {
                assertEquals(0.0, blockMod, "diminished GELU: W1-W1 NME block is zero");
                assertTrue(blockBase > 1e-8, "GELU has σ″ information in the W1-W1 block");
            }
            assertTrue(mod.problem().model().usesModifiedSecondDerivative() && !base.problem().model().usesModifiedSecondDerivative(), "modified flag");
        }
    }
}
