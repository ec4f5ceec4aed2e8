package dev.morse.engine;

/**
 * The flop model Morse states its speed with: the dense-layer GEMM flops of the algorithm as it
 * runs (elementwise work and the loss are O(N·d), not O(N·d²), and are not counted). With
 * f_l = 2·N·d_{l−1}·d_l, F = Σ_l f_l (one forward pass) and F' = Σ_{l≥2} f_l (the layers whose
 * input is not the data, so they have tangent and NME input terms):
 *
 * <table>
 *   <caption>flops per product</caption>
 *   <tr><th>product</th><th>fresh θ (forward and backward included)</th><th>cached (same θ as the last product)</th></tr>
 *   <tr><td>gradient</td><td>2F + F'</td><td>—</td></tr>
 *   <tr><td>hvp (H·v)</td><td>3F + 5F'</td><td>2F + 4F'</td></tr>
 *   <tr><td>ggn_vp (G·v)</td><td>3F + 2F'</td><td>2F + 2F'</td></tr>
 *   <tr><td>nme_vp (M·v)</td><td>3F + 5F' − 2f_L</td><td>2F + 4F' − 2f_L</td></tr>
 * </table>
 * One training step with a penalty of SPEC §11 (objective and gradient at a new θ, k = 1 probe or
 * noise vector): gradient_norm_step 4F + 5F' (the gradient, then a cached H·g);
 * gradient_norm_ggn_step 4F + 3F' (G·g); sam_step 4F + 2F' (two gradients); weight_noise_step
 * 2F + F' (one gradient, at θ + σε); hessian_trace_step 4F + 10F' (the gradient, then the
 * third-order pass: tangents F + 3F', reverse F + 6F'); ggn_trace_step 4F + 6F' (the gradient, then
 * tangent F + F' and the reverse pass F + 4F').
 * Fresh: forward F, backward signals F' (the gradient's ∂W adds F), tangent F + F', R-backward
 * F + 3F' for H·v. Cached products skip the forward pass and the backward signals
 * ({@link Evaluator.Settings#cacheStates}).
 */
public final class FlopModel {
    private FlopModel() {}

    /** F = Σ_l 2·N·d_{l−1}·d_l. */
    public static double forward(Mlp m, int n) {
        double f = 0;
        for (int l = 1; l <= m.layers(); l++) f += 2.0 * n * m.width(l) * m.width(l - 1);
        return f;
    }

    /** {F, F', f_L}: the forward GEMM flops, those of the layers past the first, and the last layer's (see the class comment). */
    public static double[] terms(Mlp m, int n) {
        double f = forward(m, n);
        double first = 2.0 * n * m.width(1) * m.width(0);
        double last = 2.0 * n * m.width(m.layers()) * m.width(m.layers() - 1);
        return new double[] {f, f - first, last};
    }

    /**
     * Flops of one product: {@code gradient}, {@code hvp}, {@code ggn_vp} or {@code nme_vp}, for N
     * samples, fresh or cached (see the table).
     */
    public static double of(String product, Mlp m, int n, boolean cached) {
        double[] t = terms(m, n);
        double f = t[0], fp = t[1], last = t[2];
        return switch (product) {
            case "gradient" -> 2 * f + fp;
            case "hvp" -> cached ? 2 * f + 4 * fp : 3 * f + 5 * fp;
            case "ggn_vp" -> cached ? 2 * f + 2 * fp : 3 * f + 2 * fp;
            case "nme_vp" -> cached ? 2 * f + 4 * fp - 2 * last : 3 * f + 5 * fp - 2 * last;
            case "gradient_norm_step" -> 4 * f + 5 * fp;
            case "gradient_norm_ggn_step" -> 4 * f + 3 * fp;
            case "sam_step" -> 4 * f + 2 * fp;
            case "weight_noise_step" -> 2 * f + fp;
            case "hessian_trace_step" -> 4 * f + 10 * fp;
            case "ggn_trace_step" -> 4 * f + 6 * fp;
            default -> throw new IllegalArgumentException("no flop model for '" + product + "'; expected gradient, hvp, ggn_vp, nme_vp or a penalty step");
        };
    }

    /**
     * Flops of one unit column of a dense matrix ({@link Evaluator#denseColumns}: θ fixed, the
     * directions are identity columns): the cached product less the data-side GEMMs that unit
     * directions turn into scatters (Z_{l−1}·Vᵀ in every layer, F; Gr_l·V for the NME terms, F').
     * {@code hessian} F + 3F', {@code ggn} F + 2F', {@code nme} F + 3F' − 2f_L.
     */
    public static double denseColumn(String part, Mlp m, int n) {
        double[] t = terms(m, n);
        double f = t[0], fp = t[1], last = t[2];
        return switch (part) {
            case "hessian", "data_hessian" -> f + 3 * fp;
            case "ggn" -> f + 2 * fp;
            case "nme" -> f + 3 * fp - 2 * last;
            default -> throw new IllegalArgumentException("no dense flop model for '" + part + "'; expected hessian, data_hessian, ggn or nme");
        };
    }

    /**
     * Flops of the first layer's weight block of a dense matrix by its Kronecker form
     * ({@link Evaluator#denseColumns} with lowerOnly): column (i, c) takes (i + 1)·d_0 entries of
     * 2N flops each, Σ = 2N·d_0²·d_1(d_1 + 1)/2.
     */
    public static double firstLayerKronecker(Mlp m, int n) {
        double d0 = m.inputDim(), d1 = m.width(1);
        return 2.0 * n * d0 * d0 * d1 * (d1 + 1) / 2;
    }

    /**
     * Flops of {@link Evaluator#firstLayerFrobeniusSquared}: the lower tiles of the two N × N Gram
     * matrices, of the inputs (d_0) and of the Q_s (d_1²), N²(d_0 + d_1²).
     */
    public static double firstLayerGram(Mlp m, int n) {
        return (double) n * n * (m.inputDim() + (double) m.width(1) * m.width(1));
    }

    /** The formula of {@link #of} as text, e.g. {@code "3F + 5F'"}. */
    public static String formula(String product, boolean cached) {
        return switch (product) {
            case "gradient" -> "2F + F'";
            case "hvp" -> cached ? "2F + 4F'" : "3F + 5F'";
            case "ggn_vp" -> cached ? "2F + 2F'" : "3F + 2F'";
            case "nme_vp" -> cached ? "2F + 4F' - 2f_L" : "3F + 5F' - 2f_L";
            case "gradient_norm_step" -> "4F + 5F'";
            case "gradient_norm_ggn_step" -> "4F + 3F'";
            case "sam_step" -> "4F + 2F'";
            case "weight_noise_step" -> "2F + F'";
            case "hessian_trace_step" -> "4F + 10F'";
            case "ggn_trace_step" -> "4F + 6F'";
            default -> throw new IllegalArgumentException("no flop model for '" + product + "'");
        };
    }
}
