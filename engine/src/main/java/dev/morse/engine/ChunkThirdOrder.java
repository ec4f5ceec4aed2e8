package dev.morse.engine;

import dev.morse.linalg.Linalg;
import dev.morse.simd.Kernels;
import java.util.Arrays;

/**
 * The trace penalties' passes of one chunk (SPEC §11): the quadratic forms v_jᵀ·Op·v_j of a group
 * of probes and their exact gradients, by a second-order forward pass (R²) and a third-order
 * reverse pass on top of a {@link ChunkPass}'s tangent (R-operator) passes. It owns the R² buffers,
 * allocated on first use and reused, and reads the pass's bound chunk (forward/backward state,
 * tangent buffers) through package-private fields: one companion per pass, on that pass's worker.
 * Not thread-safe, as the pass itself.
 */
final class ChunkThirdOrder {

    private final ChunkPass pass;
    private final Mlp mlp;
    private final Loss loss;
    private final Kernels kernels;
    private final Linalg linalg;
    private final int layers;
    private final int[] d;

    ChunkThirdOrder(ChunkPass pass) {
        this.pass = pass;
        this.mlp = pass.mlp;
        this.loss = pass.loss;
        this.kernels = pass.kernels;
        this.linalg = pass.linalg;
        this.layers = pass.layers;
        this.d = pass.d;
    }

    private int thirdCap;           // kg the third-order buffers hold
    private double[][] br2a, br2z, br2g;
    private double[] br2dz, rowSum, rowSum2, s3Tmp;

    /**
     * Doubles that {@link #ensureThird} allocates on top of {@link ChunkPass#ensureBlock}'s for kg
     * vectors over chunks of {@code rows} rows (keep in step with it: ChunkPassTest checks).
     */
    static double thirdDoubles(int[] d, int rows, int kg) {
        double mw = ChunkPass.maxWidth(d);
        return ChunkPass.layerDoubles(d, rows, kg) + rows * kg * mw + 3.0 * rows * mw;
    }

    private void ensureThird(int kg) {
        pass.ensureBlock(kg);
        if (kg <= thirdCap) return;
        br2a = new double[layers + 1][];
        br2z = new double[layers + 1][];
        br2g = new double[layers + 1][];
        int maxWidth = (int) ChunkPass.maxWidth(d);   // layers 1..L only, as in ensureBlock
        for (int l = 1; l <= layers; l++) {
            br2a[l] = new double[pass.maxRows * kg * d[l]];
            br2g[l] = new double[pass.maxRows * kg * d[l]];
            if (l < layers) br2z[l] = new double[pass.maxRows * kg * d[l]];
        }
        br2dz = new double[pass.maxRows * kg * maxWidth];
        rowSum = new double[pass.maxRows * maxWidth];
        rowSum2 = new double[pass.maxRows * maxWidth];
        s3Tmp = new double[pass.maxRows * maxWidth];
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
     * interleaved as in {@link ChunkPass}'s block products). With a scale s (1/count: Gr_L = s·∂ℓ/∂F) the
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
        int rows = pass.rows;
        ensureThird(kg);
        pass.blockTangent(theta, vs, -1, j0, kg, p);
        int rk = rows * kg;
        if (hessian) secondTangent(theta, vs, j0, kg, p);
        quadraticFormsAndTop(kg, scale, hessian, forms, formsOff, grad != null);
        if (grad == null) return;
        for (int l = layers; l >= 1; l--) {
            int wOff = mlp.weightOffset(l) + gradOff;
            int dl = d[l], dp = d[l - 1];
            // Weights: (Σ_j X_j)ᵀ Z_{l−1}, X = R²Gr (hessian) or Q (ggn); bias: column sums of all rows·kg rows.
            double[] sum = sumOverProbes(br2g[l], kg, dl, rowSum);
            linalg.dgemm(true, false, dl, dp, rows, 1.0, sum, 0, dl, pass.zPrev(l), pass.zPrevOff(l), dp, 1.0, grad, wOff, dp);
            if (mlp.hasBias(l)) {
                Arrays.fill(pass.vecTmp, 0, dl, 0.0);
                kernels.addColumnSums(rk, dl, br2g[l], dl, pass.vecTmp);
                kernels.axpy(dl, 1.0, pass.vecTmp, 0, grad, mlp.biasOffset(l) + gradOff);
            }
            if (l == 1) break;   // RZ_0 = R²Z_0 = 0, and no signals below the inputs
            // hessian: 2 Σ_j RGr_jᵀ RZ_j; ggn: Σ_j S_jᵀ RZ_j. One GEMM over the interleaved rows.
            linalg.dgemm(true, false, dl, dp, rk, hessian ? 2.0 : 1.0, pass.brg[l], 0, dl, pass.brz[l - 1], 0, dp, 1.0, grad, wOff, dp);
            if (hessian) {
                // Gr_lᵀ Σ_j R²Z_j
                double[] sumZ = sumOverProbes(br2z[l - 1], kg, dp, rowSum2);
                linalg.dgemm(true, false, dl, dp, rows, 1.0, pass.g[l], 0, dl, sumZ, 0, dp, 1.0, grad, wOff, dp);
            }
            int tw = mlp.weightOffset(l);
            // brdz = RGr_l W_l (hessian: RdZ) or S_l W_l (ggn: dZ of S); br2dz = R²Gr_l W_l or Q_l W_l.
            linalg.dgemm(false, false, rk, dp, dl, 1.0, pass.brg[l], 0, dl, theta, tw, dp, 0.0, pass.brdz, 0, dp);
            linalg.dgemm(false, false, rk, dp, dl, 1.0, br2g[l], 0, dl, theta, tw, dp, 0.0, br2dz, 0, dp);
            if (hessian) {
                // RdZ += Gr_l [V¹ | … | Vᵏ] (Gr_l shared by the probes: one GEMM, as in blockProduct).
                pass.gTimesDirections(l, vs, j0, kg, p, 1.0, pass.brdz);
            }
            // hessian: R²dZ += 2 RGr_j V_j; ggn: Q-dZ += S_j V_j (per probe: the signals differ).
            for (int j = 0; j < kg; j++) {
                linalg.dgemm(false, false, rows, dp, dl, hessian ? 2.0 : 1.0, pass.brg[l], j * dl, kg * dl,
                        vs, (j0 + j) * p + tw, dp, 1.0, br2dz, j * dp, kg * dp);
            }
            signalsBelow(l - 1, kg, hessian);
        }
    }

