package dev.morse.analysis;

import dev.morse.engine.CurvatureOperator;
import dev.morse.engine.Evaluator;
import dev.morse.engine.Part;
import dev.morse.linalg.Linalg;
import dev.morse.linalg.NativeThreads;
import dev.morse.linalg.SymmetricEigen;
import dev.morse.simd.KernelProvider;
import dev.morse.simd.Kernels;
import dev.morse.spectra.LinearOperator;
import dev.morse.spectra.Operators;
import java.util.Objects;

/**
 * Optimizers that drive θ to a critical point of L_R (SPEC §6): full-batch gradient descent,
 * L-BFGS, Newton refinement to the nearest critical point of any index ({@link #newton}: a
 * trust-region Newton method on ∇L_R = 0: Powell's dogleg with dense or MINRES steps), and trust-region Newton minimization ({@link #newtonTrustRegion}: exact
 * subproblem in the eigenbasis, or Steihaug–CG). Each returns a {@link Trajectory} and stops
 * with a stated reason. A start θ₀ where L_R or ∇L_R is not finite (an overflow in float64) is
 * refused before any step, as the Morse check refuses such a θ: a
 * {@link dev.morse.linalg.NonFiniteValueException} (see the package comment); gradient descent's
 * DIVERGED is for a run that blows up on the way, which the learning rate can cause.
 */
public final class CriticalPoints {
    private CriticalPoints() {}

    /** SPEC §6 default: grad_tol = 1e-10 · max(1, |L_R|). */
    public static double defaultGradTol(double loss) {
        return 1e-10 * Math.max(1, Math.abs(loss));
    }

    static double norm(double[] v) {
        return Math.sqrt(kernels().sumOfSquares(v.length, v, 0));
    }

    private static Kernels kernels() {
        return KernelProvider.get();
    }

    /** Tolerance actually used: the given one, or the SPEC default at the current loss when gradTol ≤ 0. */
    private static double tol(double gradTol, double loss) {
        return gradTol > 0 ? gradTol : defaultGradTol(loss);
    }

    /**
     * Full-batch gradient descent with a fixed learning rate; stops at grad_tol, maxIter, or
     * DIVERGED: θ or the loss non-finite, or the loss above {@value #DIVERGENCE}·max(1, |L₀|) (the
     * SPEC tolerance grows with |L_R|, so a blown-up run would otherwise pass it).
     */
    public static Trajectory gradientDescent(Evaluator obj, double[] theta0, double learningRate, int maxIter, double gradTol) {
        if (!(learningRate > 0) || Double.isInfinite(learningRate)) throw new IllegalArgumentException("learning rate must be positive and finite, got " + learningRate);
        checkRun(obj, theta0, maxIter, gradTol);
        double[] theta = theta0.clone();
        double[] g = new double[obj.dim()];
        Trajectory.Recorder rec = new Trajectory.Recorder();
        double l = startLoss(obj, theta, g);
        rec.add(l, norm(g));
        double l0 = l, limit = DIVERGENCE * Math.max(1, Math.abs(l0));
        for (int it = 0; it < maxIter; it++) {
            if (norm(g) <= tol(gradTol, l)) return rec.finish("gd", theta, Trajectory.StopReason.CONVERGED);
            dev.morse.linalg.Cancellation.check("gradient descent");
            for (int i = 0; i < theta.length; i++) theta[i] -= learningRate * g[i];
            for (double x : theta) {
                if (!Double.isFinite(x)) return rec.finish("gd", theta, Trajectory.StopReason.DIVERGED, "θ is no longer finite: lower the learning rate");
            }
            l = obj.lossAndGradient(theta, g);
            rec.add(l, norm(g));
            if (!(l <= limit)) {
                return rec.finish("gd", theta, Trajectory.StopReason.DIVERGED, "the loss rose from " + fmt(l0) + " to " + fmt(l)
                        + " (above " + fmt(DIVERGENCE) + "·max(1, |L₀|)): lower the learning rate");
            }
        }
        return rec.finish("gd", theta, norm(g) <= tol(gradTol, l) ? Trajectory.StopReason.CONVERGED : Trajectory.StopReason.MAX_ITERATIONS);
    }

    /**
     * The arguments every first-order method shares: an evaluator, θ₀ of length P, maxIter ≥ 0 and
     * gradTol finite and ≥ 0 (0: the SPEC default at the current loss).
     */
    private static void checkRun(Evaluator obj, double[] theta0, int maxIter, double gradTol) {
        Objects.requireNonNull(obj, "evaluator");
        Objects.requireNonNull(theta0, "θ₀");
        if (theta0.length != obj.dim()) throw new IllegalArgumentException("θ₀ has length " + theta0.length + ", expected P = " + obj.dim());
        if (maxIter < 0) throw new IllegalArgumentException("iteration limit must be ≥ 0, got " + maxIter);
        if (!(gradTol >= 0) || Double.isInfinite(gradTol)) throw new IllegalArgumentException("grad_tol must be finite and ≥ 0 (0: the SPEC default), got " + gradTol);
    }

