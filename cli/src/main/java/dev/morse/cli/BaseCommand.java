package dev.morse.cli;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * What every working command shares: output options, stdout/stderr, progress, timings, the
 * overwrite check of planned files, and writing the JSON report.
 */
abstract class BaseCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    /** Where output goes (a mixin of the analysis commands; built by the demo). */
    OutputOptions output;

    PrintWriter out;
    PrintWriter err;
    Progress progress;
    OutputFiles files;
    final Map<String, Double> timings = new LinkedHashMap<>();
    private long started;
    private Path jsonFile;
    private final List<Path> plotFiles = new ArrayList<>();
    private final List<AutoCloseable> closeAtEnd = new ArrayList<>();

    @Override
    public final Integer call() throws Exception {
        checkParsed();
        started = System.nanoTime();
        Estimates.reset();
        out = spec.commandLine().getOut();
        err = spec.commandLine().getErr();
        Object root = spec.root().userObject();
        boolean terminal = root instanceof Main m && m.stderrTerminal;
        progress = new Progress(err, output.quiet, terminal);
        files = new OutputFiles(output.force, err);
        try {
            checkOptions();
            int code = execute();
            files.commit(jsonFile);
            return code;
        } catch (OutOfMemoryError e) {
            throw new CliException(Main.EXIT_MEMORY, "out of memory (" + e.getMessage() + "). " + Estimates.advice());
        } finally {
            for (int i = closeAtEnd.size() - 1; i >= 0; i--) closeAtEnd.get(i).close();
            closeAtEnd.clear();
            files.abort();   // after a commit: nothing left to do
            out.flush();
            err.flush();
        }
    }

    /**
     * The checks of {@link #call} that read no file and do no work, without running the command
     * ({@link Main#check}): repeated options, plot options of a command that draws none, and
     * {@link #checkOptions}. Throws as the command would.
     */
    final void check() {
        checkParsed();
        checkOptions();
    }

    /**
     * What {@link #call} and {@link #check} do first: backend properties that contradict each other
     * ({@link dev.morse.linalg.Linalg#configurationError}: a usage error, before any file is read),
     * repeated options, flags given, the output options, plot options.
     */
    private void checkParsed() {
        String backends = dev.morse.linalg.Linalg.configurationError();
        if (backends != null) throw CliException.usage(backends);
        refuseRepeatedOptions();
        flagsGivenAreOn();
        output = outputs();
        if (!drawsPlots()) refusePlots();
        else if (output.plots() == null && output.plotFormatGiven() != null) {
            // it was ignored in silence: the formats of plots that no --plots asks for
            throw Checks.usage("--plot-format", "goes with " + output.plotsOption + " DIR (the formats of the plots written there); without "
                    + output.plotsOption + " no plot is drawn, so --plot-format " + output.plotFormatGiven() + source("--plot-format") + " would be ignored");
        }
    }

    /**
     * Checks of option values, and between options, that their converters cannot make and that
     * read no file, need no data and do no work (specs the command parses, limits, options that go
     * together): before {@link #execute}, and for {@link Main#check}, which is how a sweep checks
     * its steps on the driver, so every such check belongs here and not in {@code execute}, where a
     * sweep would meet it only in its tasks. None by default. A number or flag checked together with
     * another option carries {@link CombinedCheck}; other checks combine numbers and flags only by
     * whether they are {@link #given} (on the command line, or not at their default): sweeps check
     * the unmarked numbers and flags value by value, and in combination with the others only as
     * default or not.
     */
    void checkOptions() {}

    /**
     * Whether --seed draws only θ (for --init): true in the analysis commands and init, false in
     * train (its seed also shuffles the minibatches and draws the held-out split and the curvature
     * probes) and in the commands without --init. Where it is true, --seed is refused when θ does not
     * depend on it ({@link #checkThetaOptions}).
     */
    boolean seedDrawsOnlyTheta() {
        return false;
    }

    /**
     * The one rule for the options of θ that would be ignored, where {@code o} holds θ's options
     * (--weights, --init, --seed) as this command has them: next to --weights, --init and (where it
     * seeds only --init) --seed ({@link Main#unusedWithWeights}); without --weights, --seed (where it
     * seeds only --init) next to an --init that makes θ without drawing, zeros or gaussian:0
     * ({@link Main#unusedWithInit}). Each is refused when {@link #given} (on the command line, or in
     * a config file with a value other than its default: a report records none of them where it would
     * be ignored, so it reruns). The command line wins over a config file: --weights or --init there
     * leaves the file's unused options unused (a report made from --init --seed 3 reruns at a file's θ,
     * or from zeros). Otherwise the pair is refused: both on the command line, both in the config (a
     * sweep step that gets --weights, or init zeros, and a seed), or the unused option on the command
     * line next to the file's --weights or --init (--seed alone makes no new θ). Call it after the
     * --init scheme was checked ({@link LoadedProblem#checkSpecs}); the command line's --init
     * against a config's --weights is settled before ({@link AnalysisCommand#checkOptions}).
     */
    final void checkThetaOptions(ProblemOptions o) {
        String from;         // where θ comes from
        String fromOption;   // the option that says so
        java.util.Set<String> unused;
        if (o.weights != null) {
            fromOption = "--weights";
            from = "θ comes from --weights " + o.weights + source(fromOption);
            unused = Main.unusedWithWeights(spec);
        } else {
            fromOption = "--init";
            from = "--init " + o.init + source(fromOption) + " makes θ = 0 without drawing";
            unused = Main.unusedWithInit(spec, o.init);
        }
        for (String key : unused) {
            String option = "--" + key;
            if (!given(option) || onCommandLine(fromOption) && !onCommandLine(option)) continue;
            boolean seed = key.equals("seed");
            String value = seed ? Long.toString(o.seed) : o.init;
            String why = seed ? " (in " + spec.name() + " it seeds only --init)" : "";
            throw Checks.usage(option, from + ", so " + option + " " + value + source(option) + " would be ignored" + why
                    + (o.weights != null
                            ? "; give either --weights (θ from a file) or --init" + (seed ? " with --seed" : "") + " (a new θ), not both"
                            : "; drop --seed, or give an --init that draws (pytorch, or gaussian:scale with a scale > 0)"));
        }
    }

    /**
     * Refuses --activation for a model without a hidden layer (d0-C: one linear layer, f = Wx + b),
     * where no activation applies: {@code --model 3-2 --activation relu} exited 0, with the
     * activation ignored. Only when {@link #given} (a config's "tanh", the default, is the record of
     * such a run).
     */
    final void checkActivationApplies(dev.morse.engine.Mlp model, String activation) {
        if (model.layers() > 1 || !given("--activation")) return;
        throw Checks.usage("--activation", "the model " + model.describe() + " has no hidden layer (one linear layer, f = Wx + b), so "
                + "--activation " + activation + source("--activation") + " would be ignored; remove it, or give a hidden layer (e.g. --model "
                + model.inputDim() + "-16-" + model.outputDim() + ")");
    }

    /**
     * Whether the user gave an option: on the command line, or in a config file with a value other
     * than its default ({@link Main#isDefault}). A config's value at the default counts as not
     * given: the tool's own config records (a report's "config", a checkpoint's config.json) hold
     * every option, most at their defaults, and must rerun, so checks between options refuse what a
     * user wrote, not what a record holds.
     */
    final boolean given(String option) {
        return onCommandLine(option) || !Main.isDefault(spec.findOption(option), spec.findOption(option).getValue());
    }

    /** Whether an option was given on the command line (it wins over a config file's value). */
    final boolean onCommandLine(String option) {
        CommandLine.ParseResult parsed = spec.commandLine().getParseResult();
        return parsed != null && parsed.hasMatchedOption(option);
    }

    /** Where an option's value came from, for messages: "" from the command line, " (from FILE)" from a config file. */
    final String source(String option) {
        Path file = configFile();
        return onCommandLine(option) || file == null ? "" : " (from " + file + ")";
    }

    /** The file of --config, or null. */
    final Path configFile() {
        return spec.commandLine().getDefaultValueProvider() instanceof ConfigFile c ? c.file : null;
    }

    /**
     * The rule for two sides of options that contradict each other, each {@link #given} (morse's
     * --no-refine against --refine, spectrum's --method dense against its Lanczos options): the
     * command line wins over a config file, as for any one option. Returns true when side
     * {@code first} wins, that is, one of its options is on the command line and none of
     * {@code second}'s is; false the other way round. When both sides come from the same place, both
     * on the command line or both in the config (a sweep step hands its command one config), nothing
     * says which was meant: refused with {@code refusal}. The caller sets the losing side to agree
     * with the winner, so that the report's config reruns what ran.
     */
    final boolean firstSideWins(List<String> first, List<String> second, java.util.function.Supplier<String> refusal) {
        boolean a = first.stream().anyMatch(this::onCommandLine), b = second.stream().anyMatch(this::onCommandLine);
        if (a == b) throw CliException.usage(refusal.get());
        return a;
    }

    /**
     * The command line wins over a config file for an option that would be ignored: when one of
     * {@code deciders} (the options that make {@code option} unread) is on the command line and
     * {@code option} is not, {@code option} came from the config and is set back to its default
     * (true), so that the report's config reruns what ran; otherwise false, and the caller refuses it.
     */
    final boolean resetIfUnreadByCommandLine(String option, List<String> deciders) {
        if (onCommandLine(option) || deciders.stream().noneMatch(this::onCommandLine)) return false;
        resetToDefault(option);
        return true;
    }

    /**
     * Sets an option back to its default value (read as the option's converter, or an enum's or a
     * number's parser, reads it): the losing side of {@link #firstSideWins}, which is then no longer
     * {@link #given}.
     */
    final void resetToDefault(String option) {
        CommandLine.Model.OptionSpec o = spec.findOption(option);
        String d = o.defaultValue();
        Class<?> t = o.type();
        Object v;
        try {
            if (d == null) v = t == boolean.class ? Boolean.FALSE : null;
            else if (o.converters() != null && o.converters().length > 0) v = o.converters()[0].convert(d);
            else if (t.isEnum()) v = enumValue(t, d);
            else if (t == int.class || t == Integer.class) v = Integer.valueOf(d.trim());
            else if (t == long.class || t == Long.class) v = Long.valueOf(d.trim());
            else if (t == double.class || t == Double.class) v = Double.valueOf(d.trim());
            else if (t == String.class) v = d;
            else throw new IllegalStateException(option + ": no reading of its default " + d + " as " + t);
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(option + ": its default " + d + " does not convert", e);
        }
        o.setValue(v);
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static Object enumValue(Class<?> type, String name) {
        return Enum.valueOf((Class) type, name);
    }

    /**
     * Refuses a single-valued option given more than once. The options sit in argument groups (for
     * the help's sections), and picocli answers a repeated option of a group by starting a new
     * instance of the whole group: `--seed 1 --seed 2` silently dropped every other option of the
     * group given before it (then "no model"), and `--json a.json -q -q` wrote no report. Flags too.
     */
    private void refuseRepeatedOptions() {
        CommandLine.ParseResult parsed = spec.commandLine().getParseResult();
        if (parsed == null) return;
        // picocli's matched options, one entry per occurrence: `-qq` counts twice, a value that
        // looks like an option name does not count
        Map<CommandLine.Model.OptionSpec, Integer> counts = new java.util.IdentityHashMap<>();
        for (CommandLine.Model.OptionSpec o : parsed.matchedOptions()) {
            if (!o.isMultiValue() && counts.merge(o, 1, Integer::sum) == 2) {
                long count = parsed.matchedOptions().stream().filter(m -> m == o).count();
                throw CliException.usage(o.longestName() + " is given " + count + " times; give each option once");
            }
        }
    }

    /**
     * Sets every flag given on the command line to true. picocli sets a matched flag to the
     * opposite of its default, and a config file's value is the default: --spectra next to a
     * config's "spectra": true turned the spectra off, and --no-refine next to "no_refine": true
     * refined. No flag of Morse is declared with a default of true, so a flag given means on.
     */
    private void flagsGivenAreOn() {
        CommandLine.ParseResult parsed = spec.commandLine().getParseResult();
        if (parsed == null) return;
        for (CommandLine.Model.OptionSpec o : parsed.matchedOptions()) {
            if (o.arity().max() == 0 && (o.type() == boolean.class || o.type() == Boolean.class)) o.setValue(true);
        }
    }

    /** Closes c when the command ends (evaluators own threads and buffers). */
    <T extends AutoCloseable> T closeAtEnd(T c) {
        closeAtEnd.add(c);
        return c;
    }

    /** The output options of this command. */
    abstract OutputOptions outputs();

    /** The command's work; returns the exit code. */
    abstract int execute() throws Exception;

    /** Plans the JSON report file (unless it goes to stdout); call before any work. */
    void planJson() {
        if (output.json != null && !output.json.toString().equals("-")) jsonFile = files.plan(output.jsonOption, output.json);
    }

    /** Plans the files of a figure, when --plots is given; returns whether plots are wanted. */
    boolean planPlot(String name) {
        if (output.plots() == null) return false;
        if (output.plots().toString().isEmpty()) throw Checks.usage(output.plotsOption, "the folder name is empty; give a folder for the plots");
        if (Files.exists(output.plots()) && !Files.isDirectory(output.plots())) {
            throw Checks.usage(output.plotsOption, output.plots() + " is a file, not a folder");
        }
        for (Path f : Plots.files(output.plots(), name, output.plotFormat())) plotFiles.add(files.plan(output.plotsOption, f));
        return true;
    }

    /**
     * Whether the command draws plots. trace and eval do not: their output group is
     * {@link OutputOptions.NoPlots}, whose --plots and --plot-format are hidden from --help and
     * refused before any work (they used to be accepted and ignored; {@link AnalysisCommand}
     * derives the answer from the group); nor does init, which has no plot options. Sweeps do not
     * hand a task's plot options to a command that draws none ({@link Main#drawsPlots}).
     */
    boolean drawsPlots() {
        return true;
    }

    private void refusePlots() {
        String none = "'" + spec.name() + "' draws no plots (its results are the summary and the --json report)";
        if (output.plots() != null) throw Checks.usage(output.plotsOption, none + "; remove " + output.plotsOption);
        if (output.plotFormatGiven() != null) throw Checks.usage("--plot-format", none + "; remove --plot-format");
    }

    /** Saves a planned figure (each format to its claimed file). */
    void savePlot(String name, org.knowm.xchart.XYChart... charts) {
        savePlot(name, charts.length, charts);
    }

    /** Saves a planned figure whose charts form a grid of {@code columns} columns. */
    void savePlot(String name, int columns, org.knowm.xchart.XYChart... charts) {
        if (output.plots() == null) return;
        for (Path f : Plots.files(output.plots(), name, output.plotFormat())) files.write(f, os -> Plots.write(os, Plots.isPng(f), columns, charts));
    }

    /** Times a phase (seconds) for the report's "timings". */
    void time(String phase, double seconds) {
        timings.merge(phase, seconds, Double::sum);
    }

    double elapsed() {
        return (System.nanoTime() - started) * 1e-9;
    }

    /** Writes the report (to the planned file, or stdout for "-"); lists outputs including itself. */
    void writeReport(Report r) {
        if (output.json == null) return;
        List<Path> outs = new ArrayList<>(files.written());
        if (jsonFile != null) outs.add(0, jsonFile);
        String text = r.finish(timings, elapsed(), outs);
        if (jsonFile == null) {
            out.print(text);
            out.flush();
        } else {
            files.writeText(jsonFile, text);
        }
    }

    /** A header line, then "key  value" lines with the keys aligned. */
    void printTable(String header, String[][] rows) {
        if (output.json != null && output.json.toString().equals("-")) return;   // stdout carries the JSON
        out.println(header);
        int w = 0;
        for (String[] r : rows) if (r != null) w = Math.max(w, r[0].length());
        for (String[] r : rows) {
            if (r == null) continue;
            out.println("  " + r[0] + " ".repeat(w - r[0].length() + 2) + r[1]);
        }
    }

    /** Prints a line unless stdout carries the JSON report. */
    void println(String s) {
        if (output.json != null && output.json.toString().equals("-")) return;
        out.println(s);
    }

    /** The files written, for the summary. */
    void printOutputs() {
        printOutputs(List.of());
    }

    /** The files written, then the folders that the command fills itself (train's checkpoints), one line each as given. */
    void printOutputs(List<String> folders) {
        List<Path> outs = files.written();
        if (outs.isEmpty() && folders.isEmpty()) return;
        println("  files:");
        for (Path p : outs) println("    " + p);
        for (String f : folders) println("    " + f);
    }

    static String sci(double x) {
        return Double.isFinite(x) ? String.format(Locale.ROOT, "%.4e", x) : Double.toString(x);
    }

    /** A short number: 0.001, 1e-06, 10. */
    static String num(double x) {
        String s = String.format(Locale.ROOT, "%.3g", x);
        if (s.contains("e")) {
            String[] p = s.split("e");
            String m = p[0].contains(".") ? p[0].replaceAll("0+$", "").replaceAll("\\.$", "") : p[0];
            return m + "e" + p[1];
        }
        return s.contains(".") ? s.replaceAll("0+$", "").replaceAll("\\.$", "") : s;
    }

    static String g3(double x) {
        return Double.isFinite(x) ? String.format(Locale.ROOT, "%.3g", x) : Double.toString(x);
    }
}
