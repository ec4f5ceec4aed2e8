package dev.morse.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.morse.io.DataFiles;
import dev.morse.io.Npy;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code morse spectrum} end to end on the shared PyTorch reference (reference/tiny_tanh.json):
 * θ, X and y are written as .npy files, the command runs in-process, and its JSON report must
 * match the independently computed eigenvalues to about 1e-12 relative.
 */
class SpectrumReferenceTest {

    @TempDir
    Path dir;

    static Map<String, Object> ref;
    String[] problem;

    @SuppressWarnings("unchecked")
    static Map<String, Object> reference() throws Exception {
        if (ref == null) {
            try (InputStream in = SpectrumReferenceTest.class.getResourceAsStream("/reference/tiny_tanh.json")) {
                ref = (Map<String, Object>) DataFiles.parseJson(new String(in.readAllBytes(), StandardCharsets.UTF_8), "tiny_tanh.json");
            }
        }
        return ref;
    }

    /** θ_i = 0.5 sin(i+1), x_jk = sin((j+1)(k+1)), y_j = cos(j+1); model 3-4-1 tanh, mse. */
    static String[] writeTinyProblem(Path dir) throws Exception {
        double[] theta = new double[21];
        for (int i = 0; i < 21; i++) theta[i] = 0.5 * Math.sin(i + 1);
        double[] x = new double[18];
        double[] y = new double[6];
        for (int j = 0; j < 6; j++) {
            for (int k = 0; k < 3; k++) x[j * 3 + k] = Math.sin((j + 1) * (k + 1));
            y[j] = Math.cos(j + 1);
        }
        Npy.write(dir.resolve("theta.npy"), theta);
        Npy.write(dir.resolve("X.npy"), x, 6, 3);
        Npy.write(dir.resolve("y.npy"), y);
        return new String[] {"--model", "3-4-1", "--activation", "tanh", "--loss", "mse", "--weights", dir.resolve("theta.npy").toString(),
                "--inputs", dir.resolve("X.npy").toString(), "--targets", dir.resolve("y.npy").toString(), "-q"};
    }

    @BeforeEach
    void setUp() throws Exception {
        problem = writeTinyProblem(dir);
    }

    private Map<String, Object> spectrum(String name, String... extra) {
        Path json = dir.resolve(name + ".json");
        String[] args = new String[1 + problem.length + extra.length + 2];
        args[0] = "spectrum";
        System.arraycopy(problem, 0, args, 1, problem.length);
        System.arraycopy(extra, 0, args, 1 + problem.length, extra.length);
        args[args.length - 2] = "--json";
        args[args.length - 1] = json.toString();
        Cli.Result r = Cli.run(args);
        assertEquals(0, r.code(), r.toString());
        return Cli.json(json);
    }

    @SuppressWarnings("unchecked")
    private static double[] refValues(String section, String key) throws Exception {
        return Cli.doubles(((Map<String, Object>) reference().get(section)).get(key));
    }

    private static void assertSpectrum(double[] expected, double[] actual, String what) {
        assertEquals(expected.length, actual.length, what + ": number of eigenvalues");
        double scale = 0;
        for (double e : expected) scale = Math.max(scale, Math.abs(e));
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual[i], 1e-11 * scale, what + ": eigenvalue " + i + " (ascending)");
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void hessianMatchesPyTorchAndTheReportHasTheSchema() throws Exception {
        Map<String, Object> rep = spectrum("h");
        assertSpectrum(refValues("plain", "hessian_eigvals_asc"), Cli.doubles(rep.get("eigenvalues")), "dense Hessian");
        assertEquals("hessian", rep.get("operator"));
        assertEquals("dense", rep.get("method"));
        assertEquals(21, Cli.num(rep, "P"));
        assertEquals(6, Cli.num(rep, "N"));
        double refLoss = ((Number) ((Map<String, Object>) reference().get("plain")).get("loss")).doubleValue();
        assertEquals(refLoss, Cli.num(rep, "loss"), 1e-14);
        double g2 = 0;
        for (double g : refValues("plain", "grad")) g2 += g * g;
        assertEquals(Math.sqrt(g2), Cli.num(rep, "gradient_norm"), 1e-13);
        Map<String, Object> config = (Map<String, Object>) rep.get("config");
        assertEquals("3-4-1", config.get("model"));
        assertEquals("spectrum", config.get("command"));
        assertEquals("tanh", config.get("activation"));
        assertTrue(((String) config.get("weights")).endsWith("theta.npy"), "config records the weights file");
        assertTrue(rep.get("backend") instanceof Map, "report has the backend");
        Map<String, Object> counts = (Map<String, Object>) rep.get("counts");
        assertEquals(8.0, counts.get("negative"), "8 negative eigenvalues in the reference");
    }

    @Test
    void ggnMatchesPyTorch() throws Exception {
        Map<String, Object> rep = spectrum("g", "--operator", "ggn");
        assertSpectrum(refValues("plain", "ggn_eigvals_asc"), Cli.doubles(rep.get("eigenvalues")), "dense GGN");
    }

    @Test
    void withL2TheHessianIncludesTheRegularizer() throws Exception {
        Map<String, Object> rep = spectrum("hl2", "--reg", "l2:1e-2");
        assertSpectrum(refValues("l2", "hessian_eigvals_asc"), Cli.doubles(rep.get("eigenvalues")), "Hessian with l2(1e-2)");
        // The reference's l2 "ggn" includes λI; ours splits the data term only, so G + λI must match it.
        double[] g = Cli.doubles(spectrum("gl2", "--reg", "l2:1e-2", "--operator", "ggn").get("eigenvalues"));
        for (int i = 0; i < g.length; i++) g[i] += 1e-2;
        assertSpectrum(refValues("l2", "ggn_eigvals_asc"), g, "GGN + λI with l2(1e-2)");
        double[] r = Cli.doubles(spectrum("r", "--reg", "l2:1e-2", "--operator", "regularizer").get("eigenvalues"));
        for (double x : r) assertEquals(1e-2, x, 1e-15, "the l2 regularizer part is λI");
    }

    @Test
    void lanczosFindsBothEnds() throws Exception {
        Map<String, Object> rep = spectrum("l", "--method", "lanczos", "--k", "3", "--which", "both", "--tol", "1e-12");
        double[] all = refValues("plain", "hessian_eigvals_asc");
        double[] ritz = Cli.doubles(rep.get("eigenvalues"));
        assertSpectrum(new double[] {all[0], all[1], all[2], all[18], all[19], all[20]}, ritz, "Lanczos both ends");
        assertEquals(Boolean.TRUE, rep.get("all_converged"));
        assertEquals(6, ((List<?>) rep.get("residuals")).size());
        assertTrue(((List<?>) rep.get("history")).size() >= 1, "history of Ritz values per cycle");
        assertEquals("full", rep.get("reorthogonalization"), "SPEC §7: full reorthogonalization by default");
        // τ scales with ‖H‖₂: both ends give it (as the dense spectrum's τ); one end alone does not,
        // and τ is left out rather than taken from the values found (near a minimum, the smallest).
        assertEquals(Cli.num(spectrum("d", "--method", "dense"), "tau"), Cli.num(rep, "tau"), 1e-9 * Cli.num(rep, "tau"));
        assertEquals(null, spectrum("s", "--method", "lanczos", "--k", "3", "--which", "smallest", "--tol", "1e-12").get("tau"));
        assertEquals(Cli.num(rep, "products"), Cli.num(rep, "basis_sweeps"), 0, "every step sweeps the basis");
    }
}
