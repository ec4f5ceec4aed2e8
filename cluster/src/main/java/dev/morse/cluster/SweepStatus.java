package dev.morse.cluster;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * How far a sweep has come: tasks done, failed and missing (not committed: not run yet, running,
 * or lost), overall and by each grid axis, and why the failed ones failed. Reads the folder only
 * (no Spark), so it can run while the sweep runs, from another process.
 *
 * @param inFlight attempt folders present (running attempts, or ones a killed run left behind)
 * @param failures the failed tasks, in the spec's order
 * @param damaged  tasks whose result.json cannot be read (counted as missing; the next run retires
 *                 and reruns them), in the spec's order
 */
public record SweepStatus(Path dir, String name, int total, int done, int failed, int missing, int inFlight,
                          List<Axis> axes, List<Failure> failures, List<Damaged> damaged) {

    /** Failures {@link #text()} lists; the rest it counts. */
    static final int LISTED_FAILURES = 20;

    /** Counts of the tasks whose grid option has {@code value}. */
    public record Count(Object value, int done, int failed, int missing) {}

    /** One grid option and its counts per value, in the spec's order. */
    public record Axis(String name, List<Count> counts) {}

    /**
     * A failed task: its id, the step that failed ({@code error_step}), the row's {@code error}, and
     * whether its {@code error.txt} holds a stack trace (an exception in the step; a step that
     * exited non-zero, such as exit 3 for no convergence, leaves its output there instead).
     */
    public record Failure(String taskId, String step, String error, boolean stackTrace) {
        public Failure(String taskId, String step, String error) {
            this(taskId, step, error, false);
        }
    }

    /** A task whose result.json is there but unreadable: its id and why ({@link SweepDir#stored}). */
    public record Damaged(String taskId, String why) {}

    public static SweepStatus of(Path dir) throws IOException {
        dir = dir.toAbsolutePath().normalize();
        List<SweepTask> tasks = SweepDir.tasks(dir);
        SweepSpec spec = SweepSpec.read(dir.resolve(SweepDir.SPEC));
        List<String> status = new ArrayList<>(tasks.size());
        int done = 0;
        int failed = 0;
        List<Failure> failures = new ArrayList<>();
        List<Damaged> damaged = new ArrayList<>();
        for (SweepTask t : tasks) {
            SweepDir.Stored stored = SweepDir.stored(dir, t.id());
            if (stored.damage() != null) damaged.add(new Damaged(t.id(), stored.damage()));
            Optional<Map<String, Object>> r = Optional.ofNullable(stored.row());
            String s = r.map(m -> "done".equals(m.get("status")) ? "done" : "failed").orElse("missing");
            status.add(s);
            if (s.equals("done")) done++;
            else if (s.equals("failed")) {
                failed++;
                Map<String, Object> row = r.get();
                failures.add(new Failure(t.id(), row.get("error_step") == null ? "?" : String.valueOf(row.get("error_step")),
                        row.get("error") == null ? "(no message)" : String.valueOf(row.get("error")), hasStackTrace(dir, t.id())));
            }
        }
        List<Axis> axes = new ArrayList<>();
        for (Map.Entry<String, List<Object>> g : spec.grid().entrySet()) {
            // one count per distinct value: a zipped axis may repeat one ([relu, relu, gelu])
            List<Object> values = SweepReport.distinct(g.getValue());
            Map<String, int[]> byValue = new LinkedHashMap<>();
            for (Object v : values) byValue.put(Json.canonical(v), new int[3]);
            for (int i = 0; i < tasks.size(); i++) {
                int[] c = byValue.get(Json.canonical(tasks.get(i).point().get(g.getKey())));
                c[switch (status.get(i)) { case "done" -> 0; case "failed" -> 1; default -> 2; }]++;
            }
            List<Count> counts = new ArrayList<>();
            int k = 0;
            for (int[] c : byValue.values()) counts.add(new Count(values.get(k++), c[0], c[1], c[2]));
            axes.add(new Axis(g.getKey(), List.copyOf(counts)));
        }
        return new SweepStatus(dir, spec.name(), tasks.size(), done, failed, tasks.size() - done - failed,
                SweepDir.attemptFolders(dir).size(), List.copyOf(axes), List.copyOf(failures), List.copyOf(damaged));
    }

    /** Whether the task's error.txt holds a Java stack trace (a line "\tat …", as Throwable.printStackTrace writes). */
    private static boolean hasStackTrace(Path dir, String taskId) {
        try (var lines = java.nio.file.Files.lines(dir.resolve(SweepDir.TASKS).resolve(taskId).resolve(TaskExecutor.ERROR_FILE))) {
            return lines.anyMatch(l -> l.startsWith("\tat "));
        } catch (IOException | java.io.UncheckedIOException e) {
            return false;
        }
    }

    /** Whether every task has a committed row (done or failed). */
    public boolean complete() { return missing == 0; }

    /**
     * A plain-text summary: one line overall, a table per grid axis, then the failed tasks (the
     * first {@value #LISTED_FAILURES}: id, step, message; more in the task's error.txt, which holds
     * the step's output, or a stack trace where the line says so).
     */
    public String text() {
        StringBuilder sb = new StringBuilder();
        sb.append("sweep ").append(name).append(" in ").append(dir).append(": ").append(total).append(" tasks: ")
                .append(done).append(" done, ").append(failed).append(" failed, ").append(missing).append(" missing");
        if (!damaged.isEmpty()) sb.append(" (").append(damaged.size()).append(" of them with a damaged result)");
        if (inFlight > 0) sb.append(" (").append(inFlight).append(" attempt folder(s) in flight or left by a killed run)");
        sb.append('\n');
        if (!damaged.isEmpty()) {
            sb.append("damaged results (counted as missing; the next 'sweep run' moves them to ").append(SweepDir.RETIRED)
                    .append("/ and runs the tasks again):\n");
            list(sb, damaged.stream().map(d -> d.taskId() + "  " + d.why().strip()).toList());
        }
        for (Axis a : axes) {
            List<List<String>> rows = new ArrayList<>();
            rows.add(List.of(a.name(), "done", "failed", "missing"));
            for (Count c : a.counts()) {
                rows.add(List.of(SweepReport.label(c.value()), String.valueOf(c.done()), String.valueOf(c.failed()),
                        String.valueOf(c.missing())));
            }
            sb.append('\n').append(SweepReport.format(rows));
        }
        if (!failures.isEmpty()) {
            sb.append("\nfailed tasks (task, step: error; more in ").append(SweepDir.TASKS)
                    .append("/<task>/").append(TaskExecutor.ERROR_FILE).append("):\n");
            list(sb, failures.stream().map(f -> f.taskId() + "  " + f.step() + ": " + f.error().strip()
                    + (f.stackTrace() ? " (stack trace in " + TaskExecutor.ERROR_FILE + ")" : "")).toList());
        }
        return sb.toString();
    }

    /** The first {@value #LISTED_FAILURES} lines, one each whatever they hold (line breaks folded), then how many more. */
    private static void list(StringBuilder sb, List<String> lines) {
        for (String line : lines.subList(0, Math.min(LISTED_FAILURES, lines.size()))) {
            sb.append("  ").append(line.strip().replaceAll("\\s*\\R\\s*", " ")).append('\n');
        }
        if (lines.size() > LISTED_FAILURES) sb.append("  … and ").append(lines.size() - LISTED_FAILURES).append(" more\n");
    }
}
