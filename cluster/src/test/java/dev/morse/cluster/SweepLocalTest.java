package dev.morse.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Sweeps in local[2]: rows, failures, atomic commits, resume, refusals, status and report. */
class SweepLocalTest {
    static SparkSession spark;
    @TempDir Path tmp;

    @BeforeAll
    static void start() throws Exception {
        spark = SparkJvm.session("local[2]", "morse-sweep-test", Map.of());
    }

    @AfterAll
    static void stop() {
        if (spark != null) spark.stop();
    }

    @BeforeEach
    void reset() {
        FakeSteps.reset();
    }

    static SweepRunner.Options quiet() {
        return SweepRunner.Options.defaults().withMorseVersion("test-1").withLog(null);
    }

    /** The rows of results.jsonl without what differs from run to run (timings, the steps' own timings, executor, attempt). */
    static List<Map<String, Object>> comparableRows(Path dir) throws Exception {
        List<Map<String, Object>> out = new ArrayList<>();
        for (String line : Files.readAllLines(dir.resolve(SweepDir.RESULTS_JSONL))) {
            Map<String, Object> r = new LinkedHashMap<>(Json.parseObject(line, "row"));
            r.keySet().removeIf(k -> k.startsWith("time.") || k.contains(".timings.") || k.equals("executor") || k.equals("attempt"));
            out.add(r);
        }
        return out;
    }

    @Test
    void sweepOf16TasksWritesOneRowPerTask() throws Exception {
        Path dir = tmp.resolve("sweep");
        SweepSpec spec = SweepSpec.parse(FakeSteps.spec("fake", "{\"optimizer\": \"lbfgs\"}", 4));
        SweepRunner.Result r = SweepRunner.run(spark, spec, dir, new FakeSteps(), quiet());
        assertEquals(16, r.tasks());
        assertEquals(15, r.done());
        assertEquals(1, r.failed());
        assertEquals(0, r.missing());
        assertEquals(16, r.ran());
        assertEquals(0, r.skipped());
        assertNull(r.abortedBy());

        List<String> lines = Files.readAllLines(dir.resolve(SweepDir.RESULTS_JSONL));
        assertEquals(16, lines.size());
        List<SweepTask> tasks = spec.tasks("test-1");
        Map<String, Object> first = Json.parseObject(lines.get(0), "row");
        assertEquals(List.of("task_id", "status", "model", "loss", "reg", "width", "seed",
                "fit.loss", "fit.iterations", "fit.converged", "fit.theta_file",
                "morse.P", "morse.nullity", "morse.min_abs_over_tau", "morse.nearest_zero", "morse.verdict",
                "morse.traces.hessian", "morse.labels",
                "time.fit", "time.morse", "time.total", "executor", "attempt", "error", "error_step"),
                List.copyOf(first.keySet()));
        assertEquals(tasks.get(0).id(), first.get("task_id"));
        assertEquals("done", first.get("status"));
        assertEquals(0.25, first.get("fit.loss"));           // width 4, seed 0, no reg
        assertEquals(40, first.get("fit.iterations"));
        assertEquals(4, first.get("morse.P"));               // read back from fit's file
        assertEquals(java.util.Arrays.asList(-0.0, 2e-15, 2.0, null), first.get("morse.nearest_zero")); // NaN → null
        assertEquals(6.0, first.get("morse.traces.hessian"));
        assertNull(first.get("error"));

        // the failing task: a failed row with the message, no outputs, the error file committed
        int failIdx = -1;
        for (int i = 0; i < tasks.size(); i++) {
            Map<String, Object> p = tasks.get(i).point();
            if (p.get("reg").equals("l2:1e-3") && p.get("width").equals(8) && p.get("seed").equals(3)) failIdx = i;
        }
        assertEquals(15, failIdx);
        Map<String, Object> failed = Json.parseObject(lines.get(failIdx), "row");
        assertEquals("failed", failed.get("status"));
        assertEquals("fit", failed.get("error_step"));
        assertEquals("java.lang.IllegalStateException: fake divergence at width 8, seed 3"
                + " (caused by java.lang.ArithmeticException: step size underflow)", failed.get("error"));
        assertNull(failed.get("fit.loss"));
        assertNull(failed.get("time.morse"));
        Path failedDir = dir.resolve("tasks").resolve(tasks.get(failIdx).id());
        assertTrue(Files.readString(failedDir.resolve("error.txt")).contains("ArithmeticException"));

        // committed folders with their files, nothing in flight, the spec and manifest beside
        for (SweepTask t : tasks) assertTrue(Files.exists(dir.resolve("tasks").resolve(t.id()).resolve("result.json")));
        assertTrue(Files.exists(dir.resolve("tasks").resolve(tasks.get(0).id()).resolve("theta.txt")));
        assertTrue(SweepDir.attemptFolders(dir).isEmpty());
        assertEquals(spec.toMap().get("grid"), Json.readObject(dir.resolve("spec.json")).get("grid"));

        // expensive state: once per JVM, once per task thread (Spark reuses its threads)
        assertEquals(1, FakeSteps.SHARED_MADE.get());
        assertTrue(FakeSteps.THREAD_MADE.get() >= 1 && FakeSteps.THREAD_MADE.get() < 16, "per-thread state made "
                + FakeSteps.THREAD_MADE.get() + " times for 16 tasks");

        // Parquet: the same rows, typed
        Dataset<Row> df = spark.read().parquet(dir.resolve(SweepDir.RESULTS_PARQUET).toString());
        assertEquals(16, df.count());
        StructType s = df.schema();
        assertEquals(List.copyOf(first.keySet()), List.of(s.fieldNames()));
        assertEquals(DataTypes.StringType, s.apply("reg").dataType());
        assertEquals(DataTypes.LongType, s.apply("width").dataType());
        assertEquals(DataTypes.DoubleType, s.apply("fit.loss").dataType());
        assertEquals(DataTypes.LongType, s.apply("morse.nullity").dataType());
        assertEquals(DataTypes.BooleanType, s.apply("fit.converged").dataType());
        assertEquals(DataTypes.createArrayType(DataTypes.DoubleType, true), s.apply("morse.nearest_zero").dataType());
        assertEquals(DataTypes.createArrayType(DataTypes.StringType, true), s.apply("morse.labels").dataType());
        assertEquals(DataTypes.DoubleType, s.apply("time.total").dataType());
        assertEquals(1L, df.filter("status = 'failed'").count());
        Row r0 = df.filter("task_id = '" + tasks.get(0).id() + "'").first();
        assertEquals(0.25, r0.getDouble(r0.fieldIndex("fit.loss")));
        assertEquals(List.of(-0.0, 2e-15, 2.0), r0.getList(r0.fieldIndex("morse.nearest_zero")).subList(0, 3));
    }

