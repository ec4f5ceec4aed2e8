package dev.morse.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real steps without Spark: a task's steps run in this JVM through the executor's own code
 * ({@link TaskExecutor}), so the rows, files, θ chaining and failures are those of a sweep; and the
 * spec checks that stop a sweep before it starts.
 */
class MorseStepsTest {
    @TempDir Path tmp;

    static final String BASE = "\"base\": {\"model\": \"2-4-1\", \"activation\": \"tanh\", \"loss\": \"mse\","
            + " \"data\": \"teacher:n=40,width=2\"}";

    static SweepSpec spec(String grid, String steps) {
        return SweepSpec.parse("{\"name\": \"t\", " + BASE + ", \"grid\": " + grid + ", \"steps\": " + steps + "}");
    }

    /** Runs every task of the spec in this JVM (as an executor would) and returns the committed rows. */
    static List<Map<String, Object>> runHere(SweepSpec spec, Path dir) throws Exception {
        Files.createDirectories(dir.resolve(SweepDir.TASKS));
        TaskExecutor ex = new TaskExecutor(dir, new MorseSteps(), "test-1");
        List<Map<String, Object>> rows = new java.util.ArrayList<>();
        for (SweepTask t : spec.tasks("test-1")) {
            ex.runTask(t);
            rows.add(SweepDir.result(dir, t.id()).orElseThrow());
        }
        return rows;
    }

    @Test
    void initFitMorseChainThetaAndReportWhatTheCliReports() throws Exception {
        SweepSpec spec = spec("{\"seed\": [3]}",
                "[{\"init\": {}}, {\"fit\": {\"optimizer\": \"lbfgs_newton\", \"grad_tol\": \"rounding\"}}, {\"morse\": {}}]");
        Path dir = tmp.resolve("s");
        Map<String, Object> row = runHere(spec, dir).get(0);
        String id = spec.tasks("test-1").get(0).id();
        Path task = dir.resolve("tasks").resolve(id);
        assertEquals("done", row.get("status"), String.valueOf(row.get("error")));
        for (String step : List.of("init", "fit", "morse")) {
            assertEquals(0L, num(row, step + ".exit_code"), step);
            assertEquals(step + "-theta.npy", row.get(step + ".theta_file"), "θ files relative to the task folder");
            for (String f : List.of(step + ".json", step + "-config.json", step + ".log", step + "-theta.npy")) {
                assertTrue(Files.exists(task.resolve(f)), f);
            }
        }
        // the report, flattened: scalars, nested objects with dots, short arrays; not the config or backend
        assertEquals(17L, num(row, "morse.P"));
        assertTrue(row.get("morse.nullity") instanceof Integer, row.toString());
        assertTrue(row.get("morse.tau_inputs.scale") instanceof Double);
        assertTrue(row.get("morse.nearest_zero") instanceof List<?> l && !l.isEmpty());
        assertTrue(row.get("fit.timings.total") instanceof Double);
        assertEquals(true, row.get("fit.trajectory.converged"));
        assertFalse(row.keySet().stream().anyMatch(k -> k.contains(".config.") || k.contains(".backend.") || k.endsWith(".created")),
                row.keySet().toString());
        // θ chaining: fit started from init's θ, morse from fit's, with the committed paths in the files
        String fitWeights = (String) Json.readObject(task.resolve("fit-config.json")).get("weights");
        assertEquals(task.resolve("init-theta.npy").toString(), fitWeights);
        assertEquals(task.resolve("fit-theta.npy").toString(), Json.readObject(task.resolve("morse-config.json")).get("weights"));
        assertTrue(((String) row.get("morse.problem.weights")).startsWith("file fit-theta.npy"), row.toString());
        assertTrue(Files.readString(task.resolve("morse.json")).contains("file " + task.resolve("fit-theta.npy")), "the report has the committed path");
        assertFalse(Files.readString(task.resolve("morse.json")).contains(".tmp-"), "no attempt folder left in the report");
        // engine threads: one per task (spark.task.cpus; 1 outside Spark)
        assertEquals(1L, num(row, "morse.problem.threads"));

        // one code path: the same command run by hand from the step's config gives the same bits
        Path again = tmp.resolve("again.json");
        StringWriter o = new StringWriter(), e = new StringWriter();
        int code = dev.morse.cli.Main.run(new PrintWriter(o), new PrintWriter(e), "morse", "--config",
                task.resolve("morse-config.json").toString(), "--save", tmp.resolve("again.npy").toString(), "--json", again.toString(), "-q");
        assertEquals(0, code, e.toString());
        Map<String, Object> byHand = Json.readObject(again);
        Map<String, Object> inSweep = Json.readObject(task.resolve("morse.json"));
        for (String k : List.of("index", "nullity", "eigenvalues", "tau", "loss", "gradient_norm", "verdict")) {
            assertEquals(byHand.get(k), inSweep.get(k), k);
        }
    }

    /**
     * The documented rerun, {@code morse morse --config tasks/<id>/morse-config.json}, as given:
     * the config holds its outputs relative to the task folder, so the rerun writes them into the
     * current folder, and the sweep's committed files stay as they were. With the absolute save
     * into the task folder it held before, the rerun exited 2 ("--save: refusing to overwrite
     * …/morse-theta.npy"), and --force overwrote the committed θ.
     */
    @Test
    void aStepRerunsByHandFromItsConfigWithoutTouchingTheSweepsFiles() throws Exception {
        SweepSpec spec = spec("{\"seed\": [3]}", "[{\"fit\": {\"optimizer\": \"lbfgs_newton\", \"grad_tol\": \"rounding\"}},"
                + " {\"morse\": {\"plots\": true}}]");
        Path dir = tmp.resolve("s");
        Map<String, Object> row = runHere(spec, dir).get(0);
        assertEquals("done", row.get("status"), String.valueOf(row.get("error")));
        Path task = dir.resolve("tasks").resolve(spec.tasks("test-1").get(0).id());
        Map<String, Object> cfg = Json.readObject(task.resolve("morse-config.json"));
        assertEquals("morse-theta.npy", cfg.get("save"));
        assertEquals("morse-plots", cfg.get("plots"));
        assertEquals(task.resolve("fit-theta.npy").toString(), cfg.get("weights"), "inputs stay absolute");
        assertTrue(Files.isDirectory(task.resolve("morse-plots")));
        assertTrue(Files.readString(task.resolve("morse.log")).contains("--save " + task.resolve("morse-theta.npy")), "the sweep's own run");
        byte[] committed = Files.readAllBytes(task.resolve("morse-theta.npy"));
        long modified = Files.getLastModifiedTime(task.resolve("morse-theta.npy")).toMillis();

        Path here = Files.createDirectories(tmp.resolve("here"));
        Path log = tmp.resolve("rerun.log");
        Process p = ChildJvm.start(here, log, "dev.morse.cli.Main", "morse", "--config", task.resolve("morse-config.json").toString());
        assertTrue(p.waitFor(120, java.util.concurrent.TimeUnit.SECONDS), "rerun did not finish");
        assertEquals(0, p.exitValue(), ChildJvm.log(log));
        assertTrue(Files.exists(here.resolve("morse-theta.npy")), ChildJvm.log(log));
        assertTrue(Files.isDirectory(here.resolve("morse-plots")), ChildJvm.log(log));
        assertTrue(java.util.Arrays.equals(committed, Files.readAllBytes(here.resolve("morse-theta.npy"))), "the same θ as the sweep's");
        assertTrue(java.util.Arrays.equals(committed, Files.readAllBytes(task.resolve("morse-theta.npy"))));
        assertEquals(modified, Files.getLastModifiedTime(task.resolve("morse-theta.npy")).toMillis(), "the committed θ untouched");
    }

