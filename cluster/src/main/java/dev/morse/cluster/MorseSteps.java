package dev.morse.cluster;

import dev.morse.io.Numbers;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.StringJoiner;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.spark.TaskContext;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

/**
 * Morse's analyses as sweep steps: a step IS the command-line command of the same name, run
 * in-process in the executor JVM through {@code dev.morse.cli.Main.run}, so every option,
 * check, default and report is exactly the CLI's. Any command is a step ({@code init},
 * {@code fit}, {@code train}, {@code morse}, {@code spectrum}, {@code trace}, {@code density}, and
 * whatever the CLI gains, such as {@code eval}), plus one alias: {@code refine} is
 * {@code fit} with {@code optimizer = newton} (refinement to the nearest critical point, SPEC §6;
 * its options may override that).
 *
 * <p><b>Options.</b> Keys are those of {@code --config} files (option names without dashes;
 * {@code grad_tol} and {@code grad-tol} alike, but one of them: both in base and grid, or both in
 * one step, are refused). A task-config key (base, then the grid point) goes
 * to every step whose command has that option; a step's own options override it. A key that no
 * step takes is refused by {@link #validate} (naming the key), so is a step option its command does
 * not have, and so is a value the command would refuse: each step's command line is parsed on the
 * driver as the CLI parses it ({@code dev.morse.cli.Main.Checker}), for every distinct config it
 * gets, before Spark starts. Each step runs as {@code morse <command> --config <step>-config.json} with
 * its outputs on the command line: that file, in the task folder, holds what the step ran with
 * (values as text, so large integers stay exact), output names relative to the task folder, and
 * reruns it by hand, writing those outputs into the current folder, not over the sweep's files.
 *
 * <p><b>Files.</b> In the task folder: {@code <step>.json} (the command's {@code --json} report),
 * {@code <step>.log} (its output), {@code <step>-config.json}; {@code <step>-theta.npy} for commands
 * with {@code --save} (θ), unless the step names another file. Later steps get the latest θ as
 * {@code --weights} unless their own options give {@code weights}, or {@code init} (a new θ); so
 * {@code fit} then {@code morse} analyses the fitted point, and an {@code init} step seeds every
 * later one. A step that gets the latest θ does not get the task's {@code init}, nor its
 * {@code seed} where that seeds only init (all commands but {@code train}): they made that θ in
 * an earlier step, and the command refuses them next to weights. Options that name
 * outputs (every option the CLI marks as naming a file it writes, {@link dev.morse.cli.Main#writesFiles}:
 * {@code save}, {@code plots}, {@code save_vectors}, {@code save_gradient}, {@code checkpoint_dir},
 * {@code out}; train's {@code resume} is refused, {@link #RESUME}) are per step, relative to the task folder ({@code "plots": true} means {@code <step>-plots/}); plots are drawn only when
 * asked. The folder is renamed when the task commits: absolute paths in the step's files are
 * rewritten to the committed folder, and the row holds paths relative to it (also inside text such
 * as {@code morse.problem.weights}), so rows do not depend on where the sweep's folder is.
 *
 * <p><b>Outputs</b> (the row's {@code step.field} columns): {@code exit_code}, and the JSON report
 * flattened: scalars as {@code step.field} ({@code morse.nullity}), nested objects with dots
 * ({@code morse.tau_inputs.scale}, {@code fit.timings.total}), flat arrays of at most
 * {@value #MAX_ARRAY} values ({@code morse.nearest_zero}); longer arrays, arrays of objects, and
 * the report's {@code config} (already the row's columns), {@code backend} (per executor; in the
 * file), {@code created}, {@code command}, {@code morse_version} and {@code outputs} stay in the
 * file only.
 *
 * <p><b>Failures.</b> A non-zero exit code fails the task ({@link StepFailedException}): its row is
 * {@code failed}, {@code error} is {@code exit N (what): <the command's message>}, and it carries the
 * failing step's outputs (with {@code step.exit_code}), e.g. exit 3 "numerical" (no convergence, a
 * refinement that did not reach a critical point): the report it wrote is recorded, later steps do
 * not run, and {@code sweep run --retry-failed} runs it again.
 *
 * <p><b>Threads.</b> Each step's engine gets {@code spark.task.cpus} threads (1 by default) unless
 * the config sets {@code threads}: an executor runs that many tasks at once, each with its own
 * evaluator, and {@code NativeThreads} keeps OpenBLAS at one thread while several run. Data sets
 * are loaded once per executor JVM (the CLI's data cache).
 */
