package dev.morse.engine;

import java.security.MessageDigest;
import java.util.Arrays;
import java.util.SplittableRandom;

/** R = ½ Σ_i λ_i θ_i², λ_i = λ·u_i from a seed, or explicit. */
final class GeneralizedL2Regularizer extends QuadraticRegularizer {
    private static final long serialVersionUID = 1L;
    private final double lambda;
    private final long seed;
    private final double[] explicit;

    GeneralizedL2Regularizer(double lambda, long seed, double[] explicit) {
        if (explicit == null) Terms.checkCoefficient(lambda, "generalized_l2: λ");
        this.lambda = lambda;
        this.seed = seed;
        this.explicit = explicit;
    }

    public double lambda() {
        return lambda;
    }

    public long seed() {
        return seed;
    }

    /** The explicit coefficients (a copy), or null when they are drawn from the seed. */
    public double[] explicit() {
        return explicit == null ? null : explicit.clone();
    }

    @Override
    public void validate(Mlp model) {
        if (explicit != null && explicit.length != model.numParameters()) {
            throw new IllegalArgumentException("generalized_l2: " + explicit.length + " coefficients, expected P = " + model.numParameters());
        }
    }

    @Override
    double[] computeCoefficients(Mlp model) {
        validate(model);
        if (explicit != null) return explicit.clone();
        SplittableRandom rng = new SplittableRandom(seed);
        double[] d = new double[model.numParameters()];
        for (int i = 0; i < d.length; i++) d[i] = lambda * (0.5 + rng.nextDouble());
        return d;
    }

    @Override
    public String spec() {
        return explicit == null ? "generalized_l2:" + lambda + ":" + seed : "generalized_l2:explicit[" + explicit.length + "]";
    }

    @Override
    public void hashInto(MessageDigest md) {
        Terms.hashExplicit(md, spec(), explicit);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof GeneralizedL2Regularizer x && Double.compare(x.lambda, lambda) == 0 && x.seed == seed && Arrays.equals(x.explicit, explicit);
    }

    @Override
    public int hashCode() {
        return (Double.hashCode(lambda) * 31 + Long.hashCode(seed)) * 31 + Arrays.hashCode(explicit);
    }

    @Override
    public String toString() {
        return spec();
    }
}
