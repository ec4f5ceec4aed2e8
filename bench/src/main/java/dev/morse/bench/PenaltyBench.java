package dev.morse.bench;

import dev.morse.engine.Batch;
import dev.morse.engine.Evaluator;
import dev.morse.engine.Penalty;
import dev.morse.engine.Problem;
import dev.morse.engine.Workload;
import dev.morse.training.Trainer;
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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One training step with a penalty of SPEC §11 (issue 13): the objective and its gradient (or
 * update direction) at a new θ on a minibatch, the probe or noise drawn inside the step from the
 * step's seed, as {@code morse bench --products *_step} and {@code bench/compare/penalties.py} time
 * it. The workload's samples are the minibatch (784-256-256-10 cross-entropy, 128 samples by
 * default). θ alternates between two values, so no pass of the previous step is reused. Flops:
 * {@link dev.morse.engine.FlopModel} ({@code gradient_norm_step} etc.).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 4, time = 2)
@Measurement(iterations = 6, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class PenaltyBench {

    @Param({"784-256-256-10:tanh:cross_entropy:128"})
    public String workload;

    @Param({"gradient_norm:0.1:1", "gradient_norm_ggn:0.1:1", "sam:0.05", "weight_noise:0.01:1", "hessian_trace:0.1:1", "ggn_trace:0.1:1"})
    public String penalty;

    @Param({"2"})
    public int threads;

    private Evaluator ev;
    private double[] theta, grad;
    private double a, b;
    private long step;
    private final Batch[] batches = {Batch.all().withSeed(1), Batch.all().withSeed(2)};

    @Setup
    public void setup() {
        Problem base = Workload.parse(workload).problem();
        // As morse train runs a step: the smallest chunk of training (a batch of 128: two chunks of 64).
        ev = Evaluator.open(base.withTerms(Penalty.parse(penalty)), Trainer.settings(Evaluator.Settings.defaults().withThreads(threads)));
        theta = base.model().initPyTorchDefault(1);
        grad = new double[ev.dim()];
        a = theta[0];
        b = a + 1e-9;
        double v = ev.lossAndGradient(batches[0], theta, grad);
        if (!Double.isFinite(v) || !Double.isFinite(grad[0])) throw new IllegalStateException(penalty + ": non-finite step");
    }

    @TearDown
    public void tearDown() {
        ev.close();
    }

    @Benchmark
    public double step() {
        int i = (int) (step++ & 1);
        theta[0] = i == 0 ? a : b;
        return ev.lossAndGradient(batches[i], theta, grad);
    }
}
