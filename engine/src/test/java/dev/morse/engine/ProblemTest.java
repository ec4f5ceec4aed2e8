package dev.morse.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** Problem as a value (equality, content hash, serialization) and the Evaluator's lifecycle, batches and thread safety. */
class ProblemTest {

    private static Problem problem(Regularizer r, long dataSeed) {
        return Problem.of(Mlp.of(Activation.TANH, 3, 5, 2), Problems.regression(20, 3, 2, dataSeed), Loss.MSE, r);
    }

    @SuppressWarnings("unchecked")
    private static <T> T roundTrip(T value) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(value);
        }
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            return (T) in.readObject();
        }
    }

    @Test
    void equalContentsGiveEqualProblemsAndHashes() throws Exception {
        Problem a = problem(Regularizer.l2(1e-3), 1), b = problem(Regularizer.l2(1e-3), 1);
        assertEquals(a, b, "same contents, equal");
        assertEquals(a.contentHash(), b.contentHash(), "same contents, same hash");
        assertEquals(64, a.contentHash().length(), "SHA-256 in hex");
        Problem copy = roundTrip(a);
        assertEquals(a, copy, "serialization round trip keeps equality");
        assertEquals(a.contentHash(), copy.contentHash(), "and the hash");
        for (Problem other : List.of(problem(Regularizer.l2(2e-3), 1), problem(Regularizer.l2(1e-3), 2), problem(Regularizer.NONE, 1),
                problem(Regularizer.generalizedL2(1e-3, 0), 1), problem(Regularizer.multiplicative(1e-3), 1),
                Problem.of(Mlp.of(Activation.GELU, 3, 5, 2), Problems.regression(20, 3, 2, 1), Loss.MSE, Regularizer.l2(1e-3)))) {
            assertNotEquals(a, other, "differs from " + other);
            assertNotEquals(a.contentHash(), other.contentHash(), "hash differs from " + other);
        }
    }

    @Test
    void explicitCoefficientsEnterTheIdentity() {
        int p = Mlp.of(Activation.TANH, 3, 5, 2).numParameters();
        double[] c1 = Problems.gaussian(p, 1), c2 = c1.clone();
        for (int i = 0; i < p; i++) c1[i] = c2[i] = Math.abs(c1[i]);
        c2[p - 1] += 1e-9;
        Problem a = problem(Regularizer.generalizedL2(c1), 1), b = problem(Regularizer.generalizedL2(c2), 1);
        assertNotEquals(a, b, "coefficients differ");
        assertNotEquals(a.contentHash(), b.contentHash(), "their hashes differ");
        assertThrows(IllegalArgumentException.class, () -> problem(Regularizer.generalizedL2(new double[p + 1]), 1), "wrong length is refused");
    }

    @Test
    void noneIsDroppedAndTermsDescribeThemselves() {
        Problem p = problem(Regularizer.NONE, 1);
        assertTrue(!p.hasTerms() && p.terms().isEmpty(), "none adds no term");
        assertEquals("none", p.describeTerms());
        assertEquals("l2:0.001+multiplicative:0.5", p.withTerms(Regularizer.l2(1e-3), Regularizer.multiplicative(0.5)).describeTerms());
        assertTrue(p.withTerms(Regularizer.multiplicative(0.5)).termsHessianDiagonal() == null, "multiplicative has no constant diagonal");
        assertArrayEquals(new double[p.dim()], p.termsHessianDiagonal(), 0.0, "no terms: zero diagonal");
    }

    @Test
    void termsAddUp() {
        // Two terms at once: l2 and multiplicative. Value, gradient and H·v are the sums of the parts.
        Problem base = problem(Regularizer.NONE, 3);
        Problem both = base.withTerms(Regularizer.l2(0.02), Regularizer.multiplicative(0.05));
        try (Evaluator e0 = Evaluator.open(base); Evaluator e1 = Evaluator.open(base.withTerms(Regularizer.l2(0.02)));
             Evaluator e2 = Evaluator.open(base.withTerms(Regularizer.multiplicative(0.05))); Evaluator e = Evaluator.open(both)) {
            double[] theta = base.model().initPyTorchDefault(5), v = Problems.gaussian(base.dim(), 6);
            int p = base.dim();
            double l0 = e0.loss(theta), l1 = e1.loss(theta), l2 = e2.loss(theta);
            assertEquals(l0 + (l1 - l0) + (l2 - l0), e.loss(theta), 1e-14, "values add");
            double[] h0 = new double[p], h1 = new double[p], h2 = new double[p], h = new double[p];
            e0.hvp(theta, v, h0);
            e1.hvp(theta, v, h1);
            e2.hvp(theta, v, h2);
            e.hvp(theta, v, h);
            for (int i = 0; i < p; i++) assertEquals(h0[i] + (h1[i] - h0[i]) + (h2[i] - h0[i]), h[i], 1e-12 * (1 + Math.abs(h[i])), "H·v adds at " + i);
            double[] r = new double[p];
            e.regularizerHvp(theta, v, r);
            for (int i = 0; i < p; i++) assertEquals(h[i] - h0[i], r[i], 1e-12 * (1 + Math.abs(h[i])), "terms' part at " + i);
        }
    }

    @Test
    void batchesAreMeansOverTheirSamplesLikeADataSetOfThem() {
        Dataset data = Problems.classification(50, 4, 3, 7);
        Mlp mlp = Mlp.of(Activation.GELU, 4, 6, 3);
        int[] idx = {5, 17, 3, 3, 44, 0, 29};   // order and repeats as given
        double[] x = new double[idx.length * 4];
        int[] y = new int[idx.length];
        double[] all = data.inputs();
        int[] labels = data.labels();
        for (int i = 0; i < idx.length; i++) {
            System.arraycopy(all, idx[i] * 4, x, i * 4, 4);
            y[i] = labels[idx[i]];
        }
        Problem whole = Problem.of(mlp, data, Loss.CROSS_ENTROPY, Regularizer.l2(1e-2));
        Problem sub = whole.withData(Dataset.classification(x, idx.length, 4, y, 3));
        try (Evaluator ew = Evaluator.open(whole, Evaluator.Settings.defaults().withChunkRows(3));
             Evaluator es = Evaluator.open(sub, Evaluator.Settings.defaults().withChunkRows(3))) {
            double[] theta = mlp.initPyTorchDefault(1), v = Problems.gaussian(mlp.numParameters(), 2);
            int p = mlp.numParameters();
            double[] gb = new double[p], gs = new double[p], hb = new double[p], hs = new double[p];
            Batch b = Batch.of(idx);
            assertEquals(es.lossAndGradient(theta, gs), ew.lossAndGradient(b, theta, gb), 0.0, "batch loss = loss of a data set of its samples");
            assertArrayEquals(gs, gb, 0.0, "batch gradient");
            ew.apply(b, Part.HESSIAN, theta, v, hb, 1);
            es.hvp(theta, v, hs);
            assertArrayEquals(hs, hb, 0.0, "batch H·v");
            // Alternating batches and the full set: the state cache must follow the batch.
            double[] gAll = new double[p], gAll2 = new double[p];
            ew.lossAndGradient(theta, gAll);
            ew.lossAndGradient(b, theta, gb);
            ew.lossAndGradient(Batch.all(), theta, gAll2);
            assertArrayEquals(gAll, gAll2, 0.0, "full gradient after a batch request");
            double[] gr = new double[p];
            ew.dataLossAndGradient(Batch.range(10, 20), theta, gr);
            assertThrows(IllegalArgumentException.class, () -> ew.loss(Batch.of(50), theta), "index out of range");
            assertThrows(IllegalArgumentException.class, () -> ew.loss(Batch.range(40, 51), theta), "range beyond N");
        }
    }

    @Test
    void aClosedEvaluatorRefusesWork() {
        Evaluator e = Evaluator.open(problem(Regularizer.NONE, 1));
        double[] theta = new double[e.dim()];
        e.loss(theta);
        e.close();
        e.close();   // idempotent
        IllegalStateException x = assertThrows(IllegalStateException.class, () -> e.loss(theta));
        assertTrue(x.getMessage().contains("closed"), x.getMessage());
    }

    /** One evaluator used from four threads at once gives each caller the results it would get alone. */
    @Test
    void anEvaluatorIsSafeToShareBetweenThreads() throws Exception {
        Problem prob = Problem.of(Mlp.of(Activation.TANH, 4, 16, 3), Problems.classification(300, 4, 3, 5), Loss.CROSS_ENTROPY, Regularizer.l2(1e-3));
        int p = prob.dim();
        double[][] thetas = new double[4][];
        double[][] expectedH = new double[4][p];
        double[] v = Problems.gaussian(p, 9);
        try (Evaluator alone = Evaluator.open(prob, Evaluator.Settings.defaults().withThreads(2))) {
            for (int t = 0; t < 4; t++) {
                thetas[t] = prob.model().initPyTorchDefault(t);
                alone.hvp(thetas[t], v, expectedH[t]);
            }
        }
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try (Evaluator shared = Evaluator.open(prob, Evaluator.Settings.defaults().withThreads(2))) {
            List<Future<Boolean>> results = new java.util.ArrayList<>();
            for (int t = 0; t < 4; t++) {
                final int id = t;
                results.add(pool.submit(() -> {
                    double[] h = new double[p];
                    for (int rep = 0; rep < 50; rep++) {
                        shared.hvp(thetas[id], v, h);
                        if (!java.util.Arrays.equals(h, expectedH[id])) return false;
                    }
                    return true;
                }));
            }
            for (int t = 0; t < 4; t++) assertTrue(results.get(t).get(), "thread " + t + " got its own H·v, bit for bit, every time");
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * One regularizer value shared by problems of two models, used from two threads at once (two
     * evaluators of a sweep): each gets its own model's coefficients. The cache once kept the model
     * and the coefficients in two fields, so a reader could pair one model with the other's.
     */
    @Test
    void aRegularizerSharedByTwoModelsInTwoThreadsGivesEachItsOwnCoefficients() throws Exception {
        L2Regularizer l2 = (L2Regularizer) Regularizer.l2(1e-2, true);
        Mlp[] models = {Mlp.of(Activation.TANH, 3, 5, 2), Mlp.of(Activation.TANH, 4, 7, 1)};
        double[][] expected = {l2.computeCoefficients(models[0]), l2.computeCoefficients(models[1])};
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            List<Future<Boolean>> f = new java.util.ArrayList<>();
            for (int t = 0; t < 2; t++) {
                final int id = t;
                f.add(pool.submit(() -> {
                    for (int rep = 0; rep < 200_000; rep++) {
                        if (!java.util.Arrays.equals(l2.coefficients(models[id]), expected[id])) return false;
                    }
                    return true;
                }));
            }
            for (int t = 0; t < 2; t++) assertTrue(f.get(t).get(), "model " + t + " got another model's coefficients");
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * A request interrupted while it waits for another thread's dense LAPACK work fails, and leaves
     * the evaluator usable: its lock was once left held, so every later request hung (Spark
     * cancels tasks by interrupting them).
     */
    @Test
    void aRequestInterruptedWhileWaitingLeavesTheEvaluatorUsable() throws Exception {
        int budget = dev.morse.linalg.NativeThreads.budget();
        dev.morse.linalg.NativeThreads.setBudget(2);
        try (Evaluator ev = Evaluator.open(problem(Regularizer.NONE, 1))) {
            double[] theta = ev.problem().model().initPyTorchDefault(1);
            double expected = ev.loss(theta);
            java.util.concurrent.CountDownLatch raised = new java.util.concurrent.CountDownLatch(1), release = new java.util.concurrent.CountDownLatch(1);
            Thread dense = new Thread(() -> {
                try (dev.morse.linalg.NativeThreads.Scope s = dev.morse.linalg.NativeThreads.dense(2)) {
                    raised.countDown();
                    release.await(10, java.util.concurrent.TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            dense.start();
            assertTrue(raised.await(10, java.util.concurrent.TimeUnit.SECONDS));
            java.util.concurrent.atomic.AtomicReference<Throwable> failure = new java.util.concurrent.atomic.AtomicReference<>();
            Thread request = new Thread(() -> {
                try {
                    ev.loss(theta);   // waits for the raised scope above
                } catch (Throwable e) {
                    failure.set(e);
                }
            });
            request.start();
            Thread.sleep(200);
            request.interrupt();
            request.join(10_000);
            release.countDown();
            dense.join(10_000);
            assertTrue(failure.get() instanceof IllegalStateException, "the interrupted request fails: " + failure.get());
            double[] again = new double[1];
            Thread later = new Thread(() -> again[0] = ev.loss(theta));
            later.start();
            later.join(10_000);
            assertFalse(later.isAlive(), "a later request is not blocked by the interrupted one's lock");
            assertEquals(expected, again[0], 0.0);
        } finally {
            dev.morse.linalg.NativeThreads.setBudget(budget);
        }
    }

    /** A user term that calls its own evaluator from inside a request. */
    private record CallsBack(Evaluator[] ev) implements Term {
        public String spec() {
            return "calls-back";
        }

        public double value(Context c) {
            return ev[0].dataLoss(Batch.range(0, 5), c.theta());
        }

        public void addGradient(Context c, double[] g) {}

        public void addHvp(Context c, double[] vs, double[] d, double[] o, int k) {}
    }

    /**
     * A term that calls its evaluator back is refused with a clear error: the reentrant lock let it
     * in, it re-planned the request under the caller and L_R came out wrong, silently.
     */
    @Test
    void aTermCallingItsOwnEvaluatorIsRefused() {
        Evaluator[] holder = new Evaluator[1];
        Problem prob = Problem.of(Mlp.of(Activation.TANH, 3, 4, 1), Problems.regression(50, 3, 1, 1), Loss.MSE, new CallsBack(holder));
        try (Evaluator ev = Evaluator.open(prob, Evaluator.Settings.defaults().withThreads(2))) {
            holder[0] = ev;
            double[] theta = prob.model().initPyTorchDefault(1);
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> ev.loss(theta));
            assertTrue(e.getMessage().contains("from inside one of its own requests"), e.getMessage());
            assertTrue(Double.isFinite(ev.dataLoss(theta)), "the evaluator is still usable");
        }
    }

    /**
     * Thread B's request waits for thread A's raised dense scope; A, inside that scope, calls the same
     * evaluator (engine work nested in a scope is allowed). B once took the evaluator's lock before
     * waiting, so A waited for B and B for A.
     */
    @Test
    void aRequestWaitingForAScopeDoesNotBlockTheScopesOwner() throws Exception {
        int budget = dev.morse.linalg.NativeThreads.budget();
        dev.morse.linalg.NativeThreads.setBudget(2);
        try (Evaluator ev = Evaluator.open(problem(Regularizer.NONE, 1))) {
            double[] theta = ev.problem().model().initPyTorchDefault(1);
            double expected = ev.loss(theta);
            java.util.concurrent.CountDownLatch raised = new java.util.concurrent.CountDownLatch(1), bWaiting = new java.util.concurrent.CountDownLatch(1);
            double[] inScope = new double[1], fromB = new double[1];
            Thread a = new Thread(() -> {
                try (dev.morse.linalg.NativeThreads.Scope s = dev.morse.linalg.NativeThreads.dense(2)) {
                    raised.countDown();
                    bWaiting.await(10, java.util.concurrent.TimeUnit.SECONDS);
                    Thread.sleep(200);   // B is now inside its request, waiting for this scope
                    inScope[0] = ev.loss(theta);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            Thread b = new Thread(() -> {
                try {
                    raised.await(10, java.util.concurrent.TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    return;
                }
                bWaiting.countDown();
                fromB[0] = ev.loss(theta);
            });
            a.setDaemon(true);
            b.setDaemon(true);
            a.start();
            b.start();
            a.join(15_000);
            b.join(15_000);
            assertFalse(a.isAlive() || b.isAlive(), "no deadlock between the scope's owner and the waiting request");
            assertEquals(expected, inScope[0], 0.0);
            assertEquals(expected, fromB[0], 0.0);
        } finally {
            dev.morse.linalg.NativeThreads.setBudget(budget);
        }
    }

    /** Two evaluators in two threads, both running products and dense LAPACK work, give the results each gives alone. */
    @Test
    void twoEvaluatorsInTwoThreadsDoNotDisturbEachOther() throws Exception {
        Problem a = Problem.of(Mlp.of(Activation.TANH, 4, 12, 3), Problems.classification(200, 4, 3, 1), Loss.CROSS_ENTROPY);
        Problem b = Problem.of(Mlp.of(Activation.GELU, 3, 10, 2), Problems.regression(150, 3, 2, 2), Loss.MSE, Regularizer.l2(1e-2));
        double[][] expected = new double[2][];
        Problem[] probs = {a, b};
        for (int i = 0; i < 2; i++) {
            try (Evaluator e = Evaluator.open(probs[i])) {
                expected[i] = spectrumOf(e);
            }
        }
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            List<Future<double[]>> f = new java.util.ArrayList<>();
            for (int i = 0; i < 2; i++) {
                final Problem prob = probs[i];
                f.add(pool.submit(() -> {
                    double[] last = null;
                    for (int rep = 0; rep < 5; rep++) {
                        try (Evaluator e = Evaluator.open(prob)) {
                            last = spectrumOf(e);
                        }
                    }
                    return last;
                }));
            }
            for (int i = 0; i < 2; i++) assertArrayEquals(expected[i], f.get(i).get(), 0.0, "evaluator " + i + " alone vs concurrent");
        } finally {
            pool.shutdownNow();
        }
        assertEquals(1, dev.morse.linalg.NativeThreads.current(), "OpenBLAS is back at one thread");
    }

    private static double[] spectrumOf(Evaluator e) {
        double[] theta = e.problem().model().initPyTorchDefault(3);
        double[] h = e.dense(Part.HESSIAN, theta);
        try (var scope = e.nativeScope()) {
            return dev.morse.linalg.Linalg.get().eighInPlace(h, e.dim(), false).values();
        }
    }
}
