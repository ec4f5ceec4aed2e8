package dev.morse.engine;

import dev.morse.linalg.Linalg;
import dev.morse.simd.Kernels;
import java.util.Arrays;

/**
 * The passes of one chunk of samples (rows of X). One instance per worker: it owns the tangent
 * (R-operator) buffers, allocated once for {@code maxRows} rows and reused, and works on the
 * forward/backward state of whichever chunk is bound to it ({@link #bind}, a {@link ChunkState}
 * that may be cached between products), so steady-state products allocate nothing. Row-major
 * throughout: a layer's pre-activations for the chunk form an rows × d_l matrix, and every matrix
 * product is one GEMM over the whole chunk.
 *
 * <p>Notation (l = 1..L): A_l = Z_{l−1} W_lᵀ + 1 b_lᵀ, Z_l = σ(A_l), F = A_L. The backward signal
 * Gr_l = ∂(scaled loss)/∂A_l. R-operator (Pearlmutter) quantities for a direction v = (V_l, c_l):
 * RA_l = Z_{l−1} V_lᵀ + 1 c_lᵀ + RZ_{l−1} W_lᵀ, RZ_l = σ′(A_l) ⊙ RA_l.
 * Not thread-safe; the caller gives each worker its own instance.
 */
final class ChunkPass {

    private final Mlp mlp;
    private final Loss loss;
    private final Kernels kernels;
    private final Linalg linalg;
    private final int layers;
    private final int[] d;

    // Forward/backward state of the bound chunk (see ChunkState); per layer l (index l, 1..L),
    // index 0 unused (Z_0 is X itself).
    private double[][] a;    // A_l
    private double[][] z;    // Z_l (l < L)
    private double[][] s1;   // σ′(A_l)
    private double[][] s2;   // σ″(A_l)
    private double[][] g;    // Gr_l
    private double[][] dz;   // ∂/∂Z_l (l < L), kept for the NME term dZ ⊙ σ″ ⊙ RA
    private double[] prob;   // softmax rows for cross-entropy
    // Tangent (R-operator) buffers, owned by this worker: see the block products below.
    private final double[] vecTmp; // bias copy / column sums
    private int maxRows;

    // The chunk currently bound.
    private double[] x;
    private int xOff;
    private int rows;

    ChunkPass(Mlp mlp, Loss loss, Kernels kernels, Linalg linalg, int maxRows) {
        this.mlp = mlp;
        this.loss = loss;
        this.kernels = kernels;
        this.linalg = linalg;
        this.layers = mlp.layers();
        this.d = mlp.widths();
        this.maxRows = maxRows;
        int maxWidth = d[0];
        for (int l = 1; l <= layers; l++) maxWidth = Math.max(maxWidth, d[l]);
        vecTmp = new double[maxWidth];
    }

    /**
     * Binds the chunk's rows x[xOff ..] (rows × d0) and its state buffers. A chunk larger than
     * the block buffers hold (dense materialization cuts larger chunks than products) grows them.
     */
    void bind(ChunkState st, double[] x, int xOff, int rows) {
        if (rows > maxRows) {
            maxRows = rows;
            blockCap = 0;   // the block buffers are sized by maxRows: reallocate on next use
        }
        this.a = st.a;
        this.z = st.z;
        this.s1 = st.s1;
        this.s2 = st.s2;
        this.g = st.g;
        this.dz = st.dz;
        this.prob = st.prob;
        this.x = x;
        this.xOff = xOff;
        this.rows = rows;
    }

    int rows() {
        return rows;
    }

    /** The output F = A_L of the last forward pass (rows × C). */
    double[] output() {
        return a[layers];
    }

    private double[] zPrev(int l) {
        return l == 1 ? x : z[l - 1];
    }

    private int zPrevOff(int l) {
        return l == 1 ? xOff : 0;
    }

    /** Forward pass over the bound rows; keeps A, Z, σ′ and, when asked, σ″. */
    void forward(double[] theta, boolean needSecond) {
        for (int l = 1; l <= layers; l++) {
            linalg.dgemm(false, true, rows, d[l], d[l - 1], 1.0, zPrev(l), zPrevOff(l), d[l - 1],
                    theta, mlp.weightOffset(l), d[l - 1], 0.0, a[l], 0, d[l]);
            if (mlp.hasBias(l)) {
                System.arraycopy(theta, mlp.biasOffset(l), vecTmp, 0, d[l]);
                kernels.addToRows(rows, d[l], a[l], d[l], vecTmp);
            }
            if (l < layers) {
                mlp.activation(l).evaluate(kernels, rows * d[l], a[l], z[l], s1[l], needSecond ? s2[l] : null);
            }
        }
    }

