package dev.morse.experiments;

import dev.morse.cluster.Json;
import dev.morse.cluster.SweepDir;
import dev.morse.cluster.SweepRunner;
import dev.morse.cluster.SweepSpec;
import dev.morse.io.AtomicFiles;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.apache.spark.sql.SparkSession;

/**
 * Runs an experiment: its sweep (a {@link SweepRunner} job into {@code DIR}, so
 * {@code DIR/results.jsonl}, {@code DIR/results.parquet} and {@code DIR/tasks/} are the sweep's,
 * and a rerun completes only the missing tasks), then its analysis, which writes
 * {@code DIR/report.md}, {@code DIR/verdicts.json} and {@code DIR/plots/*.png}.
 * {@code DIR/experiment.json} records the experiment, its scale, the adaptations made
 * ({@link Experiment.Prepared#warnings()}) and each run's timing; it is written before the first
 * run's sweep starts, so a killed first run is resumed like any other, and
 * {@link #analyze(Path, PrintStream)} reads it to redo the analysis without Spark.
 */
public final class ExperimentRunner {
    private ExperimentRunner() {}

    public static final String RECORD = "experiment.json";
    public static final String REPORT = "report.md";
    public static final String VERDICTS = "verdicts.json";

    /**
     * What a run produced; {@code missing}: the tasks without a row when the analysis ran (then
     * every verdict is {@code inconclusive}, see {@link Verdict#onIncompleteData}).
     */
    public record Result(SweepRunner.Result sweep, Path report, Path verdictsFile, List<Verdict> verdicts, int missing) {
        /** Whether the analysis saw every task's row. */
        public boolean complete() { return missing == 0; }
    }

    /**
     * Runs (or resumes) {@code experiment} at {@code scale} into {@code out} on {@code spark}, then
     * analyses. A folder that holds another experiment or scale is refused before anything runs.
     */
    public static Result run(SparkSession spark, Experiment experiment, String scale, Path out, SweepRunner.Options opts)
            throws IOException {
        BundledSpecs.checkScale(scale);
        out = out.toAbsolutePath().normalize();
        Map<String, Object> record = checkFolder(out, experiment, scale);
        Experiment.Prepared prepared = experiment.prepare(scale);
        PrintStream log = opts.log();
        if (log != null) for (String w : prepared.warnings()) log.println("experiment " + experiment.name() + ": warning: " + w);
        prepared.spec().check(experiment.steps());
        if (record.isEmpty()) {
            // A first run writes the record before any task runs: killed mid-sweep, it leaves a
            // folder that a rerun resumes and 'experiment report' reads, not a bare sweep that both
            // refuse. (A rerun keeps the record as it is until its sweep has passed the folder checks.)
            describe(record, experiment, scale, prepared, opts);
            try {
                Files.createDirectories(out);
                AtomicFiles.write(out.resolve(RECORD), Json.writePretty(record) + "\n", true);
            } catch (IOException e) {
                throw SweepDir.unwritable(out, e);
            }
        }
        long t0 = System.nanoTime();
        String started = Instant.now().toString();
        SweepRunner.Result sweep = SweepRunner.run(spark, prepared.spec(), out, experiment.steps(),
                opts.withCallerFiles(Set.of(RECORD)));
        double seconds = (System.nanoTime() - t0) * 1e-9;

        describe(record, experiment, scale, prepared, opts);
        @SuppressWarnings("unchecked")
        List<Object> runs = record.get("runs") instanceof List<?> l ? new ArrayList<>((List<Object>) l) : new ArrayList<>();
        Map<String, Object> run = new LinkedHashMap<>();
        run.put("started", started);
        run.put("master", spark.sparkContext().master());
        run.put("sweep_seconds", Math.round(seconds * 10) / 10.0);
        run.put("ran", sweep.ran());
        run.put("skipped", sweep.skipped());
        run.put("done", sweep.done());
        run.put("failed", sweep.failed());
        run.put("missing", sweep.missing());
        runs.add(run);
        record.put("runs", runs);
        try {
            AtomicFiles.write(out.resolve(RECORD), Json.writePretty(record) + "\n", true);
        } catch (IOException e) {
            throw SweepDir.unwritable(out, e);
        }

        Result r = analyze(out, experiment, scale, prepared.warnings(), record, log);
        return new Result(sweep, r.report(), r.verdictsFile(), r.verdicts(), r.missing());
    }

    /** What the record says of the experiment (its runs come on top). */
    private static void describe(Map<String, Object> record, Experiment e, String scale, Experiment.Prepared prepared,
                                 SweepRunner.Options opts) {
        record.put("experiment", e.name());
        record.put("scale", scale);
        record.put("morse_version", opts.morseVersion());
        record.put("warnings", prepared.warnings());
    }