    /**
     * L-BFGS (two-loop recursion, memory {@code history} ≥ 1) with a backtracking Armijo line
     * search; maxIter ≥ 0, gradTol finite and ≥ 0 (0: the SPEC default).
     *
     * @throws IllegalArgumentException on history &lt; 1, maxIter &lt; 0, a NaN, infinite or negative gradTol, or θ₀ not of length P
     */
    public static Trajectory lbfgs(Evaluator obj, double[] theta0, int history, int maxIter, double gradTol) {
        if (history < 1) throw new IllegalArgumentException("L-BFGS history must be at least 1, got " + history);
        checkRun(obj, theta0, maxIter, gradTol);
        int p = obj.dim();
        double[] theta = theta0.clone();
        double[] g = new double[p];
        double[][] s = new double[history][p], y = new double[history][p];
        double[] rho = new double[history], alpha = new double[history];
        int stored = 0, head = 0;
        Trajectory.Recorder rec = new Trajectory.Recorder();
        double l = startLoss(obj, theta, g);
        rec.add(l, norm(g));
        double[] d = new double[p], thetaNew = new double[p], gNew = new double[p];
        for (int it = 0; it < maxIter; it++) {
            if (norm(g) <= tol(gradTol, l)) return rec.finish("lbfgs", theta, Trajectory.StopReason.CONVERGED);
            dev.morse.linalg.Cancellation.check("L-BFGS");
            // Two-loop recursion: d = −H_k g.
            System.arraycopy(g, 0, d, 0, p);
            for (int k = 0; k < stored; k++) {
                int idx = Math.floorMod(head - 1 - k, history);
                alpha[idx] = rho[idx] * dot(s[idx], d);
                axpy(-alpha[idx], y[idx], d);
            }
            double gamma = 1.0;
            if (stored > 0) {
                int last = Math.floorMod(head - 1, history);
                gamma = dot(s[last], y[last]) / dot(y[last], y[last]);
            }
            for (int i = 0; i < p; i++) d[i] *= gamma;
            for (int k = stored - 1; k >= 0; k--) {
                int idx = Math.floorMod(head - 1 - k, history);
                double beta = rho[idx] * dot(y[idx], d);
                axpy(alpha[idx] - beta, s[idx], d);
            }
            for (int i = 0; i < p; i++) d[i] = -d[i];
            double slope = dot(g, d);
            if (!(slope < 0)) {   // not a descent direction: reset memory, use steepest descent
                stored = 0;
                for (int i = 0; i < p; i++) d[i] = -g[i];
                slope = -dot(g, g);
            }
            double step = stored == 0 ? Math.min(1.0, 1.0 / Math.max(norm(g), 1e-300)) : 1.0;
            double lNew = Double.NaN;
            boolean accepted = false;
            for (int ls = 0; ls < 60; ls++) {
                for (int i = 0; i < p; i++) thetaNew[i] = theta[i] + step * d[i];
                lNew = obj.lossAndGradient(thetaNew, gNew);
                if (Double.isFinite(lNew) && lNew <= l + 1e-4 * step * slope) {
                    accepted = true;
                    break;
                }
                step *= 0.5;
            }
            if (!accepted) return rec.finish("lbfgs", theta, Trajectory.StopReason.STALLED);
            double sy = 0;
            for (int i = 0; i < p; i++) {
                s[head][i] = thetaNew[i] - theta[i];
                y[head][i] = gNew[i] - g[i];
                sy += s[head][i] * y[head][i];
            }
            if (sy > 1e-300) {   // keep only pairs with positive curvature
                rho[head] = 1.0 / sy;
                head = (head + 1) % history;
                stored = Math.min(stored + 1, history);
            }
            boolean moved = false;
            for (int i = 0; i < p; i++) moved |= thetaNew[i] != theta[i];
            System.arraycopy(thetaNew, 0, theta, 0, p);
            System.arraycopy(gNew, 0, g, 0, p);
            l = lNew;
            rec.add(l, norm(g));
            if (!moved) return rec.finish("lbfgs", theta, Trajectory.StopReason.STALLED);
        }
        return rec.finish("lbfgs", theta, norm(g) <= tol(gradTol, l) ? Trajectory.StopReason.CONVERGED : Trajectory.StopReason.MAX_ITERATIONS);
    }

    /**
     * Settings of the Newton methods: iteration limit, grad_tol (0: SPEC default;
     * {@link Double#MIN_VALUE}: go on to the rounding level), the largest P for dense steps (one
     * P×P Hessian and one eigendecomposition per iteration; matrix-free Krylov steps above), the
     * Krylov iteration limit of a matrix-free step (MINRES or CG), and the initial trust radius
     * (0: the first Newton step's length for refinement, 1 for minimization).
     */
    public record NewtonOptions(int maxIter, double gradTol, int denseLimit, int krylovIter, double initialRadius) {
        public NewtonOptions {
            if (maxIter < 0) throw new IllegalArgumentException("iteration limit must be ≥ 0, got " + maxIter);
            if (!(gradTol >= 0) || Double.isInfinite(gradTol)) throw new IllegalArgumentException("grad_tol must be finite and ≥ 0, got " + gradTol);
            if (denseLimit < 0) throw new IllegalArgumentException("dense limit must be ≥ 0, got " + denseLimit);
            if (krylovIter < 1) throw new IllegalArgumentException("Krylov iteration limit must be ≥ 1, got " + krylovIter);
            if (!(initialRadius >= 0) || Double.isInfinite(initialRadius)) throw new IllegalArgumentException("initial radius must be finite and ≥ 0, got " + initialRadius);
        }

        /** 100 iterations, SPEC tolerance, dense steps up to P = 3000, 500 Krylov iterations, automatic radius. */
        public static NewtonOptions defaults() {
            return new NewtonOptions(100, 0, 3000, 500, 0);
        }
    }

