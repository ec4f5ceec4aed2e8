package dev.morse.simd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link Kernels#map}: the scalar twin's f', f'' and f''' against central finite differences of
 * its own f, f' and f'' (so the formulas are right), and the vector kernels against the scalar
 * twin (so the vectorization is right), for every {@link ElementwiseFunction} and, for GELU,
 * β ∈ {1, ½, 4}. Inputs include 0, tiny values, ±40, ±700 and the GELU series/fraction switch
 * ±2.5·√2/β; the tails are also checked to relative accuracy where the formulas promise it.
 */
class ElementwiseMapTest {

    private final Kernels scalar = KernelProvider.scalar();
    private final Kernels vector = KernelProvider.vector();

    static Stream<Arguments> functions() {
        List<Arguments> out = new ArrayList<>();
        for (ElementwiseFunction f : ElementwiseFunction.values()) {
            double[] betas = f == ElementwiseFunction.GELU ? new double[] {1.0, 0.5, 4.0} : new double[] {1.0};
            for (double beta : betas) {
                out.add(Arguments.of(Named.of(f + (f == ElementwiseFunction.GELU ? " beta=" + beta : ""), f), beta));
            }
        }
        return out.stream();
    }

    /** Points where the implementations branch, saturate or underflow, plus a regular grid. */
    private static double[] probePoints(double beta) {
        double sw = Erf.SWITCH_X / beta;
        List<Double> pts = new ArrayList<>(List.of(0.0, -0.0, 1e-300, -1e-300, 1e-8, -1e-8, 1e-3, -1e-3,
                40.0, -40.0, 39.5, -39.5, 20.0, -20.0, 100.0, -100.0, 700.0, -700.0, sw, -sw, Math.nextUp(sw), Math.nextDown(sw),
                Math.nextUp(-sw), Math.nextDown(-sw), sw * 1.001, -sw * 1.001, sw * 0.999, -sw * 0.999,
                Math.sqrt(2.0) / beta, -Math.sqrt(2.0) / beta));
        for (int i = -60; i <= 60; i++) {
            pts.add(i * 0.137);
        }
        return pts.stream().mapToDouble(Double::doubleValue).toArray();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("functions")
    void derivativesMatchFiniteDifferences(ElementwiseFunction f, double beta) {
        double[] x = probePoints(beta);
        int n = x.length;
        double[] d1 = new double[n];
        double[] d2 = new double[n];
        double[] d3 = new double[n];
        scalar.map(f, beta, n, x, null, d1, d2, d3);
        double[] probe = new double[2];
        double[] v = new double[2];
        double[] g = new double[2];
        double[] gg = new double[2];
        for (int i = 0; i < n; i++) {
            double xi = x[i];
            double h = 1e-5 * Math.max(1.0, Math.abs(xi));
            if (f == ElementwiseFunction.RELU && Math.abs(xi) < 2 * h) {
                continue; // the kink: checked by reluFollowsPyTorchConventionAtZero
            }
            probe[0] = xi + h;
            probe[1] = xi - h;
            scalar.map(f, beta, 2, probe, v, g, gg);
            double fd1 = (v[0] - v[1]) / (2 * h);
            double fd2 = (g[0] - g[1]) / (2 * h);
            double fd3 = (gg[0] - gg[1]) / (2 * h);
            // Central differences: O(h²) truncation plus ε·|f|/h rounding, both ≲ 1e-9 here.
            double tol1 = 1e-6 * Math.max(1e-3, Math.abs(d1[i]));
            double tol2 = 1e-6 * Math.max(1e-3, Math.abs(d2[i])) * Math.max(1.0, beta);
            double tol3 = 1e-6 * Math.max(1e-3, Math.abs(d3[i])) * Math.max(1.0, beta * beta);
            int at = i;
            assertTrue(Math.abs(fd1 - d1[i]) <= tol1,
                    () -> f + " beta=" + beta + ": f'(" + x[at] + ") expected ≈ " + fd1 + " (finite difference), got " + d1[at]);
            assertTrue(Math.abs(fd2 - d2[i]) <= tol2,
                    () -> f + " beta=" + beta + ": f''(" + x[at] + ") expected ≈ " + fd2 + " (finite difference of f'), got " + d2[at]);
            assertTrue(Math.abs(fd3 - d3[i]) <= tol3,
                    () -> f + " beta=" + beta + ": f'''(" + x[at] + ") expected ≈ " + fd3 + " (finite difference of f''), got " + d3[at]);
        }
    }

    /**
     * In the tails f', f'' and f''' are tiny, so the absolute tolerances above say little there.
     * Sigmoid, softplus and GELU form them without cancellation (from e^{−|x|}, or φ with the
     * rounding of t² corrected), so each must match a central difference of the next lower
     * derivative to relative accuracy, out to where it underflows. (tanh's derivatives come from
     * 1 − t² and are accurate only absolutely: see {@link ElementwiseFunction#TANH}.)
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("functions")
    void tailsKeepRelativeAccuracy(ElementwiseFunction f, double beta) {
        if (f != ElementwiseFunction.SIGMOID && f != ElementwiseFunction.SOFTPLUS && f != ElementwiseFunction.GELU) {
            return;
        }
        double[] mags = f == ElementwiseFunction.GELU
                ? new double[] {4, 6, 10, 20, 30, 37}          // in t = βx; φ underflows beyond ~38.5
                : new double[] {5, 10, 20, 30, 100, 300, 700};
        double[] x = new double[2 * mags.length];
        for (int m = 0; m < mags.length; m++) {
            double xm = f == ElementwiseFunction.GELU ? mags[m] / beta : mags[m];
            x[2 * m] = xm;
            x[2 * m + 1] = -xm;
        }
        int n = x.length;
        double[][] d = {new double[n], new double[n], new double[n], new double[n]};
        scalar.map(f, beta, n, x, d[0], d[1], d[2], d[3]);
        double[] probe = new double[2];
        double[][] p = {new double[2], new double[2], new double[2], new double[2]};
        for (int i = 0; i < n; i++) {
            double t = Math.abs(beta * x[i]);
            // h small against the scale 1/(β(1+t)) on which the tail derivatives change; the
            // truncation error is then ~(hβ(1+t))²/6 ≈ 2e-9 relative.
            double h = 1e-4 / (Math.max(1.0, beta) * (1 + t));
            probe[0] = x[i] + h;
            probe[1] = x[i] - h;
            double hh = (probe[0] - probe[1]) / 2; // the step actually taken
            scalar.map(f, beta, 2, probe, p[0], p[1], p[2], p[3]);
            for (int o = 1; o <= 3; o++) {
                double fd = (p[o - 1][0] - p[o - 1][1]) / (2 * hh);
                double exact = d[o][i];
                int at = i;
                int order = o;
                assertTrue(exact != 0 && Double.isFinite(exact), () -> f + ": derivative " + order + " at " + x[at] + " is " + exact);
                // Where the lower derivative tends to a nonzero constant (s → 1, softplus ≈ x, GELU ≈ x
                // and GELU' → 1 on the positive side), its rounding, ~ε·|f|/h, swamps the tiny
                // difference: no finite difference resolves that derivative, so skip it. f''' is
                // always resolvable (f'' → 0 in every tail).
                double noise = 1e-15 * Math.max(Math.abs(p[o - 1][0]), Math.abs(p[o - 1][1])) / hh;
                if (noise > 1e-8 * Math.abs(exact)) {
                    assertTrue(o < 3, () -> f + ": f''' at " + x[at] + " not resolvable by finite differences");
                    continue;
                }
                assertTrue(Math.abs(fd - exact) <= 1e-6 * Math.abs(exact),
                        () -> f + " beta=" + beta + ": derivative " + order + " at " + x[at] + " expected ≈ " + fd
                                + " (finite difference), got " + exact + " (relative error " + Math.abs(fd - exact) / Math.abs(exact) + ")");
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("functions")
    void vectorMatchesScalarOverAllSizes(ElementwiseFunction f, double beta) {
        double[] special = probePoints(beta);
        Random rnd = new Random(77);
        for (int n : VectorKernelsTest.SIZES) {
            double[] x = new double[n];
            for (int i = 0; i < n; i++) {
                // Interleave the probes with random inputs so each probe lands in vector lanes and in tails.
                x[i] = i % 2 == 0 ? special[(i / 2) % special.length] : 4 * rnd.nextGaussian() / beta;
            }
            double[][] s = {new double[n], new double[n], new double[n], new double[n]};
            double[][] v = {new double[n], new double[n], new double[n], new double[n]};
            scalar.map(f, beta, n, x, s[0], s[1], s[2], s[3]);
            vector.map(f, beta, n, x, v[0], v[1], v[2], v[3]);
            for (int o = 0; o < 4; o++) {
                for (int i = 0; i < n; i++) {
                    // Relative for the bulk (vector exp/expm1 and fma placement differ in the last bits;
                    // GELU's 1 − erf near the switch amplifies that to ~1e-12); absolute near zeros.
                    double tol = 1e-11 * Math.abs(s[o][i]) + 1e-14 * (1 + Math.abs(x[i])) * Math.max(1.0, beta) * (o == 3 ? Math.max(1.0, beta) : 1.0);
                    int out = o;
                    int at = i;
                    assertTrue(Math.abs(s[o][i] - v[o][i]) <= tol,
                            () -> f + " beta=" + beta + " n=" + n + ": " + "f" + "'".repeat(out)
                                    + "(" + x[at] + ") expected " + s[out][at] + " (scalar), got " + v[out][at]);
                }
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("functions")
    void nullOutputsAreSkippedAndValueMayAliasInput(ElementwiseFunction f, double beta) {
        int n = 37;
        Random rnd = new Random(5);
        double[] x = new double[n];
        for (int i = 0; i < n; i++) {
            x[i] = 3 * rnd.nextGaussian();
        }
        for (Kernels k : List.of(scalar, vector)) {
            double[] full = new double[n];
            double[] d1 = new double[n];
            double[] d2 = new double[n];
            double[] d3 = new double[n];
            k.map(f, beta, n, x, full, d1, d2, d3);
            double[] onlyD2 = new double[n];
            k.map(f, beta, n, x, null, null, onlyD2);
            assertTrue(java.util.Arrays.equals(d2, onlyD2), k.name() + " " + f + ": f'' alone must equal f'' computed with the rest");
            double[] onlyD3 = new double[n];
            k.map(f, beta, n, x, null, null, null, onlyD3);
            assertTrue(java.util.Arrays.equals(d3, onlyD3), k.name() + " " + f + ": f''' alone must equal f''' computed with the rest");
            double[] v3 = new double[n];
            double[] e1 = new double[n];
            double[] e2 = new double[n];
            k.map(f, beta, n, x, v3, e1, e2);
            assertTrue(java.util.Arrays.equals(full, v3) && java.util.Arrays.equals(d1, e1) && java.util.Arrays.equals(d2, e2),
                    k.name() + " " + f + ": asking for f''' must not change f, f', f''");
            double[] inPlace = x.clone();
            k.map(f, beta, n, inPlace, inPlace, null, null);
            assertTrue(java.util.Arrays.equals(full, inPlace), k.name() + " " + f + ": in-place value must equal out-of-place value");
        }
    }

    @Test
    void nanPropagatesThroughEveryValue() {
        double[] x = new double[9];
        java.util.Arrays.fill(x, Double.NaN);
        for (Kernels k : List.of(scalar, vector)) {
            for (ElementwiseFunction f : ElementwiseFunction.values()) {
                double[] v = new double[x.length];
                k.map(f, 1.0, x.length, x, v, null, null);
                for (double vi : v) {
                    assertTrue(Double.isNaN(vi), k.name() + " " + f + ": NaN in should give NaN out, got " + vi);
                }
            }
        }
    }

    @Test
    void reluFollowsPyTorchConventionAtZero() {
        double[] x = {0.0, -0.0, 1e-300, -1e-300, 2.0, -2.0, 0.0, 0.0, 0.0};
        for (Kernels k : List.of(scalar, vector)) {
            double[] v = new double[x.length];
            double[] d1 = new double[x.length];
            double[] d2 = new double[x.length];
            double[] d3 = new double[x.length];
            k.map(ElementwiseFunction.RELU, 1.0, x.length, x, v, d1, d2, d3);
            double[] expV = {0.0, 0.0, 1e-300, 0.0, 2.0, 0.0, 0.0, 0.0, 0.0};
            double[] expD1 = {0.0, 0.0, 1.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0};
            for (int i = 0; i < x.length; i++) {
                assertEquals(expV[i], v[i], 0.0, k.name() + " relu(" + x[i] + ")");
                assertEquals(expD1[i], d1[i], 0.0, k.name() + " relu'(" + x[i] + ") (f'(0) = 0)");
                assertEquals(0.0, d2[i], 0.0, k.name() + " relu''(" + x[i] + ") must be 0");
                assertEquals(0.0, d3[i], 0.0, k.name() + " relu'''(" + x[i] + ") must be 0");
            }
        }
    }

    @Test
    void geluMatchesClosedFormsAtKnownPoints() {
        // GELU(1) = Φ(1) and GELU'(0) = ½, GELU''(0) = 2β·φ(0); GELU'''(0) = 0, GELU'''(1) = −3φ(1),
        // GELU'''(2) = 0; Φ(1) and φ(1) from mpmath.
        double[] x = {1.0, 0.0, 2.0};
        double[] v = new double[3];
        double[] d1 = new double[3];
        double[] d2 = new double[3];
        double[] d3 = new double[3];
        for (Kernels k : List.of(scalar, vector)) {
            k.map(ElementwiseFunction.GELU, 1.0, 3, x, v, d1, d2, d3);
            assertEquals(0.8413447460685429, v[0], 4e-16, k.name() + " GELU(1) = Phi(1)");
            assertEquals(0.5, d1[1], 0.0, k.name() + " GELU'(0) = 1/2");
            assertEquals(2 * 0.3989422804014327, d2[1], 4e-16, k.name() + " GELU''(0) = 2 phi(0)");
            assertEquals(0.0, d3[1], 0.0, k.name() + " GELU'''(0) = 0");
            assertEquals(-3 * 0.24197072451914337, d3[0], 1e-15, k.name() + " GELU'''(1) = -3 phi(1)");
            assertEquals(0.0, d3[2], 0.0, k.name() + " GELU'''(2) = 0");
        }
    }

    /**
     * Φ's pass two vectors at a time (the 512-bit path) gives the same bits as one at a time, and
     * the one-branch pass (each vector by the branch all its lanes take, when they agree) the same
     * bits as both, for every length up to past two 512-element chunks (odd and even numbers of
     * vectors per chunk), inputs on both sides of the series/fraction switch, whole vectors inside,
     * whole vectors outside, mixed ones, and the special values, three β.
     */
    @Test
    void geluCdfPassesGiveTheSameBits() {
        int lanes = VectorSpeciesHolder.LANES;
        Random rnd = new Random(11);
        for (double beta : new double[] {1.0, 0.5, 4.0}) {
            double[] probes = probePoints(beta);
            for (int pattern = 0; pattern < 2; pattern++) {
                for (int m = 1; m <= 2 * 512 / lanes + 3; m++) {
                    int n = m * lanes;
                    double[] x = new double[n];
                    for (int i = 0; i < n; i++) {
                        if (pattern == 0) {
                            x[i] = i < probes.length && (i % 3 == 0) ? probes[i] : (rnd.nextDouble() * 2 - 1) * 6.0 / beta;
                        } else {
                            // Pair of vectors by pair (the 512-bit pass takes two): inside the switch,
                            // outside it (up to ±40), or mixed; the one-vector tail gets what comes.
                            int regime = (i / (2 * lanes)) % 3;
                            double y = regime == 0 ? (rnd.nextDouble() * 2 - 1) * 3.5
                                    : regime == 1 ? Math.copySign(3.6 + 36 * rnd.nextDouble(), rnd.nextDouble() - 0.5)
                                    : (rnd.nextDouble() * 2 - 1) * 8;
                            x[i] = y / beta;
                        }
                    }
                    if (n > 5 && pattern == 0) {
                        x[n - 1] = Double.NaN;
                        x[n - 2] = Double.POSITIVE_INFINITY;
                        x[n - 3] = Double.NEGATIVE_INFINITY;
                    }
                    double[][][] out = new double[4][4][n];   // [variant][output][i]
                    for (int variant = 0; variant < 4; variant++) {
                        double[][] o = out[variant];
                        VectorMaps.mapGelu(n, beta, x, o[0], o[1], o[2], o[3], (variant & 1) != 0, (variant & 2) != 0);
                    }
                    for (int variant = 1; variant < 4; variant++) {
                        for (int o = 0; o < 4; o++) {
                            for (int i = 0; i < n; i++) {
                                int at = i, output = o, len = n, v = variant;
                                double ref = out[0][o][i], got = out[variant][o][i];
                                if (Double.isNaN(ref)) {
                                    // NaN's payload and sign are not specified by Java (interpreted and
                                    // compiled vector code differ there): NaN in, NaN out is the contract.
                                    assertTrue(Double.isNaN(got), () -> "beta=" + beta + " n=" + len + " output " + output + ": NaN expected at x=" + x[at]);
                                    continue;
                                }
                                assertEquals(Double.doubleToRawLongBits(ref), Double.doubleToRawLongBits(got),
                                        () -> "beta=" + beta + " n=" + len + " output " + output + " at x=" + x[at] + ": " + ref
                                                + " (one vector per pass, both branches) vs " + got + " (variant " + v + ": two vectors "
                                                + ((v & 1) != 0) + ", one branch " + ((v & 2) != 0) + ")");
                            }
                        }
                    }
                }
            }
        }
    }
}
