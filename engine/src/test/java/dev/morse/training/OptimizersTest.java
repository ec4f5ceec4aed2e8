package dev.morse.training;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.morse.simd.Ranges;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Optimizer steps against values worked out by hand, state round trips, and argument checks. */
class OptimizersTest {

    @Test
    void plainSgdIsThetaMinusLrTimesGradient() {
        Optimizer o = OptimizerConfig.sgd(0, false, 0).create(2);
        double[] t = {1.0, -2.0};
        assertTrue(o.step(t, new double[] {0.5, 0.25}, 0.1));
        assertArrayEquals(new double[] {1.0 - 0.05, -2.0 - 0.025}, t, 0.0);
        assertTrue(o.state().names().isEmpty(), "no momentum: no state but the step count");
        assertEquals(1, o.state().steps());
    }

    @Test
    void sgdMomentumAndNesterovByHand() {
        // μ = 0.9, λ = 0.1, lr = 0.5; θ₀ = (1, -2); g₁ = (0.5, 0.25), g₂ = (-1, 2).
        Optimizer heavy = OptimizerConfig.sgd(0.9, false, 0.1).create(2);
        Optimizer nest = OptimizerConfig.sgd(0.9, true, 0.1).create(2);
        double[] a = {1, -2}, b = {1, -2};
        heavy.step(a, new double[] {0.5, 0.25}, 0.5);
        nest.step(b, new double[] {0.5, 0.25}, 0.5);
        // Step 1: d = g + λθ = (0.6, 0.05); buffer = d; heavy ball: θ − lr·d; Nesterov: θ − lr·(d + μ·d).
        assertArrayEquals(new double[] {1 - 0.5 * 0.6, -2 - 0.5 * 0.05}, a, 1e-15);
        assertArrayEquals(new double[] {1 - 0.5 * (0.6 + 0.9 * 0.6), -2 - 0.5 * (0.05 + 0.9 * 0.05)}, b, 1e-15);
        double[] a1 = a.clone(), b1 = b.clone();
        heavy.step(a, new double[] {-1, 2}, 0.5);
        nest.step(b, new double[] {-1, 2}, 0.5);
        // Step 2: d = g + λθ₁; buffer = μ·buffer + d.
        double[] da = {-1 + 0.1 * a1[0], 2 + 0.1 * a1[1]};
        double[] ba = {0.9 * 0.6 + da[0], 0.9 * 0.05 + da[1]};
        assertArrayEquals(new double[] {a1[0] - 0.5 * ba[0], a1[1] - 0.5 * ba[1]}, a, 1e-15);
        double[] db = {-1 + 0.1 * b1[0], 2 + 0.1 * b1[1]};
        double[] bb = {0.9 * 0.6 + db[0], 0.9 * 0.05 + db[1]};
        assertArrayEquals(new double[] {b1[0] - 0.5 * (db[0] + 0.9 * bb[0]), b1[1] - 0.5 * (db[1] + 0.9 * bb[1])}, b, 1e-15);
        assertArrayEquals(bb, nest.state().buffer(Sgd.MOMENTUM_BUFFER), 1e-15);
    }

    @Test
    void adamFirstStepsByHand() {
        // Step 1: m̂ = g, v̂ = g², so θ₁ = θ₀ − lr·g/(|g| + ε).
        double lr = 0.01, eps = 1e-8;
        Optimizer adam = OptimizerConfig.adam(0.9, 0.999, eps, 0).create(3);
        double[] t = {0.5, -1.5, 2.0};
        double[] g = {0.2, -3.0, 1e-3};
        adam.step(t, g, lr);
        for (int i = 0; i < 3; i++) assertEquals(new double[] {0.5, -1.5, 2.0}[i] - lr * g[i] / (Math.abs(g[i]) + eps), t[i], 1e-15);
        // Step 2 with g₂: m = 0.9·0.1·g₁ + 0.1·g₂ … written out: m₂ = 0.09 g₁ + 0.1 g₂, v₂ = 0.000999 g₁² + 0.001 g₂².
        double[] t1 = t.clone();
        double[] g2 = {-0.1, 1.0, 2e-3};
        adam.step(t, g2, lr);
        for (int i = 0; i < 3; i++) {
            double m = 0.09 * g[i] + 0.1 * g2[i], v = 0.000999 * g[i] * g[i] + 0.001 * g2[i] * g2[i];
            double mhat = m / (1 - 0.81), vhat = v / (1 - 0.999 * 0.999);
            assertEquals(t1[i] - lr * mhat / (Math.sqrt(vhat) + eps), t[i], 1e-14 * Math.max(1, Math.abs(t[i])), "entry " + i);
        }
    }

