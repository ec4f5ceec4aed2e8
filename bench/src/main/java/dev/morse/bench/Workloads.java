package dev.morse.bench;

import dev.morse.engine.Activation;
import dev.morse.engine.Dataset;
import dev.morse.engine.Loss;
import dev.morse.engine.Mlp;
import dev.morse.engine.Objective;
import java.util.SplittableRandom;

/**
 * The benchmark workloads of the issues, seeded, with their flop models. The models count the
 * dense-layer GEMM flops of the algorithm Morse runs (elementwise work and the output loss are
 * ignored: they are O(N·d), not O(N·d²)). With f_l = 2·N·d_{l−1}·d_l, F = Σ_l f_l (one forward
 * pass) and F' = Σ_{l≥2} f_l (the layers whose input is not the data):
 * <ul>
 *   <li>gradient: forward F, ∂W F, ∂Z F' → 2F + F';</li>
 *   <li>H·v (fused forward-over-reverse): forward F, backward signals F', tangent F + F',
 *       R-backward F + 3F' → 3F + 5F';</li>
 *   <li>G·v: forward F, tangent F + F', R-backward F + F' → 3F + 2F';</li>
 *   <li>M·v: forward F, backward signals F', tangent F + F', R-backward (F − f_L) + 2F' + (F' − f_L) → 3F + 5F' − 2f_L.</li>
 * </ul>
 */
public final class Workloads {
    private Workloads() {}

    /** "784-256-256-10:tanh:cross_entropy:1024". */
    public static Objective build(String spec, int threads) {
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
        return Objective.builder(mlp, data, loss).threads(threads).build();
    }

    /** Forward-pass flops F = Σ_l 2 N d_{l−1} d_l. */
    public static double forwardFlops(Objective o) {
        Mlp m = o.model();
        double f = 0;
        for (int l = 1; l <= m.layers(); l++) f += 2.0 * o.data().size() * m.width(l) * m.width(l - 1);
        return f;
    }

    /** Flops of one product by the model above: {@code gradient}, {@code hvp}, {@code ggn_vp}, {@code nme_vp}. */
    public static double flops(Objective o, String product) {
        Mlp m = o.model();
        double f = forwardFlops(o);
        double first = 2.0 * o.data().size() * m.width(1) * m.width(0);
        double last = 2.0 * o.data().size() * m.width(m.layers()) * m.width(m.layers() - 1);
        double fp = f - first;
        return switch (product) {
            case "gradient" -> 2 * f + fp;
            case "hvp" -> 3 * f + 5 * fp;
            case "ggn_vp" -> 3 * f + 2 * fp;
            case "nme_vp" -> 3 * f + 5 * fp - 2 * last;
            default -> throw new IllegalArgumentException("no flop model for " + product);
        };
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
                b.append(", \"").append(product).append("\": ").append(flops(o, product));
            }
            System.out.println(b.append("}"));
        }
    }
}
