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
 * Not thread-safe; the caller gives each worker its own instance. The trace penalties' third-order
 * passes live in {@link ChunkThirdOrder}, a companion that reads the members left package-private
 * here (the bound chunk's state, the tangent buffers and the passes it builds on).
 */
final class ChunkPass {

    final Mlp mlp;
    final Loss loss;
    final Kernels kernels;
    final Linalg linalg;
    final int layers;
    final int[] d;

    // Forward/backward state of the bound chunk (see ChunkState); per layer l (index l, 1..L),
    // index 0 unused (Z_0 is X itself).
    double[][] a;    // A_l
    private double[][] z;    // Z_l (l < L)
    double[][] s1;   // σ′(A_l)
    double[][] s2;   // σ″(A_l)
    double[][] g;    // Gr_l
    double[][] dz;   // ∂/∂Z_l (l < L), kept for the NME term dZ ⊙ σ″ ⊙ RA
    double[] prob;   // softmax rows for cross-entropy
    // Tangent (R-operator) buffers, owned by this worker: see the block products below.
    final double[] vecTmp; // bias copy / column sums
    int maxRows;

    // The chunk currently bound.
    private double[] x;
    private int xOff;
    int rows;

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

    double[] zPrev(int l) {
        return l == 1 ? x : z[l - 1];
    }

    int zPrevOff(int l) {
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
    double[][] bra, brz, brg;
    double[] brdz;   // also read by ChunkThirdOrder, as the state above
    private double[] nmeFactor, vPack, wTmp, biasTmp, brgT;

    void ensureBlock(int kg) {
        if (kg <= blockCap) return;
        bra = new double[layers + 1][];
        brz = new double[layers + 1][];
        brg = new double[layers + 1][];
        // Widths of layers 1..L only: the tangent signals (brdz, brgT, the bias sums) never live on
        // the inputs, and with d_0 = 784 a width of d_0 made two of these buffers rows × kg × 784.
        int maxWidth = (int) maxWidth(d), maxLayer = (int) maxLayer(d);   // the sizes blockDoubles counts
        for (int l = 1; l <= layers; l++) {
            bra[l] = new double[maxRows * kg * d[l]];
            brg[l] = new double[maxRows * kg * d[l]];
            if (l < layers) brz[l] = new double[maxRows * kg * d[l]];
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
     * Doubles that {@link #ensureBlock} allocates for kg vectors over chunks of {@code rows} rows of
     * a model of widths d (its arrays, summed; keep in step with it: ChunkPassTest checks): what the
     * scheduler checks against the heap for all workers, before any of them grows.
     */
    static double blockDoubles(int[] d, int rows, int kg) {
        double mw = maxWidth(d);
        return layerDoubles(d, rows, kg) + 2.0 * rows * kg * mw + rows * mw + 2.0 * kg * maxLayer(d) + kg * mw;
    }

    /** The largest single array of {@link #blockDoubles} (Java's limit is per array): kg weight matrices or rows × kg widths. */
    static double largestBlockArray(int[] d, int rows, int kg) {
        return Math.max(kg * maxLayer(d), (double) rows * kg * maxWidth(d));
    }

    /** The per-layer tangent signals of kg vectors over rows: three arrays of rows × kg × d_l per hidden layer, two for the output. */
    static double layerDoubles(int[] d, int rows, int kg) {
        double doubles = 0;
        for (int l = 1; l < d.length; l++) doubles += (l < d.length - 1 ? 3.0 : 2.0) * rows * kg * d[l];
        return doubles;
    }

    /** The widest layer past the inputs (at least 1). */
    static double maxWidth(int[] d) {
        double w = 1;
        for (int l = 1; l < d.length; l++) w = Math.max(w, d[l]);
        return w;
    }

    /** The largest weight matrix, d_l × d_{l−1}. */
    static double maxLayer(int[] d) {
        double m = 0;
        for (int l = 1; l < d.length; l++) m = Math.max(m, (double) d[l] * d[l - 1]);
        return m;
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
    void gTimesDirections(int l, double[] vs, int j0, int kg, int p, double beta, double[] out) {
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

    private ChunkThirdOrder thirdOrder;   // created on the first trace-penalty request

    /** The quadratic forms of the trace penalties and their gradients: see {@link ChunkThirdOrder#blockQuadratic}. */
    void blockQuadratic(double[] theta, double[] vs, int j0, int kg, int p, double scale, boolean hessian,
                        double[] forms, int formsOff, double[] grad, int gradOff) {
        if (thirdOrder == null) thirdOrder = new ChunkThirdOrder(this);
        thirdOrder.blockQuadratic(theta, vs, j0, kg, p, scale, hessian, forms, formsOff, grad, gradOff);
    }

    private void columnSumsInto(double[] m, int cols, double[] out, int off) {
        Arrays.fill(vecTmp, 0, cols, 0.0);
        kernels.addColumnSums(rows, cols, m, cols, vecTmp);
        System.arraycopy(vecTmp, 0, out, off, cols);
    }
}