    /**
     * Per-sample losses of the held chunk (into {@code losses[lossOff..]} when not null) and, when
     * {@code scale ≠ 0}, the top backward signal Gr_L = scale · ∂ℓ/∂F. Returns Σ ℓ over the chunk.
     * Row r of the chunk is sample {@code index[first + r]} of the data set, or {@code first + r}
     * when {@code index} is null (contiguous samples).
     *
     * <p>Cross-entropy uses {@link StrictMath#exp} and {@link StrictMath#log}: {@code Math}'s
     * versions are intrinsics whose last bit may differ between the interpreter and compiled code
     * (and between CPUs), which would break bit-identical results; the cost is C exponentials per
     * sample, negligible next to the layers' GEMMs.
     */
    double lossAndTopSignal(Dataset data, int[] index, int first, double scale, double[] losses, int lossOff) {
        int c = d[layers];
        double[] f = a[layers];
        double[] top = g[layers];
        double total = 0;
        if (loss == Loss.MSE) {
            double[] y = data.y();
            double inv = 1.0 / c;
            for (int r = 0; r < rows; r++) {
                int fo = r * c;
                int yo = (index == null ? first + r : index[first + r]) * c;
                double s = 0;
                for (int j = 0; j < c; j++) {
                    double diff = f[fo + j] - y[yo + j];
                    s += diff * diff;
                    top[fo + j] = scale * 2.0 * inv * diff;
                }
                double l = s * inv;
                total += l;
                if (losses != null) losses[lossOff + r] = l;
            }
        } else {
            int[] labels = data.classes();
            for (int r = 0; r < rows; r++) {
                int fo = r * c;
                double m = Double.NEGATIVE_INFINITY;
                for (int j = 0; j < c; j++) m = Math.max(m, f[fo + j]);
                double s = 0;
                for (int j = 0; j < c; j++) s += StrictMath.exp(f[fo + j] - m);
                double lse = m + StrictMath.log(s);
                int y = labels[index == null ? first + r : index[first + r]];
                double l = lse - f[fo + y];
                total += l;
                if (losses != null) losses[lossOff + r] = l;
                for (int j = 0; j < c; j++) {
                    double p = StrictMath.exp(f[fo + j] - lse);
                    prob[fo + j] = p;
                    top[fo + j] = scale * (j == y ? p - 1.0 : p);
                }
            }
        }
        return total;
    }

    /**
     * The number of the bound chunk's rows whose largest output is the target class (first index
     * on ties, as {@code torch.argmax}); rows map to samples as in {@link #lossAndTopSignal}.
     */
    int correctPredictions(Dataset data, int[] index, int first) {
        int c = d[layers];
        double[] f = a[layers];
        int[] labels = data.classes();
        int correct = 0;
        for (int r = 0; r < rows; r++) {
            int fo = r * c, best = 0;
            for (int j = 1; j < c; j++) if (f[fo + j] > f[fo + best]) best = j;
            if (best == labels[index == null ? first + r : index[first + r]]) correct++;
        }
        return correct;
    }

    /**
     * For each hidden layer l, the number of entries of σ″(A_l) that are not zero, into
     * out[off + l − 1]. Needs the forward pass with σ″; layers whose σ″ is identically zero count 0.
     */
    void countNonzeroSecondDerivative(long[] out, int off) {
        for (int l = 1; l < layers; l++) {
            long n = 0;
            if (!mlp.activation(l).hasZeroSecondDerivative()) {
                double[] s = s2[l];
                for (int i = 0, end = rows * d[l]; i < end; i++) if (s[i] != 0.0) n++;
            }
            out[off + l - 1] = n;
        }
    }

    /** Sets the top backward signal to scale·U for the held chunk's rows of U (N × C, row-major). */
    void setTopSignal(double[] u, int first, double scale) {
        int c = d[layers];
        double[] top = g[layers];
        for (int i = 0; i < rows * c; i++) top[i] = scale * u[first * c + i];
    }

