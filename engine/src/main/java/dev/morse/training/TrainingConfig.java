package dev.morse.training;

/**
 * How a run trains: epochs, minibatch size, seed, base learning rate and its schedule, the
 * optimizer, and how often to checkpoint and to measure curvature (0: never).
 *
 * @param epochs           passes over the training set (≥ 1)
 * @param batchSize        samples per minibatch B (≥ 1); the last batch of an epoch keeps the N mod B rest
 * @param seed             the run seed: sample orders, per-step probe seeds (see {@link Seeds})
 * @param learningRate     base learning rate lr₀ &gt; 0
 * @param schedule         the rate of each step from lr₀
 * @param optimizer        the optimizer
 * @param checkpointEvery  hand a checkpoint to the listener every K epochs, and after the last (0: never)
 * @param curvatureEvery   measure curvature at the start and every K epochs (0: never; needs a monitor)
 */
public record TrainingConfig(int epochs, int batchSize, long seed, double learningRate, LearningRateSchedule schedule,
                             OptimizerConfig optimizer, int checkpointEvery, int curvatureEvery) {

    public TrainingConfig {
        if (epochs < 1) throw new IllegalArgumentException("epochs must be ≥ 1, got " + epochs);
        if (batchSize < 1) throw new IllegalArgumentException("batch size must be ≥ 1, got " + batchSize);
        if (!(learningRate > 0) || Double.isInfinite(learningRate)) throw new IllegalArgumentException("learning rate must be positive and finite, got " + learningRate);
        if (schedule == null || optimizer == null) throw new IllegalArgumentException("schedule and optimizer are required");
        if (checkpointEvery < 0) throw new IllegalArgumentException("checkpoint interval must be ≥ 0 epochs, got " + checkpointEvery);
        if (curvatureEvery < 0) throw new IllegalArgumentException("curvature interval must be ≥ 0 epochs, got " + curvatureEvery);
    }

    /** The same run with another number of epochs (extending a run; refused for length-dependent schedules by the trainer's config hash). */
    public TrainingConfig withEpochs(int e) {
        return new TrainingConfig(e, batchSize, seed, learningRate, schedule, optimizer, checkpointEvery, curvatureEvery);
    }

    /**
     * The settings that decide the trajectory, as canonical text (part of the config hash):
     * everything except the checkpoint interval, and the number of epochs only when the schedule
     * depends on it (a constant or step schedule may be resumed with more epochs).
     */
    String trajectoryText() {
        return "batch_size=" + batchSize + ";seed=" + seed + ";lr=" + learningRate + ";schedule=" + schedule.spec()
                + ";optimizer=" + optimizer.describe() + ";curvature_every=" + curvatureEvery
                + (schedule.dependsOnLength() ? ";epochs=" + epochs : "");
    }
}
