package dev.morse.cluster;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A deterministic stand-in for Morse's analyses: {@code fit} writes a "θ" file and returns numbers
 * computed from the config; {@code morse} reads that file (an earlier step's output) and returns
 * scalars, an array and a nested map. The task with {@code reg = l2:1e-3, width = 8, seed = 3}
 * throws. Step option {@code sleep_ms} slows a step down; {@code log} appends
 * {@code pid task_id step} to a file for every call (which JVM ran what).
 */
final class FakeSteps implements StepRunner {
    private static final long serialVersionUID = 1L;

    /** In this JVM: how often the shared and the per-thread state were made, and steps called. */
    static final AtomicInteger SHARED_MADE = new AtomicInteger();
    static final AtomicInteger THREAD_MADE = new AtomicInteger();
    static final AtomicInteger CALLS = new AtomicInteger();

    @Override
    public Map<String, ?> run(String step, Map<String, Object> config, Map<String, Object> opts, Path taskDir,
                              StepContext ctx) throws Exception {
        CALLS.incrementAndGet();
        double[] data = ctx.shared("fake-data", () -> {
            SHARED_MADE.incrementAndGet();
            return new double[] {1, 2, 3};
        });
        StringBuilder workspace = ctx.perThread("fake-workspace", () -> {
            THREAD_MADE.incrementAndGet();
            return new StringBuilder();
        });
        workspace.setLength(0);
        if (opts.get("log") instanceof String log) {
            Files.writeString(Path.of(log), ProcessHandle.current().pid() + " " + ctx.taskId() + " " + step + "\n",
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        }
        if (opts.get("sleep_ms") instanceof Number ms) Thread.sleep(ms.longValue());
        int width = ((Number) config.get("width")).intValue();
        int seed = ((Number) config.get("seed")).intValue();
        String reg = (String) config.get("reg");
        double lambda = reg.equals("none") ? 0 : Double.parseDouble(reg.substring(reg.indexOf(':') + 1));
        return switch (step) {
            case "fit" -> {
                if (width == 8 && seed == 3 && lambda > 0) {
                    throw new IllegalStateException("fake divergence at width 8, seed 3",
                            new ArithmeticException("step size underflow"));
                }
                StringBuilder theta = new StringBuilder();
                for (int i = 0; i < width + seed; i++) theta.append(i * data[i % 3]).append('\n');
                Files.writeString(ctx.file("theta.txt"), theta);
                Map<String, Object> out = new LinkedHashMap<>();
                out.put("loss", 1.0 / (width * (seed + 1)) + lambda);
                out.put("iterations", width * 10 + seed);
                out.put("converged", seed % 2 == 0);
                out.put("theta_file", "theta.txt");
                yield out;
            }
            case "morse" -> {
                String file = (String) ctx.outputs("fit").get("theta_file");
                long p = lines(taskDir.resolve(file));
                int nullity = lambda > 0 ? 0 : Math.max(0, width - 2 - seed);
                Map<String, Object> out = new LinkedHashMap<>();
                out.put("P", p);
                out.put("nullity", nullity);
                out.put("min_abs_over_tau", lambda > 0 ? 1e7 * width : 1e-7 * (seed + 1));
                out.put("nearest_zero", new double[] {-1e-14 * seed, 2e-15, 0.5 * width, Double.NaN});
                out.put("verdict", nullity == 0 ? "MORSE" : "NOT MORSE");
                out.put("traces", Map.of("hessian", 1.5 * width));
                out.put("labels", List.of("a", "b"));
                yield out;
            }
            default -> throw new IllegalArgumentException("unknown step " + step);
        };
    }

    private static long lines(Path f) throws IOException {
        try (var s = Files.lines(f)) {
            return s.count();
        }
    }

    @Override
    public void validate(SweepSpec spec) {
        for (SweepSpec.Step s : spec.steps()) {
            if (!List.of("fit", "morse").contains(s.name())) {
                throw new IllegalArgumentException("unknown step '" + s.name() + "' (known: fit, morse)");
            }
        }
    }

    static void reset() {
        SHARED_MADE.set(0);
        THREAD_MADE.set(0);
        CALLS.set(0);
        ExecutorCache.clear();
    }

    /** 2 × 2 × 4 = 16 tasks; {@code fitOptions} is the fit step's options (JSON text). */
    static String spec(String name, String fitOptions, int seeds) {
        StringBuilder s = new StringBuilder("[");
        for (int i = 0; i < seeds; i++) s.append(i == 0 ? "" : ", ").append(i);
        s.append(']');
        return """
                {"name": "%s",
                 "base": {"model": "2-8-1", "loss": "mse"},
                 "grid": {"reg": ["none", "l2:1e-3"], "width": [4, 8], "seed": %s},
                 "steps": [{"fit": %s}, {"morse": {}}]}
                """.formatted(name, s, fitOptions);
    }
}