public final class MorseSteps implements StepRunner {
    private static final long serialVersionUID = 1L;

    /** Arrays longer than this stay in the step's JSON report only. */
    public static final int MAX_ARRAY = 64;

    /** A step that is a command with preset options. */
    record Alias(String command, Map<String, Object> defaults) {}

    static final Map<String, Alias> ALIASES = Map.of("refine", new Alias("fit", Map.of("optimizer", "newton")));

    /** Options the sweep sets for every step (normalized names): never in a spec. */
    static final Set<String> MANAGED = Set.of("json", "config", "force", "quiet", "master", "partitions");

    /**
     * train's {@code --resume}: never in a spec. Each attempt of a task runs in a new, empty folder
     * ({@code tasks/<id>.tmp-<attempt>-<random>/}) and a step name appears once in the steps, so
     * nothing has written a checkpoint there when the step reads it: the step would fail at run
     * time ("no such folder"). A sweep resumes by task instead (a rerun runs the tasks not done),
     * and {@code checkpoint_dir} keeps a step's checkpoints in its task folder.
     */
    static final String RESUME = "resume";

    static final String NO_RESUME = "a task's folder is new and empty on each attempt and each step runs once, "
            + "so no checkpoint is there for --resume to continue; a sweep resumes by task (a rerun runs the tasks not done), "
            + "and checkpoint_dir keeps a step's checkpoints in its task folder";

    /**
     * Options that name per-step outputs (normalized names): in a step's options only, relative to
     * the task folder. Not a list of our own: every option the CLI marks as naming a file it
     * writes ({@link dev.morse.cli.Main#writesFiles}), in any command, but {@code json} (which the
     * sweep sets itself, {@link #MANAGED}).
     */
    static Set<String> outputs() {
        return model().allOutputs();
    }

    /** The output options of one command (normalized names), {@code json} excluded. */
    static Set<String> outputs(String command) {
        return model().outputs().get(command);
    }

    /** The output options of plots, which only the commands that draw take. */
    static final Set<String> PLOT_OPTIONS = Set.of("plots", "plot-format");

    /**
     * Options that shape plots and go with --plots (the commands refuse them without it): a task's
     * value reaches only the steps that draw plots; a step's own value stays, and is refused there
     * without plots.
     */
    static final Set<String> WITH_PLOTS = Set.of("plot-format", "log-scale");

    /** Report members that do not go into rows (see the class comment). */
    static final Set<String> NOT_IN_ROWS = Set.of("config", "backend", "created", "command", "morse_version", "outputs");

    /** Commands that make no sense as steps. */
    static final Set<String> NOT_STEPS = Set.of("help");

    /** How a step runs its command in this JVM: {@link dev.morse.cli.Main#run(PrintWriter, PrintWriter, String...)}. */
    @FunctionalInterface
    interface Cli extends java.io.Serializable {
        int run(PrintWriter out, PrintWriter err, String... args);
    }

    private final Cli cli;

    /** The steps of the CLI's commands. */
    public MorseSteps() {
        this(dev.morse.cli.Main::run);
    }

    /** Steps that run their commands through {@code cli} (tests: a command that ends as Ctrl-C ends one). */
    MorseSteps(Cli cli) {
        this.cli = cli;
    }

    // ------------------------------------------------------------------ the CLI's commands

    /**
     * The CLI's commands as steps see them: each command's options (normalized name → type, and
     * picocli's model of each, for defaults), the numbers and flags its own checks combine with
     * other options ({@link dev.morse.cli.Main#checkedInCombination}), and the options --weights
     * leaves unused ({@link dev.morse.cli.Main#unusedWithWeights}).
     */
    private record Commands(Map<String, Map<String, Class<?>>> options, Map<String, Map<String, OptionSpec>> specs,
                            Map<String, Set<String>> combined, Map<String, Set<String>> unused,
                            Map<String, Set<String>> outputs, Set<String> allOutputs) {}

