package dev.morse.training;

import dev.morse.engine.Batch;
import dev.morse.engine.Evaluator;
import dev.morse.engine.Problem;
import dev.morse.simd.Ranges;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * The minibatch loop (SPEC §11). Each epoch e draws the order of the N training samples
 * ({@link Shuffle#epochOrder}), cuts it into ⌈N/B⌉ minibatches (the last one keeps the rest), and
 * for each batch asks the training {@link Evaluator} for the objective and its gradient,
 * <pre>
 *   f_B(θ) = L_B(θ) + Σ_terms T(θ)      (regularizer R, and the penalties of {@link dev.morse.engine.Penalty})
 * </pre>
 * with one {@code lossAndGradient(batch, θ, grad)}, then lets the {@link Optimizer} update θ with
 * the learning rate of the step ({@link LearningRateSchedule}). Penalties need nothing more than
 * being terms of the training {@link Problem} and the per-step seed of {@link #batchFor}. After
 * each epoch: loss and accuracy on the held-out set (a second evaluator, on the held-out data
 * without terms), curvature every K epochs (a {@link CurvatureMonitor}), and a
 * {@link TrainingState} for checkpoints.
 *
 * <p><b>Bit-identical resumption.</b> Everything a step computes is a function of θ, the
 * optimizer state, and the counters (epoch, step): orders and probes come from {@link Seeds},
 * learning rates from the schedule, and the engine's results do not depend on threads or caches.
 * A run resumed from the state after epoch k therefore repeats exactly the steps of an
 * uninterrupted run, and its log is the same (timings aside).
 *
 * <p><b>Cost.</b> One evaluator request per step, reusing the evaluator's buffers: apart from
 * the minibatch's {@link Batch} (B indices) a step allocates nothing. Open the training evaluator
 * with {@link #settings} (a smallest chunk of {@value #MIN_CHUNK_ROWS} rows), once per run.
 */
public final class Trainer {

    /** Smallest chunk of a minibatch (see the package comment: 2 chunks of 64 for B = 128). */
    public static final int MIN_CHUNK_ROWS = 64;

    /**
     * The divergence rule's factor: a run has diverged when an epoch's training loss (the mean of its
     * minibatch data losses) exceeds this many times max(1, L₀), L₀ the data loss over the training
     * set at the start, as fit's gradient descent stops at 10⁶·max(1, |L₀|). Only a non-finite
     * objective or θ stopped a run before: --lr 1e6 ended with a training loss of 1.5e150, exit 0.
     */
    public static final double DIVERGENCE_FACTOR = 1e6;

    /** What the listener hears after each step. */
    public record Step(int epoch, int batch, int batches, long step, double learningRate, double objective, double dataLoss, int batchSize) {}

    /** Hooks of a run, all on the trainer's thread. */
    public interface Listener {
        /**
         * An epoch starts: {@code startNanos} is the {@link System#nanoTime} from which its record's
         * {@link EpochRecord#seconds} counts, so that a display timing the epoch from here measures
         * the same span from the same start (it started after batch 0's step, and so showed less
         * time for the whole epoch than for its steps).
         */
        default void epochStarted(int epoch, long startNanos) {}

        /** After each optimizer step; return false to stop the run there (mid-epoch: nothing is checkpointed). */
        default boolean afterStep(Step s) {
            return true;
        }

        /** A phase that reports no steps starts (held-out evaluation, curvature), for progress displays. */
        default void phase(String name, int epoch) {}

        /** After each epoch's record (and the evaluations) is complete. */
        default void epochDone(EpochRecord record, TrainingState state) {}

        /** Every {@code checkpointEvery} epochs and after the last one: persist the state. */
        default void checkpoint(TrainingState state) {}
    }

    /**
     * How a run ended.
     *
     * @param completed  all epochs ran (false: a listener stopped it)
     * @param state      the state after the last completed epoch
     * @param theta      θ where the run stopped (after the last step taken)
     */
    public record Result(boolean completed, TrainingState state, double[] theta) {}

    private final Evaluator train;
    /** The training request as the optimizer's {@link Ranges}: the update runs inside the gradient's last pass. */
    private final FusedGradient fused = new FusedGradient();
    private final Evaluator heldOut;
    private final CurvatureMonitor monitor;
    private final TrainingConfig config;
    private final String hash;

    /**
     * @param train    evaluator of the training objective (model, training data, loss, terms)
     * @param heldOut  evaluator of the held-out data loss (same model and loss, no terms), or null
     * @param monitor  curvature monitor, or null (then {@code curvatureEvery} must be 0)
     */
    public Trainer(Evaluator train, Evaluator heldOut, CurvatureMonitor monitor, TrainingConfig config) {
        if (train == null || config == null) throw new IllegalArgumentException("training evaluator and config are required");
        if (config.curvatureEvery() > 0 && monitor == null) throw new IllegalArgumentException("curvature every " + config.curvatureEvery() + " epochs needs a curvature monitor");
        if (heldOut != null && !heldOut.problem().model().equals(train.problem().model())) {
            throw new IllegalArgumentException("held-out model " + heldOut.problem().model().describe() + " differs from the training model " + train.problem().model().describe());
        }
        this.train = train;
        this.heldOut = heldOut;
        this.monitor = monitor;
        this.config = config;
        this.hash = computeHash();
    }

    /** Engine settings for a training evaluator: {@code base} with the smallest chunk raised to {@value #MIN_CHUNK_ROWS} rows. */
    public static Evaluator.Settings settings(Evaluator.Settings base) {
        return base.withMinChunkRows(MIN_CHUNK_ROWS);
    }

    public TrainingConfig config() {
        return config;
    }

    /** Minibatches per epoch, ⌈N/B⌉. */
    public int batchesPerEpoch() {
        int n = train.problem().size();
        return (n + config.batchSize() - 1) / config.batchSize();
    }

    /**
     * SHA-256 (hex) of what decides the run's numbers: the training problem (model, data, loss,
     * terms), the chunk plans (they change the last bits), the held-out problem, the curvature
     * problem and options, and the trajectory settings of the config (not the thread counts,
     * which change nothing, nor the checkpoint interval).
     */
    public String configHash() {
        return hash;
    }

    private String computeHash() {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required by every Java platform", e);
        }
        StringBuilder s = new StringBuilder("morse-train-v1\n");
        s.append("train=").append(train.problem().contentHash()).append(plan(train)).append('\n');
        s.append("held_out=").append(heldOut == null ? "none" : heldOut.problem().contentHash() + plan(heldOut)).append('\n');
        s.append("curvature=").append(monitor == null ? "none" : monitor.evaluator().problem().contentHash() + plan(monitor.evaluator())
                + ";" + monitor.options().describe()).append('\n');
        s.append(config.trajectoryText()).append('\n');
        return HexFormat.of().formatHex(md.digest(s.toString().getBytes(StandardCharsets.UTF_8)));
    }

    private static String plan(Evaluator e) {
        return ";chunk_rows=" + e.chunkRows() + ";min_chunk_rows=" + e.minChunkRows();
    }

    /** The state at the start (epoch 0): θ₀, a fresh optimizer, and the measurements at θ₀ (held-out metrics; curvature when monitored). */
    public TrainingState start(double[] theta0, Listener listener) {
        if (theta0 == null || theta0.length != train.dim()) {
            throw new IllegalArgumentException("θ₀ has length " + (theta0 == null ? "null" : theta0.length) + ", expected P = " + train.dim());
        }
        Listener l = listener == null ? new Listener() {} : listener;
        double[] theta = theta0.clone();
        long t0 = System.nanoTime();
        if (heldOut != null) l.phase("held-out evaluation", 0);
        EpochRecord.HeldOutMetrics metrics = evaluateHeldOut(theta);
        double evalSeconds = (System.nanoTime() - t0) * 1e-9;
        CurvatureMonitor.Snapshot curvature = null;
        if (config.curvatureEvery() > 0) {
            l.phase("curvature", 0);
            curvature = monitor.measure(theta);
        }
        // L₀, the data loss over the training set at θ₀ (one forward pass): the start's training loss,
        // the reference of the divergence rule (DIVERGENCE_FACTOR), kept in checkpoints with the record.
        l.phase("training loss", 0);
        double loss0 = train.dataLoss(theta);
        EpochRecord initial = new EpochRecord(0, 0, Double.NaN, loss0, Double.NaN, metrics, curvature, 0, evalSeconds);
        return new TrainingState(hash, 0, 0, theta, config.optimizer().create(train.dim()).state(), initial, List.of());
    }

    /**
     * Runs from {@code state} (from {@link #start} or a checkpoint of this run) to the last epoch.
     *
     * @throws java.util.concurrent.CancellationException when the calling thread is interrupted,
     *         before the next minibatch step (the flag left set); resume from the last checkpoint
     */
    public Result run(TrainingState state, Listener listener) {
        if (!state.configHash().equals(hash)) {
            throw new IllegalArgumentException("the training state belongs to another run (config hash " + state.configHash()
                    + "); this run's settings hash to " + hash);
        }
        Listener l = listener == null ? new Listener() {} : listener;
        int p = train.dim();
        double[] theta = state.theta();
        double[] grad = new double[p];
        Optimizer opt = config.optimizer().create(p);
        opt.restore(state.optimizer());
        List<EpochRecord> log = new ArrayList<>(state.epochs());
        TrainingState current = state;
        int n = train.problem().size();
        int b = config.batchSize();
        int batches = batchesPerEpoch();
        int[] order = new int[n];
        int[] full = new int[Math.min(b, n)];
        int[] rest = n % b == 0 || n < b ? full : new int[n % b];
        boolean terms = train.problem().hasTerms();
        boolean replaced = train.problem().replacesDataLoss();
        long step = state.step();
        for (int epoch = state.epoch() + 1; epoch <= config.epochs(); epoch++) {
            Shuffle.epochOrder(order, config.seed(), epoch);
            long t0 = System.nanoTime();
            l.epochStarted(epoch, t0);
            double lossSum = 0, objSum = 0, lr = Double.NaN;
            for (int k = 0; k < batches; k++) {
                dev.morse.linalg.Cancellation.check("training");   // between steps: θ and the optimizer are whole (a literal: steps allocate nothing)
                int from = k * b;
                int m = Math.min(b, n - from);
                int[] idx = m == full.length ? full : rest;
                System.arraycopy(order, from, idx, 0, m);
                Batch batch = batchFor(idx, Seeds.derive(config.seed(), Seeds.STEP_PROBES, step));
                lr = config.schedule().rate(config.learningRate(), epoch - 1, step, batches, config.epochs());
                double objective, dataLoss;
                boolean finite;
                if (!terms) {
                    // The update fused into the gradient's last pass (the same bits as the two calls): the
                    // gradient and the new θ are read from cache, not memory. θ is then updated even when
                    // the objective is not finite; the run stops below either way.
                    fused.batch = batch;
                    fused.theta = theta;
                    fused.grad = grad;
                    finite = opt.step(theta, grad, lr, fused);
                    objective = fused.objective;
                    dataLoss = objective;
                } else {
                    objective = train.lossAndGradient(batch, theta, grad);
                    // With sam or weight_noise the objective holds L at other points (Term.replacesDataLoss); weight noise
                    // never needs L(θ) for its update, so the logged L_B(θ) costs one forward pass here.
                    dataLoss = replaced ? train.dataLoss(batch, theta) : train.dataLossOfLastRequest();
                    finite = !Double.isFinite(objective) || opt.step(theta, grad, lr, train.ranges());   // on the evaluator's workers: the same bits
                }
                if (!Double.isFinite(objective)) {
                    throw new TrainingDivergedException("training diverged in epoch " + epoch + " at step " + step + ": the minibatch objective is "
                            + objective + " (learning rate " + lr + "); lower --lr", epoch, step, current);
                }
                if (!finite) {
                    throw new TrainingDivergedException("training diverged in epoch " + epoch + " at step " + step + ": θ became non-finite after the update"
                            + " (objective " + objective + ", learning rate " + lr + "); lower --lr", epoch, step, current);
                }
                step++;
                lossSum += dataLoss * m;
                objSum += objective * m;
                if (!l.afterStep(new Step(epoch, k, batches, step, lr, objective, dataLoss, m))) {
                    return new Result(false, current, theta.clone());
                }
            }
            double seconds = (System.nanoTime() - t0) * 1e-9;
            long t1 = System.nanoTime();
            if (heldOut != null) l.phase("held-out evaluation", epoch);
            EpochRecord.HeldOutMetrics metrics = evaluateHeldOut(theta);
            double evalSeconds = (System.nanoTime() - t1) * 1e-9;
            double loss0 = state.initial().trainLoss();   // NaN in a checkpoint written before L₀ was kept: no rule then
            double limit = DIVERGENCE_FACTOR * Math.max(1, Math.abs(loss0));
            if (lossSum / n > limit) {
                // The epoch's record goes into the state (its loss says why), without a curvature measurement at the blown-up θ.
                log.add(new EpochRecord(epoch, step, lr, lossSum / n, objSum / n, metrics, null, seconds, evalSeconds));
                throw new TrainingDivergedException(String.format(java.util.Locale.ROOT, "training diverged in epoch %d: its training loss %.3g "
                        + "is above 10⁶·max(1, L₀) = %.3g, L₀ = %.4g being the training loss at the start (learning rate %.3g); lower --lr",
                        epoch, lossSum / n, limit, loss0, lr),
                        epoch, step - 1, new TrainingState(hash, epoch, step, theta, opt.state(), state.initial(), log));
            }
            CurvatureMonitor.Snapshot curvature = null;
            if (config.curvatureEvery() > 0 && epoch % config.curvatureEvery() == 0) {
                l.phase("curvature", epoch);
                curvature = monitor.measure(theta);
            }
            EpochRecord rec = new EpochRecord(epoch, step, lr, lossSum / n, objSum / n, metrics, curvature, seconds, evalSeconds);
            log.add(rec);
            current = new TrainingState(hash, epoch, step, theta, opt.state(), state.initial(), log);
            l.epochDone(rec, current);
            if (config.checkpointEvery() > 0 && (epoch % config.checkpointEvery() == 0 || epoch == config.epochs())) l.checkpoint(current);
        }
        return new Result(true, current, theta);
    }

    /**
     * The minibatch of one step, carrying the step's seed {@code stepSeed} =
     * {@link Seeds#derive}(seed, STEP_PROBES, step), from which the penalties (SPEC §11) draw their
     * probes and noise ({@link Batch#withSeed}): a function of the step counter only, so resumed
     * runs draw the same ones.
     */
    static Batch batchFor(int[] indices, long stepSeed) {
        return Batch.of(indices).withSeed(stepSeed);
    }

    private EpochRecord.HeldOutMetrics evaluateHeldOut(double[] theta) {
        if (heldOut == null) return null;
        if (heldOut.problem().data().isClassification()) {
            Evaluator.Classification c = heldOut.classification(Batch.all(), theta);
            return new EpochRecord.HeldOutMetrics(c.loss(), c.accuracy(), c.correct(), c.count());
        }
        return new EpochRecord.HeldOutMetrics(heldOut.dataLoss(theta), Double.NaN, -1, heldOut.problem().size());
    }

    /**
     * A step's {@link Ranges} that first computes the minibatch's objective and gradient and runs
     * the optimizer's update inside it ({@link Evaluator#lossAndGradient(Batch, double[], double[], Ranges.Task)}):
     * {@link Optimizer#step(double[], double[], double, Ranges)} through it is the fused step, with
     * the step's own bookkeeping (a failed request aborts the step). Reused: a step allocates nothing here.
     */
    private final class FusedGradient implements Ranges {
        Batch batch;
        double[] theta, grad;
        double objective;

        @Override
        public void run(int n, Ranges.Task update) {
            objective = train.lossAndGradient(batch, theta, grad, update);
        }
    }
}
