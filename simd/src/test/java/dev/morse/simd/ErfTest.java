package dev.morse.simd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * {@link Erf} against reference values computed with Python mpmath at 50 digits and rounded to
 * double ({@code mpmath.erf}, {@code erfc}, {@code ncdf}, {@code npdf}).
 */
class ErfTest {

    private static final double EPS = Math.ulp(1.0);

    /** x, erf(x), erfc(x). */
    private static final double[][] ERF = {
            {0.0, 0.0, 1.0},
            {1e-300, 1.1283791670955126e-300, 1.0},
            {1e-10, 1.1283791670955126e-10, 0.999999999887162},
            {0.001, 0.0011283787909692365, 0.9988716212090307},
            {0.1, 0.1124629160182849, 0.887537083981715},
            {0.5, 0.5204998778130465, 0.4795001221869535},
            {-0.5, -0.5204998778130465, 1.5204998778130465},
            {1.0, 0.8427007929497149, 0.15729920705028513},
            {-1.0, -0.8427007929497149, 1.8427007929497148},
            {1.5, 0.9661051464753108, 0.033894853524689274},
            {2.0, 0.9953222650189527, 0.004677734981047266},
            {-2.0, -0.9953222650189527, 1.9953222650189528},
            {2.4999, 0.9995928300996666, 0.0004071699003334514},
            {-2.4999, -0.9995928300996666, 1.9995928300996666},
            {2.5, 0.999593047982555, 0.0004069520174449589},
            {-2.5, -0.999593047982555, 1.999593047982555},
            {2.5000001, 0.9995930482003834, 0.00040695179961659073},
            {3.0, 0.9999779095030014, 2.209049699858544e-05},
            {4.0, 0.9999999845827421, 1.541725790028002e-08},
            {5.0, 0.9999999999984626, 1.537459794428035e-12},
            {6.0, 1.0, 2.1519736712498913e-17},
            {-6.0, -1.0, 2.0},
            {10.0, 1.0, 2.088487583762545e-45},
            {26.0, 1.0, 5.663192408856143e-296},
            {27.0, 1.0, 5.23705e-319},
            {30.0, 1.0, 0.0},
            {-30.0, -1.0, 2.0},
    };

    /** x, Φ(x), φ(x); ±3.5355339059327378 is the series/fraction switch 2.5·√2. */
    private static final double[][] NORMAL = {
            {0.0, 0.5, 0.3989422804014327},
            {1e-10, 0.5000000000398942, 0.3989422804014327},
            {-1e-10, 0.49999999996010575, 0.3989422804014327},
            {0.5, 0.6914624612740131, 0.35206532676429947},
            {-0.5, 0.3085375387259869, 0.35206532676429947},
            {1.0, 0.8413447460685429, 0.24197072451914334},
            {-1.0, 0.15865525393145705, 0.24197072451914334},
            {2.0, 0.9772498680518208, 0.05399096651318805},
            {-2.0, 0.02275013194817921, 0.05399096651318805},
            {3.5, 0.9997673709209645, 0.00087268269504576},
            {-3.5, 0.00023262907903552504, 0.00087268269504576},
            {3.5355339059327373, 0.9997965239912775, 0.0007701397753170612},
            {-3.5355339059327373, 0.0002034760087224797, 0.0007701397753170612},
            {3.5355339059327378, 0.9997965239912775, 0.00077013977531706},
            {-3.5355339059327378, 0.00020347600872247938, 0.00077013977531706},
            {3.6, 0.9998408914098424, 0.000611901930113772},
            {-3.6, 0.00015910859015753383, 0.000611901930113772},
            {5.0, 0.9999997133484281, 1.4867195147342977e-06},
            {-5.0, 2.866515718791939e-07, 1.4867195147342977e-06},
            {8.0, 0.9999999999999993, 5.052271083536892e-15},
            {-8.0, 6.220960574271784e-16, 5.052271083536892e-15},
            {-12.0, 1.776482112077679e-33, 2.1463837356630605e-32},
            {-20.0, 2.7536241186062337e-89, 5.520948362159764e-88},
            {-30.0, 4.906713927148187e-198, 1.4736461348785476e-196},
            {-37.0, 5.725571222524577e-300, 2.1200065515246056e-298},
            {-38.4, 6.4e-323, 2.535e-321},
            {40.0, 1.0, 0.0},
            {-40.0, 0.0, 0.0},
    };

    /**
     * Asserts |actual − expected| ≤ rel·|expected|; in the subnormal range, where every result
     * carries an absolute rounding of Double.MIN_VALUE, the bound is relaxed to 1e-4 relative
     * plus 4 subnormal ulps.
     */
    private static void assertClose(String what, double x, double expected, double actual, double rel) {
        double tol = Math.abs(expected) >= Double.MIN_NORMAL ? rel * Math.abs(expected)
                : 1e-4 * Math.abs(expected) + 4 * Double.MIN_VALUE;
        assertTrue(Math.abs(actual - expected) <= tol,
                () -> what + "(" + x + "): expected " + expected + " within " + tol + ", got " + actual);
    }

