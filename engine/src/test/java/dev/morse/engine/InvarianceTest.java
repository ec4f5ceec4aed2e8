package dev.morse.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Bit-identical results for any thread count; batch splits agree to rounding (SPEC §2, §8). */
class InvarianceTest {

    private static Evaluator build(Dataset data, int batch, int threads) {
        Mlp mlp = Mlp.of(Activation.GELU, 5, 8, 6, 3);
        return Evaluator.open(Problem.of(mlp, data, Loss.CROSS_ENTROPY, Regularizer.l2(1e-3)), Evaluator.Settings.defaults().withChunkRows(batch).withThreads(threads));
    }

    @Test
    void resultsAreBitIdenticalForOneTwoAndFourThreads() {
        Mlp mlp = Mlp.of(Activation.GELU, 5, 8, 6, 3);
        Problem problem = Problem.of(mlp, Problems.classification(103, 5, 3, 2), Loss.CROSS_ENTROPY, Regularizer.l2(1e-3));
        assertSameBitsAsOneThread(problem, mlp.initPyTorchDefault(1), 5, 2, 4);
    }

    /**
     * The loss, gradient, H·v and M·v at θ (v Gaussian, seeded) with each thread count equal the
     * one-thread values to the bit; chunks of 10 rows, and each evaluator really runs its threads.
     */
    private static void assertSameBitsAsOneThread(Problem problem, double[] theta, long vSeed, int... threads) {
        Evaluator.Settings settings = Evaluator.Settings.defaults().withChunkRows(10);
        try (Evaluator one = Evaluator.open(problem, settings.withThreads(1))) {
            int p = one.dim();
            double[] v = Problems.gaussian(p, vSeed);
            double[] g1 = new double[p], h1 = new double[p], m1 = new double[p];
            double l1 = one.lossAndGradient(theta, g1);
            one.hvp(theta, v, h1);
            one.nmeVp(theta, v, m1);
            for (int t : threads) {
                try (Evaluator many = Evaluator.open(problem, settings.withThreads(t))) {
                    assertEquals(t, many.threads(), "threads used");
                    double[] g = new double[p], h = new double[p], m = new double[p];
                    assertEquals(l1, many.lossAndGradient(theta, g), 0.0, "loss bit-identical with " + t + " threads");
                    assertArrayEquals(g1, g, 0.0, "gradient bit-identical with " + t + " threads");
                    many.hvp(theta, v, h);
                    assertArrayEquals(h1, h, 0.0, "H·v bit-identical with " + t + " threads");
                    many.nmeVp(theta, v, m);
                    assertArrayEquals(m1, m, 0.0, "M·v bit-identical with " + t + " threads");
                    assertEquals(p >= WorkerRanges.PARALLEL_REDUCTION, many.parallelRanges() > 0,
                            "the chunk sums ran on the workers exactly when P ≥ " + WorkerRanges.PARALLEL_REDUCTION);
                }
            }
        }
    }

    /**
     * Outputs of P ≥ {@link WorkerRanges#PARALLEL_REDUCTION} are summed over chunks by all
     * workers, each over a range: the same bits as the calling thread's serial sum (1 thread), also
     * with 3 threads (ranges of unequal length, a last wave narrower than the team).
     */
    @Test
    void parallelChunkSumsGiveTheSerialSumsBits() {
        Mlp mlp = Mlp.of(Activation.TANH, 60, 300, 100, 3);
        Problem problem = Problem.of(mlp, Problems.classification(103, 60, 3, 4), Loss.CROSS_ENTROPY, Regularizer.l2(1e-3));
        assertTrue(mlp.numParameters() >= WorkerRanges.PARALLEL_REDUCTION, "P = " + mlp.numParameters() + " takes the parallel sum");
        assertSameBitsAsOneThread(problem, mlp.initPyTorchDefault(3), 6, 2, 3);
    }

