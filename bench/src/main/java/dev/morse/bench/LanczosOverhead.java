package dev.morse.bench;

import dev.morse.engine.CurvatureOperator;
import dev.morse.engine.Evaluator;
import dev.morse.simd.Ranges;
import dev.morse.spectra.Lanczos;
import dev.morse.spectra.LinearOperator;
import java.util.Arrays;
import java.util.Locale;

/**
 * Lanczos overhead over its own products, in one JVM (issue 11, part 3): top-10 Ritz values of the
 * Hessian of a workload (default 784-256-256-10, N = 1024, P = 269 322), with full and with partial
 * reorthogonalization, against the time of the same number of cached H·v products at the same θ.
 * overhead = (T_lanczos − T_products) / T_products. Runs alternate (products, FULL, PARTIAL) so
 * drift affects all three alike; medians over the rounds. The operator is wrapped in a timer, so the
 * overhead splits into Lanczos's own work (T_lanczos − the time inside its products) and the
 * products' own slowdown inside Lanczos (time inside them against the reference products).
 *
 * <pre>{@code bench/run lanczos-overhead [WORKLOAD] [ROUNDS] [THREADS]}</pre>
 */
public final class LanczosOverhead {
    private LanczosOverhead() {}

    public static void main(String[] args) {
        String workload = args.length > 0 ? args[0] : "784-256-256-10:tanh:cross_entropy:1024";
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        int threads = args.length > 2 ? Integer.parseInt(args[2]) : Runtime.getRuntime().availableProcessors();
        try (Evaluator ev = Workloads.build(workload, threads)) {
            double[] theta = ev.problem().model().initPyTorchDefault(1);
            Timed h = new Timed(CurvatureOperator.hessian(ev, theta));
            int p = ev.dim();
            double[] v = new double[p], out = new double[p];
            for (int i = 0; i < p; i++) v[i] = Math.sin(i);
            // Warm-up: JIT and the chunk states at θ (every timed product below is a cached one).
            for (int i = 0; i < 20; i++) h.apply(v, out);
            Lanczos.Result full0 = run(h, Lanczos.Reorthogonalization.FULL);
            Lanczos.Result part0 = run(h, Lanczos.Reorthogonalization.PARTIAL);
            double[] tProducts = new double[rounds], tFull = new double[rounds], tPart = new double[rounds];
            double[] inFull = new double[rounds], inPart = new double[rounds];   // seconds inside the products
            long nFull = full0.products(), nPart = part0.products();
            for (int r = 0; r < rounds; r++) {
                long t0 = System.nanoTime();
                for (long i = 0; i < nFull; i++) h.apply(v, out);
                tProducts[r] = (System.nanoTime() - t0) * 1e-9 / nFull;   // seconds per cached product
                h.nanos = 0;
                t0 = System.nanoTime();
                Lanczos.Result f = run(h, Lanczos.Reorthogonalization.FULL);
                tFull[r] = (System.nanoTime() - t0) * 1e-9;
                inFull[r] = h.nanos * 1e-9;
                h.nanos = 0;
                t0 = System.nanoTime();
                Lanczos.Result pr = run(h, Lanczos.Reorthogonalization.PARTIAL);
                tPart[r] = (System.nanoTime() - t0) * 1e-9;
                inPart[r] = h.nanos * 1e-9;
                if (f.products() != nFull || pr.products() != nPart) throw new IllegalStateException("product counts changed between runs");
            }
            double perProduct = median(tProducts), full = median(tFull), part = median(tPart);
            double maxDiff = 0;
            for (int i = 0; i < full0.ritzValues().length; i++) maxDiff = Math.max(maxDiff, Math.abs(full0.ritzValues()[i] - part0.ritzValues()[i]));
            System.out.printf(Locale.ROOT, "workload %s, P = %d, threads %d, %d rounds (medians)%n", workload, p, threads, rounds);
            System.out.printf(Locale.ROOT, "cached H·v: %.2f ms%n", perProduct * 1e3);
            print("FULL", full, nFull, full0, perProduct);
            split("FULL", tFull, inFull, nFull * perProduct);
            print("PARTIAL", part, nPart, part0, perProduct);
            split("PARTIAL", tPart, inPart, nPart * perProduct);
            System.out.printf(Locale.ROOT, "max |Ritz FULL − Ritz PARTIAL| = %.2e (largest Ritz value %.6e)%n", maxDiff,
                    full0.ritzValues()[full0.ritzValues().length - 1]);
            System.out.printf(Locale.ROOT, "{\"workload\": \"%s\", \"P\": %d, \"threads\": %d, \"rounds\": %d, \"product_ms\": %.4f, "
                            + "\"full\": {\"seconds\": %.4f, \"products\": %d, \"sweeps\": %d, \"overhead\": %.4f}, "
                            + "\"partial\": {\"seconds\": %.4f, \"products\": %d, \"sweeps\": %d, \"overhead\": %.4f}, \"max_ritz_difference\": %.3e}%n",
                    workload, p, threads, rounds, perProduct * 1e3, full, nFull, full0.reorthogonalizations(), full / (nFull * perProduct) - 1,
                    part, nPart, part0.reorthogonalizations(), part / (nPart * perProduct) - 1, maxDiff);
        }
    }

    /** Medians over the rounds of Lanczos's own work and of the time inside its products, each against the reference products' time. */
    private static void split(String name, double[] total, double[] inside, double reference) {
        double[] own = new double[total.length];
        for (int i = 0; i < total.length; i++) own[i] = total[i] - inside[i];
        System.out.printf(Locale.ROOT, "%-8s own work %.2f s (%.1f %% of the products), inside its products %.2f s (%+.1f %% against the reference)%n",
                name, median(own), 100 * median(own) / reference, median(inside), 100 * (median(inside) / reference - 1));
    }

    /** The operator with the time spent inside apply added up (Lanczos calls it from one thread). */
    private static final class Timed implements LinearOperator {
        private final CurvatureOperator op;
        long nanos;

        Timed(CurvatureOperator op) {
            this.op = op;
        }

        @Override
        public int dim() {
            return op.dim();
        }

        @Override
        public void apply(double[] v, double[] out) {
            long t0 = System.nanoTime();
            op.apply(v, out);
            nanos += System.nanoTime() - t0;
        }

        @Override
        public Ranges ranges() {
            return op.ranges();
        }
    }

    private static Lanczos.Result run(LinearOperator h, Lanczos.Reorthogonalization r) {
        Lanczos.Result res = Lanczos.run(h, new Lanczos.Options().k(10).which(Lanczos.Which.LARGEST).seed(1).reorthogonalization(r));
        if (!res.allConverged()) throw new IllegalStateException(r + ": Lanczos did not converge: " + Arrays.toString(res.residuals()));
        return res;
    }

    private static void print(String name, double seconds, long products, Lanczos.Result r, double perProduct) {
        System.out.printf(Locale.ROOT, "%-8s %7.2f s, %d products (%.2f s of products), %d basis sweeps, %d restarts: overhead %.1f %%%n",
                name, seconds, products, products * perProduct, r.reorthogonalizations(), r.restarts(), 100 * (seconds / (products * perProduct) - 1));
    }

    private static double median(double[] a) {
        double[] s = a.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : 0.5 * (s[s.length / 2 - 1] + s[s.length / 2]);
    }
}
