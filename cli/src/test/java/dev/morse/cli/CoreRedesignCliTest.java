package dev.morse.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** CLI-level regressions of the engine redesign (issue 9): Lanczos BOTH restarts, exit codes, τ inputs. */
class CoreRedesignCliTest {

    @TempDir
    Path dir;

    /** Regression: --which both --basis 2k+2 crashed the thick restart (exit 1). */
    @Test
    void lanczosBothEndsWithTheSmallestBasis() {
        Cli.Result r = Cli.run("spectrum", "--model", "3-12-1", "--data", "gaussian:n=40", "--method", "lanczos", "--which", "both",
                "--k", "5", "--basis", "12", "--max-restarts", "2000", "--quiet");
        assertEquals(0, r.code(), r.toString());
    }

    /** Only bad input exits 2; a failed internal check is a bug: exit 1, one line, the trace only with --debug. */
    @Test
    void internalErrorsAreNotBadUsage() {
        assertEquals(Main.EXIT_USAGE, Main.exitCodeFor(new dev.morse.io.InputException("bad file")));
        assertEquals(1, Main.exitCodeFor(new IllegalArgumentException("an engine check failed")));
        assertEquals(1, Main.exitCodeFor(new IllegalStateException("oops")));
        // the engine's long work ends so when its thread is interrupted: interrupted, not a bug
        assertEquals(Main.EXIT_INTERRUPTED, Main.exitCodeFor(new java.util.concurrent.CancellationException("Lanczos was interrupted")));
        assertEquals(Main.EXIT_NUMERICAL, Main.exitCodeFor(CliException.numerical("no convergence")));
        // the engine's rule: a value computed at θ that overflowed is a numerical failure, not the caller's bad argument
        assertEquals(Main.EXIT_NUMERICAL, Main.exitCodeFor(new dev.morse.linalg.NonFiniteValueException("non-finite loss or gradient at θ")));
        assertEquals(Main.EXIT_NUMERICAL, Main.exitCodeFor(new dev.morse.linalg.NonFiniteMatrixException("the dense matrix of H")));
        // contradictory backend properties are a usage error, not a numerical failure (exit 3 before)
        assertEquals(Main.EXIT_USAGE, Main.exitCodeFor(new dev.morse.linalg.BackendConfigurationException("native and java")));
    }

    /**
     * -Dmorse.linalg=native with -Dmorse.blas=java asks for native LAPACK and for no native library:
     * refused at start-up as a usage error (exit 2), before any file is read; it used to fail at the
     * first dense operation with exit 3, a numerical failure. doctor prints its report, then says so.
     * The properties are read when a command starts, so they can be set here; the backend this JVM
     * chose is chosen first, so that doctor's report does not make the choice under them.
     */
    @Test
    void contradictoryBackendPropertiesAreRefusedAtStartUp() {
        dev.morse.linalg.Linalg.get();
        dev.morse.linalg.Backends.report();
        String linalg = System.getProperty("morse.linalg"), blas = System.getProperty("morse.blas");
        System.setProperty("morse.linalg", "native");
        System.setProperty("morse.blas", "java");
        try {
            Cli.Result r = Cli.run("eval", "--model", "3-4-1", "--data", "teacher:n=8", "-q");
            assertEquals(Main.EXIT_USAGE, r.code(), r.toString());
            assertTrue(r.err().startsWith("morse eval: -Dmorse.linalg=native (native LAPACK or nothing) contradicts -Dmorse.blas=java"), r.err());
            assertTrue(r.err().contains("drop -Dmorse.blas=java for native, or -Dmorse.linalg=native for the pure-Java fallback"), r.err());
            Cli.Result d = Cli.run("doctor");
            assertEquals(Main.EXIT_USAGE, d.code(), d.toString());
            assertTrue(d.out().contains("linalg selection:"), "the report comes first: " + d.out());
            assertTrue(d.err().startsWith("morse doctor: -Dmorse.linalg=native"), d.err());
            // bench, no BaseCommand, refuses it in its own checks, before any warm-up
            Cli.Result b = Cli.run("bench", "--model", "3-4-1", "--batch", "8", "--products", "gradient", "--reps", "1");
            assertEquals(Main.EXIT_USAGE, b.code(), b.toString());
            assertTrue(b.err().startsWith("morse bench: -Dmorse.linalg=native"), b.err());
            // the sweeps' check of a command line (Main.check) refuses it too, on the driver
            assertTrue(String.valueOf(Main.check(null, "eval", "--model", "3-4-1", "--data", "teacher:n=8")).contains("contradicts -Dmorse.blas=java"));
            System.setProperty("morse.linalg", "auto");
            assertEquals(0, Cli.run("eval", "--model", "3-4-1", "--data", "teacher:n=8", "-q").code(), "auto with java is no contradiction");
        } finally {
            restore("morse.linalg", linalg);
            restore("morse.blas", blas);
        }
    }

    private static void restore(String key, String value) {
        if (value == null) System.clearProperty(key);
        else System.setProperty(key, value);
    }

    /**
     * A solve with a factor that overflows (a subnormal, nonzero pivot), as the Morse check's
     * shift-invert Lanczos runs them, is a numerical failure: exit 3. Its Infinity used to reach
     * the Lanczos's product check, an IllegalArgumentException: exit 1, "internal error". (No
     * command line reaches such a pivot on purpose: H ∓ τI would have to round to a subnormal.)
     */
    @Test
    void aSolveThatOverflowsExitsAsANumericalFailure() {
        dev.morse.linalg.LdltFactorization f = dev.morse.linalg.Linalg.get().ldltInPlace(new double[] {1, 0, 0, Double.MIN_VALUE}, 2, 0);
        RuntimeException e = org.junit.jupiter.api.Assertions.assertThrows(RuntimeException.class, () -> f.solve(new double[] {1, 1}));
        assertEquals(Main.EXIT_NUMERICAL, Main.exitCodeFor(e), e.toString());
    }

    @Test
    void debugFlagIsAcceptedAnywhereAndDoesNotReachCommands() {
        Cli.Result r = Cli.run("spectrum", "--model", "2-3-1", "--data", "gaussian:n=8", "--debug", "--quiet");
        assertEquals(0, r.code(), r.toString());
    }

    /** The report gives τ's scale with its parts (SPEC §6: ‖G‖₂ + ‖M‖₂ + ‖R″‖₂ for H assembled from them). */
    @Test
    void morseReportStatesTauInputs() {
        Path json = dir.resolve("m.json");
        Cli.Result r = Cli.run("morse", "--model", "2-4-1", "--data", "teacher:n=6", "--reg", "l2:1e-3", "--no-refine", "--json", json.toString(), "--quiet");
        assertEquals(0, r.code(), r.toString());
        @SuppressWarnings("unchecked")
        Map<String, Object> in = (Map<String, Object>) Cli.json(json).get("tau_inputs");
        assertEquals("parts", in.get("scale_source"));
        double s = Cli.num(in, "ggn_norm") + Cli.num(in, "nme_norm") + Cli.num(in, "regularizer_norm");
        assertEquals(s, Cli.num(in, "scale"), 1e-15 * s, "scale = ‖G‖₂ + ‖M‖₂ + ‖R″‖₂");
        assertEquals(1e-3, Cli.num(in, "regularizer_norm"), 1e-18);
        assertFalse(r.out().contains("‖H‖₂ = NaN"), r.out());
    }
}
