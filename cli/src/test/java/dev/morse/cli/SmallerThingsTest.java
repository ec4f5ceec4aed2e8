package dev.morse.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.morse.io.Npy;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 10's smaller causes: overflowing curvature, density's label, --subsample, the help texts. */
class SmallerThingsTest {

    @TempDir
    Path dir;

    /**
     * morse --help said --nearest K sets the eigenvalues reported at each end of the spectrum; with
     * the default inertia counts the ends are 3 each (a sweep task's morse.json had 6 extremes and 10
     * nearest zero). The help says which paths K sets the ends on.
     */
    @Test
    void nearestHelpSaysWhatItSetsByDefault() {
        Cli.Result help = Cli.run("morse", "--help");
        String text = help.out().replaceAll("\\s+", " ");
        assertTrue(text.contains("How many eigenvalues nearest zero to report (default: 10). The ends of the spectrum get "
                + dev.morse.analysis.MorseReport.INERTIA_EXTREMES + " each from the default inertia counts, and K each from the full spectra"), text);
        assertTrue(text.contains("and above --dense-limit"), text);
    }

    /** doctor --strict's message named each missing backend with a sentence that ended in a space. */
    @Test
    void doctorStrictSaysWhatIsMissingWithoutATrailingSpace() {
        assertEquals("morse doctor --strict: native LAPACK is missing (see 'blas selection' above for why).", DoctorCommand.strictFailure(false, true));
        assertEquals("morse doctor --strict: the Vector API is not in use (run with --add-modules jdk.incubator.vector).",
                DoctorCommand.strictFailure(true, false));
        assertEquals("morse doctor --strict: native LAPACK is missing (see 'blas selection' above for why); the Vector API is not in use "
                + "(run with --add-modules jdk.incubator.vector).", DoctorCommand.strictFailure(false, false));
    }