    @Test
    void erfMatchesReferenceToAFewUlp() {
        for (double[] row : ERF) {
            assertClose("erf", row[0], row[1], Erf.erf(row[0]), 4 * EPS);
        }
    }

    @Test
    void erfcMatchesReference() {
        for (double[] row : ERF) {
            double x = row[0];
            // u ≥ 2.5: continued fraction with full relative accuracy; |u| < 2.5: 1 − erf, whose
            // relative error grows as erfc shrinks (up to ~2e-12 just below 2.5).
            double rel = x >= Erf.SWITCH_U || x <= 0 ? 64 * EPS : 4e-12;
            assertClose("erfc", x, row[2], Erf.erfc(x), rel);
        }
    }

    @Test
    void normalCdfMatchesReference() {
        for (double[] row : NORMAL) {
            double x = row[0];
            double rel = x >= 0 ? 4 * EPS : x <= -Erf.SWITCH_X ? 64 * EPS : 4e-12;
            assertClose("normalCdf", x, row[1], Erf.normalCdf(x), rel);
        }
    }

    @Test
    void normalPdfMatchesReference() {
        for (double[] row : NORMAL) {
            assertClose("normalPdf", row[0], row[2], Erf.normalPdf(row[0]), 4 * EPS);
        }
    }

    @Test
    void specialValues() {
        assertTrue(Double.isNaN(Erf.erf(Double.NaN)), "erf(NaN) should be NaN");
        assertTrue(Double.isNaN(Erf.erfc(Double.NaN)), "erfc(NaN) should be NaN");
        assertTrue(Double.isNaN(Erf.normalCdf(Double.NaN)), "normalCdf(NaN) should be NaN");
        assertTrue(Double.isNaN(Erf.normalPdf(Double.NaN)), "normalPdf(NaN) should be NaN");
        assertEquals(1.0, Erf.erf(Double.POSITIVE_INFINITY), "erf(+inf)");
        assertEquals(-1.0, Erf.erf(Double.NEGATIVE_INFINITY), "erf(-inf)");
        assertEquals(0.0, Erf.erfc(Double.POSITIVE_INFINITY), "erfc(+inf)");
        assertEquals(2.0, Erf.erfc(Double.NEGATIVE_INFINITY), "erfc(-inf)");
        assertEquals(1.0, Erf.normalCdf(Double.POSITIVE_INFINITY), "normalCdf(+inf)");
        assertEquals(0.0, Erf.normalCdf(Double.NEGATIVE_INFINITY), "normalCdf(-inf)");
        assertEquals(0.0, Erf.normalPdf(Double.POSITIVE_INFINITY), "normalPdf(+inf)");
        assertEquals(0.0, Erf.normalPdf(Double.NEGATIVE_INFINITY), "normalPdf(-inf)");
        assertEquals(Double.doubleToRawLongBits(-0.0), Double.doubleToRawLongBits(Erf.erf(-0.0)), "erf(-0) should be -0");
    }

    @Test
    void oddEvenSymmetryAndComplementHold() {
        for (int i = -4000; i <= 4000; i++) {
            double x = i * 1e-3 * Math.PI;
            assertEquals(-Erf.erf(x), Erf.erf(-x), 0.0, "erf must be odd at " + x);
            assertEquals(Erf.normalPdf(x), Erf.normalPdf(-x), 0.0, "normalPdf must be even at " + x);
            double sum = Erf.normalCdf(x) + Erf.normalCdf(-x);
            assertEquals(1.0, sum, 4 * EPS, "Phi(x) + Phi(-x) at " + x);
        }
    }

    @Test
    void continuousAcrossTheSwitchPoints() {
        double u = Erf.SWITCH_U;
        double below = Math.nextDown(u);
        assertClose("erf across 2.5", u, Erf.erf(below), Erf.erf(u), 4 * EPS);
        assertClose("erfc across 2.5", u, Erf.erfc(below), Erf.erfc(u), 4e-12);
        double xs = Erf.SWITCH_X;
        assertClose("normalCdf across -2.5*sqrt2", -xs, Erf.normalCdf(-Math.nextDown(xs)), Erf.normalCdf(-xs), 4e-12);
        assertClose("normalCdf across 2.5*sqrt2", xs, Erf.normalCdf(Math.nextDown(xs)), Erf.normalCdf(xs), 4 * EPS);
    }

    @Test
    void switchConstantsAreConsistent() {
        assertEquals(Erf.SWITCH_U * Math.sqrt(2.0), Erf.SWITCH_X, EPS * 4, "SWITCH_X should be 2.5*sqrt(2)");
        // The vector GELU pairs one even and one odd series coefficient with two fraction levels per pass.
        assertEquals(Erf.SERIES_TERMS, Erf.FRACTION_TERMS, "series and fraction term counts must match");
        assertEquals(0, Erf.SERIES_TERMS % 2, "series term count must be even");
    }
}
