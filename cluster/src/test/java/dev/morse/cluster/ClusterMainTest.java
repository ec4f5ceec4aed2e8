package dev.morse.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * bin/morse-cluster's command line: a sweep of real steps, its status and report (tables, a heat
 * map, the near-zero plot), usage errors, help; and a CLI command with --master, which goes through
 * the CLI with this module's provider.
 */
class ClusterMainTest {
    @TempDir Path tmp;
    final ByteArrayOutputStream out = new ByteArrayOutputStream();
    final ByteArrayOutputStream err = new ByteArrayOutputStream();

    int run(String... args) {
        out.reset();
        err.reset();
        return ClusterMain.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    String out() { return out.toString(StandardCharsets.UTF_8); }

    String err() { return err.toString(StandardCharsets.UTF_8); }

    /**
     * Contradictory backend properties are the driver JVM's: refused before the spec is read, not
     * blamed on a step of it (the steps' check used to name "steps[0].fit").
     */
    @Test
    void contradictoryBackendPropertiesAreRefusedBeforeTheSpec() throws Exception {
        dev.morse.linalg.Linalg.get();   // this JVM's backend is chosen before the properties are set
        String linalg = System.getProperty("morse.linalg"), blas = System.getProperty("morse.blas");
        System.setProperty("morse.linalg", "native");
        System.setProperty("morse.blas", "java");
        try {
            Path spec = Files.writeString(tmp.resolve("s.json"), """
                    {"name": "small", "base": {"model": "2-3-1", "data": "teacher:n=24,width=2"},
                     "grid": {"seed": [0, 1]}, "steps": [{"fit": {}}]}
                    """);
            int code = run("sweep", "run", spec.toString(), "--out", tmp.resolve("out").toString());
            assertEquals(2, code, err());
            assertTrue(err().startsWith("morse sweep: -Dmorse.linalg=native (native LAPACK or nothing) contradicts -Dmorse.blas=java"), err());
            assertFalse(err().contains("steps["), err());
            assertFalse(Files.exists(tmp.resolve("out")), "nothing is written");
        } finally {
            if (linalg == null) System.clearProperty("morse.linalg");
            else System.setProperty("morse.linalg", linalg);
            if (blas == null) System.clearProperty("morse.blas");
            else System.setProperty("morse.blas", blas);
        }
    }

    /**
     * Regression: an --out that cannot be written (found on a read-only file system) ended with the
     * raw {@code FileSystemException}, exit 1, after Spark had started. Now exit 2 before Spark, with
     * the folder and what to do; tests run as root and cannot mount, so a path under a regular file
     * stands in for it (the same exit 1 before). A failure after the check (a remount, a full disk)
     * is worded alike by the runner, which is called here without a session: it fails first.
     */
    @Test
    void anOutThatCannotBeWrittenIsRefusedWithExit2() throws Exception {
        Path spec = Files.writeString(tmp.resolve("s.json"), """
                {"name": "small", "base": {"model": "2-3-1", "data": "teacher:n=24,width=2"},
                 "grid": {"seed": [0, 1]}, "steps": [{"fit": {}}]}
                """);
        Path file = Files.writeString(tmp.resolve("afile"), "not a folder");
        Path sw = file.resolve("sw");
        assertEquals(2, run("sweep", "run", spec.toString(), "--out", sw.toString()), err());
        assertEquals("morse sweep run: --out " + sw + ": cannot be written: " + file + " is a file, not a folder; give another --out",
                err().strip());
        Path ex = file.resolve("wdz");
        assertEquals(2, run("experiment", "run", "weight-decay-zeros", "--scale", "tiny", "--out", ex.toString()), err());
        assertEquals("morse experiment run: --out " + ex + ": cannot be written: " + file + " is a file, not a folder; give another --out",
                err().strip());

        IllegalArgumentException late = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> SweepRunner.run(null, SweepSpec.read(spec), sw, new MorseSteps(), SweepRunner.Options.defaults().withLog(null)));
        assertEquals("--out " + sw + ": cannot be written (Not a directory); give another --out", late.getMessage());
        assertEquals("--out /ro/sw: cannot be written (Read-only file system); give another --out", SweepDir.unwritable(Path.of("/ro/sw"),
                new java.nio.file.FileSystemException("/ro/sw", null, "Read-only file system")).getMessage());
    }

