package dev.morse.cli;

import dev.morse.engine.Activation;
import dev.morse.engine.Batch;
import dev.morse.engine.Penalty;
import dev.morse.engine.Dataset;
import dev.morse.engine.FlopModel;
import dev.morse.engine.Problem;
import dev.morse.engine.Workload;
import dev.morse.engine.Loss;
import dev.morse.engine.Mlp;
import dev.morse.engine.Evaluator;
import dev.morse.engine.Part;
import dev.morse.linalg.BackendReport;
import dev.morse.linalg.Backends;
import dev.morse.linalg.DgemmCeiling;
import dev.morse.linalg.Linalg;
import dev.morse.linalg.NativeThreads;
import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code morse bench}: times Morse's exact products on a synthetic, seeded workload and reports the
 * median wall time per product, the GFLOP/s of a stated flop model and the fraction of the
 * machine's measured dgemm ceiling. A tool for users (check the speed claims on your own machine), not a
 * microbenchmark harness: each product is warmed up, then timed {@code --reps} times with
 * {@link System#nanoTime()}; the median is reported (and, with --json, every time).
 *
 * <p><b>Flop model</b> ({@link FlopModel}, the engine's one model, which the JMH benchmarks'
 * {@code dev.morse.bench.Workloads} calls too). It counts the dense-layer GEMM flops of
 * the algorithm Morse runs; elementwise work and the loss are ignored (O(N·d), not O(N·d²)). With
 * f_l = 2·N·d_{l−1}·d_l, F = Σ_l f_l (one forward pass) and F' = Σ_{l≥2} f_l:
 * gradient 2F + F'; hvp 3F + 5F'; ggn_vp 3F + 2F'; nme_vp 3F + 5F' − 2f_L; hvp_block k × hvp;
 * dense_hessian P × hvp. eigh (LAPACK dsyevd with eigenvectors): 4/3 n³ (tridiagonalization) +
 * 2 n³ (back-transformation), the divide-and-conquer tridiagonal stage not counted.
 *
 * <p><b>Ceiling</b>: the best rate of a square dgemm (n = {@value DgemmCeiling#N}) on the backend in
 * use, with one thread and with all cores, measured once per machine and backend and cached
 * ({@link DgemmCeiling}; {@code --calibrate} measures again, {@code --peak-gflops} replaces it).
 * A product run with t threads is compared with min(all cores, t × one thread). The nominal
 * peak (cores × FMA units × lanes of the Vector API species × 2 × clock) is printed for
 * information only: it rests on an assumed FMA unit count and clock.
 *
 * <p><b>Data</b> as in {@code Workloads.build}: inputs uniform on [−1, 1] and labels uniform in
 * [0, C) (cross-entropy) or targets uniform on [0, 1) (mse), from {@code SplittableRandom(seed)};
 * θ = {@link Mlp#initPyTorchDefault}(seed); product vectors standard normal from seed + 1.
 */
@Command(name = "bench", mixinStandardHelpOptions = true, sortOptions = false, usageHelpAutoWidth = true,
        description = {"Times the products on synthetic data: median ms, GFLOP/s and %% of the measured dgemm ceiling.",
                "%nProducts: gradient, hvp (H·v), ggn_vp (G·v), nme_vp (M·v), hvp_block (H·V, k vectors), dense_hessian; "
                        + "on request (--products) one training step with a penalty: gradient_norm_step, gradient_norm_ggn_step, sam_step, "
                        + "weight_noise_step, hessian_trace_step, ggn_trace_step (objective and gradient at a new θ, k = 1, --batch-size "
                        + "samples); --eigh N adds a dense eigendecomposition. Data, θ and vectors are seeded. GFLOP/s follow a stated flop "
                        + "model (dense-layer GEMM flops); the ceiling is a dgemm measured on this machine's backend (cached; --calibrate)."},
        footer = {"%nExample:",
                "  morse bench --model 784-256-256-10 --activation tanh --loss cross_entropy \\",
                "      --batch-size 1024"})
public final class BenchCommand implements Callable<Integer> {

    /**
     * Every product name this command knows, in report order. gradient, hvp, ggn_vp, nme_vp: θ may
     * change between calls, so every call runs the forward and backward passes (an optimizer's
     * situation, and PyHessian's per-call double backward).
     * *_cached, hvp_block, dense_hessian: θ fixed across calls (Lanczos, SLQ, dense spectra), so
     * the engine reuses each chunk's forward and backward passes (Evaluator.Settings#cacheStates).
     */
    public static final List<String> PRODUCTS = List.of("gradient", "hvp", "ggn_vp", "nme_vp",
            "hvp_cached", "ggn_vp_cached", "nme_vp_cached", "hvp_block", "dense_hessian");

    /**
     * One training step with a penalty of SPEC §11 (objective and gradient, θ new at every call, the
     * probe or noise drawn from the step's seed): not in the default list, ask with --products.
     * The penalties, with k = 1: {@link #PENALTY_SPECS}.
     */
    public static final List<String> PENALTY_PRODUCTS = List.of("gradient_norm_step", "gradient_norm_ggn_step", "sam_step",
            "weight_noise_step", "hessian_trace_step", "ggn_trace_step");

    /** The penalty each step product runs (ρ and σ² do not change the work). */
    static final Map<String, String> PENALTY_SPECS = Map.of("gradient_norm_step", "gradient_norm:0.1:1",
            "gradient_norm_ggn_step", "gradient_norm_ggn:0.1:1", "sam_step", "sam:0.05", "weight_noise_step", "weight_noise:0.01:1",
            "hessian_trace_step", "hessian_trace:0.1:1", "ggn_trace_step", "ggn_trace:0.1:1");

    /** dense_hessian joins the default product list only up to this P (P × P doubles, P H·v products). */
    static final int DEFAULT_DENSE_MAX_P = 5000;

    /** The JIT counts as quiet after this long without compiling. */
    static final long JIT_QUIET_NANOS = 500_000_000L;

    /** The warm-up stops after this long even if the JIT is still compiling. */
    static final long MAX_WARMUP_NANOS = 30_000_000_000L;


    @Option(names = "--model", description = "Layer widths d0-d1-…-dL (default: ${DEFAULT-VALUE}).")
    String model = "784-256-256-10";

    @Option(names = "--activation", description = "Hidden activation (default: ${DEFAULT-VALUE}); one of " + Activation.NAMES + ".")
    String activation = "tanh";

    @Option(names = "--loss", description = "mse or cross_entropy (default: ${DEFAULT-VALUE}).")
    String loss = "cross_entropy";

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    /** --batch-size as in train, --chunk-rows as in the analysis commands; --batch and --chunk, their old names, stay hidden ({@link #oldBatch}). */
    @Option(names = "--batch-size", converter = Checks.Positive.class, paramLabel = "N",
            description = "N, the number of samples the products run over (default: ${DEFAULT-VALUE}; --batch, its older name, works too).")
    int batch = 1024;

    /** --batch, the older name of --batch-size (bench scripts and compare.py use it): hidden, so the help shows the common name. */
    @Option(names = "--batch", converter = Checks.Positive.class, paramLabel = "N", hidden = true)
    void oldBatch(Integer n) {
        if (n != null) batch = n;   // null: picocli applying the (absent) default
    }

    @Option(names = "--threads", converter = Checks.Threads.class, description = "Worker threads (default: all cores); also OpenBLAS's threads for --eigh.")
    Integer threads;

    @Option(names = "--chunk-rows", converter = Checks.Positive.class, paramLabel = "ROWS",
            description = "Most rows per chunk of the engine (default 256; the engine cuts N into at least 8 chunks once N ≥ 512, "
                    + "whatever the thread count; --chunk, its older name, works too).")
    Integer chunk;

    /** --chunk, the older name of --chunk-rows: hidden, as {@link #oldBatch}. */
    @Option(names = "--chunk", converter = Checks.Positive.class, paramLabel = "ROWS", hidden = true)
    void oldChunk(Integer rows) {
        if (rows != null) chunk = rows;
    }

    @Option(names = "--k", converter = Checks.Positive.class, description = "Vectors in the block product hvp_block (default: ${DEFAULT-VALUE}).")
    int k = 16;

    @Option(names = "--warmup", converter = Checks.NonNegative.class, description = "Warm-up rounds: every product is called this many times "
            + "(round-robin) before any is timed, and the warm-up goes on until the JIT is quiet; then each product is called this many "
            + "times again right before its timed calls (fewer after --warmup-seconds); 0 skips both (default: ${DEFAULT-VALUE}).")
    int warmup = 5;

    @Option(names = "--warmup-seconds", converter = Checks.NonNegativeReal.class, description = "The warm-up lasts at least this long "
            + "(default: ${DEFAULT-VALUE}); --eigh is warmed up by --warmup calls only (native LAPACK, no JIT).")
    double warmupSeconds = 1.0;

    @Option(names = "--reps", converter = Checks.Positive.class, description = "Timed calls per product; the median is reported (default: ${DEFAULT-VALUE}).")
    int reps = 20;

    @Option(names = "--products", split = ",",
            description = "Products to time, comma-separated, among gradient, hvp, ggn_vp, nme_vp, hvp_block, dense_hessian "
                    + "and the penalty steps *_step (or 'none'). Default: all but the penalty steps, dense_hessian only when "
                    + "P ≤ " + DEFAULT_DENSE_MAX_P + "; with --eigh alone: none.")
    List<String> products;

    @Option(names = "--eigh", converter = Checks.Positive.class, paramLabel = "N",
            description = "Also time the dense eigendecomposition (values and vectors, LAPACK dsyevd) of a seeded random symmetric N×N matrix, as product 'eigh'.")
    Integer eighN;

    @Option(names = "--seed", converter = Checks.Seed.class, description = "Seed of data, θ, vectors and the eigh matrix (default: ${DEFAULT-VALUE}).")
    long seed = 42;

    @Option(names = "--peak-gflops", converter = Checks.PositiveReal.class, description = "Use this FP64 ceiling in GFLOP/s (all cores) "
            + "instead of the measured dgemm ceiling (default: measured once per machine and backend, then cached).")
    Double peakGflops;

    @Option(names = "--calibrate", description = "Measure the dgemm ceiling again (a few seconds) instead of using the cached one.")
    boolean calibrate;

    @WritesFiles

    @Option(names = "--json", paramLabel = "FILE", arity = "0..1", fallbackValue = "-",
            description = "Write the results as JSON to FILE ('-', or no FILE: standard output, instead of the table).")
    java.nio.file.Path json;

    @Option(names = "--force", description = "Overwrite an existing --json file (never done without it).")
    boolean force;

    /** One timed product. */
    record Timing(String name, double flops, String flopModel, double[] timesMs, double[] cpuMs) {
        double medianMs() {
            return median(timesMs);
        }

        double minMs() {
            return Arrays.stream(timesMs).min().orElse(Double.NaN);
        }

        double gflops() {
            return flops / (medianMs() * 1e6);
        }
    }

    /**
     * Machine facts for the fractions: the measured ceiling (or --peak-gflops), and the nominal
     * peak as information.
     */
    record Machine(int cores, String cpu, DgemmCeiling.Result ceiling, double givenGflops, DgemmCeiling.Nominal nominal) {
        /** The ceiling for a product run with t threads. */
        double ceilingFor(int t) {
            return ceiling == null ? givenGflops : ceiling.forThreads(t);
        }

        String ceilingSource() {
            return ceiling == null ? "--peak-gflops" : ceiling.cached() ? "cached" : "measured";
        }
    }

    @Override
    public Integer call() {
        validate();
        OutputFiles files = new OutputFiles(force);
        try {
            java.nio.file.Path jsonFile = json == null || json.toString().equals("-") ? null : files.plan("--json", json);
            int code = run(json != null && jsonFile == null, jsonFile, files);
            files.commit(jsonFile);
            return code;
        } finally {
            files.abort();
        }
    }

    private int run(boolean jsonStdout, java.nio.file.Path jsonFile, OutputFiles files) {
        int t = threads == null ? Runtime.getRuntime().availableProcessors() : threads;
        List<String> wanted = productList();

        Evaluator obj = null;
        Warmup warmupInfo = null;
        Map<String, Object> config = new LinkedHashMap<>();
        List<Timing> timings = new ArrayList<>();
        double[] modelFlops = null;
        Evaluator fresh = null;
        try {
            if (!wanted.isEmpty()) {
                obj = build(t, true);
                fresh = build(t, false);
                modelFlops = flopTerms(obj);
                String widths = model;
                if (!jsonStdout) {
                    System.out.printf(Locale.ROOT, "morse bench: %s %s %s, N=%d, P=%d, threads=%d, chunk=%d, k=%d, warm-up %d, reps %d%n",
                            widths, activation, loss, batch, obj.dim(), obj.threads(), obj.chunkRows(), k, warmup, reps);
                }
                double[] theta = obj.problem().model().initPyTorchDefault(seed);
                List<Bench> benches = new ArrayList<>();
                for (String name : wanted) {
                    if (PENALTY_PRODUCTS.contains(name)) {
                        Evaluator pe = penaltyEvaluator(obj, name, t);
                        penaltyEvaluators.add(pe);
                        benches.add(preparePenaltyStep(pe, theta, name));
                    } else {
                        benches.add(prepare(cached(name) ? obj : fresh, theta, name, modelFlops));
                    }
                }
                warmupInfo = warmUp(benches);
                for (Bench b : benches) timings.add(measure(b));
            }
            if (eighN != null) {
                timings.add(timeEigh(eighN, t));
            }
            // The ceiling is measured after the products (it would warm the cores up differently before).
            Machine machine = machine();
            double[] ceilings = new double[timings.size()];
            for (int i = 0; i < ceilings.length; i++) {
                // dsyevd runs on one OpenBLAS thread whatever the scope (the same bits for any count, SPEC §8)
                ceilings[i] = machine.ceilingFor(timings.get(i).name().equals("eigh") ? 1 : obj == null ? t : obj.threads());
            }

            config.put("model", model);
            config.put("activation", activation);
            config.put("loss", loss);
            config.put("batch", batch);
            config.put("threads", t);
            config.put("engine_threads", obj == null ? null : obj.threads());
            config.put("chunk", obj == null ? null : obj.chunkRows());
            config.put("chunks", obj == null ? null : obj.chunks());
            config.put("k", k);
            config.put("warmup", warmup);
            config.put("warmup_seconds", warmupSeconds);
            config.put("reps", reps);
            config.put("seed", seed);
            config.put("P", obj == null ? null : obj.dim());
            config.put("eigh_n", eighN);

            BackendReport backend = Backends.report();
            String text = BenchOutput.toJson(config, machine, backend, timings, ceilings, modelFlops, warmupInfo);
            if (jsonStdout) {
                System.out.println(text);
            } else {
                BenchOutput.printText(machine, backend, timings, ceilings, modelFlops, obj, warmupInfo, k);
            }
            if (jsonFile != null) files.writeText(jsonFile, text + "\n");
            return 0;
        } finally {
            if (obj != null) obj.close();
            if (fresh != null) fresh.close();
            for (Evaluator e : penaltyEvaluators) e.close();
        }
    }

    private final List<Evaluator> penaltyEvaluators = new ArrayList<>();

    /**
     * The workload's problem with the step's penalty, with the state cache (a step's gradient and
     * products share its forward pass) and the smallest chunk of training ({@code Trainer.settings}:
     * a minibatch of 128 is two chunks of 64, not four of 32), as {@code morse train} runs a step.
     */
    private Evaluator penaltyEvaluator(Evaluator base, String name, int t) {
        Evaluator.Settings s = dev.morse.training.Trainer.settings(Evaluator.Settings.defaults().withThreads(t));
        if (chunk != null) s = s.withChunkRows(chunk);
        return Evaluator.open(base.problem().withTerms(Penalty.parse(PENALTY_SPECS.get(name))), s);
    }

    /**
     * One training step: objective and gradient at a θ that differs from the previous call's (the
     * first entry alternates between two values, so no pass is reused from the last step), with the
     * batch's step seed alternating too (a new probe or noise vector, drawn inside the step).
     */
    private Bench preparePenaltyStep(Evaluator o, double[] theta0, String name) {
        int p = o.dim();
        double[] theta = theta0.clone();
        double[] out = new double[p];
        double[] sink = new double[1];
        Batch[] steps = {Batch.all().withSeed(seed), Batch.all().withSeed(seed + 1)};
        double a = theta[0], b = theta[0] + 1e-9;
        int[] step = {0};
        Runnable call = () -> {
            int i = step[0]++ & 1;
            theta[0] = i == 0 ? a : b;
            sink[0] += o.lossAndGradient(steps[i], theta, out);
        };
        return new Bench(name, call, out, sink, FlopModel.of(name, o.problem().model(), o.problem().size(), false));
    }

    // ------------------------------------------------------------------ setup

    /** Cross-option and model checks; single values are checked by their converters ({@link Checks}). */
    private void validate() {
        // bench is no BaseCommand: the backend contradiction its commands refuse first (BaseCommand.checkParsed)
        String backends = dev.morse.linalg.Linalg.configurationError();
        if (backends != null) throw CliException.usage(backends);
        picocli.CommandLine.ParseResult parsed = spec == null ? null : spec.commandLine().getParseResult();
        if (parsed != null) {
            for (String[] names : new String[][] {{"--batch-size", "--batch"}, {"--chunk-rows", "--chunk"}}) {
                if (parsed.hasMatchedOption(names[0]) && parsed.hasMatchedOption(names[1])) {
                    throw CliException.usage(names[1] + " is the older name of " + names[0] + "; give one of them");
                }
            }
        }
        Checks.widths(model);
        Checks.specNumbers("--activation", activation);
        if (eighN != null && parsed != null && productList().isEmpty()) {
            // --eigh alone times a seeded random matrix: the products' options were dropped in silence
            for (String o : List.of("--model", "--activation", "--loss", "--batch-size", "--batch", "--chunk-rows", "--chunk", "--k", "--warmup-seconds")) {
                if (!parsed.hasMatchedOption(o)) continue;
                List<String> v = parsed.matchedOption(o).stringValues();
                String what = "--eigh " + eighN + " times no product" + (products == null ? "" : " (--products none)") + ", so " + o + " "
                        + (v.isEmpty() ? "" : v.get(v.size() - 1)) + " would be ignored; ";
                throw Checks.usage(o, what + (o.equals("--warmup-seconds") ? "eigh is warmed up by --warmup calls only: remove it, or add --products"
                        : "it sets the products' network and data, and eigh times a seeded random " + eighN + "×" + eighN
                        + " matrix: remove it, or add --products"));
            }
        }
        if (eighN != null) {
            // The matrix, its eigenvectors and dsyevd's workspace (about 2n²): four n×n arrays.
            Estimates.check("--eigh " + eighN + " (" + eighN + "×" + eighN + " matrix, eigenvectors and LAPACK workspace)", (double) eighN * eighN,
                    8.0 * 4 * eighN * eighN, "Give a smaller --eigh N, or " + Estimates.HEAP);
        }
    }

    private List<String> productList() {
        if (products == null) {
            if (eighN != null) return List.of();
            List<String> all = new ArrayList<>(PRODUCTS);
            long p = Mlp.of(Activation.IDENTITY, Mlp.parseWidths(model)).numParameters();
            if (p > DEFAULT_DENSE_MAX_P) all.remove("dense_hessian");
            return all;
        }
        List<String> out = new ArrayList<>();
        for (String s : products) {
            String name = s.trim().toLowerCase(Locale.ROOT);
            if (name.isEmpty() || name.equals("none")) continue;
            if (!PRODUCTS.contains(name) && !PENALTY_PRODUCTS.contains(name)) {
                throw CliException.usage("unknown product '" + s + "'; known: " + String.join(", ", PRODUCTS) + ", "
                        + String.join(", ", PENALTY_PRODUCTS) + " (or none)");
            }
            if (!out.contains(name)) out.add(name);
        }
        return out;
    }

    /** Products at a fixed θ, which reuse the chunks' forward and backward passes. */
    static boolean cached(String product) {
        return product.endsWith("_cached") || product.equals("hvp_block") || product.equals("dense_hessian");
    }

    /**
     * The {@link Workload} the JMH benchmarks use too (seed from --seed): seeded uniform inputs,
     * random labels or targets. A model and loss that do not fit (cross_entropy on one output) is
     * a usage error.
     */
    private Evaluator build(int t, boolean cacheStates) {
        Problem problem;
        Mlp mlp = null;
        Loss lossFunction = null;
        try {
            mlp = Mlp.of(Activation.parse(activation), Mlp.parseWidths(model));
            lossFunction = Loss.parse(loss);
            problem = new Workload(mlp, lossFunction, batch, seed).problem();
        } catch (IllegalArgumentException e) {
            boolean oneOutput = mlp != null && mlp.outputDim() == 1 && lossFunction == Loss.CROSS_ENTROPY;
            throw CliException.usage("--model " + model + " --activation " + activation + " --loss " + loss + ": " + e.getMessage()
                    + (oneOutput ? " (one output: use --loss mse)" : ""));
        }
        Evaluator.Settings s = Evaluator.Settings.defaults().withThreads(t).withCacheStates(cacheStates);
        if (chunk != null) s = s.withChunkRows(chunk);
        return Evaluator.open(problem, s);
    }

    // ------------------------------------------------------------------ flop model (engine FlopModel)

    /** {F, F', f_L} of the model ({@link FlopModel#terms}). */
    static double[] flopTerms(Evaluator o) {
        return FlopModel.terms(o.problem().model(), o.problem().size());
    }

    /** Flops of one call of a product by {@link FlopModel}; hvp_block = k × cached hvp, dense_hessian = P × cached hvp. */
    static double flops(Evaluator o, String product, int k) {
        int n = o.problem().size();
        Mlp m = o.problem().model();
        return switch (product) {
            case "hvp_block" -> k * FlopModel.of("hvp", m, n, true);
            case "dense_hessian" -> (double) o.dim() * FlopModel.of("hvp", m, n, true);
            default -> FlopModel.of(product.replace("_cached", ""), m, n, cached(product));
        };
    }

    static String flopModel(String product) {
        if (PENALTY_PRODUCTS.contains(product)) return FlopModel.formula(product, false);
        return switch (product) {
            case "hvp_block" -> "k (" + FlopModel.formula("hvp", true) + ")";
            case "dense_hessian" -> "P (" + FlopModel.formula("hvp", true) + ")";
            case "eigh" -> "4/3 n^3 + 2 n^3";
            default -> FlopModel.formula(product.replace("_cached", ""), cached(product));
        };
    }

    // ------------------------------------------------------------------ timing

    /** A product ready to run: the call, its result buffer and a sink that keeps the JIT honest. */
    record Bench(String name, Runnable call, double[] out, double[] sink, double flops) {
    }

    /** What the warm-up did: calls of each product, seconds, JIT compilation time, whether the JIT went quiet. */
    record Warmup(int rounds, double seconds, long jitMs, boolean jitQuiet) {
    }

    private Bench prepare(Evaluator o, double[] theta, String name, double[] terms) {
        int p = o.dim();
        SplittableRandom r = new SplittableRandom(seed + 1);
        int kk = name.equals("hvp_block") ? k : 1;
        double[] v = new double[Math.multiplyExact(kk, p)];
        for (int i = 0; i < v.length; i++) v[i] = r.nextGaussian();
        double[] out = new double[v.length];
        double[] sink = new double[1];
        Runnable call = switch (name) {
            case "gradient" -> () -> sink[0] += o.dataLossAndGradient(theta, out);
            case "hvp", "hvp_cached" -> () -> o.hvp(theta, v, out);
            case "ggn_vp", "ggn_vp_cached" -> () -> o.ggnVp(theta, v, out);
            case "nme_vp", "nme_vp_cached" -> () -> o.nmeVp(theta, v, out);
            case "hvp_block" -> () -> o.apply(Part.HESSIAN, theta, v, out, kk);
            case "dense_hessian" -> () -> {
                double[] h = o.dense(Part.HESSIAN, theta);
                sink[0] += h[h.length - 1];
            };
            default -> throw new IllegalArgumentException("unknown product " + name);
        };
        return new Bench(name, call, out, sink, flops(o, name, k));
    }

    /**
     * Warms the JIT up on all products together, round-robin, until every product has had
     * {@code --warmup} calls, {@code --warmup-seconds} have passed, and the JIT has compiled
     * nothing for {@link #JIT_QUIET_NANOS} (its compiler threads share the cores with the engine's
     * workers, so timing while it still compiles measures the compiler); at most
     * {@link #MAX_WARMUP_NANOS}. {@code --warmup 0} skips the warm-up.
     */
    private Warmup warmUp(List<Bench> benches) {
        if (warmup == 0 || benches.isEmpty()) return new Warmup(0, 0, 0, false);
        CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
        boolean monitor = jit != null && jit.isCompilationTimeMonitoringSupported();
        long start = System.nanoTime();
        long minNanos = (long) (warmupSeconds * 1e9);
        long jit0 = monitor ? jit.getTotalCompilationTime() : 0;
        long lastJit = jit0;
        long quietSince = start;
        int rounds = 0;
        boolean quiet = !monitor;
        while (true) {
            for (Bench b : benches) b.call().run();
            rounds++;
            long now = System.nanoTime();
            if (monitor) {
                long c = jit.getTotalCompilationTime();
                if (c != lastJit) {
                    lastJit = c;
                    quietSince = now;
                }
                quiet = now - quietSince >= JIT_QUIET_NANOS;
            }
            if (rounds >= warmup && now - start >= minNanos && quiet) break;
            if (now - start >= Math.max(MAX_WARMUP_NANOS, minNanos)) break;
        }
        return new Warmup(rounds, (System.nanoTime() - start) / 1e9, monitor ? lastJit - jit0 : -1, quiet);
    }

    /**
     * Up to {@code --warmup} untimed calls of this product (the others ran since), fewer once they
     * have taken {@code --warmup-seconds} (a dense Hessian near P = 5000 takes seconds), as the
     * PyTorch side of bench/compare gives its variants their warm-up calls right before their timed
     * ones; then {@code --reps} timed calls (wall and process CPU time). With one untimed
     * call, the 784-256-256-10 gradient timed first after the round-robin had calls of 20–29 ms
     * against a steady 12 in each of 4 JVMs (2 vCPUs), with {@code --warmup 3} untimed calls one
     * of 12 calls above 1.5× (bench/RESULTS.md). The JIT was still compiling then: C2 compiled
     * {@code ChunkPass.blockTangent} after the round-robin's quiet 0.5 s, on one of the two cores.
     */
    private Timing measure(Bench b) {
        long start = System.nanoTime(), budget = (long) (warmupSeconds * 1e9);
        for (int i = 0; i < warmup && (i == 0 || System.nanoTime() - start < budget); i++) b.call().run();
        double[] ms = new double[reps];
        double[] cpu = new double[reps];
        for (int i = 0; i < reps; i++) {
            long c0 = ProcessCpuTime.nanos();
            long t0 = System.nanoTime();
            b.call().run();
            ms[i] = (System.nanoTime() - t0) / 1e6;
            cpu[i] = c0 < 0 ? Double.NaN : (ProcessCpuTime.nanos() - c0) / 1e6;
        }
        if (!Double.isFinite(b.sink()[0]) || !Double.isFinite(b.out()[0])) {
            throw new IllegalStateException(b.name() + " produced a non-finite value");
        }
        return new Timing(b.name(), b.flops(), flopModel(b.name()), ms, cpu);
    }

    /**
     * Dense symmetric eigendecomposition with vectors (dsyevd) in a scope of {@code t} threads, as
     * the commands run it: Linalg runs dsyevd itself on one OpenBLAS thread (its threaded reduction
     * changes the last bits with the count).
     */
    private Timing timeEigh(int n, int t) {
        long nn = (long) n * n;
        if (nn > Integer.MAX_VALUE - 8) throw CliException.usage("--eigh " + n + " is too large for one array");
        double[] a = new double[(int) nn];
        SplittableRandom r = new SplittableRandom(seed);
        for (int i = 0; i < n; i++) {
            for (int j = i; j < n; j++) {
                double u = 2 * r.nextDouble() - 1;
                a[i * n + j] = u;
                a[j * n + i] = u;
            }
        }
        double[] work = new double[a.length];
        Linalg la = Linalg.get();
        double[] ms = new double[reps];
        double[] cpu = new double[reps];
        double[] sink = new double[1];
        try (NativeThreads.Scope scope = NativeThreads.dense(t)) {
            for (int i = 0; i < warmup + reps; i++) {
                System.arraycopy(a, 0, work, 0, a.length);   // not timed: eighInPlace destroys its input
                long c0 = ProcessCpuTime.nanos();
                long t0 = System.nanoTime();
                sink[0] += la.eighInPlace(work, n, true).values()[n - 1];
                double dt = (System.nanoTime() - t0) / 1e6;
                if (i >= warmup) {
                    ms[i - warmup] = dt;
                    // OpenBLAS's threads are native: only the process clock counts them, not the fallback's sum over Java threads
                    cpu[i - warmup] = c0 < 0 || !ProcessCpuTime.ProcessClock.WORKS ? Double.NaN : (ProcessCpuTime.nanos() - c0) / 1e6;
                }
            }
        }
        if (!Double.isFinite(sink[0])) throw new IllegalStateException("eigh produced a non-finite value");
        double flops = (4.0 / 3.0 + 2.0) * n * (double) n * n;
        return new Timing("eigh", flops, flopModel("eigh"), ms, cpu);
    }

    static double median(double[] xs) {
        double[] s = xs.clone();
        Arrays.sort(s);
        int m = s.length / 2;
        return s.length % 2 == 1 ? s[m] : 0.5 * (s[m - 1] + s[m]);
    }

    // ------------------------------------------------------------------ machine

    private Machine machine() {
        int cores = Runtime.getRuntime().availableProcessors();
        DgemmCeiling.Nominal nominal = DgemmCeiling.nominal();
        if (peakGflops != null) {
            return new Machine(cores, DgemmCeiling.key().split(" \\| ")[0], null, peakGflops, nominal);
        }
        if (!(json != null && json.toString().equals("-")) && calibrate) {
            System.out.println("measuring the dgemm ceiling (n=" + DgemmCeiling.N + ", a few seconds)...");
        }
        DgemmCeiling.Result c = calibrate ? DgemmCeiling.measure() : DgemmCeiling.get();
        return new Machine(cores, c.key().split(" \\| ")[0], c, Double.NaN, nominal);
    }
}