    @Test
    void rerunSkipsCommittedTasksAndSaysSo() throws Exception {
        Path dir = tmp.resolve("sweep");
        SweepSpec spec = SweepSpec.parse(FakeSteps.spec("fake", "{}", 4));
        SweepRunner.run(spark, spec, dir, new FakeSteps(), quiet());
        List<Map<String, Object>> before = comparableRows(dir);
        int calls = FakeSteps.CALLS.get();

        ByteArrayOutputStream out = new ByteArrayOutputStream();
        SweepRunner.Result again = SweepRunner.run(spark, spec, dir, new FakeSteps(),
                quiet().withLog(new PrintStream(out, true, StandardCharsets.UTF_8)));
        assertEquals(16, again.skipped());
        assertEquals(0, again.ran());
        assertEquals(calls, FakeSteps.CALLS.get(), "no step ran again");
        assertTrue(out.toString(StandardCharsets.UTF_8).contains("16 already committed (skipped)"), out.toString());
        // a failed task is a result (exit 0): the last line says how many failed, not only a count among others
        List<String> lines = out.toString(StandardCharsets.UTF_8).strip().lines().toList();
        assertEquals("sweep fake: 1 of 16 tasks failed (rows with status 'failed' and their error; 'morse sweep status " + dir
                + "' lists why; --retry-failed runs them again)", lines.get(lines.size() - 1));
        assertEquals(before, comparableRows(dir));

        // retryFailed reruns the failed task only (it fails again), and keeps the old result aside
        SweepRunner.Result retry = SweepRunner.run(spark, spec, dir, new FakeSteps(), quiet().withRetryFailed(true));
        assertEquals(15, retry.skipped());
        assertEquals(1, retry.ran());
        assertEquals(1, retry.failed());
        try (var s = Files.list(dir.resolve(SweepDir.RETIRED))) {
            assertEquals(1, s.count());
        }
    }

