package dev.morse.analysis;

import java.util.ArrayList;
import java.util.List;

/**
 * An optimizer run: the final θ, the loss and ‖∇L_R‖ after each iteration (index 0 is the start),
 * and why it stopped.
 */
public record Trajectory(String optimizer, double[] theta, double[] losses, double[] gradientNorms, StopReason reason, int iterations) {

    /** Why an optimizer stopped. */
    public enum StopReason {
        /** ‖∇L_R‖ ≤ grad_tol. */
        CONVERGED,
        /** The iteration limit was reached first. */
        MAX_ITERATIONS,
        /** No further progress was possible (line search failed, or the step stopped changing θ). */
        STALLED
    }

    public double finalLoss() {
        return losses[losses.length - 1];
    }

    public double finalGradientNorm() {
        return gradientNorms[gradientNorms.length - 1];
    }

    /** Collects per-iteration values. */
    static final class Recorder {
        final List<Double> losses = new ArrayList<>();
        final List<Double> norms = new ArrayList<>();

        void add(double loss, double gradNorm) {
            losses.add(loss);
            norms.add(gradNorm);
        }

        Trajectory finish(String name, double[] theta, StopReason r) {
            double[] l = new double[losses.size()], g = new double[norms.size()];
            for (int i = 0; i < l.length; i++) {
                l[i] = losses.get(i);
                g[i] = norms.get(i);
            }
            return new Trajectory(name, theta, l, g, r, l.length - 1);
        }
    }
}