    @Test
    void adamwDecaysBeforeTheStepAndAdamCouplesTheDecay() {
        double lr = 0.1, decay = 0.5, eps = 0;
        double[] w = {2.0}, a = {2.0};
        OptimizerConfig.adamw(0.9, 0.999, eps, decay).create(1).step(w, new double[] {0.3}, lr);
        assertEquals(2.0 * (1 - lr * decay) - lr, w[0], 1e-15, "AdamW: θ(1 − lr·λ) − lr·sign(g) on the first step");
        OptimizerConfig.adam(0.9, 0.999, eps, decay).create(1).step(a, new double[] {0.3}, lr);
        assertEquals(2.0 - lr, a[0], 1e-15, "Adam: g + λθ = 1.3 > 0, first step moves by lr");
        double[] neg = {2.0};
        OptimizerConfig.adam(0.9, 0.999, eps, decay).create(1).step(neg, new double[] {-1.5}, lr);
        assertEquals(2.0 + lr, neg[0], 1e-15, "Adam: g + λθ = -0.5 < 0");
    }

    @Test
    void restoredStateContinuesBitForBit() {
        for (OptimizerConfig c : List.of(OptimizerConfig.sgd(0.9, true, 1e-3), OptimizerConfig.sgd(0.5, false, 0),
                OptimizerConfig.adam(0.9, 0.999, 1e-8, 1e-2), OptimizerConfig.adamw(0.8, 0.99, 1e-6, 0.1))) {
            int p = 7;
            SplittableRandom r = new SplittableRandom(5);
            double[][] grads = new double[6][p];
            for (double[] g : grads) for (int i = 0; i < p; i++) g[i] = r.nextGaussian();
            double[] straight = new double[p];
            Optimizer a = c.create(p);
            for (double[] g : grads) a.step(straight, g, 0.05);
            double[] resumed = new double[p];
            Optimizer b = c.create(p);
            for (int k = 0; k < 3; k++) b.step(resumed, grads[k], 0.05);
            OptimizerState saved = b.state();
            Optimizer fresh = c.create(p);
            fresh.restore(saved);
            assertEquals(saved, fresh.state());
            for (int k = 3; k < 6; k++) fresh.step(resumed, grads[k], 0.05);
            assertArrayEquals(straight, resumed, 0.0, c.describe());
            assertEquals(6, fresh.steps());
        }
    }

