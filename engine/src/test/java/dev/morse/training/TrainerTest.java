package dev.morse.training;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.morse.engine.Activation;
import dev.morse.engine.Batch;
import dev.morse.engine.Dataset;
import dev.morse.engine.Evaluator;
import dev.morse.engine.Loss;
import dev.morse.engine.Mlp;
import dev.morse.engine.Problem;
import dev.morse.engine.Regularizer;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The training loop: the same steps as a hand-written loop, held-out metrics, bit-identical
 * resumption (after an epoch, and after a run stopped mid-epoch at a step hook), thread-count
 * independence, config hashes, divergence.
 */
class TrainerTest {

    static final Mlp MLP = Mlp.of(Activation.TANH, 3, 8, 3);

    /** Three Gaussian blobs in R³ (learnable), N samples. */
    static Dataset blobs(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        double[] x = new double[n * 3];
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            y[i] = r.nextInt(3);
            for (int k = 0; k < 3; k++) x[i * 3 + k] = (k == y[i] ? 1.5 : 0) + r.nextGaussian();
        }
        return Dataset.classification(x, n, 3, y, 3);
    }

    /** A run's evaluators: 45 training samples (B = 8: the last batch keeps 5), 20 held out, curvature on 12. */
    static final class Setup implements AutoCloseable {
        final Evaluator train, heldOut, curv;
        final CurvatureMonitor monitor;

        Setup(int threads, Regularizer reg) {
            HoldOut split = HoldOut.split(blobs(65, 1), 20.0 / 65, 4);
            Problem p = Problem.of(MLP, split.train(), Loss.CROSS_ENTROPY, reg);
            Evaluator.Settings s = Trainer.settings(Evaluator.Settings.defaults().withThreads(threads));
            train = Evaluator.open(p, s);
            heldOut = Evaluator.open(p.withData(split.heldOut()).withTerms(), s.withCacheStates(false));
            curv = Evaluator.open(p.withData(split.train().subset(Shuffle.sample(45, 12, 3))), s);
            monitor = new CurvatureMonitor(curv, new CurvatureMonitor.Options(4, 3, 1e-8, 100));
        }

        Trainer trainer(TrainingConfig c) {
            return new Trainer(train, heldOut, c.curvatureEvery() > 0 ? monitor : null, c);
        }

        @Override
        public void close() {
            train.close();
            heldOut.close();
            curv.close();
        }
    }

    static TrainingConfig config(String optimizer, String schedule, int epochs, int curvatureEvery) {
        OptimizerConfig o = switch (optimizer) {
            case "sgd" -> OptimizerConfig.sgd(0.9, true, 1e-3);
            case "adamw" -> OptimizerConfig.adamw(0.9, 0.999, 1e-8, 0.01);
            default -> throw new AssertionError(optimizer);
        };
        return new TrainingConfig(epochs, 8, 42, optimizer.equals("sgd") ? 0.05 : 0.01, LearningRateSchedule.parse(schedule), o, 1, curvatureEvery);
    }

    /** Records the checkpoints and epoch records a run hands out; optionally stops after a given step. */
    static final class Recorder implements Trainer.Listener {
        final List<TrainingState> checkpoints = new ArrayList<>();
        final List<EpochRecord> records = new ArrayList<>();
        final List<Trainer.Step> steps = new ArrayList<>();
        final long stopAfter;

        Recorder(long stopAfter) {
            this.stopAfter = stopAfter;
        }

        @Override
        public boolean afterStep(Trainer.Step s) {
            steps.add(s);
            return s.step() != stopAfter;
        }

        @Override
        public void epochDone(EpochRecord r, TrainingState s) {
            records.add(r);
        }

        @Override
        public void checkpoint(TrainingState s) {
            checkpoints.add(s);
        }
    }

    @Test
    void stepsAreTheHandWrittenLoop() {
        try (Setup s = new Setup(2, Regularizer.l2(1e-3))) {
            TrainingConfig c = config("sgd", "cosine:0.5:0.001", 3, 0);
            Trainer t = s.trainer(c);
            Recorder rec = new Recorder(-1);
            Trainer.Result res = t.run(t.start(MLP.initPyTorchDefault(7), null), rec);
            assertTrue(res.completed());
            // By hand: epoch order from the seed, batches of 8 (the last keeps 45 − 40 = 5), the cosine rate per step.
            double[] theta = MLP.initPyTorchDefault(7), g = new double[theta.length];
            Optimizer opt = c.optimizer().create(theta.length);
            int[] order = new int[45];
            long step = 0;
            double[] lossSum = new double[4];
            for (int e = 1; e <= 3; e++) {
                Shuffle.epochOrder(order, 42, e);
                for (int from = 0; from < 45; from += 8) {
                    int[] idx = java.util.Arrays.copyOfRange(order, from, Math.min(45, from + 8));
                    double lr = c.schedule().rate(c.learningRate(), e - 1, step, 6, 3);
                    assertEquals(lr, rec.steps.get((int) step).learningRate(), 0.0);
                    assertEquals(idx.length, rec.steps.get((int) step).batchSize());
                    double obj = s.train.lossAndGradient(Batch.of(idx), theta, g);
                    lossSum[e] += s.train.dataLoss(Batch.of(idx), theta) * idx.length;
                    assertEquals(obj, rec.steps.get((int) step).objective(), 0.0);
                    opt.step(theta, g, lr);
                    step++;
                }
                assertEquals(lossSum[e] / 45, rec.records.get(e - 1).trainLoss(), 1e-15, "train_loss: sample-weighted mean of L_B");
            }
            assertEquals(18, step);
            assertArrayEquals(theta, res.theta(), 0.0, "the trainer takes exactly these steps");
            assertEquals(3, res.state().epochs().size());
            assertEquals(18, res.state().step());
        }
    }

    @Test
    void heldOutMetricsAreTheHeldOutLossAndAccuracy() {
        try (Setup s = new Setup(2, Regularizer.l2(1e-2))) {
            Trainer t = s.trainer(config("adamw", "constant", 2, 0));
            Trainer.Result res = t.run(t.start(MLP.initPyTorchDefault(1), null), null);
            EpochRecord last = res.state().epochs().get(1);
            double[] theta = res.theta();
            assertEquals(s.heldOut.dataLoss(theta), last.heldOut().loss(), 0.0, "held-out loss: the data loss, no regularizer");
            double[] out = s.heldOut.outputs(theta);
            int[] y = s.heldOut.problem().data().labels();
            int correct = 0;
            for (int i = 0; i < y.length; i++) {
                int best = 0;
                for (int j = 1; j < 3; j++) if (out[i * 3 + j] > out[i * 3 + best]) best = j;
                if (best == y[i]) correct++;
            }
            assertEquals(20, last.heldOut().samples());
            assertEquals(correct, last.heldOut().correct());
            assertEquals(correct / 20.0, last.heldOut().accuracy(), 0.0);
            assertNotNull(res.state().initial().heldOut(), "the start is measured too");
            assertNull(last.curvature());
        }
    }

    /** N epochs straight vs N/2, then a new trainer resumed from the checkpoint: θ, optimizer state and log bit for bit. */
    @Test
    void resumedRunIsBitIdentical() {
        for (String opt : new String[] {"sgd", "adamw"}) {
            try (Setup s = new Setup(2, Regularizer.l2(1e-3))) {
                TrainingConfig c = config(opt, "step:2:0.5", 4, 2);
                Trainer straight = s.trainer(c);
                Recorder all = new Recorder(-1);
                Trainer.Result a = straight.run(straight.start(MLP.initPyTorchDefault(5), null), all);
                // First half: a run of 2 epochs (a step schedule does not depend on the length: same config hash).
                Trainer half = s.trainer(c.withEpochs(2));
                assertEquals(straight.configHash(), half.configHash());
                Recorder first = new Recorder(-1);
                half.run(half.start(MLP.initPyTorchDefault(5), null), first);
                TrainingState saved = first.checkpoints.get(first.checkpoints.size() - 1);
                assertEquals(2, saved.epoch());
                try (Setup fresh = new Setup(1, Regularizer.l2(1e-3))) {   // another JVM-like start: new evaluators, 1 thread
                    Trainer second = fresh.trainer(c);
                    Trainer.Result b = second.run(saved, null);
                    assertArrayEquals(a.theta(), b.theta(), 0.0, opt + ": θ");
                    assertEquals(a.state().optimizer(), b.state().optimizer(), opt + ": optimizer state");
                    assertEquals(4, b.state().epochs().size());
                    for (int e = 0; e < 4; e++) assertSameNumbers(a.state().epochs().get(e), b.state().epochs().get(e));
                    assertSameNumbers(a.state().initial(), b.state().initial());
                }
            }
        }
    }

    /** A run stopped at a step hook in the middle of epoch 3, resumed from its last checkpoint (epoch 2), ends where the straight run ends. */
    @Test
    void runStoppedMidEpochResumesFromItsCheckpoint() {
        try (Setup s = new Setup(2, Regularizer.NONE)) {
            TrainingConfig c = config("sgd", "cosine:1", 4, 0);
            Trainer t = s.trainer(c);
            TrainingState start = t.start(MLP.initPyTorchDefault(9), null);
            Trainer.Result straight = t.run(start, null);
            Recorder killed = new Recorder(2 * 6 + 3);   // the 4th step of epoch 3
            Trainer.Result stopped = t.run(start, killed);
            assertFalse(stopped.completed());
            assertEquals(15, killed.steps.size());
            assertEquals(2, stopped.state().epoch(), "the state handed back is the last completed epoch");
            assertFalse(java.util.Arrays.equals(stopped.theta(), stopped.state().theta()), "θ moved on after the checkpoint");
            TrainingState checkpoint = killed.checkpoints.get(killed.checkpoints.size() - 1);
            assertEquals(2, checkpoint.epoch());
            Trainer.Result resumed = t.run(checkpoint, null);
            assertTrue(resumed.completed());
            assertArrayEquals(straight.theta(), resumed.theta(), 0.0);
            for (int e = 0; e < 4; e++) assertSameNumbers(straight.state().epochs().get(e), resumed.state().epochs().get(e));
        }
    }

    @Test
    void threadCountChangesNothing() {
        double[][] theta = new double[2][];
        EpochRecord[] last = new EpochRecord[2];
        for (int i = 0; i < 2; i++) {
            try (Setup s = new Setup(i + 1, Regularizer.l2(1e-3))) {
                Trainer t = s.trainer(config("adamw", "cosine", 2, 1));
                Trainer.Result r = t.run(t.start(MLP.initPyTorchDefault(2), null), null);
                theta[i] = r.theta();
                last[i] = r.state().epochs().get(1);
            }
        }
        assertArrayEquals(theta[0], theta[1], 0.0);
        assertSameNumbers(last[0], last[1]);
        assertNotNull(last[0].curvature());
    }

    @Test
    void statesOfAnotherRunAreRefused() {
        try (Setup s = new Setup(2, Regularizer.NONE)) {
            Trainer a = s.trainer(config("sgd", "constant", 2, 0));
            Trainer b = s.trainer(config("sgd", "step:1", 2, 0));
            Trainer longer = s.trainer(config("sgd", "cosine", 3, 0));
            assertNotEquals(a.configHash(), b.configHash());
            assertNotEquals(longer.configHash(), s.trainer(config("sgd", "cosine", 4, 0)).configHash(), "cosine depends on the length");
            TrainingState st = a.start(MLP.initPyTorchDefault(1), null);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> b.run(st, null));
            assertTrue(e.getMessage().contains("belongs to another run"), e.getMessage());
        }
    }

    @Test
    void divergenceStopsWithTheLastGoodState() {
        try (Setup s = new Setup(2, Regularizer.NONE)) {
            TrainingConfig c = new TrainingConfig(3, 8, 1, 1e308, LearningRateSchedule.constant(), OptimizerConfig.sgd(0, false, 0), 0, 0);
            Trainer t = s.trainer(c);
            TrainingDivergedException e = assertThrows(TrainingDivergedException.class, () -> t.run(t.start(MLP.initPyTorchDefault(1), null), null));
            assertTrue(e.getMessage().contains("lower --lr"), e.getMessage());
            assertEquals(1, e.epoch());
            assertEquals(0, e.lastState().epoch());
        }
    }

    /**
     * An epoch whose training loss rises above 10⁶·max(1, L₀) ends the run as diverged, L₀ being
     * the data loss over the training set at the start (the initial record's train loss): SGD at
     * lr 1e6 ran on with losses of 1e150 while they stayed finite. The state carries the diverged
     * epoch's record; a run resumed from a state whose L₀ is unknown (NaN: an older checkpoint)
     * applies no loss rule.
     */
    @Test
    void anEpochLossAboveAMillionTimesTheStartDiverges() {
        try (Setup s = new Setup(2, Regularizer.NONE)) {
            TrainingConfig c = new TrainingConfig(3, 8, 1, 1e6, LearningRateSchedule.constant(), OptimizerConfig.sgd(0, false, 0), 0, 0);
            Trainer t = s.trainer(c);
            TrainingState start = t.start(MLP.initPyTorchDefault(1), null);
            assertEquals(s.train.dataLoss(MLP.initPyTorchDefault(1)), start.initial().trainLoss(), 0.0, "L₀, the training loss at θ₀");
            TrainingDivergedException e = assertThrows(TrainingDivergedException.class, () -> t.run(start, null));
            assertTrue(e.getMessage().startsWith("training diverged in epoch " + e.epoch() + ": its training loss ")
                    && e.getMessage().contains("above 10⁶·max(1, L₀)") && e.getMessage().endsWith("lower --lr"), e.getMessage());
            assertEquals(e.epoch(), e.lastState().epoch(), "the diverged epoch's record is kept");
            double loss = e.lastState().epochs().get(e.epoch() - 1).trainLoss();
            assertTrue(Double.isFinite(loss) && loss > 1e6 * Math.max(1, start.initial().trainLoss()), "finite and blown up: " + loss);
            // a sound run does not trip it
            Trainer ok = s.trainer(config("sgd", "constant", 3, 0));
            assertTrue(ok.run(ok.start(MLP.initPyTorchDefault(1), null), null).completed());
        }
    }

    /** Every number of two epoch records (timings aside) bit for bit. */
    static void assertSameNumbers(EpochRecord a, EpochRecord b) {
        String w = "epoch " + a.epoch();
        assertEquals(a.epoch(), b.epoch(), w);
        assertEquals(a.step(), b.step(), w);
        assertEquals(Double.doubleToLongBits(a.learningRate()), Double.doubleToLongBits(b.learningRate()), w);
        assertEquals(Double.doubleToLongBits(a.trainLoss()), Double.doubleToLongBits(b.trainLoss()), w);
        assertEquals(Double.doubleToLongBits(a.trainObjective()), Double.doubleToLongBits(b.trainObjective()), w);
        assertEquals(a.heldOut(), b.heldOut(), w);
        if (a.curvature() == null || b.curvature() == null) {
            assertEquals(a.curvature() == null, b.curvature() == null, w);
            return;
        }
        CurvatureMonitor.Snapshot x = a.curvature(), y = b.curvature();
        assertEquals(x.topEigenvalue(), y.topEigenvalue(), 0.0, w);
        assertEquals(x.hessianTrace(), y.hessianTrace(), w);
        assertEquals(x.ggnTrace(), y.ggnTrace(), w);
        assertEquals(x.nmeFrobeniusSquared(), y.nmeFrobeniusSquared(), w);
        assertEquals(x.nmeToHessianFrobenius(), y.nmeToHessianFrobenius(), 0.0, w);
        assertArrayEquals(x.secondDerivativeFractions(), y.secondDerivativeFractions(), 0.0, w);
    }
}
