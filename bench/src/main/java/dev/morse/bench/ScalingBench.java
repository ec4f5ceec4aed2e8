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
 * How the HVP's cost grows with N, width and depth (the products should be linear in N and in
 * the number of weights), and with threads (1 and 2). Short iterations: the point is the trend.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class ScalingBench {

    @Param({
        // N doubles at fixed model
        "784-256-256-10:tanh:cross_entropy:256", "784-256-256-10:tanh:cross_entropy:512",
        "784-256-256-10:tanh:cross_entropy:1024", "784-256-256-10:tanh:cross_entropy:2048",
        // width doubles at fixed N (weights grow ×~4 in the hidden-hidden layer)
        "784-128-128-10:tanh:cross_entropy:1024", "784-512-512-10:tanh:cross_entropy:1024",
        // depth: one more hidden layer each
        "784-256-10:tanh:cross_entropy:1024", "784-256-256-256-10:tanh:cross_entropy:1024"
    })
    public String workload;

    @Param({"1", "2"})
    public int threads;

    private Evaluator obj;
    private double[] theta, v, out;

    @Setup
    public void setup() {
        obj = Workloads.build(workload, threads, false);   // fresh: θ may change between calls
        theta = obj.problem().model().initPyTorchDefault(1);
        SplittableRandom r = new SplittableRandom(2);
        v = new double[obj.dim()];
        for (int i = 0; i < v.length; i++) v[i] = r.nextDouble() - 0.5;
        out = new double[obj.dim()];
    }

    @Benchmark
    public double[] hvp() {
        obj.hvp(theta, v, out);
        return out;
    }
}