    /**
     * Reverse pass from Gr_L: writes this chunk's Σ_rows contribution to ∂/∂θ into out[0..P)
     * (overwriting), and keeps Gr_l and ∂/∂Z_l for the NME terms of {@link #blockProduct}. With
     * {@code out == null} only the signals are propagated: the NME needs Gr_l and ∂/∂Z_l but not the
     * gradient, and skipping its GEMMs saves one forward pass worth of flops per curvature product.
     */
    void backward(double[] theta, double[] out) {
        for (int l = layers; l >= 1; l--) {
            if (out != null) {
                linalg.dgemm(true, false, d[l], d[l - 1], rows, 1.0, g[l], 0, d[l],
                        zPrev(l), zPrevOff(l), d[l - 1], 0.0, out, mlp.weightOffset(l), d[l - 1]);
                if (mlp.hasBias(l)) columnSumsInto(g[l], d[l], out, mlp.biasOffset(l));
            }
            if (l > 1) {
                linalg.dgemm(false, false, rows, d[l - 1], d[l], 1.0, g[l], 0, d[l],
                        theta, mlp.weightOffset(l), d[l - 1], 0.0, dz[l - 1], 0, d[l - 1]);
                kernels.mul(rows * d[l - 1], dz[l - 1], s1[l - 1], g[l - 1]);
            }
        }
    }

    // ---------------------------------------------------------------- block products (BLAS-3)
    //
    // k vectors at once: every tangent quantity is kept for the whole group with the rows of the
    // vectors interleaved, row i·kg + j holding sample i of vector j. A rows × (kg·d) matrix is
    // then also a (rows·kg) × d matrix, so each product of the single-vector pass becomes ONE GEMM
    // for the group: the data-side factors (Z, Gr) multiply the packed directions [V¹; …; Vᵏ] or
    // [V¹ | … | Vᵏ], and the tangent-side factors (RZ, RG) multiply W with m = rows·kg.

    private int blockCap;           // kg the block buffers hold
    private double[][] bra, brz, brg;
    private double[] brdz, nmeFactor, vPack, wTmp, biasTmp, brgT;

    private void ensureBlock(int kg) {
        if (kg <= blockCap) return;
        bra = new double[layers + 1][];
        brz = new double[layers + 1][];
        brg = new double[layers + 1][];
        int maxWidth = d[0], maxLayer = 0;
        for (int l = 1; l <= layers; l++) {
            bra[l] = new double[maxRows * kg * d[l]];
            brg[l] = new double[maxRows * kg * d[l]];
            if (l < layers) brz[l] = new double[maxRows * kg * d[l]];
            maxWidth = Math.max(maxWidth, d[l]);
            maxLayer = Math.max(maxLayer, d[l] * d[l - 1]);
        }
        brdz = new double[maxRows * kg * maxWidth];
        brgT = new double[maxRows * kg * maxWidth];
        nmeFactor = new double[maxRows * maxWidth];
        vPack = new double[kg * maxLayer];
        wTmp = new double[kg * maxLayer];
        biasTmp = new double[kg * maxWidth];
        blockCap = kg;
    }

    /**
     * R-operator pass for the vectors vs[(j0 + j)·P ..], j < kg (kg = 1 for a single product):
     * writes the chunk's contribution to Op·v_j into out[outOff + j·P ..] (overwriting). The GGN
     * part starts the reverse pass from R(Gr_L) = scale·H_ℓ·RF; the NME part adds the terms that
     * differentiate the backward pass itself: Gr_lᵀ RZ_{l−1} (weights), Gr_l V_l (to ∂/∂Z) and
     * ∂/∂Z ⊙ σ″ ⊙ RA. Needs the bound chunk's forward state (with σ″ and the backward signals when
     * nme, and Gr_L carrying the same scale).
     */
    void blockProduct(double[] theta, double[] vs, int j0, int kg, int p, double scale, boolean ggn, boolean nme,
                      double[] out, int outOff) {
        blockProduct(theta, vs, -1, j0, kg, p, scale, ggn, nme, out, outOff);
    }

