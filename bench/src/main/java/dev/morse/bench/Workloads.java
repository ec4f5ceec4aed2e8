package dev.morse.bench;

import dev.morse.engine.Evaluator;
import dev.morse.engine.FlopModel;
import dev.morse.engine.Workload;

/**
 * The benchmark workloads of the issues, seeded. Flops come from {@link FlopModel} (one model for
 * the benchmarks, the CLI's {@code bench} command and the reports).
 */
public final class Workloads {
    private Workloads() {}

    /** "784-256-256-10:tanh:cross_entropy:1024" ({@link Workload}). */
    public static Evaluator build(String spec, int threads) {
        return build(spec, threads, true);
    }

    /**
     * The workload's evaluator, with chunk states cached between products at the same θ, or not.
     * The engine cuts the samples into chunks by itself (at least 8 once N ≥ 512, chunks of at least 64 rows), so every thread
     * has work on the small workloads and the figures do not depend on a chunk size chosen here.
     */
    public static Evaluator build(String spec, int threads, boolean cacheStates) {
        return Evaluator.open(Workload.parse(spec).problem(), Evaluator.Settings.defaults().withThreads(threads).withCacheStates(cacheStates));
    }

    /** Flops of one product by {@link FlopModel}: fresh θ unless {@code cached}. */
    public static double flops(Evaluator o, String product, boolean cached) {
        return FlopModel.of(product, o.problem().model(), o.problem().size(), cached);
    }

    /**
     * Prints the flop model as JSON lines for the report script: for each workload given on the
     * command line, {"workload": …, "P": …, "gradient": …, "hvp": …, "ggn_vp": …, "nme_vp": …, and
     * the penalty steps of {@code PenaltyBench}: "gradient_norm_step": …, …}.
     */
    public static void main(String[] args) {
        for (String w : args) {
            Evaluator o = build(w, 1);
            StringBuilder b = new StringBuilder("{\"workload\": \"" + w + "\", \"P\": " + o.dim());
            for (String product : new String[] {"gradient", "hvp", "ggn_vp", "nme_vp"}) {
                b.append(", \"").append(product).append("\": ").append(flops(o, product, false));
                if (!product.equals("gradient")) b.append(", \"").append(product).append("_cached\": ").append(flops(o, product, true));
            }
            for (String step : new String[] {"gradient_norm_step", "gradient_norm_ggn_step", "sam_step", "weight_noise_step",
                    "hessian_trace_step", "ggn_trace_step"}) {
                b.append(", \"").append(step).append("\": ").append(flops(o, step, false));
            }
            System.out.println(b.append("}"));
        }
    }
}
