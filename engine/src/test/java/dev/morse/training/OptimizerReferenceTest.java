package dev.morse.training;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.morse.engine.Activation;
import dev.morse.engine.Batch;
import dev.morse.engine.Dataset;
import dev.morse.engine.Evaluator;
import dev.morse.engine.Loss;
import dev.morse.json.JsonReader;
import dev.morse.json.JsonValues;
import dev.morse.engine.Mlp;
import dev.morse.engine.Problem;
import dev.morse.engine.Regularizer;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The optimizers and StepLR against torch.optim (reference/optimizers.json, made by optimizers.py
 * beside it with PyTorch float64): the same θ₀, data and explicit minibatches, the same rate per
 * step; after every step θ must agree to rounding (the gradients come from two different
 * implementations, so not bit for bit).
 */
class OptimizerReferenceTest {

    private static Map<String, Object> doc;

    @BeforeAll
    @SuppressWarnings("unchecked")
    static void read() throws IOException {
        try (InputStream in = OptimizerReferenceTest.class.getResourceAsStream("/reference/optimizers.json")) {
            assertNotNull(in, "reference/optimizers.json is missing from the test resources");
            doc = (Map<String, Object>) JsonReader.parse(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
    }

    @SuppressWarnings("unchecked")
    static Stream<Arguments> configs() throws IOException {
        read();
        return ((List<Object>) doc.get("configs")).stream()
                .map(c -> Arguments.of(Named.of((String) ((Map<String, Object>) c).get("name"), c)));
    }

    @SuppressWarnings("unchecked")
    private static int[][] batches() {
        List<Object> l = (List<Object>) doc.get("batches");
        int[][] b = new int[l.size()][];
        for (int i = 0; i < b.length; i++) {
            List<Object> r = (List<Object>) l.get(i);
            b[i] = r.stream().mapToInt(x -> ((Double) x).intValue()).toArray();
        }
        return b;
    }

    /** The optimizer configuration as torch reported it (opt.defaults). */
    @SuppressWarnings("unchecked")
    static OptimizerConfig config(Map<String, Object> c) {
        Map<String, Object> s = (Map<String, Object>) c.get("settings");
        double decay = (Double) s.get("weight_decay");
        return switch ((String) c.get("optimizer")) {
            case "sgd" -> {
                assertEquals(0.0, (Double) s.get("dampening"), "Morse's SGD has dampening 0");
                yield OptimizerConfig.sgd((Double) s.get("momentum"), (Boolean) s.get("nesterov"), decay);
            }
            case "adam", "adamw" -> {
                List<Object> betas = (List<Object>) s.get("betas");
                assertEquals(Boolean.FALSE, s.get("amsgrad"));
                double b1 = (Double) betas.get(0), b2 = (Double) betas.get(1), eps = (Double) s.get("eps");
                yield c.get("optimizer").equals("adam") ? OptimizerConfig.adam(b1, b2, eps, decay) : OptimizerConfig.adamw(b1, b2, eps, decay);
            }
            default -> throw new AssertionError("unknown optimizer " + c.get("optimizer"));
        };
    }

    @ParameterizedTest
    @MethodSource("configs")
    @SuppressWarnings("unchecked")
    void trajectoryMatchesTorch(Map<String, Object> c) {
        List<Object> w = (List<Object>) doc.get("widths");
        int[] widths = w.stream().mapToInt(x -> ((Double) x).intValue()).toArray();
        Mlp mlp = Mlp.of(Activation.parse((String) doc.get("activation")), widths);
        int n = ((Double) doc.get("N")).intValue();
        double[] x = JsonValues.doubles(doc, "X");
        int[] y = ((List<Object>) doc.get("y")).stream().mapToInt(v -> ((Double) v).intValue()).toArray();
        Object l2 = c.get("l2");
        Problem problem = Problem.of(mlp, Dataset.classification(x, n, widths[0], y, widths[widths.length - 1]), Loss.CROSS_ENTROPY,
                l2 == null ? Regularizer.NONE : Regularizer.l2((Double) l2));
        double[] theta = JsonValues.doubles(doc, "theta0");
        double[] grad = new double[theta.length];
        Optimizer opt = config(c).create(theta.length);
        int[][] batches = batches();
        List<Object> steps = (List<Object>) c.get("steps");
        try (Evaluator ev = Evaluator.open(problem, Evaluator.Settings.defaults().withThreads(2))) {
            for (int k = 0; k < batches.length; k++) {
                Map<String, Object> ref = (Map<String, Object>) steps.get(k);
                double lr = (Double) ref.get("lr");
                double obj = ev.lossAndGradient(Batch.of(batches[k]), theta, grad);
                assertEquals((Double) ref.get("objective"), obj, 1e-13 * Math.abs(obj), c.get("name") + ": objective of step " + k);
                assertTrue(opt.step(theta, grad, lr));
                double[] want = JsonValues.doubles(ref, "theta");
                double scale = 0, err = 0;
                for (int i = 0; i < theta.length; i++) {
                    scale = Math.max(scale, Math.abs(want[i]));
                    err = Math.max(err, Math.abs(theta[i] - want[i]));
                }
                assertTrue(err <= 1e-13 * scale, c.get("name") + ": θ after step " + k + " differs from torch by " + err + " (scale " + scale + ")");
            }
        }
        assertEquals(batches.length, opt.steps());
    }

    @Test
    void adamwDefaultDecayIsTorchs() throws IOException {
        configs().forEach(a -> {
            @SuppressWarnings("unchecked")
            Map<String, Object> c = (Map<String, Object>) ((Named<?>) a.get()[0]).getPayload();
            if (c.get("name").equals("adamw_default_decay_l2")) {
                assertEquals(OptimizerConfig.ADAMW_DEFAULT_DECAY, config(c).weightDecay(), "torch.optim.AdamW's default weight_decay");
            }
        });
    }

    @Test
    @SuppressWarnings("unchecked")
    void stepLrMatchesTorch() {
        Map<String, Object> s = (Map<String, Object>) doc.get("steplr");
        LearningRateSchedule sched = LearningRateSchedule.step(((Double) s.get("step_size")).intValue(), (Double) s.get("gamma"));
        double[] want = JsonValues.doubles(s, "lrs");
        for (int e = 0; e < want.length; e++) {
            // Every step of epoch e has the epoch's rate; bit for bit (torch multiplies by γ at each boundary too).
            for (long step : new long[] {e * 3L, e * 3L + 2}) {
                assertEquals(want[e], sched.rate((Double) s.get("base"), e, step, 3, want.length), 0.0, "StepLR rate of epoch " + e);
            }
        }
    }
}
