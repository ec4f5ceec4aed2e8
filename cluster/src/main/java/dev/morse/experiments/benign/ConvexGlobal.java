package dev.morse.experiments.benign;

import java.util.ArrayList;
import java.util.List;

/**
 * The global minimum value of L(W, a) = (1/n)‖f − y‖² + λ(‖W‖²_F + ‖a‖²) over all widths m ≥ m*
 * (m* ≤ n + 1 suffices), computed exactly through its convex reformulation over activation patterns
 * (Pilanci &amp; Ergen 2020; with weight decay the balanced rescaling gives the group norm):
 *
 * <pre>
 *   P* = min  (1/n)‖ Σ_{S,σ} σ D_S X v_{S,σ} − y ‖² + β Σ_{S,σ} ‖v_{S,σ}‖,   β = 2λ,
 *        s.t. v_{S,σ} ∈ C_S = {v : (2D_S − I) X v ≥ 0},
 * </pre>
 *
 * over the 2ⁿ − 1 non-empty patterns S (all realizable: the inputs are linearly independent, d ≥ n)
 * and both output signs σ. A network reaches P* with one neuron per non-zero block, and no network
 * goes below it, so P* is the global minimum of the non-convex objective whenever m is at least
 * the number of non-zero blocks.
 *
 * <h2>How it is solved</h2>
 * Its Fenchel dual has n variables:
 *
 * <pre>
 *   D* = max_μ  −μᵀy − (n/4)‖μ‖²   s.t.  ψ_{S,σ}(μ) = ‖Π_{C_S}(σ XᵀD_S μ)‖² ≤ β²  for all S, σ,
 * </pre>
 *
 * (strong duality: μ = 0 is strictly feasible), with μ* = (2/n)(f* − y). Each ψ is convex, C¹ with
 * gradient 2σD_S X Π_{C_S}(·) and piecewise-constant Hessian 2D_S(K − K_{:J}K_JJ⁻¹K_{J:})D_S (J: the
 * active faces of the projection), computed exactly by {@link ConeProjection}. A log-barrier
 * interior-point method with damped Newton steps solves the dual; every iterate is strictly feasible,
 * so D(μ) is a certified <b>lower bound</b>. A certified <b>upper bound</b> is the objective of an
 * explicit network: the atoms Π_{C_S}(·)/‖·‖ of the nearly active constraints, weighted by the exact
 * minimizer of the primal restricted to them (a non-negative QP, {@link SmallQp}). The result is the
 * interval [lower, upper]; its width is the certificate.
 *
 * <h2>Orthonormal inputs</h2>
 * With K = I the program decouples: C_S's projection keeps the coordinates of sign s_i, every
 * non-negative vector p is one neuron's output at cost ‖p‖, and the optimum splits into the positive
 * and the negative labels:
 *
 * <pre>  P* = g(‖y₊‖) + g(‖y₋‖),   g(s) = s²/n if s ≤ nλ,  else 2λs − nλ²,</pre>
 *
 * (group soft-thresholding of y₊ and y₋). {@link #orthonormal} is this formula; the tests and every
 * task check it against the general solver.
 */
public final class ConvexGlobal {
    private ConvexGlobal() {}

    /**
     * @param lower       certified lower bound (dual objective at a feasible point)
     * @param upper       certified upper bound (objective of an explicit network of {@code atoms} neurons)
     * @param mu          the dual point; (n/2)μ is the optimal residual f* − y to within the gap
     * @param constraints number of (pattern, sign) constraints, 2(2ⁿ − 1)
     * @param newtonSteps Newton steps of the interior-point method
     */
    public record Bounds(double lower, double upper, double[] mu, int constraints, int atoms, int newtonSteps) {
        public double gap() { return upper - lower; }
        public double value() { return 0.5 * (lower + upper); }
    }

    /** The closed form for orthonormal inputs (see the class comment). */
    public static double orthonormal(double[] y, double lambda) {
        int n = y.length;
        double pos = 0, neg = 0;
        for (double v : y) { if (v > 0) pos += v * v; else neg += v * v; }
        return g(Math.sqrt(pos), n, lambda) + g(Math.sqrt(neg), n, lambda);
    }

    private static double g(double s, int n, double lambda) {
        return s <= n * lambda ? s * s / n : 2 * lambda * s - n * lambda * lambda;
    }

    /** Solves the convex program of {@code data} to a certified gap (normally ≤ 1e-12 relative). */
    public static Bounds solve(BenignData data, double lambda) {
        return solve(data.gram(), data.y(), lambda);
    }

    static final int MAX_N = 12;

