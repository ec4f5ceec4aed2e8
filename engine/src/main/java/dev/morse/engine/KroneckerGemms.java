package dev.morse.engine;

import dev.morse.linalg.Linalg;

/**
 * The GEMMs of the first layer's Kronecker form (the Q_s come from {@link ChunkPass#firstLayerCurvature}).
 *
 * <p>A_1 = X W_1ᵀ + 1 b_1ᵀ is linear in W_1 and X does not depend on θ, so each sample's loss has
 *   ∂²ℓ_s / ∂W_1[i, c] ∂W_1[i′, c′] = Q_s[i, i′] x_s[c] x_s[c′],   Q_s = ∂²ℓ_s / ∂a_1 ∂a_1ᵀ (d_1 × d_1)
 * for each part (G, M and ∇²L have their own Q_s), and the first layer's weight block of the
 * part's matrix is Σ_s Q_s ⊗ x_s x_sᵀ: its rows (i, c0 … c0+m−1) against the weights of unit i′
 * are ONE GEMM, (κ ⊙ X[:, c0 …])ᵀ X with κ_s = Q_s[i, i′]. Unit-column products reach the same
 * numbers through tangent buffers of rows × columns × Σ d_l (mostly zeros, out of cache) and
 * elementwise passes over them; the GEMMs here do the same output flops and nothing else.
 *
 * <p>One instance per worker (its scratch arrays grow once and are reused); reads no chunk state.
 */
final class KroneckerGemms {
    private final Mlp mlp;
    private final Linalg linalg;
    private double[] kronA = new double[0];   // κ ⊙ X[:, c0 …], rows × m
    private double[] gramX = new double[0], gramQ = new double[0];   // tiles of X Xᵀ and Q Qᵀ

    KroneckerGemms(Mlp mlp, Linalg linalg) {
        this.mlp = mlp;
        this.linalg = linalg;
    }

    /**
     * out[outOff + j·ldo + c′] (+)= Σ_s κ_s x_s[c0 + j] x_s[c′] over the samples x_s = x[xOff + s·d_0 …],
     * s &lt; rows, for j &lt; m, c′ &lt; d_0, κ_s = q[qOff + s·d_1² + kappa] (adds when {@code accumulate}):
     * rows (i, c0 …) of the first layer's weight block against the weights of one unit, κ selecting
     * Q_s[i, i′]. One GEMM.
     */
    void rows(double[] x, int xOff, int rows, double[] q, int qOff, int kappa, int c0, int m, boolean accumulate,
              double[] out, int outOff, int ldo) {
        int d0 = mlp.inputDim(), dd = mlp.width(1) * mlp.width(1);
        if (kronA.length < rows * m) kronA = new double[rows * m];
        for (int s = 0; s < rows; s++) {
            double k = q[qOff + s * dd + kappa];
            int xo = xOff + s * d0 + c0, ao = s * m;
            for (int j = 0; j < m; j++) kronA[ao + j] = k * x[xo + j];
        }
        linalg.dgemm(true, false, m, d0, rows, 1.0, kronA, 0, m, x, xOff, d0, accumulate ? 1.0 : 0.0, out, outOff, ldo);
    }

    /**
     * Σ_{s,t} ⟨Q_s, Q_t⟩ (x_sᵀx_t)² over the tile s ∈ [a0, a0+na), t ∈ [b0, b0+nb) of the samples
     * xs (rows of d_0) and their Q_s in q (rows of d_1²): two GEMMs and one pass over the tile.
     */
    double gramTile(double[] xs, double[] q, int a0, int na, int b0, int nb) {
        int d0 = mlp.inputDim(), dd = mlp.width(1) * mlp.width(1), n = na * nb;
        if (gramX.length < n) {
            gramX = new double[n];
            gramQ = new double[n];
        }
        linalg.dgemm(false, true, na, nb, d0, 1.0, xs, a0 * d0, d0, xs, b0 * d0, d0, 0.0, gramX, 0, nb);
        linalg.dgemm(false, true, na, nb, dd, 1.0, q, a0 * dd, dd, q, b0 * dd, dd, 0.0, gramQ, 0, nb);
        double sum = 0;
        for (int i = 0; i < n; i++) sum += gramX[i] * gramX[i] * gramQ[i];
        return sum;
    }
}