    /**
     * Regression: a driver killed while it wrote results.parquet left DIR/.results.parquet.tmp-* (and
     * while it replaced results.jsonl, its part file) that no later run removed. The next run removes
     * them under the driver lock, and says so; another writer's part file in DIR is left alone.
     */
    @Test
    void aKilledDriversResultsFilesAreRemovedByTheNextRun() throws Exception {
        Path dir = tmp.resolve("sweep");
        SweepSpec spec = SweepSpec.parse(FakeSteps.spec("fake", "{}", 2));
        SweepRunner.run(spark, spec, dir, new FakeSteps(), quiet());
        Path parquetTmp = Files.createDirectories(dir.resolve("." + SweepDir.RESULTS_PARQUET + SweepDir.TMP_MARK + "1a2b3c4d"));
        Files.writeString(parquetTmp.resolve("part-00000-x.snappy.parquet"), "partial");
        Path jsonlPart = Files.writeString(dir.resolve("." + SweepDir.RESULTS_JSONL + dev.morse.io.AtomicFiles.PART + "5e6f7a8b"), "{");
        Path othersPart = Files.writeString(dir.resolve(".heatmap-x.png" + dev.morse.io.AtomicFiles.PART + "0c0d0e0f"), "png");

        ByteArrayOutputStream out = new ByteArrayOutputStream();
        SweepRunner.run(spark, spec, dir, new FakeSteps(), quiet().withLog(new PrintStream(out, true, StandardCharsets.UTF_8)));
        assertFalse(Files.exists(parquetTmp), "the killed driver's Parquet folder is removed");
        assertFalse(Files.exists(jsonlPart), "the killed driver's part file of results.jsonl is removed");
        assertTrue(Files.exists(othersPart), "a part file of another writer stays");
        assertTrue(out.toString(StandardCharsets.UTF_8).contains("removed 2 unfinished file(s) of a killed driver"), out.toString());
    }

