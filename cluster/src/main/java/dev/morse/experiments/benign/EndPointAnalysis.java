package dev.morse.experiments.benign;

/**
 * Is an end point a local minimum? ReLU makes L non-smooth where a pre-activation is 0 (a kink),
 * so the tests are those of non-smooth analysis, each computed exactly for the small n here.
 * Coordinates with |u_ji| ≤ {@code kinkTol} count as kinks (and are read as 0).
 *
 * <ol>
 *   <li><b>Clarke stationarity</b>: the Clarke subdifferential at θ is the set of gradients obtained
 *       with ReLU′ ∈ [0, 1] at the kinks. {@code clarkeNorm} = min over those choices of ‖∇L‖, per
 *       neuron a box-constrained QP in the choices (the neurons decouple), solved exactly.</li>
 *   <li><b>No first-order descent direction</b>: L′(θ; δ) = ⟨∇L, δ⟩ (ReLU′(0) = 0) + Σ_kinks κ_ji max(0, x_iᵀδw_j)
 *       with κ_ji = (2/n) a_j r_i. It separates over neurons; for each neuron and each choice P of
 *       the kinks moved to the active side, the steepest rate on that orthant-like cone C_P is
 *       ‖Π_{C_P}(−(∇_{w_j}L + Σ_{i∈P} κ_ji x_i))‖ ({@link ConeProjection}). {@code descentRate} = sup over
 *       unit δ of −L′(θ; δ) = (Σ_j rate_j²)^{1/2}, rate_j² = (∂L/∂a_j)² + max_P rate_P². Kinks with
 *       κ_ji = 0 add nothing to first order and are left free.</li>
 *   <li><b>Second order on the smooth piece</b> (kinks inactive): its Hessian is
 *       (2/n)JᵀJ + B + 0, with B block-diagonal per neuron, B_j = [[2λ, v_jᵀ], [v_j, 2λI]],
 *       v_j = (2/n)Σ_{i active} r_i x_i, eigenvalues 2λ ± ‖v_j‖ and 2λ. Hence λ_min ≥
 *       {@code curvatureLowerBound} = 2λ − max_j ‖v_j‖, and at a stationary point with a_j ≠ 0,
 *       ‖v_j‖ = 2λ exactly, so the piece's Hessian is positive semi-definite there: no negative
 *       curvature on the piece is possible. The Rayleigh quotient of B_j's bottom eigenvector
 *       e_j = (1, −v_j/‖v_j‖)/√2, {@code curvatureCertificate} = min_j e_jᵀHe_j ≥ λ_min, certifies
 *       negative curvature when it is &lt; 0 (a tiny neuron that would grow).</li>
 *   <li><b>Second order at zero neurons</b> (a_j = 0, w_j = 0): such a neuron changes L only at second
 *       order, by (2/n) δa Σ_i r_i ReLU(x_iᵀδw) + λ(δa² + ‖δw‖²), which is negative for some direction
 *       iff max_{‖v‖=1} |Σ_i r_i ReLU(x_iᵀv)| &gt; nλ, i.e. iff {@code zeroNeuronRatio} =
 *       max_{S,σ} ‖Π_{C_S}(σXᵀD_S r)‖/(nλ) &gt; 1 — exactly the dual constraint of the convex program at
 *       μ = (2/n)r ({@link ConvexGlobal}). NaN when no neuron is zero.</li>
 * </ol>
 *
 * What is <em>not</em> checked: higher-order terms along directions where the second-order form
 * vanishes (the piece's Hessian has zero eigenvalues at every stationary point: rescalings within a
 * neuron pair, and splits of one direction among neurons), and second order along kinks with
 * κ_ji = 0 combined with other directions. A point passing 1–4 satisfies the first- and
 * second-order necessary conditions for a local minimum.
 */