    /**
     * SGD with momentum and no decay takes a branch-free loop after its first step: the same bits
     * as the formula b ← μb + g, θ ← θ − lr·b written out, over an odd length; and a non-finite θ
     * after the update is reported on either path.
     */
    @Test
    void sgdMomentumFastLoopMatchesTheFormulaBitForBit() {
        int p = 1001;
        java.util.SplittableRandom r = new java.util.SplittableRandom(3);
        double[] theta = new double[p], ref = new double[p], buf = new double[p];
        for (int i = 0; i < p; i++) theta[i] = ref[i] = r.nextDouble() - 0.5;
        Optimizer o = OptimizerConfig.sgd(0.9, false, 0).create(p);
        for (int step = 0; step < 4; step++) {
            double[] g = new double[p];
            for (int i = 0; i < p; i++) g[i] = r.nextDouble() - 0.5;
            double lr = 0.05 * (step + 1);
            assertTrue(o.step(theta, g, lr));
            for (int i = 0; i < p; i++) {
                buf[i] = step == 0 ? g[i] : buf[i] * 0.9 + g[i];
                ref[i] = ref[i] + (-lr) * buf[i];
            }
            assertArrayEquals(ref, theta, 0.0, "step " + step);
        }
        double[] g = new double[p];
        g[p - 1] = Double.POSITIVE_INFINITY;
        assertFalse(o.step(theta, g, 0.1), "an infinite gradient entry makes θ non-finite");
        Optimizer fresh = OptimizerConfig.sgd(0.9, false, 0).create(p);
        assertFalse(fresh.step(new double[p], g, 0.1), "the first step's loop reports it too");
    }

    @Test
    void momentumBufferAppearsWithTheFirstStep() {
        Optimizer o = OptimizerConfig.sgd(0.9, false, 0).create(3);
        assertNull(o.state().buffer(Sgd.MOMENTUM_BUFFER));
        o.step(new double[3], new double[] {1, 2, 3}, 0.1);
        assertArrayEquals(new double[] {1, 2, 3}, o.state().buffer(Sgd.MOMENTUM_BUFFER), 0.0, "torch: buffer = g on the first step");
    }

    /**
     * A step cut into uneven ranges, run in reverse order on other threads (as an evaluator's
     * workers would), gives the serial step's bits for every optimizer, step after step; a NaN that
     * appears in one range only is reported.
     */
    @Test
    void aStepInRangesOnOtherThreadsGivesTheSerialBits() {
        Ranges scattered = (n, task) -> {
            int[] cuts = {0, Math.min(n, 13), Math.min(n, n / 3 + 1), Math.min(n, n - 5), n};
            Thread[] ts = new Thread[cuts.length - 1];
            for (int r = ts.length - 1; r >= 0; r--) {
                int from = cuts[r], to = cuts[r + 1];
                ts[r] = Thread.ofPlatform().start(() -> task.run(from, to));
            }
            for (Thread t : ts) {
                try {
                    t.join();
                } catch (InterruptedException e) {
                    throw new AssertionError(e);
                }
            }
        };
        int p = 1001;
        SplittableRandom rnd = new SplittableRandom(11);
        for (OptimizerConfig c : List.of(OptimizerConfig.sgd(0.9, false, 0), OptimizerConfig.sgd(0.9, true, 1e-3),
                OptimizerConfig.sgd(0, false, 0), OptimizerConfig.adam(0.9, 0.999, 1e-8, 1e-2),
                OptimizerConfig.adamw(0.9, 0.999, 1e-8, 1e-2))) {
            Optimizer serial = c.create(p), ranged = c.create(p);
            double[] a = gaussians(rnd, p), b = a.clone();
            for (int step = 0; step < 4; step++) {
                double[] g = gaussians(rnd, p);
                assertTrue(serial.step(a, g, 0.01));
                assertTrue(ranged.step(b, g, 0.01, scattered));
                assertArrayEquals(a, b, 0.0, c.describe() + ": step " + step + " bit-identical in ranges");
            }
            double[] g = new double[p];
            g[p - 3] = Double.NaN;   // lands in the last range only
            assertFalse(ranged.step(b, g, 0.01, scattered), c.describe() + ": a NaN in one range is reported");
        }
    }