    /**
     * Tangent (forward-mode) pass for the group: RA_l and RZ_l of the vectors vs[(j0 + j)·P ..]
     * (or of identity columns, see {@link #blockProduct}), rows interleaved. Needs the bound
     * chunk's forward state; {@link #blockTangentOutput} then holds J·v.
     */
    void blockTangent(double[] theta, double[] vs, int unitBase, int j0, int kg, int p) {
        ensureBlock(kg);
        int rk = rows * kg;
        boolean unit = unitBase >= 0;
        // Tangent forward: RA_l = Z_{l−1}[V¹;…;Vᵏ]ᵀ + 1·[c¹…cᵏ] + RZ_{l−1}W_lᵀ, RZ_l = σ′(A_l) ⊙ RA_l.
        for (int l = 1; l <= layers; l++) {
            int wOff = mlp.weightOffset(l), size = d[l] * d[l - 1];
            if (unit) {
                unitTangent(l, unitBase + j0, kg);
                if (l > 1) {
                    linalg.dgemm(false, true, rk, d[l], d[l - 1], 1.0, brz[l - 1], 0, d[l - 1],
                            theta, wOff, d[l - 1], 1.0, bra[l], 0, d[l]);
                }
                if (l < layers) kernels.mulRepeated(rows, kg, d[l], s1[l], bra[l], brz[l]);
                continue;
            }
            for (int j = 0; j < kg; j++) System.arraycopy(vs, (j0 + j) * p + wOff, vPack, j * size, size);
            linalg.dgemm(false, true, rows, kg * d[l], d[l - 1], 1.0, zPrev(l), zPrevOff(l), d[l - 1],
                    vPack, 0, d[l - 1], 0.0, bra[l], 0, kg * d[l]);
            if (mlp.hasBias(l)) {
                for (int j = 0; j < kg; j++) System.arraycopy(vs, (j0 + j) * p + mlp.biasOffset(l), biasTmp, j * d[l], d[l]);
                kernels.addToRows(rows, kg * d[l], bra[l], kg * d[l], biasTmp);
            }
            if (l > 1) {
                linalg.dgemm(false, true, rk, d[l], d[l - 1], 1.0, brz[l - 1], 0, d[l - 1],
                        theta, wOff, d[l - 1], 1.0, bra[l], 0, d[l]);
            }
            if (l < layers) kernels.mulRepeated(rows, kg, d[l], s1[l], bra[l], brz[l]);
        }
    }

    /** RF = J·v of the last {@link #blockTangent}, rows interleaved (rows·kg × C). */
    double[] blockTangentOutput() {
        return bra[layers];
    }

    /**
     * As above; with {@code unitBase ≥ 0} the vectors are the identity columns e_q,
     * q = unitBase + j0 + j, and {@code vs} is not read. Dense materialization uses this: a unit
     * direction touches one weight, so the data-side products Z_{l−1}Vᵀ and Gr_l V are copies of a
     * column (scatters) instead of GEMMs with a mostly-zero operand: F + F' fewer flops per column.
     */
    void blockProduct(double[] theta, double[] vs, int unitBase, int j0, int kg, int p, double scale, boolean ggn, boolean nme,
                      double[] out, int outOff) {
        blockProduct(theta, vs, unitBase, j0, kg, p, scale, ggn, nme, out, outOff, -1);
    }

