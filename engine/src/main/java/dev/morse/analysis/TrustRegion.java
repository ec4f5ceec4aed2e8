package dev.morse.analysis;

/**
 * The trust-region subproblem of minimization in the eigenbasis of a symmetric
 * H = U·diag(λ)·Uᵀ: min gᵀΔ + ½ΔᵀHΔ over ‖Δ‖ ≤ r, for coefficients c = Uᵀg. Its solution is
 * d_i = −c_i / (λ_i + μ) with μ ≥ max(0, −λ_min) and μ(r − ‖d‖) = 0 (the Moré–Sorensen
 * conditions; Moré and Sorensen, 1983), μ found from the secular equation ‖d(μ)‖ = r by a
 * safeguarded Newton iteration on 1/‖d(μ)‖, which is nearly linear in μ; in the "hard case"
 * (g orthogonal to the eigenvectors of λ_min < 0) the step is completed along them. With the
 * eigendecomposition at hand the subproblem costs O(P) per radius, so a rejected step is
 * recomputed for nothing. Returns the step's coefficients d = UᵀΔ; ‖Δ‖ = ‖d‖.
 */
final class TrustRegion {
    private TrustRegion() {}

    /** A step: coefficients d (in the eigenbasis), its norm, the multiplier μ and whether it lies on the boundary. */
    record Step(double[] d, double norm, double mu, boolean boundary) {}

    static double norm(double[] x) {
        double s = 0;
        for (double v : x) s += v * v;
        return Math.sqrt(s);
    }

    /**
     * min gᵀΔ + ½ΔᵀHΔ subject to ‖Δ‖ ≤ r. λ must be ascending (LAPACK's order). Components with
     * |c_i| ≤ {@code zero}·‖c‖ along λ_min count as absent for the hard case.
     */
    static Step minimizationStep(double[] lambda, double[] c, double r, double zero) {
        int n = lambda.length;
        double lmin = lambda[0];
        double[] d = new double[n];
        if (lmin > 0) {
            for (int i = 0; i < n; i++) d[i] = -c[i] / lambda[i];
            double nd = norm(d);
            if (nd <= r) return new Step(d, nd, 0, false);
        }
        double cn = norm(c);
        double lo = Math.max(0, -lmin);
        // ‖d(μ)‖ ≤ ‖c‖/(λ_min + μ): the root lies below ‖c‖/r − λ_min.
        double hi = Math.max(lo, cn / r - lmin) + 1e-300;
        // Hard case: no weight along the eigenvectors of λ_min and ‖d(−λ_min)‖ < r.
        boolean lowWeight = true;
        double tieTol = 1e-12 * Math.max(Math.abs(lmin), Math.abs(lambda[n - 1]));
        for (int i = 0; i < n && lambda[i] <= lmin + tieTol; i++) lowWeight &= Math.abs(c[i]) <= zero * Math.max(cn, Double.MIN_NORMAL);
        if (lmin <= 0 && lowWeight) {
            double s = 0;
            for (int i = 0; i < n; i++) {
                d[i] = lambda[i] <= lmin + tieTol ? 0 : -c[i] / (lambda[i] - lmin);
                s += d[i] * d[i];
            }
            if (Math.sqrt(s) <= r) {
                d[0] += Math.sqrt(Math.max(0, r * r - s));   // complete along u_min to the boundary
                return new Step(d, norm(d), -lmin, true);
            }
        }
        double mu = lo > 0 ? lo * (1 + 1e-8) + 1e-300 : 0;
        for (int it = 0; it < 200; it++) {
            double s = 0, ds = 0;
            for (int i = 0; i < n; i++) {
                double den = lambda[i] + mu, di = -c[i] / den;
                d[i] = di;
                s += di * di;
                ds += -2 * di * di / den;
            }
            double nm = Math.sqrt(s);
            if (Double.isFinite(nm) && Math.abs(nm - r) <= 1e-10 * r) break;
            if (!Double.isFinite(nm) || nm > r) lo = mu;
            else hi = mu;
            double next = Double.isFinite(nm) ? mu + (1 / nm - 1 / r) / (ds / (2 * s * nm)) : Double.NaN;
            mu = next > lo && next < hi ? next : 0.5 * (lo + hi);
            if (hi - lo <= 1e-15 * hi) break;
        }
        for (int i = 0; i < n; i++) d[i] = -c[i] / (lambda[i] + mu);
        return new Step(d, norm(d), mu, true);
    }

    /** Predicted decrease −(gᵀΔ + ½ΔᵀHΔ) of a step d (coefficients). */
    static double minimizationPredicted(double[] lambda, double[] c, double[] d) {
        double q = 0;
        for (int i = 0; i < lambda.length; i++) q += c[i] * d[i] + 0.5 * lambda[i] * d[i] * d[i];
        return -q;
    }
}
