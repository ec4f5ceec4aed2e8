package dev.morse.engine;

import dev.morse.simd.ElementwiseFunction;
import dev.morse.simd.Kernels;
import java.util.Arrays;
import java.util.Locale;

/**
 * A hidden-layer activation σ with σ′, σ″ and σ‴ (SPEC §3). σ″ enters only the exact Hessian and
 * its NME part, σ‴ only the exact gradients of the trace penalties (SPEC §11); two members
 * deliberately replace them ("modified" activations): {@code augmented_relu(β)} takes σ″ and σ‴ of
 * β-GELU (σ′ stays the step), {@code diminished_gelu} sets σ″ = σ‴ = 0. For those, "the Hessian" is
 * the modified operator built from the stated σ″, and {@link #modifiesSecondDerivative()} says so.
 * σ‴ always comes from the same function as σ″, so it is the derivative of the stated σ″.
 *
 * <p>Names parse as in the CLI: {@code tanh}, {@code beta_gelu:4}, {@code augmented_relu:2}.
 */
public final class Activation implements java.io.Serializable {

    private static final long serialVersionUID = 1L;

    public static final Activation IDENTITY = new Activation("identity", ElementwiseFunction.IDENTITY, ElementwiseFunction.IDENTITY, 1.0, false);
    public static final Activation TANH = new Activation("tanh", ElementwiseFunction.TANH, ElementwiseFunction.TANH, 1.0, false);
    public static final Activation SIGMOID = new Activation("sigmoid", ElementwiseFunction.SIGMOID, ElementwiseFunction.SIGMOID, 1.0, false);
    public static final Activation SOFTPLUS = new Activation("softplus", ElementwiseFunction.SOFTPLUS, ElementwiseFunction.SOFTPLUS, 1.0, false);
    /** ReLU with σ′(0) = 0 and σ″ ≡ 0 (PyTorch's convention). */
    public static final Activation RELU = new Activation("relu", ElementwiseFunction.RELU, ElementwiseFunction.RELU, 1.0, false);
    /** Exact GELU x Φ(x) (erf form, not the tanh approximation). */
    public static final Activation GELU = new Activation("gelu", ElementwiseFunction.GELU, ElementwiseFunction.GELU, 1.0, false);
    /** GELU's σ and σ′ with σ″ replaced by 0: removes GELU's second-order information. */
    public static final Activation DIMINISHED_GELU = new Activation("diminished_gelu", ElementwiseFunction.GELU, null, 1.0, true);

    /** Names accepted by {@link #parse(String)}. */
    public static final String NAMES = "identity, tanh, sigmoid, softplus, relu, gelu, beta_gelu:β, augmented_relu:β, diminished_gelu";

    private final String name;
    private final ElementwiseFunction valueFn;
    private final ElementwiseFunction secondFn;   // σ″ and σ‴; null: σ″ ≡ σ‴ ≡ 0
    private final double beta;
    private final boolean modified;

    private Activation(String name, ElementwiseFunction valueFn, ElementwiseFunction secondFn, double beta, boolean modified) {
        this.name = name;
        this.valueFn = valueFn;
        this.secondFn = secondFn;
        this.beta = beta;
        this.modified = modified;
    }

    /** β-GELU: σ(x) = x Φ(βx); β = 1 is GELU, β → ∞ tends to ReLU. */
    public static Activation betaGelu(double beta) {
        requirePositiveFinite(beta, "beta_gelu");
        return new Activation("beta_gelu:" + fmt(beta), ElementwiseFunction.GELU, ElementwiseFunction.GELU, beta, false);
    }

    /** ReLU's σ and σ′ with σ″ taken from β-GELU: adds second-order information to ReLU. */
    public static Activation augmentedRelu(double beta) {
        requirePositiveFinite(beta, "augmented_relu");
        return new Activation("augmented_relu:" + fmt(beta), ElementwiseFunction.RELU, ElementwiseFunction.GELU, beta, true);
    }

