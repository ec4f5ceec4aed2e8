package dev.morse.cluster;

import dev.morse.io.AtomicFiles;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.sql.SparkSession;

/**
 * Runs a sweep on a Spark session: every task of a {@link SweepSpec} runs its steps through a
 * {@link StepRunner} inside an executor JVM, commits atomically under {@code DIR/tasks/}, and the
 * driver gathers the committed rows into {@code DIR/results.jsonl} and {@code DIR/results.parquet}
 * ({@link SweepDir} shows the layout).
 *
 * <p><b>Resume.</b> A rerun into the same folder skips every task with a committed result (done
 * or failed; {@link Options#retryFailed} reruns the failed ones) and says how many it skipped. The
 * spec of a rerun must give a superset of the folder's tasks: the same spec, or one with more grid
 * values or more zip tuples. Anything else (another step option, a new axis, another Morse version:
 * every id changes) is refused with a message; use a new folder. Killing the driver loses only the
 * tasks that had not committed; attempt folders it leaves behind are removed by the next run. A
 * task folder without a readable result (not a commit: left by a tool or a partial copy; or a
 * damaged result.json) is moved to {@code DIR/retired/} with a note, and its task runs again.
 *
 * <p><b>Failures.</b> A step that throws commits a {@code failed} row and the sweep goes on. An
 * executor that dies (a killed worker, a crashed JVM) loses its running attempts; Spark runs them
 * again elsewhere ({@code spark.task.maxFailures}, 4 on clusters; local mode has no retries). If
 * Spark gives up on the job, the driver still writes the rows committed so far and reports the
 * rest as missing ({@link Result#abortedBy}).
 */
public final class SweepRunner {
    private SweepRunner() {}

    /**
     * @param morseVersion      goes into every task id (a new version reruns everything, in a new folder)
     * @param tasksPerPartition tasks per Spark partition (1: one task per Spark task, the finest
     *                          balancing and retry unit; more amortizes Spark's ~ms per task for tiny tasks)
     * @param retryFailed       rerun tasks whose committed result is {@code failed} (the old result
     *                          is moved to {@code DIR/retired/})
     * @param log               progress and summary lines; {@code null} for none
     * @param callerFiles       names of the caller's own files that {@code DIR} may hold before its first
     *                          run (an experiment's record, written first so that a killed first run
     *                          can be resumed); a folder holding only these counts as empty
     */
    public record Options(String morseVersion, int tasksPerPartition, boolean retryFailed, PrintStream log,
                          Set<String> callerFiles) {
        public Options {
            Objects.requireNonNull(morseVersion, "morseVersion");
            if (tasksPerPartition < 1) throw new IllegalArgumentException("tasksPerPartition must be >= 1");
            callerFiles = Set.copyOf(callerFiles);
        }

        /** This module's version, one task per partition, failed tasks kept, progress on stderr. */
        public static Options defaults() {
            return new Options(SweepRunner.morseVersion(), 1, false, System.err, Set.of());
        }

        public Options withMorseVersion(String v) { return new Options(v, tasksPerPartition, retryFailed, log, callerFiles); }
        public Options withTasksPerPartition(int n) { return new Options(morseVersion, n, retryFailed, log, callerFiles); }
        public Options withRetryFailed(boolean r) { return new Options(morseVersion, tasksPerPartition, r, log, callerFiles); }
        public Options withLog(PrintStream l) { return new Options(morseVersion, tasksPerPartition, retryFailed, l, callerFiles); }
        public Options withCallerFiles(Set<String> f) { return new Options(morseVersion, tasksPerPartition, retryFailed, log, f); }
    }

    /**
     * What a run did.
     *
     * @param tasks     tasks in the spec
     * @param skipped   tasks already committed before this run (not run again)
     * @param ran       tasks this run committed
     * @param done      tasks with a committed {@code done} row (all runs)
     * @param failed    tasks with a committed {@code failed} row (all runs)
     * @param missing   tasks without a committed row (the job was aborted or killed)
     * @param abortedBy why Spark gave up on the job, or {@code null}
     */
    public record Result(Path dir, int tasks, int skipped, int ran, int done, int failed, int missing, String abortedBy) {
        public boolean complete() { return missing == 0; }
    }

