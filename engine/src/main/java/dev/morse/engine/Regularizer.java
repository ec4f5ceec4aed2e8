package dev.morse.engine;

import java.util.Locale;
import java.util.SplittableRandom;

/**
 * The regularizers of SPEC §4, each a {@link Term} of the objective in a file of its own
 * ({@link L2Regularizer} and {@link GeneralizedL2Regularizer}, both {@link QuadraticRegularizer}s,
 * and {@link MultiplicativeRegularizer}: value, gradient, Hessian part, diagonal and text form);
 * their factories, their parser and {@link #NONE} are here; the helpers they share are in {@link Terms}.
 *
 * <ul>
 *   <li>{@code l2:λ[:exclude_bias]}: R = (λ/2)‖θ‖²; Hessian part λI (0 on excluded biases).
 *   <li>{@code generalized_l2:λ[:seed]}: R = ½ Σ_i λ_i θ_i², λ_i = λ·u_i, u_i ~ U[0.5, 1.5] from
 *       {@link SplittableRandom}(seed) in θ order (or explicit λ_i); Hessian part diag(λ_i).
 *   <li>{@code multiplicative:ε}: L_ε = (1 + ε‖θ‖²)·L, i.e. the added term ε‖θ‖²·L, whose Hessian
 *       part is ε‖θ‖²H + 2ε(θgᵀ + gθᵀ) + 2εL·I with H, g, L of the data loss (the zero set of L
 *       stays critical).
 * </ul>
 */
public sealed interface Regularizer extends Term
        permits Regularizer.None, QuadraticRegularizer, MultiplicativeRegularizer {

    /** No regularization: a term that adds nothing ({@link Problem} drops it). */
    Regularizer NONE = new None();

    /** R = (λ/2)‖θ‖², biases included. */
    static Regularizer l2(double lambda) {
        return new L2Regularizer(lambda, false);
    }

    /** R = (λ/2)‖θ‖² over the weights only when {@code excludeBias}. */
    static Regularizer l2(double lambda, boolean excludeBias) {
        return new L2Regularizer(lambda, excludeBias);
    }

    /** R = ½ Σ_i λ_i θ_i² with λ_i = λ·u_i, u_i ~ U[0.5, 1.5] from {@link SplittableRandom}(seed) in θ order. */
    static Regularizer generalizedL2(double lambda, long seed) {
        return new GeneralizedL2Regularizer(lambda, seed, null);
    }

    /** R = ½ Σ_i λ_i θ_i² with explicit coefficients (length P, finite, ≥ 0). */
    static Regularizer generalizedL2(double[] lambdas) {
        if (lambdas == null) throw new IllegalArgumentException("generalized_l2: coefficients are null");
        for (int i = 0; i < lambdas.length; i++) {
            if (!(lambdas[i] >= 0) || Double.isInfinite(lambdas[i])) {
                throw new IllegalArgumentException("generalized_l2: coefficient " + i + " is " + lambdas[i] + "; expected finite and ≥ 0");
            }
        }
        return new GeneralizedL2Regularizer(Double.NaN, 0, lambdas.clone());
    }

    /** L_ε = (1 + ε‖θ‖²)·L(θ). */
    static Regularizer multiplicative(double epsilon) {
        return new MultiplicativeRegularizer(epsilon);
    }

    /** The names {@link #parse} accepts, for messages. */
    String FORMS = "none, l2:λ[:exclude_bias], generalized_l2:λ[:seed], multiplicative:ε";

    /**
     * Parses {@code none}, {@code l2:λ}, {@code l2:λ:exclude_bias}, {@code generalized_l2:λ[:seed]}
     * (seed defaults to 0), {@code multiplicative:ε}.
     */
    static Regularizer parse(String spec) {
        if (spec == null || spec.isBlank() || spec.trim().equalsIgnoreCase("none")) return NONE;
        String[] p = spec.trim().toLowerCase(Locale.ROOT).split(":", -1);   // -1: a trailing "l2:0.1:" is an empty field, refused
        try {
            return switch (p[0]) {
                case "l2", "weight_decay" -> {
                    requireParts(spec, p, 2, 3);
                    boolean ex = p.length == 3;
                    if (ex && !p[2].equals("exclude_bias")) throw new IllegalArgumentException("regularizer '" + spec + "': third field must be exclude_bias");
                    yield new L2Regularizer(number(p[1]), ex);
                }
                case "generalized_l2" -> {
                    requireParts(spec, p, 2, 3);
                    yield new GeneralizedL2Regularizer(number(p[1]), p.length == 3 ? seed(spec, p[2]) : 0L, null);
                }
                case "multiplicative" -> {
                    requireParts(spec, p, 2, 2);
                    yield new MultiplicativeRegularizer(number(p[1]));
                }
                default -> throw new IllegalArgumentException("unknown regularizer '" + spec + "'; expected " + FORMS);
            };
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("regularizer '" + spec + "': " + e.getMessage() + " is not a number");
        }
    }

    /** A decimal number as numpy would read it (no Java suffixes such as 1d or hex floats). */
    private static double number(String s) {
        return Decimal.parse(s);
    }

    private static long seed(String spec, String s) {
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("regularizer '" + spec + "': seed '" + s + "' is not a whole number");
        }
    }

    private static void requireParts(String spec, String[] p, int min, int max) {
        if (p.length < min || p.length > max) {
            throw new IllegalArgumentException("regularizer '" + spec + "' has " + (p.length - 1) + " parameter(s); expected "
                    + (min - 1) + (max > min ? " to " + (max - 1) : ""));
        }
    }

    /** No regularization. */
    record None() implements Regularizer {
        @Override
        public String spec() {
            return "none";
        }

        @Override
        public double value(Context c) {
            return 0;
        }

        @Override
        public void addGradient(Context c, double[] grad) {}

        @Override
        public void addHvp(Context c, double[] vs, double[] dataHv, double[] out, int k) {}

        @Override
        public double[] hessianDiagonal(Mlp model) {
            return new double[model.numParameters()];
        }
    }
}