    /** Receives each accepted iteration (for progress displays). */
    @FunctionalInterface
    public interface Monitor {
        void iteration(int k, double loss, double gradientNorm);
    }

    /** Gradient descent has diverged once the loss exceeds this many times max(1, |L₀|). */
    static final double DIVERGENCE = 1e6;

    /** ‖∇L_R‖ ≤ FLOOR·ε·max(1, |L_R|) counts as the rounding floor of a Newton run (see {@link #newton}). */
    private static final double FLOOR = 100;

    /** A step whose predicted decrease is at most this fraction of the actual one is rejected (ρ ≤ η). */
    private static final double ETA = 1e-4;

    /** As {@link #newton(Evaluator, double[], NewtonOptions, Monitor)} with the given limits and no monitor. */
    public static Trajectory newton(Evaluator obj, double[] theta0, int maxIter, double gradTol, int denseLimit) {
        return newton(obj, theta0, new NewtonOptions(maxIter, gradTol, denseLimit, 500, 0), null);
    }

    /**
     * Newton refinement to the critical point of L_R nearest θ0, of whatever index (SPEC §6): it
     * solves ∇L_R(θ) = 0 with the exact Hessian H as Jacobian, globalized on the merit
     * ½‖∇L_R‖² by a trust region (Powell's dogleg, the "hybrid" method of MINPACK), so it never
     * trades a saddle for a minimum (a descent method on L_R would: that is
     * {@link #newtonTrustRegion}, for {@code fit}).
     *
     * <p>Each iteration takes the Newton point Δ_N from MINRES on HΔ = −g, to the relative residual
     * min(10⁻², ‖g‖) (the forcing term of inexact Newton that keeps convergence quadratic; Dembo,
     * Eisenstat and Steihaug 1982; no tighter than ε·max(1, |L_R|)/‖g‖, which takes ‖g‖ to its
     * rounding floor in one step), and the Cauchy point of the Gauss–Newton model ‖g + HΔ‖ of the
     * merit along its steepest descent −Hg. Dense steps (P ≤ denseLimit): one H and one
     * eigendecomposition H = UΛUᵀ per accepted iteration, and everything in its eigenbasis, where
     * H is diagonal (MINRES, the Cauchy point and the model cost O(P)); eigenvalues below
     * 10·P·ε·‖H‖ count as zero, so Δ_N is the pseudo-inverse step and the system stays consistent
     * at a degenerate point. Matrix-free steps (P &gt; denseLimit): MINRES and the Cauchy point on
     * exact Hessian-vector products (three besides MINRES's). The step is Δ_N when it fits the
     * radius r, else the dogleg path from the Cauchy point towards Δ_N, cut at r. The ratio ρ of
     * the actual to the predicted decrease of the merit accepts the step (ρ > 1e-4) and steers r
     * (×¼ below ρ = ¼, ×2 above ρ = ¾ on the boundary); a rejected step costs one gradient. Near a
     * nondegenerate critical point the Newton step fits and is accepted, so convergence is
     * quadratic. Stopping MINRES at that residual far from the solution also leaves out the
     * components along nearly singular directions that lengthen an exact Newton step most:
     * measured on 2-10-1 tanh (mse, l2 1e-3, N = 5), 0.1 away from a minimum, 14 iterations on
     * average against 23 with exact Newton points and 45 with Levenberg–Marquardt.
     *
     * <p>Stops: ‖∇L_R‖ ≤ grad_tol (CONVERGED); the radius shrank to the rounding level of θ, i.e.
     * no step lowers ‖∇L_R‖ any more, or ‖∇L_R‖ ≤ 100·ε·max(1, |L_R|) and a step no longer
     * halved it (STALLED: the normal ends of a run to rounding level); the model predicts no decrease (H·∇L_R ≈ 0: a stationary point of the merit that is not a
     * critical point, STALLED); the iteration limit (MAX_ITERATIONS; when at least
     * {@value #HELD_STEPS} steps in a row before it were held to the trust radius and the last
     * {@value #HELD_STEPS} together lowered ‖∇L_R‖ by less than {@value #HELD_DECREASE}×, the
     * detail says so: the Newton step reaches far beyond the region where its model holds,
     * typically along nearly singular directions of H). A run that ends short of
     * grad_tol after at least {@value #LINEAR_STEPS} <em>linear</em> Newton steps in a row stops as
     * DEGENERATE, and so does a run that reaches the rounding floor after them: Newton converges
     * quadratically to a root with a nonsingular Jacobian, and only linearly to one where H is
     * singular, so the critical point ahead is (numerically) degenerate. A linear step is a full
     * (interior) Newton step, taken above the rounding floor, that lowered ‖∇L_R‖ by less than 5×,
     * shrank by a factor in [¼, 0.95] against the previous step and kept its direction (cosine ≥
     * 0.9): where ∇L_R ~ x^q along a singular direction, Newton steps shrink by 1 − 1/q and ‖∇‖ by
     * (1 − 1/q)^q ∈ [¼, 1/e), all along one line, while quadratic convergence shrinks both towards
     * 0 and rounding noise has no direction. Each stop comes with a detail sentence; a CONVERGED
     * run that was still converging linearly says so in its detail.
     *
     * <p>obj's Hessian must be the Jacobian of its gradient: with modified activations (augmented
     * ReLU, diminished GELU) it is not, and Newton stalls; give the evaluator of
     * {@link dev.morse.engine.Problem#withExactSecondDerivatives()} (the same L_R and ∇L_R).
     */
    public static Trajectory newton(Evaluator obj, double[] theta0, NewtonOptions o, Monitor monitor) {
        Objects.requireNonNull(obj, "evaluator");
        Objects.requireNonNull(theta0, "θ₀");
        Objects.requireNonNull(o, "options");
        return newtonDogleg(obj, theta0, o, monitor);
    }