    /** Built once per JVM from the CLI's picocli model. */
    private static volatile Commands model;

    private static Commands model() {
        Commands c = model;
        if (c == null) {
            Map<String, Map<String, Class<?>>> m = new TreeMap<>();
            Map<String, Map<String, OptionSpec>> specs = new TreeMap<>();
            Map<String, Set<String>> combined = new TreeMap<>();
            Map<String, Set<String>> unused = new TreeMap<>();
            Map<String, Set<String>> outputs = new TreeMap<>();
            Set<String> allOutputs = new TreeSet<>();
            CommandLine root = new CommandLine(new dev.morse.cli.Main());
            for (Map.Entry<String, CommandLine> e : root.getSubcommands().entrySet()) {
                if (NOT_STEPS.contains(e.getKey())) continue;
                Map<String, Class<?>> opts = new TreeMap<>();
                Map<String, OptionSpec> models = new TreeMap<>();
                Set<String> together = new TreeSet<>();
                Set<String> written = new TreeSet<>();
                boolean plots = dev.morse.cli.Main.drawsPlots(e.getValue().getCommandSpec());
                for (OptionSpec o : e.getValue().getCommandSpec().options()) {
                    if (o.usageHelp() || o.versionHelp()) continue;
                    String name = normalize(o.longestName());
                    // trace and eval refuse the plot options (hidden there, OutputOptions.NoPlots): not
                    // theirs, so a task's plot_format goes only to the steps that draw
                    if (!plots && PLOT_OPTIONS.contains(name)) continue;
                    opts.put(name, o.type());
                    models.put(name, o);
                    if (dev.morse.cli.Main.checkedInCombination(o)) together.add(name);
                    if (dev.morse.cli.Main.writesFiles(o) && !MANAGED.contains(name)) written.add(name);
                }
                // the commands that do not draw still refuse --plots: a name outside the task folder too
                for (OptionSpec o : e.getValue().getCommandSpec().options()) {
                    String name = normalize(o.longestName());
                    if (dev.morse.cli.Main.writesFiles(o) && !MANAGED.contains(name)) allOutputs.add(name);
                }
                outputs.put(e.getKey(), Collections.unmodifiableSet(written));
                m.put(e.getKey(), Collections.unmodifiableMap(opts));
                specs.put(e.getKey(), Collections.unmodifiableMap(models));
                combined.put(e.getKey(), Collections.unmodifiableSet(together));
                unused.put(e.getKey(), dev.morse.cli.Main.unusedWithWeights(e.getValue().getCommandSpec()));
            }
            model = c = new Commands(Collections.unmodifiableMap(m), Collections.unmodifiableMap(specs),
                    Collections.unmodifiableMap(combined), Collections.unmodifiableMap(unused),
                    Collections.unmodifiableMap(outputs), Collections.unmodifiableSet(allOutputs));
        }
        return c;
    }

    /** Each command's options: normalized name → type. */
    static Map<String, Map<String, Class<?>>> commands() {
        return model().options();
    }

    /** picocli's model of a command's option (normalized name). */
    static OptionSpec optionSpec(String command, String option) {
        return model().specs().get(command).get(option);
    }

    /** The options of a command that --weights leaves unused: init, and seed where it seeds only init. */
    private static Set<String> unusedWithWeights(String command) {
        return model().unused().get(command);
    }

    /**
     * The numbers and flags of a command that its own checks combine with other options (train's
     * momentum with the optimizer, trace's probes with the method and P, spectrum's basis with k): checked in every combination
     * with the others, not value by value ({@code MorseStepsCheck.checkCommandLines}).
     */
    static Set<String> combined(String command) {
        return model().combined().getOrDefault(command, Set.of());
    }

    /** A key as the CLI's config files read it: no leading dashes, underscores as dashes. */
    public static String normalize(String key) {
        String k = key.trim();
        while (k.startsWith("-")) k = k.substring(1);
        return k.replace('_', '-');
    }

