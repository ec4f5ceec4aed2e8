package dev.morse.bench;

import dev.morse.linalg.Linalg;
import dev.morse.simd.KernelProvider;
import dev.morse.simd.Kernels;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Level-1 kernels and GEMM: the Vector API kernels against their scalar twins and native BLAS.
 * Flop model: dot and axpy 2n, GEMM 2mnk. One fork, flags as in production; 3 warm-up iterations
 * let C2 compile the vector loops before measuring.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class KernelBench {

    @Param({"vector", "scalar"})
    public String impl;

    @Param({"1024"})
    public int n;

    private Kernels k;
    private double[] x, y;

    @Setup
    public void setup() {
        k = impl.equals("vector") ? KernelProvider.vector() : KernelProvider.scalar();
        SplittableRandom r = new SplittableRandom(1);
        x = new double[n];
        y = new double[n];
        for (int i = 0; i < n; i++) {
            x[i] = r.nextDouble() - 0.5;
            y[i] = r.nextDouble() - 0.5;
        }
        // Self-check: the kernel under test agrees with the scalar oracle.
        double a = k.dot(n, x, 0, y, 0), b = KernelProvider.scalar().dot(n, x, 0, y, 0);
        if (Math.abs(a - b) > 1e-10 * n) throw new IllegalStateException("dot disagrees with the scalar oracle: " + a + " vs " + b);
    }

    @Benchmark
    public double dot() {
        return k.dot(n, x, 0, y, 0);
    }

    @Benchmark
    public double[] axpy() {
        k.axpy(n, 1e-9, x, 0, y, 0);
        return y;
    }

    /** GEMM C = A·B, square, row-major: Morse's Vector GEMM, the scalar triple loop, and native OpenBLAS (one thread). */
    @State(Scope.Thread)
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    @Warmup(iterations = 3, time = 1)
    @Measurement(iterations = 5, time = 1)
    @Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
    public static class Gemm {
        @Param({"vector", "scalar", "native"})
        public String impl;

        @Param({"256"})
        public int size;

        private double[] a, b, c;

        @Setup
        public void setup() {
            SplittableRandom r = new SplittableRandom(2);
            a = new double[size * size];
            b = new double[size * size];
            c = new double[size * size];
            for (int i = 0; i < a.length; i++) {
                a[i] = r.nextDouble() - 0.5;
                b[i] = r.nextDouble() - 0.5;
            }
            if (impl.equals("native")) dev.morse.linalg.NativeThreads.init();   // one OpenBLAS thread: a kernel against a kernel
            run();
            double[] ref = new double[size * size];
            KernelProvider.scalar().gemm(false, false, size, size, size, 1, a, 0, size, b, 0, size, 0, ref, 0, size);
            for (int i = 0; i < ref.length; i++) {
                if (Math.abs(ref[i] - c[i]) > 1e-12 * size) throw new IllegalStateException(impl + " GEMM disagrees with the scalar oracle at " + i);
            }
        }

        @Benchmark
        public double[] run() {
            switch (impl) {
                case "vector" -> KernelProvider.vector().gemm(false, false, size, size, size, 1, a, 0, size, b, 0, size, 0, c, 0, size);
                case "scalar" -> KernelProvider.scalar().gemm(false, false, size, size, size, 1, a, 0, size, b, 0, size, 0, c, 0, size);
                default -> Linalg.nativeBackend().dgemm(false, false, size, size, size, 1, a, 0, size, b, 0, size, 0, c, 0, size);
            }
            return c;
        }
    }

    /**
     * The activation map of a forward pass with its first derivative (f and f′, as a gradient
     * needs), over one 128 × 512 minibatch layer of pre-activations drawn from N(0, σ²): the
     * Vector API kernels against their scalar twins. GELU's Φ takes the series alone where all
     * lanes of a vector pair lie inside |x| &lt; 2.5·√2 (most of them at σ = 1.5, few at σ = 4).
     */
    @State(Scope.Thread)
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    @Warmup(iterations = 3, time = 1)
    @Measurement(iterations = 5, time = 1)
    @Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
    public static class Map {
        @Param({"vector", "scalar"})
        public String impl;

        @Param({"GELU", "TANH"})
        public String function;

        @Param({"1.5", "4"})
        public double sigma;

        private Kernels k;
        private dev.morse.simd.ElementwiseFunction f;
        private final int n = 128 * 512;
        private double[] x, value, d1;

        @Setup
        public void setup() {
            k = impl.equals("vector") ? KernelProvider.vector() : KernelProvider.scalar();
            f = dev.morse.simd.ElementwiseFunction.valueOf(function);
            java.util.Random r = new java.util.Random(3);
            x = new double[n];
            value = new double[n];
            d1 = new double[n];
            for (int i = 0; i < n; i++) x[i] = sigma * r.nextGaussian();
            // Self-check against the scalar twin (the vector exp and the fma placement differ in the last bits).
            double[] v2 = new double[n], g2 = new double[n];
            run();
            KernelProvider.scalar().map(f, 1.0, n, x, v2, g2, null);
            for (int i = 0; i < n; i++) {
                if (Math.abs(v2[i] - value[i]) > 1e-12 * (1 + Math.abs(v2[i])) || Math.abs(g2[i] - d1[i]) > 1e-12 * (1 + Math.abs(g2[i]))) {
                    throw new IllegalStateException(impl + " " + function + " disagrees with the scalar twin at x = " + x[i]);
                }
            }
        }

        @Benchmark
        public double[] run() {
            k.map(f, 1.0, n, x, value, d1, null);
            return d1;
        }
    }
}
