package dev.morse.training;

import dev.morse.simd.Ranges;

/**
 * An optimizer's update of θ run range by range ({@link Ranges}: on an evaluator's workers, or
 * serially), reused from step to step so that a step allocates nothing. A subclass updates the
 * entries [from, to) from the gradient, reading and writing only those entries of θ and of its
 * own state, so that any cut gives the serial step's bits; this class then checks the range's new
 * entries for finiteness. A task that throws leaves the entries already updated (θ and the
 * optimizer's state) as they are; the step count is not advanced.
 */
abstract class RangeStep implements Ranges.Task {
    private double[] theta;
    private double[] grad;
    private volatile boolean nonFinite;

    /**
     * Throws when a step is in progress: called by {@link Optimizer#startStep} before it sets the
     * step's coefficients, which a second start would otherwise change under the running step.
     */
    final void checkIdle() {
        // Optimizers are not thread-safe; two steps at once would update each other's θ.
        if (this.theta != null) throw new IllegalStateException("an optimizer step is already in progress (optimizers are not thread-safe)");
    }

    /** Starts a step whose ranges the caller runs ({@link Optimizer#startStep}); {@link #release} ends it. */
    final RangeStep bind(double[] theta, double[] grad) {
        checkIdle();
        this.theta = theta;
        this.grad = grad;
        this.nonFinite = false;
        return this;
    }

    /** Ends the step: no reference to the caller's arrays survives it. Returns whether every new entry was finite. */
    final boolean release() {
        if (this.theta == null) throw new IllegalStateException("no optimizer step in progress (startStep first)");
        this.theta = null;
        this.grad = null;
        return !nonFinite;
    }

    @Override
    public final void run(int from, int to) {
        update(theta, grad, from, to);
        if (!Optimizer.allFinite(theta, from, to)) nonFinite = true;
    }

    /** The update of θ[from, to) from grad[from, to). */
    abstract void update(double[] theta, double[] grad, int from, int to);
}
