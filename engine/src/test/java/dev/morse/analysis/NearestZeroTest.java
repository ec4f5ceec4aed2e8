package dev.morse.analysis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.morse.engine.Activation;
import dev.morse.engine.Dataset;
import dev.morse.engine.Evaluator;
import dev.morse.engine.Loss;
import dev.morse.engine.Mlp;
import dev.morse.engine.Part;
import dev.morse.engine.Problem;
import dev.morse.engine.Regularizer;
import dev.morse.linalg.Linalg;
import dev.morse.spectra.BlockLanczos;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The eigenvalues nearest zero of the Morse check ({@link NearestZero}) where they are hard: just
 * below a large cluster of eigenvalues (an l2 minimum, whose data Hessian has a large null space),
 * against the dense spectrum from LAPACK; and the warning's reasons.
 */
class NearestZeroTest {

    /**
     * 300-3-10 tanh, cross-entropy, 200 Gaussian samples, l2(1e-2), at a minimum (P = 943): the
     * first-layer weights along the 100 input directions orthogonal to the data have no data
     * curvature, so 300 eigenvalues sit exactly at 0.01; four lie below them (0.00803, 0.00819,
     * 0.00824, 0.00964, where the data Hessian curves down), the last 3.6 % below the cluster. The
     * ten nearest zero are those four and six of the cluster. Shift-invert Lanczos used to stop at
     * its 16 solves with none of them verified (0 of 10 reported, converged false).
     */
    @Test
    void theEigenvaluesNearestZeroConvergeJustBelowALargeCluster() {
        int d0 = 300, n = 200, c = 10;
        Dataset data = Dataset.classification(MorseClaimsTest.gaussian(n * d0, 1), n, d0, new SplittableRandom(2).ints(n, 0, c).toArray(), c);
        Mlp mlp = Mlp.of(Activation.TANH, d0, 3, c);
        Evaluator ev = Evaluator.open(Problem.of(mlp, data, Loss.CROSS_ENTROPY, Regularizer.l2(1e-2)));
        double[] theta = MorseClaimsTest.refine(ev, mlp.initPyTorchDefault(1));
        int p = ev.dim();
        double[] dense = Linalg.get().eigh(ev.dense(Part.HESSIAN, theta, null), p, false).values();   // dsyevd, ascending
        long below = Arrays.stream(dense).filter(l -> l < 0.01 - 1e-9).count();
        long cluster = Arrays.stream(dense).filter(l -> Math.abs(l - 0.01) <= 1e-12).count();
        assertEquals(4, below, "eigenvalues below the cluster: " + Arrays.toString(Arrays.copyOf(dense, 6)));
        assertTrue(cluster >= 290, "cluster at 0.01: " + cluster);
        assertTrue(dense[3] > 0.0096, "the fourth lies within 4 % of the cluster: " + dense[3]);

        MorseReport r = MorseReport.at(ev, theta, MorseReport.Options.defaults());
        assertEquals("inertia", r.method());
        assertEquals(0, r.index());
        assertEquals(0, r.nullity());
        assertTrue(r.converged(), r.warning());
        assertNull(r.warning(), "every one of the ten verified");
        double bound = MorseReport.LANCZOS_TOL * r.hessianNorm();
        assertEquals(10, r.nearestZero().length, Arrays.toString(r.nearestZero()));
        for (int i = 0; i < 10; i++) {
            // dense is ascending and positive: the nearest zero are its first ten. A Ritz value lies
            // within its residual of an eigenvalue.
            assertTrue(r.nearestZeroResiduals()[i] <= bound, "residual " + i + ": " + r.nearestZeroResiduals()[i]);
            assertEquals(dense[i], r.nearestZero()[i], Math.max(r.nearestZeroResiduals()[i], 1e-15), "eigenvalue " + i);
        }
        assertEquals(dense[0], r.minAbsEigenvalue(), 1e-12 * dense[0], "min |λ| (the assembled H and the products differ by rounding)");
        assertEquals(dense[0] / r.tau(), r.minAbsOverTau(), 1e-12 * r.minAbsOverTau());
    }

    /** The warning names the true reason and what to do, for each way shift-invert Lanczos can stop. */
    @Test
    void theWarningSaysWhyPairsAreMissing() {
        double[] kept = {0.00686, 0.00773, 0.00853}, res = {1e-15, 1e-15, 1e-12};
        double[] lost = {0.00911, 0.00978}, lostRes = {2e-6, 4e-5};
        NearestZero budget = new NearestZero(kept, res, 2, true, lost, lostRes, BlockLanczos.Stop.BUDGET, 92, 4, 300);
        String b = budget.note(false, 4.8e-7);
        assertTrue(b.startsWith("3 of the 5 eigenvalues nearest zero are reported (residual ‖Hy − λy‖ ≤ 1.0E-8·‖H‖₂ = 4.80e-07); the other 2"
                + " (estimates 0.00911, 0.00978; residuals 2.00e-06 to 4.00e-05) did not converge within the shift-invert budget (92 solves, 4 restarts),"
                + " next to a cluster (300 Ritz values within 5 % of 0.00911), where Krylov methods converge slowly."), b);
        assertTrue(b.endsWith("--spectra computes every eigenvalue (dense LAPACK: about 4× the time and 3× the memory); a smaller --nearest asks for fewer."), b);
        assertTrue(!b.contains("farther from zero than the shift-invert operator"), "the old, wrong reason: " + b);
        String s = new NearestZero(kept, res, 2, true, lost, lostRes, BlockLanczos.Stop.STAGNATED, 47, 1, 3).note(false, 4.8e-7);
        assertTrue(s.contains("stopped converging (47 solves, 1 restart): a whole cycle did not halve their residuals (residuals at the rounding level"), s);
        String d = new NearestZero(kept, res, 2, true, lost, lostRes, BlockLanczos.Stop.SPANNED, 1, 0, 0).note(true, 4.8e-7);
        assertTrue(d.contains("spanned the whole space (1 solve, 0 restarts)") && d.contains("cluster of zero eigenvalues at the shift, which masks them"), d);
    }
}
