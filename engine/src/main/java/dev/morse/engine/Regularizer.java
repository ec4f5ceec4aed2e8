package dev.morse.engine;

import java.util.Arrays;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Regularizers of SPEC §4. The analysed objective is L_R(θ) = L(θ) + R(θ) for the additive ones
 * and L_ε(θ) = (1 + ε‖θ‖²)·L(θ) for {@link Multiplicative}. The regularizer's Hessian part is
 * ∇²L_R − ∇²L: λI, diag(λ_i), or (ε‖θ‖²)H + 2ε(θgᵀ + gθᵀ) + 2εL·I with H, g, L of the data loss.
 */
public sealed interface Regularizer {

    /** No regularization. */
    Regularizer NONE = new None();

    /** Canonical text form, parseable by {@link #parse(String)}. */
    String describe();

    /** R = (λ/2)‖θ‖², biases included unless {@code excludeBias}; Hessian part λI (0 on excluded biases). */
    static Regularizer l2(double lambda) {
        return new L2(lambda, false);
    }

    /** R = ½ Σ_i λ_i θ_i² with λ_i = λ·u_i, u_i ~ U[0.5, 1.5] from {@link SplittableRandom}(seed) in θ order. */
    static Regularizer generalizedL2(double lambda, long seed) {
        return new GeneralizedL2(lambda, seed, null);
    }

    /** R = ½ Σ_i λ_i θ_i² with explicit coefficients (length P, finite, ≥ 0). */
    static Regularizer generalizedL2(double[] lambdas) {
        if (lambdas == null) throw new IllegalArgumentException("generalized_l2: coefficients are null");
        for (int i = 0; i < lambdas.length; i++) {
            if (!(lambdas[i] >= 0) || Double.isInfinite(lambdas[i])) {
                throw new IllegalArgumentException("generalized_l2: coefficient " + i + " is " + lambdas[i] + "; expected finite and ≥ 0");
            }
        }
        return new GeneralizedL2(Double.NaN, 0, lambdas.clone());
    }

    /** L_ε = (1 + ε‖θ‖²)·L(θ): the zero set of L stays critical. */
    static Regularizer multiplicative(double epsilon) {
        return new Multiplicative(epsilon);
    }

    /**
     * Parses {@code none}, {@code l2:λ}, {@code l2:λ:exclude_bias}, {@code generalized_l2:λ[:seed]}
     * (seed defaults to 0), {@code multiplicative:ε}.
     */
    static Regularizer parse(String spec) {
        if (spec == null || spec.isBlank() || spec.trim().equalsIgnoreCase("none")) return NONE;
        String[] p = spec.trim().toLowerCase(Locale.ROOT).split(":");
        try {
            return switch (p[0]) {
                case "l2", "weight_decay" -> {
                    requireParts(spec, p, 2, 3);
                    boolean ex = p.length == 3;
                    if (ex && !p[2].equals("exclude_bias")) throw new IllegalArgumentException("regularizer '" + spec + "': third field must be exclude_bias");
                    yield new L2(Double.parseDouble(p[1]), ex);
                }
                case "generalized_l2" -> {
                    requireParts(spec, p, 2, 3);
                    yield new GeneralizedL2(Double.parseDouble(p[1]), p.length == 3 ? Long.parseLong(p[2]) : 0L, null);
                }
                case "multiplicative" -> {
                    requireParts(spec, p, 2, 2);
                    yield new Multiplicative(Double.parseDouble(p[1]));
                }
                default -> throw new IllegalArgumentException("unknown regularizer '" + spec
                        + "'; expected none, l2:λ[:exclude_bias], generalized_l2:λ[:seed], multiplicative:ε");
            };
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("regularizer '" + spec + "': " + e.getMessage() + " is not a number");
        }
    }

    private static void requireParts(String spec, String[] p, int min, int max) {
        if (p.length < min || p.length > max) {
            throw new IllegalArgumentException("regularizer '" + spec + "' has " + (p.length - 1) + " parameter(s); expected "
                    + (min - 1) + (max > min ? " to " + (max - 1) : ""));
        }
    }

    private static double checkCoefficient(double v, String what) {
        if (!(v >= 0) || Double.isInfinite(v)) throw new IllegalArgumentException(what + " must be finite and ≥ 0, got " + v);
        return v;
    }

    /** Per-parameter coefficients λ_i of an additive quadratic regularizer, for a model. */
    static double[] diagonal(Regularizer r, Mlp mlp) {
        int p = mlp.numParameters();
        if (r instanceof L2 l2) {
            double[] d = new double[p];
            Arrays.fill(d, l2.lambda());
            if (l2.excludeBias()) {
                boolean[] mask = mlp.biasMask();
                for (int i = 0; i < p; i++) if (mask[i]) d[i] = 0;
            }
            return d;
        }
        if (r instanceof GeneralizedL2 g) {
            if (g.explicit() != null) {
                if (g.explicit().length != p) {
                    throw new IllegalArgumentException("generalized_l2: " + g.explicit().length + " coefficients, expected P = " + p);
                }
                return g.explicit().clone();
            }
            SplittableRandom rng = new SplittableRandom(g.seed());
            double[] d = new double[p];
            for (int i = 0; i < p; i++) d[i] = g.lambda() * (0.5 + rng.nextDouble());
            return d;
        }
        return null;
    }

    record None() implements Regularizer {
        @Override
        public String describe() {
            return "none";
        }
    }

    record L2(double lambda, boolean excludeBias) implements Regularizer {
        public L2 {
            checkCoefficient(lambda, "l2: λ");
        }

        @Override
        public String describe() {
            return "l2:" + lambda + (excludeBias ? ":exclude_bias" : "");
        }
    }

    record GeneralizedL2(double lambda, long seed, double[] explicit) implements Regularizer {
        public GeneralizedL2 {
            if (explicit == null) checkCoefficient(lambda, "generalized_l2: λ");
        }

        @Override
        public String describe() {
            return explicit == null ? "generalized_l2:" + lambda + ":" + seed : "generalized_l2:explicit[" + explicit.length + "]";
        }
    }

    record Multiplicative(double epsilon) implements Regularizer {
        public Multiplicative {
            checkCoefficient(epsilon, "multiplicative: ε");
        }

        @Override
        public String describe() {
            return "multiplicative:" + epsilon;
        }
    }
}