    /**
     * A request's chunks run in one team run when their results fit side by side, else in waves of
     * the team's size: both add the chunks' results in chunk order, so they give the same bits
     * (gradient, H·v, G·v, a block of 3 products, a vjp; 2 and 3 threads, 11 chunks).
     */
    @Test
    void oneTeamRunAndWavesGiveTheSameBits() {
        Mlp mlp = Mlp.of(Activation.TANH, 7, 20, 15, 3);
        Problem problem = Problem.of(mlp, Problems.classification(103, 7, 3, 8), Loss.CROSS_ENTROPY, Regularizer.l2(1e-3));
        double[] theta = mlp.initPyTorchDefault(4);
        int p = mlp.numParameters();
        double[] v = Problems.gaussian(3 * p, 9), u = Problems.gaussian(103 * 3, 10);
        for (int t : new int[] {2, 3}) {
            Evaluator.Settings settings = Evaluator.Settings.defaults().withChunkRows(10).withThreads(t);
            try (Evaluator once = Evaluator.open(problem, settings); Evaluator waves = Evaluator.open(problem, settings)) {
                waves.oneRunBudget(0);
                assertEquals(11, once.chunks());
                double[][] a = products(once, theta, v, u), b = products(waves, theta, v, u);
                for (int i = 0; i < a.length; i++) {
                    assertArrayEquals(rawBits(b[i]), rawBits(a[i]), "result " + i + " with " + t + " threads (raw bits: ±0 too)");
                }
                // The gradient, H·v, G·v and the vjp at least (a block of products may run as vector groups instead).
                assertTrue(once.oneRuns() >= 4, "the chunks ran in one team run: " + once.oneRuns());
                assertEquals(0, waves.oneRuns(), "and in waves with no budget");
                assertEquals(t, once.widestWaveOfLastRequest(), "every worker ran");
            }
        }
    }

    private static long[] rawBits(double[] x) {
        long[] bits = new long[x.length];
        for (int i = 0; i < x.length; i++) bits[i] = Double.doubleToRawLongBits(x[i]);
        return bits;
    }

    /** The loss (as a 1-vector), gradient, H·v, G·v, a block of 3 Hessian products and a vjp. */
    private static double[][] products(Evaluator e, double[] theta, double[] v, double[] u) {
        int p = e.dim();
        double[] g = new double[p], h = new double[p], gg = new double[p], blk = new double[3 * p], vj = new double[p];
        double loss = e.lossAndGradient(theta, g);
        double[] v1 = java.util.Arrays.copyOf(v, p);   // the block's first vector: a single product takes exactly P
        e.hvp(theta, v1, h);
        e.ggnVp(theta, v1, gg);
        e.apply(Part.HESSIAN, theta, v, blk, 3);
        e.vjp(theta, u, vj);
        return new double[][] {{loss}, g, h, gg, blk, vj};
    }

    /**
     * Lanczos with thick restarts on an evaluator's operator: the restarts' Ritz vectors are
     * combined on the evaluator's workers ({@link CurvatureOperator#ranges()}, P ≥ 2^15, so really
     * cut), and the Ritz values and vectors have the same bits for 1, 2 and 3 threads.
     */
    @Test
    void lanczosWithRestartsOnTheWorkersGivesTheSameBits() {
        Mlp mlp = Mlp.of(Activation.TANH, 60, 300, 100, 3);
        Problem problem = Problem.of(mlp, Problems.classification(103, 60, 3, 4), Loss.CROSS_ENTROPY, Regularizer.l2(1e-3));
        double[] theta = mlp.initPyTorchDefault(3);
        dev.morse.spectra.Lanczos.Options o = new dev.morse.spectra.Lanczos.Options().k(3).basis(12).seed(5).vectors(true)
                .which(dev.morse.spectra.Lanczos.Which.LARGEST);
        dev.morse.spectra.Lanczos.Result ref = null;
        for (int t : new int[] {1, 2, 3}) {
            try (Evaluator ev = Evaluator.open(problem, Evaluator.Settings.defaults().withChunkRows(10).withThreads(t))) {
                assertTrue(ev.dim() >= WorkerRanges.PARALLEL_REDUCTION, "P = " + ev.dim());
                dev.morse.spectra.Lanczos.Result r = dev.morse.spectra.Lanczos.run(CurvatureOperator.hessian(ev, theta), o);
                assertTrue(r.restarts() > 0, "restarted");
                if (ref == null) {
                    ref = r;
                    continue;
                }
                assertArrayEquals(ref.ritzValues(), r.ritzValues(), 0.0, "Ritz values, " + t + " threads");
                assertArrayEquals(ref.vectors(), r.vectors(), 0.0, "Ritz vectors, " + t + " threads");
                assertEquals(ref.products(), r.products(), "products, " + t + " threads");
            }
        }
    }

