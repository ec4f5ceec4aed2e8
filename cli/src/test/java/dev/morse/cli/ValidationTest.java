package dev.morse.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Numeric options are validated where they are parsed ({@link Checks}): one test per option
 * family, each with values that were accepted silently before (NaN, infinities, Java literal
 * syntax, out-of-range counts), checking exit 2 and the option's name in the one-line message.
 */
class ValidationTest {

    @TempDir
    Path dir;

    String[] tiny;

    @BeforeEach
    void setUp() throws Exception {
        tiny = SpectrumReferenceTest.writeTinyProblem(dir);
    }

    private Cli.Result run(String command, String... extra) {
        List<String> a = new ArrayList<>();
        a.add(command);
        a.addAll(Arrays.asList(tiny));
        a.addAll(Arrays.asList(extra));
        return Cli.run(a.toArray(new String[0]));
    }

    /** Exit 2, one line, naming the option and the bad value. */
    private static void refused(Cli.Result r, String option, String value) {
        assertEquals(2, r.code(), r.toString());
        assertTrue(r.err().contains(option), "names " + option + ": " + r.err());
        assertTrue(r.err().contains(value), "shows the value " + value + ": " + r.err());
        assertTrue(r.out().isEmpty(), "no results printed: " + r.out());
    }

    @Test
    void positiveRealsRejectNanInfinityZeroAndNegatives() {
        for (String v : List.of("NaN", "Infinity", "-Infinity", "-1", "0", "inf")) {
            refused(run("spectrum", "--tau-factor", v), "--tau-factor", v);
        }
        refused(run("morse", "--tau-factor", "nan"), "--tau-factor", "nan");
        refused(run("fit", "--lr", "-0.1"), "--lr", "-0.1");
        refused(Cli.run("demo", "--l2", "1e309", "--out", dir.resolve("d").toString()), "--l2", "1e309");
    }

    @Test
    void javaLiteralSyntaxIsNotANumber() {
        for (String v : List.of("1d", "2f", "0x1p3", "1_0", "١")) {
            refused(run("spectrum", "--tau-factor", v), "--tau-factor", v);
        }
        refused(run("morse", "--abs-tol", "0x1p-3"), "--abs-tol", "0x1p-3");
        assertTrue(run("spectrum", "--tau-factor", "1d").err().contains("decimal notation"));
    }

    @Test
    void nonNegativeRealsAndTheDensityKernel() {
        refused(run("density", "--sigma", "-1"), "--sigma", "-1");
        refused(run("density", "--sigma", "NaN"), "--sigma", "NaN");
        // 1e308 is finite, but the grid (nodes ± 5σ) is not: it used to print NaN densities and exit 0.
        refused(run("density", "--sigma", "1e308"), "--sigma", "1.0E308");
        refused(run("density", "--sigma", "4.9e-324"), "--sigma", "4.9E-324");
        refused(run("morse", "--grad-tol", "-1e-3"), "--grad-tol", "-1e-3");
    }

    /**
     * σ below the grid spacing (range + 10σ)/(G − 1): the kernels fall between the grid points, and
     * the "density" integrated to 439 (σ = 1e-12) or 8e294 (σ = 1e-300) with exit 0.
     */
    @Test
    void aKernelNarrowerThanTheGridSpacingIsRefused() {
        refused(run("density", "--sigma", "1e-12"), "--sigma: 1.0E-12 is below the grid spacing", "; give --sigma ≥ ");
        refused(run("density", "--sigma", "1e-300"), "--sigma: 1.0E-300 is below the grid spacing", "; give --sigma ≥ ");
        // The default σ (1% of the node range) needs 111 points; fewer is refused, naming --grid.
        refused(run("density", "--grid", "50"), "--grid: the default --sigma", "or raise --grid to at least 111");
        refused(run("density", "--grid", "11"), "--grid: 11 points", "give --grid 12 or more");
        assertEquals(0, run("density", "--grid", "111").code(), "the default σ at 111 points");
        assertEquals(0, run("density").code(), "the defaults");
        assertEquals(0, run("density", "--sigma", "0.05").code(), "a σ above the spacing");
    }

    @Test
    void relativeTolerancesLieBetweenZeroAndOne() {
        refused(run("spectrum", "--method", "lanczos", "--tol", "1"), "--tol", "1");
        refused(run("spectrum", "--method", "lanczos", "--tol", "0"), "--tol", "0");
    }

    @Test
    void countsHaveTheirLowerBounds() {
        refused(run("spectrum", "--k", "0"), "--k", "0");
        refused(run("spectrum", "--method", "lanczos", "--max-restarts", "-1"), "--max-restarts", "-1");
        refused(run("spectrum", "--method", "lanczos", "--basis", "-5"), "--basis", "-5");
        refused(run("density", "--grid", "1"), "--grid", "1");
        refused(run("density", "--steps", "2.5"), "--steps", "2.5");
        refused(run("trace", "--probes", "1e3"), "--probes", "1e3");
        refused(run("fit", "--history", "0"), "--history", "0");
        refused(run("fit", "--max-iter", "99999999999"), "--max-iter", "99999999999");
        refused(run("spectrum", "--samples", "0"), "--samples", "0");
        refused(run("spectrum", "--chunk-rows", "-3"), "--chunk-rows", "-3");
    }

