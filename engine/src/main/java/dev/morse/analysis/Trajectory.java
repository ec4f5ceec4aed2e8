package dev.morse.analysis;

import java.util.ArrayList;
import java.util.List;

/**
 * An optimizer run: the final θ, the loss and ‖∇L_R‖ after each iteration (index 0 is the start),
 * why it stopped, a sentence saying more about it ({@code detail}, or null), and how its last
 * steps approached the critical point ahead ({@code approach}: what Newton's refinement can tell
 * of that point, for callers to read without matching the detail's words).
 */
public record Trajectory(String optimizer, double[] theta, double[] losses, double[] gradientNorms, StopReason reason, int iterations,
                         String detail, Approach approach) {

    /** A null approach is refused: reports and the experiments read it ({@link Approach#STEADY} says "nothing to tell"). */
    public Trajectory {
        java.util.Objects.requireNonNull(approach, "approach (Approach.STEADY when the run tells nothing of the point ahead)");
    }

    /** A trajectory without a detail sentence. */
    public Trajectory(String optimizer, double[] theta, double[] losses, double[] gradientNorms, StopReason reason, int iterations) {
        this(optimizer, theta, losses, gradientNorms, reason, iterations, null);
    }

    /** A trajectory whose last steps say nothing of the point ahead ({@link Approach#STEADY}). */
    public Trajectory(String optimizer, double[] theta, double[] losses, double[] gradientNorms, StopReason reason, int iterations,
                      String detail) {
        this(optimizer, theta, losses, gradientNorms, reason, iterations, detail, Approach.STEADY);
    }

    /**
     * How the last steps of a run approached the critical point ahead: what Newton's refinement
     * ({@link CriticalPoints#newton}) can tell of that point besides {@link StopReason}. Written
     * into the reports ({@code approach}, lower case) and read by the experiments, which count
     * runs that point at a degenerate point apart.
     */
    public enum Approach {
        /**
         * No sign of a degenerate or distant point: the run converged as Newton does near a
         * nondegenerate point, or had too few steps to tell, or is not Newton's refinement.
         */
        STEADY,
        /**
         * The last {@value CriticalPoints#LINEAR_STEPS} or more full Newton steps converged only
         * linearly, which Newton does only towards a root where the Hessian is singular: the point
         * ahead is (numerically) degenerate. A run that ends short of grad_tol so stops as
         * {@link StopReason#DEGENERATE}; one that reached grad_tol is CONVERGED, and says so in
         * its detail.
         */
        LINEAR,
        /**
         * The run reached the iteration limit crawling: the last {@value CriticalPoints#HELD_STEPS}
         * or more accepted steps were all held to the trust radius and together lowered ‖∇L_R‖ by
         * less than {@value CriticalPoints#HELD_DECREASE}×, so the critical point ahead is far
         * from θ or nearly degenerate (the detail ends with {@link CriticalPoints#CRAWL_AHEAD}).
         */
        CRAWL;

        /** The name in reports: {@code steady}, {@code linear}, {@code crawl}. */
        public String id() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** Why an optimizer stopped. */
    public enum StopReason {
        /** ‖∇L_R‖ ≤ grad_tol. */
        CONVERGED,
        /** The iteration limit was reached first. */
        MAX_ITERATIONS,
        /**
         * No further progress was possible (line search failed, the step stopped changing θ, or
         * the trust region shrank to the rounding level of θ: ‖∇L_R‖ is at its floor).
         */
        STALLED,
        /**
         * Newton refinement near a degenerate critical point: the last steps converged only
         * linearly, which Newton does only towards a root where the Hessian is singular, so the
         * critical point is (numerically) degenerate and quadratic convergence is not to be had.
         */
        DEGENERATE,
        /**
         * Gradient descent with a fixed learning rate blew up: θ or the loss became non-finite, or
         * the loss rose far above where it started (the rate is too large for this curvature).
         * Never converged, whatever ‖∇L_R‖ is compared with.
         */
        DIVERGED
    }

    public double finalLoss() {
        return losses[losses.length - 1];
    }

    public double finalGradientNorm() {
        return gradientNorms[gradientNorms.length - 1];
    }

    /**
     * A summary: the optimizer, why it stopped after how many iterations, the first and final loss
     * and ‖∇L_R‖, P, and the detail; never the arrays' identities (the record's default printed
     * {@code theta=[D@86be70a}). The arrays themselves: {@link #theta()}, {@link #losses()},
     * {@link #gradientNorms()}.
     */
    @Override
    public String toString() {
        StringBuilder b = new StringBuilder("Trajectory[optimizer=").append(optimizer).append(", reason=").append(reason)
                .append(", iterations=").append(iterations);
        if (losses != null && losses.length > 0) {
            b.append(", loss ").append(losses[0]).append(" → ").append(finalLoss());
        }
        if (gradientNorms != null && gradientNorms.length > 0) {
            b.append(", ‖∇L_R‖ ").append(gradientNorms[0]).append(" → ").append(finalGradientNorm());
        }
        b.append(", P=").append(theta == null ? "null" : String.valueOf(theta.length));
        if (approach != Approach.STEADY) b.append(", approach=").append(approach);
        if (detail != null) b.append(", detail=").append(detail);
        return b.append(']').toString();
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
            return finish(name, theta, r, null);
        }

        Trajectory finish(String name, double[] theta, StopReason r, String detail) {
            return finish(name, theta, r, detail, Approach.STEADY);
        }

        Trajectory finish(String name, double[] theta, StopReason r, String detail, Approach approach) {
            double[] l = new double[losses.size()], g = new double[norms.size()];
            for (int i = 0; i < l.length; i++) {
                l[i] = losses.get(i);
                g[i] = norms.get(i);
            }
            return new Trajectory(name, theta, l, g, r, l.length - 1, detail, approach);
        }
    }
}
