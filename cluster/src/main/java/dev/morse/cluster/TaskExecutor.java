package dev.morse.cluster;

import dev.morse.io.FileSync;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.PrintWriter;
import java.io.Serializable;
import java.io.StringWriter;
import java.nio.channels.ClosedByInterruptException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import org.apache.spark.SparkEnv;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.FlatMapFunction;

/**
 * The executor side of a sweep: runs each task's steps in order and commits the task atomically.
 *
 * <p>An attempt works in {@code DIR/tasks/<task_id>.tmp-<attempt>-<random>/}, writes its
 * {@code result.json} there last, and renames the folder to {@code DIR/tasks/<task_id>/} (one
 * {@code rename(2)}, atomic on a POSIX file system). If that folder exists already (another
 * attempt, a speculative copy, an earlier run), the attempt deletes its own folder: a result is
 * never half written and never replaced. A task whose step throws commits a {@code failed} row with
 * the message (and {@code error.txt} with the stack trace); a task that Spark kills (interrupted:
 * job cancelled, speculative loser) commits nothing. The result is forced to disk before the rename,
 * and the folders after it ({@link FileSync}); a file system that refuses the latter does not fail the
 * task: the outcome carries the warning, and the driver prints it once.
 */
final class TaskExecutor implements FlatMapFunction<Iterator<SweepTask>, TaskExecutor.Outcome> {
    private static final long serialVersionUID = 1L;

    /** What happened to one task in this run. */
    enum Kind { DONE, FAILED, ALREADY_COMMITTED, LOST_RACE }

    /**
     * What happened to one task; {@code syncWarning}: the file system refused to force the folders
     * of the task this attempt committed ({@link FileSync#folder}), or null.
     */
    record Outcome(String taskId, Kind kind, String syncWarning) implements Serializable {
        Outcome(String taskId, Kind kind) {
            this(taskId, kind, null);
        }
    }

    static final String RESULT = "result.json";
    static final String ERROR_FILE = "error.txt";

    private final String dir;
    private final StepRunner runner;
    private final String morseVersion;
    private final FileSync.FolderForce folders;

    TaskExecutor(Path dir, StepRunner runner, String morseVersion) {
        this(dir, runner, morseVersion, FileSync.PLATFORM);
    }

    /** {@code folders}: how folders are forced to disk (tests give one that refuses, as some file systems do). */
    TaskExecutor(Path dir, StepRunner runner, String morseVersion, FileSync.FolderForce folders) {
        this.dir = dir.toString();
        this.runner = runner;
        this.morseVersion = morseVersion;
        this.folders = folders;
    }

    @Override
    public Iterator<Outcome> call(Iterator<SweepTask> tasks) throws Exception {
        List<Outcome> out = new ArrayList<>();
        while (tasks.hasNext()) out.add(runTask(tasks.next()));
        return out.iterator();
    }

    Outcome runTask(SweepTask task) throws Exception {
        Path tasksDir = Path.of(dir).resolve(SweepDir.TASKS);
        Path done = tasksDir.resolve(task.id());
        if (Files.exists(done.resolve(RESULT))) return new Outcome(task.id(), Kind.ALREADY_COMMITTED);
        TaskContext tc = TaskContext.get();
        int attempt = tc == null ? 0 : tc.attemptNumber();
        long attemptId = tc == null ? 0 : tc.taskAttemptId();
        Path tmp = tasksDir.resolve(task.id() + SweepDir.TMP_MARK + attemptId + "-"
                + Long.toHexString(ThreadLocalRandom.current().nextLong() >>> 32));
        Files.createDirectories(tmp);
        try {
            Map<String, Object> row = execute(task, tmp, attempt);
            // The result is the commit's marker: on disk before the rename makes it visible, so that a
            // crash of the node (or of a network file system) cannot leave a committed, truncated one.
            Path result = tmp.resolve(RESULT);
            Files.writeString(result, Json.writePretty(row));
            FileSync.file(result);
            // A file system that refuses to force folders cannot promise that the renames survive a crash
            // of the machine; the commit stands (a lost one reruns the task on the next run), and the
            // driver says so once.
            String syncWarning = FileSync.folder(tmp, folders);
            // a committed task is a folder with its result (what commit tests too): a folder without one
            // is in the way, not a commit (the driver retires such folders before each job)
            if (Files.exists(done.resolve(RESULT)) || !commit(tmp, done)) return new Outcome(task.id(), Kind.LOST_RACE);
            String committed = FileSync.folder(tasksDir, folders);
            return new Outcome(task.id(), "done".equals(row.get("status")) ? Kind.DONE : Kind.FAILED,
                    syncWarning != null ? syncWarning : committed);
        } finally {
            if (Files.exists(tmp)) SweepDir.deleteTree(tmp);
        }
    }

