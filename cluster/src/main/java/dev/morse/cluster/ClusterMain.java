package dev.morse.cluster;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * The entry point of {@code bin/morse-cluster} (and of {@code spark-submit} of the shaded jar):
 * {@code morse sweep run|status|report}, {@code morse experiment list|run|report} and
 * {@code morse cluster start|stop|status}, picocli
 * commands like the CLI's; every other command line goes to the CLI itself
 * ({@code dev.morse.cli.Main}) with this module on the class path, which is how
 * {@code spectrum|density|trace --master} find their {@link SparkOperatorProvider}.
 *
 * <p>Exit codes as the CLI's: 0 success; 1 an internal error (a bug); 2 bad usage or input (a
 * spec error, a folder that holds another sweep); 5 incomplete
 * ({@link #EXIT_INCOMPLETE}: {@code sweep run} or {@code experiment run} ended with tasks missing,
 * Spark gave up on them, and the same command resumes; {@code sweep status}, {@code sweep report} and {@code experiment report} while tasks are
 * missing); 130 interrupted (Ctrl-C, or a sweep's job cancelled), 143 for SIGTERM, with one line
 * that says so, the same for both signals.
 */
@Command(name = "morse", mixinStandardHelpOptions = true, usageHelpAutoWidth = true,
        versionProvider = ClusterMain.Version.class,
        description = {"Morse on Apache Spark: sweeps of analyses over a grid of options, the research experiments, a standalone cluster on this machine.",
                "Every other command (spectrum, density, trace with --master; fit, morse, …) is the CLI's: 'morse COMMAND --help'."},
        commandListHeading = "%nCommands:%n",
        subcommands = {ClusterMain.Sweep.class, ClusterMain.ExperimentGroup.class, ClusterMain.Cluster.class, CommandLine.HelpCommand.class},
        footer = {"%nExit codes: 0 success; 1 internal error (a bug; --debug prints the stack trace); 2 bad usage or input; 5 incomplete (sweep run, experiment run: "
                + "tasks missing because Spark gave up on them, and the same command resumes; sweep status, sweep report, experiment report: tasks missing); "
                + "130 interrupted (Ctrl-C; 143 for SIGTERM; a rerun of sweep run or experiment run resumes)."})
public final class ClusterMain implements Runnable {

    static final Set<String> OWN = Set.of("sweep", "cluster", "experiment");

    /**
     * The exit code of a command stopped by Ctrl-C: 130 (128 + SIGINT), what the JVM exits with on
     * that signal, so what every interrupted morse command gives ({@code sweep run} and
     * {@code experiment run} also when their job is cancelled otherwise).
     */
    static final int EXIT_INTERRUPTED = dev.morse.cli.Main.EXIT_INTERRUPTED;

    /** The exit code of a command stopped by SIGTERM: 143 (128 + SIGTERM), the JVM's; the same line as at Ctrl-C. */
    static final int EXIT_TERMINATED = dev.morse.cli.Main.EXIT_TERMINATED;

    /**
     * The exit code of a sweep with tasks missing: {@code sweep run} and {@code experiment run}
     * when Spark gave up on some (the same command resumes), {@code sweep status} while some are
     * not committed, and {@code experiment report} then. The CLI's {@link dev.morse.cli.Main#EXIT_INCOMPLETE}, apart from 1 (a bug).
     */
    static final int EXIT_INCOMPLETE = dev.morse.cli.Main.EXIT_INCOMPLETE;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /** Runs a command line; returns the exit code. */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        PrintWriter o = new PrintWriter(out, true, StandardCharsets.UTF_8);
        PrintWriter e = new PrintWriter(err, true, StandardCharsets.UTF_8);
        // The first word that is not an option names the command (bin/morse passes --debug, --config
        // FILE … anywhere): sweep, cluster and help are ours; any other goes to the CLI, with Spark on
        // the class path, and so does --config before any command word: ours take no --config, the
        // file's name after it is no command word, and the file may name the command itself (a report
        // of a --master run, which bin/morse hands over). Options alone (--help, --version) are ours.
        String first = null;
        for (String a : args) {
            if (a.equals("--config") || a.startsWith("--config=")) return dev.morse.cli.Main.run(o, e, args);
            if (!a.startsWith("-")) {
                first = a;
                break;
            }
        }
        if (first != null && !OWN.contains(first) && !first.equals("help")) {
            return dev.morse.cli.Main.run(o, e, args);
        }
        // --debug anywhere (bin/morse hands it over with the command), or MORSE_DEBUG=1, as the CLI
        // takes them: an internal error's stack trace
        final boolean trace = dev.morse.cli.Main.debugAsked(args);
        args = dev.morse.cli.Main.withoutDebug(args);
        // Backend properties that contradict each other are the driver JVM's, not the spec's: refused
        // here, before the spec's steps are checked (whose checks would blame a step).
        String backends = first == null ? null : dev.morse.linalg.Linalg.configurationError();
        if (backends != null) {
            e.println("morse " + first + ": " + backends);
            e.flush();
            return 2;
        }
        CommandLine cl = new CommandLine(new ClusterMain());
        cl.setOut(o);
        cl.setErr(e);
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            if (SweepRunner.interrupted(ex)) {
                // Ctrl-C: Spark's shutdown hook stopped the session under the job (or the job was
                // cancelled). One line, as every interrupted morse command prints, not the exception.
                if (cmd.getCommandSpec().userObject() instanceof Interruptible i && i.interruptLine() != null) {
                    i.interruptLine().say();
                } else {
                    cmd.getErr().println(cmd.getCommandSpec().qualifiedName() + ": interrupted");
                    cmd.getErr().flush();
                }
                return EXIT_INTERRUPTED;
            }
            boolean input = ex instanceof IllegalArgumentException || ex instanceof java.nio.file.NoSuchFileException
                    || ex instanceof ClassNotFoundException || ex instanceof IllegalStateException;
            String m = ex.getMessage() == null || !input ? TaskExecutor.describe(ex) : ex.getMessage();
            if (ex instanceof java.nio.file.NoSuchFileException nf) m = nf.getFile() + ": " + (nf.getReason() == null ? "no such file or folder" : nf.getReason());
            cmd.getErr().println(cmd.getCommandSpec().qualifiedName() + ": " + m);
            if (trace && !input) ex.printStackTrace(cmd.getErr());
            cmd.getErr().flush();
            return input ? 2 : 1;
        });
        cl.setParameterExceptionHandler((ex, argv) -> {
            CommandLine cmd = ex.getCommandLine();
            cmd.getErr().println(cmd.getCommandSpec().qualifiedName() + ": " + ex.getMessage());
            CommandLine.UnmatchedArgumentException.printSuggestions(ex, cmd.getErr());
            cmd.getErr().println("(see '" + cmd.getCommandSpec().qualifiedName() + " --help')");
            cmd.getErr().flush();
            return 2;
        });
        int code = cl.execute(args);
        o.flush();
        e.flush();
        return code;
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"morse " + SweepRunner.morseVersion() + " (cluster module, Spark " + org.apache.spark.package$.MODULE$.SPARK_VERSION()
                    + ", JDK " + Runtime.version() + ")"};
        }
    }

    /** A command that runs a sweep: its {@link InterruptLine} while it runs, else null. */
    interface Interruptible {
        InterruptLine interruptLine();
    }

    /**
     * The one line of an interrupted {@code sweep run} or {@code experiment run}, said once: by the
     * error handler when the job ends cancelled, or at Ctrl-C (SIGINT, SIGTERM) by a shutdown hook
     * while the command runs, since the JVM may end once Spark's own hook has stopped the session,
     * before the command's thread gets to the handler.
     */
    static final class InterruptLine {
        private final PrintWriter err;
        private final String line;
        private final AtomicBoolean claimed = new AtomicBoolean();
        private final CountDownLatch said = new CountDownLatch(1);
        private Thread hook;

        InterruptLine(CommandLine.Model.CommandSpec spec) {
            this.err = spec.commandLine().getErr();
            this.line = spec.qualifiedName() + ": interrupted; the tasks committed so far are kept, and the same command resumes";
        }

        /** Says the line at Ctrl-C until {@link #disarm}. */
        InterruptLine arm() {
            hook = new Thread(this::say, "morse-interrupted");
            try {
                Runtime.getRuntime().addShutdownHook(hook);
            } catch (IllegalStateException e) {
                hook = null;   // shutting down already: the handler says it
            }
            return this;
        }

        void disarm() {
            if (hook == null) return;
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException e) {
                // shutting down: the hook runs (or ran)
            }
        }

        /** Prints the line unless it was printed; a second caller waits (briefly) until it is out. */
        void say() {
            if (claimed.compareAndSet(false, true)) {
                err.println(line);
                err.flush();
                said.countDown();
                return;
            }
            try {
                said.await(2, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Prints the usage of a command group called without a subcommand, and exits 2. */
    abstract static class Group implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            spec.commandLine().getErr().println(spec.qualifiedName() + ": a subcommand is needed");
            spec.commandLine().usage(spec.commandLine().getErr());
            return 2;
        }
    }

    /** {@code --state DIR}: where {@code cluster start} records the cluster. */
    static final class StateOption {
        @Option(names = "--state", paramLabel = "DIR",
                description = "The cluster's folder (default: $MORSE_CLUSTER_DIR or ~/.morse/cluster).")
        Path state;

        Path dir() {
            return state != null ? state : StandaloneCluster.defaultStateDir();
        }

        /** {@code " --state DIR"} as given, or nothing: for the commands a message tells the user to run. */
        String option() {
            return state != null ? " --state " + state : "";
        }
    }

    // ------------------------------------------------------------------ experiment

    @Command(name = "experiment", mixinStandardHelpOptions = true, usageHelpAutoWidth = true,
            description = {"The research questions as runnable experiments: a bundled sweep per scale, then an analysis that writes "
                    + "DIR/report.md (claims, setup, tables, plots, verdicts, caveats), DIR/verdicts.json and DIR/plots/.",
                    "See README, \"Experiments\"."},
            commandListHeading = "%nCommands:%n",
            subcommands = {ExperimentList.class, ExperimentRun.class, ExperimentReport.class})
    static final class ExperimentGroup extends Group {}

    @Command(name = "list", mixinStandardHelpOptions = true, usageHelpAutoWidth = true,
            description = "The experiments: name, what each tests, its claims, and the tasks of each scale.")
    static final class ExperimentList implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            PrintWriter out = spec.commandLine().getOut();
            for (dev.morse.experiments.Experiment e : dev.morse.experiments.Experiments.all()) {
                out.println(e.name() + ": " + e.title());
                out.println("  " + e.summary());
                out.println("  source: " + e.source());
                StringBuilder claims = new StringBuilder();
                for (dev.morse.experiments.Claim c : e.claims()) claims.append(claims.length() == 0 ? "" : ", ").append(c.id());
                out.println("  claims: " + claims);
                StringBuilder scales = new StringBuilder();
                for (String s : dev.morse.experiments.BundledSpecs.SCALES) {
                    scales.append(scales.length() == 0 ? "" : ", ").append(s).append(" ")
                            .append(dev.morse.experiments.BundledSpecs.bundledSpec(e.name(), s).size()).append(" tasks");
                }
                out.println("  scales: " + scales);
                out.println("  run:    morse experiment run " + e.name() + " --scale quick --out experiments/" + e.name());
                out.println();
            }
            return 0;
        }
    }

    @Command(name = "run", mixinStandardHelpOptions = true, usageHelpAutoWidth = true, sortOptions = false,
            description = {"Runs (or resumes) experiment NAME at a scale into DIR, then writes DIR/report.md, DIR/verdicts.json and DIR/plots/.",
                    "%nThe sweep's rows are DIR/results.jsonl and DIR/results.parquet; a rerun into the same folder runs only the missing "
                            + "tasks, then analyses again. Scales: tiny (seconds, what the tests run), quick (≤ 10 minutes on 2 cores), "
                            + "full (sized for a cluster). Exit 5 (incomplete) when tasks are missing at the end (Spark gave up on them): "
                            + "the same command resumes."},
            footer = {"%nExamples:",
                    "  morse experiment run weight-decay-zeros --scale quick --out experiments/wdz",
                    "  morse experiment run morse-regularizers --scale full --out /shared/mr --master spark://host:7077"})
    static final class ExperimentRun implements Callable<Integer>, Interruptible {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        InterruptLine interrupted;

        @Override
        public InterruptLine interruptLine() {
            return interrupted;
        }

        @Parameters(index = "0", paramLabel = "NAME", description = "The experiment ('morse experiment list').")
        String name;

        @Option(names = "--scale", paramLabel = "SCALE", defaultValue = "quick", order = 1,
                description = "tiny, quick or full (default: ${DEFAULT-VALUE}).")
        String scale;

        @Option(names = "--out", paramLabel = "DIR", required = true, order = 2,
                description = "The experiment's folder (created; a rerun resumes).")
        Path out;

        @Option(names = "--master", paramLabel = "URL", order = 3,
                description = "local[*] (default), local[N], spark://HOST:PORT, or cluster (the one 'morse cluster start' recorded).")
        String master;

        @Option(names = "--retry-failed", order = 4, description = "Run failed tasks again.")
        boolean retryFailed;

        @Option(names = "--conf", paramLabel = "KEY=VALUE", order = 5, description = "A Spark setting (repeatable).")
        List<String> conf = new ArrayList<>();

        @CommandLine.Mixin
        StateOption state = new StateOption();

        @Override
        public Integer call() throws Exception {
            dev.morse.experiments.Experiment e = dev.morse.experiments.Experiments.byName(name);
            dev.morse.experiments.BundledSpecs.checkScale(scale);
            String m = master != null ? master : System.getProperty("spark.master", "local[*]");
            if (m.equals("cluster")) m = recordedMaster(state);
            Map<String, String> sparkConf = sparkConf(conf);
            e.prepare(scale).spec().check(e.steps());   // before Spark starts
            SweepDir.checkWritable(out);
            SweepRunner.Options so = SweepRunner.Options.defaults().withRetryFailed(retryFailed);
            interrupted = new InterruptLine(spec).arm();
            try (SparkSession spark = SparkJvm.session(m, "morse experiment " + name + " (" + scale + ")", sparkConf)) {
                dev.morse.experiments.ExperimentRunner.Result r = dev.morse.experiments.ExperimentRunner.run(spark, e, scale, out, so);
                return r.sweep().complete() ? 0 : EXIT_INCOMPLETE;
            } finally {
                interrupted.disarm();
            }
        }
    }

    @Command(name = "report", mixinStandardHelpOptions = true, usageHelpAutoWidth = true,
            description = {"Redoes the analysis of the experiment in DIR (no Spark): report.md, verdicts.json, plots/.",
                    "Works on a folder whose sweep is incomplete or still running: every verdict is then inconclusive (verdicts.json keeps "
                            + "the rule's answer on the rows there are as rule_verdict, and the task counts), and the exit code is 5 (incomplete)."})
    static final class ExperimentReport implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "DIR", description = "The experiment's folder (--out of experiment run).")
        Path dir;

        @Override
        public Integer call() throws Exception {
            return dev.morse.experiments.ExperimentRunner.analyze(dir, System.err).complete() ? 0 : EXIT_INCOMPLETE;
        }
    }

    // ------------------------------------------------------------------ sweep

    @Command(name = "sweep", mixinStandardHelpOptions = true, usageHelpAutoWidth = true,
            description = {"The same analyses over a grid of options, as one Spark job: one task per grid point, run inside "
                    + "an executor JVM, committed atomically, one row of DIR/results.jsonl and DIR/results.parquet each.",
                    "A rerun into the same folder skips committed tasks. See README, \"Sweeps\"."},
            commandListHeading = "%nCommands:%n",
            subcommands = {SweepRun.class, SweepStatusCommand.class, SweepReportCommand.class})
    static final class Sweep extends Group {}

    @Command(name = "run", mixinStandardHelpOptions = true, usageHelpAutoWidth = true, sortOptions = false,
            description = {"Runs (or resumes) the sweep of SPEC.json into DIR.",
                    "%nSPEC: {\"name\": …, \"base\": {options}, \"grid\": {option: [values]}, \"zip\": [[options]], "
                            + "\"steps\": [{\"fit\": {options}}, {\"morse\": {}}]}. Options are the keys of --config files; a step is a "
                            + "morse command (init, fit, morse, spectrum, trace, density, …) or refine (fit --optimizer newton). "
                            + "Exit 5 (incomplete) when tasks are missing at the end (Spark gave up on them): the same command resumes; "
                            + "failed tasks are rows, not an error."},
            footer = {"%nExamples:",
                    "  morse sweep run cluster/examples/weight-decay.json --out sweeps/wd",
                    "  morse sweep run spec.json --out sweeps/wd --master cluster          # after 'morse cluster start'",
                    "  morse sweep run spec.json --out /shared/wd --master spark://host:7077"})
    static final class SweepRun implements Callable<Integer>, Interruptible {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        InterruptLine interrupted;

        @Override
        public InterruptLine interruptLine() {
            return interrupted;
        }

        @Parameters(index = "0", paramLabel = "SPEC.json", description = "The sweep spec.")
        Path specFile;

        @Option(names = "--out", paramLabel = "DIR", required = true, order = 1,
                description = "The sweep's folder: tasks/, results.jsonl, results.parquet (created; a rerun resumes).")
        Path out;

        @Option(names = "--master", paramLabel = "URL", order = 2,
                description = "local[*] (default), local[N], spark://HOST:PORT, or cluster (the one 'morse cluster start' recorded). "
                        + "Under spark-submit: its --master.")
        String master;

        @Option(names = "--retry-failed", order = 3, description = "Run failed tasks again (their old results go to DIR/retired/).")
        boolean retryFailed;

        @Option(names = "--tasks-per-partition", paramLabel = "N", defaultValue = "1", order = 4,
                description = "Tasks per Spark task (default ${DEFAULT-VALUE}: the finest balancing and retry unit).")
        int tasksPerPartition;

        @Option(names = "--conf", paramLabel = "KEY=VALUE", order = 5,
                description = "A Spark setting, e.g. --conf spark.executor.memory=4g (repeatable).")
        List<String> conf = new ArrayList<>();

        @CommandLine.Mixin
        StateOption state = new StateOption();

        @Option(names = "--runner", paramLabel = "CLASS", order = 6,
                description = "A StepRunner class (no-argument constructor) instead of MorseSteps, the CLI's commands: "
                        + "an experiment's own steps, e.g. dev.morse.experiments.benign.BenignSteps.")
        String runner;

        @Override
        public Integer call() throws Exception {
            PrintWriter err = spec.commandLine().getErr();
            // under spark-submit, its --master (the spark.master property) is the default
            String m = master != null ? master : System.getProperty("spark.master", "local[*]");
            if (m.equals("cluster")) m = recordedMaster(state);
            if (tasksPerPartition < 1) throw new IllegalArgumentException("--tasks-per-partition must be ≥ 1, got " + tasksPerPartition);
            Map<String, String> sparkConf = sparkConf(conf);
            SweepSpec sp = SweepSpec.read(specFile);   // refuses more than SweepSpec.MAX_TASKS tasks, counted from the axis sizes
            if (sp.size() > SweepSpec.ANNOUNCE_TASKS) {
                err.println("morse sweep run: " + sp.size() + " tasks (" + sp.shape() + "); checking them before Spark starts");
                err.flush();
            }
            StepRunner steps = runner == null ? new MorseSteps()
                    : (StepRunner) Class.forName(runner).getDeclaredConstructor().newInstance();
            sp.check(steps);   // before Spark starts: a spec error costs no session
            SweepDir.checkWritable(out);
            if (!SparkJvm.isLocalMachine(m) && "127.0.0.1".equals(System.getenv("SPARK_LOCAL_IP"))) {
                err.println("morse sweep run: warning: SPARK_LOCAL_IP=127.0.0.1 but the master " + m + " is elsewhere;"
                        + " its executors cannot reach this driver. Set SPARK_LOCAL_IP to this machine's address.");
            }
            SweepRunner.Options so = SweepRunner.Options.defaults().withRetryFailed(retryFailed).withTasksPerPartition(tasksPerPartition);
            interrupted = new InterruptLine(spec).arm();
            try (SparkSession spark = SparkJvm.session(m, "morse sweep " + sp.name(), sparkConf)) {
                SweepRunner.Result r = SweepRunner.run(spark, sp, out, steps, so);
                return r.complete() ? 0 : EXIT_INCOMPLETE;
            } finally {
                interrupted.disarm();
            }
        }
    }

    /** The Spark settings of {@code --conf KEY=VALUE} (repeatable), in order; the one parse of sweep run's and experiment run's. */
    static Map<String, String> sparkConf(List<String> conf) {
        Map<String, String> sparkConf = new LinkedHashMap<>();
        for (String kv : conf) {
            int eq = kv.indexOf('=');
            if (eq <= 0) throw new IllegalArgumentException("--conf " + kv + ": expected KEY=VALUE");
            sparkConf.put(kv.substring(0, eq), kv.substring(eq + 1));
        }
        return sparkConf;
    }

    /** The master URL of the cluster recorded in {@code --state}; the hint without one carries the same {@code --state} (as cluster status's). */
    static String recordedMaster(StateOption state) throws java.io.IOException {
        return StandaloneCluster.read(state.dir()).orElseThrow(() -> new IllegalArgumentException(
                "--master cluster: no cluster recorded in " + state.dir() + " (start one with: morse cluster start" + state.option() + ")")).masterUrl();
    }

    @Command(name = "status", mixinStandardHelpOptions = true, usageHelpAutoWidth = true,
            description = {"Done, failed and missing tasks of the sweep in DIR, by grid axis; the failures' messages.",
                    "Reads only the folder (no Spark): works while the sweep runs. Exit 5 (incomplete) while tasks are missing."})
    static final class SweepStatusCommand implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Parameters(index = "0", paramLabel = "DIR", description = "The sweep's folder (--out of sweep run).")
        Path dir;

        @Override
        public Integer call() throws Exception {
            SweepStatus st = SweepStatus.of(dir);
            spec.commandLine().getOut().print(st.text());
            return st.complete() ? 0 : EXIT_INCOMPLETE;
        }
    }

    @Command(name = "report", mixinStandardHelpOptions = true, usageHelpAutoWidth = true, sortOptions = false,
            description = {"Tables and plots of a sweep's results, grouped by its grid axes (reads the folder; no Spark).",
                    "%nWithout options: counts by axis, and every numeric output's mean/min/max by each axis.",
                    "Exit 5 (incomplete) while tasks are missing: the report covers the rows there are."},
            footer = {"%nExamples:",
                    "  morse sweep report sweeps/wd",
                    "  morse sweep report sweeps/wd --column morse.nullity --by reg,width",
                    "  morse sweep report sweeps/wd --heatmap morse.nullity --x width --y reg",
                    "  morse sweep report sweeps/wd --heatmap morse.min_abs_over_tau --x width --y reg --log",
                    "  morse sweep report sweeps/wd --near-zero morse.nearest_zero --tau morse.tau"})
    static final class SweepReportCommand implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Parameters(index = "0", paramLabel = "DIR", description = "The sweep's folder.")
        Path dir;

        @Option(names = "--column", paramLabel = "C", order = 1, description = "A grouped table of this output column (mean, min, max).")
        String column;

        @Option(names = "--by", paramLabel = "AXIS", split = ",", order = 2, description = "The axes of --column's table (default: all).")
        List<String> by;

        @Option(names = "--pivot", paramLabel = "C", order = 3, description = "A grid of the means of C over --y (rows) × --x (columns).")
        String pivot;

        @Option(names = "--heatmap", paramLabel = "C", order = 4,
                description = "A heat map (PNG) of the mean of C over --x × --y (mean over the other axes, done tasks).")
        String heatmap;

        @Option(names = "--x", paramLabel = "AXIS", order = 5, description = "Horizontal axis of --heatmap/--pivot (default: the second grid axis).")
        String x;

        @Option(names = "--y", paramLabel = "AXIS", order = 6, description = "Vertical axis of --heatmap/--pivot (default: the first grid axis).")
        String y;

        @Option(names = "--log", order = 7, description = "--heatmap of log10|C| (e.g. min|λ|/τ over orders of magnitude).")
        boolean log;

        @Option(names = "--near-zero", paramLabel = "C", order = 8,
                description = "A plot (PNG) of each task's eigenvalues nearest zero, |λ| on a log axis: an array column such as morse.nearest_zero.")
        String nearZero;

        @Option(names = "--tau", paramLabel = "C", order = 9, description = "With --near-zero: each task's zero threshold τ as a bar (e.g. morse.tau).")
        String tau;

        @Option(names = "--png", paramLabel = "FILE", order = 10,
                description = "The PNG of --heatmap or --near-zero (default: DIR/heatmap-C.png, DIR/near-zero-C.png). "
                        + "An existing file is refused unless --force.")
        Path png;

        @Option(names = "--force", order = 11, description = "Replace the PNG if it exists.")
        boolean force;

        @Override
        public Integer call() throws Exception {
            PrintWriter out = spec.commandLine().getOut();
            if (heatmap != null && nearZero != null && png != null) {
                throw new IllegalArgumentException("--png names one file: give --heatmap and --near-zero in separate runs");
            }
            // refused before any work, as every morse output
            if (heatmap != null) SweepReport.checkWritable(heatmapFile(), force, png == null ? "--heatmap" : null);
            if (nearZero != null) SweepReport.checkWritable(nearZeroFile(), force, png == null ? "--near-zero" : null);
            SweepReport rep = SweepReport.load(dir);
            boolean any = false;
            if (column != null || by != null) {
                out.print(rep.table(by == null ? rep.axes() : by, column));
                any = true;
            }
            String xa = x, ya = y;
            if ((pivot != null || heatmap != null) && (xa == null || ya == null)) {
                List<String> axes = rep.axes();
                if (axes.size() < 2 && (xa == null || ya == null)) {
                    throw new IllegalArgumentException("--pivot/--heatmap need two grid axes; this sweep has " + axes);
                }
                if (ya == null) ya = axes.get(0).equals(xa) ? axes.get(1) : axes.get(0);
                if (xa == null) xa = axes.get(1).equals(ya) ? axes.get(0) : axes.get(1);
            }
            if (pivot != null) {
                out.print(rep.pivot(pivot, ya, xa));
                any = true;
            }
            if (heatmap != null) {
                out.println("heat map: " + rep.heatMap(heatmap, xa, ya, log, heatmapFile(), force));
                any = true;
            }
            if (nearZero != null) {
                List<String> legend = new ArrayList<>();
                Path f = rep.nearZeroPlot(nearZero, tau, nearZeroFile(), legend, force);
                out.println("tasks in the plot of " + nearZero + ":");
                for (String l : legend) out.println("  " + l);
                out.println("plot: " + f);
                any = true;
            }
            if (!any) out.print(rep.text());
            // as sweep status and experiment report: a report of some of the tasks is not the sweep's
            // (counted from the rows the report was made of, not read again: a running sweep moves on)
            if (rep.missing() == 0) return 0;
            out.flush();
            spec.commandLine().getErr().println("morse sweep report: " + rep.missing() + " of " + rep.tasks()
                    + " tasks missing: the sweep is incomplete; the report covers the rows there are (exit 5; 'sweep run' with the same "
                    + "spec and --out runs the missing tasks)");
            return EXIT_INCOMPLETE;
        }

        private Path heatmapFile() {
            return png != null ? png : dir.resolve("heatmap-" + safe(heatmap) + (log ? "-log" : "") + ".png");
        }

        private Path nearZeroFile() {
            return png != null ? png : dir.resolve("near-zero-" + safe(nearZero) + ".png");
        }

        private static String safe(String column) {
            return column.replaceAll("[^A-Za-z0-9_.-]", "_");
        }
    }

    // ------------------------------------------------------------------ cluster

    @Command(name = "cluster", mixinStandardHelpOptions = true, usageHelpAutoWidth = true,
            description = {"A standalone Spark master and workers on 127.0.0.1, from this project's class path: for trying and "
                    + "testing sweeps and --master on one machine. Sweeps use it with --master cluster."},
            commandListHeading = "%nCommands:%n",
            subcommands = {ClusterStart.class, ClusterStop.class, ClusterStatus.class})
    static final class Cluster extends Group {}

    @Command(name = "start", mixinStandardHelpOptions = true, usageHelpAutoWidth = true, sortOptions = false,
            description = {"Starts a master and N workers (Java processes bound to 127.0.0.1), waits until all are alive, and "
                    + "records them in --state (cluster.json)."})
    static final class ClusterStart implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Option(names = "--workers", paramLabel = "N", defaultValue = "2", order = 1, description = "Workers (default: ${DEFAULT-VALUE}).")
        int workers;

        @Option(names = "--cores", paramLabel = "C", defaultValue = "1", order = 2, description = "Cores each worker offers (default: ${DEFAULT-VALUE}).")
        int cores;

        @Option(names = "--memory", paramLabel = "M", defaultValue = "1g", order = 3,
                description = "Memory each worker offers to executors, e.g. 2g (default: ${DEFAULT-VALUE}).")
        String memory;

        @CommandLine.Mixin
        StateOption state = new StateOption();

        @Override
        public Integer call() throws Exception {
            if (workers < 1 || cores < 1) throw new IllegalArgumentException("--workers and --cores must be ≥ 1");
            StandaloneCluster.State s = StandaloneCluster.start(state.dir(), StandaloneCluster.Options.defaults()
                    .withWorkers(workers).withCores(cores).withMemory(memory));
            PrintWriter out = spec.commandLine().getOut();
            out.print(StandaloneCluster.describe(s));
            out.println("use it with: morse sweep run SPEC --out DIR --master cluster" + state.option());
            out.println("stop with:   morse cluster stop" + state.option());
            return 0;
        }
    }

    @Command(name = "stop", mixinStandardHelpOptions = true, usageHelpAutoWidth = true,
            description = "Stops the recorded cluster (workers and their executors first); nothing to stop is not an error.")
    static final class ClusterStop implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @CommandLine.Mixin
        StateOption state = new StateOption();

        @Override
        public Integer call() throws Exception {
            spec.commandLine().getOut().println(StandaloneCluster.stop(state.dir()) ? "stopped" : "no cluster running (state in " + state.dir() + ")");
            return 0;
        }
    }

    @Command(name = "status", mixinStandardHelpOptions = true, usageHelpAutoWidth = true,
            description = "The recorded cluster's master, web UI and processes. Exit 2 (as --master cluster then) when there is "
                    + "none, or its master is not running.")
    static final class ClusterStatus implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @CommandLine.Mixin
        StateOption state = new StateOption();

        @Override
        public Integer call() throws Exception {
            // No cluster to use is the input's fault, not a bug (exit 1 means that): exit 2, as for
            // --master cluster without one, with the message on stderr like every exit 2.
            PrintWriter err = spec.commandLine().getErr();
            String option = state.option();
            var s = StandaloneCluster.read(state.dir());
            if (s.isEmpty()) {
                err.println(spec.qualifiedName() + ": no cluster recorded in " + state.dir() + "; start one with: morse cluster start" + option);
                return 2;
            }
            spec.commandLine().getOut().print(StandaloneCluster.describe(s.get()));
            StandaloneCluster.Proc master = s.get().master();
            if (master.handle().isPresent()) return 0;
            err.println(spec.qualifiedName() + ": the recorded cluster's master (pid " + master.pid() + ") is not running; its log: "
                    + master.log() + ". Clear the record with: morse cluster stop" + option + ", then: morse cluster start" + option);
            return 2;
        }
    }
}
