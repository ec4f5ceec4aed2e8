package dev.morse.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.morse.simd.KernelProvider;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The engine pieces that training uses: held-out classification metrics, the σ″ support count,
 * the data loss of the last request, the smallest-chunk setting, and data sets without copies.
 */
class TrainingRequestsTest {

    @Test
    void classificationIsTheLossAndTheArgmaxOfTheOutputs() {
        Mlp mlp = Mlp.of(Activation.TANH, 4, 6, 3);
        Dataset data = Problems.classification(300, 4, 3, 11);
        double[] theta = mlp.initPyTorchDefault(3);
        Problem p = Problem.of(mlp, data, Loss.CROSS_ENTROPY);
        int[] idx = new int[77];
        SplittableRandom r = new SplittableRandom(2);
        for (int i = 0; i < idx.length; i++) idx[i] = r.nextInt(300);   // repeats allowed
        try (Evaluator one = Evaluator.open(p, Evaluator.Settings.defaults().withThreads(1));
             Evaluator two = Evaluator.open(p, Evaluator.Settings.defaults().withThreads(2).withCacheStates(false))) {
            for (Batch b : new Batch[] {Batch.all(), Batch.of(idx), Batch.range(10, 50)}) {
                Evaluator.Classification c = one.classification(b, theta);
                assertEquals(one.dataLoss(b, theta), c.loss(), 0.0, "the loss of the same forward pass, " + b);
                double[] out = one.outputs(b, theta);
                int n = b.size(300);
                int[] labels = data.labels();
                long correct = 0;
                for (int i = 0; i < n; i++) {
                    int best = 0;
                    for (int j = 1; j < 3; j++) if (out[i * 3 + j] > out[i * 3 + best]) best = j;
                    int sample = b.isAll() ? i : b.indices() != null ? idx[i] : 10 + i;
                    if (best == labels[sample]) correct++;
                }
                assertEquals(correct, c.correct(), b.toString());
                assertEquals(n, c.count());
                assertEquals((double) correct / n, c.accuracy(), 0.0);
                Evaluator.Classification d = two.classification(b, theta);
                assertEquals(c, d, "bit-identical for any thread count and without caching");
            }
        }
        try (Evaluator reg = Evaluator.open(Problem.of(Mlp.of(Activation.TANH, 4, 2), Problems.regression(5, 4, 2, 1), Loss.MSE))) {
            assertThrows(IllegalStateException.class, () -> reg.classification(Batch.all(), new double[10]));
        }
    }

    /** First-layer pre-activations that are exact (small integers times dyadic weights), so a direct count sees the same bits. */
    @Test
    void secondDerivativeSupportCountsExactZerosOfSigmaSecond() {
        int n = 40, d = 3, h = 5;
        double[] x = new double[n * d];
        SplittableRandom r = new SplittableRandom(9);
        for (int i = 0; i < x.length; i++) x[i] = r.nextInt(13) - 6;
        int[] y = new int[n];
        Dataset data = Dataset.classification(x, n, d, y, 2);
        for (Activation act : new Activation[] {Activation.betaGelu(10), Activation.augmentedRelu(10), Activation.TANH, Activation.GELU,
                Activation.RELU, Activation.IDENTITY, Activation.DIMINISHED_GELU}) {
            Mlp mlp = Mlp.of(act, d, h, h, 2);
            double[] theta = new double[mlp.numParameters()];
            for (int i = 0; i < theta.length; i++) theta[i] = (r.nextInt(17) - 8) / 8.0;
            // Layer 1 by hand: exact dyadic arithmetic, so any summation order gives these bits.
            double[] a1 = new double[n * h];
            for (int s = 0; s < n; s++) {
                for (int u = 0; u < h; u++) {
                    double v = theta[mlp.biasOffset(1) + u];
                    for (int k = 0; k < d; k++) v += x[s * d + k] * theta[mlp.weightOffset(1) + u * d + k];
                    a1[s * h + u] = v;
                }
            }
            double[] s2 = new double[n * h];
            act.evaluate(KernelProvider.get(), n * h, a1, null, null, s2);
            long want = 0;
            for (double v : s2) if (v != 0.0) want++;
            if (act.hasZeroSecondDerivative()) want = 0;
            try (Evaluator ev = Evaluator.open(Problem.of(mlp, data, Loss.CROSS_ENTROPY), Evaluator.Settings.defaults().withChunkRows(16).withThreads(2))) {
                Evaluator.SecondDerivativeSupport sup = ev.secondDerivativeSupport(Batch.all(), theta);
                assertEquals(want, sup.nonzero()[0], act + ": layer 1");
                assertEquals((long) n * h, sup.entries()[0]);
                assertEquals(2, sup.nonzero().length, "one count per hidden layer");
                Evaluator.SecondDerivativeSupport half = ev.secondDerivativeSupport(Batch.range(0, 20), theta);
                assertEquals(20L * h, half.entries()[0]);
                if (act.equals(Activation.betaGelu(10))) {
                    assertTrue(want > 0 && want < (long) n * h, "β = 10: σ″ underflows to 0 for |a| ≳ 3.9, not elsewhere (" + want + " of " + n * h + ")");
                }
                if (act.equals(Activation.TANH)) {
                    long zeros = 0;
                    for (double v : a1) if (v == 0.0) zeros++;
                    assertEquals((long) n * h - zeros, sup.nonzero()[0], "tanh: σ″ = 0 exactly at a = 0 only");
                }
            }
        }
    }

