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

/** Block Hessian products H·V (k vectors) and the dense Hessian of a P ≈ 3000 model. */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 4, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class BlockBench {

    @Param({"784-256-256-10:tanh:cross_entropy:1024"})
    public String workload;

    @Param({"16", "64"})
    public int k;

    private Evaluator obj;
    private double[] theta, vs, out;

    @Setup
    public void setup() {
        obj = Workloads.build(workload, 2);
        theta = obj.problem().model().initPyTorchDefault(1);
        SplittableRandom r = new SplittableRandom(3);
        vs = new double[k * obj.dim()];
        for (int i = 0; i < vs.length; i++) vs[i] = r.nextDouble() - 0.5;
        out = new double[k * obj.dim()];
    }

    @Benchmark
    public double[] hvpBlock() {
        obj.apply(Part.HESSIAN, theta, vs, out, k);
        return out;
    }
}