    /** The command and preset options of a step name, or null when it is not a step. */
    static Alias alias(String step) {
        Alias a = ALIASES.get(step);
        if (a != null) return a;
        return commands().containsKey(step) ? new Alias(step, Map.of()) : null;
    }

    /** The step names: every command, and the aliases. */
    static Set<String> stepNames() {
        Set<String> s = new TreeSet<>(commands().keySet());
        s.addAll(ALIASES.keySet());
        return s;
    }

    // ------------------------------------------------------------------ validation (driver): MorseStepsCheck

    @Override
    public void validate(SweepSpec spec) {
        validate(spec, Set.of(), Set.of(), Set.of());
    }

    /** The file a step's command line is written to in its task folder, {@code <step>-config.json} (what it ran with). */
    public static String configFile(String step) {
        return step + "-config.json";
    }

    /**
     * {@link #validate(SweepSpec)} for a runner that composes steps of its own with these: the
     * steps named in {@code otherSteps} and the base and grid keys in {@code otherKeys} that no
     * command step takes are left to that runner. Everything else is checked as for a spec of
     * commands only, on the spec as it is: the command lines of its own tasks (zip groups walked
     * together, not crossed), and messages that name its keys, list indices and step places. The
     * steps of {@code otherSteps} named in {@code thetaSteps} output a {@code theta_file}: at run
     * time a later command step gets that θ as its weights ({@link #latestTheta}, without the
     * task's init and seed), and is checked so.
     */
    public void validate(SweepSpec spec, Set<String> otherSteps, Set<String> otherKeys, Set<String> thetaSteps) {
        MorseStepsCheck.validate(spec, otherSteps, otherKeys, thetaSteps);
    }

    // ------------------------------------------------------------------ running (executor)

    @Override
    public Map<String, ?> run(String step, Map<String, Object> taskConfig, Map<String, Object> stepOptions, Path taskDir,
                              StepContext ctx) throws Exception {
        Alias a = alias(step);
        if (a == null) throw new IllegalArgumentException("unknown step '" + step + "'");
        Map<String, Class<?>> opts = commands().get(a.command());
        Map<String, Object> cfg = stepConfig(step, taskConfig, stepOptions, taskDir, latestTheta(ctx, taskDir), taskCpus());
        Path save = isPath(opts, "save") ? Path.of(String.valueOf(cfg.get("save"))) : null;
        Path config = taskDir.resolve(configFile(step));
        Files.writeString(config, configText(a, cfg, taskDir));
        Path json = isPath(opts, "json") ? taskDir.resolve(step + ".json") : null;
        List<String> args = args(a, cfg, config, json);

        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code;
        try (PrintWriter o = new PrintWriter(out); PrintWriter e = new PrintWriter(err)) {
            code = cli.run(o, e, args.toArray(new String[0]));
        }
        Path log = taskDir.resolve(step + ".log");
        Files.writeString(log, "$ morse " + String.join(" ", args) + "\n" + out
                + (err.getBuffer().isEmpty() ? "" : "--- stderr\n" + err) + "--- exit code " + code + "\n");

        // The folder becomes DIR/tasks/<task_id> at commit: paths in the step's files follow it.
        Path committed = taskDir.resolveSibling(ctx.taskId());
        for (Path f : new Path[] {config, json, log}) if (f != null) relocate(f, taskDir, committed);

        Map<String, Object> outputs = new LinkedHashMap<>();
        outputs.put("exit_code", code);
        if (json != null && Files.exists(json)) {
            outputs.putAll(rowFields(Json.readObject(json), committed));
        }
        if (save != null && Files.exists(save)) outputs.put("theta_file", taskDir.relativize(save).toString());
        else outputs.remove("theta_file");
        if (code != 0) {
            TaskContext tc = TaskContext.get();
            // Ctrl-C in local mode: the step's own command says 130 (the JVM shuts down) while this
            // thread need not be interrupted; a 'failed' row would make the rerun skip the task
            if (code == dev.morse.cli.Main.EXIT_INTERRUPTED || dev.morse.cli.Main.shuttingDown()
                    || Thread.currentThread().isInterrupted() || (tc != null && tc.isInterrupted())) {
                throw new InterruptedException("task killed while step " + step + " ran");
            }
            throw new StepFailedException(failure(code, err.toString()), outputs,
                    "see " + log.getFileName() + " in the task folder:\n" + Files.readString(log));
        }
        return outputs;
    }

