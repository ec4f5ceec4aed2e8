package dev.morse.engine;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.morse.analysis.MorseReport;
import java.util.concurrent.CancellationException;
import org.junit.jupiter.api.Test;

/**
 * The first layer's per-sample curvature (N × d_1² doubles per part) that the Morse check's block
 * assembly fills is released when the assembly ends, and when it stops (a cancellation): a sweep
 * keeps evaluators for its next tasks, which must not inherit it.
 */
class DenseCachesTest {

    @Test
    void theMorseChecksAssemblyReleasesTheFirstLayersCachesWhenCancelled() {
        Mlp mlp = Mlp.of(Activation.TANH, 2, 12, 10, 1);   // its first layer's columns by the Kronecker form, with their caches
        try (Evaluator e = Evaluator.open(Problem.of(mlp, Problems.regression(64, 2, 1, 5), Loss.MSE, Regularizer.l2(1e-3)),
                Evaluator.Settings.defaults().withThreads(2))) {
            double[] theta = mlp.initPyTorchDefault(3);
            MorseReport.at(e, theta, MorseReport.Options.defaults());
            assertFalse(e.holdsDenseCaches(), "released at the end of a finished check");
            boolean[] held = {false};
            try {
                assertThrows(CancellationException.class, () -> MorseReport.at(e, theta, MorseReport.Options.defaults(), new MorseReport.Listener() {
                    @Override
                    public void update(long done, long total) {
                        held[0] |= e.holdsDenseCaches();
                        Thread.currentThread().interrupt();   // as another thread's interrupt would, during the assembly
                    }
                }));
            } finally {
                Thread.interrupted();
            }
            assertTrue(held[0], "the assembly had filled the caches when it was interrupted");
            assertFalse(e.holdsDenseCaches(), "released when the assembly stops");
        }
    }
}
