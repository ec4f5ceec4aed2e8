package dev.morse.training;

/**
 * The objective, its gradient or the updated θ became non-finite during a step: the run cannot go
 * on (typically the learning rate is too large). Carries where it happened and the state after
 * the last completed epoch, so the caller can still report what was done.
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

    /** The state after the last completed epoch. */
    public TrainingState lastState() {
        return lastState;
    }
}