    /**
     * Renames an attempt's folder {@code tmp} to the task's {@code done}: true if this attempt
     * committed the task, false if another attempt had (its folder is left to the caller). rename(2)
     * onto a committed, non-empty folder fails with ENOTEMPTY (Linux) or EEXIST, and Java reports
     * ENOTEMPTY as a plain FileSystemException ("Directory not empty"), not as
     * DirectoryNotEmptyException: so a failed rename is a lost race when a committed result is
     * there, whatever the exception's class, and an error otherwise.
     */
    static boolean commit(Path tmp, Path done) throws IOException {
        try {
            Files.move(tmp, done, StandardCopyOption.ATOMIC_MOVE);
        } catch (FileSystemException e) {
            if (Files.exists(done.resolve(RESULT))) return false;
            throw new FileSystemException(done.toString(), null, "is in the way of this task's commit and holds no " + RESULT
                    + " (not a committed task: left by a tool or a partial copy of the sweep folder; " + e.getMessage()
                    + "); the next 'sweep run' moves it to " + SweepDir.RETIRED + "/ and runs the task again");
        }
        return true;
    }

    /**
     * The driver's one line for the folder forces that the file system refused in a job's outcomes
     * (the first refusal, and in how many tasks), or null when there were none.
     */
    static String syncWarning(List<Outcome> outcomes) {
        String first = null;
        int n = 0;
        for (Outcome o : outcomes) {
            if (o.syncWarning() == null) continue;
            if (first == null) first = o.syncWarning();
            n++;
        }
        return first == null ? null : first + "; in " + n + " task(s) of this run: their " + RESULT + " was forced, but a crash"
                + " of the machine may lose their commits, and the next 'sweep run' runs those tasks again";
    }

