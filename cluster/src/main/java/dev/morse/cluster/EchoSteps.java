package dev.morse.cluster;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A stand-in {@link StepRunner} for trying the sweep machinery (and a cluster) before Morse's
 * analyses plug in. Every step returns {@code value}, a stable number in [0, 1) derived from the
 * task's config and the step's name, and {@code options}, how many options the step has. Step
 * options: {@code sleep_ms} (work to wait for), {@code fail_above} (the step throws when
 * {@code value} exceeds it: a failing task).
 */
public final class EchoSteps implements StepRunner {
    private static final long serialVersionUID = 1L;

    @Override
    public Map<String, ?> run(String step, Map<String, Object> taskConfig, Map<String, Object> stepOptions,
                              Path taskDir, StepContext ctx) throws Exception {
        if (stepOptions.get("sleep_ms") instanceof Number ms) Thread.sleep(ms.longValue());
        double value = Long.parseUnsignedLong(Json.hash16(step + Json.canonical(taskConfig)).substring(0, 13), 16)
                / (double) (1L << 52);
        if (stepOptions.get("fail_above") instanceof Number limit && value > limit.doubleValue()) {
            throw new IllegalStateException(String.format("value %.4f above fail_above %s", value, limit));
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("value", value);
        out.put("options", stepOptions.size());
        return out;
    }
}