    /**
     * A large sweep says its count before the steps check its tasks (seconds, before Spark starts;
     * a huge one said nothing for minutes); one past the limit is refused at once, exit 2.
     */
    @Test
    void aLargeSweepSaysItsCountFirstAndAHugeOneIsRefused() throws Exception {
        Path spec = Files.writeString(tmp.resolve("s.json"), "{\"name\": \"large\", \"base\": {\"model\": \"2-3-1\", \"colour\": 1},"
                + " \"grid\": {\"seed\": " + SweepSpecTest.range(40) + ", \"max_iter\": " + SweepSpecTest.range(30) + "}, \"steps\": [{\"fit\": {}}]}");
        assertEquals(2, run("sweep", "run", spec.toString(), "--out", tmp.resolve("out").toString()), err());
        assertTrue(err().startsWith("morse sweep run: 1200 tasks (40 seed × 30 max_iter); checking them before Spark starts\n"), err());
        Path huge = Files.writeString(tmp.resolve("h.json"), "{\"name\": \"huge\", \"base\": {\"model\": \"2-3-1\"},"
                + " \"grid\": {\"seed\": " + SweepSpecTest.range(1000) + ", \"max_iter\": " + SweepSpecTest.range(1000) + "}, \"steps\": [{\"fit\": {}}]}");
        assertEquals(2, run("sweep", "run", huge.toString(), "--out", tmp.resolve("out").toString()), err());
        assertTrue(err().startsWith("morse sweep run: " + huge + ": key 'grid': 1000000 tasks (1000 seed × 1000 max_iter): more than a sweep may have"),
                err());
        assertFalse(Files.exists(tmp.resolve("out")), "nothing is written");
    }

    /**
     * Regression: --master cluster --state DIR without a cluster hinted "start one with: morse cluster
     * start", which starts one in the default folder, and the same command failed again. The hint
     * carries the --state given, as cluster status's does.
     */
    @Test
    void noRecordedClusterHintsTheSameState() throws Exception {
        Path spec = Files.writeString(tmp.resolve("s.json"), """
                {"name": "small", "base": {"model": "2-3-1", "data": "teacher:n=24,width=2"},
                 "grid": {"seed": [0, 1]}, "steps": [{"fit": {}}]}
                """);
        Path state = tmp.resolve("clstate");
        assertEquals(2, run("sweep", "run", spec.toString(), "--out", tmp.resolve("out").toString(), "--master", "cluster", "--state",
                state.toString()), err());
        assertEquals("morse sweep run: --master cluster: no cluster recorded in " + state + " (start one with: morse cluster start --state "
                + state + ")", err().strip());
        assertEquals(2, run("experiment", "run", "weight-decay-zeros", "--out", tmp.resolve("e").toString(), "--master", "cluster",
                "--state", state.toString()), err());
        assertTrue(err().contains("(start one with: morse cluster start --state " + state + ")"), err());
    }