    /**
     * As above; with {@code outLimit ≥ 0} only the output entries with parameter index ≤ outLimit
     * are needed (the others are left unspecified): the lower triangle of a symmetric matrix
     * assembled column by column, where column q needs rows ≤ q. Weight rows r of layer l past the
     * limit are then skipped in the output GEMMs, which for the first layer, the dominant one,
     * halves the flops on average.
     */
    void blockProduct(double[] theta, double[] vs, int unitBase, int j0, int kg, int p, double scale, boolean ggn, boolean nme,
                      double[] out, int outOff, int outLimit) {
        blockTangent(theta, vs, unitBase, j0, kg, p);
        int rk = rows * kg;
        boolean unit = unitBase >= 0;
        // Output: R(Gr_L) = scale·H_ℓ·RF per (sample, vector) row.
        boolean rgZero = !ggn;
        if (ggn) blockOutputHessianTimes(bra[layers], brg[layers], kg, scale);
        for (int l = layers; l >= 1; l--) {
            int wOff = mlp.weightOffset(l), size = d[l] * d[l - 1];
            // Weight rows of this layer the output needs: all, or those with an index ≤ outLimit.
            int rmax = outLimit < 0 ? d[l] : outLimit < wOff ? 0 : Math.min(d[l], (outLimit - wOff) / d[l - 1] + 1);
            boolean written = false;
            if (!rgZero && rmax == d[l]) {
                // [RG¹…RGᵏ]ᵀ Z_{l−1}: kg stacked d_l × d_{l−1} blocks.
                linalg.dgemm(true, false, kg * d[l], d[l - 1], rows, 1.0, brg[l], 0, kg * d[l],
                        zPrev(l), zPrevOff(l), d[l - 1], 0.0, wTmp, 0, d[l - 1]);
                for (int j = 0; j < kg; j++) System.arraycopy(wTmp, j * size, out, outOff + j * p + wOff, size);
                written = true;
            } else if (!rgZero && rmax > 0) {
                // Rows r < rmax only: regroup RG's columns unit-major ((r, j) instead of (j, r)), so
                // that the rows needed are one contiguous block, then one GEMM of rmax·kg rows.
                int w = kg * d[l];
                for (int i = 0; i < rows; i++) {
                    int src = i * w, dst = i * rmax * kg;
                    for (int r = 0; r < rmax; r++) {
                        for (int j = 0; j < kg; j++) brgT[dst + r * kg + j] = brg[l][src + j * d[l] + r];
                    }
                }
                linalg.dgemm(true, false, rmax * kg, d[l - 1], rows, 1.0, brgT, 0, rmax * kg,
                        zPrev(l), zPrevOff(l), d[l - 1], 0.0, wTmp, 0, d[l - 1]);
                for (int r = 0; r < rmax; r++) {
                    for (int j = 0; j < kg; j++) System.arraycopy(wTmp, (r * kg + j) * d[l - 1], out, outOff + j * p + wOff + r * d[l - 1], d[l - 1]);
                }
                written = true;
            }
            if (nme && l > 1 && rmax > 0) {
                // Gr_lᵀ [RZ¹ | … | RZᵏ]: d_l × (kg·d_{l−1}) (its first rmax rows), block j in columns j·d_{l−1}.
                linalg.dgemm(true, false, rmax, kg * d[l - 1], rows, 1.0, g[l], 0, d[l],
                        brz[l - 1], 0, kg * d[l - 1], 0.0, wTmp, 0, kg * d[l - 1]);
                for (int j = 0; j < kg; j++) {
                    int o = outOff + j * p + wOff;
                    for (int r = 0; r < rmax; r++) {
                        int src = (r * kg + j) * d[l - 1], dst = o + r * d[l - 1];
                        if (written) kernels.axpy(d[l - 1], 1.0, wTmp, src, out, dst);
                        else System.arraycopy(wTmp, src, out, dst, d[l - 1]);
                    }
                }
                written = true;
            }
            if (!written && rmax > 0) for (int j = 0; j < kg; j++) Arrays.fill(out, outOff + j * p + wOff, outOff + j * p + wOff + size, 0.0);
            if (mlp.hasBias(l)) {
                int bOff = mlp.biasOffset(l);
                if (rgZero) {
                    for (int j = 0; j < kg; j++) Arrays.fill(out, outOff + j * p + bOff, outOff + j * p + bOff + d[l], 0.0);
                } else {
                    Arrays.fill(biasTmp, 0, kg * d[l], 0.0);
                    kernels.addColumnSums(rows, kg * d[l], brg[l], kg * d[l], biasTmp);
                    for (int j = 0; j < kg; j++) System.arraycopy(biasTmp, j * d[l], out, outOff + j * p + bOff, d[l]);
                }
            }
            if (l == 1) break;
            boolean rdzWritten = false;
            if (!rgZero) {
                linalg.dgemm(false, false, rk, d[l - 1], d[l], 1.0, brg[l], 0, d[l],
                        theta, wOff, d[l - 1], 0.0, brdz, 0, d[l - 1]);
                rdzWritten = true;
            }
            if (nme && unit) {
                if (!rdzWritten) Arrays.fill(brdz, 0, rk * d[l - 1], 0.0);
                unitNmeScatter(l, unitBase + j0, kg);
                rdzWritten = true;
            } else if (nme) {
                // Gr_l [V¹ | … | Vᵏ]: the directions packed side by side, d_l × (kg·d_{l−1}).
                for (int r = 0; r < d[l]; r++) {
                    for (int j = 0; j < kg; j++) {
                        System.arraycopy(vs, (j0 + j) * p + wOff + r * d[l - 1], vPack, (r * kg + j) * d[l - 1], d[l - 1]);
                    }
                }
                linalg.dgemm(false, false, rows, kg * d[l - 1], d[l], 1.0, g[l], 0, d[l],
                        vPack, 0, kg * d[l - 1], rdzWritten ? 1.0 : 0.0, brdz, 0, kg * d[l - 1]);
                rdzWritten = true;
            }
            int n = rows * d[l - 1];
            if (nme && !mlp.activation(l - 1).hasZeroSecondDerivative()) {
                kernels.mul(n, dz[l - 1], s2[l - 1], nmeFactor);   // ∂/∂Z ⊙ σ″, shared by the kg vectors
                kernels.mulAddMulRepeated(rows, kg, d[l - 1], s1[l - 1], brdz, nmeFactor, bra[l - 1], brg[l - 1]);
            } else {
                kernels.mulRepeated(rows, kg, d[l - 1], s1[l - 1], brdz, brg[l - 1]);
            }
            rgZero = false;
        }
    }

