package dev.morse.simd;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The elementwise maps of {@link VectorKernels} ({@link Kernels#map}): an activation's value and
 * first three derivatives for identity, tanh, sigmoid, softplus, ReLU and β-GELU, on the Vector
 * API. Each map is a vector body over {@code SPECIES.loopBound(n)}; the scalar tail is
 * {@link ScalarKernels#mapRange}, the scalar twin, so both share one set of formulas. Softplus
 * and GELU run in passes over chunks of {@value #CHUNK} elements through per-thread scratch
 * allocated once and reused, so the steady state allocates nothing. Transcendentals come from
 * {@link VectorMath} and {@link Erf} (see {@link VectorKernels} for why not {@code lanewise(EXP)}).
 */
final class VectorMaps {

    private static final VectorSpecies<Double> S = VectorSpeciesHolder.SPECIES;
    private static final int L = VectorSpeciesHolder.LANES;

    private VectorMaps() {
    }

    /**
     * Elements per pass of the multi-pass maps (softplus, GELU): the scratch rows (2 × 4 KiB)
     * stay in L1 between passes; a multiple of every lane count.
     */
    private static final int CHUNK = 512;
    /**
     * {@link #geluCdf} two vectors per pass with 512-bit species (32 registers; with AVX2's 16 the
     * two sets would spill). Measured on an AVX-512 Xeon: the whole GELU map (φ, Φ, f, f′) 12.2 →
     * 10.0 ns per element, one thread; the same bits either way (ElementwiseMapTest).
     */
    static final boolean TWO_CDF_VECTORS = L >= 8;

    /**
     * Per-thread scratch rows of CHUNK doubles for the multi-pass maps (GELU: φ then Φ; softplus:
     * e^{−|x|}); allocated once per thread, then reused.
     */
    private static final ThreadLocal<double[]> SCRATCH = ThreadLocal.withInitial(() -> new double[2 * CHUNK]);

    /**
     * {@link Kernels#map}: the vector body over {@code loopBound(n)}, then the scalar twin
     * ({@link ScalarKernels#mapRange}) for the tail, so both share one set of formulas.
     */
    static void map(ElementwiseFunction f, double beta, int n, double[] x, double[] value, double[] d1, double[] d2, double[] d3) {
        int bound = S.loopBound(n);
        switch (f) {
            case IDENTITY -> mapIdentity(bound, x, value, d1, d2, d3);
            case TANH -> mapTanh(bound, x, value, d1, d2, d3);
            case SIGMOID -> mapSigmoid(bound, x, value, d1, d2, d3);
            case SOFTPLUS -> mapSoftplus(bound, x, value, d1, d2, d3);
            case RELU -> mapRelu(bound, x, value, d1, d2, d3);
            case GELU -> mapGelu(bound, beta, x, value, d1, d2, d3);
            default -> throw new AssertionError(f);
        }
        ScalarKernels.mapRange(f, beta, bound, n, x, value, d1, d2, d3);
    }

    private static void mapIdentity(int bound, double[] x, double[] value, double[] d1, double[] d2, double[] d3) {
        DoubleVector one = DoubleVector.broadcast(S, 1.0);
        DoubleVector zero = DoubleVector.zero(S);
        for (int i = 0; i < bound; i += L) {
            if (value != null && value != x) {
                DoubleVector.fromArray(S, x, i).intoArray(value, i);
            }
            if (d1 != null) {
                one.intoArray(d1, i);
            }
            if (d2 != null) {
                zero.intoArray(d2, i);
            }
            if (d3 != null) {
                zero.intoArray(d3, i);
            }
        }
    }

    private static void mapTanh(int bound, double[] x, double[] value, double[] d1, double[] d2, double[] d3) {
        for (int i = 0; i < bound; i += L) {
            // VectorMath.tanh: −m/(2 + m) with m = expm1(−2|x|), no cancellation near 0. (lanewise(TANH)
            // would also be ~2.5× slower than the scalar loop: it has no vector intrinsic on x86 in JDK 25.)
            DoubleVector t = VectorMath.tanh(DoubleVector.fromArray(S, x, i));
            // 1 − t² as (1 − t)(1 + t), as in the scalar twin.
            DoubleVector g1 = t.neg().add(1.0).mul(t.add(1.0));
            if (value != null) {
                t.intoArray(value, i);
            }
            if (d1 != null) {
                g1.intoArray(d1, i);
            }
            if (d2 != null) {
                t.mul(-2.0).mul(g1).intoArray(d2, i);
            }
            if (d3 != null) {
                // 2g1(2 − 3g1), the scalar twin's operations in the same order (no fma).
                g1.mul(2.0).mul(g1.mul(-3.0).add(2.0)).intoArray(d3, i);
            }
        }
    }

    /** Sigmoid: s and 1−s from e = e^{−|x|} ∈ (0, 1], as in the scalar twin. */
    private static void mapSigmoid(int bound, double[] x, double[] value, double[] d1, double[] d2, double[] d3) {
        DoubleVector one = DoubleVector.broadcast(S, 1.0);
        for (int i = 0; i < bound; i += L) {
            DoubleVector xv = DoubleVector.fromArray(S, x, i);
            DoubleVector e = VectorMath.exp(xv.abs().neg());
            DoubleVector r = one.div(e.add(1.0));
            DoubleVector er = e.mul(r);
            VectorMask<Double> nonNeg = xv.compare(VectorOperators.GE, 0.0);
            DoubleVector s = er.blend(r, nonNeg);
            DoubleVector c = r.blend(er, nonNeg);
            DoubleVector sc = s.mul(c);
            if (value != null) {
                s.intoArray(value, i);
            }
            if (d1 != null) {
                sc.intoArray(d1, i);
            }
            if (d2 != null) {
                sc.mul(c.sub(s)).intoArray(d2, i);
            }
            if (d3 != null) {
                sc.mul(sc.mul(-6.0).add(1.0)).intoArray(d3, i); // sc(1 − 6sc)
            }
        }
    }

    /**
     * Softplus max(x,0) + log1p(e), e = e^{−|x|}; f' = s, f'' = s(1−s), f''' = s(1−s)(1−2s). Two passes per chunk
     * (e into scratch; then log1p and the derivatives): a single loop holding VectorMath.exp and
     * VectorMath.log1pUnit exceeds C2's inlining node budget, and the call left out of line boxes
     * its vectors on every iteration.
     */
    private static void mapSoftplus(int bound, double[] x, double[] value, double[] d1, double[] d2, double[] d3) {
        if (bound == 0) {
            return;
        }
        double[] scratch = SCRATCH.get();
        for (int from = 0; from < bound; from += CHUNK) {
            int len = Math.min(CHUNK, bound - from);
            expNegAbs(from, len, x, scratch);
            softplusOutputs(from, len, x, scratch, value, d1, d2, d3);
        }
    }

    /** scratch[j] = e^{−|x[from+j]|}. */
    private static void expNegAbs(int from, int len, double[] x, double[] scratch) {
        for (int j = 0; j < len; j += L) {
            VectorMath.exp(DoubleVector.fromArray(S, x, from + j).abs().neg()).intoArray(scratch, j);
        }
    }

    private static void softplusOutputs(int from, int len, double[] x, double[] scratch,
                                        double[] value, double[] d1, double[] d2, double[] d3) {
        DoubleVector one = DoubleVector.broadcast(S, 1.0);
        for (int j = 0; j < len; j += L) {
            DoubleVector xv = DoubleVector.fromArray(S, x, from + j);
            DoubleVector e = DoubleVector.fromArray(S, scratch, j);
            DoubleVector r = one.div(e.add(1.0));
            DoubleVector er = e.mul(r);
            VectorMask<Double> nonNeg = xv.compare(VectorOperators.GE, 0.0);
            DoubleVector s = er.blend(r, nonNeg);
            if (value != null) {
                xv.max(0.0).add(VectorMath.log1pUnit(e)).intoArray(value, from + j); // e ∈ [0, 1]
            }
            if (d1 != null) {
                s.intoArray(d1, from + j);
            }
            if (d2 != null || d3 != null) {
                DoubleVector c = r.blend(er, nonNeg);
                DoubleVector sc = s.mul(c);
                if (d2 != null) {
                    sc.intoArray(d2, from + j);
                }
                if (d3 != null) {
                    sc.mul(c.sub(s)).intoArray(d3, from + j);
                }
            }
        }
    }

    private static void mapRelu(int bound, double[] x, double[] value, double[] d1, double[] d2, double[] d3) {
        DoubleVector one = DoubleVector.broadcast(S, 1.0);
        DoubleVector zero = DoubleVector.zero(S);
        for (int i = 0; i < bound; i += L) {
            DoubleVector xv = DoubleVector.fromArray(S, x, i);
            if (value != null) {
                xv.max(0.0).intoArray(value, i); // lanewise MAX has Math.max semantics: NaN propagates
            }
            if (d1 != null) {
                zero.blend(one, xv.compare(VectorOperators.GT, 0.0)).intoArray(d1, i);
            }
            if (d2 != null) {
                zero.intoArray(d2, i);
            }
            if (d3 != null) {
                zero.intoArray(d3, i);
            }
        }
    }

    /**
     * β-GELU with Φ and φ by the method of {@link Erf}, in three passes per chunk (φ; Φ; outputs).
     * One loop doing all of it exceeds C2's inlining node budget, which leaves VectorMath.exp out
     * of line and boxes every vector (measured: 5× slower than scalar, 1 MB allocated per 1024
     * elements); three small loops each compile completely. f'' and f''' need φ only, so the Φ
     * pass is skipped when neither f nor f' is asked for (augmented ReLU's second map).
     */
    private static void mapGelu(int bound, double beta, double[] x, double[] value, double[] d1, double[] d2, double[] d3) {
        mapGelu(bound, beta, x, value, d1, d2, d3, TWO_CDF_VECTORS, true);
    }

    /**
     * As above, Φ's pass one or two vectors at a time, and with {@code seriesAlone} the series
     * alone where all lanes lie inside the switch (the test compares all four: same bits).
     */
    static void mapGelu(int bound, double beta, double[] x, double[] value, double[] d1, double[] d2, double[] d3,
                        boolean twoCdfVectors, boolean seriesAlone) {
        if (bound == 0) {
            return;
        }
        double[] scratch = SCRATCH.get();
        for (int from = 0; from < bound; from += CHUNK) {
            int len = Math.min(CHUNK, bound - from);
            geluPdf(from, len, beta, x, scratch);
            if (value != null || d1 != null) {
                geluCdf(from, len, beta, x, scratch, twoCdfVectors, seriesAlone);
            }
            geluOutputs(from, len, beta, x, scratch, value, d1, d2, d3);
        }
    }

    /** scratch[j] = φ(clamp(βx)) = e^{−t²/2}/√(2π) with the rounding error of t² corrected (see Erf.normalPdf). */
    private static void geluPdf(int from, int len, double beta, double[] x, double[] scratch) {
        for (int j = 0; j < len; j += L) {
            DoubleVector yc = DoubleVector.fromArray(S, x, from + j).mul(beta).abs().min(Erf.CLAMP);
            DoubleVector p = yc.mul(yc);
            DoubleVector err = yc.fma(yc, p.neg());
            VectorMath.exp(p.mul(-0.5)).mul(err.fma(-0.5, 1.0)).mul(Erf.INV_SQRT_2PI).intoArray(scratch, j);
        }
    }

    /**
     * scratch[CHUNK + j] = Φ(βx). Both branches for every lane, with the fixed term counts of
     * {@link Erf}, blended by |βx| &lt; 2.5·√2 (the discarded branch may hold ∞ or NaN, harmlessly):
     * the series ½ + t·φ·S(t²) with S = E(t⁴) + t²·O(t⁴) (two Horner chains, see Erf.series), and
     * the Mills-ratio fraction Φ(−y) = φ(y)·D/N. One loop runs all four chains, two fraction
     * levels per pass: separate loops left the core idle on one chain's latency (28 → 16 ns per
     * element on AVX2). Same operations, in the same order per chain, as Erf.
     */
    private static void geluCdf(int from, int len, double beta, double[] x, double[] scratch, boolean twoVectors, boolean seriesAlone) {
        DoubleVector one = DoubleVector.broadcast(S, 1.0);
        DoubleVector half = DoubleVector.broadcast(S, 0.5);
        int j = 0;
        if (twoVectors) {
            // Two vectors per pass: the fraction's num/den recurrence is one FMA-latency chain per
            // vector, so a second, independent vector fills the pipeline. Every lane goes through
            // exactly the operations of the one-vector loop below (same bits). Only with 512-bit
            // species: 32 vector registers hold both sets; with 16 (AVX2) they would spill.
            for (; j + 2 * L <= len; j += 2 * L) {
                DoubleVector t = DoubleVector.fromArray(S, x, from + j).mul(beta);
                DoubleVector u = DoubleVector.fromArray(S, x, from + j + L).mul(beta);
                DoubleVector pdfT = DoubleVector.fromArray(S, scratch, j);
                DoubleVector pdfU = DoubleVector.fromArray(S, scratch, j + L);
                if (seriesAlone && t.abs().compare(VectorOperators.LT, Erf.SWITCH_X).allTrue()
                        && u.abs().compare(VectorOperators.LT, Erf.SWITCH_X).allTrue()) {
                    // Most pre-activations lie inside the switch (|βx| < 2.5·√2): where every lane
                    // of both vectors does, the blend below would keep the series alone, and the
                    // series is about a third of the work of both branches. The same operations
                    // per lane as below, so the same bits (ElementwiseMapTest compares them). The
                    // series lines are repeated rather than shared: a helper taking and returning
                    // vectors was not inlined here, and the map ran 30 % slower with it. Even
                    // force-inlined (a VectorMath helper, see JitInlining), two calls in a row lose
                    // the two chains' interleaving: 576 → 662 µs median over 65 536 entries (σ = 1.5,
                    // KernelBench.Map, 5 alternating runs, Xeon AVX-512, 2026-12-02).
                    DoubleVector zT = t.mul(t);
                    DoubleVector zU = u.mul(u);
                    DoubleVector wT = zT.mul(zT);
                    DoubleVector wU = zU.mul(zU);
                    DoubleVector evenT = DoubleVector.broadcast(S, Erf.SERIES_COEF[Erf.SERIES_TERMS]);
                    DoubleVector evenU = evenT;
                    DoubleVector oddT = DoubleVector.zero(S);
                    DoubleVector oddU = oddT;
                    for (int k = Erf.SERIES_TERMS / 2 - 1; k >= 0; k--) {
                        DoubleVector ce = DoubleVector.broadcast(S, Erf.SERIES_COEF[2 * k]);
                        DoubleVector co = DoubleVector.broadcast(S, Erf.SERIES_COEF[2 * k + 1]);
                        evenT = evenT.fma(wT, ce);
                        evenU = evenU.fma(wU, ce);
                        oddT = oddT.fma(wT, co);
                        oddU = oddU.fma(wU, co);
                    }
                    t.mul(pdfT).fma(zT.fma(oddT, evenT), half).intoArray(scratch, CHUNK + j);
                    u.mul(pdfU).fma(zU.fma(oddU, evenU), half).intoArray(scratch, CHUNK + j + L);
                    continue;
                }
                DoubleVector ycT = t.abs().min(Erf.CLAMP);
                DoubleVector ycU = u.abs().min(Erf.CLAMP);
                DoubleVector zT = t.mul(t);
                DoubleVector zU = u.mul(u);
                DoubleVector wT = zT.mul(zT);
                DoubleVector wU = zU.mul(zU);
                DoubleVector evenT = DoubleVector.broadcast(S, Erf.SERIES_COEF[Erf.SERIES_TERMS]);
                DoubleVector evenU = evenT;
                DoubleVector oddT = DoubleVector.zero(S);
                DoubleVector oddU = oddT;
                DoubleVector numT = ycT;
                DoubleVector numU = ycU;
                DoubleVector denT = one;
                DoubleVector denU = one;
                for (int k = Erf.SERIES_TERMS / 2 - 1; k >= 0; k--) {
                    DoubleVector ce = DoubleVector.broadcast(S, Erf.SERIES_COEF[2 * k]);
                    DoubleVector co = DoubleVector.broadcast(S, Erf.SERIES_COEF[2 * k + 1]);
                    evenT = evenT.fma(wT, ce);
                    evenU = evenU.fma(wU, ce);
                    oddT = oddT.fma(wT, co);
                    oddU = oddU.fma(wU, co);
                    DoubleVector nextT = ycT.fma(numT, denT.mul(2 * k + 2));
                    DoubleVector nextU = ycU.fma(numU, denU.mul(2 * k + 2));
                    denT = numT;
                    denU = numU;
                    numT = nextT;
                    numU = nextU;
                    nextT = ycT.fma(numT, denT.mul(2 * k + 1));
                    nextU = ycU.fma(numU, denU.mul(2 * k + 1));
                    denT = numT;
                    denU = numU;
                    numT = nextT;
                    numU = nextU;
                }
                DoubleVector seriesT = t.mul(pdfT).fma(zT.fma(oddT, evenT), half);
                DoubleVector seriesU = u.mul(pdfU).fma(zU.fma(oddU, evenU), half);
                DoubleVector qT = pdfT.mul(denT).div(numT);
                DoubleVector qU = pdfU.mul(denU).div(numU);
                DoubleVector fracT = qT.neg().add(1.0).blend(qT, t.compare(VectorOperators.LT, 0.0));
                DoubleVector fracU = qU.neg().add(1.0).blend(qU, u.compare(VectorOperators.LT, 0.0));
                fracT.blend(seriesT, t.abs().compare(VectorOperators.LT, Erf.SWITCH_X)).intoArray(scratch, CHUNK + j);
                fracU.blend(seriesU, u.abs().compare(VectorOperators.LT, Erf.SWITCH_X)).intoArray(scratch, CHUNK + j + L);
            }
        }
        for (; j < len; j += L) {
            DoubleVector t = DoubleVector.fromArray(S, x, from + j).mul(beta);
            DoubleVector pdf = DoubleVector.fromArray(S, scratch, j);
            DoubleVector z = t.mul(t);
            DoubleVector w = z.mul(z);
            if (seriesAlone && t.abs().compare(VectorOperators.LT, Erf.SWITCH_X).allTrue()) {
                // As in the two-vector loop: the series alone, the same operations per lane.
                DoubleVector even = DoubleVector.broadcast(S, Erf.SERIES_COEF[Erf.SERIES_TERMS]);
                DoubleVector odd = DoubleVector.zero(S);
                for (int k = Erf.SERIES_TERMS / 2 - 1; k >= 0; k--) {
                    even = even.fma(w, DoubleVector.broadcast(S, Erf.SERIES_COEF[2 * k]));
                    odd = odd.fma(w, DoubleVector.broadcast(S, Erf.SERIES_COEF[2 * k + 1]));
                }
                t.mul(pdf).fma(z.fma(odd, even), half).intoArray(scratch, CHUNK + j);
                continue;
            }
            DoubleVector yc = t.abs().min(Erf.CLAMP);
            DoubleVector even = DoubleVector.broadcast(S, Erf.SERIES_COEF[Erf.SERIES_TERMS]);
            DoubleVector odd = DoubleVector.zero(S); // the first pass makes it SERIES_COEF[39], as in Erf
            DoubleVector num = yc;
            DoubleVector den = one;
            // One pass = one even and one odd coefficient and two fraction levels: this pairing
            // needs SERIES_TERMS = FRACTION_TERMS = even (40; checked by ErfTest).
            for (int k = Erf.SERIES_TERMS / 2 - 1; k >= 0; k--) {
                even = even.fma(w, DoubleVector.broadcast(S, Erf.SERIES_COEF[2 * k]));
                odd = odd.fma(w, DoubleVector.broadcast(S, Erf.SERIES_COEF[2 * k + 1]));
                DoubleVector next = yc.fma(num, den.mul(2 * k + 2));
                den = num;
                num = next;
                next = yc.fma(num, den.mul(2 * k + 1));
                den = num;
                num = next;
            }
            DoubleVector cdfSeries = t.mul(pdf).fma(z.fma(odd, even), half);
            DoubleVector q = pdf.mul(den).div(num);
            DoubleVector cdfFraction = q.neg().add(1.0).blend(q, t.compare(VectorOperators.LT, 0.0));
            // NaN fails both comparisons and takes the fraction branch, whose min() kept the NaN.
            cdfFraction.blend(cdfSeries, t.abs().compare(VectorOperators.LT, Erf.SWITCH_X)).intoArray(scratch, CHUNK + j);
        }
    }

    /**
     * f = xΦ, f' = Φ + tφ, f'' = βφ(2 − t²), f''' = β²φ·t(t² − 4) with t = clamp(βx) in the φ
     * terms (as in the scalar twin). The Φ row is read only for f and f'.
     */
    private static void geluOutputs(int from, int len, double beta, double[] x, double[] scratch,
                                    double[] value, double[] d1, double[] d2, double[] d3) {
        DoubleVector two = DoubleVector.broadcast(S, 2.0);
        double beta2 = beta * beta;
        for (int j = 0; j < len; j += L) {
            DoubleVector xv = DoubleVector.fromArray(S, x, from + j);
            DoubleVector pdf = DoubleVector.fromArray(S, scratch, j);
            DoubleVector tc = xv.mul(beta).max(-Erf.CLAMP).min(Erf.CLAMP);
            if (value != null) {
                xv.mul(DoubleVector.fromArray(S, scratch, CHUNK + j)).intoArray(value, from + j);
            }
            if (d1 != null) {
                tc.fma(pdf, DoubleVector.fromArray(S, scratch, CHUNK + j)).intoArray(d1, from + j);
            }
            if (d2 != null) {
                tc.fma(tc.neg(), two).mul(pdf).mul(beta).intoArray(d2, from + j);
            }
            if (d3 != null) {
                // (β²·φ)·(t(t² − 4)): the scalar twin's operations in the same order (no fma).
                pdf.mul(beta2).mul(tc.mul(tc).sub(4.0).mul(tc)).intoArray(d3, from + j);
            }
        }
    }
}