    @Test
    void aNonZeroExitFailsTheTaskWithTheCommandsMessageAndKeepsItsOutputs() throws Exception {
        SweepSpec spec = spec("{\"seed\": [0]}", "[{\"fit\": {\"optimizer\": \"gd\", \"max_iter\": 2}}, {\"morse\": {}}]");
        Path dir = tmp.resolve("s");
        Map<String, Object> row = runHere(spec, dir).get(0);
        assertEquals("failed", row.get("status"));
        assertEquals("fit", row.get("error_step"));
        assertTrue(((String) row.get("error")).startsWith("exit 3 (numerical failure): morse fit: no convergence"), (String) row.get("error"));
        assertEquals(3L, num(row, "fit.exit_code"));
        assertTrue(row.get("fit.gradient_norm") instanceof Double, "the failing step's report is in the row");
        assertEquals(2L, num(row, "fit.trajectory.iterations"));
        assertNull(row.get("morse.exit_code"), "later steps do not run");
        Path task = dir.resolve("tasks").resolve(spec.tasks("test-1").get(0).id());
        assertTrue(Files.readString(task.resolve("error.txt")).contains("no convergence"));

        // bad input for one grid point (exit 2): failed too, the message names the option
        SweepSpec typo = spec("{\"seed\": [0]}", "[{\"fit\": {\"optimizer\": \"lbfgs\", \"grad_tol\": \"rounded\"}}]");
        Map<String, Object> r2 = runHere(typo, tmp.resolve("s2")).get(0);
        assertEquals("failed", r2.get("status"));
        assertTrue(((String) r2.get("error")).startsWith("exit 2 (bad usage or input): morse fit: --grad-tol rounded"), (String) r2.get("error"));
    }

    /**
     * Regression: at Ctrl-C in local mode a step's in-process command returns 130 (the JVM shuts
     * down under it) while the task's thread need not be interrupted; the step failed its task, a
     * 'failed' row was committed, and the rerun skipped the task, where the sweep says that the
     * same command resumes. Here the step's command ends as an interrupted one does, without ending
     * this JVM (nor interrupting this thread): the attempt is a kill, nothing is committed, no
     * attempt folder stays, and the next run runs the task.
     */
    @Test
    void aStepEndedByCtrlCIsNotCommittedAndTheRerunRunsIt() throws Exception {
        SweepSpec spec = spec("{\"seed\": [0]}", "[{\"init\": {}}, {\"spectrum\": {}}]");
        Path dir = tmp.resolve("s");
        Files.createDirectories(dir.resolve(SweepDir.TASKS));
        SweepTask task = spec.tasks("test-1").get(0);
        MorseSteps ctrlC = new MorseSteps((o, e, args) -> {
            e.println("morse: interrupted; the outputs were not written (temporary files removed)");
            return dev.morse.cli.Main.EXIT_INTERRUPTED;
        });
        Exception killed = assertThrows(Exception.class, () -> new TaskExecutor(dir, ctrlC, "test-1").runTask(task));
        assertTrue(SweepRunner.interrupted(killed), () -> "a kill, not a failure: " + killed);
        assertFalse(Thread.currentThread().isInterrupted());
        assertTrue(SweepDir.result(dir, task.id()).isEmpty(), "an interrupted step commits nothing");
        assertTrue(SweepDir.attemptFolders(dir).isEmpty(), "its attempt folder is removed");
        assertEquals(TaskExecutor.Kind.DONE, new TaskExecutor(dir, new MorseSteps(), "test-1").runTask(task).kind());
        assertEquals("done", SweepDir.result(dir, task.id()).orElseThrow().get("status"));
    }

    @Test
    void refineIsFitWithNewtonAndStepOptionsWinOverTheTaskConfig() throws Exception {
        SweepSpec spec = spec("{\"max_iter\": [500], \"reg\": [\"l2:1e-3\"]}",
                "[{\"fit\": {\"optimizer\": \"lbfgs\", \"grad_tol\": \"1e-6\"}}, {\"refine\": {\"grad_tol\": \"rounding\"}}]");
        Map<String, Object> row = runHere(spec, tmp.resolve("s")).get(0);
        assertEquals("done", row.get("status"), String.valueOf(row.get("error")));
        assertEquals("lbfgs", row.get("fit.trajectory.optimizer"));
        assertEquals("newton", row.get("refine.trajectory.optimizer"));
        assertTrue((Double) row.get("refine.gradient_norm") < (Double) row.get("fit.gradient_norm"), row.toString());
        Path task = tmp.resolve("s").resolve("tasks").resolve(spec.tasks("test-1").get(0).id());
        Map<String, Object> cfg = Json.readObject(task.resolve("refine-config.json"));
        assertEquals("fit", cfg.get("command"));
        assertEquals("l2:1e-3", cfg.get("reg"), "grid values reach every step that takes them");
        assertFalse(cfg.containsKey("max_iter"), "but not an option its optimizer (newton) does not read: " + cfg);
        assertEquals(task.resolve("fit-theta.npy").toString(), cfg.get("weights"));
    }

    @Test
    void trainIsAStepLikeAnyCommand() throws Exception {
        SweepSpec spec = spec("{\"seed\": [1]}", "[{\"train\": {\"optimizer\": \"sgd\", \"lr\": 0.05, \"batch_size\": 8, \"epochs\": 3}},"
                + " {\"morse\": {\"refine\": \"none\"}}]");
        new MorseSteps().validate(spec);
        Path dir = tmp.resolve("s");
        Map<String, Object> row = runHere(spec, dir).get(0);
        assertEquals("done", row.get("status"), String.valueOf(row.get("error")));
        assertEquals(0L, num(row, "train.exit_code"));
        assertEquals("train-theta.npy", row.get("train.theta_file"));
        assertEquals(3L, num(row, "train.training.epochs"));
        assertTrue(row.get("train.train_loss") instanceof Double, row.toString());
        // the Morse check ran at the trained θ, as given (no refinement): its loss is train's final one
        Path task = dir.resolve("tasks").resolve(spec.tasks("test-1").get(0).id());
        assertEquals(task.resolve("train-theta.npy").toString(), Json.readObject(task.resolve("morse-config.json")).get("weights"));
        assertTrue(((String) row.get("morse.problem.weights")).startsWith("file train-theta.npy"), row.toString());
        assertBad(spec("{\"seed\": [1]}", "[{\"fit\": {\"batch_size\": 8}}]"), "'fit' has no option --batch-size");
    }

