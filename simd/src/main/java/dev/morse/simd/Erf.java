package dev.morse.simd;

/**
 * The error function and the standard normal distribution in double precision; Java has no
 * {@code Math.erf}. Written for Morse (no third-party source) from two classical expansions:
 *
 * <ul>
 *   <li><b>Series</b> (small |u|): erf(u) = (2/√π)·e^{−u²}·u·S(2u²) with
 *       S(z) = Σ_{k≥0} z^k / (1·3·5···(2k+1)), all terms positive, so no cancellation; the
 *       first {@value #SERIES_TERMS}+1 terms (enough for z ≤ 12.5) are evaluated as
 *       E(z²) + z·O(z²), Horner on the even and on the odd coefficients: two independent
 *       chains of 20 fma instead of one of 40, which halves the latency in the vector kernel.</li>
 *   <li><b>Continued fraction</b> (large |u|): erfc(u) = e^{−u²}/(√π·t),
 *       t = u + (1/2)/(u + 1/(u + (3/2)/(u + …))) with {@value #FRACTION_TERMS} levels, evaluated
 *       backwards as a single fraction N/D so that only one division is needed.</li>
 * </ul>
 *
 * The switch is at |u| = {@value #SWITCH_U} (for Φ: |x| = 2.5·√2). The Gaussian factor e^{−u²} is
 * computed with the rounding error of u² corrected by an {@code fma}, so large arguments keep
 * full relative accuracy. Accuracy against 40-digit references: erf, and Φ for x ≥ 0, a few ulp;
 * erfc(u) for u ≥ 2.5 and Φ(x) for x ≤ −2.5·√2 about 1e-14 relative (down to underflow); erfc
 * on (0, 2.5) and Φ on (−2.5·√2, 0) are formed as 1 − erf, which costs up to ~2e-12 relative
 * just above the switch where the result is ~4e-4 (absolute error stays ≤ 1e-16).
 *
 * <p>NaN in gives NaN out; ±∞ give the limits. e^x comes from {@link StrictMath#exp} so results
 * are bit-identical in every execution mode and on every platform. The vector kernels use the same method with the
 * same term counts, so this class is also their oracle.
 */
public final class Erf {

    /** Highest power of the series; 40 reach full precision at the switch point z = 2u² = 12.5. */
    static final int SERIES_TERMS = 40;
    /** Levels of the continued fraction; 40 give ≤ 2e-16 relative error at the switch point (30 give 1.5e-14). */
    static final int FRACTION_TERMS = 40;
    /** |u| below which the series is used. */
    static final double SWITCH_U = 2.5;
    /** |x| below which Φ uses the series: 2.5·√2, the same switch in the variable x = u·√2. */
    static final double SWITCH_X = 3.5355339059327378;
    /**
     * Arguments are clamped here before the continued fraction and the Gaussian factor: e^{−u²}
     * and e^{−x²/2} underflow to 0 long before, and clamping keeps N/D finite and fma(u,u,−u²)
     * free of ∞−∞ for infinite inputs.
     */
    static final double CLAMP = 40.0;

    /**
     * SERIES_COEF[k] = 1/(1·3·5···(2k+1)), correctly rounded (computed in BigDecimal, because
     * forming it by 40 successive double divisions would accumulate up to ~20 ulp).
     */
    static final double[] SERIES_COEF = new double[SERIES_TERMS + 1];

    static {
        java.math.BigDecimal doubleFactorial = java.math.BigDecimal.ONE;
        java.math.MathContext mc = new java.math.MathContext(40);
        for (int k = 0; k <= SERIES_TERMS; k++) {
            doubleFactorial = doubleFactorial.multiply(java.math.BigDecimal.valueOf(2L * k + 1));
            SERIES_COEF[k] = java.math.BigDecimal.ONE.divide(doubleFactorial, mc).doubleValue();
        }
    }

    /** 2/√π. */
    static final double TWO_OVER_SQRT_PI = 1.1283791670955126;
    /** 1/√π. */
    static final double INV_SQRT_PI = 0.5641895835477563;
    /** 1/√(2π). */
    static final double INV_SQRT_2PI = 0.3989422804014327;

    private Erf() {
    }