    /**
     * The end of a Newton run: CONVERGED when grad_tol holds; DEGENERATE when it falls short of
     * grad_tol after at least {@value #LINEAR_STEPS} linear Newton steps in a row (see
     * {@link #newton}: Newton converges quadratically to a root with a nonsingular Jacobian,
     * linearly to one where H is singular); else STALLED or MAX_ITERATIONS (the detail says
     * which). {@code minRel} (min |λ|/‖H‖ at the last dense step, NaN without) is quoted.
     */
    private static Trajectory stop(Trajectory.Recorder rec, String name, double[] theta, double gn, double l, NewtonOptions o, int slow,
                                   double minRel, String detail, boolean crawled) {
        Trajectory.Approach approach = approach(slow, crawled);
        if (gn <= tol(o.gradTol(), l)) return rec.finish(name, theta, Trajectory.StopReason.CONVERGED, detail + linearNote(slow, minRel), approach);
        if (slow >= LINEAR_STEPS) {
            return rec.finish(name, theta, Trajectory.StopReason.DEGENERATE, detail + linearNote(slow, minRel)
                    + ": the critical point ahead is (numerically) degenerate, where Newton's convergence is linear, not quadratic", approach);
        }
        boolean limit = detail.startsWith("iteration limit");
        return rec.finish(name, theta, limit ? Trajectory.StopReason.MAX_ITERATIONS : Trajectory.StopReason.STALLED, detail, approach);
    }

    /**
     * L_R(θ₀), with ∇L_R(θ₀) into g, both finite: an overflow at θ₀ is the start's, not the method's,
     * so it is said before any step ({@link MorseCheck#requireFinite}).
     */
    private static double startLoss(Evaluator obj, double[] theta, double[] g) {
        double l = obj.lossAndGradient(theta, g);
        MorseCheck.requireFinite(l, g, theta);
        return l;
    }

    /** How Newton's last steps approached the point ahead: a crawl, else linear after {@value #LINEAR_STEPS} linear steps, else steady. */
    private static Trajectory.Approach approach(int slow, boolean crawled) {
        return crawled ? Trajectory.Approach.CRAWL : slow >= LINEAR_STEPS ? Trajectory.Approach.LINEAR : Trajectory.Approach.STEADY;
    }

    /** CONVERGED, with the linear steps before it in the detail (and as its approach) when there were {@value #LINEAR_STEPS} or more. */
    private static Trajectory converged(Trajectory.Recorder rec, String name, double[] theta, int slow, double minRel) {
        if (slow < LINEAR_STEPS) return rec.finish(name, theta, Trajectory.StopReason.CONVERGED);
        return rec.finish(name, theta, Trajectory.StopReason.CONVERGED, "‖∇L_R‖ ≤ grad_tol" + linearNote(slow, minRel)
                + ": the critical point may be degenerate", approach(slow, false));
    }

    /** "; the last n full Newton steps converged only linearly (min |λ|/‖H‖ = …)" when n ≥ {@value #LINEAR_STEPS}, else "". */
    private static String linearNote(int slow, double minRel) {
        if (slow < LINEAR_STEPS) return "";
        return "; the last " + slow + " full Newton steps converged only linearly" + (Double.isNaN(minRel) ? "" : " (min |λ|/‖H‖ = " + fmt(minRel) + ")");
    }

    /**
     * A run that reaches its iteration limit after this many accepted steps in a row on the trust
     * region's boundary, which together lowered ‖∇L_R‖ by less than {@value #HELD_DECREASE}×, says
     * so in its detail (see {@link #newton}).
     */
    static final int HELD_STEPS = 30;

    /** See {@link #HELD_STEPS}. */
    static final double HELD_DECREASE = 2;

    /** Linear Newton steps in a row (see {@link #newton}) that make a run's end DEGENERATE. */
    static final int LINEAR_STEPS = 5;

    /**
     * The dense Hessian of a Newton step must be finite before LAPACK sees it: an overflow at θ is a
     * numerical condition of the run (a NonFiniteMatrixException, exit 3 in the CLI), where LAPACK's
     * own refusal named an argument index and the CLI called it an internal error. The description
     * (which copies θ) is built only for the message; the scan reads the lower triangle, the one
     * LAPACK reads (dense(HESSIAN) is symmetric), and allocates nothing.
     */
    private static void requireFiniteHessian(double[] h, int p, Evaluator obj, double[] theta) {
        dev.morse.spectra.DenseSpectrum.requireFiniteAssembled(h, p, true,
                () -> "H at θ for a Newton step (" + CurvatureOperator.hessian(obj, theta).describe() + ")");
    }

    /**
     * How the detail of a run stopped at the iteration limit while crawling (every step of the last
     * {@value #HELD_STEPS} held to the trust radius) ends; such a run's approach is
     * {@link Trajectory.Approach#CRAWL}, which is what callers read. The text remains the only
     * record of a crawl in reports written before that field (morse-regularizers reads it there).
     */
    public static final String CRAWL_AHEAD = "the critical point ahead is far from θ or nearly degenerate";