    /**
     * Regression: a second driver on the same --out was refused with "another sweep driver is running
     * in this folder" and no word on what to do. It now names the holder's PID (written in the lock
     * file by the holder) and says to wait for it or to give another --out.
     */
    @Test
    void aSecondDriverIsToldWhoHoldsTheFolderAndWhatToDo() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("sweep"));
        try (AutoCloseable held = SweepDir.lock(dir)) {
            IllegalStateException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class, () -> SweepDir.lock(dir));
            assertEquals(dir + ": another sweep driver is running in this folder (pid " + ProcessHandle.current().pid() + " on "
                    + SweepDir.host() + "); wait for it to end (the same command then resumes), or give another --out", e.getMessage());
        }
        try (AutoCloseable again = SweepDir.lock(dir)) {
            assertEquals(ProcessHandle.current().pid() + " " + SweepDir.host() + "\n", Files.readString(dir.resolve(SweepDir.LOCK)),
                    "released, and taken again");
        }
    }

    /**
     * Regression: the steps' checks named the spec "spec:" while the parse's named its file
     * ("/path/spec.json: key …"): every spec error now names the file.
     */
    @Test
    void everySpecErrorNamesTheFile() throws Exception {
        Path parse = Files.writeString(tmp.resolve("empty.json"), """
                {"name": "e", "base": {"model": "2-3-1"}, "grid": {"seed": []}, "steps": [{"fit": {}}]}
                """);
        assertEquals(2, run("sweep", "run", parse.toString(), "--out", tmp.resolve("o").toString()), err());
        assertTrue(err().startsWith("morse sweep run: " + parse + ": key 'grid.seed': "), err());
        Path steps = Files.writeString(tmp.resolve("colour.json"), """
                {"name": "c", "base": {"model": "2-3-1", "colour": "red"}, "grid": {"seed": [0]}, "steps": [{"fit": {}}]}
                """);
        assertEquals(2, run("sweep", "run", steps.toString(), "--out", tmp.resolve("o").toString()), err());
        assertTrue(err().startsWith("morse sweep run: " + steps + ": key 'base.colour': no step takes option --colour"), err());
        Path unknown = Files.writeString(tmp.resolve("step.json"), """
                {"name": "u", "base": {"model": "2-3-1"}, "grid": {"seed": [0]}, "steps": [{"fitt": {}}]}
                """);
        assertEquals(2, run("sweep", "run", unknown.toString(), "--out", tmp.resolve("o").toString()), err());
        assertTrue(err().startsWith("morse sweep run: " + unknown + ": key 'steps[0]': unknown step 'fitt'"), err());
        assertFalse(Files.exists(tmp.resolve("o")), "nothing is written");
    }

    @Test
    void sweepRunStatusReport() throws Exception {
        Path spec = tmp.resolve("s.json");
        Files.writeString(spec, """
                {"name": "small", "base": {"model": "2-3-1", "data": "teacher:n=24,width=2"},
                 "grid": {"reg": ["l2:1e-3", "l2:1e-2"], "seed": [0, 1]},
                 "steps": [{"fit": {"optimizer": "lbfgs_newton", "max_iter": 3000}}, {"morse": {}}]}
                """);
        Path dir = tmp.resolve("out");
        assertEquals(0, run("sweep", "run", spec.toString(), "--out", dir.toString(), "--master", "local[2]"), err());
        assertEquals(4, Files.readAllLines(dir.resolve(SweepDir.RESULTS_JSONL)).size());
        assertEquals(0, run("sweep", "status", dir.toString()), err());
        assertTrue(out().contains("4 tasks: 4 done, 0 failed, 0 missing"), out());
        assertEquals(0, run("sweep", "report", dir.toString()), err());
        assertTrue(out().contains("mean morse.nullity"), out());
        assertEquals(0, run("sweep", "report", dir.toString(), "--pivot", "morse.min_abs_over_tau", "--heatmap", "morse.min_abs_over_tau",
                "--log"), err());
        assertTrue(out().contains("reg \\ seed"), out());
        assertTrue(Files.size(dir.resolve("heatmap-morse.min_abs_over_tau-log.png")) > 1000);
        assertEquals(0, run("sweep", "report", dir.toString(), "--near-zero", "morse.nearest_zero", "--tau", "morse.tau"), err());
        assertTrue(out().contains("1: {\"reg\":\"l2:1e-3\",\"seed\":0}"), out());
        assertTrue(Files.size(dir.resolve("near-zero-morse.nearest_zero.png")) > 1000);

        // a PNG that exists is refused without --force, as every morse output (it was overwritten in silence)
        Path mine = Files.writeString(tmp.resolve("mine.png"), "not to be lost");
        assertEquals(2, run("sweep", "report", dir.toString(), "--heatmap", "morse.nullity", "--png", mine.toString()));
        assertEquals("morse sweep report: --png: refusing to overwrite " + mine
                + " (it exists; pass --force to replace it, or choose another name)", err().strip());
        assertEquals("not to be lost", Files.readString(mine));
        Path heat = dir.resolve("heatmap-morse.min_abs_over_tau-log.png");
        long before = Files.getLastModifiedTime(heat).toMillis();
        // the default file: the refusal names --heatmap, which the user gave, not a --png they did not
        assertEquals(2, run("sweep", "report", dir.toString(), "--heatmap", "morse.min_abs_over_tau", "--log"));
        assertEquals("morse sweep report: --heatmap: refusing to overwrite " + heat + " (it exists: the default file of --heatmap; "
                + "pass --force to replace it, or --png FILE to write another)", err().strip());
        assertEquals(before, Files.getLastModifiedTime(heat).toMillis());
        assertEquals(2, run("sweep", "report", dir.toString(), "--near-zero", "morse.nearest_zero"));
        assertTrue(err().startsWith("morse sweep report: --near-zero: refusing to overwrite " + dir.resolve("near-zero-morse.nearest_zero.png")
                + " (it exists: the default file of --near-zero;"), err());
        assertEquals(0, run("sweep", "report", dir.toString(), "--heatmap", "morse.nullity", "--png", mine.toString(), "--force"), err());
        assertTrue(Files.size(mine) > 1000);
        try (var files = Files.list(tmp)) {
            assertTrue(files.noneMatch(f -> f.getFileName().toString().contains("morse-part")), "no part file left");
        }
    }

    /**
     * Regression: with --out in a folder whose name has a space or a {@code %}, every task ran, then
     * Spark wrote the Parquet into the URI-escaped sibling ({@code s%2520w%2520x/}), the run exited
     * 2 with "no such file" and no results.parquet, and each rerun failed the same way.
     */
    @Test
    void aSweepInAFolderWithASpaceAndAPercentWritesItsParquetThere() throws Exception {
        Path spec = tmp.resolve("s.json");
        Files.writeString(spec, """
                {"name": "odd", "base": {"model": "2-3-1", "data": "teacher:n=24,width=2"},
                 "grid": {"seed": [0, 1]},
                 "steps": [{"fit": {"optimizer": "lbfgs", "max_iter": 200}}]}
                """);
        Path dir = tmp.resolve("s w%20x");
        assertEquals(0, run("sweep", "run", spec.toString(), "--out", dir.toString(), "--master", "local[2]"), err());
        byte[] parquet = Files.readAllBytes(dir.resolve(SweepDir.RESULTS_PARQUET));
        assertEquals("PAR1", new String(parquet, 0, 4, StandardCharsets.US_ASCII));
        assertEquals("PAR1", new String(parquet, parquet.length - 4, 4, StandardCharsets.US_ASCII));
        try (var files = Files.list(tmp)) {
            assertEquals(List.of("s w%20x", "s.json"), files.map(f -> f.getFileName().toString()).sorted().toList());
        }
        try (var files = Files.list(dir)) {
            assertTrue(files.noneMatch(f -> f.getFileName().toString().contains(SweepDir.TMP_MARK)), "no temporary left in " + dir);
        }
        assertEquals(0, run("sweep", "report", dir.toString()), err());
        assertTrue(out().contains("2 tasks"), out());
    }

    /**
     * Regression: Ctrl-C of a sweep printed "morse sweep run: java.io.IOException:
     * org.apache.spark.SparkException: Job 0 cancelled because SparkContext was shut down" (Spark's
     * shutdown hook stops the session under the job), where every other command says it was
     * interrupted. Here another thread cancels the job mid-sweep, what an interrupt amounts to for
     * it short of ending this JVM (a session that Spark stops by itself is a failure, not an
     * interrupt): one line that says so, exit 130 as a Ctrl-C, the committed tasks kept, and the
     * rerun completes the sweep. The SIGINT tests below interrupt a driver JVM for real.
     */
    @Test
    void aSweepCancelledUnderItsJobSaysInterruptedAndTheRerunResumes() throws Exception {
        FakeSteps.reset();
        Path spec = Files.writeString(tmp.resolve("s.json"), FakeSteps.spec("stopped", "{\"sleep_ms\": 300}", 4));
        Path dir = tmp.resolve("out");
        String[] sweep = {"sweep", "run", spec.toString(), "--out", dir.toString(), "--master", "local[2]", "--runner", FakeSteps.class.getName()};
        Thread stopper = new Thread(() -> {
            long deadline = System.nanoTime() + 120_000_000_000L;
            try {
                while (committed(dir).isEmpty() && System.nanoTime() < deadline) Thread.sleep(20);
            } catch (InterruptedException e) {
                return;
            }
            // what Ctrl-C amounts to for the job, short of ending this JVM: the job is cancelled
            // (SPARK_JOB_CANCELLED) and its running tasks interrupted; the SIGINT tests below do it for real
            org.apache.spark.sql.SparkSession.getDefaultSession().get().sparkContext().cancelJobGroup("morse-sweep");
        });
        stopper.start();
        int code = run(sweep);
        stopper.join();
        assertEquals(ClusterMain.EXIT_INTERRUPTED, code, err());
        assertEquals("morse sweep run: interrupted; the tasks committed so far are kept, and the same command resumes", err().strip());
        Map<Path, String> kept = committed(dir);
        assertTrue(!kept.isEmpty() && kept.size() < 16, kept.size() + " tasks committed");
        // attempts of the stopped session may still run in this JVM (Ctrl-C ends them with it): let them end
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (!SweepDir.attemptFolders(dir).isEmpty() && System.nanoTime() < deadline) Thread.sleep(50);
        kept = committed(dir);
        assertEquals(0, run(sweep), err());
        assertEquals(0, run("sweep", "status", dir.toString()), err());
        assertTrue(out().contains("16 tasks: 15 done, 1 failed, 0 missing"), out());
        for (Map.Entry<Path, String> e : kept.entrySet()) assertEquals(e.getValue(), Files.readString(e.getKey()), "kept, not run again");
    }

    /**
     * Regression: a job that Spark gives up on fails with a SparkException, which is checked: it
     * bypassed the branch that reports the abort and came out as "morse sweep run:
     * java.io.IOException: ...", with no results.jsonl. Spark gives up, the committed rows are
     * written, the rest reported missing (local[2]: a task fails once and the job aborts; here no
     * task can read its runner, so none commits). Exit 5, incomplete, and so does status: it was 1,
     * which the help defines as an internal error (a bug), where the same command resumes.
     */
    @Test
    void aJobSparkGivesUpOnWritesTheCommittedRowsAndSaysAborted() throws Exception {
        Path spec = Files.writeString(tmp.resolve("s.json"), FakeSteps.spec("aborted", "{}", 1));
        Path dir = tmp.resolve("out");
        int code = run("sweep", "run", spec.toString(), "--out", dir.toString(), "--master", "local[2]", "--runner", UnreadableSteps.class.getName());
        // the sweep's own log goes to the JVM's stderr; the command's stream gets no error line
        assertEquals(5, code, err());
        assertEquals(ClusterMain.EXIT_INCOMPLETE, code, err());
        assertEquals("", err().strip());
        assertTrue(Files.exists(dir.resolve(SweepDir.RESULTS_JSONL)));
        assertEquals(ClusterMain.EXIT_INCOMPLETE, run("sweep", "status", dir.toString()), err());
        assertTrue(out().contains("4 tasks: 0 done, 0 failed, 4 missing"), out());
        // sweep report of an incomplete sweep exited 0, where status and experiment report exit 5
        assertEquals(ClusterMain.EXIT_INCOMPLETE, run("sweep", "report", dir.toString()), err());
        assertTrue(out().contains("4 tasks: 0 done, 0 failed, 4 missing"), out());
        assertEquals("morse sweep report: 4 of 4 tasks missing: the sweep is incomplete; the report covers the rows there are (exit 5; "
                + "'sweep run' with the same spec and --out runs the missing tasks)", err().strip());
    }

    /**
     * Ctrl-C itself: SIGINT to a driver JVM mid-sweep (bin/morse-cluster's main). The JVM may end
     * as soon as Spark's shutdown hook has stopped the session, before the command's thread gets to
     * its error handler (it printed nothing when interrupted just as the job started): the line
     * comes from a hook then. Once, with no exception and no Spark log after it, and exit 130.
     * SIGTERM ({@code kill PID}) the same, with the JVM's 143 (the README said 130).
     */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.CsvSource({"INT, 130", "TERM, 143"})
    void ctrlCOfASweepSaysInterruptedOnce(String signal, int exit) throws Exception {
        Path spec = Files.writeString(tmp.resolve("s.json"), FakeSteps.spec("ctrl-c", "{\"sleep_ms\": 300}", 4));
        Path dir = tmp.resolve("out");
        Path log = tmp.resolve("driver.log");
        Process driver = ChildJvm.start(log, ClusterMain.class.getName(), "sweep", "run", spec.toString(), "--out", dir.toString(),
                "--master", "local[2]", "--runner", FakeSteps.class.getName());
        try {
            long deadline = System.nanoTime() + 180_000_000_000L;
            while (committed(dir).isEmpty()) {
                assertTrue(driver.isAlive(), () -> "driver exited early: " + ChildJvm.log(log));
                assertTrue(System.nanoTime() < deadline, "no task committed in time");
                Thread.sleep(20);
            }
            assertEquals(0, new ProcessBuilder("kill", "-" + signal, String.valueOf(driver.pid())).start().waitFor());
            assertTrue(driver.waitFor(60, java.util.concurrent.TimeUnit.SECONDS), () -> "still running: " + ChildJvm.log(log));
        } finally {
            driver.destroyForcibly();
            driver.waitFor();
        }
        String text = ChildJvm.log(log);
        assertEquals(exit, driver.exitValue(), text);
        assertEquals(exit, signal.equals("INT") ? ClusterMain.EXIT_INTERRUPTED : ClusterMain.EXIT_TERMINATED);
        List<String> lines = text.lines().toList();
        String line = "morse sweep run: interrupted; the tasks committed so far are kept, and the same command resumes";
        assertEquals(1, lines.stream().filter(line::equals).count(), text);
        assertTrue(lines.stream().noneMatch(l -> l.contains("Exception") || l.contains(" ERROR ")), text);
    }

    /**
     * Ctrl-C of a CLI command with --master: Spark's shutdown hook stopped the session under its
     * job, and the command reported "internal error: org.apache.spark.SparkException: Job aborted
     * … RejectedExecutionException" (a bug, it said) and Spark's stack trace. Now, as any command:
     * the outputs' line, exit 130.
     */
    @Test
    void ctrlCOfACommandWithMasterSaysInterrupted() throws Exception {
        Path json = tmp.resolve("t.json");
        Path log = tmp.resolve("trace.log");
        // 40000 Hutchinson probes at P = 44601: one Spark job per product, minutes of them
        Process cmd = ChildJvm.start(log, ClusterMain.class.getName(), "trace", "--model", "20-200-200-1", "--data", "gaussian:n=2000",
                "--method", "hutchinson", "--probes", "40000", "--master", "local[2]", "--partitions", "2", "--json", json.toString());
        try {
            long deadline = System.nanoTime() + 180_000_000_000L;
            while (!ChildJvm.log(log).contains("sending the data ✓")) {
                assertTrue(cmd.isAlive(), () -> "ended early: " + ChildJvm.log(log));
                assertTrue(System.nanoTime() < deadline, "Spark not started in time");
                Thread.sleep(50);
            }
            Thread.sleep(1000);   // products running
            assertEquals(0, new ProcessBuilder("kill", "-INT", String.valueOf(cmd.pid())).start().waitFor());
            assertTrue(cmd.waitFor(60, java.util.concurrent.TimeUnit.SECONDS), () -> "still running: " + ChildJvm.log(log));
        } finally {
            cmd.destroyForcibly();
            cmd.waitFor();
        }
        String text = ChildJvm.log(log);
        assertEquals(ClusterMain.EXIT_INTERRUPTED, cmd.exitValue(), text);
        List<String> lines = text.lines().toList();
        assertEquals(1, lines.stream().filter("morse: interrupted; the outputs were not written (temporary files removed)"::equals).count(), text);
        assertTrue(lines.stream().noneMatch(l -> l.contains("internal error") || l.contains("Exception") || l.contains(" ERROR ")), text);
        assertTrue(!Files.exists(json), "no report");
    }

    /** The committed results under {@code dir}: file → content. */
    private static Map<Path, String> committed(Path dir) {
        Map<Path, String> out = new java.util.HashMap<>();
        try (var s = Files.list(dir.resolve(SweepDir.TASKS))) {
            for (Path t : s.toList()) {
                if (t.getFileName().toString().contains(SweepDir.TMP_MARK)) continue;   // an attempt's folder, not a commit
                Path r = t.resolve(TaskExecutor.RESULT);
                if (Files.exists(r)) out.put(r, Files.readString(r));
            }
        } catch (java.io.IOException e) {
            // not there yet
        }
        return out;
    }

    @Test
    void usageErrorsExitWith2AndHelpWorks() throws Exception {
        assertEquals(0, run("--help"), err());
        assertTrue(out().contains("sweep") && out().contains("cluster"), out());
        String help = out().replaceAll("\\s+", " ");   // as picocli wraps it
        assertTrue(help.contains("1 internal error (a bug; --debug prints the stack trace)") && help.contains("5 incomplete (sweep run, experiment run: tasks missing"), help);
        assertEquals(0, run("sweep", "run", "--help"), err());
        assertTrue(out().contains("--retry-failed") && out().contains("SPEC.json"), out());
        assertEquals(2, run("sweep"));
        assertTrue(err().contains("a subcommand is needed"), err());
        assertEquals(2, run("sweep", "fly"));
        assertTrue(err().contains("Unmatched argument") || err().contains("Unknown"), err());
        assertEquals(2, run("sweep", "run", "x.json"));
        assertTrue(err().contains("--out"), err());
        assertEquals(2, run("sweep", "status", tmp.toString(), "--bogus", "1"));
        assertTrue(err().contains("--bogus"), err());
        assertEquals(2, run("sweep", "status", tmp.toString()));
        assertTrue(err().contains("not a sweep folder"), err());
        Path spec = tmp.resolve("bad.json");
        Files.writeString(spec, "{\"name\": \"b\", \"grid\": {\"optimiser\": [\"gd\"]}, \"steps\": [{\"fit\": {}}]}");
        assertEquals(2, run("sweep", "run", spec.toString(), "--out", tmp.resolve("o").toString()));
        assertTrue(err().contains("key 'grid.optimiser': no step takes option --optimiser"), err());
        assertTrue(!Files.exists(tmp.resolve("o")), "refused before anything ran");
        // Regression: no cluster exited 1, which the help defines as an internal error (a bug)
        assertEquals(2, run("cluster", "status", "--state", tmp.resolve("none").toString()));
        assertEquals("morse cluster status: no cluster recorded in " + tmp.resolve("none") + "; start one with: morse cluster start --state "
                + tmp.resolve("none"), err().strip());
        assertEquals("", out());
        // a record whose master is gone (its pid now another process's): what it recorded, then exit 2
        Path stale = Files.createDirectories(tmp.resolve("stale"));
        long pid = ProcessHandle.current().pid();
        Files.writeString(stale.resolve("cluster.json"), """
                {"master_url": "spark://127.0.0.1:7077", "master_web_ui": "http://127.0.0.1:8080", "spark_home": "%s",
                 "cores": 1, "memory": "1g", "started_at": "2000-01-01T00:00:00Z",
                 "processes": [{"role": "master", "pid": %d, "started": "2000-01-01T00:00:00Z", "log": "%s", "web_ui_port": 8080}]}
                """.formatted(stale.resolve("spark-home"), pid, stale.resolve("master.log")));
        assertEquals(2, run("cluster", "status", "--state", stale.toString()));
        assertTrue(out().startsWith("master spark://127.0.0.1:7077") && out().contains("DOWN"), out());
        assertTrue(err().startsWith("morse cluster status: the recorded cluster's master (pid " + pid + ") is not running; its log: "
                + stale.resolve("master.log") + ". Clear the record with: morse cluster stop --state " + stale), err());
        assertEquals(0, run("cluster", "stop", "--state", tmp.resolve("none").toString()));
        assertTrue(out().contains("no cluster running"), out());
        assertEquals(2, run("sweep", "run", spec.toString(), "--out", tmp.resolve("o").toString(), "--master", "cluster",
                "--state", tmp.resolve("none").toString()));
        assertTrue(err().contains("no cluster recorded"), err());
    }

    /**
     * Regression: --debug, which the CLI takes anywhere and bin/morse hands over with a sweep
     * (LauncherTest), was an unknown option of sweep, cluster and experiment ("Unknown option:
     * '--debug'"), and an internal error's stack trace could not be had. Now as in the CLI: taken
     * anywhere, and an internal error (exit 1) prints its stack trace with it, not without it.
     */
    @Test
    void debugIsTakenAnywhereAndPrintsAnInternalErrorsStackTrace() throws Exception {
        assertEquals(2, run("--debug", "sweep", "status", tmp.toString()));
        assertTrue(err().contains("not a sweep folder") && !err().contains("--debug"), err());
        assertEquals(2, run("sweep", "status", "--debug", tmp.toString()));
        assertTrue(err().contains("not a sweep folder") && !err().contains("--debug"), err());
        Path spec = Files.writeString(tmp.resolve("s.json"), FakeSteps.spec("broken", "{}", 1));
        String[] broken = {"sweep", "run", spec.toString(), "--out", tmp.resolve("o").toString(), "--runner", BrokenSteps.class.getName()};
        assertEquals(1, run(broken));
        assertTrue(err().contains("broken on purpose") && !err().contains("\tat "), err());
        assertEquals(1, run(cat(new String[] {"--debug"}, broken)));
        assertTrue(err().contains("broken on purpose") && err().contains("\tat dev.morse.cluster.ClusterMainTest$BrokenSteps.<init>"), err());
    }

    /** A runner whose constructor fails: an internal error of sweep run, before Spark starts. */
    public static final class BrokenSteps implements StepRunner {
        private static final long serialVersionUID = 1L;

        public BrokenSteps() {
            throw new UnsupportedOperationException("broken on purpose");
        }

        @Override
        public Map<String, ?> run(String step, Map<String, Object> config, Map<String, Object> opts, Path taskDir, StepContext ctx) {
            throw new AssertionError("never made");
        }
    }

    @Test
    void otherCommandsAreTheClisWithTheSparkProvider() throws Exception {
        Path local = tmp.resolve("local.json"), dist = tmp.resolve("dist.json");
        String[] problem = {"--model", "3-4-2", "--data", "gaussian:n=30", "--reg", "l2:1e-3", "-q"};
        assertEquals(0, run(cat(new String[] {"spectrum", "--json", local.toString()}, problem)), err());
        assertEquals(0, run(cat(new String[] {"spectrum", "--master", "local[2]", "--partitions", "3", "--json", dist.toString()}, problem)),
                err());
        Map<String, Object> a = Json.readObject(local), b = Json.readObject(dist);
        @SuppressWarnings("unchecked") List<Number> ea = (List<Number>) a.get("eigenvalues"), eb = (List<Number>) b.get("eigenvalues");
        assertEquals(ea.size(), eb.size());
        double scale = Math.abs(ea.get(ea.size() - 1).doubleValue());
        for (int i = 0; i < ea.size(); i++) assertEquals(ea.get(i).doubleValue(), eb.get(i).doubleValue(), 1e-13 * scale, "λ_" + i);
        assertEquals(((Number) a.get("loss")).doubleValue(), ((Number) b.get("loss")).doubleValue(), 1e-15);
        @SuppressWarnings("unchecked") Map<String, Object> cfg = (Map<String, Object>) b.get("config");
        assertEquals("local[2]", cfg.get("master"));
        assertEquals(3, ((Number) cfg.get("partitions")).intValue());
        // that report is a config which reruns on Spark (bin/morse hands it over: cli's LauncherTest), with
        // --config before any command word, whose file name is never taken for one
        Path again = tmp.resolve("again.json");
        assertEquals(0, run("--config", dist.toString(), "--json", again.toString(), "-q"), err());
        assertEquals(eb, Json.readObject(again).get("eigenvalues"));
        // the command is the first word that is not an option (bin/morse passes --debug anywhere)
        assertEquals(0, run("--debug", "init", "--model", "2-3-1", "--save", tmp.resolve("t0.npy").toString(), "-q"), err());
        assertTrue(Files.exists(tmp.resolve("t0.npy")));
        // a bad partition count is bad input
        assertEquals(2, run(cat(new String[] {"trace", "--master", "local[2]", "--partitions", "31"}, problem)));
        assertTrue(err().contains("--partitions: 31 partitions for N = 30 samples"), err());
    }

    private static String[] cat(String[] a, String[] b) {
        String[] r = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }
}
