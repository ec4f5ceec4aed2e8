package dev.morse.cli;

import dev.morse.io.InputException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * Entry point of {@code bin/morse}. Exit codes: 0 success, 2 bad usage or bad input, 3 numerical
 * failure (LAPACK, no convergence) or (doctor --strict) a missing backend, 4 refused for memory,
 * {@value #EXIT_INCOMPLETE} incomplete (sweeps, on {@code bin/morse-cluster}: tasks missing),
 * {@value #EXIT_INTERRUPTED} interrupted (Ctrl-C; {@value #EXIT_TERMINATED} for SIGTERM); 1 only
 * for an internal error (a bug): one line saying so, and the stack trace with {@code --debug}
 * (accepted anywhere on the command line) or {@code MORSE_DEBUG=1}.
 */
@Command(name = "morse", mixinStandardHelpOptions = true, versionProvider = Main.Version.class, usageHelpAutoWidth = true,
        description = {"Exact curvature of neural-network losses: Hessians, Gauss–Newton/NME, spectra, Morse checks.",
                "Start with 'morse demo'; 'morse COMMAND --help' explains each command.", ""},
        commandListHeading = "%nCommands:%n",
        subcommands = {DemoCommand.class, SpectrumCommand.class, DensityCommand.class, TraceCommand.class, FitCommand.class, TrainCommand.class,
                MorseCommand.class, EvalCommand.class, InitCommand.class, DoctorCommand.class, BenchCommand.class, CommandLine.HelpCommand.class},
        footer = {"%nEvery analysis command takes --json FILE (a report), --config FILE.json, --quiet and --force (output files are "
                + "never overwritten without it); spectrum, density, fit, train and morse take --plots DIR (PNG and SVG).",
                "%nOn Apache Spark (bin/morse hands these to bin/morse-cluster): 'morse sweep run|status|report' (the same analyses over a grid "
                        + "of options, resumable), 'morse experiment list|run|report' (the research questions as bundled sweeps with "
                        + "verdicts), 'morse cluster start|stop|status' (a standalone cluster on this machine), and --master for "
                        + "spectrum, density and trace (products over a distributed data set).",
                "%nExit codes: 0 success; 1 internal error (a bug; --debug prints the stack trace); 2 bad usage or input; 3 numerical failure (LAPACK, no convergence); 4 refused for "
                        + "memory (the message gives the estimate and what to use instead); 5 incomplete (sweep run, experiment run: tasks missing "
                        + "because Spark gave up on them, and the same command resumes; sweep status, sweep report, experiment report: tasks missing); 130 interrupted "
                        + "(Ctrl-C; 143 for SIGTERM, with the same message: no output is left half-written)."})
public final class Main implements Runnable {

    public static final int EXIT_OK = 0;
    public static final int EXIT_USAGE = 2;
    public static final int EXIT_NUMERICAL = 3;
    public static final int EXIT_MEMORY = 4;
    /**
     * Incomplete: a sweep ({@code sweep run}, {@code experiment run} on {@code bin/morse-cluster})
     * ended with tasks missing, because Spark gave up on them (the same command resumes: it runs
     * only the missing ones), or {@code sweep status} found tasks missing. Neither an error of the
     * input nor a bug (1): the committed tasks are kept, and the failed ones are rows.
     */
    public static final int EXIT_INCOMPLETE = 5;
    /**
     * Interrupted (Ctrl-C): 128 + SIGINT, what the JVM exits with on that signal; also what a
     * command returns in-process when it ends because the JVM shuts down (the JVM's exit code is
     * then the signal's), and what a sweep whose job was cancelled otherwise exits with.
     */
    public static final int EXIT_INTERRUPTED = 130;
    /**
     * Terminated (SIGTERM, {@code kill PID}): 128 + SIGTERM, what the JVM exits with on that signal,
     * whatever the command returns then. A command says the same as at Ctrl-C.
     */
    public static final int EXIT_TERMINATED = 143;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** Whether progress may redraw lines in place (stderr is this process's terminal). */
    boolean stderrTerminal;

    static {
        System.setProperty("java.awt.headless", "true");
    }

    public static void main(String[] args) {
        PrintWriter out = new PrintWriter(System.out, true, StandardCharsets.UTF_8);
        PrintWriter err = new PrintWriter(System.err, true, StandardCharsets.UTF_8);
        System.exit(run(out, err, Progress.stderrIsTerminal(), args));
    }

    /** Runs the tool in-process (tests call this) and returns the exit code; output goes to System.out/err. */
    public static int run(String... args) {
        return run(new PrintWriter(System.out, true, StandardCharsets.UTF_8), new PrintWriter(System.err, true, StandardCharsets.UTF_8), false, args);
    }

    /** Runs the tool with the given standard output and error. */
    public static int run(PrintWriter out, PrintWriter err, String... args) {
        return run(out, err, false, args);
    }

    /**
     * Whether the command draws plots (takes --plots and --plot-format): trace and eval have the
     * options hidden ({@link OutputOptions.NoPlots}) and refuse them. For sweeps, which hand a
     * task's options only to the steps that use them.
     */
    public static boolean drawsPlots(CommandLine.Model.CommandSpec command) {
        return !(command.userObject() instanceof BaseCommand b) || b.drawsPlots();
    }

    /**
     * Whether {@code value} (typed, or as the text a config file holds) is the option's default: the
     * same text, an enum's name in any case (as the parser takes it), the same number ("1e-8" and
     * "1.0E-8", "10" and "10.0"), or false for a flag without a default. Anything else, a text that
     * is no number included, counts as not the default. Checks between options count a config's
     * value at its default as not given ({@link BaseCommand#given}); sweeps check the combinations
     * of numbers and flags only as default or not.
     */
    public static boolean isDefault(CommandLine.Model.OptionSpec option, Object value) {
        String d = option.defaultValue();
        if (value == null) return d == null;
        String text = value instanceof Enum<?> e ? e.name() : value.toString().trim();
        if (d == null) return text.equals("false");
        if (text.equals(d) || option.type().isEnum() && text.equalsIgnoreCase(d)) return true;
        try {
            return new java.math.BigDecimal(text).compareTo(new java.math.BigDecimal(d.trim())) == 0;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    /**
     * The options (normalized names, as config files spell them) that --weights leaves without
     * effect in this command: --init, and --seed where it seeds only --init (not in train, where it
     * also seeds shuffling, the held-out split and curvature probes). Reports do not record them
     * next to weights, a user's config that gives them next to weights is refused, and sweeps do not
     * hand a task's values of them to a step that gets θ from an earlier step.
     */
    public static java.util.Set<String> unusedWithWeights(CommandLine.Model.CommandSpec command) {
        if (!(command.userObject() instanceof AnalysisCommand a)) return java.util.Set.of();
        return a.seedDrawsOnlyTheta() ? java.util.Set.of("init", "seed") : java.util.Set.of("init");
    }

    /** The constant named {@code name} in any letter case, as the command line takes it; IllegalArgumentException if none. */
    private static <E extends Enum<E>> E anyCase(Class<E> type, String name) {
        for (E e : type.getEnumConstants()) if (e.name().equalsIgnoreCase(name)) return e;
        throw new IllegalArgumentException(name);
    }

    /**
     * The options (normalized names) that the command leaves unread given the options in
     * {@code config} (normalized names; values as text, numbers or booleans) that choose what runs:
     * fit's optimizer options that its --optimizer does not read ({@code FitCommand.READ_BY}),
     * morse's refinement options without refinement (--no-refine, --refine none) and its --max-iter
     * with --refine newton. The commands refuse them when given; a sweep leaves a task's values of
     * them out of the steps that do not read them (a grid's max_iter for fit also reached morse).
     * None for other commands, or for a choice that does not parse (its own check refuses it).
     */
    public static java.util.Set<String> unreadOptions(String command, java.util.Map<String, ?> config) {
        java.util.Set<String> out = new java.util.TreeSet<>();
        try {
            if (command.equals("fit")) {
                Object v = config.get("optimizer");
                Optimize.Name opt = anyCase(Optimize.Name.class, v == null ? FitCommand.DEFAULT_OPTIMIZER : String.valueOf(v));
                FitCommand.READ_BY.forEach((o, by) -> {
                    if (!by.contains(opt)) out.add(o.substring(2));
                });
            } else if (command.equals("morse")) {
                Object refine = config.get("refine"), none = config.get("no-refine");
                MorseCommand.Refine how = anyCase(MorseCommand.Refine.class, refine == null ? MorseCommand.DEFAULT_REFINE : String.valueOf(refine));
                if (none != null && Boolean.parseBoolean(String.valueOf(none))) how = MorseCommand.Refine.none;
                for (String o : MorseCommand.unread(how)) out.add(o.substring(2));
            }
        } catch (IllegalArgumentException e) {
            return java.util.Set.of();
        }
        return out;
    }

    /**
     * The options (normalized names) that an --init scheme leaves without effect in this command:
     * --seed where it seeds only --init ({@code BaseCommand.seedDrawsOnlyTheta}: not in train) and
     * the scheme makes θ without drawing (zeros, gaussian:0); none otherwise, and none for a scheme
     * that does not parse (its own check refuses it). The same rule as {@link #unusedWithWeights}:
     * reports do not record them next to such an init, and a user's config or command line that
     * gives them is refused ({@code BaseCommand.checkThetaOptions}), a sweep's step included.
     */
    public static java.util.Set<String> unusedWithInit(CommandLine.Model.CommandSpec command, String init) {
        if (init == null || !(command.userObject() instanceof BaseCommand b) || !b.seedDrawsOnlyTheta()) return java.util.Set.of();
        try {
            return LoadedProblem.initScheme(init).draws() ? java.util.Set.of() : java.util.Set.of("seed");
        } catch (InputException e) {
            return java.util.Set.of();
        }
    }

    /**
     * Whether the command's own checks ({@link BaseCommand#checkOptions}) check this number or flag
     * together with other options ({@link CombinedCheck}): sweeps then check each combination of its
     * value with the others that their tasks bring, not each value once.
     */
    public static boolean checkedInCombination(CommandLine.Model.OptionSpec option) {
        return option.userObject() instanceof java.lang.reflect.Field f && f.isAnnotationPresent(CombinedCheck.class);
    }

    /**
     * Whether the option takes integers, or lists of them (seeds, counts, layers): a number read as a
     * decimal of magnitude 2⁵³ or more is refused for it ({@link dev.morse.io.Numbers#beyondExactWholes}),
     * from a --config file as from a sweep's spec.
     */
    public static boolean takesIntegers(CommandLine.Model.OptionSpec option) {
        Class<?> t = option.type();
        if (t.isArray()) t = t.getComponentType();
        else if (java.util.Collection.class.isAssignableFrom(t) && option.auxiliaryTypes().length > 0) t = option.auxiliaryTypes()[0];
        return t == long.class || t == int.class || t == short.class || t == byte.class
                || t == Long.class || t == Integer.class || t == Short.class || t == Byte.class;
    }

    /**
     * Whether the option names a file or folder the command writes ({@link WritesFiles}: --json,
     * --plots, --save, --save-vectors, --save-gradient, --checkpoint-dir, --resume, demo's --out).
     * Reports leave each such option out of their config ({@link Report#recorded}: a rerun from the
     * report would write over those files), and sweeps put each such option of a step into its
     * task folder.
     */
    public static boolean writesFiles(CommandLine.Model.OptionSpec option) {
        return option.userObject() instanceof java.lang.reflect.Field f && f.isAnnotationPresent(WritesFiles.class);
    }

    /**
     * Whether an internal error's stack trace is asked for: {@code --debug} anywhere on the command
     * line, or {@code MORSE_DEBUG=1}. The one rule, for this CLI and bin/morse-cluster's commands.
     */
    public static boolean debugAsked(String... args) {
        return "1".equals(System.getenv("MORSE_DEBUG")) || List.of(args).contains("--debug");
    }

    /** The command line without its {@code --debug} (taken anywhere, see {@link #debugAsked}). */
    public static String[] withoutDebug(String... args) {
        return java.util.Arrays.stream(args).filter(a -> !a.equals("--debug")).toArray(String[]::new);
    }

    static int run(PrintWriter out, PrintWriter err, boolean terminal, String... args) {
        final boolean trace = debugAsked(args);
        args = withoutDebug(args);
        Main main = new Main();
        main.stderrTerminal = terminal;
        CommandLine cl = commandLine(main);
        cl.setOut(out);
        cl.setErr(err);
        cl.setExitCodeExceptionMapper(Main::exitCodeFor);
        cl.setExecutionExceptionHandler((ex, cmd, parseResult) -> {
            // Ctrl-C or SIGTERM: what fails now fails because the JVM is shutting down (Spark's hook stops
            // the session of --master under its job). Not an error to report: the output files' hook
            // says that the command was interrupted, as in any command, and the JVM exits with the
            // signal's code (130 for SIGINT, 143 for SIGTERM), not with what this returns.
            if (shuttingDown()) return EXIT_INTERRUPTED;
            int code = exitCodeFor(ex);
            String name = cmd.getCommandSpec().qualifiedName();
            if (ex instanceof java.io.IOException io && !(ex instanceof java.nio.file.FileSystemException)) {
                cmd.getErr().println(name + ": input/output error: " + io.getMessage());
                cmd.getErr().flush();
                return EXIT_USAGE;
            }
            if (ex instanceof java.nio.file.FileSystemException fs) {
                cmd.getErr().println(name + ": " + fs.getFile() + ": " + switch (fs) {
                    case java.nio.file.NoSuchFileException e -> "no such file or folder";
                    case java.nio.file.AccessDeniedException e -> "permission denied";
                    case java.nio.file.FileAlreadyExistsException e -> "already exists";
                    case java.nio.file.NotDirectoryException e -> "not a folder";
                    default -> fs.getReason() == null ? "file system error" : fs.getReason();
                });
                cmd.getErr().flush();
                return EXIT_USAGE;
            }
            if (code == 1) {
                cmd.getErr().println(name + ": internal error: " + ex + (trace ? "" : " (a bug; rerun with --debug for the stack trace, and please report it)"));
                if (trace) ex.printStackTrace(cmd.getErr());
            } else {
                cmd.getErr().println(name + ": " + ex.getMessage());
            }
            cmd.getErr().flush();
            return code;
        });
        cl.setParameterExceptionHandler((ex, argv) -> {
            CommandLine cmd = ex.getCommandLine();
            if (renamedBatchSize(ex)) {
                cmd.getErr().println(cmd.getCommandSpec().qualifiedName() + ": --batch-size is no option of " + cmd.getCommandSpec().name()
                        + ": the rows per chunk of the data are now --chunk-rows ROWS (--batch-size is the minibatch of 'morse train')");
                cmd.getErr().flush();
                return EXIT_USAGE;
            }
            cmd.getErr().println(cmd.getCommandSpec().qualifiedName() + ": " + ex.getMessage());
            CommandLine.UnmatchedArgumentException.printSuggestions(ex, cmd.getErr());
            cmd.getErr().println("(see '" + cmd.getCommandSpec().qualifiedName() + " --help')");
            cmd.getErr().flush();
            return EXIT_USAGE;
        });
        cl.getCommandSpec().exitCodeOnInvalidInput(EXIT_USAGE);
        try {
            args = applyConfig(cl, args, ConfigFile::load);
        } catch (IllegalArgumentException e) {
            err.println("morse: " + e.getMessage());
            err.flush();
            return EXIT_USAGE;
        }
        int code;
        try {
            code = cl.execute(args);
        } catch (OutOfMemoryError e) {
            // Errors pass through picocli's handlers; the analysis commands catch their own (BaseCommand).
            err.println("morse: out of memory (" + e.getMessage() + "). " + Estimates.advice());
            code = EXIT_MEMORY;
        }
        out.flush();
        err.flush();
        return code;
    }

    /**
     * Whether the JVM runs its shutdown hooks (SIGINT, SIGTERM, System.exit): then no hook can be
     * added. An exception a command ends with then is the interrupt's, not an error.
     */
    public static boolean shuttingDown() {
        Thread probe = new Thread(() -> { });
        try {
            Runtime.getRuntime().addShutdownHook(probe);
            Runtime.getRuntime().removeShutdownHook(probe);
            return false;
        } catch (IllegalStateException e) {
            return true;
        }
    }

    /** The command line as every entry point parses it: case-insensitive enum values. */
    private static CommandLine commandLine(Main main) {
        CommandLine cl = new CommandLine(main);
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        return cl;
    }

    /**
     * Checks a command line without running it, for callers that check many before running any
     * (sweeps, on their driver): picocli's parse as {@link #run} sets it up (option names, types,
     * enum values, converters, {@code --config} semantics), then the command's own checks that read
     * no file and do no work ({@code BaseCommand.checkOptions}: the model, activation, loss,
     * regularizer, built-in --data and --init specs, options that go together, a --seed that draws
     * nothing, {@code fit}'s {@code --grad-tol}, {@code train}'s optimizer, schedule and penalties,
     * the limits of {@code trace}'s probes and {@code density}'s kernel and grid, what P allows
     * ({@code spectrum}'s --basis, {@code trace}'s exact method), repeated options, plot options of
     * commands that draw none, and options the rest of the command line leaves without effect:
     * {@code --plot-format} and {@code --log-scale} without {@code --plots}, train's curvature
     * settings without {@code --curvature-every}, seeds of draws that do not happen, an
     * {@code --activation} without a hidden layer, Fashion-MNIST's {@code test=M} outside train's
     * held-out set, two penalties of one kind).
     * Files named by options (weights, inputs, outputs) are neither read nor required to exist.
     *
     * @param config the text of the JSON file that {@code --config} names in {@code args}, which need
     *               not exist yet; null to read the file named there (if any)
     * @return null when the command would start, else the message {@link #run} would print (exit 2)
     */
    public static String check(String config, String... args) {
        return new Checker().check(config, args);
    }

    /**
     * {@link Main#check} for many command lines: one parser, built once (building it costs tens of
     * milliseconds, a parse a few). picocli keeps the value of an option that a parse does not set
     * (the option groups' instances survive from an earlier parse), so one checker serves command
     * lines that set the same options with other values, such as the configs of one sweep step
     * (CheckerTest); a step with other keys needs a checker of its own. Not for several threads at once.
     */
    public static final class Checker {
        private final CommandLine cl = commandLine(new Main());

        /** As {@link Main#check}. */
        public String check(String config, String... args) {
            cl.setDefaultValueProvider(null);   // an earlier check's --config
            try {
                args = applyConfig(cl, args, config == null ? ConfigFile::load : f -> ConfigFile.parse(config, f));
            } catch (IllegalArgumentException e) {
                return "morse: " + e.getMessage();
            }
            CommandLine.ParseResult parsed;
            try {
                parsed = cl.parseArgs(args);
            } catch (CommandLine.ParameterException e) {
                return e.getCommandLine().getCommandSpec().qualifiedName() + ": " + e.getMessage();
            }
            CommandLine.ParseResult sub = parsed.subcommand();
            if (sub == null || !(sub.commandSpec().userObject() instanceof BaseCommand command)) return null;
            try {
                command.check();
                return null;
            } catch (CliException | IllegalArgumentException e) {
                return sub.commandSpec().qualifiedName() + ": " + e.getMessage();
            }
        }
    }

    /**
     * Whether the command line runs products over a Spark data set: {@code --master} given, on the
     * command line or by its {@code --config} file (a report of a {@code --master} run records it,
     * and a config may give it). {@code bin/morse} asks this ({@link Route}) of a command line with
     * {@code --config}, and hands such a command to {@code bin/morse-cluster}, whose class path has
     * the {@link OperatorProvider}. The answer is the parse that {@link #run} does (the file as
     * {@code --config} reads it, the command line over it), so no path or other string value in
     * the file is taken for the option. False for a command line that does not parse: the CLI then
     * says what is wrong.
     */
    public static boolean runsOnSpark(String... args) {
        List<String> rest = new ArrayList<>();
        for (String a : args) if (!a.equals("--debug")) rest.add(a);
        CommandLine cl = commandLine(new Main());
        CommandLine.ParseResult parsed;
        try {
            parsed = cl.parseArgs(applyConfig(cl, rest.toArray(new String[0]), ConfigFile::load));
        } catch (RuntimeException e) {   // a bad config or command line: the CLI's run reports it
            return false;
        }
        CommandLine.ParseResult sub = parsed.subcommand();
        if (sub == null) return false;
        CommandLine.Model.OptionSpec master = sub.commandSpec().findOption("--master");
        return master != null && master.getValue() != null;
    }

    /**
     * Whether the error is an unknown {@code --batch-size}: the analysis commands' chunking option
     * was renamed {@code --chunk-rows} when {@code --batch-size} became the minibatch of
     * {@code train}, so an old command line gets a pointer, not just "unknown option".
     */
    private static boolean renamedBatchSize(CommandLine.ParameterException ex) {
        if (!(ex instanceof CommandLine.UnmatchedArgumentException u)) return false;
        for (String a : u.getUnmatched()) if (a.equals("--batch-size") || a.startsWith("--batch-size=")) return true;
        return false;
    }

    /** The file that --config names in the arguments (the last one given), or null. */
    static Path configFile(String... args) {
        Path file = null;
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--config")) {
                if (i + 1 >= args.length) throw new InputException("--config needs a file name");
                file = Path.of(args[i + 1]);
            } else if (args[i].startsWith("--config=")) {
                file = Path.of(args[i].substring("--config=".length()));
            }
        }
        return file;
    }

    /** Finds --config in the arguments, installs its values as defaults, and supplies its "command" when none is given. */
    private static String[] applyConfig(CommandLine cl, String[] args, java.util.function.Function<Path, ConfigFile> load) {
        Path file = configFile(args);
        if (file == null) return args;
        ConfigFile cfg = load.apply(file);
        String running = null;
        for (String a : args) {
            if (cl.getSubcommands().containsKey(a)) {
                running = a;
                break;
            }
        }
        // A renamed key first: "batch_size" of an analysis command is now "chunk_rows", say so rather than "not an option".
        cfg.checkRenamed(running != null ? running : cfg.command);
        cfg.validate(cl, running != null ? running : cfg.command);
        cl.setDefaultValueProvider(cfg);
        boolean hasCommand = running != null;
        if (!hasCommand) {
            if (cfg.command == null) {
                throw new InputException(file + ": no command on the command line and no \"command\" in the file; e.g. morse spectrum --config " + file);
            }
            List<String> all = new ArrayList<>();
            all.add(cfg.command);
            all.addAll(Arrays.asList(args));
            return all.toArray(new String[0]);
        }
        return args;
    }

    static int exitCodeFor(Throwable t) {
        if (t instanceof CliException c) return c.exitCode;
        if (t instanceof dev.morse.linalg.MemoryLimitException) return EXIT_MEMORY;
        if (t instanceof OutOfMemoryError) return EXIT_MEMORY;
        // -Dmorse.linalg=native with -Dmorse.blas=java: refused at start-up (BaseCommand), this for the commands without that check
        if (t instanceof dev.morse.linalg.BackendConfigurationException) return EXIT_USAGE;
        // The engine's long work ends so when its thread is interrupted (a cancelled Spark task, an embedder): not a bug
        if (t instanceof java.util.concurrent.CancellationException) return EXIT_INTERRUPTED;
        if (t instanceof dev.morse.linalg.LinalgException) return EXIT_NUMERICAL;
        // Bad input is an InputException (files, options) or a picocli parameter error; any other
        // IllegalArgumentException comes from a check inside Morse that should never fail: a bug.
        if (t instanceof dev.morse.io.InputException || t instanceof CommandLine.ParameterException) return EXIT_USAGE;
        if (t instanceof java.nio.file.NoSuchFileException || t instanceof java.nio.file.AccessDeniedException
                || t instanceof java.nio.file.FileAlreadyExistsException || t instanceof java.nio.file.NotDirectoryException) return EXIT_USAGE;
        return 1;
    }

    /** The implementation version of the jar, or the project version when run from classes. */
    static String version() {
        String v = Main.class.getPackage().getImplementationVersion();
        return v == null ? "0.1.0-SNAPSHOT" : v;
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"morse " + version() + " (JDK " + Runtime.version() + ")"};
        }
    }
}