    /**
     * A task's grad_tol reaches fit and morse alike: "rounding" (fit's to rounding level) is one of
     * morse's forms too, where it was refused as no number and stopped the sweep on the driver.
     */
    @Test
    void aTasksGradTolRoundingReachesFitAndMorse() throws Exception {
        SweepSpec spec = SweepSpec.parse("{\"name\": \"t\", \"base\": {\"model\": \"2-4-1\", \"loss\": \"mse\","
                + " \"data\": \"teacher:n=40,width=2\", \"grad_tol\": \"rounding\"}, \"grid\": {\"seed\": [1]},"
                + " \"steps\": [{\"fit\": {\"optimizer\": \"lbfgs_newton\"}}, {\"morse\": {}}]}");
        new MorseSteps().validate(spec);
        Map<String, Object> row = runHere(spec, tmp.resolve("s")).get(0);
        assertEquals("done", row.get("status"), String.valueOf(row.get("error")));
        assertEquals(Boolean.TRUE, row.get("morse.critical"), row.toString());
    }

    /**
     * A task's plot_format reaches the steps that draw (fit here) and not trace, which refuses plot
     * options: the task used to fail at its trace step. Plot options given to trace are refused up front.
     */
    @Test
    void plotFormatGoesOnlyToTheStepsThatDraw() throws Exception {
        SweepSpec spec = spec("{\"plot_format\": [\"svg\"]}",
                "[{\"fit\": {\"optimizer\": \"lbfgs\", \"grad_tol\": \"1e-6\", \"plots\": true}}, {\"trace\": {\"operator\": \"ggn\", \"method\": \"exact\"}}]");
        new MorseSteps().validate(spec);
        Path dir = tmp.resolve("s");
        Map<String, Object> row = runHere(spec, dir).get(0);
        assertEquals("done", row.get("status"), String.valueOf(row.get("error")));
        Path task = dir.resolve("tasks").resolve(spec.tasks("test-1").get(0).id());
        assertEquals("svg", Json.readObject(task.resolve("fit-config.json")).get("plot_format"));
        assertFalse(Json.readObject(task.resolve("trace-config.json")).containsKey("plot_format"));
        try (var files = Files.list(task.resolve("fit-plots"))) {
            assertTrue(files.allMatch(f -> f.toString().endsWith(".svg")), "svg only");
        }
        assertBad(spec("{\"seed\": [0]}", "[{\"trace\": {\"plots\": true}}]"), "'trace' has no option --plots");
        assertBad(spec("{\"seed\": [0]}", "[{\"eval\": {\"plot_format\": \"png\"}}]"), "'eval' has no option --plot-format");
        assertBad(spec("{\"plot_format\": [\"png\"]}", "[{\"eval\": {}}]"), "no step takes option --plot-format");
    }

    /**
     * The options that go with --plots (plot_format, log_scale) reach from the task only the steps
     * that draw plots here: a step without plots refuses them (--plot-format without --plots was
     * ignored in silence), so a task's plot_format next to a step without plots would stop the sweep.
     * In a step's own options they are refused without plots, as on the command line.
     */
    @Test
    void plotOptionsGoOnlyToTheStepsWithPlots() {
        SweepSpec spec = spec("{\"plot_format\": [\"svg\"]}", "[{\"fit\": {\"plots\": true}}, {\"morse\": {}}]");
        new MorseSteps().validate(spec);
        Map<String, Object> config = spec.tasks("t").get(0).config();
        assertFalse(MorseSteps.stepConfig("morse", config, Map.of(), tmp, null, 1).containsKey("plot-format"));
        assertEquals("svg", MorseSteps.stepConfig("fit", config, Map.of("plots", true), tmp, null, 1).get("plot-format"));
        assertBad(spec("{\"seed\": [0]}", "[{\"morse\": {\"plot_format\": \"png\"}}]"), "--plot-format: goes with --plots DIR");
        assertBad(spec("{\"seed\": [0]}", "[{\"density\": {\"log_scale\": true}}]"), "--log-scale: goes with --plots DIR");
    }

    /**
     * A task's options that only some steps use reach the others without them, as plot_format
     * does: Fashion-MNIST's ",test=M" (train's held-out set; the other commands refuse it) goes to
     * train only, and --activation only to steps whose model has a hidden layer (a model grid with
     * 784-10 next to a base activation). A step's own options stay as given, and are refused so.
     */
    @Test
    void testSplitAndActivationGoOnlyToTheStepsThatUseThem() {
        SweepSpec spec = SweepSpec.parse("{\"name\": \"t\", \"base\": {\"activation\": \"relu\", \"loss\": \"cross_entropy\","
                + " \"data\": \"fashion-mnist:n=6000,test=2000\"}, \"grid\": {\"model\": [\"784-10\", \"784-16-10\"]},"
                + " \"steps\": [{\"train\": {}}, {\"morse\": {}}]}");
        new MorseSteps().validate(spec);
        for (var task : spec.tasks("t")) {
            Map<String, Object> config = task.config();
            boolean hidden = !"784-10".equals(config.get("model"));
            Map<String, Object> train = MorseSteps.stepConfig("train", config, Map.of(), tmp, null, 1);
            Map<String, Object> morse = MorseSteps.stepConfig("morse", config, Map.of(), tmp, tmp.resolve("train-theta.npy"), 1);
            assertEquals("fashion-mnist:n=6000,test=2000", train.get("data"));
            assertEquals("fashion-mnist:n=6000", morse.get("data"));
            assertEquals(hidden, train.containsKey("activation"), config.toString());
            assertEquals(hidden, morse.containsKey("activation"), config.toString());
        }
        assertEquals("gaussian:n=8", MorseSteps.withoutTestSplit("gaussian:n=8"));
        assertEquals("fashion-mnist:n=60", MorseSteps.withoutTestSplit("fashion-mnist:n=60"));
        assertEquals("fashion-mnist", MorseSteps.withoutTestSplit("fashion_mnist,test=5"));
        assertBad(SweepSpec.parse("{\"name\": \"t\", \"base\": {\"model\": \"784-10\", \"loss\": \"cross_entropy\"},"
                + " \"grid\": {\"seed\": [0]}, \"steps\": [{\"morse\": {\"data\": \"fashion-mnist:n=60,test=5\"}}]}"), "test=M sizes the held-out set");
        assertBad(SweepSpec.parse("{\"name\": \"t\", \"base\": {\"model\": \"2-1\", \"data\": \"teacher:n=8\"},"
                + " \"grid\": {\"seed\": [0]}, \"steps\": [{\"morse\": {\"activation\": \"relu\"}}]}"), "has no hidden layer");
    }

