package dev.morse.engine;

import dev.morse.simd.KernelProvider;
import dev.morse.simd.Kernels;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * The training penalties of SPEC §11, each a {@link Term} of the objective: everything about a
 * penalty (value, gradient or update direction, draws, text form and parser) is in this file.
 * A penalty is computed from the data loss L of the request's samples (the minibatch of a
 * training step: L_B of SPEC §11, a mean over its samples); g = ∇L, H = ∇²L and G the
 * Gauss–Newton matrix of L at θ, all over those samples. The regularizers of the problem are
 * separate terms evaluated at θ, so the training objective is L + R + penalty. {@code sam} and
 * {@code weight_noise} replace L by L at other points ({@link #replacesDataLoss()}): their value is
 * that whole data part, so the "penalty" they add is their value minus L(θ).
 *
 * <table>
 *   <caption>Penalties (ρ, σ² ≥ 0; p ∈ {1, 2}, default 1; k ≥ 1, default 1)</caption>
 *   <tr><th>spec</th><th>value added</th><th>added to the gradient (update direction)</th></tr>
 *   <tr><td>{@code gradient_norm:ρ[:p]}</td><td>ρ‖g‖^p</td><td>ρ p ‖g‖^(p−2) H g (exact gradient; one H·v)</td></tr>
 *   <tr><td>{@code gradient_norm_ggn:ρ[:p]}</td><td>ρ‖g‖^p</td><td>ρ p ‖g‖^(p−2) G g: NOT the gradient of the value
 *       (the NME part M g of H g is left out: the ablation of Dauphin et al. 2024); a direction</td></tr>
 *   <tr><td>{@code sam:ρ}</td><td>replaces L: the objective is L(θ + ρ g/‖g‖) + R(θ)</td>
 *       <td>replaces ∇L: the update is ∇L(θ + ρ g/‖g‖) + ∇R(θ), SAM's direction, not a gradient</td></tr>
 *   <tr><td>{@code weight_noise:σ²[:k]}</td><td>replaces L: the objective is (1/k)Σᵢ L(θ + σεᵢ) + R(θ)</td>
 *       <td>replaces ∇L: (1/k)Σᵢ ∇L(θ + σεᵢ) + ∇R(θ), the exact gradient of the objective for the drawn εᵢ ~ N(0, I)
 *       (σ = √σ²)</td></tr>
 *   <tr><td>{@code hessian_trace:σ²[:k]}</td><td>(σ²/2)(1/k)Σᵢ vᵢᵀ H vᵢ, vᵢ ~ N(0, I)</td>
 *       <td>(σ²/2)(1/k)Σᵢ D³L[vᵢ, vᵢ, ·]: exact, third derivatives (σ‴, and D³ℓ for cross-entropy)</td></tr>
 *   <tr><td>{@code ggn_trace:σ²[:k]}</td><td>(σ²/2)(1/k)Σᵢ vᵢᵀ G vᵢ</td>
 *       <td>(σ²/2)(1/k)Σᵢ ∇_θ(vᵢᵀ G vᵢ): exact, through J and through H_ℓ(f(θ)) for cross-entropy</td></tr>
 * </table>
 *
 * <p><b>Probes and noise.</b> Drawn per request from the seed its {@link Batch} carries
 * ({@link Batch#withSeed}): a penalty draws k·P standard normals ({@link Gaussians#fill}, the
 * ziggurat: fast enough to draw P values every step) from {@code new SplittableRandom(seed ^ salt)}
 * with a salt of its own kind, vector after vector, in θ's order. Or given explicitly ({@link #withVectors}: k × P values, as {@code morse eval --probes/--noise}
 * reads them), for comparisons with other frameworks. Same inputs and seed give bit-identical
 * results for any thread count.
 *
 * <p><b>Edge cases.</b> At g = 0, {@code gradient_norm:ρ:1} adds nothing to the gradient (the
 * minimum-norm subgradient of ρ‖g‖; H g = 0 there anyway) and {@code sam} stays at θ (no ascent
 * direction). With ρ = 0 or σ² = 0 a penalty adds nothing to L + R and draws nothing.
 *
 * <p><b>No Hessian part.</b> The curvature of a penalty is not defined in Morse ({@link #addHvp}
 * throws): analyses (spectra, Morse check) use the objective without penalties,
 * {@link Problem#withoutPenalties()}. For models with a modified σ″ (augmented_relu,
 * diminished_gelu) every second- and third-order quantity uses the stated σ″ and σ‴ (SPEC §3), so
 * the update is the modified one ({@link #gradientIsExact} is then false).
 */
public sealed interface Penalty extends Term
        permits Penalty.GradientNorm, Penalty.Sam, Penalty.WeightNoise, Penalty.Trace {

    /** The forms {@link #parse} accepts, for messages. */
    String FORMS = "gradient_norm:ρ[:p], gradient_norm_ggn:ρ[:p], sam:ρ, weight_noise:σ²[:k], hessian_trace:σ²[:k], ggn_trace:σ²[:k]";

    /** ρ‖g‖^p, gradient ∇L + ρ p‖g‖^(p−2) H g. */
    static Penalty gradientNorm(double rho, int power) {
        return new GradientNorm(rho, power, false);
    }

    /** ρ‖g‖^p, update direction ∇L + ρ p‖g‖^(p−2) G g (the NME left out of the update). */
    static Penalty gradientNormGgn(double rho, int power) {
        return new GradientNorm(rho, power, true);
    }

    /** SAM with radius ρ. */
    static Penalty sam(double rho) {
        return new Sam(rho);
    }

    /** Weight noise θ + σεᵢ, σ² the variance, k draws per request. */
    static Penalty weightNoise(double sigma2, int k) {
        return new WeightNoise(sigma2, k, null);
    }

    /** (σ²/2)·mean vᵢᵀ H vᵢ over k Gaussian probes per request. */
    static Penalty hessianTrace(double sigma2, int k) {
        return new Trace(sigma2, k, true, null);
    }

    /** (σ²/2)·mean vᵢᵀ G vᵢ over k Gaussian probes per request. */
    static Penalty ggnTrace(double sigma2, int k) {
        return new Trace(sigma2, k, false, null);
    }

    /**
     * Parses a penalty spec (case-insensitive): {@code gradient_norm:ρ[:p]},
     * {@code gradient_norm_ggn:ρ[:p]} (p = 1 or 2, default 1), {@code sam:ρ},
     * {@code weight_noise:σ²[:k]}, {@code hessian_trace:σ²[:k]}, {@code ggn_trace:σ²[:k]} (k ≥ 1,
     * default 1). ρ and σ² are finite and ≥ 0, written as numpy reads them ({@code 0.1},
     * {@code 1e-3}). The command-line tool's {@code --penalty} (eval, train) goes through here.
     *
     * @throws IllegalArgumentException naming the spec, the field and what was expected
     */
    static Penalty parse(String spec) {
        if (spec == null || spec.isBlank()) throw new IllegalArgumentException("penalty spec is empty; expected one of " + FORMS);
        String[] p = spec.trim().toLowerCase(Locale.ROOT).split(":", -1);
        return switch (p[0]) {
            case "gradient_norm", "gradient_norm_ggn" -> {
                parts(spec, p, 2, 3);
                double rho = coefficient(spec, p[1], "ρ");
                int power = 1;
                if (p.length == 3) {
                    if (!p[2].equals("1") && !p[2].equals("2")) {
                        throw new IllegalArgumentException("penalty '" + spec + "': power p must be 1 or 2, got '" + p[2] + "'");
                    }
                    power = Integer.parseInt(p[2]);
                }
                yield new GradientNorm(rho, power, p[0].equals("gradient_norm_ggn"));
            }
            case "sam" -> {
                parts(spec, p, 2, 2);
                yield new Sam(coefficient(spec, p[1], "ρ"));
            }
            case "weight_noise" -> {
                parts(spec, p, 2, 3);
                yield new WeightNoise(coefficient(spec, p[1], "σ²"), p.length == 3 ? count(spec, p[2]) : 1, null);
            }
            case "hessian_trace", "ggn_trace" -> {
                parts(spec, p, 2, 3);
                yield new Trace(coefficient(spec, p[1], "σ²"), p.length == 3 ? count(spec, p[2]) : 1, p[0].equals("hessian_trace"), null);
            }
            default -> throw new IllegalArgumentException("unknown penalty '" + spec + "'; expected one of " + FORMS);
        };
    }

    /** The kind: gradient_norm, gradient_norm_ggn, sam, weight_noise, hessian_trace or ggn_trace. */
    String name();

    /** The value added, as a formula with the coefficients (for reports). */
    String formula();

    /** Vectors drawn (or given) per request: k probes for the trace penalties, k noise vectors for weight_noise; 0 otherwise. */
    default int draws() {
        return 0;
    }

    /** Whether {@link #withVectors} takes probes (the trace penalties). */
    default boolean usesProbes() {
        return false;
    }

    /** Whether {@link #withVectors} takes noise vectors (weight_noise). */
    default boolean usesNoise() {
        return false;
    }

    /** Whether the probes or noise are explicit (given with {@link #withVectors}) rather than drawn per request. */
    default boolean hasExplicitVectors() {
        return false;
    }

    /**
     * The same penalty with explicit probes (trace penalties) or noise vectors (weight_noise): k
     * vectors of length P stored one after another (row i of a k × P array is vector i); k
     * replaces the spec's count. Checked against the model when the {@link Problem} is built.
     *
     * @throws IllegalArgumentException for a penalty that draws nothing, or values that are not finite
     */
    default Penalty withVectors(double[] values, int k) {
        throw new IllegalArgumentException("penalty " + spec() + " takes no probes or noise");
    }

    @Override
    default boolean isPenalty() {
        return true;
    }

    /** A penalty has no Hessian part in Morse: always throws. */
    @Override
    default void addHvp(Context c, double[] vs, double[] dataHv, double[] out, int k) {
        throw new UnsupportedOperationException("penalty " + spec() + " has no Hessian in Morse: curvature analyses (H·v, spectra, "
                + "the Morse check) use the objective without training penalties (SPEC §11; Problem.withoutPenalties())");
    }

    // ------------------------------------------------------------------ helpers

    private static void parts(String spec, String[] p, int min, int max) {
        if (p.length < min || p.length > max) {
            throw new IllegalArgumentException("penalty '" + spec + "' has " + (p.length - 1) + " parameter(s); expected "
                    + (min - 1) + (max > min ? " or " + (max - 1) : "") + " (forms: " + FORMS + ")");
        }
    }

    private static double coefficient(String spec, String s, String what) {
        if (!Decimal.is(s)) {
            throw new IllegalArgumentException("penalty '" + spec + "': " + what + " '" + s + "' is not a number");
        }
        return check(Double.parseDouble(s), "penalty '" + spec + "': " + what);
    }

    private static double check(double v, String what) {
        if (!(v >= 0) || Double.isInfinite(v)) throw new IllegalArgumentException(what + " must be finite and ≥ 0, got " + v);
        return v;
    }

    private static int count(String spec, String s) {
        int k;
        try {
            k = Integer.parseInt(s);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("penalty '" + spec + "': k '" + s + "' is not a whole number");
        }
        if (k < 1) throw new IllegalArgumentException("penalty '" + spec + "': k must be at least 1, got " + k);
        return k;
    }

    private static int checkCount(int k) {
        if (k < 1) throw new IllegalArgumentException("k must be at least 1, got " + k);
        return k;
    }

    private static String fmt(double v) {
        return Double.toString(v);
    }

    private static Kernels kernels() {
        return KernelProvider.get();
    }

    private static double norm(double[] v, int n) {
        return Math.sqrt(kernels().sumOfSquares(n, v, 0));
    }

    /** Fills out[off .. off + n) with standard normals from rng (the shared draw order: vector after vector, θ's order). */
    private static void draw(SplittableRandom rng, double[] out, int off, int n) {
        Gaussians.fill(rng, out, off, n);
    }

    private static double[] explicit(double[] values, int k, String what) {
        if (values == null) throw new IllegalArgumentException(what + " are null");
        checkCount(k);
        if (values.length % k != 0) throw new IllegalArgumentException(what + ": " + values.length + " values do not form " + k + " vectors");
        for (int i = 0; i < values.length; i++) {
            if (!Double.isFinite(values[i])) throw new IllegalArgumentException(what + ": value " + values[i] + " at flat index " + i);
        }
        return values.clone();
    }

    private static void validateExplicit(double[] values, int k, Mlp model, String spec, String what) {
        if (values != null && values.length != (long) k * model.numParameters()) {
            throw new IllegalArgumentException("penalty " + spec + ": " + values.length / k + " values per " + what + " vector, expected P = "
                    + model.numParameters() + " for model " + model.describe());
        }
    }

    private static void hashExplicit(MessageDigest md, String spec, double[] values) {
        md.update(spec.getBytes(StandardCharsets.UTF_8));
        md.update((byte) 0);
        if (values != null) {
            ByteBuffer b = ByteBuffer.allocate(8 * values.length);
            for (double x : values) b.putDouble(x);
            md.update(b.array());
        }
    }

    // ------------------------------------------------------------------ the penalties

    /** ρ‖g‖^p with the update ρ p ‖g‖^(p−2) H g (exact), or G g ({@code ggn}: a direction). */
    final class GradientNorm implements Penalty {
        private static final long serialVersionUID = 1L;
        private final double rho;
        private final int power;
        private final boolean ggn;

        GradientNorm(double rho, int power, boolean ggn) {
            this.rho = check(rho, (ggn ? "gradient_norm_ggn" : "gradient_norm") + ": ρ");
            if (power != 1 && power != 2) throw new IllegalArgumentException("gradient_norm: power p must be 1 or 2, got " + power);
            this.power = power;
            this.ggn = ggn;
        }

        public double rho() {
            return rho;
        }

        public int power() {
            return power;
        }

        @Override
        public String name() {
            return ggn ? "gradient_norm_ggn" : "gradient_norm";
        }

        @Override
        public String spec() {
            return name() + ":" + fmt(rho) + ":" + power;
        }

        @Override
        public String formula() {
            return fmt(rho) + "·‖∇L‖" + (power == 2 ? "²" : "") + (ggn ? " (update with G·∇L in place of H·∇L)" : "");
        }

        @Override
        public boolean needsDataGradient() {
            return true;
        }

        @Override
        public boolean gradientIsExact(Mlp model) {
            return !ggn && !model.usesModifiedSecondDerivative();
        }

        private double valueOf(double n) {
            return rho * (power == 1 ? n : n * n);
        }

        @Override
        public double value(Context c) {
            double[] g = c.dataGradient();
            return valueOf(norm(g, c.theta().length));
        }

        @Override
        public void addGradient(Context c, double[] grad) {
            addValueAndGradient(c, grad);
        }

        /** ∇(ρ‖g‖^p) = ρ p ‖g‖^(p−2) H g (H = ∇²L; G for the ggn variant); nothing at g = 0 for p = 1. */
        @Override
        public double addValueAndGradient(Context c, double[] grad) {
            double[] g = c.dataGradient();
            int p = c.theta().length;
            double n = norm(g, p);
            double v = valueOf(n);
            if (rho == 0 || n == 0) return v;
            double coef = rho * power * (power == 1 ? 1.0 / n : 1.0);
            double[] hg = c.workspace(0, p);
            c.dataProduct(ggn ? Part.GGN : Part.DATA_HESSIAN, g, hg, 1);
            kernels().axpy(p, coef, hg, 0, grad, 0);
            return v;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof GradientNorm x && Double.compare(x.rho, rho) == 0 && x.power == power && x.ggn == ggn;
        }

        @Override
        public int hashCode() {
            return (Double.hashCode(rho) * 31 + power) * 31 + (ggn ? 1 : 0);
        }

        @Override
        public String toString() {
            return spec();
        }
    }

    /** SAM: the objective L(θ + ρ g/‖g‖) + R(θ), the update ∇L(θ + ρ g/‖g‖) + ∇R(θ). */
    final class Sam implements Penalty {
        private static final long serialVersionUID = 1L;
        private final double rho;

        Sam(double rho) {
            this.rho = check(rho, "sam: ρ");
        }

        public double rho() {
            return rho;
        }

        @Override
        public String name() {
            return "sam";
        }

        @Override
        public String spec() {
            return "sam:" + fmt(rho);
        }

        @Override
        public String formula() {
            return "L(θ + " + fmt(rho) + "·g/‖g‖) in place of L; update ∇L(θ + ρg/‖g‖) + ∇R(θ), a direction";
        }

        @Override
        public boolean needsDataGradient() {
            return true;
        }

        /** The objective is L(θ + ρ g/‖g‖) + R(θ): this term's value is L(θ + ρ g/‖g‖). */
        @Override
        public boolean replacesDataLoss() {
            return true;
        }

        @Override
        public boolean gradientIsExact(Mlp model) {
            return false;
        }

        /** θ + ρ g/‖g‖ into a workspace, or null when there is no ascent step (ρ = 0 or g = 0). */
        private double[] ascentPoint(Context c) {
            double[] t = c.theta(), g = c.dataGradient();
            int p = t.length;
            double n = norm(g, p);
            if (rho == 0 || n == 0) return null;
            double[] point = c.workspace(0, p);
            System.arraycopy(t, 0, point, 0, p);
            kernels().axpy(p, rho / n, g, 0, point, 0);
            return point;
        }

        @Override
        public double value(Context c) {
            double[] point = ascentPoint(c);
            return point == null ? c.dataLoss() : c.dataLossAt(point);
        }

        @Override
        public void addGradient(Context c, double[] grad) {
            addValueAndGradient(c, grad);
        }

        /** Adds ∇L(θ + ρ g/‖g‖) (∇L(θ) when there is no ascent step) and returns L there. */
        @Override
        public double addValueAndGradient(Context c, double[] grad) {
            double[] point = ascentPoint(c);
            int p = c.theta().length;
            if (point == null) {
                kernels().axpy(p, 1.0, c.dataGradient(), 0, grad, 0);
                return c.dataLoss();
            }
            double[] gp = c.workspace(1, p);
            double lp = c.dataLossAndGradientAt(point, gp);
            kernels().axpy(p, 1.0, gp, 0, grad, 0);
            return lp;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Sam x && Double.compare(x.rho, rho) == 0;
        }

        @Override
        public int hashCode() {
            return Double.hashCode(rho);
        }

        @Override
        public String toString() {
            return spec();
        }
    }

    /** Weight noise: the objective (1/k)Σᵢ L(θ + σεᵢ) + R(θ) and its exact gradient for the drawn εᵢ. */
    final class WeightNoise implements Penalty {
        private static final long serialVersionUID = 1L;
        /** Salt of the noise stream: new SplittableRandom(seed ^ SALT). */
        static final long SALT = 0x7765696768745f6eL;   // "weight_n"
        private final double sigma2;
        private final int k;
        private final double[] noise;   // explicit εᵢ (k × P), or null: drawn per request

        WeightNoise(double sigma2, int k, double[] noise) {
            this.sigma2 = check(sigma2, "weight_noise: σ²");
            this.k = checkCount(k);
            this.noise = noise;
        }

        public double sigma2() {
            return sigma2;
        }

        @Override
        public String name() {
            return "weight_noise";
        }

        @Override
        public int draws() {
            return k;
        }

        @Override
        public boolean usesNoise() {
            return true;
        }

        @Override
        public boolean hasExplicitVectors() {
            return noise != null;
        }

        /** The explicit noise (a copy), or null when drawn. */
        public double[] noise() {
            return noise == null ? null : noise.clone();
        }

        @Override
        public Penalty withVectors(double[] values, int count) {
            return new WeightNoise(sigma2, count, explicit(values, count, "weight_noise: noise vectors"));
        }

        @Override
        public void validate(Mlp model) {
            validateExplicit(noise, k, model, spec(), "noise");
        }

        @Override
        public String spec() {
            return "weight_noise:" + fmt(sigma2) + ":" + k + (noise == null ? "" : " (explicit noise)");
        }

        @Override
        public String formula() {
            return "(1/" + k + ")Σᵢ L(θ + σεᵢ) in place of L, σ² = " + fmt(sigma2);
        }

        /** The objective is (1/k)Σᵢ L(θ + σεᵢ) + R(θ): this term's value is the mean; ∇L(θ) is never needed. */
        @Override
        public boolean replacesDataLoss() {
            return true;
        }

        /** Only with σ² = 0 (no noise: the data term at θ itself). */
        @Override
        public boolean needsDataGradient() {
            return sigma2 == 0;
        }

        /** θ + σ εᵢ into point (εᵢ explicit, or the next draw of rng). */
        private void noisyPoint(Context c, SplittableRandom rng, int i, double[] point) {
            double[] t = c.theta();
            int p = t.length;
            double sigma = Math.sqrt(sigma2);
            System.arraycopy(t, 0, point, 0, p);
            if (noise != null) {
                kernels().axpy(p, sigma, noise, i * p, point, 0);
            } else {
                double[] eps = c.workspace(3, p);
                draw(rng, eps, 0, p);
                kernels().axpy(p, sigma, eps, 0, point, 0);
            }
        }

        private SplittableRandom stream(Context c) {
            return noise == null ? new SplittableRandom(c.seed() ^ SALT) : null;
        }

        @Override
        public double value(Context c) {
            if (sigma2 == 0) return c.dataLoss();
            SplittableRandom rng = stream(c);
            double[] point = c.workspace(0, c.theta().length);
            double sum = 0;
            for (int i = 0; i < k; i++) {
                noisyPoint(c, rng, i, point);
                sum += c.dataLossAt(point);
            }
            return sum / k;
        }

        @Override
        public void addGradient(Context c, double[] grad) {
            addValueAndGradient(c, grad);
        }

        /** Adds (1/k)Σᵢ ∇L(θ + σεᵢ) and returns (1/k)Σᵢ L(θ + σεᵢ) (with σ² = 0: ∇L(θ) and L(θ)). */
        @Override
        public double addValueAndGradient(Context c, double[] grad) {
            int p = c.theta().length;
            if (sigma2 == 0) {
                kernels().axpy(p, 1.0, c.dataGradient(), 0, grad, 0);
                return c.dataLoss();
            }
            SplittableRandom rng = stream(c);
            double[] point = c.workspace(0, p), gi = c.workspace(1, p), acc = c.workspace(2, p);
            double sum = 0;
            for (int i = 0; i < k; i++) {
                noisyPoint(c, rng, i, point);
                sum += c.dataLossAndGradientAt(point, i == 0 ? acc : gi);
                if (i > 0) kernels().axpy(p, 1.0, gi, 0, acc, 0);
            }
            kernels().axpy(p, 1.0 / k, acc, 0, grad, 0);
            return sum / k;
        }

        @Override
        public void hashInto(MessageDigest md) {
            hashExplicit(md, spec(), noise);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof WeightNoise x && Double.compare(x.sigma2, sigma2) == 0 && x.k == k && Arrays.equals(x.noise, noise);
        }

        @Override
        public int hashCode() {
            return (Double.hashCode(sigma2) * 31 + k) * 31 + Arrays.hashCode(noise);
        }

        @Override
        public String toString() {
            return spec();
        }
    }

    /**
     * The trace penalties (σ²/2)(1/k)Σᵢ vᵢᵀ Op vᵢ, Op = H ({@code hessian_trace}) or G
     * ({@code ggn_trace}), with their exact gradients ({@link Evaluator#quadraticForms}).
     */
    final class Trace implements Penalty {
        private static final long serialVersionUID = 1L;
        /** Salts of the probe streams: new SplittableRandom(seed ^ SALT). */
        static final long HESSIAN_SALT = 0x68657373_74726163L;   // "hesstrac"
        static final long GGN_SALT = 0x67676e5f_74726163L;       // "ggn_trac"
        private final double sigma2;
        private final int k;
        private final boolean hessian;
        private final double[] probes;   // explicit vᵢ (k × P), or null: drawn per request

        Trace(double sigma2, int k, boolean hessian, double[] probes) {
            this.sigma2 = check(sigma2, (hessian ? "hessian_trace" : "ggn_trace") + ": σ²");
            this.k = checkCount(k);
            this.hessian = hessian;
            this.probes = probes;
        }

        public double sigma2() {
            return sigma2;
        }

        @Override
        public String name() {
            return hessian ? "hessian_trace" : "ggn_trace";
        }

        @Override
        public int draws() {
            return k;
        }

        @Override
        public boolean usesProbes() {
            return true;
        }

        @Override
        public boolean hasExplicitVectors() {
            return probes != null;
        }

        /** The explicit probes (a copy), or null when drawn. */
        public double[] probes() {
            return probes == null ? null : probes.clone();
        }

        @Override
        public Penalty withVectors(double[] values, int count) {
            return new Trace(sigma2, count, hessian, explicit(values, count, name() + ": probes"));
        }

        @Override
        public void validate(Mlp model) {
            validateExplicit(probes, k, model, spec(), "probe");
        }

        @Override
        public String spec() {
            return name() + ":" + fmt(sigma2) + ":" + k + (probes == null ? "" : " (explicit probes)");
        }

        @Override
        public String formula() {
            return "(" + fmt(sigma2) + "/2)(1/" + k + ")Σᵢ vᵢᵀ" + (hessian ? "H" : "G") + "vᵢ";
        }

        @Override
        public boolean gradientIsExact(Mlp model) {
            return !model.usesModifiedSecondDerivative();
        }

        /** The k probes: the explicit ones, or k·P draws into a workspace. */
        private double[] probes(Context c) {
            if (probes != null) return probes;
            int p = c.theta().length;
            double[] v = c.workspace(0, k * p);
            draw(new SplittableRandom(c.seed() ^ (hessian ? HESSIAN_SALT : GGN_SALT)), v, 0, k * p);
            return v;
        }

        private double valueOf(double[] forms) {
            double s = 0;
            for (int i = 0; i < k; i++) s += forms[i];
            return 0.5 * sigma2 * (s / k);
        }

        @Override
        public double value(Context c) {
            if (sigma2 == 0) return 0.0;
            double[] forms = c.workspace(1, k);
            c.quadraticForms(hessian ? Part.DATA_HESSIAN : Part.GGN, probes(c), k, forms, null);
            return valueOf(forms);
        }

        @Override
        public void addGradient(Context c, double[] grad) {
            addValueAndGradient(c, grad);
        }

        @Override
        public double addValueAndGradient(Context c, double[] grad) {
            if (sigma2 == 0) return 0.0;
            int p = c.theta().length;
            double[] forms = c.workspace(1, k), g3 = c.workspace(2, p);
            c.quadraticForms(hessian ? Part.DATA_HESSIAN : Part.GGN, probes(c), k, forms, g3);
            kernels().axpy(p, 0.5 * sigma2 / k, g3, 0, grad, 0);
            return valueOf(forms);
        }

        @Override
        public void hashInto(MessageDigest md) {
            hashExplicit(md, spec(), probes);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Trace x && Double.compare(x.sigma2, sigma2) == 0 && x.k == k && x.hessian == hessian && Arrays.equals(x.probes, probes);
        }

        @Override
        public int hashCode() {
            return ((Double.hashCode(sigma2) * 31 + k) * 31 + (hessian ? 1 : 0)) * 31 + Arrays.hashCode(probes);
        }

        @Override
        public String toString() {
            return spec();
        }
    }
}
