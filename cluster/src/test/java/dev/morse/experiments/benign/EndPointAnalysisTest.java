package dev.morse.experiments.benign;

import dev.morse.experiments.benign.Classification.Kind;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;

class EndPointAnalysisTest {
    private static final double LAMBDA = 0.01;

    /** Inputs e₁, e₂ in ℝ² (orthonormal), labels y. */
    private static BenignData unitData(double... y) {
        return new BenignData("orthogonal", new double[][] {{1, 0}, {0, 1}}, y);
    }

    private static Classification classify(EndPoint p) {
        EndPointAnalysis an = EndPointAnalysis.of(p, EndPointAnalysis.DEFAULT_KINK_TOL);
        double g = ConvexGlobal.orthonormal(p.data().y(), p.lambda());
        return Classification.ofPoint(an, new ConvexGlobal.Bounds(g - 1e-15, g + 1e-15, new double[0], 0, 0, 0),
                Classification.Tolerances.defaults());
    }

    // One positive neuron on x₁ at its stationary size: r₁ = −nλ, a = u₁ = √(y₁ − nλ).
    private static final double A = Math.sqrt(1 - 2 * LAMBDA);

    @Test
    void constructedSpuriousLocalMinimum() {
        // y = (1, −1), width 1: the neuron covers y₁; y₂ < 0 would need a negative neuron, and there is none.
        // At the kink u₂ = 0, κ = (2/n) a r₂ = a·1 > 0: activating x₂ costs to first order. A true local minimum.
        EndPoint p = new EndPoint(unitData(1, -1), LAMBDA, 1, new double[] {A, 0}, new double[] {A});
        EndPointAnalysis an = EndPointAnalysis.of(p, 0);
        assertEquals(0, an.clarkeNorm(), 1e-15);
        assertEquals(0, an.descentRate(), 1e-15);
        assertEquals(1, an.kinks());
        assertEquals(0, an.curvatureLowerBound(), 1e-15, "‖v_j‖ = 2λ at a stationary point");
        assertTrue(Double.isNaN(an.zeroNeuronRatio()), "no zero neuron");
        Classification c = classify(p);
        assertEquals(Kind.SPURIOUS, c.kind(), c.reason());
        assertTrue(an.objective() > ConvexGlobal.orthonormal(p.data().y(), LAMBDA) + 0.1);
    }

    @Test
    void aZeroNeuronTurnsTheSameConfigurationIntoASaddle() {
        EndPoint p = new EndPoint(unitData(1, -1), LAMBDA, 2, new double[] {A, 0, 0, 0}, new double[] {A, 0});
        EndPointAnalysis an = EndPointAnalysis.of(p, 0);
        assertEquals(1, an.zeroNeurons());
        // r = (−nλ, 1): max ‖Π(±r restricted)‖ = ‖r₊‖ = 1 against nλ = 0.02.
        assertEquals(1 / (2 * LAMBDA), an.zeroNeuronRatio(), 1e-12);
        Classification c = classify(p);
        assertEquals(Kind.STALLED, c.kind());
        assertEquals("zero_neuron_descent", c.reason());
    }

    @Test
    void missingPositiveCoordinateIsAFirstOrderDescent() {
        // y = (1, 1): the neuron misses x₂ although r₂ = −1 < 0: κ = −a, steepest rate |κ|·‖x₂‖ = a.
        EndPoint p = new EndPoint(unitData(1, 1), LAMBDA, 1, new double[] {A, 0}, new double[] {A});
        EndPointAnalysis an = EndPointAnalysis.of(p, 0);
        assertEquals(0, an.clarkeNorm(), 1e-15, "Clarke stationary (ReLU′(0) = 0 at the kink gives ∇ = 0)");
        assertEquals(A, an.descentRate(), 1e-14);
        Classification c = classify(p);
        assertEquals(Kind.STALLED, c.kind());
        assertEquals("first_order_descent", c.reason());
    }

    @Test
    void knownGlobalMinimum() {
        // Closed form: p₊ = (1 − nλ/‖y₊‖) y₊ with one positive and one negative neuron, and a zero neuron.
        EndPoint p = new EndPoint(unitData(1, -1), LAMBDA, 3, new double[] {A, 0, 0, A, 0, 0}, new double[] {A, -A, 0});
        EndPointAnalysis an = EndPointAnalysis.of(p, 0);
        assertEquals(ConvexGlobal.orthonormal(p.data().y(), LAMBDA), an.objective(), 1e-15);
        assertEquals(0, an.clarkeNorm(), 1e-15);
        assertEquals(0, an.descentRate(), 1e-15);
        assertEquals(1.0, an.zeroNeuronRatio(), 1e-12, "the dual certificate is tight at the global minimum");
        assertEquals(Kind.GLOBAL, classify(p).kind());
    }

    @Test
    void zeroNetworkIsASaddleAndARandomPointIsNotStationary() {
        EndPoint zero = new EndPoint(unitData(1, -1), LAMBDA, 2, new double[4], new double[2]);
        Classification c = classify(zero);
        assertEquals(Kind.STALLED, c.kind());
        assertEquals("zero_neuron_descent", c.reason());
        EndPoint random = new EndPoint(unitData(1, -1), LAMBDA, 1, new double[] {0.3, 0.2}, new double[] {0.5});
        assertEquals("not_clarke_stationary", classify(random).reason());
    }

