package dev.morse.experiments.benign;

/**
 * Full-batch gradient descent on L(W, a) = (1/n)Σ(f(x_i) − y_i)² + λ(‖W‖²_F + ‖a‖²), run exactly in
 * pre-activation coordinates.
 *
 * <h2>The coordinates (derivation)</h2>
 * Write w_j = XᵀK⁻¹u_j + w_j^⊥ with u_ji = w_jᵀx_i, K = XXᵀ (inputs linearly independent) and w_j^⊥
 * orthogonal to every x_i. A GD step w_j ← w_j − η[(2/n) a_j Σ_i r_i ReLU′(u_ji) x_i + 2λ w_j] maps to
 *
 * <pre>
 *   u_jk ← u_jk − η [ (K c_j)_k + 2λ u_jk ],      c_ji = (2/n) a_j r_i ReLU′(u_ji)
 *   a_j  ← a_j  − η [ (2/n) Σ_i r_i ReLU(u_ji) + 2λ a_j ]
 *   w_j^⊥ ← (1 − 2ηλ) w_j^⊥
 * </pre>
 *
 * with r = f − y, f_i = Σ_j a_j ReLU(u_ji): a closed system of n + 1 numbers per neuron plus the
 * norm of w_j^⊥, which never influences anything else. Same iterates as GD on θ, to rounding
 * (checked step by step in the tests); a step costs O(m n) for orthonormal inputs (K = I) instead
 * of O(m n d).
 *
 * <h2>Parts whose limit is known exactly</h2>
 * <ul>
 *   <li>w_j^⊥ decays geometrically to 0.</li>
 *   <li>A <em>dead</em> neuron (all u_ji ≤ 0) gets no data gradient (ReLU′ = 0 there), so u_j and a_j
 *       decay geometrically: it stays dead and tends to exactly 0. Dead neurons leave the loop.</li>
 *   <li>Orthonormal inputs (K = I): an inactive coordinate u_ji ≤ 0 gets no data gradient either, so
 *       it only decays, never becomes active again (a neuron's active set only shrinks), and tends to 0.</li>
 * </ul>
 * The <b>end point</b> θ* of a run replaces these parts by their limits (0): it is the point GD
 * converges to whenever the rest converges. The stopping test is ‖∇L(θ*)‖ &lt; {@code gradTol}
 * (the authors stop at ‖∇L‖² &lt; 10⁻¹⁶), computed in every step at no extra cost; the gradient at
 * the current iterate θ_t is reported beside it. Without this, a run at λ = 10⁻⁵ would need
 * ~10⁷ more steps only for the decay of parts that cannot affect where it ends.
 *
 * <h2>Step size</h2>
 * η_t = min(lr, 1/L̂_t) with L̂_t = (2/n)(Σ_i ‖∇_θ f(x_i)‖² + ‖r‖ ‖K‖_F^{1/2}) + 2λ, an upper bound on
 * the largest Hessian eigenvalue of the smooth piece at θ_t (Gauss–Newton part by its trace, the
 * residual part per neuron by ‖Σ_i r_i ReLU′(u_ji) x_i‖). For small initializations it is lr (the
 * authors' 0.01); large initializations at large width need smaller steps early on, and the rule
 * restores lr as the weights shrink. The same rule, evaluated on θ, drives the reference GD in the
 * tests.
 */
public final class PreactivationGd {

    /**
     * @param lambda     weight decay λ
     * @param lr         largest step size
     * @param maxSteps   cap: a run that reaches it is reported unconverged
     * @param gradTol    stop when ‖∇L(θ*)‖ &lt; gradTol
     * @param divergence a run whose objective exceeds this multiple of its initial value (or is not finite) is stopped as diverged
     */
    public record Options(double lambda, double lr, long maxSteps, double gradTol, double divergence, double valueBound) {
        public Options(double lambda, double lr, long maxSteps, double gradTol, double divergence) {
            this(lambda, lr, maxSteps, gradTol, divergence, Double.NaN);
        }

        /** Also stop ({@link Status#VALUE_BOUND}) once a monotone run's objective is ≤ {@code bound}. */
        public Options withValueBound(double bound) { return new Options(lambda, lr, maxSteps, gradTol, divergence, bound); }