    /**
     * A step begun with {@link Optimizer#startStep} and run range by range by the caller (blocks of
     * uneven sizes, out of order) is {@link Optimizer#step}: the same bits and step count; an
     * aborted step is not counted and frees the optimizer for the next.
     */
    @Test
    void aStepRunByTheCallerIsTheStep() {
        int p = 1001;
        SplittableRandom rnd = new SplittableRandom(17);
        for (OptimizerConfig c : List.of(OptimizerConfig.sgd(0.9, false, 0), OptimizerConfig.sgd(0.9, true, 1e-3),
                OptimizerConfig.adam(0.9, 0.999, 1e-8, 1e-2), OptimizerConfig.adamw(0.9, 0.999, 1e-8, 1e-2))) {
            Optimizer whole = c.create(p), parts = c.create(p);
            double[] a = gaussians(rnd, p), b = a.clone();
            for (int step = 0; step < 3; step++) {
                double[] g = gaussians(rnd, p);
                assertTrue(whole.step(a, g, 0.01));
                Ranges.Task t = parts.startStep(b, g, 0.01);
                t.run(600, p);
                t.run(0, 7);
                t.run(7, 600);
                assertTrue(parts.finishStep());
                assertArrayEquals(a, b, 0.0, c.describe() + ": step " + step);
                assertEquals(whole.steps(), parts.steps());
            }
            double[] g = new double[p];
            Ranges.Task t = parts.startStep(b, g, 0.01);
            t.run(0, 10);
            assertThrows(IllegalStateException.class, () -> parts.startStep(b, g, 0.01), "one step at a time");
            parts.abortStep();
            assertEquals(whole.steps(), parts.steps(), "an aborted step is not counted");
            assertTrue(parts.step(b, g, 0.01), "free for the next step");
            // A second start while a step runs changes nothing of it.
            double[] th1 = b.clone(), th2 = b.clone(), gg = gaussians(rnd, p);
            Optimizer x = c.create(p), y = c.create(p);
            assertTrue(x.step(th1, gg, 0.01));
            Ranges.Task u = y.startStep(th2, gg, 0.01);
            assertThrows(IllegalStateException.class, () -> y.startStep(th2, gg, 1.0));
            u.run(0, p);
            assertTrue(y.finishStep());
            assertArrayEquals(th1, th2, 0.0, c.describe() + ": the running step kept its learning rate");
            assertThrows(IllegalStateException.class, y::finishStep, "no step in progress");
            assertThrows(IllegalStateException.class, y::abortStep, "no step in progress");
            assertEquals(1, y.steps());
        }
    }

    @Test
    void divergenceIsReported() {
        Optimizer o = OptimizerConfig.sgd(0, false, 0).create(2);
        double[] t = {1, 1};
        assertFalse(o.step(t, new double[] {Double.MAX_VALUE, 0}, 10));
    }

    @Test
    void argumentsAreCheckedLikeTorch() {
        assertThrows(IllegalArgumentException.class, () -> OptimizerConfig.sgd(0, true, 0), "Nesterov needs momentum");
        assertThrows(IllegalArgumentException.class, () -> OptimizerConfig.sgd(-0.1, false, 0));
        assertThrows(IllegalArgumentException.class, () -> OptimizerConfig.sgd(0.9, false, -1));
        assertThrows(IllegalArgumentException.class, () -> OptimizerConfig.adam(1.0, 0.999, 1e-8, 0));
        assertThrows(IllegalArgumentException.class, () -> OptimizerConfig.adam(0.9, -0.1, 1e-8, 0));
        assertThrows(IllegalArgumentException.class, () -> OptimizerConfig.adamw(0.9, 0.999, -1, 0));
        assertThrows(IllegalArgumentException.class, () -> OptimizerConfig.Kind.parse("rmsprop"));
        assertEquals(OptimizerConfig.Kind.ADAMW, OptimizerConfig.Kind.parse("AdamW"));
        Optimizer sgd = OptimizerConfig.sgd(0.9, false, 0).create(4);
        assertThrows(IllegalArgumentException.class, () -> sgd.restore(OptimizerConfig.adam(0.9, 0.999, 1e-8, 0).create(4).state()));
    }

    /** n standard normal draws from rnd, in order. */
    private static double[] gaussians(SplittableRandom rnd, int n) {
        double[] x = new double[n];
        for (int i = 0; i < n; i++) x[i] = rnd.nextGaussian();
        return x;
    }
}