    /**
     * Stochastic Lanczos quadrature on an evaluator's operator (P ≥ 2^15: the blocked passes of its
     * steps run cut over the workers): the nodes and weights have the same bits for 1, 2 and 3 threads.
     */
    @Test
    void slqOnTheWorkersGivesTheSameBits() {
        Mlp mlp = Mlp.of(Activation.TANH, 60, 300, 100, 3);
        Problem problem = Problem.of(mlp, Problems.classification(103, 60, 3, 4), Loss.CROSS_ENTROPY, Regularizer.l2(1e-3));
        double[] theta = mlp.initPyTorchDefault(3);
        dev.morse.spectra.SpectralDensity.Options o = new dev.morse.spectra.SpectralDensity.Options().probes(2).steps(12).seed(9);
        dev.morse.spectra.SpectralDensity.Result ref = null;
        for (int t : new int[] {1, 2, 3}) {
            try (Evaluator ev = Evaluator.open(problem, Evaluator.Settings.defaults().withChunkRows(10).withThreads(t))) {
                long before = ev.parallelRanges();
                dev.morse.spectra.SpectralDensity.Result r = dev.morse.spectra.SpectralDensity.estimate(CurvatureOperator.hessian(ev, theta), o);
                if (t > 1) assertTrue(ev.parallelRanges() > before, "range work ran on the workers, " + t + " threads");
                if (ref == null) {
                    ref = r;
                    continue;
                }
                assertArrayEquals(ref.nodes(), r.nodes(), 0.0, "nodes, " + t + " threads");
                assertArrayEquals(ref.weights(), r.weights(), 0.0, "weights, " + t + " threads");
            }
        }
    }

    /**
     * {@link Evaluator#ranges()} covers [0, n) exactly once with 1, 2 and 3 workers, below and above
     * the size where it cuts; a closed evaluator refuses.
     */
    @Test
    void rangesCoverEveryEntryOnce() {
        Dataset data = Problems.classification(50, 5, 3, 2);
        for (int t : new int[] {1, 2, 3}) {
            Evaluator ev = build(data, 10, t);
            for (int n : new int[] {0, 7, WorkerRanges.PARALLEL_REDUCTION - 1, WorkerRanges.PARALLEL_REDUCTION, 100_003}) {
                int[] count = new int[n];
                java.util.concurrent.atomic.AtomicInteger calls = new java.util.concurrent.atomic.AtomicInteger();
                ev.ranges().run(n, (from, to) -> {
                    calls.incrementAndGet();
                    for (int i = from; i < to; i++) count[i]++;
                });
                for (int i = 0; i < n; i++) assertEquals(1, count[i], "entry " + i + " of " + n + ", " + t + " threads");
                int expected = t == 1 || n < WorkerRanges.PARALLEL_REDUCTION ? 1 : t;
                assertEquals(expected, calls.get(), "ranges for n = " + n + " with " + t + " threads");
            }
            // A task that calls back into its evaluator is refused, on the calling thread and on a worker.
            int big = 100_003;
            Evaluator cb = ev;
            double[] theta = ev.problem().model().initPyTorchDefault(1);
            assertThrows(IllegalStateException.class, () -> cb.ranges().run(big, (from, to) -> cb.loss(theta)));
            assertThrows(IllegalStateException.class, () -> cb.ranges().run(big, (from, to) -> cb.ranges().run(1, (a, b) -> { })));
            ev.loss(theta);   // still usable afterwards
            ev.close();
            assertThrows(IllegalStateException.class, () -> ev.ranges().run(10, (from, to) -> { }));
        }
    }

