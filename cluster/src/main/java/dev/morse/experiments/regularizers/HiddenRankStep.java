package dev.morse.experiments.regularizers;

import dev.morse.cli.LoadedProblem;
import dev.morse.cluster.MorseSteps;
import dev.morse.cluster.StepContext;
import dev.morse.engine.Mlp;
import dev.morse.experiments.ExperimentSteps;
import dev.morse.io.Npy;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The step {@code hidden_rank}: at the θ the earlier steps ended at (the latest {@code theta_file},
 * e.g. the Morse check's refined point), the rank r of the hidden layer of a one-hidden-layer
 * network d-h-c and the dimension of the orbit of its O(h) symmetry.
 *
 * <p>For a linear network with weight decay, (W₁, b₁, W₂) → (QW₁, Qb₁, W₂Qᵀ), Q ∈ O(h), leaves
 * the loss and ‖θ‖² unchanged. The stabilizer of a point is the set of Q that fix every column of
 * M = [W₁ | b₁ | W₂ᵀ] (h × (d + 1 + c); without b₁ when layer 1 has no bias), i.e. O(h − r) acting
 * on the orthogonal complement of its column space, r = rank M. The orbit therefore has dimension
 * dim O(h) − dim O(h − r) = h(h−1)/2 − (h−r)(h−r−1)/2, and at a critical point the Hessian has at
 * least that many zero eigenvalues (its tangent space). r is the numerical rank: the singular
 * values of M above {@value #RANK_TOL}·max(σ_max, ‖θ‖) (all reported, so the gap is visible).
 *
 * <p>Outputs: {@code hidden_width}, {@code rank}, {@code orbit_dimension}, {@code singular_values}
 * (descending), {@code theta_norm}; for other depths only {@code theta_norm} and {@code hidden_width = null}.
 */
public final class HiddenRankStep implements ExperimentSteps.OwnStep {
    private static final long serialVersionUID = 1L;

    public static final String NAME = "hidden_rank";
    /** Relative threshold of the numerical rank. */
    public static final double RANK_TOL = 1e-8;

    @Override public String name() { return NAME; }

    @Override
    public void check(Map<String, Object> taskConfig, Map<String, Object> stepOptions) {
        if (!(taskConfig.get("model") instanceof String m)) throw new IllegalArgumentException("step " + NAME + " needs the task option 'model'");
        Mlp.parseWidths(m);
    }

    @Override
    public Map<String, ?> run(Map<String, Object> taskConfig, Map<String, Object> stepOptions, Path taskDir, StepContext ctx) {
        Path theta = null;
        String thetaStep = null;
        for (Map.Entry<String, Map<String, Object>> o : ctx.allOutputs().entrySet()) {
            if (o.getValue().get("theta_file") instanceof String f) {
                theta = taskDir.resolve(f);
                thetaStep = o.getKey();
            }
        }
        if (theta == null) throw new IllegalStateException("step " + NAME + ": no earlier step saved θ (put it after morse or fit)");
        double[] t = Npy.read(theta).values();
        int[] w = Mlp.parseWidths(String.valueOf(taskConfig.get("model")));
        boolean[] bias = biases(noBias(taskConfig, taskDir.resolve(MorseSteps.configFile(thetaStep))), w.length - 1);
        Map<String, Object> out = new LinkedHashMap<>();
        double norm = 0;
        for (double v : t) norm += v * v;
        out.put("theta_norm", Math.sqrt(norm));
        if (w.length != 3) {
            out.put("hidden_width", null);
            return out;
        }
        Rank r = rank(t, w, bias);
        List<Double> svl = new ArrayList<>();
        for (double s : r.singularValues()) svl.add(s);
        out.put("hidden_width", w[1]);
        out.put("rank", r.rank());
        out.put("orbit_dimension", orbitDimension(w[1], r.rank()));
        out.put("singular_values", svl);
        return out;
    }

    /** The hidden rank of a point and the singular values it was read from (descending). */
    public record Rank(int rank, double[] singularValues) {}

    /**
     * The rank of M = [W₁ | b₁ | W₂ᵀ] of a d-h-c network with parameters θ (PyTorch order), counting
     * the singular values above {@value #RANK_TOL}·max(σ_max, ‖θ‖): relative to the point's scale,
     * not to σ_max alone, since at W₁ = 0, W₂ = 0 (only output biases) the singular values are
     * rounding noise and the rank is 0.
     */
    public static Rank rank(double[] t, int[] w, boolean[] bias) {
        int d = w[0], h = w[1], c = w[2];
        int expected = h * d + (bias[0] ? h : 0) + c * h + (bias[1] ? c : 0);
        if (t.length != expected) {
            throw new IllegalStateException("step " + NAME + ": θ has " + t.length + " entries, model " + d + "-" + h + "-" + c + " needs " + expected);
        }
        int w2 = h * d + (bias[0] ? h : 0);
        int cols = d + (bias[0] ? 1 : 0) + c;
        double[][] m = new double[h][cols];
        for (int j = 0; j < h; j++) {
            for (int i = 0; i < d; i++) m[j][i] = t[j * d + i];
            if (bias[0]) m[j][d] = t[h * d + j];
            for (int k = 0; k < c; k++) m[j][d + (bias[0] ? 1 : 0) + k] = t[w2 + k * h + j];
        }
        double norm = 0;
        for (double v : t) norm += v * v;
        double[] sv = singularValues(m);
        double floor = RANK_TOL * Math.max(sv[0], Math.sqrt(norm));
        int r = 0;
        for (double s : sv) if (s > floor) r++;
        return new Rank(r, sv);
    }

    /** h(h−1)/2 − (h−r)(h−r−1)/2: the dimension of an O(h) orbit through a point of hidden rank r. */
    public static int orbitDimension(int h, int r) {
        if (r < 0 || r > h) throw new IllegalArgumentException("rank " + r + " outside 0.." + h);
        return h * (h - 1) / 2 - (h - r) * (h - r - 1) / 2;
    }

    /**
     * The --no-bias that the step which saved θ ran with: its {@code <step>-config.json} (what the
     * command read: the task's option under either spelling, {@code no_bias} or {@code no-bias},
     * or that step's own), else, for θ from a step that is no command, the task's option, its key
     * normalized as a command step's config is built ({@link MorseSteps#normalize}). Null: none.
     */
    static Object noBias(Map<String, Object> taskConfig, Path stepConfig) {
        if (java.nio.file.Files.exists(stepConfig)) {
            try {
                return dev.morse.cluster.Json.readObject(stepConfig).get("no_bias");
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
        Object v = null;
        for (Map.Entry<String, Object> e : taskConfig.entrySet()) {
            if (MorseSteps.normalize(e.getKey()).equals("no-bias")) v = e.getValue();
        }
        return v;
    }

    /**
     * Layers with a bias, from {@code no_bias} (absent, "all", "1,2", or a list of layer numbers),
     * read by the command's own parse ({@link LoadedProblem#biases}) of the text the step's command
     * line carries ({@link MorseSteps#text}): a layer written 2.0 is layer 2, and a value the
     * command refuses is refused with its message.
     */
    static boolean[] biases(Object noBias, int layers) {
        if (noBias == null) return LoadedProblem.biases(null, layers);
        return LoadedProblem.biases(List.of(MorseSteps.text(noBias).split(",")), layers);
    }

    /**
     * The singular values of m (rows × cols), descending, by one-sided Jacobi (Hestenes) on its rows:
     * rotate pairs of rows until all are orthogonal; the singular values are then the row norms.
     * Accurate to about ε·σ_max in absolute terms, so zero singular values come out at rounding level
     * (forming m mᵀ would put them at √ε·σ_max, the very size of the rank threshold).
     */
    static double[] singularValues(double[][] m) {
        int n = m.length;
        double[][] a = new double[n][];
        for (int i = 0; i < n; i++) a[i] = m[i].clone();
        for (int sweep = 0; sweep < 60; sweep++) {
            boolean rotated = false;
            for (int i = 0; i < n; i++) {
                for (int j = i + 1; j < n; j++) {
                    double alpha = dot(a[i], a[i]), beta = dot(a[j], a[j]), gamma = dot(a[i], a[j]);
                    if (gamma == 0 || Math.abs(gamma) <= 1e-15 * Math.sqrt(alpha * beta)) continue;
                    rotated = true;
                    double zeta = (beta - alpha) / (2 * gamma);
                    double t = Math.signum(zeta) / (Math.abs(zeta) + Math.sqrt(1 + zeta * zeta));
                    if (zeta == 0) t = 1;
                    double c = 1 / Math.sqrt(1 + t * t), s = c * t;
                    for (int k = 0; k < a[i].length; k++) {
                        double x = a[i][k], y = a[j][k];
                        a[i][k] = c * x - s * y;
                        a[j][k] = s * x + c * y;
                    }
                }
            }
            if (!rotated) break;
        }
        double[] sv = new double[n];
        for (int i = 0; i < n; i++) sv[i] = Math.sqrt(dot(a[i], a[i]));
        java.util.Arrays.sort(sv);
        for (int i = 0; i < n / 2; i++) { double x = sv[i]; sv[i] = sv[n - 1 - i]; sv[n - 1 - i] = x; }
        return sv;
    }

    private static double dot(double[] x, double[] y) {
        double s = 0;
        for (int k = 0; k < x.length; k++) s += x[k] * y[k];
        return s;
    }
}