    /** Runs the steps; the row of a done or failed task. Rethrows when Spark killed the task. */
    private Map<String, Object> execute(SweepTask task, Path tmp, int attempt) throws Exception {
        StepContext ctx = new StepContext(task, tmp, morseVersion, attempt);
        Map<String, Object> outputs = new LinkedHashMap<>();
        Map<String, Object> times = new LinkedHashMap<>();
        String status = "done";
        String error = null;
        String errorStep = null;
        long start = System.nanoTime();
        for (SweepSpec.Step step : task.steps()) {
            long t0 = System.nanoTime();
            try {
                Map<String, ?> out = runner.run(step.name(), task.config(), step.options(), tmp, ctx);
                if (out == null) out = Map.of();
                Map<String, Object> flat = new LinkedHashMap<>();
                flatten(step.name(), out, flat);
                ctx.record(step.name(), out);
                outputs.putAll(flat);
            } catch (Throwable t) {
                if (killed(t)) throw t instanceof Exception e ? e : new RuntimeException(t);
                if (t instanceof VirtualMachineError && !(t instanceof OutOfMemoryError) && !(t instanceof StackOverflowError)) {
                    throw t; // InternalError, UnknownError: the JVM is not to be trusted; let Spark retry elsewhere
                }
                status = "failed";
                errorStep = step.name();
                String text;
                if (t instanceof StepFailedException sf) {
                    // the step ran to its end and failed: its message as is, and what it produced
                    error = sf.getMessage();
                    text = sf.getMessage() + (sf.detail() == null ? "" : "\n\n" + sf.detail());
                    try {
                        Map<String, Object> flat = new LinkedHashMap<>();
                        flatten(step.name(), sf.outputs(), flat);
                        ctx.record(step.name(), sf.outputs());
                        outputs.putAll(flat);
                    } catch (IllegalArgumentException bad) {
                        error += " (its outputs were not recorded: " + bad.getMessage() + ")";
                    }
                } else {
                    error = describe(t);
                    StringWriter sw = new StringWriter();
                    t.printStackTrace(new PrintWriter(sw));
                    text = sw.toString();
                }
                try {
                    Files.writeString(tmp.resolve(ERROR_FILE), "step " + step.name() + " of task " + task.id() + "\n" + text);
                } catch (IOException ignored) {
                    // the row still carries the message
                }
                break;
            } finally {
                times.put("time." + step.name(), round3((System.nanoTime() - t0) * 1e-9));
            }
        }
        times.put("time.total", round3((System.nanoTime() - start) * 1e-9));

        Map<String, Object> row = new LinkedHashMap<>();
        row.put("task_id", task.id());
        row.put("status", status);
        row.putAll(task.config());
        row.putAll(outputs);
        row.putAll(times);
        row.put("executor", SparkEnv.get() == null ? "none" : SparkEnv.get().executorId());
        row.put("attempt", (long) attempt);
        row.put("error", error);
        row.put("error_step", errorStep);
        return row;
    }

    private static double round3(double seconds) {
        return Math.round(seconds * 1000.0) / 1000.0;
    }

    /** step outputs → {@code prefix.key} columns; nested maps → {@code prefix.key.sub}. */
    @SuppressWarnings("unchecked")
    static void flatten(String prefix, Map<String, ?> out, Map<String, Object> into) {
        for (Map.Entry<String, ?> e : out.entrySet()) {
            if (e.getKey() == null || e.getKey().isEmpty()) {
                throw new IllegalArgumentException("step output under '" + prefix + "' has an empty name");
            }
            String col = prefix + "." + e.getKey();
            if (e.getValue() instanceof Map<?, ?> m) {
                flatten(col, (Map<String, ?>) m, into);
            } else {
                if (into.containsKey(col)) throw new IllegalArgumentException("output column '" + col + "' given twice");
                into.put(col, Json.normalizeValue(e.getValue(), "output '" + col + "'"));
            }
        }
    }

    /**
     * Whether {@code t} means Spark killed this attempt, or the JVM shuts down under it (Ctrl-C in
     * local mode: the step failed because of that): then nothing is committed, and the rerun runs it.
     */
    private static boolean killed(Throwable t) {
        TaskContext tc = TaskContext.get();
        if (tc != null && tc.isInterrupted()) return true;
        if (dev.morse.cli.Main.shuttingDown()) return true;
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof InterruptedException || c instanceof ClosedByInterruptException
                    || c instanceof InterruptedIOException && !(c instanceof java.net.SocketTimeoutException)) {
                return true;
            }
            if (c.getCause() == c) break;
        }
        return Thread.currentThread().isInterrupted();
    }

    /** "Class: message (caused by Class: message)", one line. */
    static String describe(Throwable t) {
        List<Throwable> chain = new ArrayList<>();
        for (Throwable c = t; c != null && chain.size() < 4 && !chain.contains(c); c = c.getCause()) chain.add(c);
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < chain.size(); i++) {
            Throwable c = chain.get(i);
            if (i > 0) sb.append(" (caused by ");
            sb.append(c.getClass().getName());
            if (c.getMessage() != null) sb.append(": ").append(c.getMessage().strip().replace('\n', ' '));
        }
        return sb.append(")".repeat(chain.size() - 1)).toString();
    }
}