    /**
     * The model and θ in words: the weights-length error showed "bias=[false, false]" (a Java
     * array), and init --init gaussian:0 said "seed 0" although nothing is drawn.
     */
    @Test
    void theModelAndTheInitAreDescribedInWords() throws Exception {
        Path w = dir.resolve("w.npy");
        Npy.write(w, new double[5]);
        Cli.Result r = Cli.run("spectrum", "-q", "--model", "3-4-1", "--no-bias", "all", "--data", "gaussian", "--weights", w.toString());
        assertEquals(2, r.code(), r.toString());
        assertTrue(r.err().contains(" without biases (layer by layer") && !r.err().contains("bias=["), r.err());
        r = Cli.run("spectrum", "-q", "--model", "3-4-1", "--no-bias", "1", "--data", "gaussian", "--weights", w.toString());
        assertTrue(r.err().contains(" with biases only in layer 2 (layer by layer"), r.err());
        r = Cli.run("init", "--model", "3-4-1", "--init", "gaussian:0", "--save", dir.resolve("t.npy").toString());
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().contains("init gaussian:0.0 (θ = 0, nothing drawn)") && !r.out().contains("seed"), r.out());
        r = Cli.run("init", "--model", "3-4-1", "--init", "gaussian:0.5", "--seed", "3", "--save", dir.resolve("t3.npy").toString());
        assertTrue(r.out().contains("init gaussian:0.5, seed 3"), r.out());
        // The summary names the layout, not an activation that takes no part in drawing θ (it said "init · 3-4-1 relu").
        r = Cli.run("init", "--model", "3-4-1", "--activation", "relu", "--no-bias", "1", "--save", dir.resolve("t4.npy").toString());
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().startsWith("init · 3-4-1 with biases only in layer 2 · P = 17\n") && !r.out().contains("relu"), r.out());
    }

    @Test
    void curvatureThatOverflowsAtThetaIsANumericalFailureNamingTheCause() throws Exception {
        // 3-4-1: two identical hidden units with output weights ±1e160 cancel (f = 0, the loss is
        // finite, the gradient ~1e160), but the Gauss–Newton part of H is ~(1e160)² = ∞.
        double[] theta = new double[21];
        for (int k = 0; k < 3; k++) {
            theta[k] = 0.1 * (k + 1);
            theta[3 + k] = 0.1 * (k + 1);
        }
        theta[16] = 1e160;
        theta[17] = -1e160;
        assertOverflow(theta, "non-finite curvature at θ", "1.00e+160");
        double[] huge = new double[21];
        Arrays.fill(huge, 1e200);
        assertOverflow(huge, "non-finite loss at θ: L_R(θ) = Infinity", "1.00e+200");
    }

    /**
     * An overflow is blamed on what overflowed: the regularizer when the data part is finite
     * (--reg l2:1e308 at weights of size 0.5 was blamed on the weights: "check --weights, or rescale
     * them"), the data when the weights are of moderate size, the weights only when they are huge.
     */
    @Test
    void overflowNamesTheRegularizerOrTheDataNotModerateWeights() throws Exception {
        String[] tiny = SpectrumReferenceTest.writeTinyProblem(dir);
        for (String reg : new String[] {"l2:1e308", "multiplicative:1e308"}) {
            for (String command : new String[] {"spectrum", "morse", "density", "trace", "fit", "eval"}) {
                Cli.Result r = Cli.run(concat(concat(new String[] {command}, tiny), "--reg", reg));
                assertEquals(3, r.code(), command + " " + reg + ": " + r);
                assertTrue(r.err().contains("the largest |θ_i| is 0.") && r.err().contains("the regularizer " + reg.substring(0, reg.indexOf(':')))
                        && r.err().contains("lower it (--reg)") && !r.err().contains("--weights"), command + " " + reg + ": " + r.err());
            }
        }
        double[] y = new double[6];
        Arrays.fill(y, 1e200);
        Path targets = dir.resolve("huge-y.npy");
        Npy.write(targets, y);
        String[] args = tiny.clone();
        args[Arrays.asList(args).indexOf("--targets") + 1] = targets.toString();
        Cli.Result r = Cli.run(concat(new String[] {"trace"}, args));
        assertEquals(3, r.code(), r.toString());
        assertTrue(r.err().contains("the data loss overflows at weights of moderate size") && r.err().contains("the largest |y| 1.00e+200")
                && !r.err().contains("--weights"), r.err());
    }

    private void assertOverflow(double[] theta, String message, String largest) throws Exception {
        String[] tiny = SpectrumReferenceTest.writeTinyProblem(dir);
        Path w = dir.resolve("huge.npy");
        Npy.write(w, theta);
        for (String command : new String[] {"spectrum", "morse", "density", "trace"}) {
            String[] args = tiny.clone();
            args[Arrays.asList(args).indexOf("--weights") + 1] = w.toString();
            String[] all = new String[args.length + 1];
            all[0] = command;
            System.arraycopy(args, 0, all, 1, args.length);
            Cli.Result r = Cli.run(all);
            assertEquals(3, r.code(), command + ": " + r);
            assertTrue(r.err().contains(message) && r.err().contains(largest), command + ": " + r.err());
            assertTrue(!r.err().contains("LAPACK needs finite input"), r.err());
        }
    }

    @Test
    void densityLabelsTheMassBelowMinusSigmaTruthfully() throws Exception {
        String[] tiny = SpectrumReferenceTest.writeTinyProblem(dir);
        String[] all = new String[tiny.length + 1];
        all[0] = "density";
        System.arraycopy(tiny, 0, all, 1, tiny.length);
        Cli.Result r = Cli.run(all);
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().contains("mass below −σ") && !r.out().contains("mass below 0"), r.out());
    }

    @Test
    void subsampleDrawsASeededRandomSubset() throws Exception {
        String[] base = {"trace", "-q", "--model", "2-3-1", "--data", "gaussian:n=40", "--method", "hutchinson", "--probes", "4"};
        Map<String, Object> a = report(base, "a", "--subsample", "10", "--subsample-seed", "1");
        Map<String, Object> b = report(base, "b", "--subsample", "10", "--subsample-seed", "1");
        Map<String, Object> c = report(base, "c", "--subsample", "10", "--subsample-seed", "2");
        Map<String, Object> first = report(base, "f", "--samples", "10");
        assertEquals(10, Cli.num(a, "N"), 0);
        assertEquals(a.get("estimate"), b.get("estimate"), "same seed, same subset");
        assertNotEquals(a.get("estimate"), c.get("estimate"), "another seed, another subset");
        assertNotEquals(a.get("estimate"), first.get("estimate"), "not the first 10");
        String data = (String) ((Map<?, ?>) a.get("problem")).get("data");
        assertTrue(data.contains("random subsample of 10 of 40 samples (seed 1)"), data);
        assertEquals(10.0, ((Map<?, ?>) a.get("config")).get("subsample"));
        Cli.Result tooMany = Cli.run(concat(base, "--subsample", "41"));
        assertEquals(2, tooMany.code());
        assertTrue(tooMany.err().contains("--subsample: 41 samples asked, the data have 40"), tooMany.err());
    }

    /** morse --help states SPEC §6's τ: c·P·ε·s with s = ‖G‖₂ + ‖M‖₂ + ‖R″‖₂ (it said c·P·ε·‖H‖₂, which the tool does not use). */
    @Test
    void morseHelpStatesTheTauTheToolUses() {
        String help = Cli.run("morse", "--help").out().replaceAll("\\s+", " ");
        assertTrue(!help.contains("P·ε·‖H‖₂"), help);
        assertTrue(help.contains("c in τ = c·P·ε·s, s = ‖G‖₂ + ‖M‖₂ + ‖R″‖₂ (‖H‖₂ with the multiplicative regularizer"), help);
        assertTrue(help.contains("(0: use c·P·ε·s)"), help);
    }

    @Test
    void helpSaysWhatHutchPlusPlusProbesMean() {
        Cli.Result r = Cli.run("trace", "--help");
        assertTrue(r.out().replaceAll("\\s+", " ").contains("Hutch++: the budget of operator products"), r.out());
        assertTrue(Cli.run("spectrum", "--help").out().contains("--subsample"));
    }

    private Map<String, Object> report(String[] base, String name, String... extra) {
        Path json = dir.resolve(name + ".json");
        Cli.Result r = Cli.run(concat(concat(base, extra), "--json", json.toString()));
        assertEquals(0, r.code(), r.toString());
        return Cli.json(json);
    }

    private static String[] concat(String[] a, String... b) {
        String[] r = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }

    @Test
    void theMorseReportStatesTheAssemblyRateAgainstACachedDgemmCeilingOnly() {
        assertEquals("dense assembly 61.4 GFLOP/s", MorseCommand.assemblyRate(61.4, 2, java.util.Optional.empty()),
                "no ceiling cached: the rate alone (nothing is measured)");
        var c = new dev.morse.linalg.DgemmCeiling.Result(72.9, 124.6, 109.4, 124.6, 2, 1024, "key", "2026-12-02T03:19:57Z",
                1.99, 1.9, null, true);
        assertEquals("dense assembly 61.4 GFLOP/s (49 % of the dgemm ceiling 124.6; 56 % of one GEMM per worker, 109.4"
                + " GFLOP/s, measured 2026-12-02T03:19:57Z)", MorseCommand.assemblyRate(61.4, 2, java.util.Optional.of(c)));
        assertEquals("dense assembly 61.4 GFLOP/s (84 % of the dgemm ceiling 72.9 GFLOP/s, measured 2026-12-02T03:19:57Z)",
                MorseCommand.assemblyRate(61.4, 1, java.util.Optional.of(c)), "--threads 1: the one-thread ceiling");
        var busy = new dev.morse.linalg.DgemmCeiling.Result(50, 50, 50, 50, 1, 1024, "key", "t", 10.3, 1.0, null, true);
        assertEquals("dense assembly 40.0 GFLOP/s (80 % of the dgemm ceiling 50.0 GFLOP/s, measured t on a busy machine)",
                MorseCommand.assemblyRate(40, 1, java.util.Optional.of(busy)));
    }

    /**
     * bench's CPU column counts the whole process, as PyTorch's process_time does: CPU burnt by
     * another thread (here a plain Java thread; the JIT, GC and OpenBLAS threads alike) is in it,
     * at better than the JVM's 10 ms process clock.
     */
    @Test
    void benchsProcessCpuClockCountsOtherThreads() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(System.getProperty("os.name").toLowerCase(java.util.Locale.ROOT).contains("linux"));
        assertTrue(ProcessCpuTime.ProcessClock.nanos() > 0, "clock_gettime(CLOCK_PROCESS_CPUTIME_ID) through FFM");
        long before = ProcessCpuTime.nanos();
        Thread busy = new Thread(() -> {
            long end = java.lang.management.ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime() + 60_000_000L;
            double x = 0;
            while (java.lang.management.ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime() < end) x += Math.sqrt(x + 1);
            if (x == 42) System.out.print("");
        });
        busy.start();
        busy.join();   // the thread is gone: a sum over live threads would not count it
        long spent = ProcessCpuTime.nanos() - before;
        assertTrue(spent >= 55_000_000L, "the finished thread's 60 ms are counted: " + spent / 1e6 + " ms");
    }

    /**
     * A single-valued option given twice is refused by name: picocli started a new instance of the
     * option's group at the repeat, so `--seed 1 --seed 2` lost --model and failed with "no model".
     */
    @Test
    void newtonOnAModifiedActivationStepsWithTheTrueHessian() {
        // diminished_gelu's "Hessian" is not the Jacobian of ∇L_R: Newton with it stalled at ‖∇‖ ≈ 2e-3
        // after 100 iterations (exit 3); with GELU's true Hessian it reaches the rounding level.
        for (String command : new String[] {"morse", "fit"}) {
            String[] args = {command, "--model", "3-6-1", "--data", "gaussian:n=20", "--activation", "diminished_gelu"};
            Cli.Result r = Cli.run(command.equals("fit") ? concat(args, "--optimizer", "newton", "--grad-tol", "rounding") : args);
            assertEquals(0, r.code(), r.toString());
            assertTrue(r.out().contains("Newton steps used the true Hessian (σ″ of gelu)"), r.toString());
        }
        Cli.Result lbfgs = Cli.run("fit", "--model", "3-6-1", "--data", "gaussian:n=20", "--activation", "augmented_relu:2", "--optimizer", "lbfgs");
        assertTrue(lbfgs.out().contains("modified operators") && !lbfgs.out().contains("Newton steps"), lbfgs.toString());
    }

    @Test
    void aRepeatedOptionIsRefusedByName() {
        Cli.Result r = Cli.run("spectrum", "--model", "3-4-1", "--data", "teacher:n=8", "--seed", "1", "--seed=2");
        assertEquals(2, r.code(), r.toString());
        assertTrue(r.err().contains("--seed is given 2 times"), r.err());
        Cli.Result clustered = Cli.run("spectrum", "--model", "3-4-1", "--data", "teacher:n=8", "-qq");
        assertEquals(2, clustered.code(), clustered.toString());
        assertTrue(clustered.err().contains("--quiet is given 2 times"), clustered.err());
        Cli.Result ok = Cli.run("spectrum", "-q", "--model", "3-4-1", "--data", "teacher:n=8", "--seed", "1", "--no-bias", "1", "--no-bias", "2");
        assertEquals(0, ok.code(), "a multi-valued option may repeat: " + ok);
    }
}
