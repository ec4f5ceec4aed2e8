package dev.morse.training;

import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An optimizer's state: the steps taken and its named buffers of length P ({@code momentum_buffer}
 * for SGD once it has taken a step with momentum; {@code exp_avg} and {@code exp_avg_sq} for
 * Adam(W), as torch names them). Immutable: the arrays are copied in and out.
 */
public final class OptimizerState {

    private final long steps;
    private final Map<String, double[]> buffers;

    public OptimizerState(long steps, Map<String, double[]> buffers) {
        if (steps < 0) throw new IllegalArgumentException("steps must be ≥ 0, got " + steps);
        Map<String, double[]> m = new LinkedHashMap<>();
        buffers.forEach((k, v) -> m.put(k, v.clone()));
        this.steps = steps;
        this.buffers = Collections.unmodifiableMap(m);
    }

    public long steps() {
        return steps;
    }

    /** Buffer names in a fixed order. */
    public java.util.Set<String> names() {
        return buffers.keySet();
    }

    /** A copy of the named buffer, or null. */
    public double[] buffer(String name) {
        double[] b = buffers.get(name);
        return b == null ? null : b.clone();
    }

    /** The named buffer copied into {@code out}; fails when it is absent or has another length. */
    void copyInto(String name, double[] out) {
        double[] b = buffers.get(name);
        if (b == null) throw new IllegalArgumentException("optimizer state has no buffer '" + name + "' (has " + buffers.keySet() + ")");
        if (b.length != out.length) throw new IllegalArgumentException("optimizer buffer '" + name + "' has length " + b.length + ", expected P = " + out.length);
        System.arraycopy(b, 0, out, 0, out.length);
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof OptimizerState s) || s.steps != steps || !s.buffers.keySet().equals(buffers.keySet())) return false;
        for (Map.Entry<String, double[]> e : buffers.entrySet()) {
            if (!Arrays.equals(e.getValue(), s.buffers.get(e.getKey()))) return false;
        }
        return true;
    }

    @Override
    public int hashCode() {
        return Long.hashCode(steps) * 31 + buffers.keySet().hashCode();
    }

    @Override
    public String toString() {
        return "OptimizerState[steps=" + steps + ", buffers=" + buffers.keySet() + "]";
    }
}