    public static Bounds solve(double[][] k, double[] y, double lambda) {
        int n = y.length;
        if (n > MAX_N) throw new IllegalArgumentException("the convex program enumerates 2^n patterns; n = " + n + " > " + MAX_N);
        if (!(lambda > 0)) throw new IllegalArgumentException("lambda must be > 0, got " + lambda);
        double beta = 2 * lambda, beta2 = beta * beta;
        int patterns = (1 << n) - 1;
        int mCons = 2 * patterns;
        double[] mu = new double[n];
        double scaleD = Math.max(Dense.dot(y, y) / n, Double.MIN_NORMAL);
        double t = mCons / scaleD;
        int newton = 0;
        Eval ev = new Eval(k, n, patterns);
        // Barrier suboptimality ≤ mCons / t: push it far below any tolerance used on values.
        double targetBarrierGap = 1e-14 * scaleD;
        outer:
        for (int outer = 0; outer < 80; outer++) {
            for (int inner = 0; inner < 200; inner++) {
                ev.at(mu, beta2, true);
                double[] grad = new double[n];
                double[][] negH = new double[n][n];
                for (int i = 0; i < n; i++) {
                    grad[i] = t * (-y[i] - 0.5 * n * mu[i]);
                    negH[i][i] = t * 0.5 * n;
                }
                for (int c = 0; c < mCons; c++) {
                    double s = beta2 - ev.psi[c];
                    double[] gp = ev.grad[c];
                    for (int i = 0; i < n; i++) {
                        grad[i] -= gp[i] / s;
                        for (int j = 0; j < n; j++) negH[i][j] += ev.hess[c][i][j] / s + gp[i] * gp[j] / (s * s);
                    }
                }
                double[] dir;
                try {
                    dir = Dense.choleskySolve(negH, grad, "convex program: barrier Hessian");
                } catch (IllegalStateException illConditioned) {
                    // Far along the central path the barrier Hessian can lose definiteness to rounding:
                    // stop here; the bounds below certify whatever accuracy was reached.
                    break outer;
                }
                double decrement = Dense.dot(grad, dir);
                newton++;
                if (decrement < 1e-9) break;
                double phi0 = ev.barrier(t, y, mu, beta2);
                double step = 1.0;
                double[] trial = new double[n];
                boolean moved = false;
                for (int ls = 0; ls < 60; ls++) {
                    for (int i = 0; i < n; i++) trial[i] = mu[i] + step * dir[i];
                    ev.at(trial, beta2, false);
                    if (ev.feasible) {
                        double phi = ev.barrier(t, y, trial, beta2);
                        if (phi >= phi0 + 0.25 * step * decrement) { moved = true; break; }
                    }
                    step *= 0.5;
                }
                if (!moved) break;
                System.arraycopy(trial, 0, mu, 0, n);
            }
            if (mCons / t < targetBarrierGap) break;
            t *= 20;
        }
        // Certified lower bound: scale μ into the feasible set if rounding put it outside.
        ev.at(mu, beta2, false);
        double worst = 0;
        for (int c = 0; c < mCons; c++) worst = Math.max(worst, ev.psi[c]);
        double shrink = worst > beta2 ? Math.sqrt(beta2 / worst) : 1.0;
        double[] muF = mu.clone();
        for (int i = 0; i < n; i++) muF[i] *= shrink;
        double lower = dual(y, muF);
        double[] upperAtoms = primalUpper(k, y, lambda, mu, ev, beta2);
        return new Bounds(lower, upperAtoms[0], muF, mCons, (int) upperAtoms[1], newton);
    }

    static double dual(double[] y, double[] mu) {
        return -Dense.dot(mu, y) - 0.25 * y.length * Dense.dot(mu, mu);
    }