    /** erf(x) = (2/√π) ∫₀ˣ e^{−t²} dt. Odd; erf(±∞) = ±1. */
    public static double erf(double x) {
        double u = Math.abs(x);
        double r = u < SWITCH_U ? erfSeries(u) : 1.0 - erfcFraction(u);
        return Math.copySign(r, x);
    }

    /** erfc(x) = 1 − erf(x), with full relative accuracy for large positive x (no cancellation). */
    public static double erfc(double x) {
        double u = Math.abs(x);
        if (u < SWITCH_U) {
            return 1.0 - Math.copySign(erfSeries(u), x);
        }
        double q = erfcFraction(u);
        // NaN fails x >= 0 and lands here: 2 − NaN is NaN.
        return x >= 0 ? q : 2.0 - q;
    }

    /**
     * Φ(x), the standard normal CDF. Computed directly in x (not through erf(x/√2)) so that the
     * rounding of x/√2 does not enter e^{−x²/2}: Φ(x) = ½ + x·φ(x)·S(x²) for |x| < 2.5·√2, and
     * Φ(−y) = φ(y)/(y + 1/(y + 2/(y + 3/(y + …)))) (Mills ratio) beyond.
     */
    public static double normalCdf(double x) {
        double y = Math.abs(x);
        if (y < SWITCH_X) {
            return Math.fma(x * normalPdf(x), series(x * x), 0.5);
        }
        double yc = Math.min(y, CLAMP);
        double q = normalPdf(yc) / millsFraction(yc);
        return x < 0 ? q : 1.0 - q;
    }

    /** φ(x) = e^{−x²/2}/√(2π), the standard normal density. */
    public static double normalPdf(double x) {
        double y = Math.min(Math.abs(x), CLAMP);
        double p = y * y;
        // e is the exact rounding error of p; e^{-(p+e)/2} ≈ e^{-p/2}·(1 − e/2) since |e| ≤ ulp(p).
        double e = Math.fma(y, y, -p);
        double g = StrictMath.exp(-0.5 * p) * (1.0 - 0.5 * e);
        // Math.min(NaN, CLAMP) is NaN, so NaN propagates through g.
        return g * INV_SQRT_2PI;
    }

    /** S(z) = Σ_{k≤40} z^k/(2k+1)!! as E(z²) + z·O(z²) (see the class comment). */
    static double series(double z) {
        double w = z * z;
        double even = SERIES_COEF[SERIES_TERMS];
        for (int k = SERIES_TERMS - 2; k >= 0; k -= 2) {
            even = Math.fma(even, w, SERIES_COEF[k]);
        }
        double odd = SERIES_COEF[SERIES_TERMS - 1];
        for (int k = SERIES_TERMS - 3; k >= 1; k -= 2) {
            odd = Math.fma(odd, w, SERIES_COEF[k]);
        }
        return Math.fma(z, odd, even);
    }

    /** erf(u) for 0 ≤ u < 2.5 (or NaN). */
    private static double erfSeries(double u) {
        double p = u * u;
        double e = Math.fma(u, u, -p);
        double g = StrictMath.exp(-p) * (1.0 - e);
        return TWO_OVER_SQRT_PI * g * u * series(2.0 * p);
    }

    /** erfc(u) for u ≥ 2.5 (or NaN). */
    private static double erfcFraction(double u) {
        double uc = Math.min(u, CLAMP);
        double p = uc * uc;
        double e = Math.fma(uc, uc, -p);
        double g = StrictMath.exp(-p) * (1.0 - e);
        // Backward evaluation of t_k = u + (k/2)/t_{k+1} kept as N/D: N' = u·N + (k/2)·D, D' = N.
        double num = uc;
        double den = 1.0;
        for (int k = FRACTION_TERMS; k >= 1; k--) {
            double next = Math.fma(uc, num, 0.5 * k * den);
            den = num;
            num = next;
        }
        return g * INV_SQRT_PI * den / num;
    }

    /** y + 1/(y + 2/(y + 3/(y + …))) for y ≥ 2.5·√2, as N/D with one division (see erfcFraction). */
    static double millsFraction(double y) {
        double num = y;
        double den = 1.0;
        for (int k = FRACTION_TERMS; k >= 1; k--) {
            double next = Math.fma(y, num, k * den);
            den = num;
            num = next;
        }
        return num / den;
    }
}
