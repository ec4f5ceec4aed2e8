package dev.morse.analysis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.morse.engine.Activation;
import dev.morse.engine.Dataset;
import dev.morse.engine.Evaluator;
import dev.morse.engine.Loss;
import dev.morse.engine.Mlp;
import dev.morse.engine.Problem;
import dev.morse.engine.Regularizer;
import dev.morse.linalg.Inertia;
import dev.morse.linalg.LdltFactorization;
import dev.morse.linalg.Linalg;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The counts of the Morse check by inertia (two LDLᵀ factorizations, SPEC §6) against the counts
 * from every eigenvalue (dsyevd): on matrices with random, degenerate (known nullity) and
 * near-threshold spectra, and through {@link MorseReport} on the critical points of the research
 * claims (MorseClaimsTest) and on non-critical, indefinite points.
 */
class InertiaCountsTest {

    /** Qᵀ·diag(d)·Q for a random orthogonal Q (Householder reflections of Gaussian vectors). */
    static double[] withSpectrum(double[] d, long seed) {
        int n = d.length;
        double[] a = new double[n * n];
        for (int i = 0; i < n; i++) a[i * n + i] = d[i];
        SplittableRandom r = new SplittableRandom(seed);
        for (int h = 0; h < 3; h++) {   // A ← (I − 2vvᵀ) A (I − 2vvᵀ), three times
            double[] v = MorseClaimsTest.gaussian(n, r.nextLong());
            double nv = 0;
            for (double x : v) nv += x * x;
            nv = Math.sqrt(nv);
            for (int i = 0; i < n; i++) v[i] /= nv;
            double[] av = new double[n];
            for (int i = 0; i < n; i++) for (int j = 0; j < n; j++) av[i] += a[i * n + j] * v[j];
            double vav = 0;
            for (int i = 0; i < n; i++) vav += v[i] * av[i];
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < n; j++) {
                    a[i * n + j] += -2 * v[i] * av[j] - 2 * av[i] * v[j] + 4 * vav * v[i] * v[j];
                }
            }
        }
        for (int i = 0; i < n; i++) for (int j = 0; j < i; j++) a[j * n + i] = a[i * n + j];
        return a;
    }

    /** Counts by two in-place factorizations, as the Morse check makes them. */
    static EigenvalueCounts byInertia(double[] a, int n, double tau) {
        Linalg la = Linalg.get();
        Inertia minus = la.ldltInPlace(a.clone(), n, -tau).inertia();
        Inertia plus = la.ldltInPlace(a.clone(), n, tau).inertia();
        return EigenvalueCounts.ofInertia(tau, minus, plus, Double.NaN, new double[0]);
    }

    static void assertSameCounts(EigenvalueCounts expected, EigenvalueCounts got, String what) {
        assertEquals(expected.index(), got.index(), what + ": index");
        assertEquals(expected.nullity(), got.nullity(), what + ": nullity");
        assertEquals(expected.positive(), got.positive(), what + ": positive");
    }

    /** One test of consistency, shared by ofInertia (which refuses) and the Morse check (which reports it). */
    @Test
    void inconsistentInertiasAreRecognized() {
        assertTrue(EigenvalueCounts.consistent(new Inertia(2, 1, 3), new Inertia(3, 0, 3)));
        assertTrue(!EigenvalueCounts.consistent(new Inertia(3, 0, 3), new Inertia(2, 0, 4)), "more below −τ than at or below τ");
        assertTrue(!EigenvalueCounts.consistent(new Inertia(3, 0, 3), new Inertia(0, 0, 6)), "index + positive > n");
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> EigenvalueCounts.ofInertia(0.1, new Inertia(3, 0, 3), new Inertia(2, 0, 4), Double.NaN, new double[0]));
    }

    @Test
    void countsAgreeWithEigenvaluesOnRandomDegenerateAndNearThresholdMatrices() {
        int n = 120;
        double norm = 3.0;
        double tau = EigenvalueCounts.tau(10, n, norm, 0);
        SplittableRandom r = new SplittableRandom(1);
        List<double[]> spectra = new ArrayList<>();
        // Random: Gaussian eigenvalues, ‖A‖ = 3.
        double[] random = new double[n];
        for (int i = 0; i < n; i++) random[i] = (r.nextDouble() * 2 - 1) * norm;
        spectra.add(random);
        // Degenerate: 17 exact zeros and 4 at 1e-3·τ (known nullity 21), the rest away from zero.
        double[] degenerate = new double[n];
        for (int i = 0; i < n; i++) degenerate[i] = i < 17 ? 0 : i < 21 ? (i % 2 == 0 ? 1e-3 : -1e-3) * tau : (i % 3 == 0 ? -1 : 1) * (0.1 + r.nextDouble() * 2.9);
        spectra.add(degenerate);
        // Near the threshold: eigenvalues at ±τ·(1 ± δ), δ from 5% to 50%, plus a bulk.
        double[] near = new double[n];
        double[] deltas = {0.05, 0.1, 0.2, 0.5};
        int c = 0;
        for (double dlt : deltas) {
            for (double sign : new double[] {-1, 1}) {
                near[c++] = sign * tau * (1 - dlt);   // inside the band: counted in the nullity
                near[c++] = sign * tau * (1 + dlt);   // outside: index or positive
            }
        }
        while (c < n) near[c++] = (r.nextDouble() * 2 - 1) * norm;
        near[n - 1] = norm;
        spectra.add(near);
        long seed = 10;
        for (double[] d : spectra) {
            double[] a = withSpectrum(d, seed++);
            double[] values = Linalg.get().eigh(a, n, false).values();
            EigenvalueCounts eig = EigenvalueCounts.of(values, tau, 5);
            EigenvalueCounts fact = byInertia(a, n, tau);
            assertSameCounts(eig, fact, "spectrum " + (seed - 11));
            int expectedNull = 0;
            for (double x : d) if (Math.abs(x) <= tau) expectedNull++;
            assertEquals(expectedNull, fact.nullity(), "known nullity of spectrum " + (seed - 11));
        }
    }

    static double[] refine(Evaluator obj, double[] start) {
        return MorseClaimsTest.refine(obj, start);
    }

    /** The report's inertia path against its full-spectra path on one point. */
    static void compare(Evaluator ev, double[] theta, String what) {
        MorseReport spectra = MorseReport.at(ev, theta, MorseReport.Options.defaults().withSpectra(true));
        for (Boolean two : new Boolean[] {true, false}) {
            MorseReport inertia = MorseReport.at(ev, theta, MorseReport.Options.defaults(), new MorseReport.Listener() {}, two);
            String w = what + (two ? " (two buffers)" : " (assembled twice)");
            assertEquals("inertia", inertia.method(), w);
            assertEquals("dense", spectra.method(), w);
            assertEquals(spectra.index(), inertia.index(), w + ": index");
            assertEquals(spectra.nullity(), inertia.nullity(), w + ": nullity");
            assertEquals(spectra.positive(), inertia.positive(), w + ": positive");
            assertEquals(spectra.tauScaleSource(), inertia.tauScaleSource(), w);
            assertEquals(spectra.tau(), inertia.tau(), 1e-7 * spectra.tau(), w + ": τ from Lanczos norms");
            assertEquals(spectra.hessianNorm(), inertia.hessianNorm(), 1e-7 * spectra.hessianNorm(), w + ": ‖H‖₂");
            double tr = Math.abs(spectra.traceGgn()) + Math.abs(spectra.traceNme());
            assertEquals(spectra.traceHessian(), inertia.traceHessian(), 1e-12 * tr, w + ": tr H");
            assertEquals(spectra.traceGgn(), inertia.traceGgn(), 1e-12 * tr, w + ": tr G");
            assertEquals(spectra.traceNme(), inertia.traceNme(), 1e-12 * tr, w + ": tr M");
            assertEquals(spectra.nmeToHessianFrobenius(), inertia.nmeToHessianFrobenius(), 1e-9 + 1e-9 * spectra.nmeToHessianFrobenius(), w + ": ‖M‖_F/‖H‖_F");
            assertNull(inertia.eigenvalues(), w + ": no full spectrum without --spectra");
            assertTrue(inertia.converged(), w + ": Lanczos runs converged");
            // The eigenvalues nearest zero: the smallest |λ| matches the full spectrum where it is above rounding.
            double minSpec = spectra.minAbsEigenvalue();
            if (minSpec > 1e3 * spectra.tau()) {
                assertEquals(minSpec, inertia.minAbsEigenvalue(), 1e-9 * minSpec + 1e-3 * spectra.tau(), w + ": min |λ|");
            } else {
                assertTrue(inertia.minAbsEigenvalue() <= spectra.tau(), w + ": min |λ| in the zero band, got " + inertia.minAbsEigenvalue());
            }
            double hn = spectra.hessianNorm();
            for (double res : inertia.nearestZeroResiduals()) assertTrue(res <= 1e-8 * hn, w + ": residual of a nearest-zero pair " + res);
            assertEquals(spectra.eigenvalues()[0], inertia.extremes()[0], 1e-7 * hn, w + ": λ_min by Lanczos");
            assertEquals(spectra.eigenvalues()[ev.dim() - 1], inertia.extremes()[inertia.extremes().length - 1], 1e-7 * hn, w + ": λ_max by Lanczos");
            assertTrue(inertia.memoryPlan().contains(two ? "two P×P buffers" : "one P×P buffer"), w + ": " + inertia.memoryPlan());
            // One factorization settles a point whose eigenvalues all exceed τ; otherwise both shifts are factored.
            boolean aboveTau = spectra.index() == 0 && spectra.nullity() == 0;
            String settled = two ? "Cholesky factorization of H − τI showed every eigenvalue above τ" : "showed every eigenvalue above τ";
            assertEquals(aboveTau, inertia.memoryPlan().contains(settled), w + ": " + inertia.memoryPlan());
            if (!two) assertEquals(!aboveTau, inertia.memoryPlan().contains("assembled again"), w + ": " + inertia.memoryPlan());
        }
    }

    @Test
    void reportCountsAgreeAtTheCriticalPointsOfTheClaims() {
        Evaluator plain = MorseClaimsTest.tanhRegression(Regularizer.NONE);
        double[] min = refine(plain, plain.problem().model().initPyTorchDefault(3));
        compare(plain, min, "unregularized interpolating minimum (nullity ≥ 21)");
        Evaluator l2 = MorseClaimsTest.tanhRegression(Regularizer.l2(1e-3));
        compare(l2, refine(l2, min), "l2(1e-3) minimum");
        Evaluator gl2 = MorseClaimsTest.tanhRegression(Regularizer.generalizedL2(1e-2, 5));
        compare(gl2, refine(gl2, gl2.problem().model().initPyTorchDefault(5)), "generalized_l2 critical point");
        Evaluator mult = MorseClaimsTest.tanhRegression(Regularizer.multiplicative(0.05));
        compare(mult, min, "multiplicative(0.05) at the zero-loss minimum (s = ‖H‖₂)");
        int d0 = 3, h = 4, cl = 2, n = 10;
        Dataset data = Dataset.regression(MorseClaimsTest.gaussian(n * d0, 11), n, d0, MorseClaimsTest.gaussian(n * cl, 12), cl);
        Mlp lin = Mlp.builder(d0, h, cl).activation(Activation.IDENTITY).noBias().build();
        Evaluator linear = Evaluator.open(Problem.of(lin, data, Loss.MSE, Regularizer.l2(1e-2)));
        compare(linear, refine(linear, lin.initPyTorchDefault(13)), "linear network with l2 (orthogonal orbit)");
    }

    @Test
    void reportCountsAgreeAtIndefiniteNonCriticalPoints() {
        for (long seed : new long[] {1, 2}) {
            Dataset data = Dataset.classification(MorseClaimsTest.gaussian(60 * 5, seed), 60, 5, new SplittableRandom(seed).ints(60, 0, 3).toArray(), 3);
            Mlp mlp = Mlp.of(seed == 1 ? Activation.TANH : Activation.GELU, 5, 7, 6, 3);
            Evaluator ev = Evaluator.open(Problem.of(mlp, data, Loss.CROSS_ENTROPY, Regularizer.l2(1e-3)));
            double[] theta = mlp.initPyTorchDefault(seed);
            MorseReport r = MorseReport.at(ev, theta, MorseReport.Options.defaults());
            assertTrue(r.index() > 0 && !r.critical(), "an indefinite, non-critical point: index " + r.index());
            // no kind and no MORSE for a point that is not critical (it used to read "MORSE: point (NOT critical …) is a … saddle")
            assertTrue(r.verdict().startsWith("NOT CRITICAL: ‖∇L_R‖ = ") && !r.verdict().contains("MORSE") && !r.verdict().contains("saddle"),
                    r.verdict());
            assertTrue(!r.nondegenerate(), "not nondegenerate: the property is one of critical points (nullity " + r.nullity() + ")");
            compare(ev, theta, "cross-entropy 5-7-6-3 at init, seed " + seed);
        }
    }

    @Test
    void aDegenerateSaddleFromTheRegressionHasItsNullityCounted() {
        // θ = 0 for a tanh network without biases: every hidden unit is off, a symmetric saddle of L with a large null space.
        Dataset data = Dataset.regression(MorseClaimsTest.gaussian(12, 3), 6, 2, MorseClaimsTest.gaussian(6, 4), 1);
        Mlp mlp = Mlp.builder(2, 5, 1).activation(Activation.TANH).noBias().build();
        Evaluator ev = Evaluator.open(Problem.of(mlp, data, Loss.MSE));
        double[] zero = new double[mlp.numParameters()];
        MorseReport spectra = MorseReport.at(ev, zero, MorseReport.Options.defaults().withSpectra(true));
        assertTrue(spectra.critical() && spectra.nullity() > 0, "θ = 0 is a degenerate critical point: " + spectra.verdict());
        compare(ev, zero, "θ = 0 without biases");
    }

    /** The kinds a verdict names, from the counts: every sign pattern, the negative semidefinite and the all-zero ones included. */
    @Test
    void theVerdictNamesTheKindOfCriticalPoint() {
        String[][] cases = {
                {"0", "0", "5", "MORSE: critical point is a nondegenerate minimum"},
                {"0", "2", "3", "NOT MORSE: critical point is a degenerate minimum candidate"},
                {"5", "0", "0", "MORSE: critical point is a nondegenerate maximum"},
                {"3", "2", "0", "NOT MORSE: critical point is a degenerate maximum candidate"},
                {"2", "0", "3", "MORSE: critical point is a nondegenerate saddle of index 2"},
                {"2", "1", "2", "NOT MORSE: critical point is a degenerate saddle of index 2"},
                // every eigenvalue in the band (H = 0 at τ = 0): neither a minimum nor a maximum candidate rather than the other
                {"0", "5", "0", "NOT MORSE: critical point is fully degenerate: every eigenvalue lies in the zero band, so second order cannot tell"
                        + " a minimum, a maximum or a saddle"},
        };
        for (String[] c : cases) {
            String v = MorseReport.verdict(true, 1e-12, 1e-10, Integer.parseInt(c[0]), Integer.parseInt(c[1]), Integer.parseInt(c[2]), 3.0);
            assertTrue(v.startsWith(c[3] + " (nullity " + c[1] + ", min |λ|/τ = 3.00)"), v);
        }
        String v = MorseReport.verdict(false, 1e-3, 1e-10, 0, 0, 5, 3.0);
        assertTrue(v.startsWith("NOT CRITICAL: ‖∇L_R‖ = 0.00100 > grad_tol 1.00e-10, so no Morse verdict; the Hessian here has index 0, positive 5"), v);
    }
}