    /**
     * Block products in both schedules, each with several threads really at work: chunk-parallel
     * (many chunks, few vector groups), group-parallel on one chunk (N ≤ 32), and group-parallel
     * over several chunks (many groups). Every case is checked to have run t workers at once.
     */
    @Test
    void blockProductsAreBitIdenticalForAnyThreadCount() {
        record Case(String name, int n, int chunkRows, int k) {}
        for (Case c : new Case[] {new Case("chunk-parallel", 103, 10, 150), new Case("one chunk, group-parallel", 30, 256, 150),
                new Case("several chunks, group-parallel", 103, 256, 300)}) {
            Dataset data = Problems.classification(c.n(), 5, 3, 2);
            Evaluator one = build(data, c.chunkRows(), 1);
            int p = one.dim(), k = c.k();
            double[] theta = one.problem().model().initPyTorchDefault(1);
            double[] vs = Problems.gaussian(k * p, 6);
            double[] ref = new double[k * p];
            one.apply(Part.HESSIAN, theta, vs, ref, k);
            for (int t : new int[] {2, 3}) {
                double[] out = new double[k * p];
                Evaluator many = build(data, c.chunkRows(), t);
                many.apply(Part.HESSIAN, theta, vs, out, k);
                assertEquals(t, many.widestWaveOfLastRequest(), c.name() + ": " + t + " workers ran at once");
                assertArrayEquals(ref, out, 0.0, "block H·V bit-identical with " + t + " threads, " + c.name());
            }
            double[] dense1 = one.dense(Part.NME, theta);
            Evaluator two = build(data, c.chunkRows(), 2);
            assertArrayEquals(dense1, two.dense(Part.NME, theta), 0.0, "dense M bit-identical with 2 threads, " + c.name());
            assertEquals(2, two.widestWaveOfLastRequest(), c.name() + ": dense materialization ran 2 workers at once");
        }
    }

    /**
     * Dense matrices past four threads: P = 1882, so the unit columns after the first layer's
     * weights take several column blocks, and their vector groups are cut from the blocks. When a
     * block was 64 columns per worker (wider past four threads) the groups, and the bits, changed
     * with 5 threads.
     */
    @Test
    void denseMatricesAreBitIdenticalPastFourThreads() {
        Mlp mlp = Mlp.of(Activation.TANH, 3, 40, 40, 2);
        Dataset data = Problems.classification(30, 3, 2, 4);
        double[] theta = mlp.initPyTorchDefault(2);
        double[] ref;
        try (Evaluator one = Evaluator.open(Problem.of(mlp, data, Loss.CROSS_ENTROPY, Regularizer.l2(1e-3)), Evaluator.Settings.defaults().withThreads(1))) {
            assertTrue(one.dim() - one.firstLayerWeights() > 384, "several unit-column blocks");
            ref = one.dense(Part.HESSIAN, theta);
        }
        for (int t : new int[] {5, 6}) {
            try (Evaluator many = Evaluator.open(Problem.of(mlp, data, Loss.CROSS_ENTROPY, Regularizer.l2(1e-3)), Evaluator.Settings.defaults().withThreads(t))) {
                assertEquals(256, many.denseBlockColumns(), "columns per block with " + t + " threads");
                assertArrayEquals(ref, many.dense(Part.HESSIAN, theta), 0.0, "dense H bit-identical with " + t + " threads");
            }
        }
    }

    /** N ≤ the chunk size still uses every thread: the data are cut into at least 8 chunks, whatever the thread count. */
    @Test
    void smallDataSetsUseEveryThreadWithTheSameBits() {
        Dataset data = Problems.classification(200, 5, 3, 4);
        Evaluator one = build(data, 256, 1);
        Evaluator two = build(data, 256, 2);
        assertTrue(two.chunks() >= 2, "N = 200 ≤ 256 rows is cut into " + two.chunks() + " chunks");
        double[] theta = one.problem().model().initPyTorchDefault(2);
        double[] v = Problems.gaussian(one.dim(), 3);
        double[] g1 = new double[one.dim()], g2 = new double[one.dim()], h1 = new double[one.dim()], h2 = new double[one.dim()];
        assertEquals(one.lossAndGradient(theta, g1), two.lossAndGradient(theta, g2), 0.0, "loss");
        assertEquals(2, two.widestWaveOfLastRequest(), "the gradient ran on 2 workers");
        one.hvp(theta, v, h1);
        two.hvp(theta, v, h2);
        assertEquals(2, two.widestWaveOfLastRequest(), "H·v ran on 2 workers");
        assertArrayEquals(g1, g2, 0.0, "gradient bit-identical");
        assertArrayEquals(h1, h2, 0.0, "H·v bit-identical");
    }

