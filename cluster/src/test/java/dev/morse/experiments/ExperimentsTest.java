package dev.morse.experiments;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.morse.cluster.ClusterMain;
import dev.morse.cluster.Json;
import dev.morse.cluster.SparkJvm;
import dev.morse.cluster.SweepDir;
import dev.morse.cluster.SweepRunner;
import dev.morse.cluster.SweepSpec;
import dev.morse.cluster.SweepTask;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every experiment at its tiny scale on one local[2] session (seconds each): the sweep, report.md
 * with every claim and every linked plot present, verdicts.json, the result files; a rerun resumes;
 * the analysis again without Spark; the command line's list and usage errors; every bundled spec of
 * every scale validates.
 */
class ExperimentsTest {
    static SparkSession spark;
    @TempDir static Path tmp;

    @BeforeAll
    static void start() throws Exception {
        spark = SparkJvm.session("local[2]", "morse-experiments-test", Map.of());
    }

    @AfterAll
    static void stop() {
        if (spark != null) spark.stop();
    }

    static SweepRunner.Options quiet() {
        return SweepRunner.Options.defaults().withLog(null);
    }

    /** Runs NAME at tiny scale and checks the folder's outputs; returns the verdicts.json entries. */
    static List<Map<String, Object>> runTiny(String name, Path dir) throws Exception {
        Experiment e = Experiments.byName(name);
        ExperimentRunner.Result r = ExperimentRunner.run(spark, e, "tiny", dir, quiet());
        assertTrue(r.sweep().complete(), name + ": every task committed");
        assertTrue(Files.size(dir.resolve(SweepDir.RESULTS_JSONL)) > 0);
        assertTrue(Files.exists(dir.resolve(SweepDir.RESULTS_PARQUET)));
        String report = Files.readString(dir.resolve(ExperimentRunner.REPORT));
        for (String section : List.of("## Verdicts", "## Setup", "## Results", "## Verdicts in detail", "## Caveats")) {
            assertTrue(report.contains(section), name + ": report lacks " + section);
        }
        Matcher m = Pattern.compile("\\]\\((plots/[^)]+\\.png)\\)").matcher(report);
        int plots = 0;
        while (m.find()) {
            Path png = dir.resolve(m.group(1));
            assertTrue(Files.exists(png), name + ": report links " + m.group(1) + ", which is missing");
            byte[] head = Files.readAllBytes(png);
            assertTrue(head.length > 1000 && head[1] == 'P' && head[2] == 'N' && head[3] == 'G', png + " is a PNG");
            plots++;
        }
        assertTrue(plots >= 1, name + ": at least one plot in the report");
        String json = Files.readString(dir.resolve(ExperimentRunner.VERDICTS));
        List<Map<String, Object>> verdicts = new ArrayList<>();
        for (Object o : (List<?>) Json.parseObject("{\"v\": " + json + "}", "verdicts.json").get("v")) {
            @SuppressWarnings("unchecked") Map<String, Object> v = (Map<String, Object>) o;
            verdicts.add(v);
        }
        List<String> ids = new ArrayList<>();
        for (Claim c : e.claims()) ids.add(c.id());
        assertEquals(ids, verdicts.stream().map(v -> v.get("claim")).toList(), name + ": one verdict per claim, in order");
        for (Map<String, Object> v : verdicts) {
            assertTrue(Set.of("reproduced", "not_reproduced", "inconclusive").contains(v.get("verdict")), v.toString());
            assertTrue(v.get("evidence") instanceof Map<?, ?> ev && ev.containsKey("summary"), v.toString());
            assertTrue(report.contains("`" + v.get("claim") + "`"), name + ": the report names claim " + v.get("claim"));
        }
        return verdicts;
    }

