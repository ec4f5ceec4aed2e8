package dev.morse.engine;

import dev.morse.linalg.MemoryGuard;
import dev.morse.linalg.MemoryLimitException;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.StringJoiner;

/**
 * A multilayer perceptron with widths d0-d1-…-dL (SPEC §1):
 * <pre>
 *   z0 = x,   a_l = W_l z_{l−1} + b_l,   z_l = σ_l(a_l) for l &lt; L,   f(x) = a_L
 * </pre>
 * The output layer has no activation. The flat parameter vector θ has length
 * P = Σ_l d_l (d_{l−1} + [bias_l]) and is ordered layer by layer: W_l row-major [out][in], then
 * b_l (absent for a no-bias layer). This is PyTorch's order for a stack of {@code nn.Linear}
 * ({@code torch.cat([p.flatten() for p in model.parameters()])}). Layers are numbered 1..L.
 *
 * <p>Immutable, thread-safe and value-equal (widths, activations and biases).
 */
public final class Mlp implements java.io.Serializable {

    private static final long serialVersionUID = 1L;

    private final int[] widths;
    private final Activation[] activations;   // index l-1 for hidden layer l = 1..L-1
    private final boolean[] bias;             // index l-1 for layer l = 1..L
    private final int[] weightOffset;         // index l-1
    private final int[] biasOffset;           // index l-1; -1 without bias
    private final int numParameters;

    private Mlp(int[] widths, Activation[] activations, boolean[] bias) {
        this.widths = widths;
        this.activations = activations;
        this.bias = bias;
        int layers = widths.length - 1;
        weightOffset = new int[layers];
        biasOffset = new int[layers];
        long p = 0;
        for (int l = 1; l <= layers; l++) {
            weightOffset[l - 1] = (int) p;
            p += (long) widths[l] * widths[l - 1];
            if (bias[l - 1]) {
                biasOffset[l - 1] = (int) p;
                p += widths[l];
            } else {
                biasOffset[l - 1] = -1;
            }
            if (p > Integer.MAX_VALUE - 8) {
                throw new IllegalArgumentException("model " + describeWidths(widths) + " has more than 2^31-9 parameters");
            }
        }
        numParameters = (int) p;
    }

    /** An MLP with one activation on every hidden layer and biases everywhere. */
    public static Mlp of(Activation activation, int... widths) {
        return builder(widths).activation(activation).build();
    }

