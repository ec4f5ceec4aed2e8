package dev.morse.engine;

import java.util.Locale;

/**
 * The training penalties of SPEC §11, each a {@link Term} of the objective in a file of its own
 * ({@link GradientNormPenalty}, {@link SamPenalty}, {@link WeightNoisePenalty}, {@link TracePenalty}:
 * value, gradient or update direction, draws and text form); their factories and parser are here,
 * the helpers they share in {@link Terms}.
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
        permits GradientNormPenalty, SamPenalty, WeightNoisePenalty, TracePenalty {

    /** The forms {@link #parse} accepts, for messages. */
    String FORMS = "gradient_norm:ρ[:p], gradient_norm_ggn:ρ[:p], sam:ρ, weight_noise:σ²[:k], hessian_trace:σ²[:k], ggn_trace:σ²[:k]";

    /** ρ‖g‖^p, gradient ∇L + ρ p‖g‖^(p−2) H g. */
    static Penalty gradientNorm(double rho, int power) {
        return new GradientNormPenalty(rho, power, false);
    }

    /** ρ‖g‖^p, update direction ∇L + ρ p‖g‖^(p−2) G g (the NME left out of the update). */
    static Penalty gradientNormGgn(double rho, int power) {
        return new GradientNormPenalty(rho, power, true);
    }

    /** SAM with radius ρ. */
    static Penalty sam(double rho) {
        return new SamPenalty(rho);
    }

    /** Weight noise θ + σεᵢ, σ² the variance, k draws per request. */
    static Penalty weightNoise(double sigma2, int k) {
        return new WeightNoisePenalty(sigma2, k, null);
    }

    /** (σ²/2)·mean vᵢᵀ H vᵢ over k Gaussian probes per request. */
    static Penalty hessianTrace(double sigma2, int k) {
        return new TracePenalty(sigma2, k, true, null);
    }

    /** (σ²/2)·mean vᵢᵀ G vᵢ over k Gaussian probes per request. */
    static Penalty ggnTrace(double sigma2, int k) {
        return new TracePenalty(sigma2, k, false, null);
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
                yield new GradientNormPenalty(rho, power, p[0].equals("gradient_norm_ggn"));
            }
            case "sam" -> {
                parts(spec, p, 2, 2);
                yield new SamPenalty(coefficient(spec, p[1], "ρ"));
            }
            case "weight_noise" -> {
                parts(spec, p, 2, 3);
                yield new WeightNoisePenalty(coefficient(spec, p[1], "σ²"), p.length == 3 ? count(spec, p[2]) : 1, null);
            }
            case "hessian_trace", "ggn_trace" -> {
                parts(spec, p, 2, 3);
                yield new TracePenalty(coefficient(spec, p[1], "σ²"), p.length == 3 ? count(spec, p[2]) : 1, p[0].equals("hessian_trace"), null);
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

    /**
     * Whether a request draws this penalty's probes or noise from its seed: it draws
     * ({@link #draws} ≥ 1), its vectors are not explicit ({@link #withVectors}), and its σ² is not
     * 0 (at σ² = 0 the trace term is 0 and the noise vanishes: nothing is drawn, whatever the seed).
     */
    default boolean drawsFromSeed() {
        return false;
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

    // ------------------------------------------------------------------ parsing helpers

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
        return Terms.checkCoefficient(Double.parseDouble(s), "penalty '" + spec + "': " + what);
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
}