    /** RA_l for unit directions e_q, q = q0 + j: column r of vector j's block is Z_{l−1}[:, c] (or 1 for a bias). */
    private void unitTangent(int l, int q0, int kg) {
        int n = rows * kg * d[l];
        Arrays.fill(bra[l], 0, n, 0.0);
        int wOff = mlp.weightOffset(l), wEnd = wOff + d[l] * d[l - 1];
        int bOff = mlp.hasBias(l) ? mlp.biasOffset(l) : -1;
        double[] zp = zPrev(l);
        int zo = zPrevOff(l);
        for (int j = 0; j < kg; j++) {
            int q = q0 + j;
            if (q >= wOff && q < wEnd) {
                int r = (q - wOff) / d[l - 1], c = (q - wOff) % d[l - 1];
                for (int i = 0; i < rows; i++) bra[l][(i * kg + j) * d[l] + r] = zp[zo + i * d[l - 1] + c];
            } else if (bOff >= 0 && q >= bOff && q < bOff + d[l]) {
                int r = q - bOff;
                for (int i = 0; i < rows; i++) bra[l][(i * kg + j) * d[l] + r] = 1.0;
            }
        }
    }

    /** The NME term Gr_l V_l for unit directions: adds column r of Gr_l into column c of vector j's R(∂/∂Z). */
    private void unitNmeScatter(int l, int q0, int kg) {
        int wOff = mlp.weightOffset(l), wEnd = wOff + d[l] * d[l - 1];
        for (int j = 0; j < kg; j++) {
            int q = q0 + j;
            if (q >= wOff && q < wEnd) {
                int r = (q - wOff) / d[l - 1], c = (q - wOff) % d[l - 1];
                for (int i = 0; i < rows; i++) brdz[(i * kg + j) * d[l - 1] + c] += g[l][i * d[l] + r];
            }
        }
    }

    /** H_ℓ per (sample, vector) row of the interleaved block (the softmax of sample i is shared). */
    private void blockOutputHessianTimes(double[] u, double[] out, int kg, double scale) {
        int c = d[layers];
        if (loss == Loss.MSE) {
            double f = scale * 2.0 / c;
            for (int i = 0; i < rows * kg * c; i++) out[i] = f * u[i];
            return;
        }
        for (int r = 0; r < rows; r++) {
            int po = r * c;
            for (int j = 0; j < kg; j++) {
                int o = (r * kg + j) * c;
                double pu = 0;
                for (int q = 0; q < c; q++) pu += prob[po + q] * u[o + q];
                for (int q = 0; q < c; q++) out[o + q] = scale * prob[po + q] * (u[o + q] - pu);
            }
        }
    }

    private void columnSumsInto(double[] m, int cols, double[] out, int off) {
        Arrays.fill(vecTmp, 0, cols, 0.0);
        kernels.addColumnSums(rows, cols, m, cols, vecTmp);
        System.arraycopy(vecTmp, 0, out, off, cols);
    }
}