        public Options {
            if (!(lambda > 0)) throw new IllegalArgumentException("lambda must be > 0, got " + lambda);
            if (!(lr > 0)) throw new IllegalArgumentException("lr must be > 0, got " + lr);
            if (maxSteps < 1) throw new IllegalArgumentException("max_steps must be ≥ 1, got " + maxSteps);
            if (!(gradTol > 0)) throw new IllegalArgumentException("grad_tol must be > 0, got " + gradTol);
            if (!(divergence > 1)) throw new IllegalArgumentException("divergence factor must be > 1, got " + divergence);
        }

        public static Options defaults(double lambda) { return new Options(lambda, 0.01, 2_000_000, 1e-8, 1e3); }
    }

    /**
     * How a run ended. {@code VALUE_BOUND}: the objective of the iterate θ_t fell to the value bound
     * of the options (the global value plus its tolerance) while every step so far decreased it. GD's
     * objective then stays ≤ L(θ_t) along the rest of the run, and no point is below the global value,
     * so wherever the run converges it is global within the tolerance: the run stops there.
     */
    public enum Status { CONVERGED, MAX_STEPS, DIVERGED, VALUE_BOUND }

    /**
     * @param end          θ*: the iterate with the parts of known limit replaced by 0 (see the class comment)
     * @param gradNorm     ‖∇L(θ*)‖
     * @param gradNormRaw  ‖∇L(θ_t)‖ at the last iterate itself
     * @param objectiveRaw L(θ_t)
     */
    public record Result(Status status, long steps, EndPoint end, double gradNorm, double gradNormRaw,
                         double objectiveRaw, double lastStepSize, double minStepSize, int deadNeurons, boolean monotone) {}

    private static final int DIVERGENCE_CHECK_EVERY = 1000;

    private final BenignData data;
    private final Options opt;
    private final int n, m;
    private final boolean ortho;
    private final double[][] k;
    private final double[] kDiag;
    private final double kNormRoot;
    final double[] u;
    final double[] a;
    /** ‖w_j^⊥‖ at the start, and the log of Π(1 − 2η_tλ) so far (w^⊥ and dead neurons decay by it). */
    private final double[] perp0;
    private final double[][] perpDir;
    private double logDecay;
    private final double[] logDecayAtDeath;
    private final boolean[] dead;
    private final int[] live;
    private int liveCount;
    private long steps;
    private final double[] f, r, c, gu;
    /** Σ(a_j² + ‖w_j‖²) over dead neurons, and Σ‖w_j^⊥‖², at the current step (both only decay). */
    private double deadNorm2, perpNorm2;
    /** L(θ_t) computed by the last {@link #step()}, and whether every step so far decreased L. */
    private double lastObjective = Double.NaN;
    private boolean monotone = true;

    public PreactivationGd(BenignData data, ReluNet init, Options opt) {
        this.data = data;
        this.opt = opt;
        this.n = data.n();
        this.m = init.width();
        if (init.w()[0].length != data.d()) {
            throw new IllegalArgumentException("network input size " + init.w()[0].length + " ≠ data dimension " + data.d());
        }
        this.ortho = data.orthonormal();
        this.k = data.gram();
        this.kDiag = new double[n];
        for (int i = 0; i < n; i++) kDiag[i] = ortho ? 1.0 : k[i][i];
        this.kNormRoot = ortho ? 1.0 : Math.sqrt(Dense.frobenius(k));
        EndPoint p = EndPoint.of(data, opt.lambda(), init);
        this.u = p.u();
        this.a = p.a();
        this.perp0 = new double[m];
        this.perpDir = new double[m][];
        ReluNet inSpan = p.toNet();
        for (int j = 0; j < m; j++) {
            double[] perp = init.w()[j].clone();
            for (int l = 0; l < perp.length; l++) perp[l] -= inSpan.w()[j][l];
            perp0[j] = Math.sqrt(Dense.dot(perp, perp));
            if (perp0[j] > 0) for (int l = 0; l < perp.length; l++) perp[l] /= perp0[j];
            perpDir[j] = perp;
        }
        this.logDecayAtDeath = new double[m];
        this.dead = new boolean[m];
        this.live = new int[m];
        for (int j = 0; j < m; j++) {
            boolean anyActive = false;
            for (int i = 0; i < n; i++) anyActive |= u[j * n + i] > 0;
            if (anyActive) live[liveCount++] = j;
            else { dead[j] = true; deadNorm2 += a[j] * a[j] + p.weightNorm2(j); }
            perpNorm2 += perp0[j] * perp0[j];
        }
        this.f = new double[n];
        this.r = new double[n];
        this.c = new double[n];
        this.gu = new double[n];
    }

