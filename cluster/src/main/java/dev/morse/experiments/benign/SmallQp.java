package dev.morse.experiments.benign;

import java.util.Arrays;

/**
 * Exact solver for small strictly convex quadratic programs with bounds:
 *
 * <pre>  minimize ½ xᵀHx + gᵀx   subject to  lo ≤ x ≤ hi</pre>
 *
 * with H symmetric positive definite (k ≤ a few dozen), bounds possibly infinite. It is the one
 * QP behind the experiment: projections onto polyhedral cones (non-negative least squares in the
 * multipliers), the Clarke-stationarity test (ReLU′ ∈ [0, 1] at kinks), and the primal recovery of
 * the convex program.
 *
 * <p>Algorithm: the primal active-set method for bound constraints (Nocedal &amp; Wright, §16.5):
 * from a feasible point, solve the equality-constrained subproblem on the free variables by
 * Cholesky; step to it or to the first bound hit (which joins the working set); at a subproblem
 * minimizer release the bound with the most negative multiplier, or stop when none is negative.
 * For a positive definite H it terminates after finitely many steps with the exact minimizer (up
 * to rounding); the iteration cap only guards against a cycle caused by rounding, and hitting it
 * is an error, never a silent approximation.
 */
public final class SmallQp {
    private SmallQp() {}

    /** The minimizer and its multipliers: {@code grad = Hx + g}; {@code grad_i ≥ 0} at a lower bound, ≤ 0 at an upper. */
    public record Solution(double[] x, double[] grad, int iterations) {}

    /**
     * Solves the QP. {@code h} is read as symmetric (row-major k×k), not modified.
     *
     * @throws IllegalArgumentException for mismatched sizes, lo &gt; hi, or non-finite H or g
     * @throws IllegalStateException when H is not positive definite on a free subspace, or on a cycle
     */
    public static Solution solve(double[][] h, double[] g, double[] lo, double[] hi) {
        int k = g.length;
        if (h.length != k || lo.length != k || hi.length != k) {
            throw new IllegalArgumentException("QP sizes differ: H " + h.length + ", g " + k + ", lo " + lo.length + ", hi " + hi.length);
        }
        for (int i = 0; i < k; i++) {
            if (h[i].length != k) throw new IllegalArgumentException("H row " + i + " has " + h[i].length + " entries, expected " + k);
            if (!(lo[i] <= hi[i])) throw new IllegalArgumentException("bounds of x" + i + " are empty: " + lo[i] + " > " + hi[i]);
            if (!Double.isFinite(g[i])) throw new IllegalArgumentException("g" + i + " is not finite: " + g[i]);
            for (int j = 0; j < k; j++) if (!Double.isFinite(h[i][j])) throw new IllegalArgumentException("H[" + i + "][" + j + "] is not finite");
        }
        double[] x = new double[k];
        // 0 = free, -1 = held at lo, +1 = held at hi.
        int[] state = new int[k];
        for (int i = 0; i < k; i++) {
            x[i] = Math.min(Math.max(0.0, lo[i]), hi[i]);
            if (x[i] == lo[i] && Double.isFinite(lo[i])) state[i] = -1;
            else if (x[i] == hi[i] && Double.isFinite(hi[i])) state[i] = 1;
        }
        double[] target = new double[k];
        int maxIter = 50 * (k + 2) * (k + 2);
        for (int it = 1; it <= maxIter; it++) {
            subproblem(h, g, x, state, target);
            // Step toward the subproblem minimizer as far as the bounds allow.
            double step = 1.0;
            int blocking = -1;
            int blockingState = 0;
            for (int i = 0; i < k; i++) {
                if (state[i] != 0) continue;
                double dxi = target[i] - x[i];
                if (dxi < 0 && Double.isFinite(lo[i])) {
                    double s = (lo[i] - x[i]) / dxi;
                    if (s < step) { step = s; blocking = i; blockingState = -1; }
                } else if (dxi > 0 && Double.isFinite(hi[i])) {
                    double s = (hi[i] - x[i]) / dxi;
                    if (s < step) { step = s; blocking = i; blockingState = 1; }
                }
            }
            for (int i = 0; i < k; i++) if (state[i] == 0) x[i] += Math.max(step, 0.0) * (target[i] - x[i]);
            if (blocking >= 0) {
                state[blocking] = blockingState;
                x[blocking] = blockingState < 0 ? lo[blocking] : hi[blocking];
                continue;
            }
            double[] grad = gradient(h, g, x);
            int release = -1;
            double worst = 0.0;
            for (int i = 0; i < k; i++) {
                double wrong = state[i] < 0 ? -grad[i] : state[i] > 0 ? grad[i] : 0.0;
                if (wrong > worst) { worst = wrong; release = i; }
            }
            // Multipliers at the level of rounding are not worth a release (it would cycle).
            if (release < 0 || worst <= 1e-14 * scale(h, g, x)) return new Solution(x, grad, it);
            state[release] = 0;
        }
        throw new IllegalStateException("SmallQp: no convergence in " + maxIter + " active-set steps (k=" + k + "); rounding cycle");
    }

    private static double scale(double[][] h, double[] g, double[] x) {
        double s = 0;
        for (int i = 0; i < g.length; i++) {
            s = Math.max(s, Math.abs(g[i]));
            for (int j = 0; j < g.length; j++) s = Math.max(s, Math.abs(h[i][j] * x[j]));
        }
        return Math.max(s, Double.MIN_NORMAL);
    }

    static double[] gradient(double[][] h, double[] g, double[] x) {
        double[] grad = g.clone();
        for (int i = 0; i < g.length; i++) for (int j = 0; j < g.length; j++) grad[i] += h[i][j] * x[j];
        return grad;
    }

    /** target := x with the free variables replaced by the minimizer of the QP with the others held. */
    private static void subproblem(double[][] h, double[] g, double[] x, int[] state, double[] target) {
        int k = g.length;
        int[] free = new int[k];
        int f = 0;
        for (int i = 0; i < k; i++) if (state[i] == 0) free[f++] = i;
        System.arraycopy(x, 0, target, 0, k);
        if (f == 0) return;
        double[][] a = new double[f][f];
        double[] b = new double[f];
        for (int p = 0; p < f; p++) {
            int i = free[p];
            double rhs = -g[i];
            for (int j = 0; j < k; j++) if (state[j] != 0) rhs -= h[i][j] * x[j];
            b[p] = rhs;
            for (int q = 0; q < f; q++) a[p][q] = h[i][free[q]];
        }
        double[] sol = Dense.choleskySolve(a, b, "SmallQp: H restricted to the free variables " + Arrays.toString(Arrays.copyOf(free, f)));
        for (int p = 0; p < f; p++) target[free[p]] = sol[p];
    }
}
