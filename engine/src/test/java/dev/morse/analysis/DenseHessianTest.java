package dev.morse.analysis;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.morse.engine.Activation;
import dev.morse.engine.Dataset;
import dev.morse.engine.Evaluator;
import dev.morse.engine.Loss;
import dev.morse.engine.Mlp;
import dev.morse.engine.Part;
import dev.morse.engine.Problem;
import dev.morse.engine.Regularizer;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The Morse check's assembly (the lower triangle of H) (first-layer columns of H by the Kronecker form, G and M there only
 * through their diagonals and ‖M‖_F²; the other columns from G and M, or from Hessian products with
 * the multiplicative term) against the dense matrices of the parts, entry by entry; with 1 thread
 * the first layer comes in two ranges of units (8 GEMMs per worker: units 0–3, then 4), with 2 in
 * one, and the progress rises to P.
 */
class DenseHessianTest {

    @Test
    void assemblyMatchesTheDenseParts() {
        for (Regularizer reg : new Regularizer[] {Regularizer.l2(1e-3), Regularizer.multiplicative(0.05)}) {
            for (Loss loss : Loss.values()) {
                int n = 70, d0 = 6, c = 3;
                double[] x = MorseClaimsTest.gaussian(n * d0, 5);
                Dataset data = loss == Loss.MSE ? Dataset.regression(x, n, d0, MorseClaimsTest.gaussian(n * c, 6), c)
                        : Dataset.classification(x, n, d0, new SplittableRandom(7).ints(n, 0, c).toArray(), c);
                Mlp mlp = Mlp.of(Activation.TANH, d0, 5, 4, c);
                for (int threads = 1; threads <= 2; threads++) {
                    java.util.List<Long> done = check(mlp, data, loss, reg, threads);
                    if (threads == 1) org.junit.jupiter.api.Assertions.assertTrue(done.contains(4L * d0), "units 0–3, then unit 4: " + done);
                }
            }
        }
    }

    /**
     * More columns after the first layer's weights than one block holds (706 against 256): three
     * column blocks of G and M, the last one shorter.
     */
    @Test
    void assemblyOverSeveralColumnBlocks() {
        int n = 40, d0 = 4, c = 3;
        Dataset data = Dataset.classification(MorseClaimsTest.gaussian(n * d0, 8), n, d0, new SplittableRandom(9).ints(n, 0, c).toArray(), c);
        Mlp mlp = Mlp.of(Activation.TANH, d0, 3, 100, c);
        try (Evaluator ev = Evaluator.open(Problem.of(mlp, data, Loss.CROSS_ENTROPY, Regularizer.l2(1e-3)), Evaluator.Settings.defaults())) {
            org.junit.jupiter.api.Assertions.assertTrue(ev.dim() - ev.firstLayerWeights() > 2 * ev.denseBlockColumns(), "three blocks");
        }
        check(mlp, data, Loss.CROSS_ENTROPY, Regularizer.l2(1e-3), 2);
    }

    /** Assembles H with the given threads (chunks of 4 rows), checks it and the parts against the dense matrices; returns the progress. */
    private static java.util.List<Long> check(Mlp mlp, Dataset data, Loss loss, Regularizer reg, int threads) {
        try (Evaluator ev = Evaluator.open(Problem.of(mlp, data, loss, reg), Evaluator.Settings.defaults().withChunkRows(4).withThreads(threads))) {
            int p = ev.dim();
            double[] theta = mlp.initPyTorchDefault(3);
            double[] h = new double[p * p];
            java.util.List<Long> done = new java.util.ArrayList<>();
            DenseHessian.Parts parts = DenseHessian.assemble(ev, theta, h, (d, total) -> {
                assertEquals((long) p, total);
                done.add(d);
            });
            for (int i = 1; i < done.size(); i++) org.junit.jupiter.api.Assertions.assertTrue(done.get(i) > done.get(i - 1), "progress rises: " + done);
            assertEquals((long) p, done.get(done.size() - 1), "progress ends at P: " + done);
            double[] hd = ev.dense(Part.HESSIAN, theta), g = ev.dense(Part.GGN, theta), m = ev.dense(Part.NME, theta);
            String what = reg.spec() + ", " + loss + ", " + threads + " threads";
            double scale = 0, frob = 0;
            for (double v : hd) scale = Math.max(scale, Math.abs(v));
            for (int i = 0; i < p * p; i++) {
                if (i % p <= i / p) assertEquals(hd[i], h[i], 1e-13 * scale, what + ": H entry (" + i / p + ", " + i % p + ") of the lower triangle");
                frob += m[i] * m[i];
            }
            double fh = 0;
            for (double v : hd) fh += v * v;
            assertEquals(fh, DenseHessian.frobeniusSquaredLower(h, p), 1e-12 * fh, what + ": ‖H‖_F² from the lower triangle");
            for (int i = 0; i < p; i++) {
                assertEquals(g[i * p + i], parts.ggnDiagonal()[i], 1e-13 * scale, what + ": diag G " + i);
                assertEquals(m[i * p + i], parts.nmeDiagonal()[i], 1e-13 * scale, what + ": diag M " + i);
            }
            assertEquals(frob, parts.nmeFrobeniusSquared(), 1e-12 * frob, what + ": ‖M‖_F²");
            assertEquals(reg.spec().startsWith("l2"), parts.fromParts(), what);
            return done;
        }
    }
}