    /**
     * The options a step runs with (normalized names → values), for a task in {@code taskDir}:
     * the task's config (the keys the command takes), then an alias's presets (refine: newton),
     * then the step's own options; outputs in the task folder; {@code latestTheta} (an earlier
     * step's θ file, or null) as {@code weights} unless the step gives its own weights or init; {@code threads}
     * unless the config sets them. What {@link #run} writes as {@code <step>-config.json}, and what
     * {@link #validate} checks.
     */
    static Map<String, Object> stepConfig(String step, Map<String, Object> taskConfig, Map<String, Object> stepOptions, Path taskDir,
                                          Path latestTheta, int threads) {
        Alias a = alias(step);
        Map<String, Class<?>> opts = commands().get(a.command());
        // precedence: the task's config, then an alias's presets (refine: newton), then the step's own options
        Map<String, Object> cfg = new LinkedHashMap<>();
        taskConfig.forEach((k, v) -> {
            if (opts.containsKey(normalize(k))) cfg.put(normalize(k), v);
        });
        a.defaults().forEach((k, v) -> cfg.put(normalize(k), v));
        // θ of the latest earlier step, unless the step's own options say where its θ comes from
        // (weights, or init: a new θ, as --init on the command line wins over a config's weights)
        boolean ownTheta = false;
        for (Map.Entry<String, Object> e : stepOptions.entrySet()) {
            String k = normalize(e.getKey());
            ownTheta |= k.equals("weights") || k.equals("init");
        }
        boolean chained = opts.containsKey("weights") && !ownTheta && latestTheta != null;
        // The task's init (and seed, where it seeds only init) went to the earlier step that made
        // that θ; here --weights leaves them unused, and the command refuses them next to weights.
        if (chained) unusedWithWeights(a.command()).forEach(cfg::remove);
        for (Map.Entry<String, Object> e : stepOptions.entrySet()) cfg.put(normalize(e.getKey()), e.getValue());
        // outputs: per step, in the task folder
        if (isPath(opts, "save")) {
            cfg.put("save", taskDir.resolve(cfg.containsKey("save") ? String.valueOf(cfg.get("save")) : step + "-theta.npy").toString());
        }
        for (String o : outputs(a.command())) {
            if (o.equals("save")) continue;
            Object v = cfg.get(o);
            // an output with a default name (demo's --out morse-out) goes into the task folder too
            if (v == null) v = optionSpec(a.command(), o).defaultValue();
            if (v == null) continue;
            if (v instanceof Boolean b) {
                if (b) cfg.put(o, taskDir.resolve(step + "-" + o).toString());
                else cfg.remove(o);
            } else {
                cfg.put(o, taskDir.resolve(String.valueOf(v)).toString());
            }
        }
        if (chained) cfg.put("weights", latestTheta.toString());
        Set<String> own = new java.util.HashSet<>();
        stepOptions.keySet().forEach(k -> own.add(normalize(k)));
        if (!cfg.containsKey("plots")) {
            for (String o : WITH_PLOTS) if (!own.contains(o)) cfg.remove(o);
        }
        // The task's options that only some steps use, handed to the others without them (the
        // commands refuse them as without effect there; a step's own options stay as given):
        // Fashion-MNIST's ",test=M" sizes train's held-out set only, and --activation applies to
        // models with a hidden layer only.
        if (!own.contains("data") && !a.command().equals("train") && cfg.get("data") != null) {
            cfg.put("data", withoutTestSplit(text(cfg.get("data"))));
        }
        if (!own.contains("activation") && cfg.containsKey("activation") && cfg.get("model") != null
                && !hasHiddenLayer(text(cfg.get("model")))) {
            cfg.remove("activation");
        }
        // fit's optimizer options that its optimizer does not read, morse's refinement options that
        // its refinement does not read (a grid's max_iter for fit reached morse's Newton refinement)
        for (String o : dev.morse.cli.Main.unreadOptions(a.command(), cfg)) if (!own.contains(o)) cfg.remove(o);
        if (opts.containsKey("threads") && !cfg.containsKey("threads")) cfg.put("threads", threads);
        return cfg;
    }

