package dev.morse.training;

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
    boolean step(double[] theta, double[] grad, double lr);

    /** Steps taken so far. */
    long steps();

    /** A copy of the state, for checkpoints. */
    OptimizerState state();

    /** Replaces the state by a copy of s (written by {@link #state()} of an optimizer with the same config and P). */
    void restore(OptimizerState s);

    OptimizerConfig config();

    /**
     * Whether θ[0 .. n) is finite after an update: a separate loop that exits at the first NaN or
     * infinity, so that the update loops carry no reduction and C2 vectorizes them.
     */
    static boolean allFinite(double[] theta, int n) {
        for (int i = 0; i < n; i++) if (!Double.isFinite(theta[i])) return false;
        return true;
    }
}
