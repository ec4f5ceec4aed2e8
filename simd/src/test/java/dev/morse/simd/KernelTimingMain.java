package dev.morse.simd;

import java.util.Random;

/**
 * Quick timing probe, not a unit test and not a benchmark (real benchmarks are JMH, in bench/):
 * run by hand to sanity-check kernel speed, e.g.
 * {@code java --add-modules jdk.incubator.vector -cp target/classes:target/test-classes dev.morse.simd.KernelTimingMain}.
 * Reports the best of several timed repetitions after a warm-up, and the bytes allocated by the
 * timed GEMM calls (expected 0: the packing workspace is reused).
 */
public final class KernelTimingMain {

    private KernelTimingMain() {
    }

    public static void main(String[] args) {
        int size = args.length > 0 ? Integer.parseInt(args[0]) : 256;
        Kernels vector = KernelProvider.vector();
        Kernels scalar = KernelProvider.scalar();
        Random rnd = new Random(42);
        int m = size;
        int n = size;
        int k = size;
        double[] a = new double[m * k];
        double[] b = new double[k * n];
        double[] c = new double[m * n];
        for (int i = 0; i < a.length; i++) {
            a[i] = rnd.nextDouble() - 0.5;
        }
        for (int i = 0; i < b.length; i++) {
            b[i] = rnd.nextDouble() - 0.5;
        }
        double flops = 2.0 * m * n * k;
        // Warm every path (transposes, beta 0 / 1 / other) first, so no later call deoptimizes.
        long warmUntil = System.nanoTime() + 2_000_000_000L; // 2 s: enough for C2 at every size
        for (int rep = 0; rep < 30 || System.nanoTime() < warmUntil; rep++) {
            for (int v = 0; v < 4; v++) {
                boolean ta = (v & 2) != 0;
                boolean tb = (v & 1) != 0;
                for (double beta : new double[] {0.0, 1.0, 0.5}) {
                    vector.gemm(ta, tb, m, n, k, 1.0, a, 0, ta ? m : k, b, 0, tb ? k : n, beta, c, 0, n);
                }
            }
        }
        for (int v = 0; v < 4; v++) {
            boolean ta = (v & 2) != 0;
            boolean tb = (v & 1) != 0;
            double best = Double.MAX_VALUE;
            long alloc0 = allocated();
            for (int rep = 0; rep < 20; rep++) {
                long t0 = System.nanoTime();
                int inner = 10;
                for (int r = 0; r < inner; r++) {
                    vector.gemm(ta, tb, m, n, k, 1.0, a, 0, ta ? m : k, b, 0, tb ? k : n, 0.0, c, 0, n);
                }
                best = Math.min(best, (System.nanoTime() - t0) / (double) inner);
            }
            long alloc = allocated() - alloc0;
            System.out.printf("gemm %d^3 transA=%b transB=%b: %.2f GFLOP/s (best of 20x10), allocated %d bytes in 200 calls%n",
                    size, ta, tb, flops / best, alloc);
        }
        int len = 1024;
        double[] x = new double[len];
        double[] y = new double[len];
        for (int i = 0; i < len; i++) {
            x[i] = rnd.nextDouble();
            y[i] = rnd.nextDouble();
        }
        for (int round = 0; round < 2; round++) {
            double ds = timeDot(scalar, x, y);
            double dv = timeDot(vector, x, y);
            double as = timeAxpy(scalar, x, y);
            double av = timeAxpy(vector, x, y);
            if (round == 1) {
                System.out.printf("dot  n=%d: scalar %.1f ns, vector %.1f ns, ratio %.2fx%n", len, ds, dv, ds / dv);
                System.out.printf("axpy n=%d: scalar %.1f ns, vector %.1f ns, ratio %.2fx%n", len, as, av, as / av);
            }
        }
        double[] out1 = new double[len];
        double[] out2 = new double[len];
        double[] out3 = new double[len];
        for (ElementwiseFunction f : ElementwiseFunction.values()) {
            double ts = 0;
            double tv = 0;
            for (int round = 0; round < 2; round++) {
                ts = timeMap(scalar, f, x, out1, out2, out3);
                tv = timeMap(vector, f, x, out1, out2, out3);
            }
            long alloc0 = allocated();
            vector.map(f, 1.0, len, x, out1, out2, out3);
            long alloc = allocated() - alloc0;
            System.out.printf("map %-8s n=%d: scalar %.2f ns/elem, vector %.2f ns/elem, vector allocated %d bytes%n",
                    f, len, ts / len, tv / len, alloc);
        }
    }

    private static double sink;

    private static double timeDot(Kernels kern, double[] x, double[] y) {
        double best = Double.MAX_VALUE;
        for (int rep = 0; rep < 200; rep++) {
            long t0 = System.nanoTime();
            double s = 0;
            for (int r = 0; r < 1000; r++) {
                s += kern.dot(x.length, x, 0, y, 0);
            }
            best = Math.min(best, (System.nanoTime() - t0) / 1000.0);
            sink += s;
        }
        return best;
    }

    private static double timeAxpy(Kernels kern, double[] x, double[] y) {
        double best = Double.MAX_VALUE;
        for (int rep = 0; rep < 200; rep++) {
            long t0 = System.nanoTime();
            for (int r = 0; r < 1000; r++) {
                kern.axpy(x.length, (r & 1) == 0 ? 1e-3 : -1e-3, x, 0, y, 0);
            }
            best = Math.min(best, (System.nanoTime() - t0) / 1000.0);
        }
        return best;
    }

    private static double timeMap(Kernels kern, ElementwiseFunction f, double[] x, double[] v, double[] d1, double[] d2) {
        double best = Double.MAX_VALUE;
        for (int rep = 0; rep < 50; rep++) {
            long t0 = System.nanoTime();
            for (int r = 0; r < 100; r++) {
                kern.map(f, 1.0, x.length, x, v, d1, d2);
            }
            best = Math.min(best, (System.nanoTime() - t0) / 100.0);
        }
        return best;
    }

    private static long allocated() {
        return ((com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean())
                .getCurrentThreadAllocatedBytes();
    }
}
