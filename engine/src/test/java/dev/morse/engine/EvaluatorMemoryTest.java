package dev.morse.engine;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.morse.linalg.MemoryLimitException;
import org.junit.jupiter.api.Test;

/**
 * An evaluator whose P-sized buffers cannot fit in the heap is refused when it is opened, with a
 * {@link MemoryLimitException} giving the estimate, the heap and the advice; it used to throw a
 * raw OutOfMemoryError from deep inside (ChunkResults, ThetaKey, Mlp's initializers).
 */
class EvaluatorMemoryTest {

    private static Problem problem(Mlp mlp) {
        int n = 8;
        return Problem.of(mlp, Dataset.regression(new double[n], n, 1, new double[n], 1), Loss.MSE);
    }

    @Test
    void anEvaluatorThatCannotFitIsRefusedAtOpen() {
        Mlp mlp = Mlp.of(Activation.TANH, 1, 46000, 46000, 1);   // P ≈ 2.1e9: 17 GB per vector of P
        long p = mlp.numParameters();
        // Enough workers that their slots alone exceed any heap this JVM has.
        int threads = (int) Math.min(0xFFFF, Runtime.getRuntime().maxMemory() / (8 * p) + 2);
        Evaluator.Settings s = Evaluator.Settings.defaults().withThreads(threads);
        assertTrue(Evaluator.bytesNeeded(problem(mlp), s) >= 8.0 * p * (threads + 3));
        MemoryLimitException e = assertThrows(MemoryLimitException.class, () -> Evaluator.open(problem(mlp), s));
        assertTrue(e.getMessage().contains("an evaluator for model 1-46000-46000-1") && e.getMessage().contains("withThreads")
                && e.getMessage().contains("withChunkRows") && e.getMessage().contains("-Xmx") && e.getMessage().contains("the heap has"), e.getMessage());
        assertEquals((long) Evaluator.bytesNeeded(problem(mlp), s), e.requestedBytes());
    }

    @Test
    void theEstimateCountsEachWorkersBuffers() {
        Mlp mlp = Mlp.of(Activation.TANH, 1, 50, 40, 1);
        Problem pr = problem(mlp);
        double one = Evaluator.bytesNeeded(pr, Evaluator.Settings.defaults().withThreads(1));
        double two = Evaluator.bytesNeeded(pr, Evaluator.Settings.defaults().withThreads(2));
        double perWorker = two - one;
        // per worker: P of results and a chunk state (8 rows); no product buffers: gradient-only work (training, gd,
        // L-BFGS) never allocates them, and they are checked when they grow
        assertEquals(8.0 * (mlp.numParameters() + ChunkState.doubles(mlp.widths(), 8)), perWorker, 1e-6);
        assertEquals(one - perWorker, 8.0 * 3 * mlp.numParameters(), 1e-6);   // the shared vectors
        assertDoesNotThrow(() -> Evaluator.open(pr, Evaluator.Settings.defaults().withThreads(2)).close());
    }

    @Test
    void aThetaThatCannotFitIsRefused() {
        Mlp mlp = Mlp.of(Activation.TANH, 1, 46000, 46000, 1);
        assumeTrue(Runtime.getRuntime().maxMemory() < 8L * mlp.numParameters(), "the heap could hold θ of 17 GB");
        MemoryLimitException e = assertThrows(MemoryLimitException.class, () -> mlp.initPyTorchDefault(1));
        assertTrue(e.getMessage().contains("θ of model 1-46000-46000-1"), e.getMessage());
        assertThrows(MemoryLimitException.class, () -> mlp.initGaussian(1, 1));
    }
}