    /**
     * Thrown by {@link #run} when its job was stopped rather than given up on by Spark: Ctrl-C or
     * SIGTERM (the JVM shuts down, and Spark's shutdown hook stops the session, which cancels the
     * job), or a job cancelled by hand. The tasks committed so far stay, and a rerun resumes.
     */
    public static final class Interrupted extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Interrupted(Throwable cause) {
            super("interrupted", cause);
        }
    }

    /**
     * Whether {@code t} means that the command was stopped, not that it failed: the JVM shuts down
     * (Ctrl-C, SIGTERM: whatever fails then fails because Spark's shutdown hook stopped the session),
     * or {@code t} or a cause is {@link Interrupted}, a cancelled Spark job ({@code SPARK_JOB_CANCELLED}:
     * "Job 0 cancelled because SparkContext was shut down", or by hand), or an interrupt of this thread.
     */
    public static boolean interrupted(Throwable t) {
        if (shuttingDown()) return true;
        java.util.Set<Throwable> seen = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        for (Throwable c = t; c != null && seen.add(c); c = c.getCause()) {
            if (c instanceof Interrupted || c instanceof InterruptedException || c instanceof java.nio.channels.ClosedByInterruptException
                    || c instanceof java.io.InterruptedIOException && !(c instanceof java.net.SocketTimeoutException)) {
                return true;
            }
            if (c instanceof org.apache.spark.SparkThrowable st && "SPARK_JOB_CANCELLED".equals(st.getCondition())) return true;
        }
        return false;
    }

    /** Whether the JVM runs its shutdown hooks (SIGINT, SIGTERM, System.exit). */
    static boolean shuttingDown() {
        return dev.morse.cli.Main.shuttingDown();
    }

    /** The Morse version of this build (from the module's resources). */
    public static String morseVersion() {
        try (InputStream in = SweepRunner.class.getResourceAsStream("version.properties")) {
            Properties p = new Properties();
            if (in != null) p.load(in);
            String v = p.getProperty("version");
            return v == null || v.startsWith("${") ? "0.1.0-SNAPSHOT" : v;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Runs (or resumes) {@code spec} into {@code dir} on {@code spark}; see the class comment. */
    @SuppressWarnings("try") // the lock is held for the body, not used in it
    public static Result run(SparkSession spark, SweepSpec spec, Path dir, StepRunner runner, Options opts)
            throws IOException {
        dir = dir.toAbsolutePath().normalize();
        List<SweepTask> tasks = spec.tasks(opts.morseVersion());
        checkFolder(dir, spec, tasks, opts);
        spec.check(runner);
        AutoCloseable lock;
        try {
            Files.createDirectories(dir);
            lock = SweepDir.lock(dir);
        } catch (IOException e) {
            throw SweepDir.unwritable(dir, e);
        }
        try (AutoCloseable ignored = lock) {
            return runLocked(spark, spec, dir, runner, opts, tasks);
        } catch (IOException | RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IOException(e);
        }
    }

    private static Result runLocked(SparkSession spark, SweepSpec spec, Path dir, StepRunner runner, Options opts,
                                    List<SweepTask> tasks) throws IOException {
        PrintStream log = opts.log();
        checkFolder(dir, spec, tasks, opts); // again, under the lock
        Path tasksDir = dir.resolve(SweepDir.TASKS);
        try {
            AtomicFiles.write(dir.resolve(SweepDir.SPEC), Json.writePretty(spec.toMap()) + "\n", true);
            AtomicFiles.write(dir.resolve(SweepDir.MANIFEST),
                    Json.writePretty(SweepDir.manifestFor(spec, opts.morseVersion(), tasks)) + "\n", true);
            Files.createDirectories(tasksDir);
        } catch (IOException e) {
            throw SweepDir.unwritable(dir, e);
        }
        List<Path> stale = SweepDir.attemptFolders(dir);
        for (Path p : stale) SweepDir.deleteTree(p);
        if (!stale.isEmpty() && log != null) {
            log.println("sweep " + spec.name() + ": removed " + stale.size() + " unfinished attempt folder(s) of an earlier run");
        }
        // a driver killed while it wrote the results (or the spec) left their temporary files in DIR:
        // under the lock no live driver writes those names
        List<Path> partial = SweepDir.driverLeftovers(dir);
        for (Path p : partial) SweepDir.deleteTree(p);
        if (!partial.isEmpty() && log != null) {
            log.println("sweep " + spec.name() + ": removed " + partial.size() + " unfinished file(s) of a killed driver");
        }

        List<SweepTask> todo = new ArrayList<>();
        int retried = 0;
        List<String> broken = new ArrayList<>();
        for (SweepTask t : tasks) {
            // The folder first, then its result: a commit (an attempt of an earlier, killed run may
            // still be running) renames in a folder that holds its result, so a folder seen before a
            // read that finds no result is not a committed task; the other order could retire one.
            boolean folder = Files.exists(tasksDir.resolve(t.id()), LinkOption.NOFOLLOW_LINKS);
            SweepDir.Stored stored = SweepDir.stored(dir, t.id());
            Optional<Map<String, Object>> r = Optional.ofNullable(stored.row());
            if (r.isPresent() && opts.retryFailed() && "failed".equals(r.get().get("status"))) {
                retire(dir, t.id(), null);
                r = Optional.empty();
                retried++;
            }
            if (stored.damage() != null) {
                // a damaged result (a crash, an edit): no row, and in the way of the task's commit
                broken.add(retire(dir, t.id(), "tasks/" + t.id() + " held a damaged " + TaskExecutor.RESULT + " ("
                        + stored.damage() + "); moved here by a 'sweep run', which ran the task again"));
            } else if (r.isEmpty() && folder && stored.row() == null) {
                // A commit renames a folder that holds its result: a task folder without one was left by
                // a tool or a partial copy. In the way of every commit of the task, it is moved aside.
                broken.add(retire(dir, t.id(), "tasks/" + t.id() + " held no " + TaskExecutor.RESULT
                        + " (not a committed task: left by a tool or a partial copy of the sweep folder); moved here by a"
                        + " 'sweep run', which ran the task again"));
            }
            if (r.isEmpty()) todo.add(t);
        }
        int skipped = tasks.size() - todo.size();
        String master = spark.sparkContext().master();
        if (log != null) {
            if (!broken.isEmpty()) {
                log.println("sweep " + spec.name() + ": " + broken.size() + " task folder(s) without a readable result moved to "
                        + SweepDir.RETIRED + "/ (each with a note " + RETIRED_NOTE + "), to run again: " + String.join(", ", broken));
            }
            log.println("sweep " + spec.name() + ": " + tasks.size() + " tasks; " + skipped + " already committed (skipped)"
                    + (retried > 0 ? ", " + retried + " failed ones to retry" : "") + "; running " + todo.size()
                    + " on " + master + " → " + dir);
        }

        String abortedBy = null;
        double jobSeconds = 0;
        if (!todo.isEmpty()) {
            long t0 = System.nanoTime();
            abortedBy = execute(spark, spec, dir, runner, opts, todo);
            jobSeconds = (System.nanoTime() - t0) * 1e-9;
            // The job is over (Spark kills what is left of it): attempt folders now are those of
            // attempts that died with their executor.
            for (Path p : SweepDir.attemptFolders(dir)) SweepDir.deleteTree(p);
        }

        // Gather the committed rows in the spec's order.
        List<Map<String, Object>> rows = new ArrayList<>();
        int done = 0;
        int failed = 0;
        Set<String> todoIds = new HashSet<>();
        for (SweepTask t : todo) todoIds.add(t.id());
        int ran = 0;
        for (SweepTask t : tasks) {
            Optional<Map<String, Object>> r = SweepDir.result(dir, t.id());
            if (r.isEmpty()) continue;
            rows.add(r.get());
            if ("done".equals(r.get().get("status"))) done++;
            else failed++;
            if (todoIds.contains(t.id())) ran++;
        }
        int missing = tasks.size() - rows.size();
        List<String> columns = ResultsWriter.columns(spec, tasks, rows);
        try {
            ResultsWriter.writeJsonl(dir, columns, rows);
        } catch (IOException e) {
            throw SweepDir.unwritable(dir, e);   // a full disk after hours of tasks is the user's to fix (exit 2), not a bug
        }
        try {
            ResultsWriter.writeParquet(spark, dir, columns, rows);
        } catch (RuntimeException e) {
            // e.g. the session was stopped under us: the JSON lines are written, say what is not
            if (log != null) log.println("sweep " + spec.name() + ": results.parquet not written: " + TaskExecutor.describe(e));
            if (abortedBy == null) throw e;
        }
        if (log != null) {
            log.println("sweep " + spec.name() + ": " + done + " done, " + failed + " failed, " + missing + " missing"
                    + " (ran " + ran + (ran > 0 ? String.format(java.util.Locale.ROOT, " in a %.1f s job", jobSeconds) : "")
                    + ", skipped " + skipped + ") → " + dir.resolve(SweepDir.RESULTS_JSONL)
                    + ", " + SweepDir.RESULTS_PARQUET + (abortedBy == null ? "" : "; job aborted: " + abortedBy));
            // A failed task is a result (its row says why), so the run succeeds; the last line says it plainly.
            if (failed > 0) {
                log.println("sweep " + spec.name() + ": " + failed + " of " + tasks.size() + " tasks failed (rows with status 'failed' and "
                        + "their error; 'morse sweep status " + dir + "' lists why; --retry-failed runs them again)");
            }
        }
        return new Result(dir, tasks.size(), skipped, ran, done, failed, missing, abortedBy);
    }

    /** Runs the tasks as one Spark job; the reason if Spark aborted it, else null. */
    private static String execute(SparkSession spark, SweepSpec spec, Path dir, StepRunner runner, Options opts,
                                  List<SweepTask> todo) {
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        int parts = (todo.size() + opts.tasksPerPartition() - 1) / opts.tasksPerPartition();
        Progress progress = opts.log() == null ? null : new Progress(spec.name(), parts, opts.log());
        if (progress != null) spark.sparkContext().addSparkListener(progress);
        // interruptOnCancel: a cancelled job interrupts its running tasks, which then commit nothing
        jsc.setJobGroup("morse-sweep", "morse sweep " + spec.name() + " (" + todo.size() + " tasks)", true);
        try {
            List<TaskExecutor.Outcome> outcomes =
                    jsc.parallelize(todo, parts).mapPartitions(new TaskExecutor(dir, runner, opts.morseVersion())).collect();
            String syncWarning = TaskExecutor.syncWarning(outcomes);
            if (syncWarning != null && opts.log() != null) opts.log().println("sweep " + spec.name() + ": warning: " + syncWarning);
            return null;
        } catch (Exception e) {
            // a failed job arrives as a SparkException (checked, which javac does not see collect()
            // throw) or a RuntimeException: either way Spark gave up on it, unless we were interrupted
            if (interrupted(e)) throw new Interrupted(e);
            // Spark's message carries the executor's stack trace: its first line says what happened
            String m = e.getMessage() == null ? "" : e.getMessage().strip().lines().findFirst().orElse("");
            return e.getClass().getName() + (m.isEmpty() ? "" : ": " + m);
        } finally {
            jsc.clearJobGroup();
            if (progress != null) spark.sparkContext().removeSparkListener(progress);
        }
    }

    /** Refuses a folder that holds something else than this sweep or a subset of it. */
    private static void checkFolder(Path dir, SweepSpec spec, List<SweepTask> tasks, Options opts) throws IOException {
        String version = opts.morseVersion();
        if (!Files.exists(dir)) return;
        if (!Files.isDirectory(dir)) throw new IllegalArgumentException(dir + ": not a folder");
        Optional<Map<String, Object>> m = SweepDir.manifest(dir);
        if (m.isEmpty()) {
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, p -> !p.getFileName().toString().equals(SweepDir.LOCK)
                    && !opts.callerFiles().contains(p.getFileName().toString()))) {
                if (ds.iterator().hasNext()) {
                    throw new IllegalArgumentException(dir + ": folder is not empty and holds no sweep (no "
                            + SweepDir.MANIFEST + "); give an empty or new folder");
                }
            }
            return;
        }
        Object ids = m.get().get("task_ids");
        if (!(ids instanceof List<?> old)) throw new IllegalArgumentException(dir.resolve(SweepDir.MANIFEST) + ": no task_ids");
        Set<String> now = new HashSet<>();
        for (SweepTask t : tasks) now.add(t.id());
        List<Object> lost = new ArrayList<>();
        for (Object id : old) if (!now.contains(String.valueOf(id))) lost.add(id);
        if (!lost.isEmpty()) {
            String why = !version.equals(m.get().get("morse_version"))
                    ? " (it ran with Morse " + m.get().get("morse_version") + ", this is " + version + ")" : "";
            throw new IllegalArgumentException(dir + ": holds sweep '" + m.get().get("name") + "' whose tasks this spec"
                    + " does not all contain (" + lost.size() + " of " + old.size() + " missing, e.g. task " + lost.get(0)
                    + ")" + why + ". A rerun into a folder may only add tasks (more grid values); use a new --out folder.");
        }
    }

    /** The file in a retired folder that says why it was moved there (when it was not a failed result retried). */
    static final String RETIRED_NOTE = "retired.txt";

    /**
     * Moves {@code DIR/tasks/<id>} to {@code DIR/retired/<id>-<n>}, with {@code note} (when not
     * null) written there as {@link #RETIRED_NOTE}; returns the retired folder's name.
     */
    private static String retire(Path dir, String id, String note) throws IOException {
        Path retired = dir.resolve(SweepDir.RETIRED);
        Files.createDirectories(retired);
        for (int n = 1; ; n++) {
            Path target = retired.resolve(id + "-" + n);
            if (!Files.exists(target)) {
                Files.move(dir.resolve(SweepDir.TASKS).resolve(id), target, StandardCopyOption.ATOMIC_MOVE);
                if (note != null && Files.isDirectory(target)) Files.writeString(target.resolve(RETIRED_NOTE), note + "\n");
                return SweepDir.RETIRED + "/" + target.getFileName();
            }
        }
    }

    /** Prints progress about every tenth of the job, and each failed attempt (Spark retries those). */
    private static final class Progress extends SparkListener {
        private final String name;
        private final int total;
        private final PrintStream log;
        private final AtomicInteger finished = new AtomicInteger();
        private final int every;

        Progress(String name, int total, PrintStream log) {
            this.name = name;
            this.total = total;
            this.log = log;
            this.every = Math.max(1, total / 10);
        }

        @Override
        public void onTaskEnd(SparkListenerTaskEnd end) {
            // Ctrl-C: the command says it was interrupted; the attempts that Spark can no longer launch are no news
            if (shuttingDown()) return;
            if (end.taskInfo().successful()) {
                int n = finished.incrementAndGet();
                if (n % every == 0 || n == total) log.println("sweep " + name + ": " + n + "/" + total + " partitions finished");
            } else if (end.taskInfo().failed() || end.taskInfo().killed()) {
                log.println("sweep " + name + ": an attempt ended on executor " + end.taskInfo().executorId() + " ("
                        + end.reason() + "); Spark reruns it if it can");
            }
        }
    }
}
