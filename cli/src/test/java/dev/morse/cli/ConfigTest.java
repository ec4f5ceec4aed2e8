package dev.morse.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Config files: hostile nesting is an error with a position, and every key must belong to the command that runs. */
class ConfigTest {

    @TempDir
    Path dir;

    private static void refused(Cli.Result r, String... parts) {
        assertEquals(2, r.code(), r.toString());
        for (String p : parts) assertTrue(r.err().contains(p), "«" + p + "» in: " + r.err());
        assertEquals(1, r.err().strip().lines().count(), "one line: " + r.err());
    }

    /**
     * A config file's numbers are read as doubles: a whole one below 2^53 reaches the option as that
     * integer, one of magnitude 2^53 or more as a decimal (which integer options refuse), since such
     * a double may not be the integer written: 9007199254740993 read as 2^53 and ran as seed
     * 9007199254740992. Reports write such seeds as strings, which reach the option unchanged.
     */
    @Test
    void wholeNumbersFrom2To53OnAreNotPassedAsIntegers() {
        Path f = Path.of("c.json");
        ConfigFile c = ConfigFile.parse("{\"seed\": 9007199254740993, \"probe_seed\": 9007199254740991, \"data_seed\": -9007199254740992, "
                + "\"k\": 1e15, \"max_iter\": \"9007199254740993\"}", f);
        assertEquals("9.007199254740992E15", c.values.get("seed"), "not 9007199254740992, a seed other than the one written");
        assertEquals("9007199254740991", c.values.get("probe-seed"));
        assertEquals("-9.007199254740992E15", c.values.get("data-seed"));
        assertEquals("1000000000000000", c.values.get("k"));
        assertEquals("9007199254740993", c.values.get("max-iter"), "a string as written");
    }

    /**
     * An integer option given a number of magnitude 2^53 or more in a config is refused by the rule
     * and in the words of sweeps (Numbers.notExactWhole), naming 2^53, not by picocli's "expected a
     * whole number, got '9.007199254740992E15'". A number option (--tol) is not an integer
     * option, and a string is the way to write such an integer.
     */
    @Test
    void integerOptionsRefuseNumbersFrom2To53OnInTheWordsOfSweeps() throws Exception {
        Path cfg = dir.resolve("c.json");
        Files.writeString(cfg, "{\"command\": \"spectrum\", \"model\": \"3-4-1\", \"seed\": 9007199254740993}");
        refused(Cli.run("--config", cfg.toString()), "c.json: \"seed\": 9.007199254740992E15 is a decimal of magnitude 2^53 = 9007199254740992",
                "for an option that takes integers; write it as a string, e.g. \"9007199254740993\"");
        Files.writeString(cfg, "{\"command\": \"spectrum\", \"model\": \"3-4-1\", \"max_restarts\": 1e16}");
        refused(Cli.run("--config", cfg.toString()), "\"max_restarts\": 1.0E16 is a decimal of magnitude 2^53");
        Files.writeString(cfg, "{\"command\": \"spectrum\", \"model\": \"3-4-1\", \"seed\": \"9007199254740993\", \"tol\": 1e16}");
        Cli.Result r = Cli.run("--config", cfg.toString());
        assertTrue(!r.err().contains("2^53"), "a string seed and a number option pass this rule: " + r.err());
    }

