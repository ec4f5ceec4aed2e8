package dev.morse.engine;

import java.util.Arrays;

/** R = (λ/2)‖θ‖², biases excluded when {@code excludeBias}. */
final class L2Regularizer extends QuadraticRegularizer {
    private static final long serialVersionUID = 1L;
    private final double lambda;
    private final boolean excludeBias;

    L2Regularizer(double lambda, boolean excludeBias) {
        this.lambda = Terms.checkCoefficient(lambda, "l2: λ");
        this.excludeBias = excludeBias;
    }

    public double lambda() {
        return lambda;
    }

    public boolean excludeBias() {
        return excludeBias;
    }

    @Override
    double[] computeCoefficients(Mlp model) {
        double[] d = new double[model.numParameters()];
        Arrays.fill(d, lambda);
        if (excludeBias) {
            for (int l = 1; l <= model.layers(); l++) {
                if (model.hasBias(l)) Arrays.fill(d, model.biasOffset(l), model.biasOffset(l) + model.width(l), 0.0);
            }
        }
        return d;
    }

    @Override
    public String spec() {
        return "l2:" + lambda + (excludeBias ? ":exclude_bias" : "");
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof L2Regularizer x && Double.compare(x.lambda, lambda) == 0 && x.excludeBias == excludeBias;
    }

    @Override
    public int hashCode() {
        return Double.hashCode(lambda) * 31 + (excludeBias ? 1 : 0);
    }

    @Override
    public String toString() {
        return spec();
    }
}