    /**
     * A step whose own options give {@code init} starts from that scheme, not from an earlier
     * step's θ: given both in its config, the command used the θ file and ignored the init without
     * a word (the CLI refuses --weights with --init on one command line). Later steps still chain.
     */
    @Test
    void aStepsOwnInitIsNotOverriddenByAnEarlierTheta() throws Exception {
        SweepSpec spec = spec("{\"seed\": [0]}", "[{\"init\": {}}, {\"trace\": {\"init\": \"zeros\"}}, {\"morse\": {\"refine\": \"none\"}}]");
        new MorseSteps().validate(spec);
        Path dir = tmp.resolve("own-init");
        Map<String, Object> row = runHere(spec, dir).get(0);
        assertEquals("done", row.get("status"), String.valueOf(row.get("error")));
        Path task = dir.resolve("tasks").resolve(spec.tasks("test-1").get(0).id());
        Map<String, Object> trace = Json.readObject(task.resolve("trace-config.json"));
        assertEquals("zeros", trace.get("init"));
        assertFalse(trace.containsKey("weights"), "no θ of an earlier step: " + trace);
        assertEquals(task.resolve("init-theta.npy").toString(), Json.readObject(task.resolve("morse-config.json")).get("weights"),
                "a step without its own θ still gets the latest one");
    }

    /**
     * Every option that a command declares as naming a file it writes ({@code Main.writesFiles},
     * enumerated here from the CLI's own model, not from the sweep's) is a per-step output: in the
     * step's config it names a file in the task folder, a name outside it is refused, and so is the
     * option in a task's config. eval's save_gradient was missed (a list of our own): two tasks wrote
     * one g.npy in the driver's folder, and the second failed.
     */
    @Test
    void everyOptionThatWritesAFileGoesIntoTheTaskFolder() {
        picocli.CommandLine root = new picocli.CommandLine(new dev.morse.cli.Main());
        int checked = 0;
        for (var c : root.getSubcommands().entrySet()) {
            if (MorseSteps.alias(c.getKey()) == null) continue;
            for (picocli.CommandLine.Model.OptionSpec o : c.getValue().getCommandSpec().options()) {
                if (!dev.morse.cli.Main.writesFiles(o)) continue;
                String name = MorseSteps.normalize(o.longestName());
                if (name.equals("json")) continue;   // the sweep's own: <step>.json
                if (!MorseSteps.commands().get(c.getKey()).containsKey(name)) continue;   // refused there (trace's plots)
                String key = name.replace('-', '_');
                if (name.equals(MorseSteps.RESUME)) {   // read as well as written: refused (aResumingStepIsRefused)
                    assertBad(spec("{\"seed\": [0]}", "[{\"" + c.getKey() + "\": {\"" + key + "\": \"ck\"}}]"), "no checkpoint is there");
                    continue;
                }
                Map<String, Object> cfg = MorseSteps.stepConfig(c.getKey(), Map.of(), Map.of(key, "sub/out-" + name), tmp, null, 1);
                assertEquals(tmp.resolve("sub/out-" + name).toString(), cfg.get(name), c.getKey() + " --" + name);
                if (o.defaultValue() != null) {   // a default name (demo's --out morse-out) lands in the task folder too
                    assertEquals(tmp.resolve(o.defaultValue()).toString(),
                            MorseSteps.stepConfig(c.getKey(), Map.of(), Map.of(), tmp, null, 1).get(name), c.getKey() + " --" + name);
                }
                String steps = "[{\"" + c.getKey() + "\": {\"" + key + "\": \"../escape\"}}]";
                assertBad(spec("{\"seed\": [0]}", steps), "'../escape' must stay inside the task folder");
                assertBad(SweepSpec.parse("{\"name\": \"t\", \"grid\": {\"" + key + "\": [\"a\"]}, \"steps\": [{\""
                        + c.getKey() + "\": {}}]}"), "names a per-step output");
                assertTrue(MorseSteps.outputs().contains(name), name);
                checked++;
            }
        }
        assertTrue(checked >= 10, "outputs checked: " + checked);
        assertTrue(MorseSteps.outputs("eval").contains("save-gradient"));
    }

    /**
     * train's resume, in a step's options or a task's, is refused when the spec is checked: each
     * attempt of a task runs in a new, empty folder and a step runs once, so no checkpoint can be
     * there; the spec passed and every task failed at run time (exit 2, "--resume ck: no such
     * folder"). In an experiment's spec too, which the same check reads.
     */
    @Test
    void aResumingStepIsRefused() {
        String noResume = "a task's folder is new and empty on each attempt and each step runs once, so no checkpoint is there "
                + "for --resume to continue; a sweep resumes by task (a rerun runs the tasks not done), and checkpoint_dir keeps "
                + "a step's checkpoints in its task folder";
        assertBad(spec("{\"seed\": [1]}", "[{\"train\": {\"lr\": 0.05, \"epochs\": 2, \"resume\": \"ck\"}}]"),
                "key 'steps[0].train.resume': " + noResume);
        assertBad(spec("{\"seed\": [1]}", "[{\"train\": {\"checkpoint_dir\": \"ck\", \"resume\": \"ck\"}}]"),
                "key 'steps[0].train.resume': " + noResume);
        assertBad(spec("{\"resume\": [\"ck\"]}", "[{\"train\": {}}]"), "key 'grid.resume': " + noResume);
        assertBad(SweepSpec.parse("{\"name\": \"t\", " + BASE.replace("}", ", \"resume\": \"ck\"}") + ", \"grid\": {\"seed\": [1]}, "
                + "\"steps\": [{\"train\": {}}]}"), "key 'base.resume': " + noResume);
        // what keeps checkpoints in a sweep
        new MorseSteps().validate(spec("{\"seed\": [1]}", "[{\"train\": {\"lr\": 0.05, \"epochs\": 2, \"checkpoint_dir\": \"ck\"}}]"));
    }

    /** Two tasks of eval with save_gradient: each writes its own file in its task folder, and both are done. */
    @Test
    void evalSaveGradientIsWrittenPerTask() throws Exception {
        SweepSpec spec = spec("{\"seed\": [0, 1]}", "[{\"eval\": {\"save_gradient\": \"g.npy\"}}]");
        new MorseSteps().validate(spec);
        Path dir = tmp.resolve("s");
        List<Map<String, Object>> rows = runHere(spec, dir);
        for (int i = 0; i < 2; i++) {
            assertEquals("done", rows.get(i).get("status"), String.valueOf(rows.get(i).get("error")));
            Path g = dir.resolve("tasks").resolve(spec.tasks("test-1").get(i).id()).resolve("g.npy");
            assertTrue(Files.exists(g), g.toString());
        }
        assertFalse(Files.exists(Path.of("g.npy").toAbsolutePath()), "nothing in the driver's folder");
        assertBad(spec("{\"seed\": [0]}", "[{\"eval\": {\"save_gradient\": \"../g.npy\"}}]"), "must stay inside the task folder");
    }

    static long num(Map<String, Object> row, String key) {
        if (!(row.get(key) instanceof Number n)) throw new AssertionError("no number '" + key + "' in " + row);
        return n.longValue();
    }

