package dev.morse.experiments.benign;

/**
 * Euclidean projection onto a polyhedral cone C = {v ∈ ℝ^d : s_i x_iᵀv ≥ 0 for i ∈ R} cut out by
 * a subset R of the (linearly independent) inputs with signs s_i, for vectors in the span of the
 * inputs, z = Xᵀc. By Moreau's decomposition Π_C(z) = z + Σ_{i∈R} s_i λ_i x_i with
 *
 * <pre>  λ = argmin_{λ ≥ 0} ½‖z + Σ_{i∈R} s_i λ_i x_i‖²  =  argmin_{λ≥0} ½λᵀ(S K_RR S)λ + λᵀ S (Kc)_R,</pre>
 *
 * a strictly convex QP (K_RR is positive definite) solved exactly by {@link SmallQp}. Everything is
 * expressed through coefficients in the input basis and the Gram matrix K, so no d-vector is formed:
 * Π_C(Xᵀc) = Xᵀc′ with c′ = c + E_R(s∘λ), and ‖Π_C(z)‖² = c′ᵀKc′.
 */
final class ConeProjection {
    private ConeProjection() {}

    /**
     * @param coef   c′, the projection's coefficients
     * @param norm2  ‖Π_C(z)‖² = c′ᵀKc′
     * @param active the constraints with λ_i &gt; 0 (indices into the inputs)
     */
    record Result(double[] coef, double norm2, int[] active) {}

    /**
     * @param k     Gram matrix of the inputs (n×n)
     * @param rows  the constrained inputs R (distinct indices)
     * @param signs s_i for each entry of {@code rows}
     * @param c     coefficients of z = Xᵀc
     */
    static Result project(double[][] k, int[] rows, int[] signs, double[] c) {
        int n = c.length, q = rows.length;
        double[] kc = Dense.mul(k, c);
        if (q == 0) return new Result(c.clone(), Dense.dot(c, kc), new int[0]);
        double[][] h = new double[q][q];
        double[] g = new double[q];
        double[] lo = new double[q];
        double[] hi = new double[q];
        for (int p = 0; p < q; p++) {
            for (int t = 0; t < q; t++) h[p][t] = signs[p] * signs[t] * k[rows[p]][rows[t]];
            g[p] = signs[p] * kc[rows[p]];
            hi[p] = Double.POSITIVE_INFINITY;
        }
        double[] lam = SmallQp.solve(h, g, lo, hi).x();
        double[] coef = c.clone();
        int na = 0;
        for (int p = 0; p < q; p++) if (lam[p] > 0) { coef[rows[p]] += signs[p] * lam[p]; na++; }
        int[] active = new int[na];
        na = 0;
        for (int p = 0; p < q; p++) if (lam[p] > 0) active[na++] = rows[p];
        double norm2 = Math.max(0.0, Dense.quad(k, coef));
        assert coef.length == n;
        return new Result(coef, norm2, active);
    }

    /** The cone of activation pattern S (bit i set: s_i = +1, else −1) over all n inputs. */
    static Result projectPattern(double[][] k, int pattern, double[] c) {
        int n = c.length;
        int[] rows = new int[n];
        int[] signs = new int[n];
        for (int i = 0; i < n; i++) { rows[i] = i; signs[i] = (pattern >> i & 1) == 1 ? 1 : -1; }
        return project(k, rows, signs, c);
    }
}
