package dev.morse.experiments.benign;

import dev.morse.cluster.StepContext;
import dev.morse.cluster.StepRunner;
import dev.morse.cluster.SweepSpec;
import dev.morse.io.Numbers;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The {@code benign_run} step of the {@code benign-landscape} experiment: one task = one data set,
 * one initialization, one gradient-descent run, its end point classified against the exact global
 * value. The experiment framework composes it with the CLI's steps; alone it runs under
 * {@code SweepRunner} like any {@link StepRunner}.
 *
 * <h2>Options</h2>
 * Read from the task's config, then from the step's options (which win). Required: {@code setting}
 * ({@code orthogonal} | {@code small_init_example}), {@code n}, {@code d}, {@code width},
 * {@code alpha}, {@code init_seed}; for {@code orthogonal} also {@code data_seed} and
 * {@code teacher_seed}. Optional with defaults: {@code lambda} (0.01 for orthogonal, 1e-5 for the
 * small-init example: the authors'), {@code lr} (0.01), {@code teacher_width} (3),
 * {@code max_steps} (2,000,000), {@code grad_tol} (1e-8: ‖∇L‖² &lt; 1e-16), {@code global_tol}
 * ({@link Classification.Tolerances#defaults}: 1e-7), {@code kink_tol} (1e-10). A sweep of BenignSteps runs only this step, so no other step
 * reads the rest: a base or grid key outside these options (a misspelled {@code lamda} would
 * otherwise run every task with the default λ, labelled with the misspelled values) is refused,
 * like an unknown step option, before anything runs.
 *
 * <h2>Outputs</h2>
 * {@code class} (global | spurious | stalled | unconverged | undetermined), {@code reason}, {@code global_tol} (the
 * tolerance the class was decided with: the step's option, the config's, or the default),
 * {@code provisional_class} (what the last iterate would be if it had converged: information only,
 * never counted), {@code objective} (L at the end point θ*), {@code global_value},
 * {@code global_lower}/{@code global_upper} (certified interval), {@code gap} (objective − global),
 * {@code converged} (‖∇L(θ*)‖ &lt; grad_tol), {@code status} (converged | max_steps | diverged | value_bound:
 * stopped once the objective, decreasing at every step, was within global_tol of the global value, so the
 * limit is global whatever it is), {@code monotone}, {@code steps}, {@code grad_norm} (at θ*),
 * {@code grad_norm_raw} (at the last iterate), {@code dead_neurons}, {@code live_neurons},
 * {@code kinks}, {@code clarke_norm}, {@code descent_rate}, {@code curvature_lower_bound},
 * {@code curvature_certificate}, {@code zero_neuron_ratio}, {@code step_size_min},
 * {@code step_size_last}, {@code time_train_s}, {@code time_global_s}, {@code time_analysis_s}.
 */
public final class BenignSteps implements StepRunner {
    private static final long serialVersionUID = 1L;

    public static final String STEP = "benign_run";

    static final Set<String> STEP_OPTIONS = Set.of("setting", "n", "d", "width", "alpha", "init_seed", "data_seed",
            "teacher_seed", "teacher_width", "lambda", "lr", "max_steps", "grad_tol", "global_tol", "kink_tol");

    @Override
    public Map<String, ?> run(String step, Map<String, Object> taskConfig, Map<String, Object> stepOptions,
                              Path taskDir, StepContext ctx) {
        Task t = Task.from(step, taskConfig, stepOptions);
        Global g = ctx.shared("benign-global:" + t.dataKey(), () -> Global.of(t));
        return run(t, g);
    }

    @Override
    public void validate(SweepSpec spec) {
        checkTaskKeys("base", spec.base().keySet());
        checkTaskKeys("grid", spec.grid().keySet());
        for (SweepSpec.Step s : spec.steps()) {
            if (!s.name().equals(STEP)) {
                throw new IllegalArgumentException("steps: '" + s.name() + "' is not a step of BenignSteps (it runs '" + STEP + "')");
            }
            for (String key : s.options().keySet()) {
                if (!STEP_OPTIONS.contains(key)) {
                    throw new IllegalArgumentException("steps." + STEP + "." + key + ": unknown option (known: " + new java.util.TreeSet<>(STEP_OPTIONS) + ")");
                }
            }
            for (var task : spec.tasks("validate")) Task.from(s.name(), task.config(), s.options());
        }
    }

    private static void checkTaskKeys(String where, Set<String> keys) {
        for (String key : keys) {
            if (!STEP_OPTIONS.contains(key)) {
                throw new IllegalArgumentException("spec: key '" + where + "." + key + "': step '" + STEP + "' has no option '" + key
                        + "'; its options: " + new java.util.TreeSet<>(STEP_OPTIONS));
            }
        }
    }

    /** One task's parameters, checked. */
    record Task(String setting, int n, int d, int width, double alpha, long initSeed, long dataSeed, long teacherSeed,
                int teacherWidth, double lambda, double lr, long maxSteps, double gradTol, double globalTol, double kinkTol) {

        static Task from(String step, Map<String, Object> config, Map<String, Object> options) {
            if (!STEP.equals(step)) throw new IllegalArgumentException("BenignSteps runs step '" + STEP + "', not '" + step + "'");
            for (String key : options.keySet()) {
                if (!STEP_OPTIONS.contains(key)) throw new IllegalArgumentException("steps." + STEP + "." + key + ": unknown option");
            }
            Map<String, Object> o = new HashMap<>(config);
            o.putAll(options);
            Object s = o.get("setting");
            if (!(s instanceof String setting) || !(setting.equals("orthogonal") || setting.equals("small_init_example"))) {
                throw new IllegalArgumentException("setting: expected 'orthogonal' or 'small_init_example', found " + s);
            }
            boolean ortho = setting.equals("orthogonal");
            int n = intOpt(o, "n", null), d = intOpt(o, "d", null);
            if (n < (ortho ? 1 : 3) || n > ConvexGlobal.MAX_N || d < n) {
                throw new IllegalArgumentException("n, d: expected " + (ortho ? 1 : 3) + " ≤ n ≤ " + ConvexGlobal.MAX_N + " and d ≥ n, found n = " + n + ", d = " + d);
            }
            int width = intOpt(o, "width", null);
            if (width < 1) throw new IllegalArgumentException("width: expected ≥ 1, found " + width);
            double alpha = num(o, "alpha", null);
            if (!(alpha > 0)) throw new IllegalArgumentException("alpha: expected > 0, found " + alpha);
            long initSeed = longOpt(o, "init_seed", null);
            long dataSeed = ortho ? longOpt(o, "data_seed", null) : 0;
            long teacherSeed = ortho ? longOpt(o, "teacher_seed", null) : 0;
            int teacherWidth = ortho ? intOpt(o, "teacher_width", 3L) : 0;
            double lambda = num(o, "lambda", ortho ? 0.01 : 1e-5);
            double lr = num(o, "lr", 0.01);
            long maxSteps = longOpt(o, "max_steps", 2_000_000L);
            double gradTol = num(o, "grad_tol", 1e-8);
            double globalTol = num(o, "global_tol", Classification.Tolerances.defaults().global());
            double kinkTol = num(o, "kink_tol", EndPointAnalysis.DEFAULT_KINK_TOL);
            if (!(lambda > 0) || !(lr > 0) || maxSteps < 1 || !(gradTol > 0) || !(globalTol > 0) || !(kinkTol >= 0)) {
                throw new IllegalArgumentException("lambda, lr, grad_tol, global_tol must be > 0, max_steps ≥ 1, kink_tol ≥ 0; found "
                        + lambda + ", " + lr + ", " + gradTol + ", " + globalTol + ", " + maxSteps + ", " + kinkTol);
            }
            return new Task(setting, n, d, width, alpha, initSeed, dataSeed, teacherSeed, teacherWidth, lambda, lr,
                    maxSteps, gradTol, globalTol, kinkTol);
        }

        BenignData data() {
            return setting.equals("orthogonal")
                    ? BenignData.orthogonal(n, d, dataSeed, teacherWidth, teacherSeed)
                    : BenignData.smallInitExample(n, d);
        }

        /** What the data set and the global value depend on. */
        String dataKey() {
            return setting + ":n=" + n + ":d=" + d + ":data_seed=" + dataSeed + ":teacher_seed=" + teacherSeed
                    + ":teacher_width=" + teacherWidth + ":lambda=" + lambda;
        }

        private static Object need(Map<String, Object> o, String key, Object dflt) {
            Object v = o.get(key);
            if (v == null) {
                if (dflt == null) throw new IllegalArgumentException(key + ": missing (required by step " + STEP + ")");
                return dflt;
            }
            return v;
        }

        static double num(Map<String, Object> o, String key, Double dflt) {
            Object v = need(o, key, dflt);
            if (!(v instanceof Number x)) throw new IllegalArgumentException(key + ": expected a number, found " + v);
            return x.doubleValue();
        }

        /**
         * An integer option. Refused where longValue would not be the number written: a decimal
         * of magnitude 2⁵³ or more (9007199254740993.0 is 2⁵³, 1.2345678901234568E17 is not the integer written; 1e19 became 2⁶³ − 1) and
         * an integer beyond 64 bits (2⁶⁴ became 0), as the sweep spec check refuses them for
         * the commands' integer options.
         */
        static long longOpt(Map<String, Object> o, String key, Long dflt) {
            Object v = need(o, key, dflt);
            if (!(v instanceof Number x) || x.doubleValue() != Math.rint(x.doubleValue())) {
                throw new IllegalArgumentException(key + ": expected an integer, found " + v);
            }
            if (x instanceof java.math.BigInteger b && b.bitLength() > 63) {
                throw new IllegalArgumentException(key + ": " + v + " is out of the 64-bit range");
            }
            if ((x instanceof Double || x instanceof Float) && Numbers.beyondExactWholes(x.doubleValue())) {
                throw new IllegalArgumentException(key + ": " + Numbers.notExactWhole(x.doubleValue()));
            }
            return x.longValue();
        }

        static int intOpt(Map<String, Object> o, String key, Long dflt) {
            long v = longOpt(o, key, dflt);
            if (v != (int) v) throw new IllegalArgumentException(key + ": " + v + " is out of range");
            return (int) v;
        }
    }

    /**
     * The data set's global value: the certified interval of {@link ConvexGlobal#solve}; for orthonormal
     * inputs also the closed form, which must lie in the interval (else this is a bug and the task
     * fails) and then narrows it to itself ± rounding.
     */
    record Global(BenignData data, double lower, double upper, double closedForm, double certifiedGap, double seconds) {
        static Global of(Task t) {
            long t0 = System.nanoTime();
            BenignData data = t.data();
            ConvexGlobal.Bounds b = ConvexGlobal.solve(data, t.lambda());
            double lo = b.lower(), hi = b.upper(), cf = Double.NaN;
            if (data.orthonormal()) {
                cf = ConvexGlobal.orthonormal(data.y(), t.lambda());
                double slack = 1e-12 * Math.max(1, Math.abs(cf));
                if (cf < lo - slack || cf > hi + slack) {
                    throw new IllegalStateException("closed-form global value " + cf + " outside the convex program's certified interval ["
                            + lo + ", " + hi + "] for " + t.dataKey());
                }
                lo = cf - slack;
                hi = cf + slack;
            }
            return new Global(data, lo, hi, cf, b.gap(), (System.nanoTime() - t0) * 1e-9);
        }

        ConvexGlobal.Bounds bounds() { return new ConvexGlobal.Bounds(lower, upper, new double[0], 0, 0, 0); }
    }

    static Map<String, Object> run(Task t, Global g) {
        long t0 = System.nanoTime();
        ReluNet init = ReluNet.init(t.width(), t.d(), t.alpha(), t.initSeed());
        PreactivationGd.Result res = new PreactivationGd(g.data(), init,
                new PreactivationGd.Options(t.lambda(), t.lr(), t.maxSteps(), t.gradTol(), 1e3)
                        .withValueBound(g.lower() + t.globalTol())).run();
        long t1 = System.nanoTime();
        EndPointAnalysis an = EndPointAnalysis.of(res.end(), t.kinkTol());
        Classification.Tolerances tol = new Classification.Tolerances(t.globalTol(), Classification.Tolerances.defaults().stationary(),
                Classification.Tolerances.defaults().descent(), Classification.Tolerances.defaults().curvature(),
                Classification.Tolerances.defaults().zeroNeuron());
        Classification c = Classification.of(res.status(), an, g.bounds(), tol);
        long t2 = System.nanoTime();
        double global = 0.5 * (g.lower() + g.upper());
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("class", c.kind().label());
        out.put("reason", c.reason());
        out.put("global_tol", t.globalTol());
        out.put("provisional_class", c.provisional().label());
        out.put("objective", an.objective());
        out.put("global_value", global);
        out.put("global_lower", g.lower());
        out.put("global_upper", g.upper());
        out.put("global_certified_gap", g.certifiedGap());
        out.put("gap", an.objective() - global);
        out.put("converged", res.status() == PreactivationGd.Status.CONVERGED);
        out.put("monotone", res.monotone());
        out.put("status", res.status().name().toLowerCase(java.util.Locale.ROOT));
        out.put("steps", res.steps());
        out.put("grad_norm", res.gradNorm());
        out.put("grad_norm_raw", res.gradNormRaw());
        out.put("objective_raw", res.objectiveRaw());
        out.put("dead_neurons", res.deadNeurons());
        out.put("live_neurons", an.liveNeurons());
        out.put("kinks", an.kinks());
        out.put("clarke_norm", an.clarkeNorm());
        out.put("descent_rate", an.descentRate());
        out.put("curvature_lower_bound", an.curvatureLowerBound());
        out.put("curvature_certificate", an.curvatureCertificate());
        out.put("zero_neuron_ratio", an.zeroNeuronRatio());
        out.put("step_size_min", res.minStepSize());
        out.put("step_size_last", res.lastStepSize());
        out.put("orthonormal", g.data().orthonormal());
        out.put("time_train_s", (t1 - t0) * 1e-9);
        out.put("time_global_s", g.seconds());
        out.put("time_analysis_s", (t2 - t1) * 1e-9);
        return out;
    }
}
