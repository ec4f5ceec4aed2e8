package dev.morse.experiments.benign;

import java.util.SplittableRandom;

/**
 * The two-layer ReLU network f(x) = Σ_j a_j ReLU(w_jᵀx) (no biases, m hidden units, both layers
 * trained) and its objective
 *
 * <pre>  L(W, a) = (1/n) Σ_i (f(x_i) − y_i)² + λ (‖W‖²_F + ‖a‖²)</pre>
 *
 * evaluated directly on θ = (W, a). ReLU′(0) = 0 (PyTorch's convention, SPEC §3). This is the
 * reference ("plain") form; training runs in pre-activation coordinates ({@link PreactivationGd}).
 *
 * @param w m×d first-layer weights (row j = w_j)
 * @param a m second-layer weights
 */
public record ReluNet(double[][] w, double[] a) {

    public int width() { return a.length; }

    /**
     * The initialization of the experiment: W_jl ~ N(0, α²) independently, then a_j = s_j ‖w_j‖ with
     * independent uniform signs s_j = ±1 (balanced layers: |a_j| = ‖w_j‖). Draws W row by row, then
     * the m signs, from one {@link SplittableRandom} seeded with {@code seed}.
     */
    public static ReluNet init(int m, int d, double alpha, long seed) {
        if (m < 1) throw new IllegalArgumentException("width must be ≥ 1, got " + m);
        if (!(alpha > 0) || !Double.isFinite(alpha)) throw new IllegalArgumentException("alpha (init scale) must be > 0, got " + alpha);
        SplittableRandom rnd = new SplittableRandom(seed);
        double[][] w = new double[m][d];
        for (int j = 0; j < m; j++) for (int l = 0; l < d; l++) w[j][l] = alpha * rnd.nextGaussian();
        double[] a = new double[m];
        for (int j = 0; j < m; j++) a[j] = (rnd.nextBoolean() ? 1 : -1) * Math.sqrt(Dense.dot(w[j], w[j]));
        return new ReluNet(w, a);
    }

    /** f(x_i) for every input. */
    public double[] outputs(BenignData data) {
        double[][] x = data.x();
        double[] f = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            double s = 0;
            for (int j = 0; j < a.length; j++) s += a[j] * Math.max(0.0, Dense.dot(w[j], x[i]));
            f[i] = s;
        }
        return f;
    }

    public double objective(BenignData data, double lambda) {
        double[] f = outputs(data);
        double loss = 0;
        for (int i = 0; i < f.length; i++) loss += (f[i] - data.y()[i]) * (f[i] - data.y()[i]);
        double pen = Dense.dot(a, a);
        for (double[] row : w) pen += Dense.dot(row, row);
        return loss / f.length + lambda * pen;
    }

    /**
     * ∇L with ReLU′(0) = 0: ∂L/∂a_j = (2/n) Σ_i r_i ReLU(u_ji) + 2λ a_j,
     * ∂L/∂w_j = (2/n) a_j Σ_i r_i 1[u_ji &gt; 0] x_i + 2λ w_j, with r = f − y and u_ji = w_jᵀx_i.
     */
    public ReluNet gradient(BenignData data, double lambda) {
        double[][] x = data.x();
        int n = x.length, m = a.length, d = w[0].length;
        double[] r = outputs(data);
        for (int i = 0; i < n; i++) r[i] -= data.y()[i];
        double[][] gw = new double[m][d];
        double[] ga = new double[m];
        for (int j = 0; j < m; j++) {
            double sa = 0;
            for (int i = 0; i < n; i++) {
                double u = Dense.dot(w[j], x[i]);
                if (u > 0) {
                    sa += r[i] * u;
                    double c = 2.0 / n * a[j] * r[i];
                    for (int l = 0; l < d; l++) gw[j][l] += c * x[i][l];
                }
            }
            ga[j] = 2.0 / n * sa + 2 * lambda * a[j];
            for (int l = 0; l < d; l++) gw[j][l] += 2 * lambda * w[j][l];
        }
        return new ReluNet(gw, ga);
    }

    /** ‖θ‖ of this (W, a) taken as a vector: for a gradient, the gradient norm. */
    public double norm() {
        double s = Dense.dot(a, a);
        for (double[] row : w) s += Dense.dot(row, row);
        return Math.sqrt(s);
    }
}