    @Test
    void specChecksNameTheKey() {
        MorseSteps s = new MorseSteps();
        String ok = "[{\"fit\": {}}, {\"morse\": {}}]";
        s.validate(spec("{\"seed\": [0, 1]}", ok));
        s.validate(spec("{\"grad_tol\": [\"1e-6\"], \"no-bias\": [\"1\"]}", "[{\"fit\": {}}]"));
        assertBad(spec("{\"seed\": [0]}", "[{\"fitt\": {}}]"), "key 'steps[0]': unknown step 'fitt'");
        assertBad(spec("{\"lr\": [0.1], \"optimiser\": [\"gd\"]}", ok), "key 'grid.optimiser': no step takes option --optimiser");
        assertBad(spec("{\"seed\": [0]}", "[{\"fit\": {\"k\": 3}}]"), "key 'steps[0].fit.k': 'fit' has no option --k");
        assertBad(spec("{\"seed\": [0]}", "[{\"refine\": {\"k\": 3}}]"), "'refine' (morse fit) has no option --k");
        assertBad(spec("{\"seed\": [0]}", "[{\"fit\": {\"json\": \"x.json\"}}]"), "key 'steps[0].fit.json': set by the sweep");
        assertBad(spec("{\"seed\": [0]}", "[{\"spectrum\": {\"master\": \"local[2]\"}}]"), "runs inside an executor already");
        assertBad(spec("{\"save\": [\"a.npy\"]}", ok), "key 'grid.save': 'save' names a per-step output");
        assertBad(spec("{\"seed\": [0]}", "[{\"fit\": {\"save\": \"/tmp/x.npy\"}}]"), "must stay inside the task folder");
        assertBad(spec("{\"seed\": [0]}", "[{\"fit\": {\"save\": \"../x.npy\"}}]"), "must stay inside the task folder");
        assertBad(spec("{\"reg\": [{\"l2\": 1}]}", ok), "key 'grid.reg[0]': an option value must be");
        s.validate(spec("{\"seed\": [0]}", "[{\"fit\": {\"save\": \"sub/theta.npy\", \"plots\": true}}, {\"morse\": {}}]"));
    }

    /**
     * Bad option values (an unknown optimizer, a learning rate that is no number, a bad regularizer
     * or model) used to pass validation; then every task failed with exit 2 and the sweep "ran". They
     * are found on the driver, by the CLI's own parser and checks, naming the spec key.
     */
    @Test
    void badOptionValuesStopTheSweepBeforeItStarts() {
        String fitMorse = "[{\"fit\": {}}, {\"morse\": {}}]";
        assertBad(spec("{\"seed\": [0, 1]}", "[{\"fit\": {\"optimizer\": \"bogus\"}}, {\"morse\": {}}]"),
                "spec: key 'steps[0].fit.optimizer': morse fit: Invalid value for option '--optimizer'");
        assertBad(spec("{\"seed\": [0]}", "[{\"fit\": {\"optimizer\": \"gd\", \"lr\": \"abc\"}}]"), "key 'steps[0].fit.lr': morse fit:");
        assertBad(spec("{\"seed\": [0]}", "[{\"fit\": {\"grad_tol\": \"rounded\"}}]"), "key 'steps[0].fit.grad_tol': morse fit: --grad-tol rounded");
        assertBad(spec("{\"reg\": [\"none\", \"l2:abc\"]}", fitMorse), "key 'grid.reg[1]': morse fit: --reg");
        assertBad(SweepSpec.parse("{\"name\": \"t\", \"base\": {\"model\": \"2-x-1\", \"data\": \"teacher:n=8\"}, \"grid\": {\"seed\": [0]},"
                + " \"steps\": " + fitMorse + "}"), "key 'base.model': morse fit: --model");
        assertBad(SweepSpec.parse("{\"name\": \"t\", \"base\": {\"model\": \"2-4-1\", \"data\": \"teacher:n=8\"},"
                + " \"grid\": {\"activation\": [\"tanh\", \"tanh,relu\"]}, \"steps\": " + fitMorse + "}"),
                "key 'grid.activation[1]': morse fit: --activation tanh,relu: 2 activations");
        assertBad(spec("{\"seed\": [0]}", "[{\"morse\": {\"operator\": \"hessain\"}}]"), "key 'steps[0].morse.operator'");
        // refine is fit with newton: its presets are checked as its options
        assertBad(spec("{\"seed\": [0]}", "[{\"refine\": {\"newton_iter\": -1}}]"), "key 'steps[0].refine.newton_iter'");
        // good values pass, with θ files of earlier steps and outputs that do not exist yet
        new MorseSteps().validate(spec("{\"seed\": [0, 1], \"reg\": [\"none\", \"l2:1e-3\"]}",
                "[{\"init\": {}}, {\"fit\": {\"optimizer\": \"LBFGS_newton\", \"plots\": true}}, {\"refine\": {}}, {\"morse\": {}}]"));
    }

    /**
     * Checks that train, trace and density made only once they ran (optimizer settings, schedule,
     * penalties, curvature probes, checkpoints; trace's probes per method; density's grid) are the
     * commands' own checks now: a spec with such a value is refused on the driver, naming the key,
     * instead of every task failing with exit 2 after a whole Spark job.
     */
    @Test
    void trainTraceAndDensityValuesAreCheckedBeforeTheSweep() {
        assertBad(spec("{\"seed\": [0]}", "[{\"train\": {\"optimizer\": \"adam\", \"momentum\": 0.9}}]"),
                "key 'steps[0].train.momentum': morse train: --momentum and --nesterov are for sgd; adam has --betas");
        assertBad(spec("{\"seed\": [0]}", "[{\"train\": {\"curvature_probes\": 1}}]"),
                "key 'steps[0].train.curvature_probes': morse train: --curvature-probes: at least 2 probes");
        assertBad(spec("{\"seed\": [0]}", "[{\"train\": {\"checkpoint_every\": 2}}]"),
                "key 'steps[0].train.checkpoint_every': morse train: --checkpoint-every: needs --checkpoint-dir DIR");
        assertBad(spec("{\"schedule\": [\"constant\", \"linear\"]}", "[{\"train\": {}}]"),
                "key 'grid.schedule[1]': morse train: --schedule: schedule 'linear': unknown schedule");
        assertBad(spec("{\"penalty\": [\"gradient_norm:0.1\", \"bogus:1\"]}", "[{\"train\": {}}]"),
                "key 'grid.penalty[1]': morse train: --penalty: ");
        assertBad(spec("{\"seed\": [0]}", "[{\"trace\": {\"method\": \"hutchpp\", \"probes\": 4}}]"),
                "key 'steps[0].trace.probes': morse trace: --probes: Hutch++ needs a budget of at least 6 products, got 4");
        assertBad(spec("{\"seed\": [0]}", "[{\"density\": {\"grid\": 5}}]"),
                "key 'steps[0].density.grid': morse density: --grid: 5 points");
        // good values pass
        new MorseSteps().validate(spec("{\"seed\": [0, 1], \"schedule\": [\"constant\", \"cosine:1\"]}",
                "[{\"train\": {\"optimizer\": \"sgd\", \"momentum\": 0.9, \"checkpoint_every\": 2, \"checkpoint_dir\": \"ck\"}},"
                        + " {\"trace\": {\"method\": \"hutchinson\", \"probes\": 4}}, {\"density\": {\"grid\": 200}}]"));
    }