    /**
     * Whether an accepted step is linear (see {@link #newton}): interior, ‖∇‖ lowered by less than
     * 5×, and against the previous step (length {@code prevNorm}, 0 for none) shorter by a factor
     * in [¼, 0.95] and aligned with it (cosine ≥ 0.9).
     */
    private static boolean linearStep(boolean boundary, double gnBefore, double gnAfter, double[] step, double stepNorm, double[] prev, double prevNorm) {
        if (boundary || !(gnAfter > 0.2 * gnBefore) || !(prevNorm > 0)) return false;
        double shrink = stepNorm / prevNorm;
        return shrink >= 0.25 && shrink <= 0.95 && dot(step, prev) >= 0.9 * stepNorm * prevNorm;
    }

    private static String fmt(double x) {
        return String.format(java.util.Locale.ROOT, "%.3g", x);
    }

    private static Trajectory newtonDogleg(Evaluator obj, double[] theta0, NewtonOptions o, Monitor monitor) {
        int p = obj.dim();
        boolean dense = p <= o.denseLimit();
        String name = dense ? "newton-dogleg" : "newton-dogleg-mf";
        double[] theta = theta0.clone();
        double[] g = new double[p], trial = new double[p], gTrial = new double[p];
        // The step's space: H's eigenbasis (coefficients) with dense steps, θ's coordinates without.
        double[] b = new double[p], hb = new double[p], hs = new double[p], dn = new double[p], hdn = new double[p], dc = new double[p],
                hdc = new double[p], delta = new double[p], hdelta = new double[p], rhs = new double[p], lamF = dense ? new double[p] : null;
        double[] step = new double[p], prevStep = new double[p];   // accepted steps in θ's coordinates (the linear-step test)
        double prevStepNorm = 0;
        double[] heldFrom = new double[HELD_STEPS];   // ‖∇L_R‖ before each of the last HELD_STEPS accepted steps (a ring)
        int accepted = 0, held = 0;
        double lastStep = 0, lastNewton = 0;   // the last accepted step's length and its Newton step's
        Trajectory.Recorder rec = new Trajectory.Recorder();
        double l = startLoss(obj, theta, g);
        double gn = norm(g);
        rec.add(l, gn);
        double radius = o.initialRadius();
        int slow = 0;
        double minRel = Double.NaN;
        Linalg la = Linalg.get();
        for (int it = 0; it < o.maxIter(); it++) {
            if (gn <= tol(o.gradTol(), l) || gn == 0) return converged(rec, name, theta, slow, minRel);
            dev.morse.linalg.Cancellation.check("Newton refinement");
            // Forcing term min(10⁻², ‖g‖) (quadratic convergence), relaxed near the rounding floor
            // ε·max(1, |L|) of ‖∇L_R‖: a step need not solve beyond what the next gradient can show,
            // and at P = 9550 MINRES to 1e-14 took its whole budget of products for nothing.
            double rtol = Math.max(1e-14, Math.min(1e-2, Math.max(gn, EigenvalueCounts.EPS * Math.max(1, Math.abs(l)) / gn)));
            double[] u = null;
            if (dense) {
                // H = UΛUᵀ; in the eigenbasis H is diagonal, so MINRES, the Cauchy point and the model
                // cost O(P) per radius. Eigenvalues below 10·P·ε·‖H‖ count as zero (the pseudo-inverse):
                // the system stays consistent at a degenerate point, where MINRES would otherwise drift.
                double[] h = obj.dense(Part.HESSIAN, theta);
                requireFiniteHessian(h, p, obj, theta);
                SymmetricEigen eig;
                try (NativeThreads.Scope sc = obj.nativeScope()) {
                    eig = la.eighInPlace(h, p, true);
                }
                double[] lam = eig.values();
                u = eig.vectors();
                la.dgemv(false, p, p, 1.0, u, 0, p, g, 0, 0.0, b, 0);   // b = Uᵀg
                double hmax = Math.max(Math.abs(lam[0]), Math.abs(lam[p - 1])), zero = 10 * p * EigenvalueCounts.EPS * hmax;
                double minAbs = Double.POSITIVE_INFINITY;
                for (int i = 0; i < p; i++) {
                    boolean z = Math.abs(lam[i]) <= zero;
                    lamF[i] = z ? 0 : lam[i];
                    rhs[i] = z ? 0 : -b[i];
                    minAbs = Math.min(minAbs, Math.abs(lam[i]));
                }
                minRel = hmax > 0 ? minAbs / hmax : 0;
                Minres.solve(Operators.diagonal(lamF), rhs, dn, rtol, Math.min(p, o.krylovIter()));
                for (int i = 0; i < p; i++) {
                    hdn[i] = lamF[i] * dn[i];
                    hb[i] = lamF[i] * b[i];
                    hs[i] = -lamF[i] * hb[i];
                }
            } else {
                System.arraycopy(g, 0, b, 0, p);
                LinearOperator h = Operators.finiteProducts(CurvatureOperator.hessian(obj, theta), "H at θ for the Newton step of iteration " + (it + 1));
                for (int i = 0; i < p; i++) rhs[i] = -g[i];
                Minres.solve(h, rhs, dn, rtol, Math.min(p, o.krylovIter()));
                h.apply(dn, hdn);
                h.apply(g, hb);
                h.apply(hb, hs);
                for (int i = 0; i < p; i++) hs[i] = -hs[i];
            }
            // Cauchy point of the model ‖g + HΔ‖ along s = −Hg: t* = ‖Hg‖²/‖H²g‖² (hs = H·s = −H²g).
            double hgn = dot(hb, hb), h2g = dot(hs, hs);
            double t = h2g > 0 ? hgn / h2g : 0;
            for (int i = 0; i < p; i++) {
                dc[i] = -t * hb[i];
                hdc[i] = t * hs[i];
            }
            double ndn = norm(dn), ndc = norm(dc);
            if (radius <= 0) radius = ndn > 0 ? ndn : ndc;
            double lT, gnT, rho, nd;
            boolean boundary;
            while (true) {
                boundary = dogleg(dn, hdn, ndn, dc, hdc, ndc, radius, delta, hdelta);
                nd = norm(delta);
                double after = 0;
                for (int i = 0; i < p; i++) {
                    double r = b[i] + hdelta[i];
                    after += r * r;
                }
                double pred = 0.5 * gn * gn - 0.5 * after;
                if (!(pred > 1e-30 * gn * gn) || nd == 0) {
                    return stop(rec, name, theta, gn, l, o, slow, minRel, "the model ‖∇L_R + HΔ‖ predicts no decrease: H·∇L_R ≈ 0 "
                            + "(a stationary point of ½‖∇L_R‖²" + (gn <= tol(o.gradTol(), l) ? ", at the rounding level" : " that is not critical") + ")", false);
                }
                if (dense) la.dgemv(true, p, p, 1.0, u, 0, p, delta, 0, 0.0, trial, 0);   // Δ = U·d
                else System.arraycopy(delta, 0, trial, 0, p);
                for (int i = 0; i < p; i++) trial[i] += theta[i];
                lT = obj.lossAndGradient(trial, gTrial);
                gnT = norm(gTrial);
                rho = (0.5 * gn * gn - 0.5 * gnT * gnT) / pred;
                if (Double.isFinite(lT) && rho > ETA && gnT < gn) break;
                radius = 0.25 * nd;
                if (radius <= 1e-15 * Math.max(1, norm(theta))) {
                    return stop(rec, name, theta, gn, l, o, slow, minRel, "no step lowers ‖∇L_R‖ = " + fmt(gn)
                            + " any more (trust radius at the rounding level of θ)", false);
                }
            }
            if (rho < 0.25) radius = 0.25 * nd;
            else if (rho > 0.75 && boundary) radius = 2 * radius;
            // Linear steps in a row: the Jacobian H is singular at the root. Steps from the rounding
            // floor move by noise: they neither count nor break the count.
            for (int i = 0; i < p; i++) step[i] = trial[i] - theta[i];
            double stepNorm = norm(step);
            if (gn > FLOOR * EigenvalueCounts.EPS * Math.max(1, Math.abs(l))) {
                slow = linearStep(boundary, gn, gnT, step, stepNorm, prevStep, prevStepNorm) ? slow + 1 : 0;
            }
            double[] swap = prevStep;
            prevStep = step;
            step = swap;
            prevStepNorm = stepNorm;
            heldFrom[accepted++ % HELD_STEPS] = gn;
            held = boundary ? held + 1 : 0;
            lastStep = nd;
            lastNewton = ndn;
            double previous = gn;
            System.arraycopy(trial, 0, theta, 0, p);
            System.arraycopy(gTrial, 0, g, 0, p);
            l = lT;
            gn = gnT;
            rec.add(l, gn);
            if (monitor != null) monitor.iteration(it + 1, l, gn);
            // At the rounding floor of ‖∇L_R‖ (about ε·max(1, |L_R|)) steps only reshuffle rounding:
            // a step that no longer halves ‖∇‖ down there ends a run to rounding level.
            // After linear steps, going on below the floor only chases a degenerate root through rounding.
            if (gn > tol(o.gradTol(), l) && gn <= FLOOR * EigenvalueCounts.EPS * Math.max(1, Math.abs(l))
                    && (gn > 0.5 * previous || slow >= LINEAR_STEPS)) {
                String floor = "at the rounding floor: ‖∇L_R‖ = " + fmt(gn) + " ≤ " + (int) FLOOR + "·ε·max(1, |L_R|)";
                if (slow >= LINEAR_STEPS) return stop(rec, name, theta, gn, l, o, slow, minRel, floor, false);
                return rec.finish(name, theta, Trajectory.StopReason.STALLED, floor + ", and the last step no longer halved it");
            }
        }
        if (gn <= tol(o.gradTol(), l)) return converged(rec, name, theta, slow, minRel);
        String limit = "iteration limit " + o.maxIter() + " reached at ‖∇L_R‖ = " + fmt(gn);
        // A crawl: the last steps all held to the trust radius, barely lowering ‖∇L_R‖. It is not
        // stopped early: from random starts such runs often reach a critical point after a long
        // crawl (morse-regularizers, quick scale: 51 of 301 refined points came after one that a
        // stop after 30 held steps would have cut), so the end only says what happened.
        double from = heldFrom[accepted % HELD_STEPS];
        boolean crawled = held >= HELD_STEPS && gn > from / HELD_DECREASE;
        if (crawled) {
            limit += "; the last " + held + " steps were all held to the trust radius (last " + fmt(lastStep) + ", the Newton step "
                    + fmt(lastNewton) + " long" + (Double.isNaN(minRel) ? "" : ", min |λ|/‖H‖ = " + fmt(minRel)) + ") and the last "
                    + HELD_STEPS + " lowered ‖∇L_R‖ only from " + fmt(from) + ": the model ∇L_R + HΔ holds only near θ, so "
                    + CRAWL_AHEAD;
        }
        return stop(rec, name, theta, gn, l, o, slow, minRel, limit, crawled);
    }