    /** R²A_l and R²Z_l of the group (the second-order forward above), into br2a / br2z. */
    private void secondTangent(double[] theta, double[] vs, int j0, int kg, int p) {
        int rows = pass.rows;
        int rk = rows * kg;
        for (int l = 1; l <= layers; l++) {
            int dl = d[l], dp = d[l - 1];
            if (l == 1) {
                Arrays.fill(br2a[1], 0, rk * dl, 0.0);
            } else {
                linalg.dgemm(false, true, rk, dl, dp, 1.0, br2z[l - 1], 0, dp, theta, mlp.weightOffset(l), dp, 0.0, br2a[l], 0, dl);
                for (int j = 0; j < kg; j++) {
                    linalg.dgemm(false, true, rows, dl, dp, 2.0, pass.brz[l - 1], j * dp, kg * dp,
                            vs, (j0 + j) * p + mlp.weightOffset(l), dp, 1.0, br2a[l], j * dl, kg * dl);
                }
            }
            if (l == layers) break;
            double[] ra = pass.bra[l], r2a = br2a[l], out = br2z[l], sp = pass.s1[l], spp = pass.s2[l];
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
        int rows = pass.rows;
        int c = d[layers];
        double[] rf = pass.bra[layers], r2f = br2a[layers], gl = pass.g[layers];
        double[] rg = pass.brg[layers], r2g = br2g[layers];
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
                    pu += pass.prob[po + m] * rf[o + m];
                    if (hessian) pr2 += pass.prob[po + m] * r2f[o + m];
                }
                double q = 0, pw = 0;
                for (int m = 0; m < c; m++) {
                    double u = rf[o + m];
                    double hu = pass.prob[po + m] * (u - pu);   // H_ℓ u
                    q += scale * u * hu;
                    if (hessian) q += gl[po + m] * r2f[o + m];
                    double w = (u - pu) * (u - pu);
                    pw += pass.prob[po + m] * w;
                }
                forms[formsOff + j] += q;
                if (!top) continue;
                for (int m = 0; m < c; m++) {
                    double u = rf[o + m];
                    double hu = pass.prob[po + m] * (u - pu);
                    double w = (u - pu) * (u - pu);
                    double d3 = pass.prob[po + m] * (w - pw);   // D³ℓ[u, u]
                    if (hessian) {
                        rg[o + m] = scale * hu;
                        r2g[o + m] = scale * (pass.prob[po + m] * (r2f[o + m] - pr2) + d3);
                    } else {
                        rg[o + m] = 2.0 * scale * hu;
                        r2g[o + m] = scale * d3;
                    }
                }
            }
        }
    }

    /**
     * The signals of layer m = l−1 from brdz and br2dz (see the derivation at {@link #blockQuadratic}):
     * hessian: RGr = σ′ RdZ + σ″ RA dZ, R²Gr = σ′ R²dZ + σ″ (2 RA RdZ + R²A dZ) + σ‴ RA² dZ;
     * ggn: S = σ′ dZ_S, Q = σ′ dZ_Q + σ″ RA dZ_S.
     */
    private void signalsBelow(int m, int kg, boolean hessian) {
        int rows = pass.rows;
        int dm = d[m];
        Activation act = mlp.activation(m);
        double[] sp = pass.s1[m];
        if (act.hasZeroSecondDerivative()) {   // σ″ ≡ σ‴ ≡ 0 (identity, relu, diminished_gelu)
            kernels.mulRepeated(rows, kg, dm, sp, pass.brdz, pass.brg[m]);
            kernels.mulRepeated(rows, kg, dm, sp, br2dz, br2g[m]);
            return;
        }
        double[] spp = pass.s2[m], ra = pass.bra[m], rdz = pass.brdz, r2dz = br2dz, rg = pass.brg[m], r2g = br2g[m];
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
        double[] dzm = pass.dz[m], r2a = br2a[m];
        boolean third = !act.hasZeroThirdDerivative();
        double[] sppp = s3Tmp;
        if (third) act.evaluate(kernels, rows * dm, pass.a[m], null, null, null, sppp);
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
        int rows = pass.rows;
        if (kg == 1) return x;
        for (int i = 0; i < rows; i++) {
            System.arraycopy(x, i * kg * cols, out, i * cols, cols);
            for (int j = 1; j < kg; j++) kernels.axpy(cols, 1.0, x, (i * kg + j) * cols, out, i * cols);
        }
        return out;
    }
}
