package dev.morse.experiments.benign;

/**
 * A network given in pre-activation coordinates with no component outside the span of the inputs:
 * u_ji = w_jᵀx_i (m×n) and a_j, i.e. w_j = Xᵀ K⁻¹ u_j with K = XXᵀ. Every quantity of the
 * experiment at such a point needs only K and y:
 *
 * <pre>
 *   f_i = Σ_j a_j ReLU(u_ji),  r = f − y,  ‖w_j‖² = u_jᵀK⁻¹u_j,
 *   L = (1/n)‖r‖² + λ Σ_j (a_j² + u_jᵀK⁻¹u_j),
 *   ∂L/∂a_j = (2/n) Σ_i r_i ReLU(u_ji) + 2λ a_j,
 *   X ∂L/∂w_j = K c_j + 2λ u_j,  c_ji = (2/n) a_j r_i ReLU′(u_ji),   ‖∂L/∂w_j‖² = (X∂L/∂w_j)ᵀ K⁻¹ (X∂L/∂w_j),
 * </pre>
 *
 * with ReLU′(0) = 0.
 *
 * @param u row-major m×n pre-activations
 */
public record EndPoint(BenignData data, double lambda, int width, double[] u, double[] a) {

    public EndPoint {
        if (u.length != width * data.n() || a.length != width) {
            throw new IllegalArgumentException("end point: u has " + u.length + " entries, a " + a.length + ", expected "
                    + width * data.n() + " and " + width);
        }
    }

    /** The point of a network whose weights lie in the span of the inputs (their other part is dropped). */
    public static EndPoint of(BenignData data, double lambda, ReluNet net) {
        int n = data.n(), m = net.width();
        double[] u = new double[m * n];
        for (int j = 0; j < m; j++) for (int i = 0; i < n; i++) u[j * n + i] = Dense.dot(net.w()[j], data.x()[i]);
        return new EndPoint(data, lambda, m, u, net.a().clone());
    }

    public int n() { return data.n(); }

    public double[] outputs() {
        int n = n();
        double[] f = new double[n];
        for (int j = 0; j < width; j++) for (int i = 0; i < n; i++) { double v = u[j * n + i]; if (v > 0) f[i] += a[j] * v; }
        return f;
    }

    public double[] residual() {
        double[] r = outputs();
        for (int i = 0; i < r.length; i++) r[i] -= data.y()[i];
        return r;
    }

    /** ‖w_j‖² = u_jᵀK⁻¹u_j. */
    public double weightNorm2(int j) {
        double[] uj = neuron(j);
        return data.orthonormal() ? Dense.dot(uj, uj) : Dense.quad(data.gramInverse(), uj);
    }

    public double[] neuron(int j) {
        double[] uj = new double[n()];
        System.arraycopy(u, j * n(), uj, 0, n());
        return uj;
    }

    public double objective() {
        double[] r = residual();
        double pen = 0;
        for (int j = 0; j < width; j++) pen += a[j] * a[j] + weightNorm2(j);
        return Dense.dot(r, r) / n() + lambda * pen;
    }

    /** ‖∇L‖ with ReLU′(0) = 0. */
    public double gradientNorm() {
        double[] r = residual();
        double s = 0;
        for (int j = 0; j < width; j++) {
            double ga = gradA(j, r);
            double[] gu = gradU(j, r);
            s += ga * ga + (data.orthonormal() ? Dense.dot(gu, gu) : Dense.quad(data.gramInverse(), gu));
        }
        return Math.sqrt(s);
    }

    double gradA(int j, double[] r) {
        int n = n();
        double s = 0;
        for (int i = 0; i < n; i++) { double v = u[j * n + i]; if (v > 0) s += r[i] * v; }
        return 2.0 / n * s + 2 * lambda * a[j];
    }

    /** X ∂L/∂w_j = K c_j + 2λ u_j. */
    double[] gradU(int j, double[] r) {
        int n = n();
        double[] c = new double[n];
        for (int i = 0; i < n; i++) if (u[j * n + i] > 0) c[i] = 2.0 / n * a[j] * r[i];
        double[] g = data.orthonormal() ? c : Dense.mul(data.gram(), c);
        for (int i = 0; i < n; i++) g[i] += 2 * lambda * u[j * n + i];
        return g;
    }

    /** The network (W, a) with w_j = XᵀK⁻¹u_j. */
    public ReluNet toNet() {
        int n = n(), d = data.d();
        double[][] w = new double[width][d];
        for (int j = 0; j < width; j++) {
            double[] coef = data.orthonormal() ? neuron(j) : Dense.mul(data.gramInverse(), neuron(j));
            for (int i = 0; i < n; i++) for (int l = 0; l < d; l++) w[j][l] += coef[i] * data.x()[i][l];
        }
        return new ReluNet(w, a.clone());
    }

    /** Whether neuron j is exactly zero (a_j = 0 and u_j = 0). */
    public boolean isZero(int j) {
        if (a[j] != 0) return false;
        for (int i = 0; i < n(); i++) if (u[j * n() + i] != 0) return false;
        return true;
    }
}