    /**
     * A number that a command checks together with another option is checked in every combination
     * the tasks bring, not value by value: probes 4 was checked with hutchinson (fine), hutchpp with 6
     * probes (fine), and then the task with hutchpp and 4 probes, each value seen before, was not
     * checked, and failed; so for momentum 0 next to nesterov, each seen before with the other's
     * other value (momentum 0.9 with nesterov, 0 without). Numbers checked
     * alone (seeds) are still checked value by value.
     */
    @Test
    void numbersCheckedWithOtherOptionsAreCheckedInEveryCombination() {
        assertBad(spec("{\"method\": [\"hutchinson\", \"hutchpp\"], \"probes\": [6, 4]}", "[{\"trace\": {}}]"),
                "key 'grid.probes[1]': morse trace: --probes: Hutch++ needs a budget of at least 6 products, got 4");
        // momentum 0 and 0.9 are both given (no default): only the value tells (0, nesterov) from (0.9, nesterov)
        assertBad(spec("{\"momentum\": [0.9, 0], \"nesterov\": [false, true]}", "[{\"train\": {}}]"),
                "Nesterov momentum requires a momentum > 0");
        // with a seed grid in front: each seed is new, and still every combination is seen
        assertBad(spec("{\"seed\": [0, 1, 2], \"method\": [\"hutchinson\", \"hutchpp\"], \"probes\": [6, 4]}", "[{\"trace\": {}}]"),
                "key 'grid.probes[1]': morse trace: --probes: Hutch++ needs a budget of at least 6 products, got 4");
        assertEquals(java.util.Set.of("probes"), MorseSteps.combined("trace"));
        assertEquals(java.util.Set.of("newton-dense-limit"), MorseSteps.combined("fit"));
        assertEquals(java.util.Set.of("dense-limit", "spectra"), MorseSteps.combined("morse"));
        // newton_tr reads --krylov-iter only at P above --newton-dense-limit: the driver refuses the limit at which it is not,
        // and a --spectra that a task's --dense-limit leaves unread
        assertBad(spec("{\"newton_dense_limit\": [1, 3000]}", "[{\"fit\": {\"optimizer\": \"newton_tr\", \"krylov_iter\": 5}}]"),
                "takes dense steps at P = 17 ≤ --newton-dense-limit 3000 (from tasks/<task>/fit-config.json)");
        assertBad(spec("{\"dense_limit\": [46340, 1]}", "[{\"morse\": {\"spectra\": true}}]"), "--spectra: P = 17 is above --dense-limit 1");
        new MorseSteps().validate(spec("{\"method\": [\"hutchinson\", \"hutchpp\"], \"probes\": [6, 40]}", "[{\"trace\": {}}]"));
    }

    /** The value checks are per distinct config of a step, with one parser: a thousand tasks take seconds. */
    @Test
    void valueChecksOfAThousandTasksTakeSeconds() {
        StringBuilder seeds = new StringBuilder();
        for (int i = 0; i < 500; i++) seeds.append(i == 0 ? "" : ", ").append(i);
        SweepSpec spec = spec("{\"seed\": [" + seeds + "], \"reg\": [\"none\", \"l2:1e-3\"]}", "[{\"fit\": {}}, {\"morse\": {}}]");
        long t0 = System.nanoTime();
        new MorseSteps().validate(spec);
        double seconds = (System.nanoTime() - t0) * 1e-9;
        System.out.printf("validate of %d tasks × 2 steps: %.2f s%n", spec.size(), seconds);
        assertTrue(seconds < 60, seconds + " s");
    }

    /** Two spellings of one option (grad_tol, grad-tol) reach the command as one: one value was dropped silently. */
    @Test
    void twoSpellingsOfOneOptionAreRefused() {
        String ok = "[{\"fit\": {}}, {\"morse\": {}}]";
        assertBad(SweepSpec.parse("{\"name\": \"t\", \"base\": {\"model\": \"2-4-1\", \"grad_tol\": \"1e-6\"},"
                + " \"grid\": {\"grad-tol\": [\"1e-8\"]}, \"steps\": " + ok + "}"),
                "key 'grid.grad-tol': 'base.grad_tol' and 'grid.grad-tol' are both --grad-tol");
        assertBad(spec("{\"max_iter\": [5], \"max-iter\": [6]}", ok), "'grid.max_iter' and 'grid.max-iter' are both --max-iter");
        assertBad(spec("{\"seed\": [0]}", "[{\"fit\": {\"grad_tol\": \"1e-6\", \"--grad-tol\": \"spec\"}}]"),
                "key 'steps[0].fit.--grad-tol': 'grad_tol' and '--grad-tol' are both --grad-tol");
        // a step's own option overriding the task's is the documented precedence, not a clash
        new MorseSteps().validate(spec("{\"max_iter\": [5]}", "[{\"fit\": {\"max-iter\": 6}}]"));
    }

    /**
     * Each step is checked on its own options: a refine step without a model used to pass after a
     * fit step that had one (one parser for all steps kept fit's model), and then failed every task.
     */
    @Test
    void eachStepIsCheckedOnItsOwnOptions() {
        SweepSpec spec = SweepSpec.parse("{\"name\": \"t\", \"base\": {\"data\": \"teacher:n=40,width=2\"}, \"grid\": {\"seed\": [0]},"
                + " \"steps\": [{\"fit\": {\"model\": \"2-4-1\"}}, {\"refine\": {}}]}");
        assertBad(spec, "key 'steps[1].refine': morse fit: no model");
    }

    /**
     * Contradictions between a step's options are refused as the command refuses them: no_refine
     * with refine lbfgs_newton ran without refinement, method dense with k 3 gave every eigenvalue.
     * Also when a grid combines them: numbers and flags were checked value by value only, so the
     * last task of no_refine × refine (a flag value and a refine seen before) was never parsed.
     */
    @Test
    void contradictionsAreRefusedAlsoWhereTheGridCombinesThem() {
        assertBad(spec("{\"seed\": [0]}", "[{\"morse\": {\"no_refine\": true, \"refine\": \"lbfgs_newton\"}}]"),
                "key 'steps[0].morse.no_refine': morse morse: --no-refine and --refine lbfgs_newton contradict each other");
        assertBad(spec("{\"seed\": [0]}", "[{\"spectrum\": {\"method\": \"dense\", \"k\": 3}}]"),
                "key 'steps[0].spectrum.k': morse spectrum: --k 3 (from ");
        assertBad(spec("{\"no_refine\": [false, true], \"refine\": [\"newton\", \"lbfgs_newton\"]}", "[{\"morse\": {}}]"),
                "key 'grid.no_refine[1]': morse morse: --no-refine and --refine lbfgs_newton contradict each other");
        new MorseSteps().validate(spec("{\"no_refine\": [false, true], \"refine\": [\"newton\", \"none\"]}", "[{\"morse\": {}}]"));
    }

