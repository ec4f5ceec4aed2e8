package dev.morse.bench;

import dev.morse.engine.Activation;
import dev.morse.engine.Dataset;
import dev.morse.engine.FlopModel;
import dev.morse.engine.Loss;
import dev.morse.engine.Mlp;
import dev.morse.engine.Objective;
import java.util.SplittableRandom;

/**
 * The benchmark workloads of the issues, seeded. Flops come from {@link FlopModel} (one model for
 * the benchmarks, the CLI's {@code bench} command and the reports).
 */
public final class Workloads {
    private Workloads() {}

    /** "784-256-256-10:tanh:cross_entropy:1024". */
    public static Objective build(String spec, int threads) {
        return build(spec, threads, true);
    }

    /** The workload with chunk states cached between products at the same θ, or not. */
    public static Objective build(String spec, int threads, boolean cacheStates) {
        String[] p = spec.split(":");
        int[] w = Mlp.parseWidths(p[0]);
        Activation act = Activation.parse(p[1]);
        Loss loss = Loss.parse(p[2]);
        int n = Integer.parseInt(p[3]);
        Mlp mlp = Mlp.of(act, w);
        SplittableRandom r = new SplittableRandom(42);
        double[] x = new double[n * w[0]];
        for (int i = 0; i < x.length; i++) x[i] = r.nextDouble() * 2 - 1;
        int c = w[w.length - 1];
        Dataset data;
        if (loss == Loss.CROSS_ENTROPY) {
            int[] y = new int[n];
            for (int i = 0; i < n; i++) y[i] = r.nextInt(c);
            data = Dataset.classification(x, n, w[0], y, c);
        } else {
            double[] y = new double[n * c];
            for (int i = 0; i < y.length; i++) y[i] = r.nextDouble();
            data = Dataset.regression(x, n, w[0], y, c);
        }
        // Chunks of N/threads rows (at most 256) so every thread has work on the small workloads.
        int batch = Math.max(1, Math.min(256, (n + threads - 1) / threads));
        return Objective.builder(mlp, data, loss).threads(threads).batchSize(batch).cacheStates(cacheStates).build();
    }

    /** Flops of one product by {@link FlopModel}: fresh θ unless {@code cached}. */
    public static double flops(Objective o, String product, boolean cached) {
        return FlopModel.of(product, o.model(), o.data().size(), cached);
    }

    /**
     * Prints the flop model as JSON lines for the report script: for each workload given on the
     * command line, {"workload": …, "P": …, "gradient": …, "hvp": …, "ggn_vp": …, "nme_vp": …}.
     */
    public static void main(String[] args) {
        for (String w : args) {
            Objective o = build(w, 1);
            StringBuilder b = new StringBuilder("{\"workload\": \"" + w + "\", \"P\": " + o.dim());
            for (String product : new String[] {"gradient", "hvp", "ggn_vp", "nme_vp"}) {
                b.append(", \"").append(product).append("\": ").append(flops(o, product, false));
                if (!product.equals("gradient")) b.append(", \"").append(product).append("_cached\": ").append(flops(o, product, true));
            }
            System.out.println(b.append("}"));
        }
    }
}
