package dev.morse.analysis;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.morse.engine.Activation;
import dev.morse.engine.Dataset;
import dev.morse.engine.Evaluator;
import dev.morse.engine.Loss;
import dev.morse.engine.Mlp;
import dev.morse.engine.Part;
import dev.morse.engine.Problem;
import dev.morse.engine.Regularizer;
import dev.morse.linalg.LdltFactorization;
import dev.morse.linalg.Linalg;
import dev.morse.linalg.LinalgException;
import dev.morse.spectra.BlockLanczos;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The eigenvalues nearest zero of the Morse check ({@link NearestZero}) where they are hard: just
 * below a large cluster of eigenvalues (an l2 minimum, whose data Hessian has a large null space),
 * against the dense spectrum from LAPACK; and where H = 0 exactly (τ = 0: a deep linear network at
 * the origin), with the rule for min |λ|/τ at τ = 0; and the warning's reasons.
 */
class NearestZeroTest {

    /** 2-4-1 tanh on ten Gaussian samples (mse): the small H of the shift-invert tests below. */
    private static final Mlp SMALL = Mlp.of(Activation.TANH, 2, 4, 1);
    private static final Dataset SMALL_DATA = Dataset.regression(MorseClaimsTest.gaussian(20, 5), 10, 2, MorseClaimsTest.gaussian(10, 6), 1);

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
            // dense is ascending and positive: the nearest zero are its first ten. The reported value
            // is a Rayleigh quotient: within residual²/gap of an eigenvalue (gap: to the nearest other
            // eigenvalue more than 1e-9 away: the cluster at 0.01 counted as one), not only within the residual; plus the
            // rounding of the products against the assembled H.
            double ri = r.nearestZeroResiduals()[i];
            assertTrue(ri <= bound, "residual " + i + ": " + ri);
            double gap = Double.POSITIVE_INFINITY;
            for (double l : dense) if (Math.abs(l - dense[i]) > 1e-9) gap = Math.min(gap, Math.abs(l - dense[i]));
            double tol = ri * ri / gap + 1e-14 * r.hessianNorm();
            assertEquals(dense[i], r.nearestZero()[i], tol, "eigenvalue " + i + " (residual " + ri + ", gap " + gap + ")");
        }
        assertEquals(dense[0], r.minAbsEigenvalue(), 1e-12 * dense[0], "min |λ| (the assembled H and the products differ by rounding)");
        assertEquals(dense[0] / r.tau(), r.minAbsOverTau(), 1e-12 * r.minAbsOverTau());
    }

    /**
     * The value reported is the Rayleigh quotient ŷᵀHŷ by exact products, within about
     * residual²/gap of the eigenvalue, not shift-invert's σ + 1/μ, whose error is larger (about
     * the residual times a ratio of gaps). The test above cannot tell them apart: its residuals
     * are so small that both are within its tolerance. Here they are measurable: 20-20-1 tanh,
     * l2, at a point that is not critical (P = 441), shift-invert stopped early by a bound of
     * 1e-4·‖H‖₂ (handed 10⁴·‖H‖₂; the Morse check's is 1e-8), as a harder problem stops at its
     * bound. Every value reported is within a tenth of residual²/gap (plus rounding) of dsyevd's,
     * and shift-invert's own estimates σ + 1/μ (the same run, {@link NearestZero#lanczos}) are all
     * more than 5 times that off the one nearest zero: a return to σ + 1/μ fails here.
     */
    @Test
    void theValueReportedIsTheRayleighQuotientNotSigmaPlusOneOverMu() {
        int d0 = 20, n = 100;
        Dataset data = Dataset.regression(MorseClaimsTest.gaussian(n * d0, 1), n, d0, MorseClaimsTest.gaussian(n, 2), 1);
        Mlp mlp = Mlp.of(Activation.TANH, d0, 20, 1);
        Evaluator ev = Evaluator.open(Problem.of(mlp, data, Loss.MSE, Regularizer.l2(1e-2)));
        double[] theta = mlp.initPyTorchDefault(1);
        int p = ev.dim();
        double[] h = ev.dense(Part.HESSIAN, theta, null);
        double[] dense = Linalg.get().eigh(h.clone(), p, false).values();   // dsyevd, ascending
        double hNorm = Math.max(Math.abs(dense[0]), Math.abs(dense[p - 1]));
        double sigma = 1e-6;   // next to zero, as ±τ
        LdltFactorization f = Linalg.get().ldltInPlace(h.clone(), p, sigma);
        NearestZero nz = NearestZero.shiftInvert(ev, theta, f, 4, 1e4 * hNorm);
        // shift-invert's own estimates σ + 1/μ, from the same run (deterministic: the same factor and bound)
        double[] mu = NearestZero.lanczos(ev, f, 4, nz.bound()).ritzValues();
        assertEquals(4, nz.values().length, "kept: " + Arrays.toString(nz.residuals()));
        for (int i = 0; i < 4; i++) {
            double v = nz.values()[i], r = nz.residuals()[i];
            int at = 0;
            for (int q = 0; q < p; q++) if (Math.abs(dense[q] - v) < Math.abs(dense[at] - v)) at = q;
            double gap = Double.POSITIVE_INFINITY;
            for (double l : dense) if (Math.abs(l - dense[at]) > 1e-9) gap = Math.min(gap, Math.abs(l - dense[at]));
            double tol = r * r / gap + 1e-15 * hNorm;
            assertTrue(r > 1e-8 * hNorm, "a measurable residual: " + r);
            assertEquals(dense[at], v, 0.1 * tol, "the Rayleigh quotient of pair " + i + " (residual " + r + ", gap " + gap + ")");
            if (i == 0) {   // no σ + 1/μ (the nearest to this eigenvalue among them) would pass
                double shifted = Double.NaN;
                for (double u : mu) if (Double.isNaN(shifted) || Math.abs(sigma + 1 / u - dense[at]) < Math.abs(shifted - dense[at])) shifted = sigma + 1 / u;
                assertTrue(Math.abs(shifted - dense[at]) > 5 * tol, "σ + 1/μ " + shifted + " would pass for " + dense[at] + " (tolerance " + tol + ")");
            }
        }
    }

    /**
     * A deep linear network without biases at θ = 0 (2-2-2-1): every second derivative of the
     * output involves two zero weight matrices, so H = G = M = 0 exactly, s = 0 and τ = 0. Every
     * eigenvalue is 0, so the point is fully degenerate: index 0, nullity P, min |λ| = 0 and
     * min |λ|/τ = 0 (not ∞ or NaN), the nearest-zero values 0 without a factorization or solve,
     * and a converged report without a warning; the same with the full spectra.
     */
    @Test
    void aZeroHessianIsFullyDegenerateNotAFailure() {
        Dataset data = Dataset.regression(MorseClaimsTest.gaussian(20, 1), 10, 2, MorseClaimsTest.gaussian(10, 2), 1);
        Mlp mlp = Mlp.builder(2, 2, 2, 1).activation(Activation.IDENTITY).noBias().build();
        Evaluator ev = Evaluator.open(Problem.of(mlp, data, Loss.MSE));
        int p = mlp.numParameters();
        double[] zero = new double[p];
        for (boolean spectra : new boolean[] {false, true}) {
            MorseReport r = MorseReport.at(ev, zero, MorseReport.Options.defaults().withSpectra(spectra));
            String w = spectra ? "dense" : "inertia";
            assertEquals(w, r.method());
            assertTrue(r.critical(), w);
            assertEquals(0.0, r.tauScale(), w);
            assertEquals(0.0, r.tau(), w);
            assertEquals(0, r.index(), w);
            assertEquals(p, r.nullity(), w);
            assertEquals(0, r.positive(), w);
            assertEquals(0.0, r.minAbsEigenvalue(), w);
            assertEquals(0.0, r.minAbsOverTau(), w + ": min |λ|/τ at τ = 0 and min |λ| = 0");
            assertTrue(r.zeroHessian(), w);
            assertTrue(r.converged(), w + ": " + r.warning());
            assertNull(r.warning(), w);
            assertArrayEquals(new double[Math.min(10, p)], r.nearestZero(), 0.0, w);
            assertArrayEquals(new double[Math.min(10, p)], r.nearestZeroResiduals(), 0.0, w);
            assertTrue(r.verdict().startsWith("NOT MORSE: critical point is fully degenerate: every eigenvalue lies in the zero band")
                    && r.verdict().endsWith("(nullity " + p + ", min |λ|/τ = 0.00)"), r.verdict());
            if (!spectra) assertTrue(r.memoryPlan().contains("H = 0 exactly") && r.memoryPlan().contains("nothing to factor"), r.memoryPlan());
        }
    }

    /**
     * Only part of H is zero: a two-layer linear network without biases at θ = 0 (2-3-1) has G = 0
     * and M ≠ 0, so s = ‖M‖₂ > 0, τ > 0, and H has exact zeros next to ±‖M‖₂: min |λ| = 0 there
     * gives min |λ|/τ = 0 (not a tiny positive ratio), a degenerate saddle, a converged report.
     */
    @Test
    void aHessianWithSomeZeroPartsHasItsZerosCounted() {
        Dataset data = Dataset.regression(MorseClaimsTest.gaussian(20, 3), 10, 2, MorseClaimsTest.gaussian(10, 4), 1);
        Mlp mlp = Mlp.builder(2, 3, 1).activation(Activation.IDENTITY).noBias().build();
        Evaluator ev = Evaluator.open(Problem.of(mlp, data, Loss.MSE));
        double[] zero = new double[mlp.numParameters()];
        MorseReport spectra = MorseReport.at(ev, zero, MorseReport.Options.defaults().withSpectra(true));
        MorseReport inertia = MorseReport.at(ev, zero, MorseReport.Options.defaults());
        for (MorseReport r : new MorseReport[] {spectra, inertia}) {
            assertTrue(r.tau() > 0 && r.ggnNorm() == 0 && r.nmeNorm() > 0, r.method() + ": τ " + r.tau());
            assertEquals(spectra.index(), r.index(), r.method());
            assertEquals(spectra.nullity(), r.nullity(), r.method());
            assertTrue(r.index() > 0 && r.nullity() > 0 && r.positive() > 0, r.verdict());
            assertTrue(r.minAbsEigenvalue() <= r.tau(), r.method() + ": min |λ| " + r.minAbsEigenvalue());
            assertTrue(!r.zeroHessian() && r.converged(), r.method() + ": " + r.warning());
            assertTrue(r.verdict().startsWith("NOT MORSE: critical point is a degenerate saddle of index " + r.index()), r.verdict());
        }
    }

    @Test
    void minAbsOverTauHasItsLimits() {
        assertEquals(0.0, EigenvalueCounts.ratio(0, 0), "0/0: an exactly zero eigenvalue is in the band {0}");
        assertEquals(0.0, EigenvalueCounts.ratio(0, 1e-12));
        assertEquals(2.0, EigenvalueCounts.ratio(2e-12, 1e-12));
        assertEquals(Double.POSITIVE_INFINITY, EigenvalueCounts.ratio(1e-300, 0), "outside the band {0} (τ underflowed)");
        assertTrue(Double.isNaN(EigenvalueCounts.ratio(Double.NaN, 1e-12)), "unknown min |λ|");
        assertEquals(0.0, EigenvalueCounts.of(new double[] {0, 0, 0}, 0, 2).minAbsOverTau());
    }

    /**
     * Regression: where ‖H‖₂ estimates to 0 (H ≠ 0: there is a factor) the residual bound is
     * 1e-8·|σ|, σ the shift, but the warning called it "1e-8·‖H‖₂ = …" with that other number.
     * The bound and its label come from one place: shift-invert on a small H, given ‖H‖₂ and
     * given an estimate of 0.
     */
    @Test
    void theWarningNamesTheResidualBoundApplied() {
        Evaluator ev = Evaluator.open(Problem.of(SMALL, SMALL_DATA, Loss.MSE));
        double[] theta = SMALL.initPyTorchDefault(3);
        int p = ev.dim();
        double[] h = ev.dense(Part.HESSIAN, theta, null);
        double[] eig = Linalg.get().eigh(h.clone(), p, false).values();
        double hNorm = Math.max(Math.abs(eig[0]), Math.abs(eig[p - 1]));
        double sigma = 1e-3;

        NearestZero byNorm = NearestZero.shiftInvert(ev, theta, Linalg.get().ldltInPlace(h.clone(), p, sigma), 5, hNorm);
        assertEquals(NearestZero.H_NORM, byNorm.boundOf());
        assertEquals(MorseReport.LANCZOS_TOL * hNorm, byNorm.bound());
        String n = byNorm.note(false);
        assertTrue(n.contains("(residual ‖Hy − λy‖ ≤ 1.0E-8·‖H‖₂ = " + String.format(java.util.Locale.ROOT, "%.3g", 1e-8 * hNorm) + "); the other"), n);

        NearestZero byShift = NearestZero.shiftInvert(ev, theta, Linalg.get().ldltInPlace(h.clone(), p, sigma), 5, 0.0);
        assertEquals(NearestZero.SHIFT, byShift.boundOf());
        assertEquals(MorseReport.LANCZOS_TOL * sigma, byShift.bound());
        String z = byShift.note(false);
        assertTrue(z.contains("(residual ‖Hy − λy‖ ≤ 1.0E-8·|σ| = 1.00e-11, σ = ±τ the shift, as ‖H‖₂ estimated to 0); the other")
                && !z.contains("‖H‖₂ ="), z);
    }

    /**
     * A solve of shift-invert Lanczos that overflows (a pivot that is subnormal, not zero, so the
     * factor says it can solve) is a numerical failure of the run (LinalgException: the CLI's exit
     * 3) naming the solve; its Infinity used to reach BlockLanczos's product check as a bad
     * operator's output (IllegalArgumentException: exit 1, "internal error").
     */
    @Test
    void aSolveThatOverflowsIsANumericalFailure() {
        Evaluator ev = Evaluator.open(Problem.of(SMALL, SMALL_DATA, Loss.MSE));
        double[] theta = SMALL.initPyTorchDefault(3);
        int p = ev.dim();
        double[] a = new double[p * p];
        for (int i = 0; i < p; i++) a[i * p + i] = i + 1;
        a[5 * p + 5] = Double.MIN_VALUE;
        LdltFactorization f = Linalg.get().ldltInPlace(a, p, 0);
        assertFalse(f.singular());
        LinalgException e = assertThrows(dev.morse.linalg.SolveOverflowException.class, () -> NearestZero.shiftInvert(ev, theta, f, 3, 1.0),
                "its own type kept (a plain LinalgException hid it, as it would hide a LapackException's)");
        assertTrue(e.getMessage().startsWith("shift-invert Lanczos for the eigenvalues nearest zero") && e.getMessage().contains("dsytrs")
                && e.getMessage().contains(" of right-hand side 0: ") && e.getMessage().contains("numerically singular")
                && e.getMessage().contains("an eigenvalue of H lies at ±τ within rounding: try another --tau-factor or --abs-tol"), e.getMessage());
    }

    /** The warning names the true reason and what to do, for each way shift-invert Lanczos can stop. */
    @Test
    void theWarningSaysWhyPairsAreMissing() {
        double[] kept = {0.00686, 0.00773, 0.00853}, res = {1e-15, 1e-15, 1e-12};
        double[] lost = {0.00911, 0.00978}, lostRes = {2e-6, 4e-5};
        NearestZero budget = new NearestZero(kept, res, 2, true, lost, lostRes, BlockLanczos.Stop.BUDGET, 92, 4, 300, 4.8e-7, NearestZero.H_NORM);
        String b = budget.note(false);
        assertTrue(b.startsWith("3 of the 5 eigenvalues nearest zero are reported (residual ‖Hy − λy‖ ≤ 1.0E-8·‖H‖₂ = 4.80e-07); the other 2"
                + " (estimates 0.00911, 0.00978; residuals 2.00e-06 to 4.00e-05) did not converge within the shift-invert budget (92 solves, 4 restarts),"
                + " next to a cluster (300 Ritz values within 5 % of 0.00911), where Krylov methods converge slowly."), b);
        assertTrue(b.endsWith("--spectra computes every eigenvalue (dense LAPACK: about 4× the time and 3× the memory); a smaller --nearest asks for fewer."), b);
        assertTrue(!b.contains("farther from zero than the shift-invert operator"), "the old, wrong reason: " + b);
        String s = new NearestZero(kept, res, 2, true, lost, lostRes, BlockLanczos.Stop.STAGNATED, 47, 1, 3, 4.8e-7, NearestZero.H_NORM).note(false);
        assertTrue(s.contains("stopped converging (47 solves, 1 restart): a whole cycle did not halve their residuals (residuals at the rounding level"), s);
        String d = new NearestZero(kept, res, 2, true, lost, lostRes, BlockLanczos.Stop.SPANNED, 1, 0, 0, 4.8e-7, NearestZero.H_NORM).note(true);
        assertTrue(d.contains("spanned the whole space (1 solve, 0 restarts)") && d.contains("cluster of zero eigenvalues at the shift, which masks them"), d);
    }
}