    /**
     * A task's optimizer options reach only the steps that read them: a grid's max_iter for fit's
     * L-BFGS is left out of morse's Newton refinement and of the refine step (fit with newton),
     * and a grid's lr out of a fit step with lbfgs; the commands refuse them there (as without
     * effect), so a step's own unread option is refused on the driver, naming its key.
     */
    @Test
    void aTasksOptimizerOptionsReachOnlyTheStepsThatReadThem() {
        Map<String, Object> task = Map.of("max_iter", 500L, "lr", 0.5, "newton_iter", 50L);
        Map<String, Object> morse = MorseSteps.stepConfig("morse", task, Map.of(), tmp, null, 1);
        assertFalse(morse.containsKey("max-iter"), morse.toString());
        assertEquals(50L, morse.get("newton-iter"));
        assertEquals(500L, MorseSteps.stepConfig("morse", task, Map.of("refine", "lbfgs_newton"), tmp, null, 1).get("max-iter"));
        Map<String, Object> none = MorseSteps.stepConfig("morse", task, Map.of("no_refine", true), tmp, null, 1);
        assertFalse(none.containsKey("max-iter") || none.containsKey("newton-iter"), none.toString());
        Map<String, Object> refine = MorseSteps.stepConfig("refine", task, Map.of(), tmp, null, 1);
        assertFalse(refine.containsKey("max-iter") || refine.containsKey("lr"), refine.toString());
        assertEquals(50L, refine.get("newton-iter"));
        Map<String, Object> lbfgs = MorseSteps.stepConfig("fit", task, Map.of("optimizer", "lbfgs"), tmp, null, 1);
        assertFalse(lbfgs.containsKey("lr") || lbfgs.containsKey("newton-iter"), lbfgs.toString());
        assertEquals(500L, lbfgs.get("max-iter"));
        assertEquals(0.5, MorseSteps.stepConfig("fit", task, Map.of("optimizer", "gd"), tmp, null, 1).get("lr"));
        new MorseSteps().validate(spec("{\"max_iter\": [2, 500]}", "[{\"fit\": {\"optimizer\": \"lbfgs\"}}, {\"morse\": {}}, {\"refine\": {}}]"));
        assertBad(spec("{\"seed\": [0]}", "[{\"morse\": {\"max_iter\": 50}}]"),
                "key 'steps[0].morse.max_iter': morse morse: --max-iter: --refine newton");
        assertBad(spec("{\"seed\": [0]}", "[{\"fit\": {\"optimizer\": \"newton\", \"max_iter\": 5}}]"),
                "morse fit: --max-iter: --optimizer newton");
        // a task option that no step reads in any task is refused, not dropped everywhere (a grid
        // of max_iter over a morse step alone ran the same command under two ids)
        assertBad(spec("{\"max_iter\": [100, 1000]}", "[{\"morse\": {}}]"), "key 'grid.max_iter': no step reads option --max-iter");
        assertBad(spec("{\"lr\": [0.5]}", "[{\"fit\": {\"optimizer\": \"lbfgs\"}}]"), "key 'grid.lr': no step reads option --lr");
        // optimizer names in any letter case, as the command line takes them
        new MorseSteps().validate(spec("{\"max_iter\": [500]}", "[{\"fit\": {\"optimizer\": \"LBFGS\"}}, {\"morse\": {\"refine\": \"NONE\"}}]"));
        assertBad(spec("{\"max_iter\": [500]}", "[{\"fit\": {\"optimizer\": \"NEWTON\"}}]"), "no step reads option --max-iter");
        assertFalse(MorseSteps.stepConfig("fit", task, Map.of("optimizer", "NEWTON"), tmp, null, 1).containsKey("max-iter"));
    }

    /**
     * A step that gets an earlier step's θ does not get the task's init, nor its seed where that
     * seeds only init: they made that θ, and the command refuses them next to weights (a grid of
     * seeds over init, fit, morse would be refused). A step's own init makes its own θ; its own
     * seed next to the earlier θ is refused.
     */
    @Test
    void aStepOnAnEarlierThetaGetsNoInitOrSeed() {
        Path latest = Path.of("tasks", "t", "fit-theta.npy");
        Map<String, Object> task = Map.of("model", "2-4-1", "seed", 3L, "init", "zeros");
        Map<String, Object> morse = MorseSteps.stepConfig("morse", task, Map.of(), tmp, latest, 1);
        assertEquals(latest.toString(), morse.get("weights"));
        assertFalse(morse.containsKey("seed") || morse.containsKey("init"), morse.toString());
        Map<String, Object> train = MorseSteps.stepConfig("train", task, Map.of(), tmp, latest, 1);
        assertEquals(3L, train.get("seed"), "train's seed also shuffles: it stays");
        assertFalse(train.containsKey("init"), train.toString());
        Map<String, Object> own = MorseSteps.stepConfig("morse", task, Map.of("init", "gaussian"), tmp, latest, 1);
        assertFalse(own.containsKey("weights"), "its own init: a new θ, not the earlier one: " + own);
        assertEquals("gaussian", own.get("init"));
        assertEquals(3L, own.get("seed"));
        Map<String, Object> first = MorseSteps.stepConfig("fit", task, Map.of(), tmp, null, 1);
        assertEquals(3L, first.get("seed"), "no earlier θ: the task's init and seed make it");
        assertEquals("zeros", first.get("init"));

        new MorseSteps().validate(spec("{\"seed\": [0, 1, 2], \"init\": [\"pytorch\", \"gaussian:0.5\"]}", "[{\"fit\": {}}, {\"morse\": {}}]"));
        assertBad(spec("{\"reg\": [\"none\"]}", "[{\"fit\": {}}, {\"morse\": {\"seed\": 5}}]"),
                "key 'steps[1].morse.seed': morse morse: --seed: θ comes from --weights");
    }

    /**
     * A seed next to an init that draws nothing (zeros) is ignored where it seeds only init, so the
     * driver refuses it, naming the grid value, before any task runs (three tasks of seeds × zeros
     * computed one θ = 0 three times); at its default it passes, and train, whose seed also
     * shuffles, takes it. A zip pairs init and seed values.
     */
    @Test
    void aSeedNextToAnInitThatDrawsNothingIsRefusedOnTheDriver() {
        assertBad(spec("{\"seed\": [0, 1, 2], \"init\": [\"pytorch\", \"zeros\"]}", "[{\"fit\": {}}, {\"morse\": {}}]"),
                "key 'grid.seed[1]': morse fit: --seed: --init zeros (from ");
        assertBad(spec("{\"seed\": [0, 1]}", "[{\"init\": {\"init\": \"zeros\"}}, {\"morse\": {}}]"),
                "key 'grid.seed[1]': morse init: --seed: --init zeros (from ");
        new MorseSteps().validate(spec("{\"seed\": [0]}", "[{\"init\": {\"init\": \"zeros\"}}, {\"morse\": {}}]"));
        new MorseSteps().validate(spec("{\"seed\": [0, 1]}", "[{\"train\": {\"init\": \"zeros\", \"epochs\": 1}}]"));
        new MorseSteps().validate(SweepSpec.parse("{\"name\": \"t\", " + BASE + ", \"grid\": {\"init\": [\"zeros\", \"pytorch\", \"gaussian\"], "
                + "\"seed\": [0, 1, 2]}, \"zip\": [[\"init\", \"seed\"]], \"steps\": [{\"fit\": {}}, {\"morse\": {}}]}"));
    }

