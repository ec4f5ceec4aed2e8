package dev.morse.cli;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Progress on stderr, kept honest and simple. On a terminal a task redraws one line in place
 * (carriage return) with a bar when the amount of work is known, else a count; when stderr is a
 * file or a pipe (batch jobs, CI) each task prints one line when it ends, plus one line every
 * {@value #BATCH_INTERVAL_MS} ms for long tasks. {@code --quiet} prints nothing.
 *
 * <p>Progress comes from points the tool controls: blocks of materialized columns, operator
 * products counted by a wrapper, optimizer chunks. The engine itself has no callbacks, so a single
 * long LAPACK call shows as one step.
 */
final class Progress {

    private static final long BATCH_INTERVAL_MS = 10_000;
    private static final long REDRAW_MS = 100;
    private static final int BAR = 24;

    private final PrintWriter err;
    private final boolean quiet;
    private final boolean terminal;

    Progress(PrintWriter err, boolean quiet, boolean terminal) {
        this.err = err;
        this.quiet = quiet;
        this.terminal = terminal;
    }

    /** Whether this process's stderr is a terminal (Linux: /proc/self/fd/2 points to a tty). */
    static boolean stderrIsTerminal() {
        try {
            String target = Files.readSymbolicLink(Path.of("/proc/self/fd/2")).toString();
            return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty");
        } catch (Exception e) {
            return System.console() != null && System.console().isTerminal();
        }
    }

    /** Starts a task; {@code total} ≤ 0 when the amount of work is unknown. */
    Task start(String what, long total) {
        return new Task(what, total, System.nanoTime());
    }

    /** Starts a task timed from {@code startedNanos} ({@link System#nanoTime}), a start that the caller's own timing shares. */
    Task start(String what, long total, long startedNanos) {
        return new Task(what, total, startedNanos);
    }

    /**
     * Seconds as progress lines say them, one decimal: times printed side by side on one line
     * (an epoch's ✓ and its steps) are rounded alike, so the larger never prints as the smaller.
     */
    static String seconds(double s) {
        return String.format(Locale.ROOT, "%.1f s", s);
    }

    /** A one-line message (not a task), unless quiet. */
    void note(String message) {
        if (quiet) return;
        err.println("morse: " + message);
        err.flush();
    }

    final class Task {
        private final String what;
        private final long total;
        private final long started;
        private long lastDraw;
        private long lastBatch = System.currentTimeMillis();
        private boolean drawn;
        private java.util.concurrent.ScheduledExecutorService ticker;
        private volatile long lastDone;
        private volatile String lastDetail = "";

        private Task(String what, long total, long started) {
            this.what = what;
            this.total = total;
            this.started = started;
            if (!quiet && terminal) draw(0, "");
        }

        /**
         * For one long call that reports nothing (an engine optimizer, LAPACK): on a terminal,
         * redraws the elapsed time twice a second until {@link #done} (a daemon thread).
         */
        Task ticking() {
            if (quiet || !terminal) return this;
            ticker = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "morse-progress");
                t.setDaemon(true);
                return t;
            });
            ticker.scheduleAtFixedRate(() -> {
                synchronized (this) {
                    draw(lastDone, lastDetail);
                }
            }, 500, 500, java.util.concurrent.TimeUnit.MILLISECONDS);
            return this;
        }

        /** Reports {@code done} units of work, with an optional detail (e.g. the current loss). */
        synchronized void update(long done, String detail) {
            if (quiet) return;
            lastDone = done;
            lastDetail = detail;
            long now = System.currentTimeMillis();
            if (terminal) {
                if (now - lastDraw >= REDRAW_MS) {
                    draw(done, detail);
                    lastDraw = now;
                }
            } else if (now - lastBatch >= BATCH_INTERVAL_MS) {
                err.println("morse: " + what + " … " + (detail.isEmpty() || total > 0 ? count(done) : "") + (detail.isEmpty() ? "" : (total > 0 ? ", " : "") + detail) + " (" + elapsed() + ")");
                err.flush();
                lastBatch = now;
            }
        }

        /** Ends the task with a summary, e.g. "41 eigenvalues". */
        synchronized void done(String summary) {
            if (ticker != null) ticker.shutdownNow();
            if (quiet) return;
            String line = "morse: " + what + " ✓ " + elapsed() + (summary == null || summary.isEmpty() ? "" : " · " + summary);
            if (terminal && drawn) {
                err.print("\r" + pad(line) + "\n");
            } else {
                err.println(line);
            }
            err.flush();
        }

        /** Seconds since the task started. */
        double seconds() {
            return (System.nanoTime() - started) * 1e-9;
        }

        private void draw(long done, String detail) {
            StringBuilder sb = new StringBuilder("\rmorse: ").append(what);
            if (total > 0) {
                double f = Math.min(1, Math.max(0, (double) done / total));
                int full = (int) Math.round(f * BAR);
                sb.append(" [").append("#".repeat(full)).append(".".repeat(BAR - full)).append("] ")
                        .append(String.format(Locale.ROOT, "%3.0f%%", 100 * f));
            } else if (done > 0 && detail.isEmpty()) {
                sb.append(" · ").append(count(done));
            }
            if (!detail.isEmpty()) sb.append(" · ").append(detail);
            sb.append(" · ").append(elapsed());
            err.print(pad(sb.toString()));
            err.flush();
            drawn = true;
        }

        private String count(long done) {
            return total > 0 ? done + "/" + total : Long.toString(done);
        }

        private String elapsed() {
            return Progress.seconds(seconds());
        }

        private String pad(String s) {
            return s.length() < 100 ? s + " ".repeat(100 - s.length()) : s;
        }
    }
}
