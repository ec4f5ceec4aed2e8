package dev.morse.simd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import java.util.function.DoubleUnaryOperator;
import java.util.function.UnaryOperator;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.VectorSpecies;
import org.junit.jupiter.api.Test;

/** The arithmetic-only vector transcendentals against java.lang.Math, in ulps. */
class VectorMathTest {

    static final VectorSpecies<Double> S = DoubleVector.SPECIES_PREFERRED;

    static double maxUlps(UnaryOperator<DoubleVector> f, DoubleUnaryOperator ref, double[] xs) {
        double worst = 0;
        double[] out = new double[S.length()];
        double[] in = new double[S.length()];
        for (int i = 0; i < xs.length; i++) {
            java.util.Arrays.fill(in, xs[i]);
            f.apply(DoubleVector.fromArray(S, in, 0)).intoArray(out, 0);
            double r = ref.applyAsDouble(xs[i]);
            if (Double.isNaN(r)) {
                assertTrue(Double.isNaN(out[0]), "NaN expected at " + xs[i]);
                continue;
            }
            if (Double.isInfinite(r) || r == 0) {
                assertEquals(r, out[0], 0.0, "exact value at " + xs[i]);
                continue;
            }
            worst = Math.max(worst, Math.abs(out[0] - r) / Math.ulp(r));
        }
        return worst;
    }

    static double[] points(double lo, double hi, int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        double[] x = new double[n];
        for (int i = 0; i < n; i++) x[i] = lo + (hi - lo) * r.nextDouble();
        return x;
    }

    @Test
    void expMatchesMath() {
        assertTrue(maxUlps(VectorMath::exp, Math::exp, points(-740, 709, 20000, 1)) <= 2, "exp within 2 ulp");
        assertTrue(maxUlps(VectorMath::exp, Math::exp, points(-1, 1, 20000, 2)) <= 2, "exp near 0 within 2 ulp");
        assertTrue(maxUlps(VectorMath::exp, Math::exp, new double[] {0, -0.0, 1e-300, 709.78, 710, -746, -745, Double.NaN,
                Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, -708.5, -744.5}) <= 2, "exp edge cases");
    }

    /**
     * tanh's one-factor scaling is expm1's arithmetic on [−40, 0]: the same bits as
     * (0 − t)/(t + 2) with t = {@link VectorMath#expm1}(−2|x|) and x's sign, over the whole range
     * (tiny, moderate, saturated and infinite x, both signs, and the k = −58 clamp).
     */
    @Test
    void tanhIsExpm1sArithmeticToTheBit() {
        double[] xs = new double[40000 + 16];
        SplittableRandom r = new SplittableRandom(11);
        for (int i = 0; i < 40000; i++) {
            xs[i] = (r.nextBoolean() ? 1 : -1) * Math.pow(10, r.nextDouble(-12, 2));
        }
        double[] edges = {0, -0.0, 19.06, 19.07, 20, -20, 25, 1e-300, Double.MIN_VALUE, 4.9e-324, 1e300,
            Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, 0.5, -0.5, 0.3466};
        System.arraycopy(edges, 0, xs, 40000, edges.length);
        int lanes = S.length();
        double[] got = new double[lanes], want = new double[lanes], in = new double[lanes];
        for (int i = 0; i < xs.length; i += lanes) {
            for (int j = 0; j < lanes; j++) in[j] = xs[Math.min(i + j, xs.length - 1)];
            DoubleVector x = DoubleVector.fromArray(S, in, 0);
            VectorMath.tanh(x).intoArray(got, 0);
            DoubleVector t = VectorMath.expm1(x.abs().mul(-2.0));
            DoubleVector a = DoubleVector.zero(S).sub(t).div(t.add(2.0));
            a.reinterpretAsLongs().or(x.reinterpretAsLongs().and(Long.MIN_VALUE)).reinterpretAsDoubles().intoArray(want, 0);
            for (int j = 0; j < lanes; j++) {
                assertEquals(Double.doubleToRawLongBits(want[j]), Double.doubleToRawLongBits(got[j]), "tanh(" + in[j] + ")");
            }
        }
        DoubleVector nan = VectorMath.tanh(DoubleVector.broadcast(S, Double.NaN));
        assertTrue(Double.isNaN(nan.lane(0)), "NaN stays NaN");
        // Signed zeros as StrictMath.tanh (the scalar twin) has them.
        assertEquals(Double.doubleToRawLongBits(0.0), Double.doubleToRawLongBits(VectorMath.tanh(DoubleVector.zero(S)).lane(0)), "tanh(+0) = +0");
        assertEquals(Double.doubleToRawLongBits(-0.0), Double.doubleToRawLongBits(VectorMath.tanh(DoubleVector.broadcast(S, -0.0)).lane(0)), "tanh(−0) = −0");
    }

    @Test
    void expm1AndTanhAndLog1pMatchMath() {
        assertTrue(maxUlps(VectorMath::expm1, Math::expm1, points(-2, 2, 20000, 3)) <= 2, "expm1 within 2 ulp");
        assertTrue(maxUlps(VectorMath::expm1, Math::expm1, points(-1e-8, 1e-8, 2000, 4)) <= 2, "expm1 tiny within 2 ulp");
        assertTrue(maxUlps(VectorMath::tanh, Math::tanh, points(-25, 25, 20000, 5)) <= 4, "tanh within 4 ulp");
        assertTrue(maxUlps(VectorMath::tanh, Math::tanh, points(-1e-6, 1e-6, 2000, 6)) <= 4, "tanh tiny within 4 ulp");
        assertTrue(maxUlps(VectorMath::tanh, Math::tanh, new double[] {0, -0.0, 30, -30, Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY}) <= 4, "tanh edges");
        double lu = maxUlps(VectorMath::log1pUnit, Math::log1p, points(0, 1, 20000, 7));
        assertTrue(lu <= 3, "log1p on [0,1] within 3 ulp, got " + lu);
        assertTrue(maxUlps(VectorMath::log1pUnit, Math::log1p, new double[] {0, 1, 1e-300, 1e-17}) <= 3, "log1p edges");
    }
}