public record EndPointAnalysis(double objective, double gradNorm, int liveNeurons, int zeroNeurons, int kinks,
                               double clarkeNorm, double descentRate, double curvatureLowerBound,
                               double curvatureCertificate, double zeroNeuronRatio) {

    /** Kink tolerance used by the experiment: pre-activations within it of 0 are kinks. */
    public static final double DEFAULT_KINK_TOL = 1e-10;

    public static EndPointAnalysis of(EndPoint p, double kinkTol) {
        BenignData data = p.data();
        int n = p.n(), m = p.width();
        double lambda = p.lambda();
        double[][] k = data.gram();
        // Read near-zero pre-activations as exact kinks.
        double[] u = p.u().clone();
        for (int q = 0; q < u.length; q++) if (Math.abs(u[q]) <= kinkTol) u[q] = 0;
        EndPoint s = new EndPoint(data, lambda, m, u, p.a());
        double[] r = s.residual();
        double clarke2 = 0, descent2 = 0;
        double maxV = 0;
        double cert = Double.POSITIVE_INFINITY;
        int live = 0, zero = 0, kinks = 0;
        for (int j = 0; j < m; j++) {
            if (s.isZero(j)) { zero++; continue; }
            live++;
            double aj = s.a()[j];
            double ga = s.gradA(j, r);
            double[] uj = s.neuron(j);
            // γ: coefficients of ∂L/∂w_j = Xᵀγ (ReLU′(0) = 0), γ = c_j + 2λK⁻¹u_j.
            double[] kinvU = data.orthonormal() ? uj.clone() : Dense.mul(data.gramInverse(), uj);
            double[] gamma = new double[n];
            double[] rAct = new double[n];
            int nk = 0;
            int[] kinkIdx = new int[n];
            double[] kappa = new double[n];
            for (int i = 0; i < n; i++) {
                gamma[i] = 2 * lambda * kinvU[i];
                if (uj[i] > 0) { gamma[i] += 2.0 / n * aj * r[i]; rAct[i] = r[i]; }
                else if (uj[i] == 0) {
                    kinks++;
                    double kap = 2.0 / n * aj * r[i];
                    if (kap != 0) { kinkIdx[nk] = i; kappa[nk] = kap; nk++; }
                }
            }
            clarke2 += ga * ga + clarkeMin(k, gamma, kinkIdx, kappa, nk);
            descent2 += ga * ga + steepestRate2(k, gamma, kinkIdx, kappa, nk);
            // Second order on the smooth piece.
            double vNorm = 2.0 / n * Math.sqrt(Math.max(0, Dense.quad(k, rAct)));
            maxV = Math.max(maxV, vNorm);
            if (vNorm > 0) {
                double[] kr = Dense.mul(k, rAct);
                double jj = 0;
                for (int i = 0; i < n; i++) {
                    double xiv = uj[i] > 0 ? kr[i] * (2.0 / n) / vNorm : 0;
                    double je = (Math.max(0, uj[i]) - aj * xiv) / Math.sqrt(2);
                    jj += je * je;
                }
                cert = Math.min(cert, 2 * lambda - vNorm + 2.0 / n * jj);
            }
        }
        double lower = Math.min(2 * lambda, 2 * lambda - maxV);
        double ratio = zero > 0 ? zeroNeuronRatio(k, r, lambda) : Double.NaN;
        return new EndPointAnalysis(s.objective(), s.gradientNorm(), live, zero, kinks, Math.sqrt(clarke2),
                Math.sqrt(descent2), lower, cert == Double.POSITIVE_INFINITY ? Double.NaN : cert, ratio);
    }

    /**
     * min over s ∈ [0,1]^q of ‖Xᵀ(γ + Σ_p s_p κ_p e_{i_p})‖² (the neuron's part of the Clarke test), solved
     * in the variables t_p = s_p κ_p ∈ [min(0, κ_p), max(0, κ_p)] so that the QP's matrix is K_KK itself
     * (well conditioned) whatever the spread of the κ_p.
     */
    static double clarkeMin(double[][] k, double[] gamma, int[] idx, double[] kappa, int q) {
        double[] kg = Dense.mul(k, gamma);
        double base = Dense.dot(gamma, kg);
        if (q == 0) return Math.max(0, base);
        double[][] h = new double[q][q];
        double[] g = new double[q];
        double[] lo = new double[q];
        double[] hi = new double[q];
        for (int p = 0; p < q; p++) {
            for (int t = 0; t < q; t++) h[p][t] = k[idx[p]][idx[t]];
            g[p] = kg[idx[p]];
            lo[p] = Math.min(0, kappa[p]);
            hi[p] = Math.max(0, kappa[p]);
        }
        double[] sol = SmallQp.solve(h, g, lo, hi).x();
        double[] v = gamma.clone();
        for (int p = 0; p < q; p++) v[idx[p]] += sol[p];
        return Math.max(0, Dense.quad(k, v));
    }

    /** max over the 2^q sides of the kinks of ‖Π_{C_P}(−Xᵀ(γ + Σ_{p∈P} κ_p e_{i_p}))‖². */
    static double steepestRate2(double[][] k, double[] gamma, int[] idx, double[] kappa, int q) {
        int n = gamma.length;
        int[] rows = java.util.Arrays.copyOf(idx, q);
        int[] signs = new int[q];
        double best = 0;
        for (int side = 0; side < 1 << q; side++) {
            double[] v = new double[n];
            for (int i = 0; i < n; i++) v[i] = -gamma[i];
            for (int p = 0; p < q; p++) {
                boolean up = (side >> p & 1) == 1;
                signs[p] = up ? 1 : -1;
                if (up) v[idx[p]] -= kappa[p];
            }
            best = Math.max(best, ConeProjection.project(k, rows, signs, v).norm2());
        }
        return best;
    }

    /** max_{S,σ} ‖Π_{C_S}(σXᵀD_S r)‖ / (nλ). */
    static double zeroNeuronRatio(double[][] k, double[] r, double lambda) {
        int n = r.length;
        double best = 0;
        for (int pattern = 1; pattern < 1 << n; pattern++) {
            for (int sigma = -1; sigma <= 1; sigma += 2) {
                double[] c = new double[n];
                for (int i = 0; i < n; i++) if ((pattern >> i & 1) == 1) c[i] = sigma * r[i];
                best = Math.max(best, ConeProjection.projectPattern(k, pattern, c).norm2());
            }
        }
        return Math.sqrt(best) / (n * lambda);
    }
}
