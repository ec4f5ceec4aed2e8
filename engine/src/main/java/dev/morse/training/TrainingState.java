package dev.morse.training;

import java.util.List;

/**
 * Everything a run needs to continue bit-identically after epoch {@code epoch}: θ, the optimizer
 * state, the step counter, and the log so far. Sample orders and probes are recomputed from the
 * seed and the counters ({@link Seeds}), so no generator position is kept. {@code configHash}
 * identifies the run's settings ({@link Trainer#configHash()}): a trainer refuses a state of
 * another run.
 *
 * @param configHash  the run's config hash
 * @param epoch       epochs completed
 * @param step        optimizer steps taken
 * @param theta       θ after them (a copy)
 * @param optimizer   the optimizer state
 * @param initial     the measurement at the starting point (epoch 0)
 * @param epochs      one record per completed epoch
 */
public record TrainingState(String configHash, int epoch, long step, double[] theta, OptimizerState optimizer,
                            EpochRecord initial, List<EpochRecord> epochs) {

    public TrainingState {
        if (configHash == null || theta == null || optimizer == null || initial == null || epochs == null) {
            throw new IllegalArgumentException("training state: every part is required");
        }
        if (epoch < 0 || step < 0) throw new IllegalArgumentException("training state: epoch and step must be ≥ 0, got " + epoch + ", " + step);
        if (epochs.size() != epoch) throw new IllegalArgumentException("training state: " + epochs.size() + " epoch records for " + epoch + " completed epochs");
        if (optimizer.steps() != step) throw new IllegalArgumentException("training state: optimizer took " + optimizer.steps() + " steps, the run " + step);
        theta = theta.clone();
        epochs = List.copyOf(epochs);
    }

    /** A copy of θ. */
    @Override
    public double[] theta() {
        return theta.clone();
    }
}
