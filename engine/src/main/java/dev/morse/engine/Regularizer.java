package dev.morse.engine;

import dev.morse.simd.KernelProvider;
import dev.morse.simd.Kernels;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * The regularizers of SPEC §4, each a {@link Term} of the objective: everything about a
 * regularizer (its value, gradient, Hessian part, diagonal, text form and parser) is in this file.
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
public sealed interface Regularizer extends Term {

    /** No regularization: a term that adds nothing ({@link Problem} drops it). */
    Regularizer NONE = new None();

    /** R = (λ/2)‖θ‖², biases included. */
    static Regularizer l2(double lambda) {
        return new L2(lambda, false);
    }

    /** R = (λ/2)‖θ‖² over the weights only when {@code excludeBias}. */
    static Regularizer l2(double lambda, boolean excludeBias) {
        return new L2(lambda, excludeBias);
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

    /** L_ε = (1 + ε‖θ‖²)·L(θ). */
    static Regularizer multiplicative(double epsilon) {
        return new Multiplicative(epsilon);
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
                    yield new L2(number(p[1]), ex);
                }
                case "generalized_l2" -> {
                    requireParts(spec, p, 2, 3);
                    yield new GeneralizedL2(number(p[1]), p.length == 3 ? seed(spec, p[2]) : 0L, null);
                }
                case "multiplicative" -> {
                    requireParts(spec, p, 2, 2);
                    yield new Multiplicative(number(p[1]));
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

    private static double checkCoefficient(double v, String what) {
        if (!(v >= 0) || Double.isInfinite(v)) throw new IllegalArgumentException(what + " must be finite and ≥ 0, got " + v);
        return v;
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

    /**
     * R = ½ Σ_i λ_i θ_i² for coefficients λ_i fixed by the model: value, gradient λ∘θ and Hessian
     * part diag(λ) all come from {@link #coefficients}, computed once per model and cached.
     */
    abstract sealed class Quadratic implements Regularizer permits L2, GeneralizedL2 {
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

    /** R = (λ/2)‖θ‖², biases excluded when {@code excludeBias}. */
    final class L2 extends Quadratic {
        private static final long serialVersionUID = 1L;
        private final double lambda;
        private final boolean excludeBias;

        L2(double lambda, boolean excludeBias) {
            this.lambda = checkCoefficient(lambda, "l2: λ");
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
            return o instanceof L2 x && Double.compare(x.lambda, lambda) == 0 && x.excludeBias == excludeBias;
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

    /** R = ½ Σ_i λ_i θ_i², λ_i = λ·u_i from a seed, or explicit. */
    final class GeneralizedL2 extends Quadratic {
        private static final long serialVersionUID = 1L;
        private final double lambda;
        private final long seed;
        private final double[] explicit;

        GeneralizedL2(double lambda, long seed, double[] explicit) {
            if (explicit == null) checkCoefficient(lambda, "generalized_l2: λ");
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
            md.update(spec().getBytes(java.nio.charset.StandardCharsets.UTF_8));
            md.update((byte) 0);
            if (explicit != null) {
                ByteBuffer b = ByteBuffer.allocate(8 * explicit.length);
                for (double x : explicit) b.putDouble(x);
                md.update(b.array());
            }
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof GeneralizedL2 x && Double.compare(x.lambda, lambda) == 0 && x.seed == seed && Arrays.equals(x.explicit, explicit);
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

    /** The added term ε‖θ‖²·L of L_ε = (1 + ε‖θ‖²)·L. */
    record Multiplicative(double epsilon) implements Regularizer {
        public Multiplicative {
            checkCoefficient(epsilon, "multiplicative: ε");
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

        private static Kernels kernels() {
            return KernelProvider.get();
        }

        @Override
        public double value(Context c) {
            double[] t = c.theta();
            return epsilon * kernels().sumOfSquares(t.length, t, 0) * c.dataLoss();
        }

        /** ∇(ε‖θ‖²L) = ε‖θ‖² g + 2εL θ. */
        @Override
        public void addGradient(Context c, double[] grad) {
            double[] t = c.theta(), g = c.dataGradient();
            double s = epsilon * kernels().sumOfSquares(t.length, t, 0);
            double l2 = 2 * epsilon * c.dataLoss();
            for (int i = 0; i < t.length; i++) grad[i] += s * g[i] + l2 * t[i];
        }

        /** (ε‖θ‖²H + 2ε(θgᵀ + gθᵀ) + 2εL·I)·v for each of the k vectors. */
        @Override
        public void addHvp(Context c, double[] vs, double[] dataHv, double[] out, int k) {
            Kernels kr = kernels();
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
}
