package dev.morse.engine;

import dev.morse.simd.Kernels;

/** The added term ε‖θ‖²·L of L_ε = (1 + ε‖θ‖²)·L. */
record MultiplicativeRegularizer(double epsilon) implements Regularizer {
    public MultiplicativeRegularizer {
        Terms.checkCoefficient(epsilon, "multiplicative: ε");
    }

    @Override
    public String spec() {
        return "multiplicative:" + epsilon;
    }

    @Override
    public boolean needsDataCurvature() {
        return true;
    }

    @Override
    public boolean needsDataGradient() {
        return true;
    }

    @Override
    public double value(Context c) {
        double[] t = c.theta();
        return epsilon * Terms.kernels().sumOfSquares(t.length, t, 0) * c.dataLoss();
    }

    /** ∇(ε‖θ‖²L) = ε‖θ‖² g + 2εL θ. */
    @Override
    public void addGradient(Context c, double[] grad) {
        double[] t = c.theta(), g = c.dataGradient();
        double s = epsilon * Terms.kernels().sumOfSquares(t.length, t, 0);
        double l2 = 2 * epsilon * c.dataLoss();
        for (int i = 0; i < t.length; i++) grad[i] += s * g[i] + l2 * t[i];
    }

    /** (ε‖θ‖²H + 2ε(θgᵀ + gθᵀ) + 2εL·I)·v for each of the k vectors. */
    @Override
    public void addHvp(Context c, double[] vs, double[] dataHv, double[] out, int k) {
        Kernels kr = Terms.kernels();
        double[] t = c.theta(), g = c.dataGradient();
        int p = t.length;
        double hScale = epsilon * kr.sumOfSquares(p, t, 0);
        double id = 2 * epsilon * c.dataLoss();
        for (int j = 0; j < k; j++) {
            int o = j * p;
            double gv = kr.dot(p, g, 0, vs, o);
            double tv = kr.dot(p, t, 0, vs, o);
            for (int i = 0; i < p; i++) {
                out[o + i] += hScale * dataHv[o + i] + 2 * epsilon * (t[i] * gv + g[i] * tv) + id * vs[o + i];
            }
        }
    }
}
