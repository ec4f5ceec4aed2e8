package dev.morse.bench;

import dev.morse.linalg.Linalg;
import dev.morse.linalg.NativeThreads;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Symmetric eigendecomposition (dsyevd) through the facade: native OpenBLAS against the pure-Java
 * fallback, values only and with vectors; and the raw netlib call for the facade's overhead
 * (the one place outside the native module that calls netlib directly, on purpose). Single-shot
 * timing: each call is long (up to seconds), so a few iterations suffice; three warm-up calls, so
 * that the facade's O(n²) argument scan is compiled before it is timed. OpenBLAS uses all cores.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3)
@Measurement(iterations = 3)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class EigenBench {

    @Param({"500", "1000", "2000", "4000"})
    public int n;

    @Param({"native", "java", "raw"})
    public String backend;

    @Param({"false", "true"})
    public boolean vectors;

    private double[] a;
    private double[] work;
    private NativeThreads.Scope scope;

    @Setup(Level.Trial)
    public void setup() {
        scope = NativeThreads.dense();   // every core for LAPACK during the trial; closed in tearDown
        SplittableRandom r = new SplittableRandom(3);
        a = new double[n * n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j <= i; j++) {
                double v = r.nextDouble() - 0.5;
                a[i * n + j] = v;
                a[j * n + i] = v;
            }
        }
        work = new double[n * n];
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        scope.close();
    }

    @Setup(Level.Invocation)
    public void copy() {
        System.arraycopy(a, 0, work, 0, a.length);
    }

    @Benchmark
    public double eigh() {
        return switch (backend) {
            case "native" -> Linalg.nativeBackend().eighInPlace(work, n, vectors).values()[n - 1];
            case "java" -> Linalg.javaFallback().eighInPlace(work, n, vectors).values()[n - 1];
            default -> RawNetlib.dsyevd(work, n, vectors);
        };
    }

    /** The raw netlib call with the same workspace query, as a baseline for the facade. */
    static final class RawNetlib {
        static double dsyevd(double[] a, int n, boolean vectors) {
            Linalg.nativeBackend();   // Morse points netlib at its library first (the bundled OpenBLAS by default)
            dev.ludovic.netlib.lapack.LAPACK lapack = dev.ludovic.netlib.lapack.NativeLAPACK.getInstance();
            String jobz = vectors ? "V" : "N";
            double[] w = new double[n];
            double[] qw = new double[1];
            int[] qi = new int[1];
            org.netlib.util.intW info = new org.netlib.util.intW(0);
            lapack.dsyevd(jobz, "U", n, a, Math.max(1, n), w, qw, -1, qi, -1, info);
            double[] work = new double[(int) qw[0]];
            int[] iwork = new int[qi[0]];
            lapack.dsyevd(jobz, "U", n, a, Math.max(1, n), w, work, work.length, iwork, iwork.length, info);
            if (info.val != 0) throw new IllegalStateException("dsyevd info=" + info.val);
            return w[n - 1];
        }
    }
}