    /**
     * Powell's dogleg within radius r between the Cauchy point c and the Newton point n (with
     * their images H·c, H·n), into delta and hdelta; returns whether the step lies on the boundary.
     */
    private static boolean dogleg(double[] n, double[] hn, double nn, double[] c, double[] hc, double nc, double r, double[] delta, double[] hdelta) {
        int p = n.length;
        if (nn <= r) {
            System.arraycopy(n, 0, delta, 0, p);
            System.arraycopy(hn, 0, hdelta, 0, p);
            return false;
        }
        if (nc >= r || nc == 0) {
            double s = nc == 0 ? 0 : r / nc;
            if (nc == 0) {   // no Cauchy step (H·g = 0): scale the Newton step to the boundary
                s = r / nn;
                for (int i = 0; i < p; i++) {
                    delta[i] = s * n[i];
                    hdelta[i] = s * hn[i];
                }
                return true;
            }
            for (int i = 0; i < p; i++) {
                delta[i] = s * c[i];
                hdelta[i] = s * hc[i];
            }
            return true;
        }
        // c + β(n − c) with ‖·‖ = r: β² ‖n−c‖² + 2β cᵀ(n−c) + ‖c‖² − r² = 0, β ∈ [0, 1].
        double a = 0, b = 0;
        for (int i = 0; i < p; i++) {
            double d = n[i] - c[i];
            a += d * d;
            b += c[i] * d;
        }
        double cc = nc * nc - r * r;
        double beta = (-b + Math.sqrt(Math.max(0, b * b - a * cc))) / a;
        for (int i = 0; i < p; i++) {
            delta[i] = c[i] + beta * (n[i] - c[i]);
            hdelta[i] = hc[i] + beta * (hn[i] - hc[i]);
        }
        return true;
    }

