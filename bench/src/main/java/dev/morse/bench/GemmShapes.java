package dev.morse.bench;

import dev.morse.linalg.Linalg;
import dev.morse.linalg.NativeThreads;
import dev.morse.simd.KernelProvider;
import dev.morse.simd.Kernels;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * GEMM at the shapes the engine runs, on one thread: the native BLAS Morse loaded (through
 * {@link Linalg}, as {@code ChunkPass} calls it) against Morse's Vector API GEMM
 * ({@link Kernels#gemm}), median µs and GFLOP/s over repeated calls. For the diagnosis of the
 * PyTorch comparison (issue 11 part 4): bench/compare/gemm_shapes.py times the same shapes with
 * torch.matmul in each PyTorch installation (MKL, OpenBLAS 0.3.21).
 *
 * <pre>{@code java … -cp bench/target/benchmarks.jar dev.morse.bench.GemmShapes [--json] SHAPE…}</pre>
 * A SHAPE is {@code NN|NT|TN:m:n:k} (row-major C[m×n] = op(A)·op(B), op(A) m×k; T = transposed as
 * stored, as {@link Linalg#dgemm}'s transA/transB). Without shapes: those of 784-256-256-10 with
 * 128-row chunks (N = 1024 in 8 chunks), 100-100-100-10 with 64-row chunks and 20-50-50-1 with
 * 125-row chunks, forward, backward and tangent.
 */
public final class GemmShapes {
    private GemmShapes() {}

    record Shape(boolean ta, boolean tb, int m, int n, int k) {
        static Shape parse(String s) {
            String[] p = s.split(":");
            if (p.length != 4 || p[0].length() != 2) throw new IllegalArgumentException("shape '" + s + "': expected NN|NT|TN|TT:m:n:k");
            return new Shape(p[0].charAt(0) == 'T', p[0].charAt(1) == 'T', Integer.parseInt(p[1]), Integer.parseInt(p[2]), Integer.parseInt(p[3]));
        }

        String label() {
            return (ta ? "T" : "N") + (tb ? "T" : "N") + ":" + m + ":" + n + ":" + k;
        }
    }

    /** The engine's GEMMs for one chunk of rows of an MLP d0-…-dL (forward, gradient, tangent). */
    static List<Shape> mlpShapes(int rows, int... d) {
        List<Shape> out = new ArrayList<>();
        for (int l = 1; l < d.length; l++) {
            out.add(new Shape(false, true, rows, d[l], d[l - 1]));    // A_l = Z W^T (and RA_l = Z V^T, RZ W^T)
            out.add(new Shape(true, false, d[l], d[l - 1], rows));    // dW_l = Gr^T Z (and the R-pass weight products)
            if (l > 1) out.add(new Shape(false, false, rows, d[l - 1], d[l]));   // dZ = Gr W (and RdZ)
        }
        return out;
    }

    public static void main(String[] args) {
        boolean json = false;
        List<Shape> shapes = new ArrayList<>();
        for (String a : args) {
            if (a.equals("--json")) json = true;
            else shapes.add(Shape.parse(a));
        }
        if (shapes.isEmpty()) {
            shapes.addAll(mlpShapes(128, 784, 256, 256, 10));
            shapes.addAll(mlpShapes(64, 100, 100, 100, 10));
            shapes.addAll(mlpShapes(125, 20, 50, 50, 1));
        }
        NativeThreads.init();   // OpenBLAS at one thread, as the engine's workers run their GEMMs
        Linalg blas = Linalg.get();
        Kernels vec = KernelProvider.vector();
        SplittableRandom rnd = new SplittableRandom(1);
        StringBuilder js = new StringBuilder("[");
        if (!json) System.out.printf(Locale.ROOT, "%-18s %12s %10s %12s %10s %8s%n", "shape", "blas us", "GFLOP/s", "vector us", "GFLOP/s", "vec/blas");
        for (Shape s : shapes) {
            double[] a = fill(rnd, s.m * s.k), b = fill(rnd, s.k * s.n), c = new double[s.m * s.n];
            int lda = s.ta ? s.m : s.k, ldb = s.tb ? s.k : s.n;
            double flops = 2.0 * s.m * s.n * s.k;
            double tb = time(() -> blas.dgemm(s.ta, s.tb, s.m, s.n, s.k, 1.0, a, 0, lda, b, 0, ldb, 0.0, c, 0, s.n), flops);
            double tv = time(() -> vec.gemm(s.ta, s.tb, s.m, s.n, s.k, 1.0, a, 0, lda, b, 0, ldb, 0.0, c, 0, s.n), flops);
            if (json) {
                js.append(js.length() > 1 ? "," : "").append(String.format(Locale.ROOT,
                        "{\"shape\":\"%s\",\"blas_us\":%.3f,\"vector_us\":%.3f,\"flops\":%.0f}", s.label(), tb * 1e6, tv * 1e6, flops));
            } else {
                System.out.printf(Locale.ROOT, "%-18s %12.2f %10.1f %12.2f %10.1f %8.2f%n", s.label(), tb * 1e6, flops / tb / 1e9,
                        tv * 1e6, flops / tv / 1e9, tv / tb);
            }
        }
        if (json) System.out.println(js.append("]"));
        else System.out.println("blas = " + blas + "; vector = Morse's Vector API GEMM (" + KernelProvider.speciesName() + ")");
    }

    private static double[] fill(SplittableRandom r, int n) {
        double[] x = new double[n];
        for (int i = 0; i < n; i++) x[i] = r.nextDouble(-1, 1);
        return x;
    }

    private static final java.lang.management.ThreadMXBean CPU = java.lang.management.ManagementFactory.getThreadMXBean();

    /**
     * Median CPU seconds of this thread per call (one-thread GEMMs: the calling thread does all the
     * work, and on a shared machine CPU time is the steadier measure): warm-up for the JIT, then 15
     * batches of calls sized to ~20 ms each.
     */
    private static double time(Runnable f, double flops) {
        int per = (int) Math.max(1, Math.min(100_000, 2e-2 * 20e9 / flops));
        for (int i = 0; i < 5 * per + 200; i++) f.run();
        double[] t = new double[15];
        for (int r = 0; r < t.length; r++) {
            long t0 = CPU.getCurrentThreadCpuTime();
            for (int i = 0; i < per; i++) f.run();
            t[r] = (CPU.getCurrentThreadCpuTime() - t0) / 1e9 / per;
        }
        Arrays.sort(t);
        return t[t.length / 2];
    }
}
