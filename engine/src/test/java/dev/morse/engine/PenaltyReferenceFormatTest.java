package dev.morse.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.morse.json.JsonReader;
import dev.morse.json.JsonValues;
import dev.morse.simd.KernelProvider;
import dev.morse.simd.Kernels;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Pins the format of {@code reference/penalties.json} (PyTorch float64 references for the
 * penalties of SPEC §11, made by {@code penalties.py} beside it) and its internal consistency:
 * every key the penalty tests will read, shapes that agree with the widths, objective = loss +
 * regularizer + penalty, the penalty values against the case-level pieces (ρ‖g‖^p, (σ²/2)·mean vᵀHv,
 * …), and the script's own gradient checks. The second test holds Morse's σ … σ‴ against the
 * file's mpmath values.
 */
class PenaltyReferenceFormatTest {

    private static Map<String, Object> doc;

    @BeforeAll
    @SuppressWarnings("unchecked")
    static void read() throws IOException {
        try (InputStream in = PenaltyReferenceFormatTest.class.getResourceAsStream("/reference/penalties.json")) {
            assertNotNull(in, "reference/penalties.json is missing from the test resources");
            doc = (Map<String, Object>) JsonReader.parse(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
    }

    @SuppressWarnings("unchecked")
    private static <T> T get(Map<String, Object> m, String key, Class<T> type) {
        assertTrue(m.containsKey(key), "penalties.json: key '" + key + "' missing (has " + m.keySet() + ")");
        Object v = m.get(key);
        assertInstanceOf(type, v, "penalties.json: '" + key + "'");
        return (T) v;
    }

    private static double num(Map<String, Object> m, String key) {
        double v = get(m, key, Double.class);
        assertTrue(Double.isFinite(v), key + " = " + v);
        return v;
    }

    private static double[] vec(Map<String, Object> m, String key, int length) {
        double[] v = JsonValues.doubles(m, key);
        assertEquals(length, v.length, "length of '" + key + "'");
        for (double x : v) assertTrue(Double.isFinite(x), key + " holds " + x);
        return v;
    }

    private static double[] mat(Map<String, Object> m, String key, int rows, int cols) {
        assertEquals(rows, get(m, key, List.class).size(), "rows of '" + key + "'");
        double[] v = JsonValues.matrix(m, key);
        assertEquals((long) rows * cols, v.length, "entries of '" + key + "' (" + rows + " x " + cols + ")");
        return v;
    }

    private static double norm(double[] v) {
        double s = 0;
        for (double x : v) s += x * x;
        return Math.sqrt(s);
    }

    private static void close(double expected, double actual, double rel, String what) {
        assertTrue(Math.abs(expected - actual) <= rel * Math.max(1.0, Math.abs(expected)),
                () -> what + ": expected " + expected + ", got " + actual);
    }

    @Test
    @SuppressWarnings("unchecked")
    void formatAndSelfConsistency() {
        get(doc, "description", String.class);
        get(doc, "generated_by", String.class);
        assertFalse(get(doc, "torch_version", String.class).isBlank(), "torch_version");
        assertEquals("float64", get(doc, "dtype", String.class));
        Map<String, Object> fd = get(doc, "finite_difference", Map.class);
        get(fd, "stencil", String.class);
        assertTrue(num(fd, "h") > 0);
        assertTrue(num(doc, "max_check_error") <= 1e-10, "the script's largest gradient check error");

        List<Object> cases = get(doc, "cases", List.class);
        assertTrue(cases.size() >= 4, "at least four cases");
        Set<String> losses = new HashSet<>();
        boolean withL2 = false;
        for (Object co : cases) {
            Map<String, Object> c = (Map<String, Object>) co;
            String name = get(c, "name", String.class);
            double[] wd = JsonValues.doubles(c, "widths");
            int[] w = new int[wd.length];
            for (int i = 0; i < w.length; i++) w[i] = (int) wd[i];
            List<Object> acts = get(c, "activations", List.class);
            assertEquals(w.length - 2, acts.size(), name + ": one activation per hidden layer");
            for (Object a : acts) Activation.parse((String) a);   // Morse's names
            assertEquals(Boolean.TRUE, get(c, "bias", Boolean.class));
            Loss loss = Loss.parse(get(c, "loss_function", String.class));
            losses.add(loss.id());
            String reg = get(c, "regularizer", String.class);
            assertTrue(reg.equals("none") || reg.matches("l2:[0-9.eE+-]+"), name + ": regularizer " + reg);
            withL2 |= reg.startsWith("l2:");
            int p = 0;
            for (int l = 1; l < w.length; l++) p += w[l] * (w[l - 1] + 1);
            assertEquals(p, (int) num(c, "P"), name + ": P = Σ d_l (d_{l-1} + 1)");
            int n = (int) num(c, "N");
            int k = (int) num(c, "k");
            int d0 = w[0];
            int classes = w[w.length - 1];
            double[] theta = vec(c, "theta", p);
            mat(c, "inputs", n, d0);
            if (loss == Loss.MSE) {
                mat(c, "targets", n, classes);
            } else {
                for (double y : vec(c, "targets", n)) assertTrue(y == Math.rint(y) && y >= 0 && y < classes, name + ": label " + y);
            }
            mat(c, "probes", k, p);
            mat(c, "noise", k, p);
            double loss0 = num(c, "loss");
            double r0 = num(c, "regularizer_value");
            if (reg.equals("none")) {
                assertEquals(0.0, r0, 0.0, name + ": R = 0 without a regularizer");
            } else {
                double lambda = Double.parseDouble(reg.substring(3));
                double t2 = norm(theta);
                close(0.5 * lambda * t2 * t2, r0, 1e-14, name + ": R = (λ/2)‖θ‖²");
            }
            double[] g = vec(c, "gradient_loss", p);
            vec(c, "hessian_times_gradient", p);
            vec(c, "ggn_times_gradient", p);
            double[] qh = vec(c, "probe_hessian_quadratic_forms", k);
            double[] qg = vec(c, "probe_ggn_quadratic_forms", k);

            Set<String> kinds = new HashSet<>();
            Map<String, Double> objectiveBySpec = new java.util.HashMap<>();
            for (Object po : get(c, "penalties", List.class)) {
                Map<String, Object> pen = (Map<String, Object>) po;
                String spec = get(pen, "spec", String.class);
                String kind = get(pen, "name", String.class);
                assertTrue(spec.startsWith(kind + ":"), spec + " names " + kind);
                kinds.add(kind);
                String at = name + " " + spec;
                double obj = num(pen, "objective");
                assertEquals(loss0, num(pen, "loss"), 0.0, at + ": loss is L at θ");
                assertEquals(r0, num(pen, "regularizer"), 0.0, at + ": regularizer is R at θ");
                double penalty = num(pen, "penalty");
                close(obj, loss0 + r0 + penalty, 1e-14, at + ": objective = loss + regularizer + penalty");
                double[] grad = vec(pen, "gradient", p);
                close(norm(grad), num(pen, "gradient_norm"), 1e-14, at + ": gradient_norm = ‖gradient‖");
                boolean exact = get(pen, "gradient_is_exact", Boolean.class);
                assertEquals(!(kind.equals("sam") || kind.equals("gradient_norm_ggn")), exact, at + ": gradient_is_exact");
                Map<String, Object> check = get(pen, "check", Map.class);
                get(check, "method", String.class);
                assertTrue(num(check, "max_rel_error") <= 1e-10, at + ": the script's gradient check");
                num(check, "max_abs_error");
                objectiveBySpec.put(spec, obj);

                String[] parts = spec.split(":");
                double a = Double.parseDouble(parts[1]);
                switch (kind) {
                    case "gradient_norm", "gradient_norm_ggn" -> {
                        int pw = parts.length > 2 ? Integer.parseInt(parts[2]) : 1;
                        close(a * Math.pow(norm(g), pw), penalty, 1e-12, at + ": penalty = ρ‖g‖^p");
                    }
                    case "hessian_trace", "ggn_trace" -> {
                        assertEquals(k, Integer.parseInt(parts[2]), at + ": k of the spec = rows of probes");
                        double[] q = kind.equals("hessian_trace") ? qh : qg;
                        double mean = 0;
                        for (double x : q) mean += x / k;
                        close(0.5 * a * mean, penalty, 1e-12, at + ": penalty = (σ²/2)·mean vᵢᵀ·vᵢ");
                    }
                    case "weight_noise" -> assertEquals(k, Integer.parseInt(parts[2]), at + ": k of the spec = rows of noise");
                    case "sam" -> { }
                    default -> throw new AssertionError(at + ": unknown penalty " + kind);
                }
            }
            assertEquals(Set.of("gradient_norm", "gradient_norm_ggn", "sam", "weight_noise", "hessian_trace", "ggn_trace"), kinds,
                    name + ": every penalty of SPEC §11");
            for (Map.Entry<String, Double> e : objectiveBySpec.entrySet()) {
                if (e.getKey().startsWith("gradient_norm_ggn:")) {
                    String same = e.getKey().replace("gradient_norm_ggn:", "gradient_norm:");
                    assertEquals(objectiveBySpec.get(same), e.getValue(), 0.0, name + ": " + e.getKey() + " has the value of " + same);
                }
            }
        }
        assertEquals(Set.of("mse", "cross_entropy"), losses, "both losses");
        assertTrue(withL2, "one case with an l2 regularizer");
    }

    @Test
    @SuppressWarnings("unchecked")
    void morseActivationDerivativesMatchTheFilesMpmathValues() {
        Map<String, Object> acts = get(doc, "activations", Map.class);
        get(acts, "method", String.class);
        double[] x = JsonValues.doubles(acts, "points");
        Map<String, Object> fns = get(acts, "functions", Map.class);
        assertTrue(fns.keySet().containsAll(List.of("tanh", "sigmoid", "softplus", "gelu")), fns.keySet().toString());
        for (Kernels k : List.of(KernelProvider.scalar(), KernelProvider.vector())) {
            for (Map.Entry<String, Object> e : fns.entrySet()) {
                Activation a = Activation.parse(e.getKey());
                Map<String, Object> ref = (Map<String, Object>) e.getValue();
                double[][] mine = ActivationDerivativesTest.eval(k, a, x);
                String[] keys = {"value", "d1", "d2", "d3"};
                for (int o = 0; o < 4; o++) {
                    double[] want = vec(ref, keys[o], x.length);
                    for (int i = 0; i < x.length; i++) {
                        double tol = 1e-14 * Math.max(1.0, Math.abs(want[i]));
                        int at = i;
                        int order = o;
                        assertTrue(Math.abs(mine[o][i] - want[i]) <= tol, () -> k.name() + " " + a + " " + keys[order] + " at x = " + x[at]
                                + ": mpmath " + want[at] + ", Morse " + mine[order][at]);
                    }
                }
            }
        }
    }
}