    /** As {@link #newtonTrustRegion(Evaluator, double[], NewtonOptions, Monitor)} with the given limits and no monitor. */
    public static Trajectory newtonTrustRegion(Evaluator obj, double[] theta0, int maxIter, double gradTol, int denseLimit) {
        return newtonTrustRegion(obj, theta0, new NewtonOptions(maxIter, gradTol, denseLimit, 500, 0), null);
    }

    /**
     * Trust-region Newton minimization of L_R (for {@code fit --optimizer newton_tr}): a descent
     * method, for reaching minima fast from anywhere reasonable; unlike {@link #newton} it moves
     * away from saddles. The model is the second-order Taylor expansion
     * q(Δ) = L + gᵀΔ + ½ΔᵀHΔ with the exact Hessian; ρ = (L(θ) − L(θ+Δ)) / (L − q(Δ)) accepts the
     * step (ρ > 1e-4) and steers the radius (×¼ below ¼, ×2 above ¾ on the boundary).
     *
     * <p>Dense (P ≤ denseLimit): the subproblem min q over ‖Δ‖ ≤ r is solved exactly in the
     * eigenbasis of H (the Moré–Sorensen conditions: (H + μI)Δ = −g, H + μI ⪰ 0, μ(r − ‖Δ‖) = 0,
     * including the hard case; {@link TrustRegion#minimizationStep}). Matrix-free: Steihaug's
     * truncated CG on exact products, which stops at the boundary or on negative curvature.
     * Near a nondegenerate minimum the step is Newton's and convergence is quadratic.
     *
     * <p>Stops: ‖∇L_R‖ ≤ grad_tol, the radius at the rounding level of θ (STALLED: no step lowers
     * L_R any more), or the iteration limit.
     */
    public static Trajectory newtonTrustRegion(Evaluator obj, double[] theta0, NewtonOptions o, Monitor monitor) {
        Objects.requireNonNull(obj, "evaluator");
        Objects.requireNonNull(theta0, "θ₀");
        Objects.requireNonNull(o, "options");
        int p = obj.dim();
        boolean dense = p <= o.denseLimit();
        String name = dense ? "newton-tr" : "newton-tr-cg";
        double[] theta = theta0.clone();
        double[] g = new double[p], trial = new double[p], gTrial = new double[p], c = new double[p], delta = new double[p];
        Trajectory.Recorder rec = new Trajectory.Recorder();
        double l = startLoss(obj, theta, g);
        double gn = norm(g);
        rec.add(l, gn);
        double radius = o.initialRadius() > 0 ? o.initialRadius() : 1;
        Linalg la = Linalg.get();
        for (int it = 0; it < o.maxIter(); it++) {
            if (gn <= tol(o.gradTol(), l) || gn == 0) return rec.finish(name, theta, Trajectory.StopReason.CONVERGED);
            dev.morse.linalg.Cancellation.check("trust-region Newton");
            double[] lam = null, u = null;
            LinearOperator h = Operators.finiteProducts(CurvatureOperator.hessian(obj, theta), "H at θ for the Newton step of iteration " + (it + 1));
            if (dense) {
                double[] hm = obj.dense(Part.HESSIAN, theta);
                requireFiniteHessian(hm, p, obj, theta);
                SymmetricEigen eig;
                try (NativeThreads.Scope s = obj.nativeScope()) {
                    eig = la.eighInPlace(hm, p, true);
                }
                lam = eig.values();
                u = eig.vectors();
                la.dgemv(false, p, p, 1.0, u, 0, p, g, 0, 0.0, c, 0);
            }
            double lT, rho, nd;
            boolean boundary;
            while (true) {
                double pred;
                if (dense) {
                    TrustRegion.Step step = TrustRegion.minimizationStep(lam, c, radius, 1e-12);
                    pred = TrustRegion.minimizationPredicted(lam, c, step.d());
                    la.dgemv(true, p, p, 1.0, u, 0, p, step.d(), 0, 0.0, delta, 0);
                    nd = step.norm();
                    boundary = step.boundary();
                } else {
                    boundary = steihaug(h, g, radius, Math.max(1e-14, Math.min(0.1, Math.sqrt(gn))) * gn, Math.min(p, o.krylovIter()), delta);
                    nd = norm(delta);
                    h.apply(delta, trial);   // H·Δ for the model (trial is scratch here)
                    pred = -(dot(g, delta) + 0.5 * dot(delta, trial));
                }
                if (!(pred > 0) || nd == 0) {
                    Trajectory.StopReason why = gn <= tol(o.gradTol(), l) ? Trajectory.StopReason.CONVERGED : Trajectory.StopReason.STALLED;
                    return rec.finish(name, theta, why, "the quadratic model predicts no decrease of L_R (‖∇L_R‖ = " + fmt(gn) + ")");
                }
                for (int i = 0; i < p; i++) trial[i] = theta[i] + delta[i];
                lT = obj.lossAndGradient(trial, gTrial);
                rho = (l - lT) / pred;
                if (Double.isFinite(lT) && rho > ETA) break;
                radius = 0.25 * nd;
                if (radius <= 1e-15 * Math.max(1, norm(theta))) {
                    Trajectory.StopReason why = gn <= tol(o.gradTol(), l) ? Trajectory.StopReason.CONVERGED : Trajectory.StopReason.STALLED;
                    return rec.finish(name, theta, why, "no step lowers L_R any more (trust radius at the rounding level of θ; ‖∇L_R‖ = " + fmt(gn) + ")");
                }
            }
            if (rho < 0.25) radius = 0.25 * nd;
            else if (rho > 0.75 && boundary) radius = 2 * radius;
            System.arraycopy(trial, 0, theta, 0, p);
            System.arraycopy(gTrial, 0, g, 0, p);
            l = lT;
            gn = norm(g);
            rec.add(l, gn);
            if (monitor != null) monitor.iteration(it + 1, l, gn);
        }
        return rec.finish(name, theta, gn <= tol(o.gradTol(), l) ? Trajectory.StopReason.CONVERGED : Trajectory.StopReason.MAX_ITERATIONS,
                "iteration limit " + o.maxIter() + " reached at ‖∇L_R‖ = " + fmt(gn));
    }