    /**
     * Options that were accepted and ignored: --samples above N (kept all N, while --subsample above N
     * is refused), --target-column with a built-in data set, and morse's --no-refine with --refine X.
     */
    @Test
    void optionsThatWouldBeIgnoredAreRefused() {
        refused(run("spectrum", "--samples", "7"), "--samples", "7 samples asked, the data have 6; give at most 6");
        assertEquals(0, run("trace", "--samples", "6").code(), "--samples N is all of them");
        refused(Cli.run("trace", "-q", "--model", "2-3-1", "--data", "gaussian:n=40", "--samples", "41"), "--samples",
                "41 samples asked, the data have 40; give at most 40");
        refused(Cli.run("trace", "-q", "--model", "2-3-1", "--data", "gaussian:n=40", "--target-column", "y"), "--target-column",
                "not with the built-in --data gaussian:n=40");
        refused(run("morse", "--no-refine", "--refine", "lbfgs_newton"), "--no-refine and --refine lbfgs_newton", "contradict");
        assertEquals(0, run("morse", "--no-refine", "--refine", "none").code(), "the same thing twice is no contradiction");
    }

    @Test
    void threadsAreBounded() {
        refused(run("spectrum", "--threads", "0"), "--threads", "0");
        refused(run("spectrum", "--threads", "2147483647"), "--threads", "2147483647");
        refused(Cli.run("bench", "--threads", "100000"), "--threads", "100000");
    }

    @Test
    void benchRefusesALossThatDoesNotFitTheModel() {
        // cross_entropy (bench's default loss) on one output was an "internal error" (exit 1).
        refused(Cli.run("bench", "--model", "20-50-50-1", "--batch", "64", "--products", "gradient"), "--loss mse", "20-50-50-1");
        refused(Cli.run("bench", "--model", "3", "--products", "gradient"), "--model", "3");
        refused(Cli.run("bench", "--model", "3-4-2", "--activation", "foo", "--products", "gradient"), "--activation", "foo");
    }

    /** --eigh alone times a seeded random matrix: --model and the other products' options did nothing, in silence. */
    @Test
    void benchEighAloneRefusesTheProductsOptions() {
        refused(Cli.run("bench", "--eigh", "8", "--model", "3-4-1"), "3-4-1", "--model: --eigh 8 times no product, so --model 3-4-1 would be ignored; "
                + "it sets the products' network and data, and eigh times a seeded random 8×8 matrix: remove it, or add --products");
        refused(Cli.run("bench", "--eigh", "8", "--products", "none", "--batch-size", "4"), "4",
                "--batch-size: --eigh 8 times no product (--products none), so --batch-size 4 would be ignored");
        refused(Cli.run("bench", "--eigh", "8", "--loss", "mse"), "mse", "--loss: --eigh 8 times no product");
        refused(Cli.run("bench", "--eigh", "8", "--warmup-seconds", "1"), "--warmup-seconds 1", "eigh is warmed up by --warmup calls only");
    }

    @Test
    void seedsAreWholeNumbers() {
        refused(run("trace", "--probe-seed", "1.5"), "--probe-seed", "1.5");
        refused(run("spectrum", "--seed", "0x10"), "--seed", "0x10");
    }

    @Test
    void numbersInsideSpecifications() {
        refused(run("spectrum", "--reg", "l2:1d"), "--reg", "1d");
        refused(run("spectrum", "--reg", "l2:NaN"), "--reg", "NaN");
        refused(run("spectrum", "--reg", "multiplicative:0x1p-4"), "--reg", "0x1p-4");
        refused(Cli.run("spectrum", "-q", "--model", "3-4-1", "--activation", "beta_gelu:2f", "--data", "gaussian"), "--activation", "2f");
        refused(Cli.run("spectrum", "-q", "--model", "3-+4-1", "--data", "gaussian"), "--model", "+4");
        refused(Cli.run("spectrum", "-q", "--model", "3-4-1", "--data", "gaussian:n=1e2"), "--data", "n=1e2");
        refused(Cli.run("spectrum", "-q", "--model", "3-4-1", "--data", "gaussian:noise=1d"), "--data", "noise=1d");
        refused(Cli.run("spectrum", "-q", "--model", "3-4-1", "--data", "gaussian", "--init", "gaussian:0x1"), "--init", "0x1");
        refused(Cli.run("fit", "-q", "--model", "3-4-1", "--data", "gaussian", "--grad-tol", "1e-3f"), "--grad-tol", "1e-3f");
    }

    @Test
    void configFileValuesAreCheckedLikeTheCommandLine() throws Exception {
        Path cfg = dir.resolve("c.json");
        Files.writeString(cfg, "{\"command\": \"density\", \"model\": \"3-4-1\", \"data\": \"gaussian\", \"sigma\": \"NaN\"}");
        refused(Cli.run("--config", cfg.toString()), "--sigma", "NaN");
        Files.writeString(cfg, "{\"command\": \"spectrum\", \"model\": \"3-4-1\", \"data\": \"gaussian\", \"tau_factor\": -2}");
        refused(Cli.run("--config", cfg.toString()), "--tau-factor", "-2");
    }
}
