package dev.morse.bench;

import dev.morse.engine.Evaluator;
import dev.morse.engine.Part;
import dev.morse.engine.Problem;
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
 * Curvature products of the engine on the workloads (see {@link Workloads} for the flop
 * model). Threads: Morse's own workers (OpenBLAS kept at one thread). Seeded θ, v, data; the setup
 * checks the benchmark's own output (H·v = G·v + M·v) so a broken product cannot post a time.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class ProductBench {

    @Param({"784-256-256-10:tanh:cross_entropy:1024", "100-100-100-10:tanh:cross_entropy:256", "20-50-50-1:tanh:mse:1000"})
    public String workload;

    @Param({"2"})
    public int threads;

    /**
     * fresh: every product recomputes the forward and backward passes (θ changes between calls, as
     * in an optimizer or PyHessian's per-call double backward). cached: θ fixed across calls, as in
     * Lanczos or SLQ, so only the tangent and R-backward passes run. The gradient always runs fresh.
     */
    @Param({"fresh", "cached"})
    public String mode;

    private Evaluator obj;
    private Evaluator freshObj;   // for the gradient
    private double[] theta, v, out, out2, out3;

    @Setup
    public void setup() {
        obj = Workloads.build(workload, threads, mode.equals("cached"));
        freshObj = Workloads.build(workload, threads, false);
        theta = obj.problem().model().initPyTorchDefault(1);
        SplittableRandom r = new SplittableRandom(2);
        v = new double[obj.dim()];
        for (int i = 0; i < v.length; i++) v[i] = r.nextDouble() - 0.5;
        out = new double[obj.dim()];
        out2 = new double[obj.dim()];
        out3 = new double[obj.dim()];
        obj.hvp(theta, v, out);
        obj.ggnVp(theta, v, out2);
        obj.nmeVp(theta, v, out3);
        double err = 0, scale = 0;
        for (int i = 0; i < out.length; i++) {
            err = Math.max(err, Math.abs(out[i] - out2[i] - out3[i]));
            scale = Math.max(scale, Math.abs(out[i]));
        }
        if (err > 1e-10 * scale) throw new IllegalStateException("H·v ≠ G·v + M·v: " + err);
    }

    @Benchmark
    public double gradient() {
        return freshObj.dataLossAndGradient(theta, out);
    }

    @Benchmark
    public double[] hvp() {
        obj.hvp(theta, v, out);
        return out;
    }

    @Benchmark
    public double[] ggnVp() {
        obj.ggnVp(theta, v, out);
        return out;
    }

    @Benchmark
    public double[] nmeVp() {
        obj.nmeVp(theta, v, out);
        return out;
    }
}
