package dev.morse.engine;

import java.util.SplittableRandom;

/**
 * A seeded synthetic problem for benchmarks: an MLP with one activation, inputs uniform on
 * [−1, 1], uniform random class labels (cross-entropy) or targets on [0, 1) (mse), all drawn from
 * {@link SplittableRandom}(seed). Written as {@code WIDTHS:ACTIVATION:LOSS:N}, e.g.
 * {@code 784-256-256-10:tanh:cross_entropy:1024}. One definition for the JMH benchmarks and the
 * CLI's {@code bench} command, so their figures describe the same problem.
 */
public record Workload(Mlp model, Loss loss, int samples, long seed) {

    /** The seed the benchmarks use unless told otherwise. */
    public static final long DEFAULT_SEED = 42;

    public Workload {
        if (model == null || loss == null) throw new IllegalArgumentException("model and loss are required");
        if (samples < 1) throw new IllegalArgumentException("samples must be ≥ 1, got " + samples);
    }

    /** Parses {@code WIDTHS:ACTIVATION:LOSS:N} with the default seed. */
    public static Workload parse(String spec) {
        String[] p = spec.split(":");
        if (p.length != 4) throw new IllegalArgumentException("workload '" + spec + "': expected WIDTHS:ACTIVATION:LOSS:N, e.g. 784-256-256-10:tanh:cross_entropy:1024");
        int n;
        try {
            n = Integer.parseInt(p[3]);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("workload '" + spec + "': N '" + p[3] + "' is not an integer");
        }
        return new Workload(Mlp.of(Activation.parse(p[1]), Mlp.parseWidths(p[0])), Loss.parse(p[2]), n, DEFAULT_SEED);
    }

    /** The problem (no terms): seeded data for the model. */
    public Problem problem() {
        int d0 = model.inputDim(), c = model.outputDim(), n = samples;
        SplittableRandom r = new SplittableRandom(seed);
        double[] x = new double[Math.multiplyExact(n, d0)];
        for (int i = 0; i < x.length; i++) x[i] = r.nextDouble() * 2 - 1;
        Dataset data;
        if (loss == Loss.CROSS_ENTROPY) {
            int[] y = new int[n];
            for (int i = 0; i < n; i++) y[i] = r.nextInt(c);
            data = Dataset.classification(x, n, d0, y, c);
        } else {
            double[] y = new double[Math.multiplyExact(n, c)];
            for (int i = 0; i < y.length; i++) y[i] = r.nextDouble();
            data = Dataset.regression(x, n, d0, y, c);
        }
        return Problem.of(model, data, loss);
    }

    /** Flops of one product by {@link FlopModel}: fresh θ unless {@code cached}. */
    public double flops(String product, boolean cached) {
        return FlopModel.of(product, model, samples, cached);
    }

    @Override
    public String toString() {
        String act = model.layers() > 1 ? model.activation(1).name() : "identity";
        return Mlp.describeWidths(model.widths()) + ":" + act + ":" + loss.id() + ":" + samples;
    }
}