    /**
     * A Fashion-MNIST --data spec without its ",test=M" (which sizes train's held-out set only),
     * in its canonical text; any other spec, or one that does not parse (the command names what is
     * wrong), as given.
     */
    static String withoutTestSplit(String data) {
        if (!dev.morse.io.FashionMnist.matches(data)) return data;
        try {
            dev.morse.io.FashionMnist.Spec spec = dev.morse.io.FashionMnist.parseSpec(data);
            if (spec.test() == dev.morse.io.FashionMnist.ALL) return data;
            return new dev.morse.io.FashionMnist.Spec(spec.train(), dev.morse.io.FashionMnist.ALL).text();
        } catch (RuntimeException e) {
            return data;
        }
    }

    /** Whether a --model spec has a hidden layer (d0-h…-C); true for one that does not parse (the command names what is wrong). */
    static boolean hasHiddenLayer(String model) {
        try {
            return dev.morse.engine.Mlp.parseWidths(model).length > 2;
        } catch (RuntimeException e) {
            return true;
        }
    }

    /**
     * The step's {@code --config} file: its command and options, values as text; output names
     * ({@link #outputs(String)}) relative to the task folder, as the spec gives them (the command
     * line puts them in the task folder, {@link #args}). So the file reruns the step by hand,
     * {@code morse <command> --config tasks/<id>/<step>-config.json}, writing those outputs into
     * the current folder (refusing to overwrite there without --force), never over the sweep's.
     */
    static String configText(Alias a, Map<String, Object> cfg, Path taskDir) {
        Set<String> outs = outputs(a.command());
        Map<String, Object> file = new LinkedHashMap<>();
        file.put("command", a.command());
        cfg.forEach((k, v) -> file.put(k.replace('-', '_'), outs.contains(k) ? taskDir.relativize(Path.of(text(v))).toString() : text(v)));
        return Json.writePretty(file) + "\n";
    }

    /**
     * The step's command line: {@code <command> --config FILE [--OUTPUT PATH…] [--quiet] [--json FILE]}:
     * the outputs of {@code cfg} (in the task folder) given on the command line, over the config
     * file's relative names.
     */
    static List<String> args(Alias a, Map<String, Object> cfg, Path config, Path json) {
        List<String> args = new ArrayList<>(List.of(a.command(), "--config", config.toString()));
        for (String o : outputs(a.command())) {
            if (cfg.get(o) != null) args.addAll(List.of("--" + o, text(cfg.get(o))));
        }
        if (commands().get(a.command()).containsKey("quiet")) args.add("--quiet");
        if (json != null) args.addAll(List.of("--json", json.toString()));
        return args;
    }

    static boolean isPath(Map<String, Class<?>> opts, String option) {
        return opts.get(option) == Path.class;
    }

    /** The θ file of the latest earlier step that produced one, or null. */
    private static Path latestTheta(StepContext ctx, Path taskDir) {
        Path latest = null;
        for (Map<String, Object> o : ctx.allOutputs().values()) {
            if (o.get("theta_file") instanceof String f) latest = taskDir.resolve(f);
        }
        return latest;
    }

    /** Spark's cores per task (spark.task.cpus), 1 outside a task. */
    private static int taskCpus() {
        TaskContext tc = TaskContext.get();
        return tc == null ? 1 : Math.max(1, tc.cpus());
    }