    @Test
    void weightDecayZerosTinyResumesAndReanalyses() throws Exception {
        Path dir = tmp.resolve("wdz");
        List<Map<String, Object>> v = runTiny("weight-decay-zeros", dir);
        // 1 interpolating minimum without weight decay (< 4): inconclusive, but its numbers are there
        @SuppressWarnings("unchecked") Map<String, Object> ev = (Map<String, Object>) v.get(0).get("evidence");
        assertEquals(1L, ((Number) ev.get("interpolating_minima")).longValue(), ev.toString());
        assertEquals(ev.get("interpolating_minima"), ev.get("nullity_equals_P_minus_rank_G"), "nullity = P − rank G at interpolation");

        // a rerun commits nothing new
        ExperimentRunner.Result again = ExperimentRunner.run(spark, Experiments.byName("weight-decay-zeros"), "tiny", dir, quiet());
        assertEquals(again.sweep().tasks(), again.sweep().skipped());
        assertEquals(0, again.sweep().ran());
        Map<String, Object> record = Json.readObject(dir.resolve(ExperimentRunner.RECORD));
        assertEquals(2, ((List<?>) record.get("runs")).size(), "experiment.json records both runs");

        // the analysis again, without Spark, from the command line
        Files.delete(dir.resolve(ExperimentRunner.REPORT));
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        int code = ClusterMain.run(new String[] {"experiment", "report", dir.toString()}, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        assertEquals(0, code, err.toString(StandardCharsets.UTF_8));
        assertTrue(Files.exists(dir.resolve(ExperimentRunner.REPORT)));

        // another experiment or scale into this folder is refused before anything runs
        var e1 = assertThrows(IllegalArgumentException.class,
                () -> ExperimentRunner.run(spark, Experiments.byName("benign-landscape"), "tiny", dir, quiet()));
        assertTrue(e1.getMessage().contains("holds experiment 'weight-decay-zeros' at scale 'tiny'"), e1.getMessage());
        var e2 = assertThrows(IllegalArgumentException.class,
                () -> ExperimentRunner.run(spark, Experiments.byName("weight-decay-zeros"), "quick", dir, quiet()));
        assertTrue(e2.getMessage().contains("new --out folder"), e2.getMessage());
    }

    /** The driver dies as the first run's sweep starts: the rerun resumes, keeping what had committed. */
    @Test
    void anInterruptedFirstRunResumes() throws Exception {
        Experiment e = Experiments.byName("weight-decay-zeros");
        Path whole = tmp.resolve("wdz-whole");
        ExperimentRunner.run(spark, e, "tiny", whole, quiet());

        Path dir = tmp.resolve("wdz-killed");
        // the log line that says which tasks run comes after sweep.json and before any task: die there
        PrintStream dies = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8) {
            @Override
            public void println(String x) {
                if (x.contains("already committed")) throw new IllegalStateException("killed");
            }
        };
        var killed = assertThrows(IllegalStateException.class, () -> ExperimentRunner.run(spark, e, "tiny", dir, quiet().withLog(dies)));
        assertEquals("killed", killed.getMessage());
        assertTrue(Files.exists(dir.resolve(SweepDir.MANIFEST)));
        Map<String, Object> record = Json.readObject(dir.resolve(ExperimentRunner.RECORD));
        assertEquals("weight-decay-zeros", record.get("experiment"));
        assertEquals("tiny", record.get("scale"));
        assertFalse(record.containsKey("runs"), "no run finished");
        // one task had committed before the kill
        List<SweepTask> tasks = SweepDir.tasks(dir);
        assertEquals(2, tasks.size());
        Path committed = whole.resolve(SweepDir.TASKS).resolve(tasks.get(0).id());
        Files.createDirectories(dir.resolve(SweepDir.TASKS));
        try (var files = Files.list(committed)) {
            Path to = Files.createDirectories(dir.resolve(SweepDir.TASKS).resolve(tasks.get(0).id()));
            for (Path f : files.toList()) Files.copy(f, to.resolve(f.getFileName()));
        }

        // the analysis of what is there, without Spark
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        int code = ClusterMain.run(new String[] {"experiment", "report", dir.toString()}, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        // exit 5 (incomplete), as sweep status; no verdict stronger than inconclusive, the rule's answer kept as evidence
        assertEquals(5, code, err.toString(StandardCharsets.UTF_8));
        assertTrue(Files.exists(dir.resolve(ExperimentRunner.REPORT)));
        List<?> partial = (List<?>) Json.parseObject("{\"v\": " + Files.readString(dir.resolve(ExperimentRunner.VERDICTS)) + "}",
                "verdicts.json").get("v");
        assertEquals(e.claims().size(), partial.size());
        for (Object o : partial) {
            Map<?, ?> v = (Map<?, ?>) o, ev = (Map<?, ?>) v.get("evidence");
            assertEquals("inconclusive", v.get("verdict"), String.valueOf(v));
            assertTrue(ev.get("rule_verdict") instanceof String, String.valueOf(ev));
            Map<?, ?> inc = (Map<?, ?>) ev.get("incomplete");
            assertEquals(2L, ((Number) inc.get("tasks_expected")).longValue());
            assertEquals(1L, ((Number) inc.get("tasks_committed")).longValue());
            assertEquals(1L, ((Number) inc.get("tasks_missing")).longValue());
            // as every other inconclusive verdict: a reason a tool can key on
            assertTrue(String.valueOf(ev.get("why_inconclusive")).startsWith("1 of 2 tasks missing: the sweep is incomplete"), String.valueOf(ev));
        }

        // the rerun resumes: the committed task is skipped, the other runs
        ExperimentRunner.Result again = ExperimentRunner.run(spark, e, "tiny", dir, quiet());
        assertTrue(again.sweep().complete());
        assertEquals(1, again.sweep().skipped());
        assertEquals(1, again.sweep().ran());
        record = Json.readObject(dir.resolve(ExperimentRunner.RECORD));
        assertEquals(1, ((List<?>) record.get("runs")).size(), "the run that finished");
    }

    @Test
    void aFolderWithOtherFilesIsRefusedAndLeftAsItWas() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("not-empty"));
        Files.writeString(dir.resolve("notes.txt"), "mine\n");
        var e = assertThrows(IllegalArgumentException.class,
                () -> ExperimentRunner.run(spark, Experiments.byName("weight-decay-zeros"), "tiny", dir, quiet()));
        assertTrue(e.getMessage().contains("folder is not empty and holds no experiment"), e.getMessage());
        try (var files = Files.list(dir)) {
            assertEquals(List.of(dir.resolve("notes.txt")), files.toList(), "no record written into it");
        }
    }

    @Test
    void morseRegularizersTiny() throws Exception {
        Path dir = tmp.resolve("mr");
        runTiny("morse-regularizers", dir);
        // the hidden_rank step ran after the Morse check on every converged identity task
        for (String line : Files.readAllLines(dir.resolve(SweepDir.RESULTS_JSONL))) {
            Map<String, Object> row = Json.parseObject(line, "row");
            if (!"done".equals(row.get("status"))) continue;
            int h = ((Number) row.get("hidden_rank.hidden_width")).intValue();
            int r = ((Number) row.get("hidden_rank.rank")).intValue();
            assertEquals(h * (h - 1) / 2 - (h - r) * (h - r - 1) / 2, ((Number) row.get("hidden_rank.orbit_dimension")).intValue());
        }
    }

    @Test
    void benignLandscapeTiny() throws Exception {
        Path dir = tmp.resolve("benign");
        List<Map<String, Object>> v = runTiny("benign-landscape", dir);
        for (Map<String, Object> x : v) assertEquals("inconclusive", x.get("verdict"), "4 runs are too few for any claim");
        for (String line : Files.readAllLines(dir.resolve(SweepDir.RESULTS_JSONL))) {
            Map<String, Object> row = Json.parseObject(line, "row");
            assertEquals("done", row.get("status"));
            assertTrue((double) row.get("benign_run.objective") >= (double) row.get("benign_run.global_lower") - 1e-12,
                    "no end point below the certified global value");
        }
    }

    @Test
    void neglectedNmeTiny() throws Exception {
        Path dir = tmp.resolve("nme");
        runTiny("neglected-nme", dir);
        String report = Files.readString(dir.resolve(ExperimentRunner.REPORT));
        assertTrue(report.contains("The NME during training"), "the NME share is measured by the arms with curvature");
    }

    @Test
    void neglectedNmeWithoutFashionMnistUsesASyntheticSetAndSaysSo() throws Exception {
        SweepSpec spec = BundledSpecs.bundledSpec("neglected-nme", "quick");
        Experiment.Prepared p = dev.morse.experiments.nme.NmeTestAccess.prepare(spec, "quick", "not found: /nowhere");
        assertEquals(1, p.warnings().size());
        assertTrue(p.warnings().get(0).contains("synthetic"), p.warnings().get(0));
        assertEquals("gaussian:n=8000", p.spec().base().get("data"));
        assertEquals(0.25, (double) p.spec().base().get("holdout"), 1e-15);
        Experiments.byName("neglected-nme").steps().validate(p.spec());
        assertEquals(spec.size(), p.spec().size(), "the same arms and seeds");
        assertTrue(dev.morse.experiments.nme.NmeTestAccess.prepare(spec, "quick", null).warnings().isEmpty());
    }

    @Test
    void everyBundledSpecValidates() throws Exception {
        Set<String> names = new HashSet<>();
        for (Experiment e : Experiments.all()) {
            assertTrue(names.add(e.name()));
            for (String scale : BundledSpecs.SCALES) {
                SweepSpec s = e.prepare(scale).spec();
                e.steps().validate(s);
                assertTrue(s.size() >= 1);
            }
            assertTrue(BundledSpecs.bundledSpec(e.name(), "quick").size() > BundledSpecs.bundledSpec(e.name(), "tiny").size());
            assertTrue(BundledSpecs.bundledSpec(e.name(), "full").size() > BundledSpecs.bundledSpec(e.name(), "quick").size());
            assertEquals(e.claims().size(), new HashSet<>(e.claims().stream().map(Claim::id).toList()).size());
        }
        assertEquals(4, names.size());
    }

    @Test
    void commandLineListAndUsageErrors() {
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8), e = new PrintStream(err, true, StandardCharsets.UTF_8);
        assertEquals(0, ClusterMain.run(new String[] {"experiment", "list"}, o, e));
        String list = out.toString(StandardCharsets.UTF_8);
        for (Experiment x : Experiments.all()) assertTrue(list.contains(x.name() + ": "), list);
        assertTrue(list.contains("claims: zeros-without-reg, l2-removes-zeros"), list);
        assertEquals(2, ClusterMain.run(new String[] {"experiment", "run", "no-such", "--out", tmp.resolve("x").toString()}, o, e));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("unknown experiment 'no-such'; the experiments: weight-decay-zeros"),
                err.toString(StandardCharsets.UTF_8));
        err.reset();
        assertEquals(2, ClusterMain.run(new String[] {"experiment", "run", "weight-decay-zeros", "--scale", "huge", "--out",
                tmp.resolve("x").toString()}, o, e));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("--scale huge: expected one of tiny, quick, full"), err.toString(StandardCharsets.UTF_8));
        err.reset();
        assertEquals(2, ClusterMain.run(new String[] {"experiment", "report", tmp.resolve("nothing").toString()}, o, e));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("not an experiment folder"), err.toString(StandardCharsets.UTF_8));
        assertFalse(Files.exists(tmp.resolve("x")), "nothing written on a usage error");
    }
}
