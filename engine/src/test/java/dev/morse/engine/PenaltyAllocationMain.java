package dev.morse.engine;

import java.util.List;

/**
 * The child JVM of {@link PenaltyTest#steadyStatePenaltyRequestsAllocateLittle}: for each penalty,
 * rounds of 500 training requests (a new θ each, one thread) until one allocates under 256 bytes
 * per request or 20 s have passed; prints "RESULT, spec, bytes per request" (tab-separated) per penalty.
 */
final class PenaltyAllocationMain {
    private PenaltyAllocationMain() {
    }

    public static void main(String[] args) {
        var mx = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        Problem base = PenaltyTest.problem(Activation.GELU, Loss.CROSS_ENTROPY, 3);
        int p = base.dim();
        for (Penalty pen : List.of(Penalty.gradientNorm(0.1, 1), Penalty.hessianTrace(0.1, 2), Penalty.ggnTrace(0.1, 2),
                Penalty.sam(0.1), Penalty.weightNoise(0.01, 2))) {
            try (Evaluator ev = PenaltyTest.open(base.withTerms(pen), 1)) {
                double[] theta = PenaltyTest.theta(base, 3), g = new double[p];
                Batch b = Batch.all().withSeed(5);
                long perCall = Long.MAX_VALUE;
                for (long until = System.nanoTime() + 20_000_000_000L; perCall >= 256 && System.nanoTime() < until; ) {
                    long before = mx.getCurrentThreadAllocatedBytes();
                    for (int i = 0; i < 500; i++) {
                        theta[0] += 1e-9;   // a new θ each step, as in training
                        ev.lossAndGradient(b, theta, g);
                    }
                    perCall = (mx.getCurrentThreadAllocatedBytes() - before) / 500;
                }
                System.out.println("RESULT\t" + pen.spec() + "\t" + perCall);
            }
        }
    }
}