    public long steps() { return steps; }

    private double sumSq(int base) {
        double s = 0;
        for (int i = 0; i < n; i++) s += u[base + i] * u[base + i];
        return s;
    }

    private double quadInv(int base) {
        double[] v = new double[n];
        System.arraycopy(u, base, v, 0, n);
        return Dense.quad(data.gramInverse(), v);
    }

    /** One GD step (for the step-by-step comparison with GD on θ); returns the step size used. */
    double stepOnce() {
        if (Double.isNaN(step())) throw new IllegalStateException("iterate is not finite at step " + steps);
        apply();
        return lastEta;
    }

    /** The current iterate θ_t as (W, a), w_j^⊥ and dead neurons included (for the tests). */
    public ReluNet theta() {
        ReluNet inSpan = new EndPoint(data, opt.lambda(), m, currentU(), currentA()).toNet();
        double scale = Math.exp(logDecay);
        for (int j = 0; j < m; j++) {
            for (int l = 0; l < data.d(); l++) inSpan.w()[j][l] += perp0[j] * scale * perpDir[j][l];
        }
        return inSpan;
    }

    private double deadScale(int j) { return Math.exp(logDecay - logDecayAtDeath[j]); }

    private double[] currentU() {
        double[] out = u.clone();
        for (int j = 0; j < m; j++) if (dead[j]) { double s = deadScale(j); for (int i = 0; i < n; i++) out[j * n + i] *= s; }
        return out;
    }

    private double[] currentA() {
        double[] out = a.clone();
        for (int j = 0; j < m; j++) if (dead[j]) out[j] *= deadScale(j);
        return out;
    }

    /** θ*: dead neurons and w^⊥ at 0; for orthonormal inputs, inactive coordinates at 0 too. */
    public EndPoint endPoint() {
        double[] us = u.clone();
        double[] as = a.clone();
        for (int j = 0; j < m; j++) {
            if (dead[j]) {
                as[j] = 0;
                for (int i = 0; i < n; i++) us[j * n + i] = 0;
            } else if (ortho) {
                for (int i = 0; i < n; i++) if (us[j * n + i] <= 0) us[j * n + i] = 0;
            }
        }
        return new EndPoint(data, opt.lambda(), m, us, as);
    }

    /** Runs until ‖∇L(θ*)‖ &lt; gradTol, the step cap, or divergence. */
    public Result run() {
        double initial = objectiveRaw();
        double minStep = Double.POSITIVE_INFINITY;
        double lastStep = Double.NaN;
        while (true) {
            double gradStar2 = step();
            if (Double.isNaN(gradStar2)) return finish(Status.DIVERGED, lastStep, minStep, Double.NaN);
            if (gradStar2 < opt.gradTol() * opt.gradTol()) return finish(Status.CONVERGED, lastStep, minStep, Math.sqrt(gradStar2));
            if (monotone && lastObjective <= opt.valueBound()) return finish(Status.VALUE_BOUND, lastStep, minStep, Math.sqrt(gradStar2));
            lastStep = lastEta;
            minStep = Math.min(minStep, lastEta);
            apply();
            if (steps % DIVERGENCE_CHECK_EVERY == 0) {
                double obj = objectiveRaw();
                if (!(obj <= opt.divergence() * initial)) return finish(Status.DIVERGED, lastStep, minStep, Double.NaN);
            }
            if (steps >= opt.maxSteps()) {
                double g2 = step();
                return finish(Status.MAX_STEPS, lastStep, minStep, Math.sqrt(g2));
            }
        }
    }

    private Result finish(Status s, double lastStep, double minStep, double gradStar) {
        EndPoint end = endPoint();
        ReluNet theta = theta();
        double raw = theta.gradient(data, opt.lambda()).norm();
        return new Result(s, steps, end, Double.isNaN(gradStar) ? end.gradientNorm() : gradStar, raw,
                theta.objective(data, opt.lambda()), lastStep, minStep, m - liveCount, monotone);
    }

    private double objectiveRaw() {
        return theta().objective(data, opt.lambda());
    }

