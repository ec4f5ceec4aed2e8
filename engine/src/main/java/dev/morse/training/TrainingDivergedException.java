package dev.morse.training;

/**
 * The objective, its gradient or the updated θ became non-finite during a step, or an epoch's
 * training loss rose above {@link Trainer#DIVERGENCE_FACTOR}·max(1, L₀): the run cannot go on
 * (typically the learning rate is too large). Carries where it happened and the state to report:
 * after the last completed epoch for a non-finite step, and with the diverged epoch's record (its
 * loss) for the loss rule, so the caller can still report what was done.
 */
public final class TrainingDivergedException extends RuntimeException {

    private final int epoch;
    private final long step;
    private final transient TrainingState lastState;

    TrainingDivergedException(String message, int epoch, long step, TrainingState lastState) {
        super(message);
        this.epoch = epoch;
        this.step = step;
        this.lastState = lastState;
    }

    /** The epoch (1-based) in which it happened. */
    public int epoch() {
        return epoch;
    }

    /** The global step (0-based) that failed. */
    public long step() {
        return step;
    }

    /** The state to report: after the last completed epoch, the diverged one included for the loss rule. */
    public TrainingState lastState() {
        return lastState;
    }
}