    /**
     * Steihaug's truncated CG for min gᵀΔ + ½ΔᵀHΔ within ‖Δ‖ ≤ r (Steihaug 1983; Nocedal and
     * Wright, Algorithm 7.2): CG on HΔ = −g from Δ = 0, stopping at residual {@code rtol}, on the
     * boundary, or along a direction of non-positive curvature (to the boundary). Writes Δ into
     * out; returns whether it lies on the boundary.
     */
    private static boolean steihaug(LinearOperator h, double[] g, double r, double rtol, int maxIter, double[] out) {
        int p = g.length;
        java.util.Arrays.fill(out, 0.0);
        double[] res = new double[p], d = new double[p], hd = new double[p];
        for (int i = 0; i < p; i++) {
            res[i] = -g[i];
            d[i] = -g[i];
        }
        double rr = dot(res, res);
        for (int j = 0; j < maxIter && Math.sqrt(rr) > rtol; j++) {
            h.apply(d, hd);
            double dhd = dot(d, hd);
            if (dhd <= 0) {
                toBoundary(out, d, r);
                return true;
            }
            double alpha = rr / dhd;
            double zz = 0;
            for (int i = 0; i < p; i++) {
                double z = out[i] + alpha * d[i];
                zz += z * z;
            }
            if (Math.sqrt(zz) >= r) {
                toBoundary(out, d, r);
                return true;
            }
            for (int i = 0; i < p; i++) {
                out[i] += alpha * d[i];
                res[i] -= alpha * hd[i];
            }
            double rrNew = dot(res, res);
            double beta = rrNew / rr;
            for (int i = 0; i < p; i++) d[i] = res[i] + beta * d[i];
            rr = rrNew;
        }
        return false;
    }

    /** z ← z + τd with τ ≥ 0 and ‖z + τd‖ = r. */
    private static void toBoundary(double[] z, double[] d, double r) {
        double a = dot(d, d), b = dot(z, d), c = dot(z, z) - r * r;
        double t = (-b + Math.sqrt(Math.max(0, b * b - a * c))) / a;
        for (int i = 0; i < z.length; i++) z[i] += t * d[i];
    }

    private static double dot(double[] a, double[] b) {
        return kernels().dot(a.length, a, 0, b, 0);
    }

    private static void axpy(double a, double[] x, double[] y) {
        kernels().axpy(y.length, a, x, 0, y, 0);
    }
}