    // The pending update of the current step (computed by step(), applied by apply()).
    private double lastEta;
    private double[] pendingGa = new double[0];
    private double[] pendingGu = new double[0];

    /**
     * Computes the gradient at θ_t and the step size, keeps them for {@link #apply()}, and returns
     * ‖∇L(θ*_t)‖² (NaN if the iterate is not finite).
     */
    private double step() {
        if (pendingGa.length != m) { pendingGa = new double[m]; pendingGu = new double[m * n]; }
        java.util.Arrays.fill(f, 0);
        double trace = 0;
        for (int p = 0; p < liveCount; p++) {
            int j = live[p], base = j * n;
            double aj = a[j];
            for (int i = 0; i < n; i++) {
                double v = u[base + i];
                if (v > 0) { f[i] += aj * v; trace += v * v + aj * aj * kDiag[i]; }
            }
        }
        double rn2 = 0;
        for (int i = 0; i < n; i++) { r[i] = f[i] - data.y()[i]; rn2 += r[i] * r[i]; }
        if (!Double.isFinite(rn2) || !Double.isFinite(trace)) return Double.NaN;
        double lambda = opt.lambda();
        double lHat = 2.0 / n * (trace + Math.sqrt(rn2) * kNormRoot) + 2 * lambda;
        lastEta = Math.min(opt.lr(), 1.0 / lHat);
        double g2 = 0;
        double twoOverN = 2.0 / n;
        double liveNorm2 = 0;
        for (int p = 0; p < liveCount; p++) {
            int j = live[p], base = j * n;
            double aj = a[j];
            liveNorm2 += aj * aj;
            if (ortho) for (int i = 0; i < n; i++) liveNorm2 += u[base + i] * u[base + i];
            else {
                for (int i = 0; i < n; i++) gu[i] = u[base + i];
                liveNorm2 += Dense.quad(data.gramInverse(), gu);
            }
            double sa = 0;
            for (int i = 0; i < n; i++) {
                double v = u[base + i];
                if (v > 0) { sa += r[i] * v; c[i] = twoOverN * aj * r[i]; } else c[i] = 0;
            }
            double ga = twoOverN * sa + 2 * lambda * aj;
            pendingGa[j] = ga;
            g2 += ga * ga;
            if (ortho) {
                for (int i = 0; i < n; i++) {
                    double g = c[i] + 2 * lambda * u[base + i];
                    pendingGu[base + i] = g;
                    // θ*: inactive coordinates are at their limit 0, where the gradient vanishes.
                    if (u[base + i] > 0) g2 += g * g;
                }
            } else {
                for (int i = 0; i < n; i++) {
                    double s = 2 * lambda * u[base + i];
                    for (int q = 0; q < n; q++) s += k[i][q] * c[q];
                    gu[i] = s;
                    pendingGu[base + i] = s;
                }
                g2 += Dense.quad(data.gramInverse(), gu);
            }
        }
        double objective = rn2 / n + lambda * (liveNorm2 + deadNorm2 + perpNorm2);
        // A rise beyond rounding voids the value bound for the rest of the run.
        if (objective > lastObjective + 1e-13 * Math.abs(lastObjective)) monotone = false;
        lastObjective = objective;
        return g2;
    }

    /** θ_{t+1} = θ_t − η ∇L(θ_t), with the gradient computed by {@link #step()}. */
    private void apply() {
        double eta = lastEta;
        int kept = 0;
        double newlyDead = 0;
        for (int p = 0; p < liveCount; p++) {
            int j = live[p], base = j * n;
            a[j] -= eta * pendingGa[j];
            boolean anyActive = false;
            for (int i = 0; i < n; i++) {
                u[base + i] -= eta * pendingGu[base + i];
                anyActive |= u[base + i] > 0;
            }
            if (anyActive) live[kept++] = j;
            else {
                dead[j] = true;
                logDecayAtDeath[j] = logDecay + Math.log1p(-2 * eta * opt.lambda());
                newlyDead += a[j] * a[j] + (ortho ? sumSq(base) : quadInv(base));
            }
        }
        liveCount = kept;
        double shrink = 1 - 2 * eta * opt.lambda();
        deadNorm2 = deadNorm2 * shrink * shrink + newlyDead;
        perpNorm2 *= shrink * shrink;
        logDecay += Math.log1p(-2 * eta * opt.lambda());
        steps++;
    }
}