    /**
     * The checks that depend only on P (from the model, before any data) are made on the driver:
     * trace's exact method above the dense limit, spectrum's basis against the values wanted. The
     * basis is checked in every combination with k: (20, 10) at P = 17 is refused though k 20 and
     * basis 10 each passed before, with basis 30 and k 5.
     */
    @Test
    void checksOfPAreMadeOnTheDriver() {
        assertBad(SweepSpec.parse("{\"name\": \"t\", \"base\": {\"data\": \"gaussian:n=2\"}, \"grid\": {\"model\": [\"2-4-1\", \"1-2000-1\"]}, "
                + "\"steps\": [{\"trace\": {\"method\": \"exact\"}}]}"),
                "key 'steps[0].trace.method': morse trace: --method exact: P = 6001 is above the dense limit 4000");
        assertBad(spec("{\"k\": [5, 20], \"basis\": [30, 10]}", "[{\"spectrum\": {\"method\": \"lanczos\"}}]"),
                "key 'grid.basis[1]': morse spectrum: --basis: 10 must exceed the 17 wanted Ritz values (--k 20); give at least 17");
        new MorseSteps().validate(spec("{\"k\": [5, 20], \"basis\": [30, 17]}", "[{\"spectrum\": {\"method\": \"lanczos\"}}]"));
    }

    /**
     * A built-in data set's spec is parsed and checked against the model on the driver: a bad name
     * or parameter, or a set the model cannot take, used to fail every task that drew the data.
     */
    @Test
    void builtInDataSpecsAreCheckedOnTheDriver() {
        String head = "{\"name\": \"t\", \"base\": {\"model\": \"2-4-1\"%s}, \"grid\": %s, \"steps\": [{\"fit\": {}}, {\"morse\": {}}]}";
        assertBad(SweepSpec.parse(String.format(head, "", "{\"data\": [\"teacher:n=8\", \"teacher:n=8,widht=2\"]}")),
                "key 'grid.data[1]': morse fit: --data teacher:n=8,widht=2: unknown parameter 'widht' for teacher; its parameters are n, width, noise");
        assertBad(SweepSpec.parse(String.format(head, ", \"data\": \"gausian:n=8\"", "{\"seed\": [0]}")),
                "key 'base.data': morse fit: --data gausian:n=8: unknown data set 'gausian'");
        assertBad(SweepSpec.parse(String.format(head, ", \"data\": \"gaussian:noise=-0.1\"", "{\"seed\": [0]}")),
                "key 'base.data': morse fit: --data gaussian:noise=-0.1: noise=-0.1 must be ≥ 0");
        assertBad(SweepSpec.parse(String.format(head, ", \"data\": \"orthogonal:n=4\"", "{\"seed\": [0]}")),
                "morse fit: --data orthogonal:n=4: at most d0 = 2 inputs can be orthogonal, n = 4 asked");
        new MorseSteps().validate(SweepSpec.parse(String.format(head, "", "{\"data\": [\"teacher:n=8\", \"orthogonal\", \"spirals:n=6\"]}")));
    }

    private static void assertBad(SweepSpec spec, String expected) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new MorseSteps().validate(spec));
        assertTrue(e.getMessage().contains(expected), "expected '" + expected + "' in: " + e.getMessage());
    }

    /**
     * A seed written as a JSON decimal, 1e15 or 1234567890123456.0, runs as that integer: the
     * step's line said "--seed 1.0E15" (whole numbers from 1e15 on were printed as doubles), and
     * the spec was refused ("expected a whole number (a seed), got '1.0E15'"). Beyond 2^53 a
     * decimal is not the integer written, so the spec check refuses it and says how to write it;
     * the same numbers as JSON integers stay exact. The task ids are unchanged (they hash numbers
     * as written: SweepSpecTest's pinned ids).
     */
    @Test
    void wholeDecimalsBelow2To53RunAsIntegersAndFromItOnAreRefusedForIntegerOptions() {
        String fit = "[{\"fit\": {\"optimizer\": \"lbfgs\"}}]";
        SweepSpec ok = spec("{\"seed\": [1e15, 1234567890123456.0, 9007199254740991.0, 123456789012345678]}", fit);
        new MorseSteps().validate(ok);
        List<SweepTask> tasks = ok.tasks("test-1");
        List<String> seeds = new java.util.ArrayList<>();
        for (SweepTask t : tasks) seeds.add(MorseSteps.text(MorseSteps.stepConfig("fit", t.config(), Map.of(), tmp, null, 1).get("seed")));
        assertEquals(List.of("1000000000000000", "1234567890123456", "9007199254740991", "123456789012345678"), seeds);
        assertBad(spec("{\"seed\": [0, 1.2345678901234568e17]}", fit),
                "key 'grid.seed[1]': " + dev.morse.io.Numbers.notExactWhole(1.2345678901234568e17));
        assertTrue(dev.morse.io.Numbers.notExactWhole(1.2345678901234568e17).startsWith("1.2345678901234568E17 is a decimal of magnitude "
                + "2^53 = 9007199254740992 or more, where decimals are not exact integers"));
        assertBad(spec("{\"seed\": [0]}", "[{\"fit\": {\"optimizer\": \"lbfgs\", \"max_iter\": 1e16}}]"),
                "key 'steps[0].fit.max_iter': 1.0E16 is a decimal of magnitude 2^53");
        // 9007199254740993.0 reads as 2^53 and ran as seed 9007199254740992: from 2^53 on, refused
        assertBad(spec("{\"seed\": [9007199254740993.0]}", fit), "key 'grid.seed[0]': 9.007199254740992E15 is a decimal of magnitude 2^53");
        assertBad(spec("{\"seed\": [-9007199254740992.0]}", fit), "key 'grid.seed[0]': -9.007199254740992E15 is a decimal of magnitude 2^53");
        // a real option takes such a number as it is
        new MorseSteps().validate(spec("{\"seed\": [0]}", "[{\"fit\": {\"optimizer\": \"gd\", \"lr\": 1e16}}]"));
    }

    @Test
    void valuesAsTheCommandLineWouldCarryThem() {
        assertEquals("3", MorseSteps.text(3L));
        assertEquals("9007199254740993", MorseSteps.text(9007199254740993L), "integers stay exact (not through double)");
        assertEquals("0.001", MorseSteps.text(1e-3));
        assertEquals("2", MorseSteps.text(2.0));
        assertEquals("1.0E-10", MorseSteps.text(1e-10));
        // whole decimals exactly below 2^53 ("1.0E15" was refused as a seed); beyond, doubles are not integers
        assertEquals("1000000000000000", MorseSteps.text(1e15));
        assertEquals("1234567890123456", MorseSteps.text(1234567890123456.0));
        assertEquals("9007199254740991", MorseSteps.text(0x1p53 - 1));
        assertEquals("-9007199254740991", MorseSteps.text(-0x1p53 + 1));
        assertEquals("9.007199254740992E15", MorseSteps.text(0x1p53), "2^53 may be another integer written (9007199254740993.0)");
        assertEquals("1.8014398509481984E16", MorseSteps.text(0x1p54), "beyond 2^53: a double (the spec check refuses it for integers)");
        assertEquals("true", MorseSteps.text(true));
        assertEquals("1,2", MorseSteps.text(List.of(1L, 2L)));
        assertEquals("l2:1e-3", MorseSteps.text("l2:1e-3"));
    }
}
