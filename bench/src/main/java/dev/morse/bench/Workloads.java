package dev.morse.bench;

import dev.morse.engine.Activation;
import dev.morse.engine.Dataset;
import dev.morse.engine.Loss;
import dev.morse.engine.Mlp;
import dev.morse.engine.Objective;
import java.util.SplittableRandom;

/**
 * The benchmark workloads of the issues, seeded, with their flop models. A dense layer pass over
 * N samples costs 2·N·d_in·d_out flops; per product (weights only, elementwise work ignored):
 * forward F = Σ_l 2N d_l d_{l−1}; gradient 3F (forward, ∂W, ∂Z); HVP 9F in the fused
 * forward-over-reverse pass (forward, backward, 2 tangent GEMMs, 4 R-backward GEMMs, the first
 * layer saves two); G·v 7F; M·v 7F.
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

    /** Forward-pass flops F = Σ_l 2 N d_l d_{l−1}. */
    public static double forwardFlops(Objective o) {
        Mlp m = o.model();
        double f = 0;
        for (int l = 1; l <= m.layers(); l++) f += 2.0 * o.data().size() * m.width(l) * m.width(l - 1);
        return f;
    }

    /** Flops of one product by the model above. */
    public static double flops(Objective o, String product) {
        double f = forwardFlops(o);
        return switch (product) {
            case "gradient" -> 3 * f;
            case "hvp" -> 9 * f;
            case "ggn_vp", "nme_vp" -> 7 * f;
            default -> throw new IllegalArgumentException(product);
        };
    }
}