    /** {upper bound, number of atoms}: the primal restricted to the atoms of the nearly active constraints. */
    private static double[] primalUpper(double[][] k, double[] y, double lambda, double[] mu, Eval ev, double beta2) {
        int n = y.length;
        ev.at(mu, beta2, false);
        int mCons = ev.psi.length;
        Integer[] order = new Integer[mCons];
        for (int c = 0; c < mCons; c++) order[c] = c;
        java.util.Arrays.sort(order, (p, q) -> Double.compare(ev.psi[q], ev.psi[p]));
        List<double[]> atoms = new ArrayList<>();
        List<double[]> basis = new ArrayList<>();
        for (int idx = 0; idx < mCons && atoms.size() < n; idx++) {
            int c = order[idx];
            if (ev.psi[c] < beta2 * (1 - 1e-3) * (1 - 1e-3)) break;
            int pattern = c / 2 + 1;
            int sigma = (c & 1) == 0 ? 1 : -1;
            double[] coef = ev.coef[c];
            double nrm = Math.sqrt(ev.psi[c]);
            if (!(nrm > 0)) continue;
            // Neuron output of v = Xᵀcoef/‖·‖ on pattern S: D_S K coef / ‖·‖, with output sign −σ.
            double[] kc = Dense.mul(k, coef);
            double[] atom = new double[n];
            for (int i = 0; i < n; i++) if ((pattern >> i & 1) == 1) atom[i] = -sigma * Math.max(0.0, kc[i]) / nrm;
            // Keep atoms linearly independent (Gram–Schmidt test), so the QP is strictly convex.
            double[] rres = atom.clone();
            for (double[] b : basis) { double p = Dense.dot(b, rres); for (int i = 0; i < n; i++) rres[i] -= p * b[i]; }
            double rn = Math.sqrt(Dense.dot(rres, rres));
            if (rn <= 1e-8 * Math.sqrt(Dense.dot(atom, atom))) continue;
            for (int i = 0; i < n; i++) rres[i] /= rn;
            basis.add(rres);
            atoms.add(atom);
        }
        int q = atoms.size();
        if (q == 0) return new double[] {Dense.dot(y, y) / n, 0};
        double[][] h = new double[q][q];
        double[] g = new double[q];
        double[] lo = new double[q];
        double[] hi = new double[q];
        for (int p = 0; p < q; p++) {
            for (int s = 0; s < q; s++) h[p][s] = 2.0 / n * Dense.dot(atoms.get(p), atoms.get(s));
            g[p] = -2.0 / n * Dense.dot(atoms.get(p), y) + 2 * lambda;
            hi[p] = Double.POSITIVE_INFINITY;
        }
        double[] gamma = SmallQp.solve(h, g, lo, hi).x();
        double[] f = new double[n];
        double cost = 0;
        int used = 0;
        for (int p = 0; p < q; p++) {
            if (gamma[p] <= 0) continue;
            used++;
            cost += 2 * lambda * gamma[p];
            for (int i = 0; i < n; i++) f[i] += gamma[p] * atoms.get(p)[i];
        }
        double loss = 0;
        for (int i = 0; i < n; i++) loss += (f[i] - y[i]) * (f[i] - y[i]);
        return new double[] {Math.min(loss / n + cost, Dense.dot(y, y) / n), used};
    }

    /** ψ, ∇ψ, ∇²ψ of every constraint at one μ (constraint c: pattern c/2 + 1, sign + for even c). */
    private static final class Eval {
        final double[][] k;
        final int n;
        final double[] psi;
        final double[][] grad;
        final double[][][] hess;
        final double[][] coef;
        boolean feasible;

        Eval(double[][] k, int n, int patterns) {
            this.k = k;
            this.n = n;
            psi = new double[2 * patterns];
            grad = new double[2 * patterns][];
            hess = new double[2 * patterns][][];
            coef = new double[2 * patterns][];
        }

        void at(double[] mu, double beta2, boolean derivatives) {
            feasible = true;
            int patterns = psi.length / 2;
            for (int p = 1; p <= patterns; p++) {
                for (int sIdx = 0; sIdx < 2; sIdx++) {
                    int c = 2 * (p - 1) + sIdx;
                    double sigma = sIdx == 0 ? 1 : -1;
                    double[] cvec = new double[n];
                    for (int i = 0; i < n; i++) if ((p >> i & 1) == 1) cvec[i] = sigma * mu[i];
                    ConeProjection.Result pr = ConeProjection.projectPattern(k, p, cvec);
                    psi[c] = pr.norm2();
                    coef[c] = pr.coef();
                    if (!(psi[c] < beta2)) feasible = false;
                    if (!derivatives) continue;
                    double[] kc = Dense.mul(k, pr.coef());
                    double[] gv = new double[n];
                    for (int i = 0; i < n; i++) if ((p >> i & 1) == 1) gv[i] = 2 * sigma * kc[i];
                    grad[c] = gv;
                    hess[c] = patternHessian(p, pr.active());
                }
            }
        }

        /** 2 D_S (K − K_{:J} K_JJ⁻¹ K_{J:}) D_S. */
        private double[][] patternHessian(int pattern, int[] active) {
            double[][] m = new double[n][n];
            for (int i = 0; i < n; i++) m[i] = k[i].clone();
            int q = active.length;
            if (q > 0) {
                double[][] kjj = new double[q][q];
                for (int a = 0; a < q; a++) for (int b = 0; b < q; b++) kjj[a][b] = k[active[a]][active[b]];
                double[][] inv = Dense.inverseSpd(kjj, "Gram matrix of the active faces");
                for (int i = 0; i < n; i++) {
                    for (int j = 0; j < n; j++) {
                        double s = 0;
                        for (int a = 0; a < q; a++) for (int b = 0; b < q; b++) s += k[i][active[a]] * inv[a][b] * k[active[b]][j];
                        m[i][j] -= s;
                    }
                }
            }
            double[][] h = new double[n][n];
            for (int i = 0; i < n; i++) {
                if ((pattern >> i & 1) == 0) continue;
                for (int j = 0; j < n; j++) if ((pattern >> j & 1) == 1) h[i][j] = 2 * m[i][j];
            }
            return h;
        }

        double barrier(double t, double[] y, double[] mu, double beta2) {
            double s = t * dual(y, mu);
            for (double v : psi) s += Math.log(beta2 - v);
            return s;
        }
    }
}