    private static double objective(BenignData data, double[] theta, int d) {
        // θ = (w ∈ ℝ^d, a) of one neuron.
        double[] w = java.util.Arrays.copyOf(theta, d);
        return new ReluNet(new double[][] {w}, new double[] {theta[d]}).objective(data, LAMBDA);
    }

    @Test
    void kinkTestsAgreeWithDirectionalDerivativesOnNonOrthogonalData() {
        BenignData data = BenignData.smallInitExample(3, 3);
        SplittableRandom rnd = new SplittableRandom(7);
        // A neuron with u = (0.4, 0, −0.3): x₂ is a kink. Build w from u (w = K⁻¹-combination of the inputs).
        double[] u = {0.4, 0, -0.3};
        EndPoint p = new EndPoint(data, LAMBDA, 1, u, new double[] {0.7});
        ReluNet net = p.toNet();
        double[] theta = {net.w()[0][0], net.w()[0][1], net.w()[0][2], 0.7};
        EndPointAnalysis an = EndPointAnalysis.of(p, 0);
        assertEquals(1, an.kinks());
        double base = objective(data, theta, 3);
        double h = 1e-7, best = 0;
        for (int s = 0; s < 20_000; s++) {
            double[] dir = new double[4];
            double nrm = 0;
            for (int q = 0; q < 4; q++) { dir[q] = rnd.nextGaussian(); nrm += dir[q] * dir[q]; }
            nrm = Math.sqrt(nrm);
            double[] t = theta.clone();
            for (int q = 0; q < 4; q++) t[q] += h * dir[q] / nrm;
            double slope = (objective(data, t, 3) - base) / h;
            best = Math.max(best, -slope);
        }
        assertTrue(best <= an.descentRate() + 1e-5, "no direction descends faster than the computed rate: " + best + " vs " + an.descentRate());
        assertTrue(best >= 0.97 * an.descentRate(), "sampled directions come close to the steepest rate: " + best + " vs " + an.descentRate());
        // Clarke: the minimum over a fine grid of ReLU′(0) ∈ [0, 1] of ‖∇L‖.
        ReluNet g = net.gradient(data, LAMBDA);
        double[] r = p.residual();
        double kappa = 2.0 / 3 * 0.7 * r[1];
        // The rebuilt w has w·x₂ = 0 only to rounding; take the gradient with ReLU′ = 0 at the kink exactly.
        if (Dense.dot(net.w()[0], data.x()[1]) > 0) for (int l = 0; l < 3; l++) g.w()[0][l] -= kappa * data.x()[1][l];
        double gridMin = Double.POSITIVE_INFINITY;
        for (int k = 0; k <= 10_000; k++) {
            double sChoice = k / 10_000.0, sq = g.a()[0] * g.a()[0];
            for (int l = 0; l < 3; l++) { double gl = g.w()[0][l] + sChoice * kappa * data.x()[1][l]; sq += gl * gl; }
            gridMin = Math.min(gridMin, Math.sqrt(sq));
        }
        assertTrue(an.clarkeNorm() <= gridMin + 1e-12 && an.clarkeNorm() >= gridMin - 1e-4,
                "Clarke norm " + an.clarkeNorm() + " vs grid minimum " + gridMin);
    }

    @Test
    void gradientDescentEndPointsPassTheirOwnChecks() {
        // A converged run's end point is Clarke stationary to the gradient tolerance.
        BenignData data = BenignData.orthogonal(3, 5, 1, 3, 2);
        PreactivationGd.Result r = new PreactivationGd(data, ReluNet.init(12, 5, 0.5, 3),
                new PreactivationGd.Options(LAMBDA, 0.01, 2_000_000, 1e-9, 1e3)).run();
        assertEquals(PreactivationGd.Status.CONVERGED, r.status());
        EndPointAnalysis an = EndPointAnalysis.of(r.end(), EndPointAnalysis.DEFAULT_KINK_TOL);
        assertTrue(an.clarkeNorm() <= 1e-9 * 1.0001, "Clarke norm " + an.clarkeNorm());
        assertEquals(r.end().objective(), an.objective(), 1e-14);
    }

    @Test
    void clarkeTestHandlesKinksOfVeryDifferentWeights() {
        // Regression: κ spread over 17 orders of magnitude made the QP in ReLU′ numerically singular.
        double[][] k = {{1, 0.3}, {0.3, 1}};
        double v = EndPointAnalysis.clarkeMin(k, new double[] {-2e-3, 1e-4}, new int[] {0, 1}, new double[] {1e-3, 1e-20}, 2);
        // γ + t: t₀ ∈ [0, 1e-3] can cancel at most 1e-3 of γ₀ = −2e-3; t₁ is negligible.
        double[] rest = {-1e-3, 1e-4};
        assertEquals(Dense.quad(k, rest), v, 1e-12);
    }
}
