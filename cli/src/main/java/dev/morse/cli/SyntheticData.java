package dev.morse.cli;

import dev.morse.engine.Activation;
import dev.morse.engine.Dataset;
import dev.morse.engine.Loss;
import dev.morse.engine.Mlp;
import dev.morse.engine.Evaluator;
import dev.morse.engine.Part;
import dev.morse.io.InputException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Built-in synthetic data sets, sized by the model (d0 inputs, C outputs) and drawn from a seed.
 * Each set defines inputs x and a score s(x) ∈ R^C; for {@code mse} the targets are the scores
 * (plus noise where the set has it), for {@code cross_entropy} the class is argmax s(x) (C ≥ 2).
 * The specification is {@code NAME[:k=v,…]}, e.g. {@code teacher:n=32,width=3}: {@link #parse}
 * reads and validates it without drawing anything (commands do before any work, so sweeps do on
 * their driver), {@link Spec#check} against the model and loss, and {@link #generate} draws the
 * set of a parsed spec.
 */
final class SyntheticData {
    private SyntheticData() {}

    static final String NAMES = "gaussian, teacher, orthogonal, spirals (or fashion-mnist[:n=N][,test=M], the real data set)";

    /** A generated set and its canonical description (all parameters spelled out). */
    record Generated(Dataset dataset, String description) {}

    /**
     * What {@link #generate} reads of the model and loss besides the spec and seed: d0, C, whether
     * targets are classes, and the first hidden activation (the teacher's). Keys of
     * {@link DataCache}: keep it in step with the generators below.
     */
    static List<Object> modelKey(Mlp model, Loss loss) {
        return List.of(model.inputDim(), model.outputDim(), loss == Loss.CROSS_ENTROPY,
                model.layers() > 1 ? model.activation(1).name() : "-");
    }

    /**
     * A parsed {@code --data} specification of a synthetic set: the text as given (for messages),
     * the set's name, and its parameters, each the value given or the set's default (n of
     * orthogonal: null for the default d0, which the model gives). Parameters a set does not take
     * hold their defaults and are not read. {@link #parse} validates each on its own;
     * {@link #check} against the model and loss.
     */
    record Spec(String text, String name, Integer n, double noise, int width, double turns, double scale, boolean noiseGiven) {

        /** The number of samples: n, or (orthogonal's default) d0. */
        int n(int d0) {
            return n != null ? n : d0;
        }

        /**
         * The checks against the model (d0, C) and the loss that the set's generator needs: no
         * data drawn, no file read, so commands make them before any work ({@link LoadedProblem#checkSpecs}).
         */
        void check(Mlp model, Loss loss) {
            int d = model.inputDim(), c = model.outputDim();
            boolean classes = loss == Loss.CROSS_ENTROPY;
            if (classes && c < 2) throw new InputException("--data " + text + ": cross_entropy needs an output width C ≥ 2 (the number of classes), the model has " + c);
            // gaussian's and teacher's noise perturbs the mse targets; a class is argmax s(x) of the
            // noiseless scores, so with cross_entropy a given noise would change nothing (two noises,
            // the same data and the same config hash): refused rather than ignored.
            if (classes && noiseGiven && (name.equals("gaussian") || name.equals("teacher"))) {
                throw new InputException("--data " + text + ": noise is added to the mse targets only; with cross_entropy the class is "
                        + "argmax s(x) of the noiseless scores, so noise would change nothing; leave it out (or use spirals, whose noise moves the inputs)");
            }
            int samples = n(d);
            switch (name) {
                case "orthogonal" -> {
                    if (samples > d) throw new InputException("--data " + text + ": at most d0 = " + d + " inputs can be orthogonal, n = " + samples + " asked");
                }
                case "spirals" -> {
                    if (d != 2) throw new InputException("--data " + text + ": the spirals are 2-D, so the model's input width d0 must be 2 (it is " + d + ")");
                    if (samples < 2) throw new InputException("--data " + text + ": the spirals need n ≥ 2 (one point per arm), got " + samples);
                    if (classes && c != 2) throw new InputException("--data " + text + ": two spirals are 2 classes; the model's output width must be 2 (it is " + c + ")");
                    if (!classes && c > 2) throw new InputException("--data " + text + ": with mse the spirals have C = 1 (targets ±1) or C = 2 (one-hot); the model has " + c);
                }
                default -> { }
            }
        }
    }

    /**
     * Parses and validates {@code NAME[:k=v,…]} on its own: the name, the form of each parameter,
     * each value (n and width positive whole numbers, scale and turns positive, noise ≥ 0), and
     * no parameter the set does not take. Draws nothing.
     */
    static Spec parse(String spec) {
        String s = spec.trim();
        int colon = s.indexOf(':');
        String name = (colon < 0 ? s : s.substring(0, colon)).trim().toLowerCase(Locale.ROOT);
        Params p = new Params(spec, name, parseParams(spec, colon < 0 ? "" : s.substring(colon + 1)));
        Spec parsed = switch (name) {
            case "gaussian" -> new Spec(spec, name, p.positiveInt("n", 64), p.nonNegative("noise", 0.1), 4, 1.5, 1.0, p.given.containsKey("noise"));
            case "teacher" -> {
                int n = p.positiveInt("n", 64);
                int width = p.positiveInt("width", 4);
                yield new Spec(spec, name, n, p.nonNegative("noise", 0.0), width, 1.5, 1.0, p.given.containsKey("noise"));
            }
            case "orthogonal" -> {
                // (boxed on both sides: a ternary of int and a null Integer would unbox the null)
                Integer n = p.given.containsKey("n") ? Integer.valueOf(p.positiveInt("n", 0)) : p.known("n", "d0");
                yield new Spec(spec, name, n, 0.0, 4, 1.5, p.positive("scale", 1.0), false);
            }
            case "spirals" -> {
                int n = p.positiveInt("n", 100);
                double turns = p.positive("turns", 1.5);
                yield new Spec(spec, name, n, p.nonNegative("noise", 0.05), 4, turns, 1.0, p.given.containsKey("noise"));
            }
            default -> throw new InputException("--data " + spec + ": unknown data set '" + name + "'; expected one of " + NAMES);
        };
        p.checkAllUsed();
        return parsed;
    }

    /** Generates the set of a parsed spec (checked against the model and loss again: cheap) from the seed. */
    static Generated generate(Spec spec, long seed, Mlp model, Loss loss) {
        spec.check(model, loss);
        int d = model.inputDim();
        int c = model.outputDim();
        boolean classes = loss == Loss.CROSS_ENTROPY;
        // Mix the name into the seed so that equal seeds for data and init do not draw the same numbers.
        SplittableRandom rng = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + spec.name().hashCode());
        return switch (spec.name()) {
            case "gaussian" -> gaussian(spec, rng, d, c, classes);
            case "teacher" -> teacher(spec, rng, model, d, c, classes);
            case "orthogonal" -> orthogonal(spec, rng, d, c, classes);
            case "spirals" -> spirals(spec, rng, d, c, classes);
            default -> throw new IllegalStateException("a parsed spec of no set: " + spec.name());
        };
    }

    private static Generated gaussian(Spec p, SplittableRandom rng, int d, int c, boolean classes) {
        int n = p.n(d);
        Estimates.data(p.text(), n, d, c);
        double noise = p.noise();
        double[] x = gaussians(rng, n * d);
        double[] a = gaussians(rng, c * d);
        double[] s = new double[n * c];
        for (int i = 0; i < n; i++) {
            for (int k = 0; k < c; k++) {
                double v = 0;
                for (int j = 0; j < d; j++) v += a[k * d + j] * x[i * d + j];
                s[i * c + k] = v / Math.sqrt(d);
            }
        }
        // classes are the argmax of the noiseless scores: no noise to name (Spec.check refuses a given one)
        String desc = "gaussian:n=" + n + (classes ? "" : ",noise=" + noise);
        if (classes) return new Generated(Dataset.classification(x, n, d, argmax(s, n, c), c), desc);
        for (int i = 0; i < s.length; i++) s[i] += noise * gaussian(rng);
        return new Generated(Dataset.regression(x, n, d, s, c), desc);
    }

    private static Generated teacher(Spec p, SplittableRandom rng, Mlp student, int d, int c, boolean classes) {
        int n = p.n(d);
        Estimates.data(p.text(), n, d, c);
        int width = p.width();
        double noise = p.noise();
        Activation act = student.layers() > 1 ? student.activation(1) : Activation.TANH;
        Mlp teacher = Mlp.of(act, d, width, c);
        double[] thetaT = teacher.initGaussian(1.0, rng.nextLong());
        // Teacher biases: N(0, 0.1²), so the teacher is not odd-symmetric through the origin.
        for (int l = 1; l <= teacher.layers(); l++) {
            int off = teacher.biasOffset(l);
            for (int k = 0; k < teacher.width(l); k++) thetaT[off + k] = 0.1 * gaussian(rng);
        }
        double[] x = gaussians(rng, n * d);
        double[] s;
        try (Evaluator o = Evaluator.open(dev.morse.engine.Problem.of(teacher, Dataset.regression(x, n, d, new double[n * c], c), Loss.MSE),
                Evaluator.Settings.defaults().withThreads(1))) {
            s = o.outputs(thetaT);
        }
        String desc = "teacher:n=" + n + ",width=" + width + (classes ? "" : ",noise=" + noise) + " (teacher " + teacher.describe() + ")";
        if (classes) return new Generated(Dataset.classification(x, n, d, argmax(s, n, c), c), desc);
        for (int i = 0; i < s.length; i++) s[i] += noise * gaussian(rng);
        return new Generated(Dataset.regression(x, n, d, s, c), desc);
    }

    private static Generated orthogonal(Spec p, SplittableRandom rng, int d, int c, boolean classes) {
        int n = p.n(d);   // ≤ d0 (Spec.check)
        double scale = p.scale();
        Estimates.data(p.text(), n, d, c);
        double[] x = gaussians(rng, n * d);
        for (int i = 0; i < n; i++) {   // Gram–Schmidt, twice for accuracy
            for (int pass = 0; pass < 2; pass++) {
                for (int j = 0; j < i; j++) {
                    double dot = 0;
                    for (int k = 0; k < d; k++) dot += x[i * d + k] * x[j * d + k];
                    for (int k = 0; k < d; k++) x[i * d + k] -= dot * x[j * d + k];
                }
            }
            double nrm = 0;
            for (int k = 0; k < d; k++) nrm += x[i * d + k] * x[i * d + k];
            nrm = Math.sqrt(nrm);
            for (int k = 0; k < d; k++) x[i * d + k] /= nrm;
        }
        String desc = "orthogonal:n=" + n + ",scale=" + scale;
        if (classes) {
            int[] labels = new int[n];
            for (int i = 0; i < n; i++) labels[i] = rng.nextInt(c);
            for (int i = 0; i < x.length; i++) x[i] *= scale;
            return new Generated(Dataset.classification(x, n, d, labels, c), desc);
        }
        double[] y = new double[n * c];
        for (int i = 0; i < y.length; i++) y[i] = rng.nextBoolean() ? 1.0 : -1.0;
        for (int i = 0; i < x.length; i++) x[i] *= scale;
        return new Generated(Dataset.regression(x, n, d, y, c), desc);
    }

    private static Generated spirals(Spec p, SplittableRandom rng, int d, int c, boolean classes) {
        int n = p.n(d);   // d0 = 2, n ≥ 2, C fits the loss (Spec.check)
        Estimates.data(p.text(), n, d, c);
        double turns = p.turns();
        double noise = p.noise();
        double[] x = new double[n * 2];
        int[] labels = new int[n];
        int perArm = (n + 1) / 2;
        for (int i = 0; i < n; i++) {
            int arm = i % 2;
            int j = i / 2;
            double t = (j + 0.5) / perArm;               // position along the arm, (0, 1)
            double angle = t * turns * 2 * Math.PI + arm * Math.PI;
            x[2 * i] = t * Math.cos(angle) + noise * gaussian(rng);
            x[2 * i + 1] = t * Math.sin(angle) + noise * gaussian(rng);
            labels[i] = arm;
        }
        String desc = "spirals:n=" + n + ",turns=" + turns + ",noise=" + noise;
        if (classes) return new Generated(Dataset.classification(x, n, 2, labels, 2), desc);
        double[] y = new double[n * c];
        for (int i = 0; i < n; i++) {
            if (c == 1) y[i] = labels[i] == 1 ? 1.0 : -1.0;
            else y[i * 2 + labels[i]] = 1.0;
        }
        return new Generated(Dataset.regression(x, n, 2, y, c), desc);
    }

    // ------------------------------------------------------------------ helpers

    private static Map<String, String> parseParams(String spec, String text) {
        Map<String, String> m = new LinkedHashMap<>();
        if (text.isBlank()) return m;
        for (String kv : text.split(",")) {
            int eq = kv.indexOf('=');
            if (eq <= 0) throw new InputException("--data " + spec + ": parameter '" + kv.trim() + "' is not of the form key=value");
            m.put(kv.substring(0, eq).trim().toLowerCase(Locale.ROOT), kv.substring(eq + 1).trim());
        }
        return m;
    }

    /** Parameter access that remembers which keys were used, so unknown keys are reported. */
    private static final class Params {
        final String spec;
        final String name;
        final Map<String, String> given;
        final Map<String, String> known = new LinkedHashMap<>();

        Params(String spec, String name, Map<String, String> given) {
            this.spec = spec;
            this.name = name;
            this.given = given;
        }

        /** A parameter whose default depends on the model (orthogonal's n = d0): named for the messages; null. */
        Integer known(String key, String dflt) {
            known.put(key, dflt);
            return null;
        }

        int positiveInt(String key, int dflt) {
            known.put(key, Integer.toString(dflt));
            String v = given.get(key);
            if (v == null) return dflt;
            try {
                long x = dev.morse.io.Numbers.parseLong(v);
                if (x > Integer.MAX_VALUE) throw new NumberFormatException();
                if (x <= 0) throw new NumberFormatException();
                return (int) x;
            } catch (NumberFormatException e) {
                throw new InputException("--data " + spec + ": " + key + "=" + v + " must be a positive whole number");
            }
        }

        double positive(String key, double dflt) {
            double x = number(key, dflt);
            if (!(x > 0)) throw new InputException("--data " + spec + ": " + key + "=" + x + " must be positive");
            return x;
        }

        double nonNegative(String key, double dflt) {
            double x = number(key, dflt);
            if (!(x >= 0)) throw new InputException("--data " + spec + ": " + key + "=" + x + " must be ≥ 0");
            return x;
        }

        private double number(String key, double dflt) {
            known.put(key, Double.toString(dflt));
            String v = given.get(key);
            if (v == null) return dflt;
            try {
                double x = dev.morse.io.Numbers.parseDouble(v);
                if (!Double.isFinite(x)) throw new NumberFormatException();
                return x;
            } catch (NumberFormatException e) {
                throw new InputException("--data " + spec + ": " + key + "=" + v + " is not a finite number");
            }
        }

        void checkAllUsed() {
            for (String k : given.keySet()) {
                if (!known.containsKey(k)) {
                    throw new InputException("--data " + spec + ": unknown parameter '" + k + "' for " + name + "; its parameters are " + String.join(", ", known.keySet()));
                }
            }
        }
    }

    private static int[] argmax(double[] s, int n, int c) {
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            int best = 0;
            for (int k = 1; k < c; k++) if (s[i * c + k] > s[i * c + best]) best = k;
            labels[i] = best;
        }
        return labels;
    }

    private static double[] gaussians(SplittableRandom rng, int count) {
        double[] v = new double[count];
        for (int i = 0; i < count; i++) v[i] = gaussian(rng);
        return v;
    }

    /** Standard normal draws that depend on the seed only (the engine's sampler). */
    static double gaussian(SplittableRandom rng) {
        return dev.morse.engine.Gaussians.next(rng);
    }
}