    @Test
    void dataLossOfTheLastRequest() {
        Mlp mlp = Mlp.of(Activation.TANH, 3, 4, 2);
        Problem p = Problem.of(mlp, Problems.regression(20, 3, 2, 4), Loss.MSE, Regularizer.l2(0.1));
        double[] theta = mlp.initPyTorchDefault(1), g = new double[mlp.numParameters()];
        for (boolean cache : new boolean[] {true, false}) {
            try (Evaluator ev = Evaluator.open(p, Evaluator.Settings.defaults().withCacheStates(cache))) {
                assertThrows(IllegalStateException.class, ev::dataLossOfLastRequest, "no request yet");
                Batch b = Batch.of(3, 5, 7, 7);
                double objective = ev.lossAndGradient(b, theta, g);
                double data = ev.dataLossOfLastRequest();
                assertEquals(ev.dataLoss(b, theta), data, 0.0);
                assertEquals(objective, data + 0.05 * Problems.dot(theta, theta), 1e-15);
                double[] other = theta.clone();
                other[0] += 0.5;
                ev.hvp(other, theta, g);
                assertThrows(IllegalStateException.class, ev::dataLossOfLastRequest, "the last request computed no loss");
            }
        }
    }

    /**
     * {@link Evaluator#lossAndGradient(Batch, double[], double[], dev.morse.simd.Ranges.Task)}: the
     * same value and gradient bits as the plain request; the task covers [0, P) once, and sees
     * every range of the gradient final (what it copies equals the returned gradient). Without
     * terms it runs inside the chunks' sum, in blocks (P ≥ 2^15: on both workers); with a
     * regularizer after it. One and two waves of chunks, one team run, one and two threads. A task
     * that calls its evaluator is refused.
     */
    @Test
    void aTaskFusedIntoTheGradientSeesItFinal() throws InterruptedException {
        Mlp mlp = Mlp.of(Activation.GELU, 60, 300, 100, 3);   // P = 48 703: the sum is cut across workers
        Dataset data = Problems.classification(700, 60, 3, 8);
        double[] theta = mlp.initPyTorchDefault(4);
        int p = mlp.numParameters();
        assertTrue(p >= WorkerRanges.PARALLEL_REDUCTION);
        int[] idx = new int[128];
        for (int i = 0; i < idx.length; i++) idx[i] = (i * 53) % 700;
        for (Regularizer reg : new Regularizer[] {null, Regularizer.l2(1e-3)}) {
            Problem problem = reg == null ? Problem.of(mlp, data, Loss.CROSS_ENTROPY) : Problem.of(mlp, data, Loss.CROSS_ENTROPY, reg);
            for (int t : new int[] {1, 2}) {
                for (Batch b : new Batch[] {Batch.of(idx), Batch.range(0, 200), Batch.all()}) {   // 2 chunks, 4, 11
                  for (boolean waves : new boolean[] {false, true}) {
                    try (Evaluator ev = Evaluator.open(problem, Evaluator.Settings.defaults().withThreads(t).withChunkRows(64))) {
                        if (waves) ev.oneRunBudget(0);   // the chunks in waves: then runs inside the last wave's sum
                        double[] want = new double[p], got = new double[p], seen = new double[p];
                        int[] count = new int[p];
                        double lw = ev.lossAndGradient(b, theta, want);
                        double lg = ev.lossAndGradient(b, theta.clone(), got, (from, to) -> {
                            for (int i = from; i < to; i++) {
                                count[i]++;
                                seen[i] = got[i];
                            }
                        });
                        String where = (reg == null ? "no terms" : "l2") + ", " + t + " thread(s), " + b + (waves ? ", waves" : "");
                        assertEquals(lw, lg, 0.0, where);
                        assertArrayEquals(want, got, 0.0, where);
                        assertArrayEquals(got, seen, 0.0, "the task saw the final gradient, " + where);
                        for (int i = 0; i < p; i++) assertEquals(1, count[i], "entry " + i + ", " + where);
                        assertThrows(IllegalStateException.class,
                                () -> ev.lossAndGradient(b, theta, got, (from, to) -> ev.dataLoss(b, theta)), "a task calling its evaluator, " + where);
                        // The refused request left the evaluator usable, from another thread too (no lock kept).
                        double[] again = new double[p];
                        Thread other = Thread.ofPlatform().start(() -> ev.lossAndGradient(b, theta, again));
                        other.join(60_000);
                        assertTrue(!other.isAlive(), "a request from another thread after the refusal, " + where);
                        assertArrayEquals(want, again, 0.0, where);
                        if (waves) assertEquals(0, ev.oneRuns(), "waves, " + where);
                        assertEquals(t > 1, ev.parallelScans() > 0, "θ's scan on the workers (P ≥ 2^15), " + where);
                    }
                  }
                }
            }
        }
    }

