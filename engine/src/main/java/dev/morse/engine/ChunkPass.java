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
 * RA_l = Z_{l−1} V_lᵀ + 1 c_lᵀ + RZ_{l−1} W_lᵀ, RZ_l = σ′(A_l) ⊙ RA_l. Second-order (R²)
 * quantities and the third-order reverse pass of the trace penalties: {@link #blockQuadratic}.
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
     * σ″(A_l) of the bound state after a forward pass that did not compute it: A_l is kept, so only
     * the elementwise map runs (the same bits as a forward pass that asks for σ″).
     */
    void secondDerivatives() {
        for (int l = 1; l < layers; l++) mlp.activation(l).evaluate(kernels, rows * d[l], a[l], null, null, s2[l]);
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
                // e_j = exp(f_j − m) once per logit (StrictMath.exp is ~20–40 ns; at C = 10 and
                // N = 256 two of them per logit were 7 % of a small model's H·v); p_j = e_j / Σ e.
                double s = 0;
                for (int j = 0; j < c; j++) {
                    double e = StrictMath.exp(f[fo + j] - m);
                    prob[fo + j] = e;
                    s += e;
                }
                double lse = m + StrictMath.log(s);
                int y = labels[index == null ? first + r : index[first + r]];
                double l = lse - f[fo + y];
                total += l;
                if (losses != null) losses[lossOff + r] = l;
                for (int j = 0; j < c; j++) {
                    double p = prob[fo + j] / s;
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

    /**
     * unitBase of the block passes whose directions are the first layer's pre-activation units
     * (see {@link #firstLayerCurvature}) rather than parameters.
     */
    static final int FIRST_LAYER_UNITS = Integer.MIN_VALUE;

    private int blockCap;           // kg the block buffers hold
    private double[][] bra, brz, brg;
    private double[] brdz, nmeFactor, vPack, wTmp, biasTmp, brgT;

    private void ensureBlock(int kg) {
        if (kg <= blockCap) return;
        bra = new double[layers + 1][];
        brz = new double[layers + 1][];
        brg = new double[layers + 1][];
        // Widths of layers 1..L only: the tangent signals (brdz, brgT, the bias sums) never live on
        // the inputs, and with d_0 = 784 a width of d_0 made two of these buffers rows × kg × 784.
        int maxWidth = 1, maxLayer = 0;
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
        boolean pre = unitBase == FIRST_LAYER_UNITS;
        boolean unit = unitBase >= 0 || pre;
        // Tangent forward: RA_l = Z_{l−1}[V¹;…;Vᵏ]ᵀ + 1·[c¹…cᵏ] + RZ_{l−1}W_lᵀ, RZ_l = σ′(A_l) ⊙ RA_l.
        for (int l = 1; l <= layers; l++) {
            int wOff = mlp.weightOffset(l), size = d[l] * d[l - 1];
            if (unit) {
                // Above layer 1 the GEMM writes RA_l whole (beta = 0) and the unit directions' few
                // entries are added after; zeroing the buffer first (rows·k·d_l doubles, one entry
                // in d_l set) took about a tenth of a small model's dense Hessian.
                if (l > 1) {
                    linalg.dgemm(false, true, rk, d[l], d[l - 1], 1.0, brz[l - 1], 0, d[l - 1],
                            theta, wOff, d[l - 1], 0.0, bra[l], 0, d[l]);
                } else {
                    Arrays.fill(bra[1], 0, rk * d[1], 0.0);
                }
                if (pre) firstLayerUnitTangent(l, j0, kg);
                else unitTangent(l, unitBase + j0, kg);
                if (l < layers) kernels.mulRepeated(rows, kg, d[l], s1[l], bra[l], brz[l]);
                continue;
            }
            // One vector: V_l is contiguous in vs already (no copy); several: packed one after another.
            double[] vSrc = vs;
            int vOff = j0 * p + wOff;
            if (kg > 1) {
                for (int j = 0; j < kg; j++) System.arraycopy(vs, (j0 + j) * p + wOff, vPack, j * size, size);
                vSrc = vPack;
                vOff = 0;
            }
            linalg.dgemm(false, true, rows, kg * d[l], d[l - 1], 1.0, zPrev(l), zPrevOff(l), d[l - 1],
                    vSrc, vOff, d[l - 1], 0.0, bra[l], 0, kg * d[l]);
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
        boolean pre = unitBase == FIRST_LAYER_UNITS;
        boolean unit = unitBase >= 0 || pre;
        // Output: R(Gr_L) = scale·H_ℓ·RF per (sample, vector) row.
        boolean rgZero = !ggn;
        if (ggn) blockOutputHessianTimes(bra[layers], brg[layers], kg, scale);
        for (int l = layers; l >= 1; l--) {
            int wOff = mlp.weightOffset(l), size = d[l] * d[l - 1];
            // Weight rows of this layer the output needs: all, or those with an index ≤ outLimit (none without an output).
            int rmax = out == null ? 0 : outLimit < 0 ? d[l] : outLimit < wOff ? 0 : Math.min(d[l], (outLimit - wOff) / d[l - 1] + 1);
            boolean written = false;
            if (!rgZero && rmax == d[l]) {
                // [RG¹…RGᵏ]ᵀ Z_{l−1}: kg stacked d_l × d_{l−1} blocks (one vector: straight into out).
                if (kg == 1) {
                    linalg.dgemm(true, false, d[l], d[l - 1], rows, 1.0, brg[l], 0, d[l],
                            zPrev(l), zPrevOff(l), d[l - 1], 0.0, out, outOff + wOff, d[l - 1]);
                } else {
                    linalg.dgemm(true, false, kg * d[l], d[l - 1], rows, 1.0, brg[l], 0, kg * d[l],
                            zPrev(l), zPrevOff(l), d[l - 1], 0.0, wTmp, 0, d[l - 1]);
                    for (int j = 0; j < kg; j++) System.arraycopy(wTmp, j * size, out, outOff + j * p + wOff, size);
                }
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
                // Gr_lᵀ [RZ¹ | … | RZᵏ]: d_l × (kg·d_{l−1}) (its first rmax rows), block j in columns
                // j·d_{l−1} (one vector: straight into out, the rows of a weight block being contiguous).
                if (kg == 1) {
                    linalg.dgemm(true, false, rmax, d[l - 1], rows, 1.0, g[l], 0, d[l],
                            brz[l - 1], 0, d[l - 1], written ? 1.0 : 0.0, out, outOff + wOff, d[l - 1]);
                } else {
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
                }
                written = true;
            }
            if (!written && rmax > 0) for (int j = 0; j < kg; j++) Arrays.fill(out, outOff + j * p + wOff, outOff + j * p + wOff + size, 0.0);
            if (mlp.hasBias(l) && out != null) {
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
                if (!pre) unitNmeScatter(l, unitBase + j0, kg);   // A_1's units touch no weight of layer l ≥ 2
                rdzWritten = true;
            } else if (nme) {
                // Gr_l [V¹ | … | Vᵏ]: the directions packed side by side, d_l × (kg·d_{l−1}) (one: V_l as it is).
                gTimesDirections(l, vs, j0, kg, p, rdzWritten ? 1.0 : 0.0, brdz);
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

    /**
     * out (rows × kg·d_{l−1}, the vectors interleaved) = Gr_l [V¹ | … | Vᵏ] + beta·out: the directions'
     * layer-l weights side by side, d_l × (kg·d_{l−1}); one vector's V_l is used where it lies in vs.
     */
    private void gTimesDirections(int l, double[] vs, int j0, int kg, int p, double beta, double[] out) {
        int wOff = mlp.weightOffset(l), dp = d[l - 1];
        if (kg == 1) {
            linalg.dgemm(false, false, rows, dp, d[l], 1.0, g[l], 0, d[l], vs, j0 * p + wOff, dp, beta, out, 0, dp);
            return;
        }
        for (int r = 0; r < d[l]; r++) {
            for (int j = 0; j < kg; j++) System.arraycopy(vs, (j0 + j) * p + wOff + r * dp, vPack, (r * kg + j) * dp, dp);
        }
        linalg.dgemm(false, false, rows, kg * dp, d[l], 1.0, g[l], 0, d[l], vPack, 0, kg * dp, beta, out, 0, kg * dp);
    }

    /**
     * Adds to RA_l (rows × k·d_l, the vectors interleaved) its part from unit directions e_q,
     * q = q0 + j: Z_{l−1}[:, c] in column r of vector j's block (or 1 for a bias).
     */
    private void unitTangent(int l, int q0, int kg) {
        int wOff = mlp.weightOffset(l), wEnd = wOff + d[l] * d[l - 1];
        int bOff = mlp.hasBias(l) ? mlp.biasOffset(l) : -1;
        double[] zp = zPrev(l);
        int zo = zPrevOff(l);
        for (int j = 0; j < kg; j++) {
            int q = q0 + j;
            if (q >= wOff && q < wEnd) {
                int r = (q - wOff) / d[l - 1], c = (q - wOff) % d[l - 1];
                for (int i = 0; i < rows; i++) bra[l][(i * kg + j) * d[l] + r] += zp[zo + i * d[l - 1] + c];
            } else if (bOff >= 0 && q >= bOff && q < bOff + d[l]) {
                int r = q - bOff;
                for (int i = 0; i < rows; i++) bra[l][(i * kg + j) * d[l] + r] += 1.0;
            }
        }
    }

    /**
     * RA_l for the first layer's pre-activation units (unitBase {@link #FIRST_LAYER_UNITS}): vector j
     * of the group moves unit j0 + j of A_1 by one in every row (as a bias of layer 1 would, with or
     * without one); the later layers' RA come from the GEMMs alone.
     */
    private void firstLayerUnitTangent(int l, int j0, int kg) {
        if (l != 1) return;   // RA_1 zeroed by the caller; the later layers' RA come from the GEMMs alone
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < kg; j++) bra[1][(i * kg + j) * d[1] + j0 + j] += 1.0;
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

    // ---------------------------------------------------------------- the first layer's Kronecker form
    // (the GEMMs that use these Q_s are in KroneckerGemms)

    /**
     * Q_s of the bound chunk for the first layer's units j0 … j0+kg−1: entry Q_s[i, j0 + j] (scaled
     * like the products, i.e. including 1/count) into q[qOff + s·d_1² + (j0 + j)·d_1 + i] (the
     * column of unit j0 + j, as the unit-column product of a weight of that unit sees it). The part
     * is chosen as in {@link #blockProduct} ({@code ggn}, {@code nme}); needs the same bound state.
     */
    void firstLayerCurvature(double[] theta, int j0, int kg, double scale, boolean ggn, boolean nme, double[] q, int qOff) {
        int d1 = d[1], dd = d1 * d1;
        if (layers == 1 && !ggn) {   // a linear model has no NME: the pass below would leave RG_1 unwritten
            for (int s = 0; s < rows; s++) Arrays.fill(q, qOff + s * dd + j0 * d1, qOff + s * dd + (j0 + kg) * d1, 0.0);
            return;
        }
        blockProduct(theta, null, FIRST_LAYER_UNITS, j0, kg, mlp.numParameters(), scale, ggn, nme, null, 0, -1);
        for (int s = 0; s < rows; s++) System.arraycopy(brg[1], s * kg * d1, q, qOff + s * dd + j0 * d1, kg * d1);
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

    // ---------------------------------------------------------------- third order (trace penalties)

    private int thirdCap;           // kg the third-order buffers hold
    private double[][] br2a, br2z, br2g;
    private double[] br2dz, rowSum, rowSum2, s3Tmp;

    private void ensureThird(int kg) {
        ensureBlock(kg);
        if (kg <= thirdCap) return;
        br2a = new double[layers + 1][];
        br2z = new double[layers + 1][];
        br2g = new double[layers + 1][];
        int maxWidth = 1;   // layers 1..L only, as in ensureBlock
        for (int l = 1; l <= layers; l++) {
            br2a[l] = new double[maxRows * kg * d[l]];
            br2g[l] = new double[maxRows * kg * d[l]];
            if (l < layers) br2z[l] = new double[maxRows * kg * d[l]];
            maxWidth = Math.max(maxWidth, d[l]);
        }
        br2dz = new double[maxRows * kg * maxWidth];
        rowSum = new double[maxRows * maxWidth];
        rowSum2 = new double[maxRows * maxWidth];
        s3Tmp = new double[maxRows * maxWidth];
        thirdCap = kg;
    }

    /**
     * The quadratic forms v_jᵀ·Op·v_j of the probes vs[(j0 + j)·P ..], j < kg, over the bound chunk
     * (Op = ∇²L when {@code hessian}, else G; the chunk's sum, scale included) into
     * {@code forms[formsOff + j]} (overwriting), and, when {@code grad} is not null, ADDS
     * Σ_j ∇_θ(v_jᵀ·Op·v_j) into grad[gradOff .. gradOff + P). Needs the bound chunk's forward state
     * with σ″; with {@code hessian} and a gradient also the backward signals. The gradients of the
     * trace penalties of SPEC §11 (hessian_trace needs third derivatives: σ‴ and D³ℓ).
     *
     * <pre>
     * The exact gradients of the trace penalties of SPEC §11 for probes v_j (j &lt; kg, rows
     * interleaved as in the block products above). With a scale s (1/count: Gr_L = s·∂ℓ/∂F) the
     * chunk's sums are
     *
     *   q_j^H = Σ_rows [ RF_jᵀ (s H_ℓ) RF_j + Gr_Lᵀ R²F_j ]   = v_jᵀ ∇²L_chunk v_j
     *   q_j^G = Σ_rows   RF_jᵀ (s H_ℓ) RF_j                  = v_jᵀ G_chunk v_j
     *
     * (d²/dt² L(θ + t v) = Σ s[RFᵀ H_ℓ RF + ∇ℓᵀ R²F]: the quadratic forms need forward passes only),
     * and their gradients Σ_j ∇_θ q_j, derived below.
     *
     * Second-order forward (R² = d²/dt² along θ + t v; V_l, c_l the blocks of v; Z_0 = X is constant,
     * so RZ_0 = R²Z_0 = 0, and θ is linear in t, so R²W = 0):
     *   R²A_l = 2 RZ_{l−1} V_lᵀ + R²Z_{l−1} W_lᵀ            (no bias term: c_l enters linearly)
     *   R²Z_l = σ″(A_l) ⊙ RA_l² + σ′(A_l) ⊙ R²A_l
     *
     * hessian_trace. ∇_θ(vᵀ∇²L v) = D³L[v, v, ·] = d²/dt² ∇L(θ + t v): the R² of the whole gradient
     * program (forward and reverse). With the reverse pass ∂W_l = Gr_lᵀ Z_{l−1}, ∂b_l = 1ᵀGr_l,
     * dZ_{l−1} = Gr_l W_l, Gr_{l−1} = σ′ ⊙ dZ_{l−1}, and Gr_L = s ∇ℓ(F):
     *   RGr_L  = s H_ℓ RF
     *   R²Gr_L = s (H_ℓ R²F + D³ℓ[RF, RF])
     *   R²∂W_l = R²Gr_lᵀ Z_{l−1} + 2 RGr_lᵀ RZ_{l−1} + Gr_lᵀ R²Z_{l−1},     R²∂b_l = 1ᵀ R²Gr_l
     *   RdZ    = RGr_l W_l + Gr_l V_l
     *   R²dZ   = R²Gr_l W_l + 2 RGr_l V_l
     *   RGr_{l−1}  = σ′ RdZ + σ″ RA dZ
     *   R²Gr_{l−1} = σ′ R²dZ + σ″ (2 RA RdZ + R²A dZ) + σ‴ RA² dZ            (all on layer l−1)
     * Summed over the probes, R²Gr_lᵀZ and Gr_lᵀR²Z become ONE GEMM each on Σ_j R²Gr_j and Σ_j R²Z_j,
     * and Σ_j RGr_jᵀ RZ_j is one GEMM over the rows·kg interleaved rows.
     *
     * ggn_trace. q = s Σ_rows uᵀ H_ℓ(F) u with u = RF = J v. Differentiating u = J(θ) v and H_ℓ(F(θ)):
     *   ∇_θ q = ∇_θ(cᵀ J v)|_{c fixed} + Jᵀ T,    c = 2 s H_ℓ u,    T = s D³ℓ[u, u]
     * and ∇_θ(cᵀ J v) = ∇²(cᵀ f)·v = D_v(Jᵀ c), the R-operator of the reverse pass started from the
     * fixed top signal c (an NME-type product with c in place of ∂ℓ/∂F). With S_l the signals of that
     * reverse pass (S_L = c, S_{l−1} = σ′ ⊙ S_l W_l) and Q_l = D_v S_l + T_l (T_l the signals of the
     * vjp with T; Q_L = T):
     *   ∂W_l = Q_lᵀ Z_{l−1} + S_lᵀ RZ_{l−1},   ∂b_l = 1ᵀ Q_l
     *   Q_{l−1} = σ′ (Q_l W_l + S_l V_l) + σ″ RA (S_l W_l),   S_{l−1} = σ′ (S_l W_l)
     *
     * The loss's third derivative in output space: zero for mse (H_ℓ = (2/C) I is constant); for
     * cross-entropy, with p = softmax(F), H_ℓ u = p ⊙ (u − pᵀu) and
     *   D³ℓ[u, u] = d/dt H_ℓ(F + t u) u = p ⊙ (w − pᵀw),   w = (u − (pᵀu) 1)²   (elementwise square),
     * i.e. H_ℓ applied to w (from ṗ = H_ℓ u: ṗ ⊙ u − ṗ (pᵀu) − p (ṗᵀu), and Σ_c p_c (u_c − pᵀu) = 0).
     *
     * For the modified activations (augmented_relu, diminished_gelu) every derivative of σ′ is the
     * stated σ″ and every derivative of σ″ the stated σ‴ (SPEC §3): the pass then gives the modified
     * operators' forms and "gradients", as the modified Hessian products do.
     * </pre>
     */
    void blockQuadratic(double[] theta, double[] vs, int j0, int kg, int p, double scale, boolean hessian,
                        double[] forms, int formsOff, double[] grad, int gradOff) {
        ensureThird(kg);
        blockTangent(theta, vs, -1, j0, kg, p);
        int rk = rows * kg;
        if (hessian) secondTangent(theta, vs, j0, kg, p);
        quadraticFormsAndTop(kg, scale, hessian, forms, formsOff, grad != null);
        if (grad == null) return;
        for (int l = layers; l >= 1; l--) {
            int wOff = mlp.weightOffset(l) + gradOff;
            int dl = d[l], dp = d[l - 1];
            // Weights: (Σ_j X_j)ᵀ Z_{l−1}, X = R²Gr (hessian) or Q (ggn); bias: column sums of all rows·kg rows.
            double[] sum = sumOverProbes(br2g[l], kg, dl, rowSum);
            linalg.dgemm(true, false, dl, dp, rows, 1.0, sum, 0, dl, zPrev(l), zPrevOff(l), dp, 1.0, grad, wOff, dp);
            if (mlp.hasBias(l)) {
                Arrays.fill(vecTmp, 0, dl, 0.0);
                kernels.addColumnSums(rk, dl, br2g[l], dl, vecTmp);
                kernels.axpy(dl, 1.0, vecTmp, 0, grad, mlp.biasOffset(l) + gradOff);
            }
            if (l == 1) break;   // RZ_0 = R²Z_0 = 0, and no signals below the inputs
            // hessian: 2 Σ_j RGr_jᵀ RZ_j; ggn: Σ_j S_jᵀ RZ_j. One GEMM over the interleaved rows.
            linalg.dgemm(true, false, dl, dp, rk, hessian ? 2.0 : 1.0, brg[l], 0, dl, brz[l - 1], 0, dp, 1.0, grad, wOff, dp);
            if (hessian) {
                // Gr_lᵀ Σ_j R²Z_j
                double[] sumZ = sumOverProbes(br2z[l - 1], kg, dp, rowSum2);
                linalg.dgemm(true, false, dl, dp, rows, 1.0, g[l], 0, dl, sumZ, 0, dp, 1.0, grad, wOff, dp);
            }
            int tw = mlp.weightOffset(l);
            // brdz = RGr_l W_l (hessian: RdZ) or S_l W_l (ggn: dZ of S); br2dz = R²Gr_l W_l or Q_l W_l.
            linalg.dgemm(false, false, rk, dp, dl, 1.0, brg[l], 0, dl, theta, tw, dp, 0.0, brdz, 0, dp);
            linalg.dgemm(false, false, rk, dp, dl, 1.0, br2g[l], 0, dl, theta, tw, dp, 0.0, br2dz, 0, dp);
            if (hessian) {
                // RdZ += Gr_l [V¹ | … | Vᵏ] (Gr_l shared by the probes: one GEMM, as in blockProduct).
                gTimesDirections(l, vs, j0, kg, p, 1.0, brdz);
            }
            // hessian: R²dZ += 2 RGr_j V_j; ggn: Q-dZ += S_j V_j (per probe: the signals differ).
            for (int j = 0; j < kg; j++) {
                linalg.dgemm(false, false, rows, dp, dl, hessian ? 2.0 : 1.0, brg[l], j * dl, kg * dl,
                        vs, (j0 + j) * p + tw, dp, 1.0, br2dz, j * dp, kg * dp);
            }
            signalsBelow(l - 1, kg, hessian);
        }
    }

    /** R²A_l and R²Z_l of the group (the second-order forward above), into br2a / br2z. */
    private void secondTangent(double[] theta, double[] vs, int j0, int kg, int p) {
        int rk = rows * kg;
        for (int l = 1; l <= layers; l++) {
            int dl = d[l], dp = d[l - 1];
            if (l == 1) {
                Arrays.fill(br2a[1], 0, rk * dl, 0.0);
            } else {
                linalg.dgemm(false, true, rk, dl, dp, 1.0, br2z[l - 1], 0, dp, theta, mlp.weightOffset(l), dp, 0.0, br2a[l], 0, dl);
                for (int j = 0; j < kg; j++) {
                    linalg.dgemm(false, true, rows, dl, dp, 2.0, brz[l - 1], j * dp, kg * dp,
                            vs, (j0 + j) * p + mlp.weightOffset(l), dp, 1.0, br2a[l], j * dl, kg * dl);
                }
            }
            if (l == layers) break;
            double[] ra = bra[l], r2a = br2a[l], out = br2z[l], sp = s1[l], spp = s2[l];
            if (mlp.activation(l).hasZeroSecondDerivative()) {
                kernels.mulRepeated(rows, kg, dl, sp, r2a, out);
                continue;
            }
            for (int i = 0; i < rows; i++) {
                for (int j = 0; j < kg; j++) {
                    int o = (i * kg + j) * dl, so = i * dl;
                    for (int c = 0; c < dl; c++) {
                        double x = ra[o + c];
                        out[o + c] = spp[so + c] * x * x + sp[so + c] * r2a[o + c];
                    }
                }
            }
        }
    }

    /**
     * The forms q_j from RF (bra[L]) and, for the Hessian, R²F (br2a[L]) and Gr_L; when the gradient
     * is wanted also the top signals: brg[L] = RGr_L = s H_ℓ RF (hessian) or S_L = 2 s H_ℓ RF (ggn),
     * br2g[L] = R²Gr_L = s (H_ℓ R²F + D³ℓ[RF, RF]) (hessian) or Q_L = s D³ℓ[RF, RF] (ggn).
     */
    private void quadraticFormsAndTop(int kg, double scale, boolean hessian, double[] forms, int formsOff, boolean top) {
        int c = d[layers];
        double[] rf = bra[layers], r2f = br2a[layers], gl = g[layers];
        double[] rg = brg[layers], r2g = br2g[layers];
        Arrays.fill(forms, formsOff, formsOff + kg, 0.0);
        if (loss == Loss.MSE) {
            double h = scale * 2.0 / c;   // s H_ℓ = s (2/C) I; D³ℓ = 0
            for (int i = 0; i < rows; i++) {
                for (int j = 0; j < kg; j++) {
                    int o = (i * kg + j) * c;
                    double q = 0;
                    for (int m = 0; m < c; m++) {
                        double u = rf[o + m];
                        q += h * u * u;
                        if (hessian) q += gl[i * c + m] * r2f[o + m];
                        if (top) {
                            rg[o + m] = (hessian ? 1.0 : 2.0) * h * u;
                            r2g[o + m] = hessian ? h * r2f[o + m] : 0.0;
                        }
                    }
                    forms[formsOff + j] += q;
                }
            }
            return;
        }
        for (int i = 0; i < rows; i++) {
            int po = i * c;
            for (int j = 0; j < kg; j++) {
                int o = (i * kg + j) * c;
                double pu = 0, pr2 = 0;
                for (int m = 0; m < c; m++) {
                    pu += prob[po + m] * rf[o + m];
                    if (hessian) pr2 += prob[po + m] * r2f[o + m];
                }
                double q = 0, pw = 0;
                for (int m = 0; m < c; m++) {
                    double u = rf[o + m];
                    double hu = prob[po + m] * (u - pu);   // H_ℓ u
                    q += scale * u * hu;
                    if (hessian) q += gl[po + m] * r2f[o + m];
                    double w = (u - pu) * (u - pu);
                    pw += prob[po + m] * w;
                }
                forms[formsOff + j] += q;
                if (!top) continue;
                for (int m = 0; m < c; m++) {
                    double u = rf[o + m];
                    double hu = prob[po + m] * (u - pu);
                    double w = (u - pu) * (u - pu);
                    double d3 = prob[po + m] * (w - pw);   // D³ℓ[u, u]
                    if (hessian) {
                        rg[o + m] = scale * hu;
                        r2g[o + m] = scale * (prob[po + m] * (r2f[o + m] - pr2) + d3);
                    } else {
                        rg[o + m] = 2.0 * scale * hu;
                        r2g[o + m] = scale * d3;
                    }
                }
            }
        }
    }

    /**
     * The signals of layer m = l−1 from brdz and br2dz (see the derivation above):
     * hessian: RGr = σ′ RdZ + σ″ RA dZ, R²Gr = σ′ R²dZ + σ″ (2 RA RdZ + R²A dZ) + σ‴ RA² dZ;
     * ggn: S = σ′ dZ_S, Q = σ′ dZ_Q + σ″ RA dZ_S.
     */
    private void signalsBelow(int m, int kg, boolean hessian) {
        int dm = d[m];
        Activation act = mlp.activation(m);
        double[] sp = s1[m];
        if (act.hasZeroSecondDerivative()) {   // σ″ ≡ σ‴ ≡ 0 (identity, relu, diminished_gelu)
            kernels.mulRepeated(rows, kg, dm, sp, brdz, brg[m]);
            kernels.mulRepeated(rows, kg, dm, sp, br2dz, br2g[m]);
            return;
        }
        double[] spp = s2[m], ra = bra[m], rdz = brdz, r2dz = br2dz, rg = brg[m], r2g = br2g[m];
        if (!hessian) {
            for (int i = 0; i < rows; i++) {
                for (int j = 0; j < kg; j++) {
                    int o = (i * kg + j) * dm, so = i * dm;
                    for (int c = 0; c < dm; c++) {
                        double dzs = rdz[o + c];
                        rg[o + c] = sp[so + c] * dzs;
                        r2g[o + c] = sp[so + c] * r2dz[o + c] + spp[so + c] * ra[o + c] * dzs;
                    }
                }
            }
            return;
        }
        double[] dzm = dz[m], r2a = br2a[m];
        boolean third = !act.hasZeroThirdDerivative();
        double[] sppp = s3Tmp;
        if (third) act.evaluate(kernels, rows * dm, a[m], null, null, null, sppp);
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < kg; j++) {
                int o = (i * kg + j) * dm, so = i * dm;
                for (int c = 0; c < dm; c++) {
                    double x = ra[o + c], y = rdz[o + c], dzv = dzm[so + c], s2v = spp[so + c];
                    rg[o + c] = sp[so + c] * y + s2v * x * dzv;
                    double r2 = sp[so + c] * r2dz[o + c] + s2v * (2.0 * x * y + r2a[o + c] * dzv);
                    if (third) r2 += sppp[so + c] * x * x * dzv;
                    r2g[o + c] = r2;
                }
            }
        }
    }

    /**
     * Σ_j x[(i·kg + j)·cols + c] into out[i·cols + c]: the sum of the kg interleaved copies, per row
     * (returns out; for kg = 1 returns x itself, which is already that sum).
     */
    private double[] sumOverProbes(double[] x, int kg, int cols, double[] out) {
        if (kg == 1) return x;
        for (int i = 0; i < rows; i++) {
            System.arraycopy(x, i * kg * cols, out, i * cols, cols);
            for (int j = 1; j < kg; j++) kernels.axpy(cols, 1.0, x, (i * kg + j) * cols, out, i * cols);
        }
        return out;
    }

    private void columnSumsInto(double[] m, int cols, double[] out, int off) {
        Arrays.fill(vecTmp, 0, cols, 0.0);
        kernels.addColumnSums(rows, cols, m, cols, vecTmp);
        System.arraycopy(vecTmp, 0, out, off, cols);
    }
}