    @Test
    void deepNestingIsAnErrorNotAStackOverflow() throws Exception {
        Path cfg = dir.resolve("deep.json");
        Files.writeString(cfg, "[".repeat(100_000));
        refused(Cli.run("spectrum", "--config", cfg.toString()), "deep.json line 1, column 257: nesting deeper than 256 levels");
        Files.writeString(cfg, "{\"command\": \"spectrum\", \"model\": " + "[".repeat(300) + "]".repeat(300) + "}");
        refused(Cli.run("--config", cfg.toString()), "deep.json", "nesting deeper");
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> config(Path report) {
        return (Map<String, Object>) Cli.json(report).get("config");
    }

    private static String[] args(String command, String[] problem, String... extra) {
        List<String> a = new ArrayList<>(List.of(command));
        a.addAll(Arrays.asList(problem));
        a.addAll(Arrays.asList(extra));
        return a.toArray(new String[0]);
    }

    /**
     * θ comes from --weights or from --init, never both. --init next to --weights used to be ignored
     * without a word, and a report (which recorded weights, init and seed) could not be rerun from a
     * new θ: --config report.json --init zeros analysed the old file again.
     */
    @Test
    void weightsAndInitAreEitherOr() throws Exception {
        String[] tiny = SpectrumReferenceTest.writeTinyProblem(dir);
        refused(Cli.run(args("trace", tiny, "--method", "exact", "--init", "zeros")), "--init: θ comes from --weights", "would be ignored",
                "give either --weights", "or --init", "not both");

        // A report made from --weights records them, and neither init nor seed (they played no part).
        Path r1 = dir.resolve("r1.json");
        assertEquals(0, Cli.run(args("trace", tiny, "--method", "exact", "--json", r1.toString())).code());
        Map<String, Object> c1 = config(r1);
        assertTrue(c1.containsKey("weights"), c1.toString());
        assertFalse(c1.containsKey("init"), "init is not recorded next to weights: " + c1);
        assertFalse(c1.containsKey("seed"), "seed (of --init only, in trace) is not recorded next to weights: " + c1);
        Path r1again = dir.resolve("r1again.json");
        assertEquals(0, Cli.run("--config", r1.toString(), "-q", "--json", r1again.toString()).code());
        assertEquals(Cli.json(r1).get("estimate"), Cli.json(r1again).get("estimate"), "the report reruns as before");

        // --init on the command line wins over the weights of a config file.
        Path r2 = dir.resolve("r2.json");
        Cli.Result rerun = Cli.run("--config", r1.toString(), "-q", "--init", "zeros", "--json", r2.toString());
        assertEquals(0, rerun.code(), rerun.toString());
        Map<String, Object> c2 = config(r2);
        assertFalse(c2.containsKey("weights"), c2.toString());
        assertEquals("zeros", c2.get("init"));
        assertNotEquals(Cli.json(r1).get("estimate"), Cli.json(r2).get("estimate"), "a new θ (zeros), not the file's");
        Path r3 = dir.resolve("r3.json");
        assertEquals(0, Cli.run("trace", "--config", r2.toString(), "-q", "--json", r3.toString()).code());
        assertEquals(Cli.json(r2).get("estimate"), Cli.json(r3).get("estimate"), "the report from --init reruns");

        // train keeps the seed next to weights: it seeds shuffling, the held-out split and curvature probes.
        Path t = dir.resolve("t.json");
        Cli.Result train = Cli.run(args("train", tiny, "--epochs", "1", "--batch-size", "3", "--seed", "4", "--json", t.toString()));
        assertEquals(0, train.code(), train.toString());
        Map<String, Object> ct = config(t);
        assertFalse(ct.containsKey("init"), ct.toString());
        assertEquals(4.0, ((Number) ct.get("seed")).doubleValue(), ct.toString());
        refused(Cli.run(args("train", tiny, "--epochs", "1", "--init", "gaussian")), "--init: θ comes from --weights", "not both");
    }

    /** A config file in {@link #dir}: the problem of {@code tiny} (its weights included) and the given members. */
    private Path configOf(String name, String command, String[] tiny, String members) throws Exception {
        StringBuilder j = new StringBuilder("{\"command\": \"" + command + "\"");
        for (int i = 0; i < tiny.length; i++) {
            if (!tiny[i].startsWith("--") || i + 1 == tiny.length || tiny[i + 1].startsWith("-")) continue;
            j.append(", \"").append(tiny[i].substring(2)).append("\": \"").append(tiny[i + 1]).append('"');
        }
        Path f = dir.resolve(name);
        Files.writeString(f, j.append(members.isEmpty() ? "" : ", " + members).append("}").toString());
        return f;
    }

    /**
     * Contradictions written in a config file (or a sweep step, which the sweep hands to its command
     * as one) are refused as on the command line: no_refine with a refine other than its default
     * ran without refinement, method dense with a Lanczos option other than its default gave all
     * eigenvalues, both in silence. The tool's own records, which hold refine and every Lanczos
     * option at their defaults, still rerun; on the command line, --refine or --no-refine wins over
     * the file's other one, and the record then agrees with what ran.
     */
    @Test
    void contradictionsInAConfigAreRefusedAndRecordsStillRerun() throws Exception {
        String[] tiny = SpectrumReferenceTest.writeTinyProblem(dir);
        Path both = configOf("both.json", "morse", tiny, "\"no_refine\": true, \"refine\": \"lbfgs_newton\"");
        refused(Cli.run("--config", both.toString()), "--no-refine and --refine lbfgs_newton contradict each other (both given in " + both + ")",
                "give one of them");
        assertTrue(Main.check(Files.readString(both), "morse", "--config", "step.json").contains("--no-refine and --refine lbfgs_newton"),
                "a sweep's check refuses it too");

        // a record of --no-refine holds refine at its default: no contradiction, and no refinement ran
        Path record = configOf("record.json", "morse", tiny, "\"no_refine\": true, \"refine\": \"newton\"");
        Path r1 = dir.resolve("r1.json");
        Cli.Result ok = Cli.run("--config", record.toString(), "--json", r1.toString());
        assertEquals(0, ok.code(), ok.toString());
        assertEquals(null, Cli.json(r1).get("refine"), "no refinement");
        assertEquals(0, Cli.run("--config", r1.toString(), "-q").code(), "the report reruns");

        // the command line wins over the file; the record then says what ran, and reruns
        Path r2 = dir.resolve("r2.json");
        assertEquals(0, Cli.run("--config", both.toString(), "--no-refine", "--json", r2.toString()).code());
        assertEquals("none", config(r2).get("refine"));
        assertEquals(null, Cli.json(r2).get("refine"), "--no-refine on the command line: no refinement");
        assertEquals(0, Cli.run("--config", r2.toString(), "-q").code(), "its report reruns");
        Path r3 = dir.resolve("r3.json");
        Cli.Result refine = Cli.run("--config", both.toString(), "--refine", "newton", "--newton-iter", "2", "--json", r3.toString());
        assertEquals(3, refine.code(), "two Newton steps do not reach a critical point here: " + refine);
        assertNotEquals(null, Cli.json(r3).get("refine"), "--refine on the command line: refined");
        assertEquals(false, config(r3).get("no_refine"));
        assertEquals("newton", config(r3).get("refine"));
        assertEquals(3, Cli.run("--config", r3.toString(), "-q").code(), "its report reruns (not refused: exit 3 as before)");

        // spectrum: a Lanczos option other than its default next to method dense
        Path dense = configOf("dense.json", "spectrum", tiny, "\"method\": \"dense\", \"k\": 3, \"tol\": 1e-8");
        refused(Cli.run("--config", dense.toString()), "--k 3 (from " + dense + "): a Lanczos option; --method dense (from " + dense + ")",
                "drop it, or use --method lanczos");
        assertTrue(Main.check(Files.readString(dense), "spectrum", "--config", "step.json").contains("--k 3"), "a sweep's check refuses it too");
        // at their defaults they are a record's, and auto takes a Lanczos option from the file as from the command line
        Path atDefaults = configOf("defaults.json", "spectrum", tiny, "\"method\": \"dense\", \"k\": 10, \"which\": \"largest\", \"tol\": 1e-8, "
                + "\"max_restarts\": 300, \"reorthogonalization\": \"full\", \"basis\": 0, \"lanczos_seed\": 0");
        Path s1 = dir.resolve("s1.json");
        assertEquals(0, Cli.run("--config", atDefaults.toString(), "--json", s1.toString()).code());
        assertEquals(21, Cli.doubles(Cli.json(s1).get("eigenvalues")).length, "dense: every eigenvalue");
        Path auto = configOf("auto.json", "spectrum", tiny, "\"k\": 3");
        Path s2 = dir.resolve("s2.json");
        assertEquals(0, Cli.run("--config", auto.toString(), "--json", s2.toString()).code());
        assertEquals("lanczos", Cli.json(s2).get("method"), "k 3 from the file chose Lanczos (dense ignored it)");
        assertEquals(3, Cli.doubles(Cli.json(s2).get("eigenvalues")).length);
    }

    /**
     * spectrum settles --method dense against Lanczos options as morse settles --no-refine against
     * --refine, and --init against --weights: the command line wins over the config file, whose side
     * is set to agree so the report's config reruns what ran; only both sides from the same place are
     * refused. A report of --method lanczos --k 5 rerun with --method dense was refused ("--k 5
     * (from r.json): a Lanczos option"), and --k on the command line over a file's method dense too.
     */
    @Test
    void spectrumsCommandLineWinsOverTheFilesSideOfDenseAgainstLanczos() throws Exception {
        String[] tiny = SpectrumReferenceTest.writeTinyProblem(dir);
        Path lanczos = dir.resolve("lanczos.json");
        assertEquals(0, Cli.run(args("spectrum", tiny, "--method", "lanczos", "--k", "5", "--tol", "1e-9", "--json", lanczos.toString())).code());
        assertEquals(5, Cli.doubles(Cli.json(lanczos).get("eigenvalues")).length);

        // --method dense on the command line: the file's Lanczos options go back to their defaults
        Path dense = dir.resolve("dense.json");
        Cli.Result run = Cli.run("--config", lanczos.toString(), "--method", "dense", "--json", dense.toString());
        assertEquals(0, run.code(), run.toString());
        assertEquals("dense", Cli.json(dense).get("method"));
        assertEquals(21, Cli.doubles(Cli.json(dense).get("eigenvalues")).length, "dense: every eigenvalue");
        Map<String, Object> c = config(dense);
        assertEquals("dense", c.get("method"));
        assertEquals(10.0, ((Number) c.get("k")).doubleValue(), "k back at its default: " + c);
        assertEquals(1e-8, ((Number) c.get("tol")).doubleValue(), "tol back at its default: " + c);
        Path again = dir.resolve("again.json");
        assertEquals(0, Cli.run("--config", dense.toString(), "--json", again.toString()).code(), "its report reruns");
        assertEquals(Cli.json(dense).get("eigenvalues"), Cli.json(again).get("eigenvalues"));

        // a Lanczos option on the command line over a file's method dense: lanczos, recorded so
        Path fileDense = configOf("file-dense.json", "spectrum", tiny, "\"method\": \"dense\"");
        Path k3 = dir.resolve("k3.json");
        run = Cli.run("--config", fileDense.toString(), "--k", "3", "--json", k3.toString());
        assertEquals(0, run.code(), run.toString());
        assertEquals("lanczos", Cli.json(k3).get("method"));
        assertEquals(3, Cli.doubles(Cli.json(k3).get("eigenvalues")).length);
        assertEquals("lanczos", config(k3).get("method"));
        Path k3again = dir.resolve("k3again.json");
        assertEquals(0, Cli.run("--config", k3.toString(), "--json", k3again.toString()).code(), "its report reruns");
        assertEquals(Cli.json(k3).get("eigenvalues"), Cli.json(k3again).get("eigenvalues"));

        // both sides in one place: refused, on the command line, in the file, and in a sweep's check
        refused(Cli.run("--config", lanczos.toString(), "--method", "dense", "--k", "4"), "--k, --tol 1.0E-9 (from " + lanczos + "): Lanczos options; "
                + "--method dense computes every eigenvalue without them");
        Path both = configOf("both.json", "spectrum", tiny, "\"method\": \"dense\", \"k\": 3");
        refused(Cli.run("--config", both.toString()), "--k 3 (from " + both + "): a Lanczos option; --method dense (from " + both + ")");
        assertTrue(Main.check(Files.readString(both), "spectrum", "--config", "step.json").contains("--k 3"), "a sweep's check refuses it");
    }

    /**
     * A flag on the command line is on, also when the config file sets it: picocli set a matched
     * flag to the opposite of its default, which the file's true became, so --no-refine next to a
     * file's "no_refine": true refined, and --spectra next to "spectra": true computed none.
     */
    @Test
    void aFlagOnTheCommandLineIsOnWhateverTheFileSays() throws Exception {
        String[] tiny = SpectrumReferenceTest.writeTinyProblem(dir);
        Path cfg = configOf("flags.json", "morse", tiny, "\"no_refine\": true, \"spectra\": true");
        Path r = dir.resolve("r.json");
        Cli.Result run = Cli.run("--config", cfg.toString(), "--no-refine", "--spectra", "--json", r.toString());
        assertEquals(0, run.code(), run.toString());
        assertEquals(true, config(r).get("no_refine"));
        assertEquals(true, config(r).get("spectra"));
        assertEquals(null, Cli.json(r).get("refine"), "no refinement");
    }

    /**
     * --seed next to --weights draws nothing outside train (it seeds only --init there) and was
     * ignored in silence: refused when given, on the command line or in a config file with a value
     * other than 0, as is a config's --init next to its weights. A record made from --weights holds
     * neither and reruns; --weights on the command line wins over a file's seed, and train keeps
     * its seed (shuffling, held-out split, probes).
     */
    @Test
    void aSeedNextToWeightsIsRefusedWhereItDrawsNothing() throws Exception {
        String[] tiny = SpectrumReferenceTest.writeTinyProblem(dir);
        String weights = tiny[Arrays.asList(tiny).indexOf("--weights") + 1];
        for (String command : List.of("spectrum", "trace", "density", "morse", "fit", "eval")) {
            refused(Cli.run(args(command, tiny, "--seed", "5")), "--seed: θ comes from --weights " + weights + ", so --seed 5 would be ignored (in "
                    + command + " it seeds only --init)", "give either --weights (θ from a file) or --init with --seed (a new θ), not both");
        }
        Path seeded = configOf("seeded.json", "spectrum", tiny, "\"seed\": 5");
        refused(Cli.run("--config", seeded.toString()), "--seed: θ comes from --weights " + weights + " (from " + seeded + "), so --seed 5 (from "
                + seeded + ") would be ignored");
        assertTrue(Main.check(Files.readString(seeded), "spectrum", "--config", "step.json").contains("--seed: θ comes from --weights"),
                "a sweep's check refuses it too");
        Path initFile = configOf("init.json", "spectrum", tiny, "\"init\": \"zeros\"");
        refused(Cli.run("--config", initFile.toString()), "--init: θ comes from --weights", "so --init zeros (from " + initFile + ") would be ignored");
        assertEquals(0, Cli.run("--config", configOf("zero.json", "spectrum", tiny, "\"seed\": 0, \"init\": \"pytorch\"").toString()).code(),
                "at their defaults: not given");

        // a report made from --init with a seed reruns at a file's θ with --weights on the command line
        List<String> fromInit = new ArrayList<>(List.of(tiny));
        fromInit.subList(fromInit.indexOf("--weights"), fromInit.indexOf("--weights") + 2).clear();
        Path r = dir.resolve("init5.json");
        assertEquals(0, Cli.run(args("spectrum", fromInit.toArray(new String[0]), "--seed", "5", "--json", r.toString())).code());
        assertEquals(5.0, ((Number) config(r).get("seed")).doubleValue());
        Cli.Result rerun = Cli.run("--config", r.toString(), "--weights", weights, "-q");
        assertEquals(0, rerun.code(), rerun.toString());
        // --init on the command line wins over a file's weights (a new θ, from the seed); --seed alone makes no new θ: refused
        Cli.Result fresh = Cli.run("--config", initFile.toString(), "--init", "pytorch", "--seed", "5");
        assertEquals(0, fresh.code(), fresh.toString());
        refused(Cli.run("--config", seeded.toString(), "--seed", "6"), "--seed: θ comes from --weights " + weights + " (from " + seeded
                + "), so --seed 6 would be ignored");

        // train: the seed shuffles and draws probes, so it stays next to weights
        assertEquals(0, Cli.run(args("train", tiny, "--epochs", "1", "--batch-size", "3", "--seed", "4")).code());
    }

    /**
     * --seed next to an --init that makes θ without drawing (zeros, gaussian:0) is ignored, so it is
     * refused by the rule of --seed next to --weights (it was ignored without a word): outside
     * train, on the command line, in a config file with a value other than the default, or a mix
     * where the seed is on the command line. --init zeros on the command line leaves a config's seed
     * unused; a report made from zeros records no seed, and reruns.
     */
    @Test
    void aSeedNextToAnInitThatDrawsNothingIsRefusedAndRecordsRerun() throws Exception {
        String[] tiny = SpectrumReferenceTest.writeTinyProblem(dir);
        List<String> l = new ArrayList<>(List.of(tiny));
        l.subList(l.indexOf("--weights"), l.indexOf("--weights") + 2).clear();
        String[] fresh = l.toArray(new String[0]);
        for (String command : List.of("spectrum", "trace", "density", "morse", "fit", "eval")) {
            refused(Cli.run(args(command, fresh, "--init", "zeros", "--seed", "5")), "morse " + command + ": --seed: --init zeros makes θ = 0 "
                    + "without drawing, so --seed 5 would be ignored (in " + command + " it seeds only --init); drop --seed, or give an --init "
                    + "that draws (pytorch, or gaussian:scale with a scale > 0)");
        }
        refused(Cli.run(args("spectrum", fresh, "--init", "gaussian:0", "--seed", "5")), "--seed: --init gaussian:0 makes θ = 0");
        refused(Cli.run(args("spectrum", fresh, "--init", "zero", "--seed", "0")), "--seed: --init zero makes θ = 0", "so --seed 0 would be ignored");
        Path t = dir.resolve("t0.npy");
        refused(Cli.run("init", "--model", "3-4-1", "--init", "zeros", "--seed", "5", "--save", t.toString()),
                "morse init: --seed: --init zeros makes θ = 0 without drawing, so --seed 5 would be ignored (in init it seeds only --init)");
        assertFalse(Files.exists(t));
        assertEquals(0, Cli.run(args("spectrum", fresh, "--init", "gaussian:0.5", "--seed", "5")).code(), "gaussian with a scale draws");
        // train: the seed also shuffles, so it stays next to zeros
        assertEquals(0, Cli.run(args("train", fresh, "--epochs", "1", "--batch-size", "3", "--init", "zeros", "--seed", "4")).code());

        // in a config file: both there, or the seed on the command line next to the file's zeros
        Path both = configOf("zeros5.json", "spectrum", fresh, "\"init\": \"zeros\", \"seed\": 5");
        refused(Cli.run("--config", both.toString()), "--seed: --init zeros (from " + both + ") makes θ = 0 without drawing, so --seed 5 (from "
                + both + ") would be ignored");
        assertTrue(Main.check(Files.readString(both), "spectrum", "--config", "step.json").contains("--seed: --init zeros"), "a sweep's check refuses it too");
        Path zeros = configOf("zeros.json", "spectrum", fresh, "\"init\": \"zeros\"");
        refused(Cli.run("--config", zeros.toString(), "--seed", "6"), "--seed: --init zeros (from " + zeros + ") makes θ = 0 without drawing, "
                + "so --seed 6 would be ignored");
        assertEquals(0, Cli.run("--config", configOf("zeros0.json", "spectrum", fresh, "\"init\": \"zeros\", \"seed\": 0").toString()).code(),
                "the seed at its default: not given");

        // records: a report made from zeros records no seed and reruns; --init zeros on the command line leaves a report's seed unused
        Path rz = dir.resolve("rz.json");
        assertEquals(0, Cli.run(args("spectrum", fresh, "--init", "zeros", "--json", rz.toString())).code());
        assertEquals("zeros", config(rz).get("init"));
        assertFalse(config(rz).containsKey("seed"), "no seed next to zeros: " + config(rz));
        Path rz2 = dir.resolve("rz2.json");
        assertEquals(0, Cli.run("--config", rz.toString(), "-q", "--json", rz2.toString()).code());
        assertEquals(Cli.json(rz).get("eigenvalues"), Cli.json(rz2).get("eigenvalues"));
        Path r5 = dir.resolve("r5.json");
        assertEquals(0, Cli.run(args("spectrum", fresh, "--seed", "5", "--json", r5.toString())).code());
        Path r5z = dir.resolve("r5z.json");
        Cli.Result fromZeros = Cli.run("--config", r5.toString(), "-q", "--init", "zeros", "--json", r5z.toString());
        assertEquals(0, fromZeros.code(), fromZeros.toString());
        assertFalse(config(r5z).containsKey("seed"), config(r5z).toString());
        assertEquals(Cli.json(rz).get("eigenvalues"), Cli.json(r5z).get("eigenvalues"), "θ = 0, whatever the file's seed");
        assertEquals(0, Cli.run("--config", r5z.toString(), "-q").code(), "that report reruns");
        refused(Cli.run("--config", rz.toString(), "--seed", "5"), "--seed: --init zeros (from " + rz + ")");
    }

    /**
     * Options that the rest of the command line leaves without effect, which ran with exit 0 and
     * were ignored: train's curvature settings without --curvature-every, --subsample-seed without
     * --subsample, --data-seed next to data that draw nothing (--inputs files), --plot-format or
     * --log-scale without --plots, eval's --seed-step when no penalty draws from it, and
     * --activation for a model without a hidden layer. Each is refused, naming what is missing, on
     * the command line and in a config file where its value is not the default; a config's value at
     * the default is a record's (reports hold every option), and the reports of these commands
     * rerun.
     */
    @Test
    void optionsThatWouldBeIgnoredAreRefusedAndRecordsRerun() throws Exception {
        String[] tiny = SpectrumReferenceTest.writeTinyProblem(dir);
        String[] teacher = {"--model", "2-4-1", "--data", "teacher:n=16", "-q"};
        Path plots = dir.resolve("plots");
        refused(Cli.run(args("train", tiny, "--curvature-samples", "8")), "morse train: --curvature-samples: goes with --curvature-every K",
                "so --curvature-samples 8 would be ignored");
        refused(Cli.run(args("train", tiny, "--curvature-probes", "4")), "morse train: --curvature-probes: goes with --curvature-every K");
        refused(Cli.run(args("train", tiny, "--curvature-seed", "3", "--curvature-every", "0")), "morse train: --curvature-seed: goes with --curvature-every K");
        refused(Cli.run(args("spectrum", tiny, "--subsample-seed", "3")), "morse spectrum: --subsample-seed: goes with --subsample N");
        refused(Cli.run(args("fit", tiny, "--data-seed", "3")), "morse fit: --data-seed: the data come from --inputs", "a file, which draws nothing",
                "so --data-seed 3 would be ignored");
        refused(Cli.run(args("spectrum", tiny, "--plot-format", "svg")), "morse spectrum: --plot-format: goes with --plots DIR");
        refused(Cli.run(args("train", tiny, "--plot-format", "png")), "morse train: --plot-format: goes with --plots DIR");
        refused(Cli.run(args("density", tiny, "--log-scale")), "morse density: --log-scale: goes with --plots DIR");
        refused(Cli.run(args("eval", tiny, "--seed-step", "3")), "morse eval: --seed-step: goes with a --penalty that draws probes or noise",
                "no --penalty is given, so --seed-step 3 would be ignored");
        refused(Cli.run(args("eval", tiny, "--seed-step", "3", "--penalty", "sam:0.1")), "--penalty sam:0.1 draws no probes or noise");
        refused(Cli.run("spectrum", "--model", "3-2", "--data", "teacher:n=8", "--activation", "relu", "-q"),
                "morse spectrum: --activation: the model 3-2 has no hidden layer", "so --activation relu would be ignored");
        refused(Cli.run("init", "--model", "3-2", "--activation", "gelu", "--save", dir.resolve("t.npy").toString()),
                "morse init: --activation: the model 3-2 has no hidden layer");
        // what they go with: accepted
        assertEquals(0, Cli.run(args("train", teacher, "--epochs", "1", "--curvature-every", "1", "--curvature-samples", "8",
                "--curvature-probes", "4", "--curvature-seed", "3")).code());
        assertEquals(0, Cli.run(args("spectrum", tiny, "--subsample", "4", "--subsample-seed", "3")).code());
        assertEquals(0, Cli.run(args("spectrum", teacher, "--data-seed", "3")).code(), "synthetic data draw from it");
        assertEquals(0, Cli.run(args("density", tiny, "--plots", plots.toString(), "--plot-format", "svg", "--log-scale")).code());
        assertEquals(0, Cli.run(args("eval", tiny, "--seed-step", "3", "--penalty", "hessian_trace:0.1")).code());
        assertEquals(0, Cli.run("spectrum", "--model", "3-2", "--data", "teacher:n=8", "-q").code(), "no --activation: fine");

        // in a config file: refused where not at the default, with the file named
        Path curv = configOf("curv.json", "train", tiny, "\"curvature_samples\": 8");
        refused(Cli.run("--config", curv.toString()), "--curvature-samples: goes with --curvature-every K", "--curvature-samples 8 (from " + curv + ")");
        assertTrue(Main.check(Files.readString(curv), "train", "--config", "step.json").contains("--curvature-samples: goes with --curvature-every"),
                "a sweep's check refuses it too");
        assertEquals(0, Cli.run("--config", curv.toString(), "--curvature-every", "1", "--epochs", "1").code(), "with what it goes with");
        Path atDefaults = configOf("defaults.json", "train", tiny, "\"curvature_samples\": 1024, \"curvature_probes\": 16, \"subsample_seed\": 0, "
                + "\"data_seed\": 0, \"epochs\": 1");
        assertEquals(0, Cli.run("--config", atDefaults.toString()).code(), "at their defaults: a record's, not given");
        Path seedStep = configOf("seedstep.json", "eval", tiny, "\"seed_step\": 4");
        refused(Cli.run("--config", seedStep.toString()), "--seed-step 4 (from " + seedStep + ") would be ignored");
        Path act = dir.resolve("act.json");
        Files.writeString(act, "{\"command\": \"spectrum\", \"model\": \"3-2\", \"data\": \"teacher:n=8\", \"activation\": \"tanh\"}");
        assertEquals(0, Cli.run("--config", act.toString(), "-q").code(), "tanh, the default: a record's");
        refused(Cli.run("--config", act.toString(), "-q", "--activation", "relu"), "--activation: the model 3-2 has no hidden layer");

        // records rerun: each report holds these options at their defaults (log_scale not at all: an output option, like plot_format)
        List<String[]> runs = List.of(args("train", tiny, "--epochs", "1"), args("spectrum", tiny), args("fit", tiny),
                args("eval", tiny), args("density", tiny, "--plots", plots.toString(), "--log-scale", "--force"),
                new String[] {"spectrum", "--model", "3-2", "--data", "teacher:n=8", "-q"},
                args("train", teacher, "--epochs", "1", "--curvature-every", "1", "--curvature-samples", "8"));
        for (int i = 0; i < runs.size(); i++) {
            Path report = dir.resolve("record-" + i + ".json");
            List<String> a = new ArrayList<>(Arrays.asList(runs.get(i)));
            a.addAll(List.of("--json", report.toString()));
            Cli.Result r = Cli.run(a.toArray(new String[0]));
            assertEquals(0, r.code(), r.toString());
            assertFalse(config(report).containsKey("log_scale"), "log_scale goes with plots, which the config does not record");
            Cli.Result again = Cli.run("--config", report.toString(), "-q");
            assertEquals(0, again.code(), String.join(" ", runs.get(i)) + ": " + again);
        }
    }

    /** doctor and bench reports record no config to rerun: said so (doctor's used to fail on "vector" having an object value). */
    @Test
    void doctorAndBenchReportsSayTheyRecordNoConfig() throws Exception {
        Path doctor = dir.resolve("doc.json");
        assertEquals(0, Cli.run("doctor", "--json", doctor.toString()).code());
        refused(Cli.run("--config", doctor.toString()), "doc.json is a doctor report; it records no config to rerun");
        refused(Cli.run("spectrum", "--config", doctor.toString()), "doc.json is a doctor report; it records no config to rerun");
        Path bench = dir.resolve("bench.json");
        Files.writeString(bench, "{\"command\": \"morse bench\", \"config\": {\"model\": \"3-4-1\", \"batch\": 8}, \"timings\": []}");
        refused(Cli.run("--config", bench.toString()), "bench.json is a bench report; it records no config to rerun");
    }

    @Test
    void keysOfAnotherCommandAreNotIgnored() throws Exception {
        Path cfg = dir.resolve("s.json");
        Files.writeString(cfg, "{\"command\": \"spectrum\", \"model\": \"3-4-1\", \"data\": \"gaussian\", \"optimizer\": \"lbfgs\"}");
        refused(Cli.run("--config", cfg.toString()), "s.json: \"optimizer\" is an option of fit, train, not of spectrum");
        // A file that names another command than the one run: spectrum ran in silence with a fit config's shared keys.
        Files.writeString(cfg, "{\"command\": \"fit\", \"model\": \"3-4-1\", \"data\": \"gaussian\", \"history\": 5}");
        refused(Cli.run("spectrum", "--config", cfg.toString()), cfg + ": \"command\": \"fit\" is not the command run (spectrum); run morse fit "
                + "--config " + cfg + ", or remove \"command\" from the file");
        Files.writeString(cfg, "{\"command\": \"fit\", \"model\": \"3-4-1\", \"data\": \"gaussian\", \"quiet\": true}");
        refused(Cli.run("spectrum", "--config", cfg.toString()), "\"command\": \"fit\" is not the command run (spectrum)");
        // Without "command", the command on the command line decides which keys belong.
        Files.writeString(cfg, "{\"model\": \"3-4-1\", \"data\": \"gaussian\", \"history\": 5}");
        refused(Cli.run("spectrum", "--config", cfg.toString()), "\"history\" is an option of fit, not of spectrum");
        Files.writeString(cfg, "{\"model\": \"3-4-1\", \"data\": \"gaussian\", \"tau_factor\": 3}");
        refused(Cli.run("trace", "--config", cfg.toString()), "\"tau-factor\" is an option of spectrum, morse, not of trace");
        Files.writeString(cfg, "{\"command\": \"spectrum\", \"modle\": \"3-4-1\"}");
        refused(Cli.run("--config", cfg.toString()), "unknown option \"modle\" for spectrum; known options: ");
        Files.writeString(cfg, "{\"command\": \"spectrun\"}");
        refused(Cli.run("--config", cfg.toString()), "\"spectrun\" is not a morse command");
        Files.writeString(cfg, "{\"command\": \"trace\", \"model\": \"3-4-1\", \"data\": \"gaussian\", \"method\": \"hutchinson\", \"probes\": 4, \"quiet\": true, \"json\": \"-\"}");
        Cli.Result ok = Cli.run("--config", cfg.toString());
        assertEquals(0, ok.code(), "options shared by every analysis command are fine: " + ok);
    }

    /** An array for "model" was joined with commas and refused as "width '1,2' is not a whole number". */
    @Test
    void anArrayOfModelsSaysThatModelTakesOneString() throws Exception {
        Path cfg = dir.resolve("models.json");
        Files.writeString(cfg, "{\"command\": \"spectrum\", \"model\": [\"3-4-1\", \"2-2-1\"], \"data\": \"gaussian\"}");
        refused(Cli.run("--config", cfg.toString()), "models.json: \"model\" takes one string of widths such as \"784-256-10\", not an array; "
                + "for several models, run a sweep with a grid of models");
        // on the command line, a list of widths: the joiner is named, no config in sight
        refused(Cli.run("spectrum", "--model", "784,256,10", "--data", "gaussian"), "--model: 784,256,10: one model is one string of widths "
                + "joined with '-', such as 784-256-10, not a list");
    }

    /** Two spellings of one option ("no_bias" and "no-bias") let one win in silence; refused as a repeated key is. */
    @Test
    void twoSpellingsOfOneOptionAreRefusedAsGivenTwice() throws Exception {
        Path cfg = dir.resolve("twice.json");
        Files.writeString(cfg, "{\"command\": \"spectrum\", \"model\": \"3-4-1\", \"data\": \"gaussian\", \"no_bias\": true, \"no-bias\": false}");
        refused(Cli.run("--config", cfg.toString()), cfg + ": option \"no-bias\" appears twice (as \"no_bias\" and \"no-bias\"); keep one");
        Files.writeString(cfg, "{\"command\": \"spectrum\", \"tau_factor\": 2, \"model\": \"3-4-1\", \"--tau-factor\": 3}");
        refused(Cli.run("--config", cfg.toString()), "option \"tau-factor\" appears twice (as \"tau_factor\" and \"--tau-factor\")");
    }

    @Test
    void malformedConfigsNameTheFileAndPlace() throws Exception {
        Path cfg = dir.resolve("bad.json");
        Files.writeString(cfg, "{\"command\": \"spectrum\",\n \"model\": 01}");
        refused(Cli.run("--config", cfg.toString()), "bad.json line 2, column 11: bad number: a leading zero");
        Files.writeString(cfg, "[\"spectrum\"]");
        refused(Cli.run("--config", cfg.toString()), "bad.json: expected a JSON object at the top level, found an array");
        Files.writeString(cfg, "{\"command\": \"spectrum\", \"model\": {\"a\": 1}}");
        refused(Cli.run("--config", cfg.toString()), "\"model\" has an object value");
    }
}
