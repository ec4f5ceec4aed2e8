package dev.morse.bench;

import com.sun.management.ThreadMXBean;
import dev.morse.engine.Evaluator;
import java.lang.management.ManagementFactory;
import java.util.List;
import java.util.Locale;

/**
 * Bytes allocated per product in steady state, counted by the JVM over all threads (the calling
 * thread and the evaluator's workers): gradient, H·v, G·v at a fresh θ per call, after a warm-up
 * long enough for C2 (the Vector API allocates until its code is compiled). The target is zero.
 * The measurement's own allocation (the thread ids of two back-to-back counts) is subtracted. JMH's {@code -prof gc} cannot show this for fast products: its
 * per-iteration bookkeeping (~7 KB) dominates.
 *
 * <pre>{@code bench/run steady-allocation [WORKLOAD...]}</pre>
 */
public final class SteadyAllocation {
    private SteadyAllocation() {}

    public static void main(String[] args) {
        List<String> workloads = args.length > 0 ? List.of(args)
                : List.of("784-256-256-10:tanh:cross_entropy:1024", "100-100-100-10:tanh:cross_entropy:256", "20-50-50-1:tanh:mse:1000");
        for (String workload : workloads) {
            for (String product : List.of("gradient", "hvp", "ggn_vp")) {
                try (Evaluator ev = Workloads.build(workload, 2, false)) {
                    int p = ev.dim();
                    double[] theta = ev.problem().model().initPyTorchDefault(1), v = new double[p], out = new double[p];
                    for (int i = 0; i < p; i++) v[i] = Math.sin(i);
                    // Calls in about 4 s of warm-up and 3 s of counting, from the first call's time.
                    long t0 = System.nanoTime();
                    call(ev, product, theta, v, out);
                    double perCall = Math.max(1e-6, (System.nanoTime() - t0) / 1e9);
                    int warm = (int) Math.min(20_000, Math.max(200, 4 / perCall)), counted = (int) Math.min(20_000, Math.max(100, 3 / perCall));
                    for (int i = 0; i < warm; i++) call(ev, product, theta, v, out);
                    long base0 = allocated(), base = allocated() - base0;   // what one count allocates itself
                    long before = allocated();
                    for (int i = 0; i < counted; i++) call(ev, product, theta, v, out);
                    long bytes = allocated() - before - base;
                    System.out.printf(Locale.ROOT, "%-40s %-9s %8.1f B per product (%d products after %d warm-up)%n",
                            workload, product, bytes / (double) counted, counted, warm);
                }
            }
        }
    }

    /** One product at a fresh θ (θ₀ moves by 1e-9, so no state is reused). */
    private static void call(Evaluator ev, String product, double[] theta, double[] v, double[] out) {
        theta[0] += 1e-9;
        switch (product) {
            case "gradient" -> ev.dataLossAndGradient(theta, out);
            case "hvp" -> ev.hvp(theta, v, out);
            case "ggn_vp" -> ev.ggnVp(theta, v, out);
            default -> throw new IllegalArgumentException(product);
        }
    }

    /** Bytes allocated so far by all live threads. */
    private static long allocated() {
        ThreadMXBean t = (ThreadMXBean) ManagementFactory.getThreadMXBean();
        long sum = 0;
        for (long b : t.getThreadAllocatedBytes(t.getAllThreadIds())) sum += Math.max(0, b);
        return sum;
    }
}
