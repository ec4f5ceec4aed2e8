package dev.morse.analysis;

import dev.morse.engine.CurvatureOperator;
import dev.morse.engine.Evaluator;
import dev.morse.engine.Part;
import dev.morse.linalg.Linalg;
import dev.morse.linalg.NativeThreads;
import dev.morse.linalg.SymmetricEigen;
import dev.morse.simd.KernelProvider;
import dev.morse.simd.Kernels;

/**
 * Optimizers that drive θ to a critical point of L_R (SPEC §6): full-batch gradient descent,
 * L-BFGS, and Newton refinement with exact Hessians (dense Newton for small P, Newton–MINRES on
 * exact HVPs otherwise). Each returns a {@link Trajectory} and stops with a stated reason.
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

    /** Full-batch gradient descent with a fixed learning rate; stops at grad_tol, maxIter, or a non-finite loss. */
    public static Trajectory gradientDescent(Evaluator obj, double[] theta0, double learningRate, int maxIter, double gradTol) {
        if (!(learningRate > 0)) throw new IllegalArgumentException("learning rate must be positive, got " + learningRate);
        double[] theta = theta0.clone();
        double[] g = new double[obj.dim()];
        Trajectory.Recorder rec = new Trajectory.Recorder();
        double l = obj.lossAndGradient(theta, g);
        rec.add(l, norm(g));
        for (int it = 0; it < maxIter; it++) {
            if (norm(g) <= tol(gradTol, l)) return rec.finish("gd", theta, Trajectory.StopReason.CONVERGED);
            for (int i = 0; i < theta.length; i++) theta[i] -= learningRate * g[i];
            for (double x : theta) if (!Double.isFinite(x)) return rec.finish("gd", theta, Trajectory.StopReason.STALLED);
            l = obj.lossAndGradient(theta, g);
            rec.add(l, norm(g));
        }
        return rec.finish("gd", theta, norm(g) <= tol(gradTol, l) ? Trajectory.StopReason.CONVERGED : Trajectory.StopReason.MAX_ITERATIONS);
    }

    /** L-BFGS (two-loop recursion, memory {@code history}) with a backtracking Armijo line search. */
    public static Trajectory lbfgs(Evaluator obj, double[] theta0, int history, int maxIter, double gradTol) {
        int p = obj.dim();
        double[] theta = theta0.clone();
        double[] g = new double[p];
        double[][] s = new double[history][p], y = new double[history][p];
        double[] rho = new double[history], alpha = new double[history];
        int stored = 0, head = 0;
        Trajectory.Recorder rec = new Trajectory.Recorder();
        double l = obj.lossAndGradient(theta, g);
        rec.add(l, norm(g));
        double[] d = new double[p], thetaNew = new double[p], gNew = new double[p];
        for (int it = 0; it < maxIter; it++) {
            if (norm(g) <= tol(gradTol, l)) return rec.finish("lbfgs", theta, Trajectory.StopReason.CONVERGED);
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
     * Newton refinement to a critical point (minimum, saddle or maximum) of L_R with exact
     * curvature: it solves ∇L_R(θ) = 0, so it converges to the critical point near the start
     * whatever its index.
     *
     * <p>Dense path (P ≤ {@code denseLimit}): Levenberg–Marquardt on the system ∇L_R = 0, whose
     * Jacobian is H: Δ = −(H² + μI)⁻¹ H g, from one eigendecomposition per iteration
     * (Δ = −Σ_i u_i λ_i (u_iᵀg)/(λ_i² + μ)). μ shrinks tenfold after a step that lowers ‖∇L_R‖ and
     * grows tenfold (same eigendecomposition, one gradient each) until one does; μ → 0 is Newton
     * with the pseudo-inverse, so convergence is quadratic near a nondegenerate critical point, and
     * the damping keeps near-zero eigenvalues (degenerate minima) from throwing the iterate away.
     *
     * <p>Matrix-free path: Δ = −H⁺g by MINRES on exact HVPs, backtracking on ‖∇L_R‖.
     *
     * <p>A step must lower ‖∇L_R‖ by a relative 1e-6; at rounding level none does and the run stops
     * as CONVERGED (‖∇L_R‖ ≤ grad_tol) or STALLED.
     */
    public static Trajectory newton(Evaluator obj, double[] theta0, int maxIter, double gradTol, int denseLimit) {
        int p = obj.dim();
        double[] theta = theta0.clone();
        double[] g = new double[p];
        Trajectory.Recorder rec = new Trajectory.Recorder();
        double l = obj.lossAndGradient(theta, g);
        double gn = norm(g);
        rec.add(l, gn);
        double[] step = new double[p], trial = new double[p], gTrial = new double[p], coef = new double[p];
        boolean dense = p <= denseLimit;
        String name = dense ? "newton-dense" : "newton-minres";
        double mu = 0;
        for (int it = 0; it < maxIter; it++) {
            if (gn <= tol(gradTol, l)) return rec.finish(name, theta, Trajectory.StopReason.CONVERGED);
            boolean accepted = false;
            double lT = l, gnT = gn;
            if (dense) {
                double[] h = obj.dense(Part.HESSIAN, theta);
                SymmetricEigen eig;
                try (NativeThreads.Scope s = obj.nativeScope()) {
                    eig = Linalg.get().eighInPlace(h, p, true);
                }
                double[] lam = eig.values();
                double[] u = eig.vectors();
                double hmax = Math.max(Math.abs(lam[0]), Math.abs(lam[p - 1]));
                for (int i = 0; i < p; i++) {
                    double c = 0;
                    for (int j = 0; j < p; j++) c += u[i * p + j] * g[j];
                    coef[i] = c;
                }
                // Start from the last accepted damping, relative to ‖H‖²; 0 is plain Newton.
                double m = mu;
                for (int tries = 0; tries < 30; tries++) {
                    java.util.Arrays.fill(step, 0.0);
                    for (int i = 0; i < p; i++) {
                        double li = lam[i];
                        double denom = li * li + m;
                        if (denom <= 1e-24 * hmax * hmax || Math.abs(li) <= 1e-14 * hmax) continue;   // null space: no step
                        double c = -coef[i] * li / denom;
                        for (int j = 0; j < p; j++) step[j] += c * u[i * p + j];
                    }
                    for (int i = 0; i < p; i++) trial[i] = theta[i] + step[i];
                    lT = obj.lossAndGradient(trial, gTrial);
                    gnT = norm(gTrial);
                    if (Double.isFinite(lT) && gnT < (1 - 1e-6) * gn) {
                        accepted = true;
                        mu = m / 10 < 1e-30 * hmax * hmax ? 0 : m / 10;
                        break;
                    }
                    m = m == 0 ? 1e-12 * hmax * hmax : m * 10;
                }
            } else {
                Minres.solve(CurvatureOperator.hessian(obj, theta), g, step, 1e-12, Math.min(p, 500));
                double t = 1.0;
                for (int ls = 0; ls < 40; ls++) {
                    for (int i = 0; i < p; i++) trial[i] = theta[i] - t * step[i];
                    lT = obj.lossAndGradient(trial, gTrial);
                    gnT = norm(gTrial);
                    // Require a real decrease: at rounding level ‖∇‖ only jitters, and that is a stall.
                    if (Double.isFinite(lT) && gnT < (1 - 1e-6) * gn) {
                        accepted = true;
                        break;
                    }
                    t *= 0.5;
                }
            }
            if (!accepted) return rec.finish(name, theta, gn <= tol(gradTol, l) ? Trajectory.StopReason.CONVERGED : Trajectory.StopReason.STALLED);
            System.arraycopy(trial, 0, theta, 0, p);
            System.arraycopy(gTrial, 0, g, 0, p);
            l = lT;
            gn = gnT;
            rec.add(l, gn);
        }
        return rec.finish(name, theta, gn <= tol(gradTol, l) ? Trajectory.StopReason.CONVERGED : Trajectory.StopReason.MAX_ITERATIONS);
    }

    private static double dot(double[] a, double[] b) {
        return kernels().dot(a.length, a, 0, b, 0);
    }

    private static void axpy(double a, double[] x, double[] y) {
        kernels().axpy(y.length, a, x, 0, y, 0);
    }
}
