package dev.morse.cluster;

import dev.morse.io.AtomicFiles;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The layout of a sweep's output folder {@code DIR}:
 *
 * <pre>
 * DIR/spec.json                    the spec that ran last (pretty JSON)
 * DIR/sweep.json                   name, morse_version, task_ids of that spec
 * DIR/.lock                        held by the one driver running in DIR
 * DIR/tasks/&lt;task_id&gt;/            a committed task: result.json (its row), its files, error.txt if failed
 * DIR/tasks/&lt;task_id&gt;.tmp-&lt;a&gt;-&lt;r&gt;/  an attempt in flight (or left by a killed one; removed at the next run)
 * DIR/retired/&lt;task_id&gt;-&lt;n&gt;/      failed results moved aside by a rerun with retryFailed, and task
 *                                  folders without a readable result, moved aside by a run (retired.txt says why)
 * DIR/results.jsonl                one row per task of the spec (written at the end of each run)
 * DIR/results.parquet              the same rows, one Parquet file
 * </pre>
 */
public final class SweepDir {
    private SweepDir() {}

    public static final String TASKS = "tasks";
    public static final String RETIRED = "retired";
    public static final String SPEC = "spec.json";
    public static final String MANIFEST = "sweep.json";
    public static final String LOCK = ".lock";
    public static final String RESULTS_JSONL = "results.jsonl";
    public static final String RESULTS_PARQUET = "results.parquet";
    static final String TMP_MARK = ".tmp-";
    /** The start of the hidden folder Spark writes results.parquet into (ResultsWriter), moved into place from there. */
    static final String RESULTS_PARQUET_TMP = "." + RESULTS_PARQUET + TMP_MARK;

    /**
     * The committed result row of a task, if any. A damaged result (see {@link #stored}) is none:
     * the task counts as missing, and the next run retires it and runs the task again.
     */
    public static Optional<Map<String, Object>> result(Path dir, String taskId) throws IOException {
        return Optional.ofNullable(stored(dir, taskId).row());
    }

    /**
     * What a task's {@code result.json} holds: its row, or nothing (both null: not committed), or
     * damage: a file that is not a JSON object (truncated by a crash of the node or of a network
     * file system, edited by hand), with the reason. One damaged result must not stop a run, a
     * status or a report of the whole sweep.
     */
    public record Stored(Map<String, Object> row, String damage) {}

    public static Stored stored(Path dir, String taskId) throws IOException {
        Path f = dir.resolve(TASKS).resolve(taskId).resolve(TaskExecutor.RESULT);
        String text;
        try {
            text = Files.readString(f);
        } catch (NoSuchFileException e) {
            return new Stored(null, null);
        } catch (CharacterCodingException e) {
            return new Stored(null, f + ": not UTF-8 text");
        }
        try {
            Map<String, Object> row = Json.parseObject(text, f.toString());
            return row == null ? new Stored(null, f + ": not a JSON object: " + text.strip()) : new Stored(row, null);
        } catch (IllegalArgumentException e) {
            return new Stored(null, e.getMessage());
        }
    }

    /** The manifest written by the last run, if {@code dir} holds a sweep. */
    public static Optional<Map<String, Object>> manifest(Path dir) throws IOException {
        Path f = dir.resolve(MANIFEST);
        return Files.exists(f) ? Optional.of(Json.readObject(f)) : Optional.empty();
    }

    /** The spec and Morse version of the sweep in {@code dir}, and its tasks. */
    public static List<SweepTask> tasks(Path dir) throws IOException {
        Map<String, Object> m = manifest(dir).orElseThrow(() ->
                new NoSuchFileException(dir.resolve(MANIFEST).toString(), null, "not a sweep folder (no " + MANIFEST + ")"));
        SweepSpec spec = SweepSpec.read(dir.resolve(SPEC));
        return spec.tasks(String.valueOf(m.get("morse_version")));
    }

