package dev.morse.engine;

/**
 * R = ½ Σ_i λ_i θ_i² for coefficients λ_i fixed by the model: value, gradient λ∘θ and Hessian
 * part diag(λ) all come from {@link #coefficients}, computed once per model and cached.
 */
abstract sealed class QuadraticRegularizer implements Regularizer permits L2Regularizer, GeneralizedL2Regularizer {
    /** The coefficients and the model they belong to, in one field: read and written as one (two fields could pair one model with another's). */
    private record Cached(Mlp model, double[] coefficients) {}

    private transient volatile Cached cached;

    /** λ_i for the given model (a fresh array). */
    abstract double[] computeCoefficients(Mlp model);

    /** λ_i for the model (cached; do not modify). Thread-safe: concurrent callers with different models each get their own. */
    final double[] coefficients(Mlp model) {
        Cached c = cached;
        if (c == null || !model.equals(c.model())) {
            c = new Cached(model, computeCoefficients(model));
            cached = c;
        }
        return c.coefficients();
    }

    @Override
    public double value(Context c) {
        double[] lam = coefficients(c.model());
        double[] t = c.theta();
        double r = 0;
        for (int i = 0; i < t.length; i++) r += lam[i] * t[i] * t[i];
        return 0.5 * r;
    }

    @Override
    public void addGradient(Context c, double[] grad) {
        double[] lam = coefficients(c.model());
        double[] t = c.theta();
        for (int i = 0; i < t.length; i++) grad[i] += lam[i] * t[i];
    }

    @Override
    public void addHvp(Context c, double[] vs, double[] dataHv, double[] out, int k) {
        double[] lam = coefficients(c.model());
        int p = lam.length;
        for (int j = 0; j < k; j++) {
            int o = j * p;
            for (int i = 0; i < p; i++) out[o + i] += lam[i] * vs[o + i];
        }
    }

    @Override
    public double[] hessianDiagonal(Mlp model) {
        return coefficients(model).clone();
    }
}
