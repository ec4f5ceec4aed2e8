package dev.morse.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.morse.json.JsonReader;
import dev.morse.json.JsonValues;
import dev.morse.linalg.Linalg;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The shared reference {@code tiny_tanh.json} (PyTorch 1.13, float64): a 3-4-1 tanh network with
 * θ_i = 0.5 sin(i+1), x_jk = sin((j+1)(k+1)), y_j = cos(j+1). Agreement to ~1e-12 relative.
 */
class ReferenceTest {

    static Map<String, Object> ref;
    static Evaluator plain;
    static Evaluator l2;
    static double[] theta;

    @BeforeAll
    @SuppressWarnings("unchecked")
    static void load() throws IOException {
        String text;
        try (InputStream in = ReferenceTest.class.getResourceAsStream("/reference/tiny_tanh.json")) {
            text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        // The test copy must not drift from ../shared/reference when that folder is present.
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path shared = dir.resolveSibling("shared").resolve("reference").resolve("tiny_tanh.json");
            if (Files.isRegularFile(shared)) {
                assertEquals(Files.readString(shared), text, "engine/src/test/resources/reference/tiny_tanh.json differs from " + shared);
                break;
            }
        }
        ref = JsonReader.parseObject(text);
        int n = 6;
        double[] x = new double[n * 3];
        double[] y = new double[n];
        for (int j = 0; j < n; j++) {
            for (int k = 0; k < 3; k++) x[j * 3 + k] = Math.sin((j + 1) * (k + 1));
            y[j] = Math.cos(j + 1);
        }
        theta = new double[21];
        for (int i = 0; i < 21; i++) theta[i] = 0.5 * Math.sin(i + 1);
        assertArrayEquals(JsonValues.doubles(ref, "theta"), theta, 1e-15, "θ formula reproduces the reference θ");
        assertArrayEquals(JsonValues.matrix(ref, "x"), x, 1e-15, "data formula reproduces the reference x");
        Mlp mlp = Mlp.of(Activation.TANH, 3, 4, 1);
        Dataset data = Dataset.regression(x, n, 3, y, 1);
        // batch size 4 → chunks of 4 and 2: exercises the sample-weighted reduction.
        plain = Evaluator.open(Problem.of(mlp, data, Loss.MSE), Evaluator.Settings.defaults().withChunkRows(4));
        l2 = Evaluator.open(Problem.of(mlp, data, Loss.MSE, Regularizer.l2(0.01)), Evaluator.Settings.defaults().withChunkRows(4));
    }

    private static void close(double[] expected, double[] actual, double rel, String what) {
        double scale = Math.max(1e-300, Problems.maxAbs(expected));
        double err = Problems.maxAbsDiff(expected, actual);
        assertTrue(err <= rel * scale, what + ": max abs error " + err + " > " + rel + "·" + scale);
    }

    @Test
    void outputsLossAndGradient() {
        close(JsonValues.doubles(ref, "outputs_f"), plain.outputs(theta), 1e-12, "outputs f");
        Map<String, Object> p = JsonValues.object(ref, "plain");
        double[] g = new double[21];
        double l = plain.lossAndGradient(theta, g);
        assertEquals((Double) p.get("loss"), l, 1e-13 * l, "loss");
        close(JsonValues.doubles(p, "grad"), g, 1e-12, "gradient");
        Map<String, Object> r = JsonValues.object(ref, "l2");
        double lr = l2.lossAndGradient(theta, g);
        assertEquals((Double) r.get("loss"), lr, 1e-13 * lr, "l2 loss");
        close(JsonValues.doubles(r, "grad"), g, 1e-12, "l2 gradient");
    }

    @Test
    void hessianGgnAndEigenvalues() {
        Map<String, Object> p = JsonValues.object(ref, "plain");
        double[] h = plain.dense(Part.HESSIAN, theta);
        close(JsonValues.matrix(p, "hessian"), h, 1e-12, "Hessian");
        double[] g = plain.dense(Part.GGN, theta);
        close(JsonValues.matrix(p, "ggn"), g, 1e-12, "GGN");
        close(JsonValues.doubles(p, "hessian_eigvals_asc"), Linalg.get().eigh(h, 21, false).values(), 1e-12, "Hessian eigenvalues");
        close(JsonValues.doubles(p, "ggn_eigvals_asc"), Linalg.get().eigh(g, 21, false).values(), 1e-12, "GGN eigenvalues");
        // The Jacobian: row j is ∂f(x_j)/∂θ = Jᵀ e_j.
        double[] jac = JsonValues.matrix(p, "jacobian_f_theta");
        for (int j = 0; j < 6; j++) {
            double[] u = new double[6];
            u[j] = 1;
            double[] row = new double[21];
            plain.vjp(theta, u, row);
            close(java.util.Arrays.copyOfRange(jac, j * 21, (j + 1) * 21), row, 1e-12, "Jacobian row " + j);
        }
    }

    @Test
    void regularizedHessianAndGgn() {
        Map<String, Object> r = JsonValues.object(ref, "l2");
        double[] h = l2.dense(Part.HESSIAN, theta);
        close(JsonValues.matrix(r, "hessian"), h, 1e-12, "l2 Hessian");
        close(JsonValues.doubles(r, "hessian_eigvals_asc"), Linalg.get().eigh(h, 21, false).values(), 1e-12, "l2 Hessian eigenvalues");
        // The reference's l2 "ggn" includes the regularizer's λI (SPEC §10).
        double[] g = l2.dense(Part.GGN, theta);
        double[] reg = l2.dense(Part.REGULARIZER, theta);
        for (int i = 0; i < g.length; i++) g[i] += reg[i];
        close(JsonValues.matrix(r, "ggn"), g, 1e-12, "l2 GGN + λI");
        close(JsonValues.doubles(r, "ggn_eigvals_asc"), Linalg.get().eigh(g, 21, false).values(), 1e-12, "l2 GGN + λI eigenvalues");
    }
}
