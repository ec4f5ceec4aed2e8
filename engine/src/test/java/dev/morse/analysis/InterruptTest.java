package dev.morse.analysis;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.morse.engine.Activation;
import dev.morse.engine.CurvatureOperator;
import dev.morse.engine.Dataset;
import dev.morse.engine.Evaluator;
import dev.morse.engine.Loss;
import dev.morse.engine.Mlp;
import dev.morse.engine.Part;
import dev.morse.engine.Problem;
import dev.morse.engine.Regularizer;
import dev.morse.spectra.DenseSpectrum;
import dev.morse.spectra.Lanczos;
import dev.morse.spectra.SpectralDensity;
import dev.morse.spectra.TraceEstimator;
import dev.morse.training.LearningRateSchedule;
import dev.morse.training.OptimizerConfig;
import dev.morse.training.Trainer;
import dev.morse.training.TrainingConfig;
import dev.morse.training.TrainingState;
import java.util.SplittableRandom;
import java.util.concurrent.CancellationException;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * Long work honours the calling thread's interrupt: it ends with a CancellationException at its
 * next progress point, leaves the interrupt flag set, and leaves the evaluator usable (the next
 * call gives the same bits). It used to run to the end with the flag set.
 */
class InterruptTest {

    private static Evaluator evaluator() {
        int n = 64;
        SplittableRandom r = new SplittableRandom(5);
        double[] x = new double[n * 2], y = new double[n];
        for (int i = 0; i < x.length; i++) x[i] = r.nextGaussian();
        for (int i = 0; i < n; i++) y[i] = r.nextGaussian();
        Mlp mlp = Mlp.of(Activation.TANH, 2, 12, 10, 1);
        return Evaluator.open(Problem.of(mlp, Dataset.regression(x, n, 2, y, 1), Loss.MSE, Regularizer.l2(1e-3)),
                Evaluator.Settings.defaults().withThreads(2));
    }

    /** Runs {@code work} with the flag set: a CancellationException naming {@code what}, the flag still set. */
    private static void cancelled(String what, Runnable work) {
        Thread.currentThread().interrupt();
        try {
            CancellationException e = assertThrows(CancellationException.class, work::run, what);
            assertTrue(e.getMessage().contains(what) && e.getMessage().contains("interrupted"), e.getMessage());
            assertTrue(Thread.currentThread().isInterrupted(), "the interrupt flag stays set");
        } finally {
            Thread.interrupted();   // clear it for what follows
        }
    }

    private static <T> void sameAfter(String what, Supplier<double[]> work, Runnable interrupted) {
        double[] before = work.get();
        cancelled(what, interrupted);
        assertArrayEquals(before, work.get(), "the next call after an interrupted " + what + " gives the same bits");
    }

    @Test
    void longWorkEndsAtItsNextProgressPoint() {
        try (Evaluator e = evaluator()) {
            double[] theta = e.problem().model().initPyTorchDefault(3);
            CurvatureOperator h = CurvatureOperator.hessian(e, theta);
            sameAfter("dense", () -> e.dense(Part.HESSIAN, theta), () -> e.dense(Part.HESSIAN, theta));
            // Interrupted after the first block, as an interrupt from another thread would be: no further block runs.
            int[] blocks = {0};
            Thread.interrupted();
            assertThrows(CancellationException.class, () -> e.dense(Part.GGN, theta, (d, t) -> {
                blocks[0]++;
                Thread.currentThread().interrupt();
            }));
            assertTrue(Thread.interrupted());
            assertEquals(1, blocks[0], "the dense request stopped after the block during which it was interrupted");
            sameAfter("Lanczos", () -> Lanczos.run(h, new Lanczos.Options().k(2)).ritzValues(), () -> Lanczos.run(h, new Lanczos.Options().k(2)));
            sameAfter("SLQ", () -> SpectralDensity.estimate(h, new SpectralDensity.Options().probes(2).steps(10)).nodes(),
                    () -> SpectralDensity.estimate(h, new SpectralDensity.Options().probes(2).steps(10)));
            sameAfter("Hutchinson", () -> new double[] {TraceEstimator.hutchinson(h, 4, 1).estimate()}, () -> TraceEstimator.hutchinson(h, 4, 1));
            sameAfter("Hutch++", () -> new double[] {TraceEstimator.hutchPlusPlus(h, 9, 1).estimate()}, () -> TraceEstimator.hutchPlusPlus(h, 9, 1));
            sameAfter("the dense block", () -> DenseSpectrum.materialize(h.scaled(2)), () -> DenseSpectrum.materialize(h.scaled(2)));
            sameAfter("L-BFGS", () -> CriticalPoints.lbfgs(e, theta, 5, 20, 1e-10).theta(), () -> CriticalPoints.lbfgs(e, theta, 5, 20, 1e-10));
            sameAfter("Newton refinement", () -> CriticalPoints.newton(e, theta, 5, 0, 1000).theta(), () -> CriticalPoints.newton(e, theta, 5, 0, 1000));
            MorseReport.Options o = MorseReport.Options.defaults();
            sameAfter("Morse check", () -> {
                MorseReport r = MorseReport.at(e, theta, o);
                return new double[] {r.index(), r.nullity(), r.tau(), r.minAbsEigenvalue()};
            }, () -> MorseReport.at(e, theta, o));
            double[] g = new double[e.dim()];
            double before = e.lossAndGradient(theta, g);
            double[] g2 = new double[e.dim()];
            assertEquals(before, e.lossAndGradient(theta, g2));
            assertArrayEquals(g, g2);
        }
    }

    @Test
    void trainingEndsBetweenSteps() {
        try (Evaluator e = evaluator()) {
            TrainingConfig c = new TrainingConfig(2, 8, 42, 0.05, LearningRateSchedule.parse("constant"), OptimizerConfig.sgd(0.9, true, 1e-3), 1, 0);
            Trainer t = new Trainer(e, null, null, c);
            double[] theta0 = e.problem().model().initPyTorchDefault(1);
            TrainingState s0 = t.start(theta0, null);
            double[] ref = t.run(s0, null).theta();
            cancelled("training", () -> t.run(t.start(theta0, null), null));
            assertArrayEquals(ref, t.run(t.start(theta0, null), null).theta(), "a run after the interrupted one gives the same θ");
        }
    }
}
