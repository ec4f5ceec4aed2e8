package dev.morse.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The option checks that read no file and need no data are the commands' {@code checkOptions}, so
 * {@link Main#check} (a sweep's driver) makes them without running anything: values that used to
 * pass there and then failed every task with exit 2 (train's momentum with adam, an unknown
 * schedule or penalty, one curvature probe, checkpoints without a folder; trace's hutchpp with 4
 * probes; density's grid of 5 points). Each is refused by {@code Main.check} with the message the
 * command prints, and the run exits 2 with it before touching a file.
 */
class CheckOptionsTest {

    @TempDir
    Path dir;

    static final String[] PROBLEM = {"--model", "2-4-1", "--loss", "mse", "--data", "teacher:n=8"};

    /** Main.check of the command with the small problem and these options. */
    private static String check(String command, String... options) {
        List<String> a = new ArrayList<>(List.of(command));
        a.addAll(Arrays.asList(PROBLEM));
        a.addAll(Arrays.asList(options));
        return Main.check(null, a.toArray(new String[0]));
    }

    private static void refused(String expected, String command, String... options) {
        String m = check(command, options);
        assertNotNull(m, command + " " + String.join(" ", options) + " passed Main.check");
        assertTrue(m.startsWith("morse " + command + ": "), m);
        assertTrue(m.contains(expected), "expected '" + expected + "' in: " + m);
    }

    @Test
    void trainsOptionsAreCheckedWithoutRunning() {
        refused("--momentum and --nesterov are for sgd; adam has --betas", "train", "--optimizer", "adam", "--momentum", "0.9");
        refused("--curvature-probes: at least 2 probes are needed for a standard error, got 1", "train", "--curvature-probes", "1");
        refused("--checkpoint-every: needs --checkpoint-dir DIR (or --resume DIR)", "train", "--checkpoint-every", "2");
        refused("--schedule: schedule 'linear': unknown schedule", "train", "--schedule", "linear");
        refused("--penalty: ", "train", "--penalty", "bogus:1");
        // and the rest of what train checked only once it ran
        refused("--penalty: penalty 'gradient_norm:0.1:3': power p must be 1 or 2", "train", "--penalty", "gradient_norm:0.1:3");
        refused("--optimizer: unknown optimizer 'rmsprop'", "train", "--optimizer", "rmsprop");
        refused("--betas and --eps are for adam and adamw, not sgd", "train", "--eps", "1e-6");
        refused("requires a momentum > 0", "train", "--nesterov");
        refused("--schedule: step:1:1d: '1d' is not a decimal number", "train", "--schedule", "step:1:1d");
        refused("--test-targets: goes with --test-inputs", "train", "--test-targets", "y.npy");
        refused("--holdout: give either --test-inputs or --holdout, not both", "train", "--test-inputs", "x.npy", "--holdout", "0.2");
        refused("--holdout-seed: goes with --holdout", "train", "--holdout-seed", "3");
        refused("both replace the data loss", "train", "--penalty", "sam:0.1,weight_noise:0.01");
        assertNull(check("train", "--optimizer", "sgd", "--momentum", "0.9", "--nesterov", "--schedule", "cosine:1", "--curvature-every", "1",
                "--curvature-probes", "2", "--penalty", "gradient_norm:0.1", "--checkpoint-every", "2", "--checkpoint-dir", "ck"), "good options pass");
        assertNull(check("train", "--optimizer", "adamw", "--betas", "0.9,0.99", "--eps", "1e-6", "--holdout", "0.2", "--holdout-seed", "3"));
        // a cosine schedule's lr_min above --lr, and a warm-up (in epochs) as long as the run
        refused("--schedule: --schedule cosine:1:0.5: lr_min 0.5 is above the base rate --lr 0.1, so the cosine would raise the rate",
                "train", "--lr", "0.1", "--schedule", "cosine:1:0.5", "--epochs", "3");
        refused("--schedule: --schedule cosine:5: the warm-up of 5 epochs lasts the whole run (--epochs 5)", "train", "--schedule", "cosine:5",
                "--epochs", "5");
        refused("the warm-up of 12.5 epochs lasts the whole run (--epochs 10)", "train", "--schedule", "cosine:12.5");
        assertNull(check("train", "--lr", "0.1", "--schedule", "cosine:4.5:0.1", "--epochs", "5"), "lr_min = lr₀, a warm-up below the run");
    }

    /** eval's penalties that cannot share an objective, and a vector file no penalty uses, before any file is read. */
    @Test
    void evalsPenaltiesAreCheckedWithoutRunning() {
        refused("both replace the data loss", "eval", "--penalty", "sam:0.1", "--penalty", "weight_noise:0.01");
        refused("--probes missing.npy: no --penalty uses probes", "eval", "--penalty", "gradient_norm:0.1", "--probes", "missing.npy");
        refused("--noise missing.npy: no --penalty uses noise", "eval", "--noise", "missing.npy");
        assertNull(check("eval", "--penalty", "hessian_trace:0.1", "--probes", "missing.npy"), "the file is read only when the command runs");
    }

    @Test
    void traceAndDensityLimitsAreCheckedWithoutRunning() {
        refused("--probes: Hutch++ needs a budget of at least 6 products, got 4", "trace", "--method", "hutchpp", "--probes", "4");
        refused("--probes: Hutch++ needs a budget of at least 6 products, got 4", "trace", "--probes", "4");   // hutchpp by default
        refused("--probes: Hutchinson needs at least 2 probes for a standard error, got 1", "trace", "--method", "hutchinson", "--probes", "1");
        assertNull(check("trace", "--method", "hutchinson", "--probes", "4"), "4 probes are enough for Hutchinson");
        assertNull(check("trace", "--method", "exact", "--probes", "1"));
        refused("--grid: 5 points: the grid spans the Ritz nodes ± 5σ", "density", "--grid", "5");
        refused("--sigma: 1.0E308 is beyond the range", "density", "--sigma", "1e308");
        assertNull(check("density", "--grid", "12", "--sigma", "0.5"));
    }

    /** The other checks that read no file, which the commands made only once they ran. */
    @Test
    void otherChecksThatReadNoFileAreMadeWithoutRunning() {
        refused("--k: a Lanczos option; --method dense computes every eigenvalue", "spectrum", "--method", "dense", "--k", "3");
        refused("--partitions: goes with --master", "spectrum", "--partitions", "2");
        refused("--partitions: goes with --master", "trace", "--partitions", "2");
        refused("--partitions: goes with --master", "density", "--partitions", "2");
        refused("--no-refine and --refine newton contradict each other", "morse", "--no-refine", "--refine", "newton");
        refused("--penalty: ", "eval", "--penalty", "bogus:1");
        refused("--init gaussian:x: scale 'x' is not a number", "fit", "--init", "gaussian:x");
        refused("--init warm: unknown scheme", "spectrum", "--init", "warm");
        assertNull(check("fit", "--init", "gaussian:0.5"));
        assertNull(check("fit", "--weights", "theta.npy"), "--weights: the init scheme is not read");
        // where the data come from
        assertEquals("morse fit: no data: give --data NAME for a built-in set (gaussian, teacher, orthogonal, spirals, fashion-mnist), "
                + "or --inputs FILE [--targets FILE]", Main.check(null, "fit", "--model", "2-4-1"));
        refused("give either --data (built-in) or --inputs (files), not both", "fit", "--inputs", "x.npy", "--targets", "y.npy");
        refused("--targets goes with --inputs, not with the built-in --data teacher:n=8", "fit", "--targets", "y.npy");
        refused("--target-column goes with an --inputs CSV table", "fit", "--target-column", "y");
        assertNull(Main.check(null, "fit", "--model", "2-4-1", "--inputs", "x.csv"), "files need not exist");
        // init takes no data, and now has checks of its own
        assertTrue(String.valueOf(Main.check(null, "init", "--model", "2-x-1", "--save", "t.npy")).contains("--model: 2-x-1: width 'x'"));
        assertTrue(String.valueOf(Main.check(null, "init", "--model", "2-4-1", "--init", "gaussian:-1", "--save", "t.npy"))
                .contains("--init gaussian:-1: scale must be finite and ≥ 0"));
        assertNull(Main.check(null, "init", "--model", "2-4-1", "--init", "zeros", "--save", "t.npy"));
    }

    /**
     * --seed next to an --init that makes θ without drawing (zeros, gaussian:0), where the seed
     * draws only θ: refused by the checks, as next to --weights; train's seed also shuffles.
     */
    @Test
    void aSeedNextToAnInitThatDrawsNothingIsRefusedWithoutRunning() {
        refused("--seed: --init zeros makes θ = 0 without drawing, so --seed 5 would be ignored (in fit it seeds only --init)",
                "fit", "--init", "zeros", "--seed", "5");
        refused("--seed: --init gaussian:0.0 makes θ = 0 without drawing", "morse", "--init", "gaussian:0.0", "--seed", "1");
        refused("--seed: --init ZEROS makes θ = 0", "trace", "--init", "ZEROS", "--seed", "1");
        assertNull(check("fit", "--init", "zeros"));
        assertNull(check("fit", "--init", "gaussian:1e-3", "--seed", "5"), "a scale above 0 draws");
        assertNull(check("train", "--init", "zeros", "--seed", "5"), "train's seed also shuffles");
        assertTrue(String.valueOf(Main.check(null, "init", "--model", "2-4-1", "--init", "zeros", "--seed", "2", "--save", "t.npy"))
                .startsWith("morse init: --seed: --init zeros makes θ = 0 without drawing, so --seed 2 would be ignored (in init it seeds only --init)"));
        // a sweep step's configs: the seed at its default passes, another is refused
        Main.Checker c = new Main.Checker();
        String cfg = "{\"command\": \"fit\", \"model\": \"2-4-1\", \"data\": \"teacher:n=8\", \"init\": \"%s\", \"seed\": %d}";
        assertNull(c.check(String.format(cfg, "zeros", 0), "fit", "--config", "x.json"));
        assertNull(c.check(String.format(cfg, "pytorch", 5), "fit", "--config", "x.json"));
        String bad = c.check(String.format(cfg, "zeros", 5), "fit", "--config", "x.json");
        assertTrue(bad != null && bad.contains("--seed: --init zeros (from x.json) makes θ = 0 without drawing, so --seed 5 (from x.json)"), bad);
    }

    /**
     * The checks that depend only on P, the parameter count of --model (known before any data are
     * read), are made without running: spectrum's --basis against the Ritz values wanted, trace's
     * --method exact and a budget of --probes above P where P is above the dense limit. They used
     * to be made after loading, so a sweep met them only in its tasks.
     */
    @Test
    void checksOfPAreMadeWithoutRunning() {
        // P = 17 for 2-4-1
        refused("--basis: 5 must exceed the 5 wanted Ritz values (--k 5); give at least 6, or 0 for max(2k+20, 40)",
                "spectrum", "--method", "lanczos", "--k", "5", "--basis", "5");
        refused("--basis: 5 must exceed the 5 wanted Ritz values (--k 5)", "spectrum", "--k", "5", "--basis", "5");   // auto: Lanczos for --basis
        refused("--basis: 6 must exceed the 6 wanted Ritz values (--k 3 at both ends); give at least 7", "spectrum", "--k", "3", "--which", "both", "--basis", "6");
        refused("--basis: 10 must exceed the 17 wanted Ritz values (--k 30); give at least 17", "spectrum", "--k", "30", "--basis", "10");
        assertNull(check("spectrum", "--k", "30", "--basis", "17"), "a basis of all P vectors");
        assertNull(check("spectrum", "--k", "5", "--basis", "6"));
        assertNull(check("spectrum", "--k", "5"), "basis 0 picks max(2k+20, 40)");
        String big = "--model 1-2000-1 --data gaussian:n=2";   // P = 6001
        assertEquals("morse trace: --method exact: P = 6001 is above the dense limit 4000 (the exact trace materializes the P×P operator); "
                + "use --method hutchpp", Main.check(null, ("trace " + big + " --method exact").split(" ")));
        assertEquals("morse trace: --probes: 7000 products are more than the exact trace costs (P = 6001 products), and P is above the dense "
                + "limit 4000 of --method exact; give --probes ≤ 6001", Main.check(null, ("trace " + big + " --probes 7000").split(" ")));
        assertNull(Main.check(null, ("trace " + big + " --probes 6000").split(" ")));
        assertNull(check("trace", "--method", "exact"), "P = 17");
        assertNull(check("trace", "--probes", "7000"), "P = 17: the exact trace instead, when it runs");
    }

    /**
     * Built-in --data specs are parsed and checked against the model and loss without generating
     * anything: a bad name or parameter used to be met only when the data were drawn, in a sweep's
     * tasks. Fashion-MNIST's spec too, without reading its files.
     */
    @Test
    void builtInDataSpecsAreCheckedWithoutRunning() {
        assertEquals("morse fit: --data gausian: unknown data set 'gausian'; expected one of gaussian, teacher, orthogonal, spirals "
                + "(or fashion-mnist[:n=N][,test=M], the real data set)", Main.check(null, "fit", "--model", "2-4-1", "--data", "gausian"));
        assertEquals("morse fit: --data gaussian:noise=-1: noise=-1.0 must be ≥ 0", Main.check(null, "fit", "--model", "2-4-1", "--data", "gaussian:noise=-1"));
        assertEquals("morse spectrum: --data teacher:n=0: n=0 must be a positive whole number",
                Main.check(null, "spectrum", "--model", "2-4-1", "--data", "teacher:n=0"));
        assertEquals("morse trace: --data teacher:depth=3: unknown parameter 'depth' for teacher; its parameters are n, width, noise",
                Main.check(null, "trace", "--model", "2-4-1", "--data", "teacher:depth=3"));
        assertEquals("morse trace: --data orthogonal:size=3: unknown parameter 'size' for orthogonal; its parameters are n, scale",
                Main.check(null, "trace", "--model", "2-4-1", "--data", "orthogonal:size=3"));
        assertEquals("morse train: --data spirals:turns=0: turns=0.0 must be positive", Main.check(null, "train", "--model", "2-4-1", "--data", "spirals:turns=0"));
        assertEquals("morse morse: --data teacher:n: parameter 'n' is not of the form key=value", Main.check(null, "morse", "--model", "2-4-1", "--data", "teacher:n"));
        // against the model and the loss
        assertEquals("morse fit: --data spirals: the spirals are 2-D, so the model's input width d0 must be 2 (it is 3)",
                Main.check(null, "fit", "--model", "3-4-1", "--data", "spirals"));
        assertEquals("morse fit: --data orthogonal:n=3: at most d0 = 2 inputs can be orthogonal, n = 3 asked",
                Main.check(null, "fit", "--model", "2-4-1", "--data", "orthogonal:n=3"));
        assertEquals("morse fit: --data gaussian: cross_entropy needs an output width C ≥ 2 (the number of classes), the model has 1",
                Main.check(null, "fit", "--model", "2-4-1", "--loss", "cross_entropy", "--data", "gaussian"));
        // noise moves gaussian's and teacher's mse targets only: with classes it would change nothing
        assertEquals("morse fit: --data gaussian:noise=0.2: noise is added to the mse targets only; with cross_entropy the class is argmax s(x) "
                + "of the noiseless scores, so noise would change nothing; leave it out (or use spirals, whose noise moves the inputs)",
                Main.check(null, "fit", "--model", "2-4-2", "--loss", "cross_entropy", "--data", "gaussian:noise=0.2"));
        assertNotNull(Main.check(null, "fit", "--model", "2-4-2", "--loss", "cross_entropy", "--data", "teacher:noise=0"));
        assertNull(Main.check(null, "fit", "--model", "2-4-2", "--loss", "cross_entropy", "--data", "gaussian"));
        assertNull(Main.check(null, "fit", "--model", "2-4-2", "--loss", "cross_entropy", "--data", "spirals:noise=0.2"));
        assertNull(Main.check(null, "fit", "--model", "2-4-2", "--data", "gaussian:noise=0.2"));
        assertEquals("morse eval: --data fashion-mnist:n=0: n=0 must be in 1..60000 (the training split has 60000 samples)",
                Main.check(null, "eval", "--model", "784-10", "--loss", "cross_entropy", "--data", "fashion-mnist:n=0"));
        assertEquals("morse eval: --data fashion-mnist: images have 784 pixels (28×28), the model 2-4-1 tanh expects d0 = 2; use --model 784-…-10",
                Main.check(null, "eval", "--model", "2-4-1", "--data", "fashion-mnist"));
        for (String good : List.of("gaussian", "teacher:n=8,width=2,noise=0.1", "orthogonal", "orthogonal:n=2,scale=3", "spirals:n=10,turns=2")) {
            assertNull(Main.check(null, "fit", "--model", "2-4-1", "--data", good), good);
        }
        assertNull(Main.check(null, "fit", "--model", "784-10", "--loss", "cross_entropy", "--data", "fashion-mnist:n=10"), "no file read");
        // a sweep step's configs: one checker, one config per data spec
        Main.Checker c = new Main.Checker();
        String cfg = "{\"command\": \"fit\", \"model\": \"2-4-1\", \"data\": \"%s\"}";
        assertNull(c.check(String.format(cfg, "teacher:n=8"), "fit", "--config", "x.json"));
        String bad = c.check(String.format(cfg, "teacher:n=8,widht=2"), "fit", "--config", "x.json");
        assertEquals("morse fit: --data teacher:n=8,widht=2: unknown parameter 'widht' for teacher; its parameters are n, width, noise", bad);
        // the run refuses with the check's message, before any work
        Path json = dir.resolve("d.json");
        String[] run = {"fit", "--model", "2-4-1", "--data", "teacher:width=0", "--json", json.toString()};
        Cli.Result r = Cli.run(run);
        assertEquals(2, r.code(), r.toString());
        assertEquals(Main.check(null, run), r.err().strip());
        assertFalse(Files.exists(json));
    }

    /**
     * morse takes --grad-tol as fit does (one parser, Optimize.parseGradTol): a number, 'spec' or
     * 'rounding'. morse's refinement always runs to rounding level, so 'rounding' (fit's: to rounding
     * level, judged at SPEC's tolerance) is SPEC's tolerance; it used to be refused as no number,
     * so a sweep's grad_tol "rounding" for fit then morse was refused on the driver.
     */
    @Test
    void morseTakesFitsGradTolForms() throws Exception {
        for (String tol : List.of("rounding", "spec", "0", "1e-8", "ROUNDING")) {
            assertNull(check("morse", "--grad-tol", tol), tol);
            assertNull(check("fit", "--grad-tol", tol), tol);
        }
        assertEquals(check("fit", "--grad-tol", "rounded").replace("morse fit: ", ""), check("morse", "--grad-tol", "rounded").replace("morse morse: ", ""),
                "the same parser, the same message");
        refused("--grad-tol -1e-3: must be finite and ≥ 0", "morse", "--grad-tol", "-1e-3");
        // rounding and spec judge at SPEC's 1e-10·max(1,|L_R|); a number stands (θ as given: the threshold is what counts here)
        for (String tol : List.of("rounding", "spec", "1e-7")) {
            Path json = dir.resolve("morse-" + tol + ".json");
            Cli.Result r = Cli.run("morse", "--model", "3-4-1", "--data", "teacher:n=8", "-q", "--no-refine", "--grad-tol", tol, "--json", json.toString());
            assertEquals(0, r.code(), r.toString());
            var report = Cli.json(json);
            double expected = tol.equals("1e-7") ? 1e-7 : 1e-10 * Math.max(1, Math.abs(Cli.num(report, "loss")));
            assertEquals(expected, Cli.num(report, "grad_tol"), 0, tol);
            @SuppressWarnings("unchecked")
            var config = (java.util.Map<String, Object>) report.get("config");
            assertEquals(tol, config.get("grad_tol"), "recorded as given, so the report reruns");
        }
    }

    /**
     * The options the rest of the command line leaves without effect are refused by the checks, so
     * a sweep refuses them on its driver: each used to run with exit 0 and be ignored. Fashion-MNIST's
     * ",test=M" sizes train's held-out set only (no file is read to say so).
     */
    @Test
    void optionsThatWouldBeIgnoredAreRefusedWithoutRunning() {
        refused("--curvature-samples: goes with --curvature-every K", "train", "--curvature-samples", "64");
        refused("--curvature-probes: goes with --curvature-every K", "train", "--curvature-probes", "4");
        refused("--curvature-seed: goes with --curvature-every K", "train", "--curvature-seed", "1");
        assertNull(check("train", "--curvature-every", "2", "--curvature-samples", "64", "--curvature-probes", "4", "--curvature-seed", "1"));
        refused("--subsample-seed: goes with --subsample N", "fit", "--subsample-seed", "2");
        assertNull(check("fit", "--subsample", "4", "--subsample-seed", "2"));
        assertTrue(String.valueOf(Main.check(null, "fit", "--model", "2-4-1", "--inputs", "x.csv", "--data-seed", "3"))
                .startsWith("morse fit: --data-seed: the data come from --inputs x.csv, a file, which draws nothing, so --data-seed 3 would be ignored"));
        String fashion = "--model 784-10 --loss cross_entropy --data fashion-mnist:n=100";
        assertTrue(String.valueOf(Main.check(null, ("spectrum " + fashion + " --data-seed 3").split(" ")))
                .startsWith("morse spectrum: --data-seed: --data fashion-mnist:n=100 reads the first images of the shipped files and draws nothing"));
        assertNull(check("fit", "--data-seed", "3"), "teacher draws from it");
        refused("--plot-format: goes with --plots DIR", "spectrum", "--plot-format", "png");
        assertNull(check("spectrum", "--plots", "p", "--plot-format", "png"));
        refused("--log-scale: goes with --plots DIR", "density", "--log-scale");
        assertNull(check("density", "--plots", "p", "--log-scale"));
        refused("--seed-step: goes with a --penalty that draws probes or noise", "eval", "--seed-step", "1");
        // the spec as given: k comes from the file's rows, which are not read yet (a parsed spec would say :1)
        refused("the probes and noise of --penalty hessian_trace:0.1 come from the files given, so --seed-step 1 would be ignored",
                "eval", "--seed-step", "1", "--penalty", "hessian_trace:0.1", "--probes", "v.npy");
        assertNull(check("eval", "--seed-step", "1", "--penalty", "weight_noise:0.1"));
        // σ² = 0 draws nothing (the term is 0, the noise vanishes): the seed has no effect
        refused("--penalty hessian_trace:0 draws no probes or noise (σ² = 0: nothing to draw), so --seed-step 1 would be ignored",
                "eval", "--seed-step", "1", "--penalty", "hessian_trace:0");
        refused("σ² = 0: nothing to draw", "eval", "--seed-step", "1", "--penalty", "weight_noise:0.0:3");
        refused("σ² = 0: nothing to draw", "eval", "--seed-step", "1", "--penalty", "ggn_trace:0e-3", "--penalty", "sam:0.1");
        assertNull(check("eval", "--seed-step", "1", "--penalty", "ggn_trace:0", "--penalty", "weight_noise:1e-3"));
        assertTrue(String.valueOf(Main.check(null, "morse", "--model", "3-2", "--data", "teacher:n=8", "--activation", "relu"))
                .startsWith("morse morse: --activation: the model 3-2 has no hidden layer"));
        assertNull(Main.check(null, "morse", "--model", "3-2", "--data", "teacher:n=8"));
        // ,test=M: train's held-out set, and only when the shipped test split is the held-out set
        assertEquals("morse fit: --data fashion-mnist:n=10,test=5: test=M sizes the held-out set of 'morse train' (the first M of the "
                + "shipped test images), and 'fit' loads no test split, so it would be ignored; remove ,test=M",
                Main.check(null, "fit", "--model", "784-10", "--loss", "cross_entropy", "--data", "fashion-mnist:n=10,test=5"));
        assertTrue(String.valueOf(Main.check(null, "spectrum", "--model", "784-10", "--loss", "cross_entropy", "--data", "fashion-mnist:test=0"))
                .contains("'spectrum' loads no test split"));
        assertTrue(String.valueOf(Main.check(null, "train", "--model", "784-10", "--loss", "cross_entropy", "--data", "fashion-mnist:n=10,test=5",
                "--holdout", "0.2")).contains("--holdout 0.2 gives the held-out set here, so it would be ignored; remove ,test=M"));
        assertNull(Main.check(null, "train", "--model", "784-10", "--loss", "cross_entropy", "--data", "fashion-mnist:n=10,test=5"));
    }

    /**
     * Two penalties of one kind drew the same probes (hessian_trace:0.1 and hessian_trace:0.2 were
     * hessian_trace:0.3, without a word) or were one term: refused by Problem.checkTermsGoTogether,
     * in eval and train alike, before any file is read.
     */
    @Test
    void twoPenaltiesOfOneKindAreRefused() {
        refused("--penalty: penalties hessian_trace:0.1:1 and hessian_trace:0.2:1 are both hessian_trace (they would draw the same probes "
                + "from each step's seed, one hessian_trace term with the coefficients added); give each kind of penalty at most once",
                "eval", "--penalty", "hessian_trace:0.1", "--penalty", "hessian_trace:0.2");
        // two powers are not one term: the message says only that the kind is given twice
        refused("--penalty: penalties gradient_norm:0.1:1 and gradient_norm:0.2:2 are both gradient_norm; give each kind of penalty at most once",
                "train", "--penalty", "gradient_norm:0.1,gradient_norm:0.2:2");
        refused("--penalty: penalties hessian_trace:0.1:1 and hessian_trace:0.2:3 are both hessian_trace (both would draw their probes from "
                + "each step's seed); give each kind of penalty at most once", "eval", "--penalty", "hessian_trace:0.1", "--penalty", "hessian_trace:0.2:3");
        refused("penalties ggn_trace:0.1:2 and ggn_trace:0.1:2 are both ggn_trace", "train", "--penalty", "ggn_trace:0.1:2", "--penalty", "ggn_trace:0.1:2");
        assertNull(check("eval", "--penalty", "hessian_trace:0.1", "--penalty", "ggn_trace:0.1", "--penalty", "gradient_norm:0.1",
                "--penalty", "gradient_norm_ggn:0.1"), "kinds apart go together");
    }

    /** SyntheticData's parsed spec: each parameter given or the set's default; orthogonal's n defaults to d0. */
    @Test
    void aSyntheticSpecParsesToARecord() {
        assertEquals(new SyntheticData.Spec(" Teacher:n=8, noise=0.5", "teacher", 8, 0.5, 4, 1.5, 1.0, true), SyntheticData.parse(" Teacher:n=8, noise=0.5"));
        SyntheticData.Spec o = SyntheticData.parse("orthogonal:scale=2");
        assertNull(o.n());
        assertEquals(5, o.n(5));
        assertEquals(2.0, o.scale());
        assertEquals(100, SyntheticData.parse("spirals").n(2));
        // classes are the argmax of the noiseless scores: their description names no noise
        dev.morse.engine.Mlp m = dev.morse.engine.Mlp.of(dev.morse.engine.Activation.TANH, 3, 4, 2);
        assertEquals("gaussian:n=8", SyntheticData.generate(SyntheticData.parse("gaussian:n=8"), 1, m, dev.morse.engine.Loss.CROSS_ENTROPY).description());
        assertEquals("gaussian:n=8,noise=0.1", SyntheticData.generate(SyntheticData.parse("gaussian:n=8"), 1, m, dev.morse.engine.Loss.MSE).description());
    }

    /**
     * A refusal in the checks comes before any file is read or written: the run exits 2 with the
     * message Main.check gives, with inputs that do not exist and no report written.
     */
    @Test
    void theRunRefusesWithTheSameMessageBeforeAnyFile() {
        Path json = dir.resolve("r.json");
        String[][] runs = {
                {"train", "--optimizer", "adam", "--momentum", "0.9"},
                {"trace", "--method", "hutchpp", "--probes", "4"},
                {"density", "--grid", "5"},
                {"spectrum", "--k", "5", "--basis", "5"},
        };
        for (String[] run : runs) {
            List<String> a = new ArrayList<>(List.of(run[0], "--model", "2-4-1", "--inputs", dir.resolve("missing.npy").toString(),
                    "--targets", dir.resolve("missing-y.npy").toString(), "--json", json.toString()));
            a.addAll(Arrays.asList(run).subList(1, run.length));
            String[] args = a.toArray(new String[0]);
            String checked = Main.check(null, args);
            assertNotNull(checked, a.toString());
            Cli.Result r = Cli.run(args);
            assertEquals(2, r.code(), r.toString());
            assertEquals(checked, r.err().strip(), "the run's message is the check's");
            assertFalse(Files.exists(json));
        }
        String[] exact = {"trace", "--model", "1-2000-1", "--inputs", dir.resolve("missing.npy").toString(), "--targets",
                dir.resolve("missing-y.npy").toString(), "--json", json.toString(), "--method", "exact"};
        Cli.Result r = Cli.run(exact);
        assertEquals(2, r.code(), r.toString());
        assertEquals(Main.check(null, exact), r.err().strip(), "refused for P before the missing inputs are read");
    }

    /** One checker serves many configs of a step: a combination refused after its values passed apart. */
    @Test
    void aCheckerSeesEachCombination() {
        Main.Checker c = new Main.Checker();
        String cfg = "{\"command\": \"trace\", \"model\": \"2-4-1\", \"data\": \"teacher:n=8\", \"method\": \"%s\", \"probes\": %d}";
        assertNull(c.check(String.format(cfg, "hutchinson", 6), "trace", "--config", "x.json"));
        assertNull(c.check(String.format(cfg, "hutchinson", 4), "trace", "--config", "x.json"));
        assertNull(c.check(String.format(cfg, "hutchpp", 6), "trace", "--config", "x.json"));
        String bad = c.check(String.format(cfg, "hutchpp", 4), "trace", "--config", "x.json");
        assertTrue(bad != null && bad.contains("Hutch++ needs a budget of at least 6 products, got 4"), bad);
    }

    /**
     * fit's optimizer options against each optimizer, from the code of Optimize.run (which
     * optimizer reads which option): every option that the optimizer does not read is refused, with
     * the option named; every one it reads passes. `--optimizer newton --max-iter 5` ran 200
     * iterations; lbfgs took --lr, gd --history and lbfgs --krylov-iter in silence.
     */
    @Test
    void fitRefusesEveryOptionItsOptimizerDoesNotRead() {
        String[] optimizers = {"lbfgs", "gd", "newton", "newton_tr", "lbfgs_newton"};
        String[][] table = {
                // option, value, then read by: lbfgs, gd, newton, newton_tr, lbfgs_newton
                {"--max-iter", "5", "y", "y", "-", "-", "y"},
                {"--newton-iter", "5", "-", "-", "y", "y", "y"},
                {"--newton-dense-limit", "10", "-", "-", "y", "y", "y"},
                {"--krylov-iter", "7", "-", "-", "y", "p", "y"},   // p: read at P above --newton-dense-limit only (P = 17 here)
                {"--lr", "0.5", "-", "y", "-", "-", "-"},
                {"--history", "5", "y", "-", "-", "-", "y"},
                {"--grad-tol", "1e-6", "y", "y", "y", "y", "y"}};
        int refusals = 0;
        for (String[] row : table) {
            for (int i = 0; i < optimizers.length; i++) {
                String m = check("fit", "--optimizer", optimizers[i], row[0], row[1]);
                String what = "fit --optimizer " + optimizers[i] + " " + row[0] + " " + row[1];
                if (row[2 + i].equals("p")) {
                    assertNotNull(m, what + " is not read at P = 17 ≤ the default --newton-dense-limit, so it is refused");
                    assertNull(check("fit", "--optimizer", optimizers[i], row[0], row[1], "--newton-dense-limit", "10"),
                            what + " --newton-dense-limit 10 is read at P = 17, so it passes");
                } else if (row[2 + i].equals("y")) {
                    assertNull(m, what + " is read, so it passes");
                } else {
                    refusals++;
                    assertNotNull(m, what + " is not read, so it is refused");
                    assertTrue(m.startsWith("morse fit: " + row[0] + ": --optimizer " + optimizers[i] + " does not read it, so " + row[0]
                            + " " + row[1] + " would be ignored; "), m);
                }
            }
        }
        assertEquals(15, refusals);
        // the way out each names
        refused("its iteration limit is --newton-iter", "fit", "--optimizer", "newton", "--max-iter", "5");
        refused("its iteration limit is --max-iter", "fit", "--optimizer", "gd", "--newton-iter", "5");
        refused("remove --lr, or use --optimizer gd", "fit", "--lr", "0.5");
        refused("use --optimizer lbfgs or lbfgs_newton", "fit", "--optimizer", "gd", "--history", "5");
        // a default given on the command line counts: it is what the user wrote
        refused("--lr: --optimizer lbfgs does not read it", "fit", "--lr", "0.1");
        // a config's options at their defaults (a report's record) pass; another value there is refused, with the file named
        Main.Checker c = new Main.Checker();
        String cfg = "{\"command\": \"fit\", \"model\": \"2-4-1\", \"data\": \"teacher:n=8\", \"optimizer\": \"%s\", "
                + "\"lr\": %s, \"max_iter\": 1000, \"newton_iter\": 200, \"history\": 30}";
        assertNull(c.check(String.format(cfg, "newton", "0.1"), "fit", "--config", "x.json"));
        assertNull(c.check(String.format(cfg, "gd", "0.5"), "fit", "--config", "x.json"));
        String bad = c.check(String.format(cfg, "lbfgs", "0.5"), "fit", "--config", "x.json");
        assertTrue(bad != null && bad.startsWith("morse fit: --lr: --optimizer lbfgs (from x.json) does not read it, so --lr 0.5 (from x.json) "
                + "would be ignored"), bad);
        // --optimizer on the command line wins over the file: the file's gd options are left unused
        assertNull(c.check(String.format(cfg, "gd", "0.5"), "fit", "--config", "x.json", "--optimizer", "lbfgs"));
        bad = c.check(String.format(cfg, "gd", "0.1"), "fit", "--config", "x.json", "--optimizer", "lbfgs", "--lr", "0.5");
        assertTrue(bad != null && bad.startsWith("morse fit: --lr: --optimizer lbfgs does not read it, so --lr 0.5 would be ignored"), bad);
    }

    /**
     * The per-P refusals (--spectra above --dense-limit, newton_tr's --krylov-iter at P ≤
     * --newton-dense-limit) follow the rule of the other unread options: the command line wins over
     * a config file, whose option that the command line leaves unread is set back to its default;
     * otherwise refused, naming where each value came from (`--config r.json --dense-limit 40` with
     * r.json's spectra was refused, "remove it").
     */
    @Test
    void perPRefusalsLetTheCommandLineWinOverAConfig() {
        Main.Checker c = new Main.Checker();
        String morse = "{\"command\": \"morse\", \"model\": \"2-10-1\", \"data\": \"gaussian:n=5\", \"no_refine\": true, "
                + "\"spectra\": %s, \"dense_limit\": %d}";
        assertNull(c.check(String.format(morse, "true", 46340), "morse", "--config", "r.json", "--dense-limit", "40"),
                "the command line's --dense-limit leaves the file's --spectra unread: reset, not refused");
        String bad = c.check(String.format(morse, "true", 40), "morse", "--config", "r.json");
        assertTrue(bad != null && bad.contains("--spectra: P = 41 is above --dense-limit 40 (from r.json), where the report has only the "
                + "extreme eigenvalues (Lanczos) and no dense matrix, so --spectra (every eigenvalue of the dense H, G and M; from r.json) "
                + "would be ignored"), bad);
        bad = c.check(String.format(morse, "false", 40), "morse", "--config", "r.json", "--spectra");
        assertTrue(bad != null && bad.contains("above --dense-limit 40 (from r.json)") && bad.contains("so --spectra (every eigenvalue of "
                + "the dense H, G and M) would be ignored"), "the command line's --spectra against the file's limit: refused; " + bad);
        bad = c.check(String.format(morse, "true", 46340), "morse", "--config", "r.json", "--dense-limit", "40", "--spectra");
        assertTrue(bad != null && bad.contains("--spectra: P = 41 is above --dense-limit 40,"), bad);

        Main.Checker f = new Main.Checker();
        String fit = "{\"command\": \"fit\", \"model\": \"2-10-1\", \"data\": \"gaussian:n=5\", \"optimizer\": \"newton_tr\", "
                + "\"newton_dense_limit\": %d, \"krylov_iter\": 50}";
        assertNull(f.check(String.format(fit, 40), "fit", "--config", "f.json"), "P = 41 above the file's limit: CG reads it");
        assertNull(f.check(String.format(fit, 40), "fit", "--config", "f.json", "--newton-dense-limit", "3000"),
                "the command line's --newton-dense-limit leaves the file's --krylov-iter unread: reset, not refused");
        bad = f.check(String.format(fit, 3000), "fit", "--config", "f.json");
        assertTrue(bad != null && bad.contains("--krylov-iter: --optimizer newton_tr (from f.json) takes dense steps at P = 41 ≤ "
                + "--newton-dense-limit 3000 (from f.json)"), bad);
        bad = f.check(String.format(fit, 3000), "fit", "--config", "f.json", "--krylov-iter", "60");
        assertTrue(bad != null && bad.contains("so --krylov-iter 60 would be ignored"), bad);
    }

    /** morse's refinement options without refinement (--no-refine, --refine none), and --max-iter with --refine newton. */
    @Test
    void morseRefusesRefinementOptionsItDoesNotRead() {
        for (String o : List.of("--newton-iter", "--newton-dense-limit", "--krylov-iter", "--max-iter")) {
            refused(o + ": --no-refine analyses θ as given, without refinement, so " + o + " 5 (a refinement option) would be ignored; "
                    + "remove it, or drop --no-refine to refine", "morse", "--no-refine", o, "5");
            refused(o + ": --refine none analyses θ as given", "morse", "--refine", "none", o, "5");
            assertNull(check("morse", "--refine", "lbfgs_newton", o, "5"), o + " is read by lbfgs_newton");
        }
        refused("--max-iter: --refine newton runs Newton alone, so --max-iter 5 (the iteration limit of lbfgs_newton's L-BFGS phase) "
                + "would be ignored; Newton's limit is --newton-iter", "morse", "--max-iter", "5");
        for (String o : List.of("--newton-iter", "--newton-dense-limit", "--krylov-iter")) assertNull(check("morse", o, "5"), o);
        assertNull(check("morse", "--no-refine", "--grad-tol", "1e-6"), "--grad-tol is the threshold of critical, refined or not");
        // a report's config (every option at its default) reruns; --no-refine on the command line leaves the file's options unused
        Main.Checker c = new Main.Checker();
        String cfg = "{\"command\": \"morse\", \"model\": \"2-4-1\", \"data\": \"teacher:n=8\", \"no_refine\": %s, "
                + "\"newton_iter\": %d, \"max_iter\": 5000}";
        assertNull(c.check(String.format(cfg, "true", 100), "morse", "--config", "x.json"));
        assertNull(c.check(String.format(cfg, "false", 7), "morse", "--config", "x.json", "--no-refine"));
        String bad = c.check(String.format(cfg, "true", 7), "morse", "--config", "x.json");
        assertTrue(bad != null && bad.startsWith("morse morse: --newton-iter: --no-refine (from x.json) analyses θ as given, without "
                + "refinement, so --newton-iter 7 (from x.json)"), bad);
    }

    /**
     * The numbers and flags that the checks combine with other options are marked, so that sweeps
     * check them in every combination ({@link Main#checkedInCombination}); the others are not.
     */
    @Test
    void numbersCheckedWithOtherOptionsAreMarked() {
        CommandLine root = new CommandLine(new Main());
        assertEquals(Set.of("--momentum", "--nesterov", "--eps", "--holdout", "--holdout-seed", "--checkpoint-every", "--lr", "--epochs"),
                marked(root, "train"), "--lr and --epochs against a cosine schedule's lr_min and warm-up");
        assertEquals(Set.of("--probes"), marked(root, "trace"));
        assertEquals(Set.of("--k", "--basis"), marked(root, "spectrum"), "--basis must exceed --k (2k with --which both), at most P");
        assertEquals(Set.of(), marked(root, "density"), "--sigma and --grid are checked each alone");
        assertEquals(Set.of("--newton-dense-limit"), marked(root, "fit"), "newton_tr's --krylov-iter is read above it only");
        assertEquals(Set.of("--dense-limit", "--spectra"), marked(root, "morse"), "--spectra is read at P ≤ --dense-limit only");
        for (String c : List.of("eval", "init")) assertEquals(Set.of(), marked(root, c), c);
    }

    /**
     * Every option that names a file the command writes is marked {@link WritesFiles} (sweeps put
     * those into the task folder, {@link Main#writesFiles}, and reports leave them out of their
     * config): each option of type Path, in every command, is either marked or one of the inputs
     * listed here. A new Path option fails this test until it is classified.
     */
    @Test
    void everyOptionThatNamesAFileIsAnInputOrMarkedAsWritten() {
        Set<String> inputs = Set.of("--config", "--weights", "--inputs", "--targets", "--test-inputs", "--test-targets",
                "--probes", "--noise");
        Set<String> written = new TreeSet<>();
        CommandLine root = new CommandLine(new Main());
        for (var c : root.getSubcommands().entrySet()) {
            for (CommandLine.Model.OptionSpec o : c.getValue().getCommandSpec().options()) {
                if (Main.writesFiles(o)) {
                    written.add(o.longestName());
                } else if (o.type() == java.nio.file.Path.class) {
                    assertTrue(inputs.contains(o.longestName()), c.getKey() + " " + o.longestName()
                            + " names a file: mark it @WritesFiles if the command writes it, or list it here as an input");
                }
            }
        }
        assertEquals(Set.of("--json", "--plots", "--save", "--save-vectors", "--save-gradient", "--checkpoint-dir", "--resume", "--out"),
                written);
        assertTrue(Main.writesFiles(root.getSubcommands().get("eval").getCommandSpec().findOption("save-gradient")));
    }

    /**
     * A report's config records no option that names a file the command writes, in any command,
     * given or not: each is given a value here and looked for in {@link Report#configText}. The
     * marks ({@link WritesFiles}) are the one place for that; {@link Report#PRESENTATION_OPTIONS}
     * holds only options that name no file (a list of outputs of its own had to follow the marks).
     */
    @Test
    void noOptionThatWritesAFileIsRecordedInAReportsConfig() {
        CommandLine root = new CommandLine(new Main());
        int checked = 0;
        for (var c : root.getSubcommands().entrySet()) {
            CommandLine.Model.CommandSpec spec = c.getValue().getCommandSpec();
            List<String> written = new java.util.ArrayList<>();
            for (CommandLine.Model.OptionSpec o : spec.options()) {
                if (!Main.writesFiles(o)) continue;
                o.setValue(o.type() == java.nio.file.Path.class ? java.nio.file.Path.of("written-" + o.longestName().substring(2)) : "x");
                written.add(ConfigFile.normalize(o.longestName()).replace('-', '_'));
                assertFalse(Report.PRESENTATION_OPTIONS.contains(ConfigFile.normalize(o.longestName())),
                        c.getKey() + " " + o.longestName() + ": marked as written, so not a presentation option");
            }
            if (written.isEmpty()) continue;
            String config = Report.configText(spec);
            for (String k : written) {
                assertFalse(config.contains("\"" + k + "\"") || config.contains("written-"), c.getKey() + ": " + k + " recorded in " + config);
                checked++;
            }
        }
        assertTrue(checked >= 12, "options checked: " + checked);
    }

    private static Set<String> marked(CommandLine root, String command) {
        Set<String> s = new TreeSet<>();
        for (CommandLine.Model.OptionSpec o : root.getSubcommands().get(command).getCommandSpec().options()) {
            if (Main.checkedInCombination(o)) s.add(o.longestName());
        }
        return s;
    }
}