    /** Attempt folders in {@code DIR/tasks} (in flight, or left by killed attempts). */
    static List<Path> attemptFolders(Path dir) throws IOException {
        Path tasks = dir.resolve(TASKS);
        List<Path> out = new ArrayList<>();
        if (!Files.isDirectory(tasks)) return out;
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(tasks, "*" + TMP_MARK + "*")) {
            for (Path p : ds) out.add(p);
        }
        return out;
    }

    /**
     * What a killed driver left in {@code DIR} itself: the hidden folder Spark writes
     * {@code results.parquet} into ({@code .results.parquet.tmp-*}) and the part files of the files
     * the driver replaces atomically (spec, manifest, results: {@code .NAME.morse-part-*}). Only the
     * driver that holds {@code DIR/.lock} writes these names, so under that lock they are a killed
     * driver's; other writers' part files in DIR (a report's plots) are not matched.
     */
    static List<Path> driverLeftovers(Path dir) throws IOException {
        List<Path> out = new ArrayList<>();
        if (!Files.isDirectory(dir)) return out;
        List<String> prefixes = new ArrayList<>();
        prefixes.add(RESULTS_PARQUET_TMP);
        for (String f : List.of(SPEC, MANIFEST, RESULTS_JSONL)) prefixes.add("." + f + AtomicFiles.PART);
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, ".*")) {
            for (Path p : ds) {
                String n = p.getFileName().toString();
                for (String prefix : prefixes) {
                    if (n.startsWith(prefix)) {
                        out.add(p);
                        break;
                    }
                }
            }
        }
        out.sort(null);
        return out;
    }

    static Map<String, Object> manifestFor(SweepSpec spec, String version, List<SweepTask> tasks) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", spec.name());
        m.put("morse_version", version);
        m.put("tasks", tasks.size());
        List<String> ids = new ArrayList<>(tasks.size());
        for (SweepTask t : tasks) ids.add(t.id());
        m.put("task_ids", ids);
        return m;
    }

    /**
     * Refuses a sweep folder ({@code --out}) that cannot be written, before Spark starts: the folder,
     * or the nearest folder above it that exists when it is yet to be created, must be a folder this
     * process may write (access(2), which also says no on a read-only file system, even to root).
     * Writing can still fail later (a full disk, a remount): {@link #unwritable} words that the same way.
     */
    public static void checkWritable(Path dir) throws IOException {
        Path d = dir.toAbsolutePath().normalize();
        Path existing = d;
        while (existing != null && !Files.exists(existing)) existing = existing.getParent();
        if (existing == null) return;
        if (!Files.isDirectory(existing)) {
            throw new IllegalArgumentException("--out " + dir + ": cannot be written: " + existing + " is a file, not a folder; give another --out");
        }
        if (Files.isWritable(existing)) return;
        String why = Files.getFileStore(existing).isReadOnly() ? "Read-only file system" : "permission denied";
        throw new IllegalArgumentException("--out " + dir + ": cannot be written: " + (existing.equals(d) ? "the folder" : "the folder above it, " + existing)
                + " (" + why + "); give another --out");
    }

    /** The input error of a sweep folder that could not be written (created, locked, its files written): exit 2, not a bug. */
    public static IllegalArgumentException unwritable(Path dir, IOException e) {
        return new IllegalArgumentException("--out " + dir + ": cannot be written (" + AtomicFiles.reason(e) + "); give another --out", e);
    }

    /** What a driver writes in {@code DIR/.lock}: its PID and its host's name. */
    private static final java.util.regex.Pattern HOLDER = java.util.regex.Pattern.compile("([0-9]+) (\\S+)");

    /** This machine's name, as the lock file records it ("unknown-host" when it has none to give). */
    static String host() {
        try {
            String h = java.net.InetAddress.getLocalHost().getHostName();
            return h.isBlank() || h.chars().anyMatch(Character::isWhitespace) ? "unknown-host" : h;
        } catch (IOException e) {
            return "unknown-host";
        }
    }

    /**
     * An exclusive lock on {@code DIR/.lock}: one driver per folder (released with the JVM). The
     * holder writes its PID and host there, so that a second driver's refusal can name it (the file
     * is read only while locked, so a killed driver's PID is shown at most in the instant a new holder
     * takes the lock and before it writes its own; the host, because on a
     * file system that several machines share the PID may be another machine's).
     */
    static AutoCloseable lock(Path dir) throws IOException {
        FileChannel ch = FileChannel.open(dir.resolve(LOCK), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock lock;
        try {
            lock = ch.tryLock();
        } catch (OverlappingFileLockException e) {
            lock = null;
        }
        if (lock == null) {
            ch.close();
            String holder;
            try {
                holder = Files.readString(dir.resolve(LOCK)).strip();
            } catch (IOException e) {
                holder = "";
            }
            java.util.regex.Matcher m = HOLDER.matcher(holder);
            throw new IllegalStateException(dir + ": another sweep driver is running in this folder"
                    + (m.matches() ? " (pid " + m.group(1) + " on " + m.group(2) + ")" : "")
                    + "; wait for it to end (the same command then resumes), or give another --out");
        }
        try {
            ch.truncate(0);
            ch.write(java.nio.ByteBuffer.wrap((ProcessHandle.current().pid() + " " + host() + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8)), 0);
        } catch (IOException e) {
            lock.release();   // not held for the JVM's life by a run that failed to start (in-process callers, tests)
            ch.close();
            throw e;
        }
        FileLock held = lock;
        return () -> {
            held.release();
            ch.close();
        };
    }

    static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) return;
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.deleteIfExists(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path d, IOException exc) throws IOException {
                Files.deleteIfExists(d);
                return FileVisitResult.CONTINUE;
            }
        });
    }
}