    @Test
    void smallestChunkSetsThePlanAndKeepsResultsThreadIndependent() {
        Mlp mlp = Mlp.of(Activation.GELU, 8, 16, 4);
        Problem p = Problem.of(mlp, Problems.classification(500, 8, 4, 2), Loss.CROSS_ENTROPY);
        double[] theta = mlp.initPyTorchDefault(5);
        int[] idx = new int[128];
        for (int i = 0; i < 128; i++) idx[i] = (i * 37) % 500;
        Batch b = Batch.of(idx);
        double[] g32 = new double[mlp.numParameters()], g64a = g32.clone(), g64b = g32.clone();
        assertEquals(64, Evaluator.Settings.defaults().minChunkRows(), "the default smallest chunk");
        try (Evaluator e32 = Evaluator.open(p, Evaluator.Settings.defaults().withThreads(2).withMinChunkRows(32));
             Evaluator e64a = Evaluator.open(p, Evaluator.Settings.defaults().withThreads(1).withMinChunkRows(64));
             Evaluator e64b = Evaluator.open(p, Evaluator.Settings.defaults().withThreads(2).withMinChunkRows(64))) {
            assertEquals(32, e32.chunkRows(128), "smallest chunk 32: 4 chunks of 32");
            assertEquals(64, e64a.chunkRows(128), "2 chunks of 64");
            assertEquals(64, e64a.chunkRows(96), "a last partial batch of 96: 64 + 32");
            assertEquals(128, e64a.chunkRows(1024), "large batches: ⌈n/8⌉ up to chunkRows");
            assertEquals(256, e64a.chunkRows(60000), "at most chunkRows");
            assertEquals(64, e64a.minChunkRows());
            double l32 = e32.lossAndGradient(b, theta, g32);
            double la = e64a.lossAndGradient(b, theta, g64a);
            double lb = e64b.lossAndGradient(b, theta, g64b);
            assertEquals(la, lb, 0.0);
            assertArrayEquals(g64a, g64b, 0.0, "bit-identical for 1 and 2 threads");
            assertEquals(l32, la, 1e-14 * Math.abs(l32), "another chunk plan: the same value to rounding");
            assertTrue(Problems.maxAbsDiff(g32, g64a) <= 1e-14 * Problems.maxAbs(g32));
        }
        assertThrows(IllegalArgumentException.class, () -> Evaluator.Settings.defaults().withMinChunkRows(0));
    }

    @Test
    void wrappedDataSetsShareTheArraysAndSubsetsCopyOnlyTheirRows() {
        double[] x = {1, 2, 3, 4, 5, 6};
        int[] y = {0, 1, 1};
        Dataset d = Dataset.wrapClassification(x, 3, 2, y, 2);
        assertSame(x, d.x(), "no copy");
        assertSame(y, d.classes());
        assertEquals(Dataset.classification(x, 3, 2, y, 2), d);
        assertEquals(Dataset.classification(x, 3, 2, y, 2).contentHash(), d.contentHash());
        assertThrows(IllegalArgumentException.class, () -> Dataset.wrapClassification(x, 3, 2, new int[] {0, 2, 1}, 2), "validated like a copy");
        Dataset s = d.subset(new int[] {2, 0, 2});
        assertArrayEquals(new double[] {5, 6, 1, 2, 5, 6}, s.inputs(), 0.0);
        assertArrayEquals(new int[] {1, 0, 1}, s.labels());
        double[] yr = {0.5, 1.5, 2.5};
        Dataset reg = Dataset.wrapRegression(x, 3, 2, yr, 1);
        assertSame(yr, reg.y());
        assertArrayEquals(new double[] {2.5, 0.5}, reg.subset(new int[] {2, 0}).realTargets(), 0.0);
        assertThrows(IllegalArgumentException.class, () -> d.subset(new int[] {3}));
        assertThrows(IllegalArgumentException.class, () -> d.subset(new int[0]));
    }
}