    /** Parses widths written as {@code 784-256-256-10}. */
    public static int[] parseWidths(String spec) {
        if (spec == null || spec.isBlank()) throw new IllegalArgumentException("model widths are empty; expected e.g. 784-256-10");
        String[] parts = spec.trim().split("-", -1);
        int[] w = new int[parts.length];
        for (int i = 0; i < parts.length; i++) {
            try {
                w[i] = Integer.parseInt(parts[i].trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("model '" + spec + "': width '" + parts[i] + "' at position " + i + " is not an integer");
            }
        }
        return w;
    }

    public static Builder builder(int... widths) {
        return new Builder(widths);
    }

    /** Builder: activation per hidden layer (default tanh), bias per layer (default on). */
    public static final class Builder {
        private final int[] widths;
        private final Activation[] activations;
        private final boolean[] bias;

        private Builder(int[] widths) {
            if (widths == null || widths.length < 2) {
                throw new IllegalArgumentException("an MLP needs at least an input and an output width, got "
                        + (widths == null ? "null" : Arrays.toString(widths)));
            }
            for (int i = 0; i < widths.length; i++) {
                if (widths[i] <= 0) throw new IllegalArgumentException("width d" + i + " must be positive, got " + widths[i] + " in " + describeWidths(widths));
            }
            this.widths = widths.clone();
            this.activations = new Activation[widths.length - 2];
            Arrays.fill(activations, Activation.TANH);
            this.bias = new boolean[widths.length - 1];
            Arrays.fill(bias, true);
        }

        /** The same activation on every hidden layer. */
        public Builder activation(Activation a) {
            if (a == null) throw new IllegalArgumentException("activation is null");
            Arrays.fill(activations, a);
            return this;
        }

        /** Activation of hidden layer {@code layer} (1 ≤ layer ≤ L−1). */
        public Builder activation(int layer, Activation a) {
            if (layer < 1 || layer > activations.length) {
                throw new IllegalArgumentException("hidden layer " + layer + " out of range 1.." + activations.length);
            }
            if (a == null) throw new IllegalArgumentException("activation is null");
            activations[layer - 1] = a;
            return this;
        }

        /** Removes the bias of layer {@code layer} (1 ≤ layer ≤ L). */
        public Builder noBias(int layer) {
            if (layer < 1 || layer > bias.length) throw new IllegalArgumentException("layer " + layer + " out of range 1.." + bias.length);
            bias[layer - 1] = false;
            return this;
        }

        /** Removes every bias. */
        public Builder noBias() {
            Arrays.fill(bias, false);
            return this;
        }

        public Mlp build() {
            return new Mlp(widths.clone(), activations.clone(), bias.clone());
        }
    }

    /** Number of layers L (weight matrices). */
    public int layers() {
        return widths.length - 1;
    }

    /**
     * d_i for 0 ≤ i ≤ L (d_0 the inputs, d_L the outputs).
     *
     * @throws IllegalArgumentException when i is outside 0..L
     */
    public int width(int i) {
        if (i < 0 || i >= widths.length) throw new IllegalArgumentException("width index " + i + " out of range 0.." + layers() + " (d_0 is the input width)");
        return widths[i];
    }

    public int[] widths() {
        return widths.clone();
    }

    public int inputDim() {
        return widths[0];
    }

    public int outputDim() {
        return widths[widths.length - 1];
    }

    /** P, the length of θ. */
    public int numParameters() {
        return numParameters;
    }

    /**
     * Activation of hidden layer l, 1 ≤ l ≤ L−1 (layers count from 1, as in SPEC §1; the output
     * layer L has none).
     *
     * @throws IllegalArgumentException when l is outside 1..L−1
     */
    public Activation activation(int l) {
        if (l < 1 || l > activations.length) {
            throw new IllegalArgumentException("hidden layer " + l + " out of range 1.." + activations.length + " (layers count from 1; layer L = "
                    + layers() + " is the output layer, without activation)");
        }
        return activations[l - 1];
    }

    /**
     * Whether layer l has a bias b_l, 1 ≤ l ≤ L (layers count from 1, as in SPEC §1).
     *
     * @throws IllegalArgumentException when l is outside 1..L
     */
    public boolean hasBias(int l) {
        return bias[checkLayer(l) - 1];
    }

    /**
     * Offset of W_l (row-major d_l × d_{l−1}) in θ, 1 ≤ l ≤ L (layers count from 1: W_1 is at 0).
     *
     * @throws IllegalArgumentException when l is outside 1..L
     */
    public int weightOffset(int l) {
        return weightOffset[checkLayer(l) - 1];
    }

    /**
     * Offset of b_l in θ, or −1 when layer l has no bias; 1 ≤ l ≤ L (layers count from 1).
     *
     * @throws IllegalArgumentException when l is outside 1..L
     */
    public int biasOffset(int l) {
        return biasOffset[checkLayer(l) - 1];
    }

    private int checkLayer(int l) {
        if (l < 1 || l > layers()) throw new IllegalArgumentException("layer " + l + " out of range 1.." + layers() + " (layers count from 1)");
        return l;
    }

    /** True when θ_i is a bias entry. */
    public boolean[] biasMask() {
        boolean[] m = new boolean[numParameters];
        for (int l = 1; l <= layers(); l++) {
            if (bias[l - 1]) Arrays.fill(m, biasOffset[l - 1], biasOffset[l - 1] + widths[l], true);
        }
        return m;
    }

    /** True when any hidden activation replaces σ″ (the "Hessian" is then the modified operator). */
    public boolean usesModifiedSecondDerivative() {
        for (Activation a : activations) if (a.modifiesSecondDerivative()) return true;
        return false;
    }

    /**
     * The same model with every modified activation replaced by its {@link
     * Activation#exactSecondDerivative() exact twin}: the same loss and gradient at every θ, the
     * true Hessian. This model itself when no activation is modified.
     */
    public Mlp withExactSecondDerivatives() {
        if (!usesModifiedSecondDerivative()) return this;
        Activation[] exact = new Activation[activations.length];
        for (int i = 0; i < exact.length; i++) exact[i] = activations[i].exactSecondDerivative();
        return new Mlp(widths.clone(), exact, bias.clone());
    }

    /** A zero θ of P doubles, refused with a {@link MemoryLimitException} when the heap cannot hold it. */
    private double[] newTheta() {
        MemoryGuard.check("θ of model " + describeWidths(widths) + " (P = " + numParameters + ")", numParameters, 8.0 * numParameters,
                "Use a smaller model, or raise -Xmx.");
        return new double[numParameters];
    }

    /**
     * PyTorch's default {@code nn.Linear} initialisation: W_l and b_l uniform on
     * [−1/√d_{l−1}, 1/√d_{l−1}] (Kaiming-uniform with a = √5), drawn from
     * {@link SplittableRandom}(seed) in θ order. Same seed, same θ (not PyTorch's stream).
     *
     * @throws MemoryLimitException when the heap cannot hold P doubles
     */
    public double[] initPyTorchDefault(long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        double[] theta = newTheta();
        for (int l = 1; l <= layers(); l++) {
            double bound = 1.0 / Math.sqrt(widths[l - 1]);
            int end = weightOffset[l - 1] + widths[l] * widths[l - 1] + (bias[l - 1] ? widths[l] : 0);
            for (int i = weightOffset[l - 1]; i < end; i++) theta[i] = bound * (2 * rng.nextDouble() - 1);
        }
        return theta;
    }

    /**
     * Gaussian initialisation θ_i ~ N(0, (scale/√d_{l−1})²) for weights, biases 0, from seed.
     *
     * @throws IllegalArgumentException when scale is negative, NaN or infinite
     * @throws MemoryLimitException when the heap cannot hold P doubles
     */
    public double[] initGaussian(double scale, long seed) {
        if (!(scale >= 0) || Double.isInfinite(scale)) throw new IllegalArgumentException("scale must be finite and ≥ 0, got " + scale);
        SplittableRandom rng = new SplittableRandom(seed);
        double[] theta = newTheta();
        for (int l = 1; l <= layers(); l++) {
            double sd = scale / Math.sqrt(widths[l - 1]);
            int off = weightOffset[l - 1];
            for (int i = 0; i < widths[l] * widths[l - 1]; i++) theta[off + i] = sd * Gaussians.next(rng);
        }
        return theta;
    }

    /** Widths, activations and biases as text, e.g. {@code 3-4-1 tanh}. */
    public String describe() {
        StringJoiner acts = new StringJoiner(",");
        for (Activation a : activations) acts.add(a.name());
        return describeWidths(widths) + (activations.length == 0 ? "" : " " + acts) + biasText();
    }

    /**
     * Widths and biases as text, without the activations, e.g. {@code 3-4-1 without biases}: what
     * θ's layout and the initializations depend on (init's summary named an activation that
     * takes no part in drawing θ).
     */
    public String describeLayout() {
        return describeWidths(widths) + biasText();
    }

    /** Which layers have a bias, in words (1 = the first), not a Java array ("bias=[false, false]"); empty when all have one. */
    private String biasText() {
        java.util.List<String> with = new java.util.ArrayList<>();
        for (int l = 0; l < bias.length; l++) if (bias[l]) with.add(Integer.toString(l + 1));
        if (with.isEmpty()) return " without biases";
        if (with.size() < bias.length) return " with biases only in layer" + (with.size() > 1 ? "s " : " ") + String.join(", ", with);
        return "";
    }

    static String describeWidths(int[] w) {
        StringJoiner j = new StringJoiner("-");
        for (int x : w) j.add(Integer.toString(x));
        return j.toString();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Mlp m && Arrays.equals(m.widths, widths) && Arrays.equals(m.activations, activations) && Arrays.equals(m.bias, bias);
    }

    @Override
    public int hashCode() {
        return (Arrays.hashCode(widths) * 31 + Arrays.hashCode(activations)) * 31 + Arrays.hashCode(bias);
    }

    @Override
    public String toString() {
        return "Mlp[" + describe() + ", P=" + numParameters + "]";
    }
}