    /**
     * An option value as the text the command line would carry: strings as they are, integers
     * exactly, whole decimals below 2⁵³ as integers ({@link Numbers#isExactWhole}) (1e15 is "1000000000000000",
     * which integer options take: "1.0E15" was refused as a seed), other numbers in Java's shortest
     * round-trip form, booleans, lists joined by commas (as the CLI's config files do). The one
     * reading of a task option as text: steps of experiments that read an option the command reads
     * too use it.
     */
    public static String text(Object v) {
        if (v == null) return null;
        if (v instanceof String s) return s;
        if (v instanceof Boolean b) return b.toString();
        if (v instanceof Long || v instanceof Integer || v instanceof Short || v instanceof Byte
                || v instanceof java.math.BigInteger) return v.toString();
        if (v instanceof Number n) {
            double d = n.doubleValue();
            if (Numbers.isExactWhole(d)) return Long.toString((long) d);
            return Double.toString(d);
        }
        if (v instanceof Collection<?> c) {
            StringJoiner j = new StringJoiner(",");
            for (Object o : c) j.add(text(o));
            return j.toString();
        }
        throw new IllegalArgumentException("option value " + v + " is not a string, number, boolean or list");
    }

    /** Replaces the attempt folder's absolute path by the committed one in a text file (as written and JSON-escaped). */
    static void relocate(Path file, Path from, Path to) throws IOException {
        String text;
        try {
            text = Files.readString(file);
        } catch (NoSuchFileException e) {
            return;
        }
        String f = from.toAbsolutePath().toString();
        String t = to.toAbsolutePath().toString();
        String fe = Json.write(f);
        String te = Json.write(t);
        String out = text.replace(f, t);
        if (!fe.equals("\"" + f + "\"")) out = out.replace(fe.substring(1, fe.length() - 1), te.substring(1, te.length() - 1));
        if (!out.equals(text)) Files.writeString(file, out);
    }

    /** The report's members that go into the row (see the class comment), paths relative to the task folder. */
    static Map<String, Object> rowFields(Map<String, Object> report, Path taskDir) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (Map.Entry<String, Object> e : report.entrySet()) {
            if (NOT_IN_ROWS.contains(e.getKey())) continue;
            Object v = rowValue(e.getValue(), taskDir.toAbsolutePath().toString() + "/");
            if (v != DROP) out.put(e.getKey(), v);
        }
        return out;
    }

    private static final Object DROP = new Object();

    @SuppressWarnings("unchecked")
    private static Object rowValue(Object v, String folder) {
        if (v instanceof Map<?, ?> m) {
            Map<String, Object> out = new LinkedHashMap<>();
            for (Map.Entry<String, Object> e : ((Map<String, Object>) m).entrySet()) {
                Object x = rowValue(e.getValue(), folder);
                if (x != DROP) out.put(e.getKey(), x);
            }
            return out.isEmpty() ? DROP : out;
        }
        if (v instanceof List<?> l) {
            if (l.size() > MAX_ARRAY) return DROP;
            List<Object> out = new ArrayList<>(l.size());
            for (Object o : l) {
                if (o instanceof Map<?, ?> || o instanceof List<?>) return DROP;
                out.add(o instanceof String s ? relative(s, folder) : o);
            }
            return out;
        }
        if (v instanceof String s) return relative(s, folder);
        return v;
    }

    /**
     * Paths into the task folder as names relative to it, also inside longer text ("file
     * /…/tasks/ab12/fit-theta.npy (&lt;f8)" → "file fit-theta.npy (&lt;f8)"): rows do not depend on
     * where the sweep's folder is.
     */
    private static String relative(String s, String folder) {
        return s.contains(folder) ? s.replace(folder, "") : s;
    }

    /** "exit 3 (numerical failure): morse fit: no convergence: …", one line. */
    static String failure(int code, String stderr) {
        String what = switch (code) {
            case 1 -> "internal error";
            case 2 -> "bad usage or input";
            case 3 -> "numerical failure";
            case 4 -> "refused for memory";
            default -> "failed";
        };
        StringJoiner j = new StringJoiner(" / ");
        stderr.lines().map(String::strip).filter(s -> !s.isEmpty()).forEach(j::add);
        String msg = j.toString();
        if (msg.length() > 2000) msg = msg.substring(0, 2000) + "…";
        return String.format(Locale.ROOT, "exit %d (%s)%s", code, what, msg.isEmpty() ? "" : ": " + msg);
    }
}
