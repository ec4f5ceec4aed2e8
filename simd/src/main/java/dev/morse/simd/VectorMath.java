package dev.morse.simd;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Transcendental functions on {@link DoubleVector}s built from +, ×, fma, compare and blend only.
 *
 * <p>Why not {@code lanewise(VectorOperators.EXP/TANH/LOG1P)}: HotSpot computes those with the
 * SVML stubs once C2 has compiled the loop, but with a per-lane {@code Math} call before that
 * (interpreter, C1). The two differ in the last bits, so the same product could return different
 * bits on its first and its hundredth call, which breaks Morse's reproducibility contract (SPEC §8).
 * Plain arithmetic is bit-identical in every execution mode (fma is exact-rounded everywhere).
 *
 * <p>Accuracy (checked against {@code Math} in the tests): exp and expm1 within 2 ulp, tanh within
 * 4 ulp, log1p on [0, 1] within 3 ulp.
 */
final class VectorMath {
    private VectorMath() {}

    private static final double LOG2E = 1.4426950408889634;
    // ln 2 split so that k·LN2_HI is exact for |k| < 2^11 (Cody–Waite reduction).
    private static final double LN2_HI = 0.6931471803691238;      // 0x3FE62E42FEE00000
    private static final double LN2_LO = 1.9082149292705877e-10;  // ln2 − LN2_HI
    // Adding and subtracting 1.5·2^52 rounds to the nearest integer for |v| < 2^51.
    private static final double ROUND_MAGIC = 6755399441055744.0;
    private static final long ROUND_MAGIC_BITS = Double.doubleToRawLongBits(ROUND_MAGIC);
    private static final double EXP_MAX = 709.782712893384;
    private static final double EXP_MIN = -745.1332191019412;

    /** 1/k! for k = 0..13: Taylor series of e^r on |r| ≤ ln2/2 (truncation < 4e-18 relative). */
    private static final double[] INV_FACT = {
        1.0, 1.0, 1.0 / 2, 1.0 / 6, 1.0 / 24, 1.0 / 120, 1.0 / 720, 1.0 / 5040, 1.0 / 40320, 1.0 / 362880,
        1.0 / 3628800, 1.0 / 39916800, 1.0 / 479001600, 1.0 / 6227020800.0
    };

    /** e^x; +∞ above 709.78, 0 below −745.13, NaN for NaN. */
    static DoubleVector exp(DoubleVector x) {
        DoubleVector xc = x.max(EXP_MIN).min(EXP_MAX);
        DoubleVector kd = nearestK(xc);
        DoubleVector p = expPoly(reduce(xc, kd));
        // 2^k as two factors 2^(k1)·2^(k−k1), k1 = k/2, so subnormal results and k = 1024 stay exact.
        LongVector k = toLong(kd);
        LongVector k1 = k.lanewise(VectorOperators.ASHR, 1);
        DoubleVector s1 = pow2(k1);
        DoubleVector s2 = pow2(k.sub(k1));
        DoubleVector y = p.mul(s1).mul(s2);
        y = y.blend(Double.POSITIVE_INFINITY, x.compare(VectorOperators.GT, EXP_MAX));
        y = y.blend(0.0, x.compare(VectorOperators.LT, EXP_MIN));
        return y.blend(x, x.test(VectorOperators.IS_NAN));
    }

    /** k = round(x/ln 2) as a double: adding and subtracting 1.5·2^52 rounds to the nearest integer. */
    private static DoubleVector nearestK(DoubleVector xc) {
        return xc.mul(LOG2E).add(ROUND_MAGIC).sub(ROUND_MAGIC);
    }

    /** r = x − k ln 2 (|r| ≤ ln2/2), with ln 2 split in two so that k·LN2_HI is exact (Cody–Waite). */
    private static DoubleVector reduce(DoubleVector xc, DoubleVector kd) {
        return kd.mul(-LN2_HI).add(xc).sub(kd.mul(LN2_LO));
    }

    /** 2^k for integer k in the normal exponent range, from its bits. */
    private static DoubleVector pow2(LongVector k) {
        return k.add(1023).lanewise(VectorOperators.LSHL, 52).reinterpretAsDoubles();
    }

    /**
     * The integer-valued kd (|kd| < 2^51) as longs, through the bits of kd + 1.5·2^52 (whose low
     * mantissa bits hold kd exactly). Not convert(D2L): AVX2 has no packed double→long instruction,
     * so that cast falls back to boxed per-lane code (measured ~40× slower, 56 B allocated per lane).
     */
    private static LongVector toLong(DoubleVector kd) {
        return kd.add(ROUND_MAGIC).reinterpretAsLongs().sub(ROUND_MAGIC_BITS);
    }