    @Test
    void cachedChunkStatesGiveTheSameBitsAsFreshPasses() {
        Dataset data = Problems.classification(103, 5, 3, 2);
        Mlp mlp = Mlp.of(Activation.GELU, 5, 8, 6, 3);
        Evaluator cached = Evaluator.open(Problem.of(mlp, data, Loss.CROSS_ENTROPY), Evaluator.Settings.defaults().withChunkRows(10).withThreads(2));
        Evaluator fresh = Evaluator.open(Problem.of(mlp, data, Loss.CROSS_ENTROPY), Evaluator.Settings.defaults().withChunkRows(10).withThreads(2).withCacheStates(false));
        assertTrue(cached.cachesStates() && !fresh.cachesStates(), "caching on and off as asked");
        int p = mlp.numParameters();
        double[] theta = mlp.initPyTorchDefault(4);
        double[] v = Problems.gaussian(p, 1), u = Problems.gaussian(103 * 3, 2), vs = Problems.gaussian(7 * p, 3);
        for (int round = 0; round < 3; round++) {
            // A mix of calls in an order that exercises every reuse: gradient fills signals,
            // GGN needs no σ″, NME adds σ″, vjp overwrites the signals, θ then changes in place.
            double[] a = new double[p], b = new double[p];
            assertEquals(fresh.lossAndGradient(theta, b), cached.lossAndGradient(theta, a), 0.0, "loss, round " + round);
            assertArrayEquals(b, a, 0.0, "gradient, round " + round);
            cached.ggnVp(theta, v, a);
            fresh.ggnVp(theta, v, b);
            assertArrayEquals(b, a, 0.0, "G·v, round " + round);
            cached.nmeVp(theta, v, a);
            fresh.nmeVp(theta, v, b);
            assertArrayEquals(b, a, 0.0, "M·v, round " + round);
            cached.vjp(theta, u, a);
            fresh.vjp(theta, u, b);
            assertArrayEquals(b, a, 0.0, "Jᵀu, round " + round);
            cached.hvp(theta, v, a);
            fresh.hvp(theta, v, b);
            assertArrayEquals(b, a, 0.0, "H·v after vjp, round " + round);
            double[] ba = new double[7 * p], bb = new double[7 * p];
            cached.apply(Part.DATA_HESSIAN, theta, vs, ba, 7);
            fresh.apply(Part.DATA_HESSIAN, theta, vs, bb, 7);
            assertArrayEquals(bb, ba, 0.0, "block H·V, round " + round);
            assertArrayEquals(fresh.perSampleLosses(theta), cached.perSampleLosses(theta), 0.0, "per-sample losses");
            theta[round] += 0.125;   // in place: the cache must notice
        }
    }

    @Test
    void batchSplitsAgreeToRounding() {
        Dataset data = Problems.classification(103, 5, 3, 2);
        Evaluator whole = build(data, 103, 1);
        double[] theta = whole.problem().model().initPyTorchDefault(1);
        double[] v = Problems.gaussian(whole.dim(), 5);
        double[] hw = new double[whole.dim()];
        whole.hvp(theta, v, hw);
        double lw = whole.loss(theta);
        for (int b : new int[] {1, 7, 50, 64}) {
            Evaluator split = build(data, b, 2);
            double[] h = new double[whole.dim()];
            split.hvp(theta, v, h);
            assertEquals(lw, split.loss(theta), 1e-14 * lw, "loss with batch " + b + " is the sample-weighted mean");
            assertTrue(Problems.maxAbsDiff(hw, h) <= 1e-13 * Problems.maxAbs(hw), "H·v with batch " + b);
        }
    }

    @Test
    void sameInputsSameBitsAcrossRepeatedCalls() {
        Evaluator obj = build(Problems.classification(40, 5, 3, 9), 16, 2);
        double[] theta = obj.problem().model().initPyTorchDefault(3);
        double[] v = Problems.gaussian(obj.dim(), 4);
        double[] a = new double[obj.dim()], b = new double[obj.dim()];
        obj.nmeVp(theta, v, a);
        obj.ggnVp(theta, v, b);   // interleave another product: workspaces must not leak state
        obj.nmeVp(theta, v, b);
        assertArrayEquals(a, b, 0.0, "repeated M·v is bit-identical");
    }
}