    /**
     * Regression: results.jsonl, written at the end of a run (after hours of tasks, perhaps), failed
     * with a raw IOException (exit 1, "a bug") when it could not be written; it is now worded as an
     * --out that cannot be written (exit 2). A folder in its place stands in for a full disk.
     */
    @Test
    void resultsThatCannotBeWrittenAtTheEndAreTheOutsFault() throws Exception {
        Path dir = tmp.resolve("sweep");
        SweepSpec spec = SweepSpec.parse(FakeSteps.spec("fake", "{}", 2));
        SweepRunner.run(spark, spec, dir, new FakeSteps(), quiet());
        Files.delete(dir.resolve(SweepDir.RESULTS_JSONL));
        Files.writeString(Files.createDirectories(dir.resolve(SweepDir.RESULTS_JSONL)).resolve("x"), "x");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SweepRunner.run(spark, spec, dir, new FakeSteps(), quiet()));
        assertTrue(e.getMessage().startsWith("--out " + dir + ": cannot be written ("), e.getMessage());
    }

    /**
     * A task folder without result.json (a tool, a partial copy) used to make its task missing for
     * ever (every attempt lost a "race" to it): the run moves it to retired/ with a note and runs it.
     */
    @Test
    void aTaskFolderWithoutAResultIsRetiredAndRunAgain() throws Exception {
        Path dir = tmp.resolve("sweep");
        SweepSpec spec = SweepSpec.parse(FakeSteps.spec("fake", "{}", 4));
        SweepRunner.run(spark, spec, dir, new FakeSteps(), quiet());
        List<Map<String, Object>> before = comparableRows(dir);
        String id = spec.tasks("test-1").get(2).id();
        Files.delete(dir.resolve(SweepDir.TASKS).resolve(id).resolve(TaskExecutor.RESULT));

        ByteArrayOutputStream out = new ByteArrayOutputStream();
        SweepRunner.Result again = SweepRunner.run(spark, spec, dir, new FakeSteps(),
                quiet().withLog(new PrintStream(out, true, StandardCharsets.UTF_8)));
        assertEquals(1, again.ran(), out.toString());
        assertEquals(0, again.missing());
        assertEquals(before, comparableRows(dir));
        assertTrue(Files.exists(dir.resolve(SweepDir.TASKS).resolve(id).resolve(TaskExecutor.RESULT)));
        Path note = dir.resolve(SweepDir.RETIRED).resolve(id + "-1").resolve(SweepRunner.RETIRED_NOTE);
        assertTrue(Files.readString(note).contains("held no result.json"), Files.readString(note));
        assertTrue(out.toString(StandardCharsets.UTF_8).contains("1 task folder(s) without a readable result moved to retired/"), out.toString());
    }

    /**
     * A damaged result.json (a crash before it reached the disk, an edit) used to make every later
     * run, status and report throw. Status and report list it and count the task as missing; the
     * next run moves it to retired/ with a note and runs the task again.
     */
    @Test
    void aDamagedResultIsListedThenRetiredAndRunAgain() throws Exception {
        Path dir = tmp.resolve("sweep");
        SweepSpec spec = SweepSpec.parse(FakeSteps.spec("fake", "{}", 4));
        SweepRunner.run(spark, spec, dir, new FakeSteps(), quiet());
        List<Map<String, Object>> before = comparableRows(dir);
        String truncated = spec.tasks("test-1").get(1).id();
        String empty = spec.tasks("test-1").get(5).id();
        Path f = dir.resolve(SweepDir.TASKS).resolve(truncated).resolve(TaskExecutor.RESULT);
        Files.writeString(f, Files.readString(f).substring(0, 40));
        Files.writeString(dir.resolve(SweepDir.TASKS).resolve(empty).resolve(TaskExecutor.RESULT), "");

        SweepStatus st = SweepStatus.of(dir);
        assertEquals(2, st.missing());
        assertEquals(List.of(truncated, empty), st.damaged().stream().map(SweepStatus.Damaged::taskId).toList());
        String text = st.text();
        assertTrue(text.contains("16 tasks: 13 done, 1 failed, 2 missing (2 of them with a damaged result)"), text);
        assertTrue(text.contains("damaged results") && text.contains("\n  " + truncated + "  "), text);
        SweepReport rep = SweepReport.load(dir);
        assertEquals(14, rep.rows().size());
        assertTrue(rep.text().contains("2 of them with a damaged result"));

        ByteArrayOutputStream out = new ByteArrayOutputStream();
        SweepRunner.Result again = SweepRunner.run(spark, spec, dir, new FakeSteps(),
                quiet().withLog(new PrintStream(out, true, StandardCharsets.UTF_8)));
        assertEquals(2, again.ran(), out.toString());
        assertEquals(0, again.missing());
        assertEquals(before, comparableRows(dir));
        assertTrue(SweepStatus.of(dir).damaged().isEmpty());
        for (String id : List.of(truncated, empty)) {
            String note = Files.readString(dir.resolve(SweepDir.RETIRED).resolve(id + "-1").resolve(SweepRunner.RETIRED_NOTE));
            assertTrue(note.contains("damaged result.json"), note);
        }
        assertTrue(out.toString(StandardCharsets.UTF_8).contains("2 task folder(s) without a readable result moved to retired/"),
                out.toString());
    }

    @Test
    void moreGridValuesExtendTheSweepOtherSpecsAreRefused() throws Exception {
        Path dir = tmp.resolve("sweep");
        SweepRunner.run(spark, SweepSpec.parse(FakeSteps.spec("fake", "{}", 3)), dir, new FakeSteps(), quiet());
        // a superset: one more seed → 4 new tasks
        SweepRunner.Result more = SweepRunner.run(spark, SweepSpec.parse(FakeSteps.spec("fake", "{}", 4)), dir,
                new FakeSteps(), quiet());
        assertEquals(12, more.skipped());
        assertEquals(4, more.ran());
        assertEquals(16, Files.readAllLines(dir.resolve(SweepDir.RESULTS_JSONL)).size());
        // not a superset (another step option changes every id): refused, nothing touched
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SweepRunner.run(spark,
                SweepSpec.parse(FakeSteps.spec("fake", "{\"optimizer\": \"gd\"}", 4)), dir, new FakeSteps(), quiet()));
        assertTrue(e.getMessage().contains("may only add tasks"), e.getMessage());
        assertTrue(e.getMessage().contains("16 of 16 missing"), e.getMessage());
        // fewer seeds: refused too
        assertThrows(IllegalArgumentException.class, () -> SweepRunner.run(spark,
                SweepSpec.parse(FakeSteps.spec("fake", "{}", 2)), dir, new FakeSteps(), quiet()));
        // another Morse version: says so
        e = assertThrows(IllegalArgumentException.class, () -> SweepRunner.run(spark,
                SweepSpec.parse(FakeSteps.spec("fake", "{}", 4)), dir, new FakeSteps(), quiet().withMorseVersion("test-2")));
        assertTrue(e.getMessage().contains("ran with Morse test-1"), e.getMessage());
        assertEquals(16, Files.readAllLines(dir.resolve(SweepDir.RESULTS_JSONL)).size());
        // a folder with other things in it
        Path other = Files.createDirectories(tmp.resolve("other"));
        Files.writeString(other.resolve("notes.txt"), "mine");
        e = assertThrows(IllegalArgumentException.class, () -> SweepRunner.run(spark,
                SweepSpec.parse(FakeSteps.spec("fake", "{}", 4)), other, new FakeSteps(), quiet()));
        assertTrue(e.getMessage().contains("holds no sweep"), e.getMessage());
        // the runner's own check runs before anything
        e = assertThrows(IllegalArgumentException.class, () -> SweepRunner.run(spark,
                SweepSpec.parse("{\"name\": \"x\", \"grid\": {\"seed\": [1]}, \"steps\": [{\"spectrum\": {}}]}"),
                tmp.resolve("fresh"), new FakeSteps(), quiet()));
        assertTrue(e.getMessage().contains("unknown step 'spectrum'"), e.getMessage());
        assertFalse(Files.exists(tmp.resolve("fresh")));
    }

    @Test
    void statusAndReportGroupByTheGridAxes() throws Exception {
        Path dir = tmp.resolve("sweep");
        SweepSpec spec = SweepSpec.parse(FakeSteps.spec("fake", "{}", 4));
        SweepRunner.run(spark, spec, dir, new FakeSteps(), quiet());
        // a task whose result is gone counts as missing
        Files.move(dir.resolve("tasks").resolve(spec.tasks("test-1").get(0).id()), tmp.resolve("moved-away"));

        SweepStatus st = SweepStatus.of(dir);
        assertEquals(16, st.total());
        assertEquals(14, st.done());
        assertEquals(1, st.failed());
        assertEquals(1, st.missing());
        assertEquals(List.of("reg", "width", "seed"), st.axes().stream().map(SweepStatus.Axis::name).toList());
        SweepStatus.Count l2 = st.axes().get(0).counts().get(1);
        assertEquals("l2:1e-3", l2.value());
        assertEquals(7, l2.done());
        assertEquals(1, l2.failed());
        assertEquals(0, l2.missing());
        String text = st.text();
        assertTrue(text.contains("16 tasks: 14 done, 1 failed, 1 missing"), text);
        // the failure: which task, which step, the message
        SweepTask failing = spec.tasks("test-1").stream()
                .filter(t -> t.point().get("reg").equals("l2:1e-3") && ((Number) t.point().get("width")).intValue() == 8
                        && ((Number) t.point().get("seed")).intValue() == 3).findFirst().orElseThrow();
        assertEquals(1, st.failures().size());
        assertEquals(failing.id(), st.failures().get(0).taskId());
        assertEquals("fit", st.failures().get(0).step());
        assertTrue(text.contains("\n  " + failing.id() + "  fit: java.lang.IllegalStateException: fake divergence at width 8, seed 3"
                + " (caused by java.lang.ArithmeticException: step size underflow) (stack trace in error.txt)\n"), text);
        assertTrue(st.failures().get(0).stackTrace());

        SweepReport rep = SweepReport.load(dir);
        assertTrue(rep.numericColumns().containsAll(List.of("fit.loss", "morse.nullity", "morse.min_abs_over_tau")),
                rep.numericColumns().toString());
        assertFalse(rep.numericColumns().contains("morse.verdict"));
        List<SweepReport.Group> g = rep.groupBy(List.of("width"), "morse.nullity");
        assertEquals(2, g.size());
        assertEquals(8, g.get(0).tasks());
        assertEquals(1, g.get(0).missing()); // the moved-away task had width 4
        // width 4, no reg: nullity 2 - seed clipped at 0 → seeds 1..3: 1, 0, 0; l2: 0 × 4 → mean 1/7
        assertEquals(1.0 / 7, g.get(0).mean(), 1e-15);
        String pivot = rep.pivot("morse.nullity", "reg", "width");
        assertTrue(pivot.contains("reg \\ width"), pivot);
        String report = rep.text();
        assertTrue(report.contains("mean fit.loss"), report);

        Path png = rep.heatMap("morse.min_abs_over_tau", "width", "reg", true, tmp.resolve("plots/heat.png"));
        byte[] head = Files.readAllBytes(png);
        assertTrue(head.length > 1000);
        assertEquals((byte) 0x89, head[0]);
        assertEquals('P', head[1]);
        assertThrows(IllegalArgumentException.class, () -> rep.heatMap("nope", "width", "reg", false, tmp.resolve("x.png")));
        assertThrows(IllegalArgumentException.class, () -> rep.heatMap("fit.loss", "depth", "reg", false, tmp.resolve("x.png")));
    }

    /** The first 20 failures are listed, one line each; the rest are counted. */
    @Test
    void statusListsTwentyFailuresThenCountsTheRest() {
        List<SweepStatus.Failure> failures = new ArrayList<>();
        for (int i = 0; i < 23; i++) failures.add(new SweepStatus.Failure("task" + i, "fit", "exit 3 (numerical failure):\n no convergence " + i));
        String text = new SweepStatus(tmp, "s", 30, 7, 23, 0, 0, List.of(), failures, List.of()).text();
        assertTrue(text.contains("\n  task0  fit: exit 3 (numerical failure): no convergence 0\n"), text);
        assertTrue(text.contains("\n  task19  fit: exit 3 (numerical failure): no convergence 19\n"), text);
        assertFalse(text.contains("task20"), text);
        assertTrue(text.endsWith("\n  … and 3 more\n"), text);
        // exit 3 (a step that ran to its end) has no stack trace: status does not promise one
        assertFalse(text.contains("stack trace"), text);
        assertTrue(text.contains("failed tasks (task, step: error; more in tasks/<task>/error.txt):"), text);
        assertFalse(new SweepStatus(tmp, "s", 1, 1, 0, 0, 0, List.of(), List.of(), List.of()).text().contains("failed tasks"));
    }

    /** A zipped axis may repeat a value: one row per distinct value, labelled with its own counts. */
    @Test
    void aZippedAxisWithARepeatedValueHasOneRowPerValue() throws Exception {
        Path dir = tmp.resolve("sweep");
        SweepSpec spec = SweepSpec.parse("""
                {"name": "zipped",
                 "base": {"model": "2-8-1", "loss": "mse"},
                 "grid": {"reg": ["none", "none", "l2:1e-3"], "width": [4, 8, 8], "seed": [0, 1, 2, 3]},
                 "zip": [["reg", "width"]],
                 "steps": [{"fit": {}}, {"morse": {}}]}
                """);
        SweepRunner.run(spark, spec, dir, new FakeSteps(), quiet());

        // reg none: 8 tasks, all done; l2:1e-3 (width 8 only): 4 tasks, seed 3 fails
        SweepStatus st = SweepStatus.of(dir);
        List<SweepStatus.Count> reg = st.axes().get(0).counts();
        assertEquals(List.of("none", "l2:1e-3"), reg.stream().map(SweepStatus.Count::value).toList());
        assertEquals(List.of(8, 3), reg.stream().map(SweepStatus.Count::done).toList());
        assertEquals(List.of(0, 1), reg.stream().map(SweepStatus.Count::failed).toList());
        List<SweepStatus.Count> width = st.axes().get(1).counts();
        assertEquals(List.of(4L, 8L), width.stream().map(c -> ((Number) c.value()).longValue()).toList());
        assertEquals(List.of(4, 7), width.stream().map(SweepStatus.Count::done).toList());
        String text = st.text();
        assertEquals(1, text.lines().filter(l -> l.startsWith("none ")).count(), text);

        SweepReport rep = SweepReport.load(dir);
        List<SweepReport.Group> g = rep.groupBy(List.of("reg"), "fit.loss");
        assertEquals(List.of("none", "l2:1e-3"), g.stream().map(x -> x.key().get("reg")).toList());
        assertEquals(List.of(8, 4), g.stream().map(SweepReport.Group::tasks).toList());
        assertEquals(List.of(0, 1), g.stream().map(SweepReport.Group::failed).toList());
        String table = rep.table(List.of("reg"), "fit.loss");
        assertEquals(1, table.lines().filter(l -> l.startsWith("none ")).count(), table);
        // the pivot: a row per distinct width, none of them empty
        List<String> pivot = rep.pivot("fit.loss", "width", "reg").lines().toList();
        assertEquals(5, pivot.size(), String.join("\n", pivot)); // title, head, rule, width 4, width 8
        assertTrue(pivot.get(3).startsWith("4 ") && pivot.get(4).startsWith("8 "), String.join("\n", pivot));
        assertFalse(pivot.get(4).contains("-"), "width 8 has values under both regs: " + pivot.get(4));
        assertTrue(Files.size(rep.heatMap("fit.loss", "reg", "width", false, tmp.resolve("heat.png"))) > 1000);
    }

    @Test
    void killedDriverLosesOnlyUnfinishedTasks() throws Exception {
        Path dir = tmp.resolve("sweep");
        Path log = tmp.resolve("calls.log");
        String specText = FakeSteps.spec("killed", "{\"sleep_ms\": 500, \"log\": \"" + log + "\"}", 4);
        Path specFile = tmp.resolve("spec.json");
        Files.writeString(specFile, specText);
        SweepSpec spec = SweepSpec.parse(specText);

        // A driver in its own JVM (local[2]), killed with SIGKILL once a few tasks have committed.
        Process driver = ChildJvm.start(tmp.resolve("driver.log"), SweepDriverMain.class.getName(),
                "local[2]", specFile.toString(), dir.toString(), "test-1");
        try {
            long deadline = System.nanoTime() + 180_000_000_000L;
            while (committed(dir, spec) < 4) {
                assertTrue(driver.isAlive(), () -> "driver exited early: " + ChildJvm.log(tmp.resolve("driver.log")));
                assertTrue(System.nanoTime() < deadline, "no 4 tasks committed in time");
                Thread.sleep(50);
            }
        } finally {
            driver.destroyForcibly();
            driver.waitFor();
        }
        Set<String> before = new HashSet<>();
        for (SweepTask t : spec.tasks("test-1")) {
            if (Files.exists(dir.resolve("tasks").resolve(t.id()).resolve("result.json"))) before.add(t.id());
        }
        assertTrue(before.size() >= 4 && before.size() < 16, before.size() + " committed at the kill");
        assertFalse(Files.exists(dir.resolve(SweepDir.RESULTS_JSONL)), "the killed driver got to the end");

        SweepRunner.Result r = SweepRunner.run(spark, spec, dir, new FakeSteps(), quiet());
        assertEquals(before.size(), r.skipped());
        assertEquals(16 - before.size(), r.ran());
        assertEquals(15, r.done());
        assertEquals(1, r.failed());
        assertTrue(SweepDir.attemptFolders(dir).isEmpty());
        // this JVM ran exactly the tasks the killed driver had not committed
        String me = String.valueOf(ProcessHandle.current().pid());
        Set<String> rerun = new HashSet<>();
        for (String line : Files.readAllLines(log)) {
            String[] f = line.split(" ");
            if (f[0].equals(me)) assertTrue(rerun.add(f[1]), "task " + f[1] + " ran twice in the rerun");
        }
        Set<String> expected = new HashSet<>();
        for (SweepTask t : spec.tasks("test-1")) if (!before.contains(t.id())) expected.add(t.id());
        assertEquals(expected, rerun);
    }

    @Test
    void sweepOf16TasksOfRealSteps() throws Exception {
        Path dir = tmp.resolve("real");
        SweepSpec spec = SweepSpec.parse(RealSpecs.sixteen("real"));
        SweepRunner.Result r = SweepRunner.run(spark, spec, dir, new MorseSteps(), quiet());
        assertEquals(16, r.tasks());
        assertEquals(8, r.done(), "max_iter 500: done");
        assertEquals(8, r.failed(), "max_iter 2: fit exits 3");
        // status of exit 3: no stack trace to point at (it said "the stack trace is in error.txt")
        SweepStatus st = SweepStatus.of(dir);
        assertEquals(8, st.failures().size());
        assertTrue(st.failures().stream().noneMatch(SweepStatus.Failure::stackTrace));
        assertFalse(st.text().contains("stack trace"), st.text());
        List<SweepTask> tasks = spec.tasks("test-1");
        List<String> lines = Files.readAllLines(dir.resolve(SweepDir.RESULTS_JSONL));
        for (int i = 0; i < 16; i++) {
            Map<String, Object> row = Json.parseObject(lines.get(i), "row");
            assertEquals(tasks.get(i).id(), row.get("task_id"));
            assertEquals(0, ((Number) row.get("init.exit_code")).intValue());
            Path task = dir.resolve("tasks").resolve(tasks.get(i).id());
            if (tasks.get(i).point().get("max_iter").equals(2)) {
                assertEquals("failed", row.get("status"));
                assertEquals("fit", row.get("error_step"));
                assertTrue(((String) row.get("error")).startsWith("exit 3 (numerical failure): morse fit: no convergence"),
                        (String) row.get("error"));
                assertEquals(3, ((Number) row.get("fit.exit_code")).intValue());
                assertEquals(2, ((Number) row.get("fit.trajectory.iterations")).intValue());
                assertNull(row.get("morse.exit_code"));
                assertTrue(Files.exists(task.resolve("fit.json")) && !Files.exists(task.resolve("morse.json")));
            } else {
                assertEquals("done", row.get("status"), String.valueOf(row.get("error")));
                assertEquals(17, ((Number) row.get("morse.P")).intValue());
                assertEquals(true, row.get("morse.critical"));
                assertEquals("fit-theta.npy", row.get("fit.theta_file"));
                assertTrue(row.get("morse.nearest_zero") instanceof List<?> nz && nz.size() == 10, row.toString());
                for (String f : List.of("init-theta.npy", "fit-theta.npy", "morse-theta.npy", "morse.json", "morse.log")) {
                    assertTrue(Files.exists(task.resolve(f)), f);
                }
            }
        }
        Dataset<Row> df = spark.read().parquet(dir.resolve(SweepDir.RESULTS_PARQUET).toString());
        assertEquals(16, df.count());
        StructType s = df.schema();
        assertEquals(DataTypes.LongType, s.apply("morse.nullity").dataType());
        assertEquals(DataTypes.LongType, s.apply("fit.exit_code").dataType());
        assertEquals(DataTypes.DoubleType, s.apply("morse.tau_inputs.scale").dataType());
        assertEquals(DataTypes.createArrayType(DataTypes.DoubleType, true), s.apply("morse.nearest_zero").dataType());
        assertEquals(8L, df.filter("`fit.exit_code` = 3 and status = 'failed'").count());
        // the report groups the real outputs by axis
        SweepReport rep = SweepReport.load(dir);
        assertTrue(rep.numericColumns().containsAll(List.of("morse.nullity", "morse.min_abs_over_tau", "fit.gradient_norm")));
        assertEquals(4, rep.groupBy(List.of("reg"), "morse.nullity").get(0).n(), "4 done tasks per regularizer");
    }

    private static int committed(Path dir, SweepSpec spec) {
        int n = 0;
        for (SweepTask t : spec.tasks("test-1")) {
            if (Files.exists(dir.resolve("tasks").resolve(t.id()).resolve("result.json"))) n++;
        }
        return n;
    }
}