    /**
     * Redoes the analysis of the experiment in {@code out} (no Spark): report, verdicts, plots. On
     * an incomplete sweep every verdict is {@code inconclusive} ({@link Verdict#onIncompleteData})
     * and {@link Result#complete()} is false.
     */
    public static Result analyze(Path out, PrintStream log) throws IOException {
        out = out.toAbsolutePath().normalize();
        Path f = out.resolve(RECORD);
        if (!Files.exists(f)) {
            throw new IllegalArgumentException(out + ": no " + RECORD + " (not an experiment folder; 'morse experiment run' makes one)");
        }
        Map<String, Object> record = Json.readObject(f);
        Experiment e = Experiments.byName(String.valueOf(record.get("experiment")));
        String scale = String.valueOf(record.get("scale"));
        List<String> warnings = new ArrayList<>();
        if (record.get("warnings") instanceof List<?> l) for (Object o : l) warnings.add(String.valueOf(o));
        return analyze(out, e, scale, warnings, record, log);
    }

    private static Result analyze(Path out, Experiment e, String scale, List<String> warnings, Map<String, Object> record,
                                  PrintStream log) throws IOException {
        long t0 = System.nanoTime();
        ExperimentResults results = ExperimentResults.load(out, scale, warnings);
        Analysis a = e.analyze(results);
        checkVerdicts(e, a.verdicts());
        if (results.missing() > 0) {
            // The missing tasks could turn any rule's answer: no claim is settled until they are in.
            List<Verdict> held = new ArrayList<>();
            for (Verdict v : a.verdicts()) held.add(v.onIncompleteData(results.rows().size(), results.done(), results.tasks()));
            a = new Analysis(held, a.body(), a.caveats());
        }
        List<Object> json = new ArrayList<>();
        for (Verdict v : a.verdicts()) json.add(v.toJson());
        Path verdicts = out.resolve(VERDICTS);
        AtomicFiles.write(verdicts, Json.writePretty(json) + "\n", true);
        double seconds = (System.nanoTime() - t0) * 1e-9;
        Path report = out.resolve(REPORT);
        AtomicFiles.write(report, ReportWriter.write(e, results, a, record, seconds), true);
        if (log != null) {
            log.println("experiment " + e.name() + " (" + scale + "): " + results.done() + " done, " + results.failed() + " failed, "
                    + results.missing() + " missing of " + results.tasks() + " tasks");
            for (Verdict v : a.verdicts()) {
                Object s = v.evidence().get("summary");
                log.println(String.format(Locale.ROOT, "  %-32s %-15s %s", v.claim(), v.verdict(), s == null ? "" : s));
            }
            log.println("experiment " + e.name() + ": " + report + ", " + verdicts.getFileName() + ", plots/");
        }
        return new Result(null, report, verdicts, a.verdicts(), results.missing());
    }

    /** One verdict per claim, in order: an analysis that forgets a claim is a bug. */
    static void checkVerdicts(Experiment e, List<Verdict> verdicts) {
        List<String> want = new ArrayList<>();
        for (Claim c : e.claims()) want.add(c.id());
        List<String> got = new ArrayList<>();
        for (Verdict v : verdicts) got.add(v.claim());
        if (!want.equals(got)) throw new IllegalStateException("experiment " + e.name() + ": verdicts for " + got + ", claims " + want);
    }

    /**
     * The folder's record (to extend), or a new (empty) one; refuses a folder of another experiment,
     * scale, a plain sweep, or anything else that is not empty (the new record would go into it).
     */
    private static Map<String, Object> checkFolder(Path out, Experiment e, String scale) throws IOException {
        Path f = out.resolve(RECORD);
        if (Files.exists(f)) {
            Map<String, Object> r = Json.readObject(f);
            if (!e.name().equals(r.get("experiment")) || !scale.equals(r.get("scale"))) {
                throw new IllegalArgumentException(out + ": holds experiment '" + r.get("experiment") + "' at scale '" + r.get("scale")
                        + "'; a rerun into a folder resumes the same experiment and scale. Use a new --out folder.");
            }
            return new LinkedHashMap<>(r);
        }
        if (Files.exists(out.resolve(SweepDir.MANIFEST))) {
            throw new IllegalArgumentException(out + ": holds a sweep that is not an experiment (no " + RECORD + "); use a new --out folder");
        }
        if (Files.isDirectory(out)) {
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(out, p -> !p.getFileName().toString().equals(SweepDir.LOCK))) {
                if (ds.iterator().hasNext()) {
                    throw new IllegalArgumentException(out + ": folder is not empty and holds no experiment (no " + RECORD
                            + "); give an empty or new --out folder");
                }
            }
        } else if (Files.exists(out)) {
            throw new IllegalArgumentException(out + ": not a folder");
        }
        return new LinkedHashMap<>();
    }

    /** The spec an experiment folder ran (for tests and tools). */
    public static SweepSpec spec(Path out) throws IOException {
        return SweepSpec.read(out.resolve(SweepDir.SPEC));
    }
}
