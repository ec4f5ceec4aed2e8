package dev.morse.bench;

import dev.morse.engine.Evaluator;
import dev.morse.engine.Part;
import dev.morse.engine.Problem;
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

/** The dense Hessian of a P ≈ 3000 model (30-40-40-1, N = 256: P = 2921), and its full spectrum end to end. */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 3)
@Measurement(iterations = 3, time = 3)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class DenseHessianBench {

    @Param({"30-40-40-1:tanh:mse:256"})
    public String workload;

    private Evaluator obj;
    private double[] theta;

    @Setup
    public void setup() {
        obj = Workloads.build(workload, 2);
        theta = obj.problem().model().initPyTorchDefault(1);
    }

    @Benchmark
    public double[] denseHessian() {
        return obj.dense(Part.HESSIAN, theta);
    }

    @Benchmark
    public double denseSpectrum() {
        double[] h = obj.dense(Part.HESSIAN, theta);
        try (var scope = obj.nativeScope()) {
            return dev.morse.linalg.Linalg.get().eighInPlace(h, obj.dim(), false).values()[0];
        }
    }
}