    private static DoubleVector expPoly(DoubleVector r) {
        DoubleVector p = DoubleVector.broadcast(r.species(), INV_FACT[13]);
        for (int i = 12; i >= 0; i--) p = p.fma(r, DoubleVector.broadcast(r.species(), INV_FACT[i]));
        return p;
    }

    /**
     * e^x − 1 to about 1 ulp: with x = k ln2 + r (|r| ≤ ln2/2), e^x − 1 = 2^k·expm1(r) + (2^k − 1),
     * expm1(r) by its Taylor series (no cancellation); both terms are exact scalings, so only the
     * final addition rounds. Saturates to −1 below −40 and to +∞ above 709.78.
     */
    static DoubleVector expm1(DoubleVector x) {
        DoubleVector xc = x.max(-40.0).min(EXP_MAX);
        DoubleVector kd = nearestK(xc);
        DoubleVector em = expm1Reduced(reduce(xc, kd));
        LongVector k = toLong(kd);
        // 2^k as two factors (k may be 1024 at the top of the range).
        LongVector k1 = k.lanewise(VectorOperators.ASHR, 1);
        DoubleVector s1 = pow2(k1);
        DoubleVector s2 = pow2(k.sub(k1));
        DoubleVector y = em.mul(s1).mul(s2).add(s1.mul(s2).sub(1.0));
        y = y.blend(Double.POSITIVE_INFINITY, x.compare(VectorOperators.GT, EXP_MAX));
        return y.blend(x, x.test(VectorOperators.IS_NAN));
    }

    /** expm1(r) for |r| ≤ ln2/2 by its Taylor series to r¹³ (truncation < 4e-18 relative). */
    private static DoubleVector expm1Reduced(DoubleVector r) {
        DoubleVector p = DoubleVector.broadcast(r.species(), INV_FACT[13]);
        for (int i = 12; i >= 1; i--) p = p.fma(r, DoubleVector.broadcast(r.species(), INV_FACT[i]));
        return p.mul(r);
    }

    /**
     * tanh x = sign(x)·(−t/(t + 2)) with t = expm1(−2|x|); exact ±1 for |x| ≥ 19.1, NaN for NaN.
     * t is {@link #expm1}'s arithmetic for an argument in [−40, 0] (clamped there as in expm1):
     * k ∈ [−58, 0], so 2^k is one normal factor where expm1 needs two, and nothing overflows: the
     * same bits with five fewer vector operations (the tanh map is most of a small model's Java time).
     */
    static DoubleVector tanh(DoubleVector x) {
        DoubleVector xc = x.abs().mul(-2.0).max(-40.0);
        DoubleVector kd = nearestK(xc);
        DoubleVector em = expm1Reduced(reduce(xc, kd));
        DoubleVector s = pow2(toLong(kd));
        DoubleVector t = em.mul(s).add(s.sub(1.0));
        // 0 − t, not −t: at x = ±0, t = +0 and −t would be −0, which the sign copy below keeps.
        DoubleVector a = DoubleVector.zero(x.species()).sub(t).div(t.add(2.0));
        // a ≥ +0: copy x's sign bit onto it (tanh(±0) = ±0); NaN stays NaN.
        return a.reinterpretAsLongs().or(x.reinterpretAsLongs().and(Long.MIN_VALUE)).reinterpretAsDoubles();
    }

    /**
     * Lanes added in index order: reduceLanes(ADD) leaves the order unspecified (and may differ
     * between compiled and interpreted code), which would break bit-reproducibility. The lane
     * count is a constant once inlined, so C2 unrolls this to its extracts and adds. Here, with the
     * other helpers that take vectors, so that the JIT rule inlines it too (see JitInlining).
     */
    static double sumLanes(DoubleVector v) {
        double s = 0.0;
        for (int l = 0; l < v.length(); l++) {
            s += v.lane(l);
        }
        return s;
    }

    /**
     * log(1 + y) for y ∈ [0, 1] via log1p(y) = 2 atanh(s), s = y/(2 + y) ∈ [0, 1/3]:
     * 2(s + s³/3 + s⁵/5 + …), 18 terms (s² ≤ 1/9, truncation < 1e-18).
     */
    static DoubleVector log1pUnit(DoubleVector y) {
        DoubleVector s = y.div(y.add(2.0));
        DoubleVector s2 = s.mul(s);
        DoubleVector p = DoubleVector.broadcast(y.species(), 1.0 / 37);
        for (int k = 17; k >= 0; k--) p = p.fma(s2, DoubleVector.broadcast(y.species(), 1.0 / (2 * k + 1)));
        return p.mul(s).mul(2.0);
    }
}