    /**
     * Parses {@code name} or {@code name:β} (case-insensitive).
     *
     * @throws IllegalArgumentException for unknown names or bad parameters, listing the valid names
     */
    public static Activation parse(String spec) {
        if (spec == null || spec.isBlank()) throw new IllegalArgumentException("activation name is empty; expected one of: " + NAMES);
        String s = spec.trim().toLowerCase(Locale.ROOT);
        String base = s;
        Double param = null;
        int colon = s.indexOf(':');
        if (colon >= 0) {
            base = s.substring(0, colon);
            String p = s.substring(colon + 1);
            try {
                param = Decimal.parse(p);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("activation '" + spec + "': parameter '" + p + "' is not a number");
            }
        }
        Activation a = switch (base) {
            case "identity", "linear" -> IDENTITY;
            case "tanh" -> TANH;
            case "sigmoid" -> SIGMOID;
            case "softplus" -> SOFTPLUS;
            case "relu" -> RELU;
            case "gelu" -> GELU;
            case "diminished_gelu" -> DIMINISHED_GELU;
            case "beta_gelu" -> betaGelu(param == null ? 1.0 : param);
            case "augmented_relu" -> augmentedRelu(param == null ? 1.0 : param);
            default -> throw new IllegalArgumentException("unknown activation '" + spec + "'; expected one of: " + NAMES);
        };
        if (param != null && !(base.equals("beta_gelu") || base.equals("augmented_relu"))) {
            throw new IllegalArgumentException("activation '" + base + "' takes no parameter (got '" + spec + "')");
        }
        return a;
    }

    /** Canonical name, parseable by {@link #parse(String)}. */
    public String name() {
        return name;
    }

    /** β for the GELU family and augmented ReLU; 1 otherwise. */
    public double beta() {
        return beta;
    }

    /** True when σ″ is not the derivative of σ′ (augmented ReLU, diminished GELU). */
    public boolean modifiesSecondDerivative() {
        return modified;
    }

    /**
     * The activation with the same σ and σ′ whose σ″ and σ‴ are σ′'s own derivatives: GELU for
     * diminished GELU, ReLU for augmented ReLU, this one for the others. The loss and its gradient
     * are the same with either; only the "Hessian" differs, and Newton on ∇L_R = 0 needs the true
     * one, the Jacobian of ∇L_R, to converge (with the modified operator it stalls).
     */
    public Activation exactSecondDerivative() {
        if (!modified) return this;
        if (valueFn == ElementwiseFunction.GELU) return beta == 1.0 ? GELU : betaGelu(beta);
        if (valueFn == ElementwiseFunction.RELU) return RELU;
        throw new AssertionError("a modified activation without an exact twin: " + name);
    }

    /** True when σ″ is identically zero (identity, ReLU, diminished GELU): the layer adds no NME curvature. */
    public boolean hasZeroSecondDerivative() {
        return secondFn == null || secondFn == ElementwiseFunction.IDENTITY || secondFn == ElementwiseFunction.RELU;
    }

    /**
     * True when σ‴ is identically zero (identity, ReLU, diminished GELU): the layer adds no
     * third-order terms to the gradients of the trace penalties. (In this family σ‴ ≡ 0 exactly
     * when σ″ ≡ 0.)
     */
    public boolean hasZeroThirdDerivative() {
        return secondFn == null || secondFn == ElementwiseFunction.IDENTITY || secondFn == ElementwiseFunction.RELU;
    }

    /**
     * z = σ(a), s1 = σ′(a), s2 = σ″(a) over n entries; z, s1 or s2 may be null to skip them. The
     * same as {@link #evaluate(Kernels, int, double[], double[], double[], double[], double[])}
     * with s3 = null.
     */
    void evaluate(Kernels k, int n, double[] a, double[] z, double[] s1, double[] s2) {
        evaluate(k, n, a, z, s1, s2, null);
    }

    /**
     * z = σ(a), s1 = σ′(a), s2 = σ″(a), s3 = σ‴(a) over n entries; any output may be null to skip
     * it (σ‴ costs nothing unless asked for), and each output is the same whichever others are
     * asked for. For the modified activations two fused passes run (one per underlying function:
     * σ, σ′ from one, σ″, σ‴ from the other), for the others one.
     */
    void evaluate(Kernels k, int n, double[] a, double[] z, double[] s1, double[] s2, double[] s3) {
        if ((s2 == null && s3 == null) || secondFn == valueFn) {
            k.map(valueFn, beta, n, a, z, s1, s2, s3);
            return;
        }
        if (z != null || s1 != null) {
            k.map(valueFn, beta, n, a, z, s1, null, null);
        }
        if (secondFn == null) {
            if (s2 != null) Arrays.fill(s2, 0, n, 0.0);
            if (s3 != null) Arrays.fill(s3, 0, n, 0.0);
        } else {
            k.map(secondFn, beta, n, a, null, null, s2, s3);
        }
    }

    private static void requirePositiveFinite(double beta, String what) {
        if (!(beta > 0) || Double.isInfinite(beta)) {
            throw new IllegalArgumentException(what + ": beta must be positive and finite, got " + beta);
        }
    }

    private static String fmt(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : Double.toString(v);
    }

    @Override
    public String toString() {
        return name;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Activation a && a.name.equals(name);
    }

    @Override
    public int hashCode() {
        return name.hashCode();
    }
}
