package dev.morse.training;

import dev.morse.simd.Ranges;
import dev.morse.simd.KernelProvider;
import dev.morse.simd.Kernels;

/**
 * A first-order optimizer: θ ← update(θ, g, lr), with its state (momentum, moments, step count).
 * Implementations follow torch.optim's single-tensor code path operation for operation (see
 * {@link Sgd}, {@link Adam}), so that a trajectory matches PyTorch's to rounding. Steady-state
 * steps allocate nothing. Not thread-safe.
 */
public sealed interface Optimizer permits Sgd, Adam {

    /**
     * One update of θ (in place) from the gradient g of the objective at θ (not modified), with
     * learning rate lr. Returns false when some entry of the new θ is not finite (the run has
     * diverged; θ is then unusable).
     */
    default boolean step(double[] theta, double[] grad, double lr) {
        return step(theta, grad, lr, Ranges.SERIAL);
    }

    /**
     * As {@link #step(double[], double[], double)}, the entries updated range by range through
     * {@code ranges} (on an evaluator's workers: {@link dev.morse.engine.Evaluator#ranges()}).
     * Every entry's update reads only that entry, so the bits are the serial step's.
     */
    default boolean step(double[] theta, double[] grad, double lr, Ranges ranges) {
        Ranges.Task update = startStep(theta, grad, lr);
        boolean ran = false;
        try {
            ranges.run(theta.length, update);
            ran = true;
        } finally {
            if (!ran) abortStep();
        }
        return finishStep();
    }

    /**
     * The update of one step as a range task over [0, P), for a caller that runs it itself, each
     * entry once, from a gradient whose entries in the range are final: fused into the gradient's
     * last pass ({@link dev.morse.engine.Evaluator#lossAndGradient(dev.morse.engine.Batch, double[], double[], Ranges.Task)}).
     * Then {@link #finishStep()} ends the step, or {@link #abortStep()} when the ranges did not all
     * run. {@link #step(double[], double[], double, Ranges)} is exactly these three calls.
     */
    Ranges.Task startStep(double[] theta, double[] grad, double lr);

    /**
     * Ends the step begun by {@link #startStep}: counts it; false when some entry of the new θ is not finite.
     *
     * @throws IllegalStateException when no step was started
     */
    boolean finishStep();

    /**
     * Ends a step begun by {@link #startStep} whose ranges did not all run (the request failed):
     * the entries already updated stay as they are, the step is not counted.
     *
     * @throws IllegalStateException when no step was started
     */
    void abortStep();

    /** Steps taken so far. */
    long steps();

    /** A copy of the state, for checkpoints. */
    OptimizerState state();

    /** Replaces the state by a copy of s (written by {@link #state()} of an optimizer with the same config and P). */
    void restore(OptimizerState s);

    OptimizerConfig config();

    /**
     * Whether θ[from .. to) is finite after an update: a separate pass, so that the update loops carry
     * no reduction and C2 vectorizes them; the vectorized sum of {@link Kernels#allFinite} (the
     * per-entry loop with its early exit, which C2 does not vectorize, was 33 of 126 samples of the
     * optimizer step in JFR at P = 269 322).
     */
    static boolean allFinite(double[] theta, int from, int to) {
        return KernelProvider.get().allFinite(to - from, theta, from);
    }
}
