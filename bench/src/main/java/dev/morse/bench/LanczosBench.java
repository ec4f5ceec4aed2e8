package dev.morse.bench;

import dev.morse.engine.Evaluator;
import dev.morse.engine.Part;
import dev.morse.engine.Problem;
import dev.morse.engine.CurvatureOperator;
import dev.morse.spectra.Lanczos;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.AuxCounters;
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
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Lanczos top-10 of the Hessian of 784-256-256-10 (N = 1024): the whole run, and the number of
 * products it used, so the overhead over the products' own time (ProductBench.hvp × products)
 * can be stated. Single shot: one run is seconds long.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 1)
@Measurement(iterations = 3)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class LanczosBench {

    @Param({"784-256-256-10:tanh:cross_entropy:1024"})
    public String workload;

    private Evaluator obj;
    private double[] theta;

    /** Products used by the last run (reported by JMH as a secondary result). */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.EVENTS)
    public static class Counts {
        public long products;

        @Setup(Level.Iteration)
        public void reset() {
            products = 0;
        }
    }

    @Setup
    public void setup() {
        obj = Workloads.build(workload, 2);
        theta = obj.problem().model().initPyTorchDefault(1);
    }

    @Benchmark
    public double top10(Counts counts) {
        Lanczos.Result r = Lanczos.run(CurvatureOperator.hessian(obj, theta), new Lanczos.Options().k(10).which(Lanczos.Which.LARGEST).seed(1));
        if (!r.allConverged()) throw new IllegalStateException("Lanczos did not converge: residuals " + java.util.Arrays.toString(r.residuals()));
        counts.products += r.products();
        return r.ritzValues()[9];
    }
}
