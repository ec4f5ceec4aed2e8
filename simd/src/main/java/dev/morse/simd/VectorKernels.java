package dev.morse.simd;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link Kernels} on the incubating Vector API ({@link DoubleVector}, preferred species). Package
 * private: reached only through {@link KernelProvider}, which checks that the module is readable
 * before this class is loaded.
 *
 * <p>Every level-1 and map kernel has the same shape: a vector body over {@code SPECIES.loopBound(n)} and a
 * scalar tail for the last {@code n mod LANES} elements (GEMM pads its edge tiles instead; see
 * {@link VectorGemm}). The multi-pass maps and GEMM keep per-thread scratch that is allocated
 * once and reused, so the steady state allocates nothing. The tails of {@link #map} call
 * {@link ScalarKernels#mapRange}, so both implementations share one set of formulas.
 *
 * <p>Transcendentals come from {@link VectorMath} (exp, tanh, log1p from +, ×, fma and blends)
 * rather than {@code lanewise(EXP / TANH / LOG1P)}: the lanewise forms run SVML stubs once C2
 * has compiled a loop but per-lane {@code Math} calls before, so the same call could return
 * different bits early and late in a run, against the bit-reproducibility rule (SPEC §8). For the
 * same reason reductions add their lanes in a fixed order instead of {@code reduceLanes(ADD)},
 * whose order is unspecified. Results may differ from the scalar twin in the last bits; tests
 * compare with tolerances.
 */
final class VectorKernels implements Kernels {

    private static final VectorSpecies<Double> S = VectorSpeciesHolder.SPECIES;
    private static final int L = VectorSpeciesHolder.LANES;

    private final String name = "vector (DoubleVector " + S.vectorBitSize() + "-bit, " + L + " lanes)";

    VectorKernels() {
    }

    @Override
    public String name() {
        return name;
    }

    // ---------------------------------------------------------------- level 1

    @Override
    public double dot(int n, double[] x, int xOff, double[] y, int yOff) {
        // 4 accumulators: FMA latency (4-5 cycles) × 1 load-bound FMA per cycle needs ~4 chains in flight.
        DoubleVector acc0 = DoubleVector.zero(S);
        DoubleVector acc1 = DoubleVector.zero(S);
        DoubleVector acc2 = DoubleVector.zero(S);
        DoubleVector acc3 = DoubleVector.zero(S);
        int i = 0;
        int bound4 = n - 4 * L + 1;
        for (; i < bound4; i += 4 * L) {
            acc0 = DoubleVector.fromArray(S, x, xOff + i).fma(DoubleVector.fromArray(S, y, yOff + i), acc0);
            acc1 = DoubleVector.fromArray(S, x, xOff + i + L).fma(DoubleVector.fromArray(S, y, yOff + i + L), acc1);
            acc2 = DoubleVector.fromArray(S, x, xOff + i + 2 * L).fma(DoubleVector.fromArray(S, y, yOff + i + 2 * L), acc2);
            acc3 = DoubleVector.fromArray(S, x, xOff + i + 3 * L).fma(DoubleVector.fromArray(S, y, yOff + i + 3 * L), acc3);
        }
        int bound = S.loopBound(n);
        for (; i < bound; i += L) {
            acc0 = DoubleVector.fromArray(S, x, xOff + i).fma(DoubleVector.fromArray(S, y, yOff + i), acc0);
        }
        double s = VectorMath.sumLanes(acc0.add(acc1).add(acc2.add(acc3)));
        for (; i < n; i++) {
            s = Math.fma(x[xOff + i], y[yOff + i], s);
        }
        return s;
    }

    /**
     * Four rows at a time against one y: two accumulators per row (8 FMA chains for the FMA
     * latency), each y vector loaded once for the four rows; the rows left over go to {@link #dot}.
     * A row's sum: its two accumulators added, the lanes summed, then the scalar tail in order.
     */
    @Override
    public void dotRows(int k, int n, double[] x, int xOff, int ldx, double[] y, int yOff, double[] out, int outOff) {
        int i = 0;
        int bound2 = n - 2 * L + 1, bound = S.loopBound(n);
        for (; i + 4 <= k; i += 4) {
            int x0 = xOff + i * ldx, x1 = x0 + ldx, x2 = x1 + ldx, x3 = x2 + ldx;
            DoubleVector a0 = DoubleVector.zero(S), b0 = DoubleVector.zero(S);
            DoubleVector a1 = DoubleVector.zero(S), b1 = DoubleVector.zero(S);
            DoubleVector a2 = DoubleVector.zero(S), b2 = DoubleVector.zero(S);
            DoubleVector a3 = DoubleVector.zero(S), b3 = DoubleVector.zero(S);
            int t = 0;
            for (; t < bound2; t += 2 * L) {
                DoubleVector y0 = DoubleVector.fromArray(S, y, yOff + t), y1 = DoubleVector.fromArray(S, y, yOff + t + L);
                a0 = DoubleVector.fromArray(S, x, x0 + t).fma(y0, a0);
                b0 = DoubleVector.fromArray(S, x, x0 + t + L).fma(y1, b0);
                a1 = DoubleVector.fromArray(S, x, x1 + t).fma(y0, a1);
                b1 = DoubleVector.fromArray(S, x, x1 + t + L).fma(y1, b1);
                a2 = DoubleVector.fromArray(S, x, x2 + t).fma(y0, a2);
                b2 = DoubleVector.fromArray(S, x, x2 + t + L).fma(y1, b2);
                a3 = DoubleVector.fromArray(S, x, x3 + t).fma(y0, a3);
                b3 = DoubleVector.fromArray(S, x, x3 + t + L).fma(y1, b3);
            }
            for (; t < bound; t += L) {
                DoubleVector y0 = DoubleVector.fromArray(S, y, yOff + t);
                a0 = DoubleVector.fromArray(S, x, x0 + t).fma(y0, a0);
                a1 = DoubleVector.fromArray(S, x, x1 + t).fma(y0, a1);
                a2 = DoubleVector.fromArray(S, x, x2 + t).fma(y0, a2);
                a3 = DoubleVector.fromArray(S, x, x3 + t).fma(y0, a3);
            }
            double s0 = VectorMath.sumLanes(a0.add(b0)), s1 = VectorMath.sumLanes(a1.add(b1));
            double s2 = VectorMath.sumLanes(a2.add(b2)), s3 = VectorMath.sumLanes(a3.add(b3));
            for (; t < n; t++) {
                double yt = y[yOff + t];
                s0 = Math.fma(x[x0 + t], yt, s0);
                s1 = Math.fma(x[x1 + t], yt, s1);
                s2 = Math.fma(x[x2 + t], yt, s2);
                s3 = Math.fma(x[x3 + t], yt, s3);
            }
            out[outOff + i] = s0;
            out[outOff + i + 1] = s1;
            out[outOff + i + 2] = s2;
            out[outOff + i + 3] = s3;
        }
        for (; i < k; i++) out[outOff + i] = dot(n, x, xOff + i * ldx, y, yOff);
    }

    @Override
    public void axpy(int n, double alpha, double[] x, int xOff, double[] y, int yOff) {
        // No reduction, so no accumulators; 2 vectors per iteration halve the loop overhead (the
        // scalar loop it competes with is unrolled ×8 by C2's auto-vectorizer).
        DoubleVector a = DoubleVector.broadcast(S, alpha);
        int i = 0;
        int bound2 = n - 2 * L + 1;
        for (; i < bound2; i += 2 * L) {
            DoubleVector.fromArray(S, x, xOff + i).fma(a, DoubleVector.fromArray(S, y, yOff + i)).intoArray(y, yOff + i);
            DoubleVector.fromArray(S, x, xOff + i + L).fma(a, DoubleVector.fromArray(S, y, yOff + i + L)).intoArray(y, yOff + i + L);
        }
        int bound = S.loopBound(n);
        for (; i < bound; i += L) {
            DoubleVector.fromArray(S, x, xOff + i).fma(a, DoubleVector.fromArray(S, y, yOff + i)).intoArray(y, yOff + i);
        }
        for (; i < n; i++) {
            y[yOff + i] = Math.fma(alpha, x[xOff + i], y[yOff + i]);
        }
    }

    @Override
    public void scale(int n, double alpha, double[] x, int off) {
        int i = 0;
        int bound = S.loopBound(n);
        for (; i < bound; i += L) {
            DoubleVector.fromArray(S, x, off + i).mul(alpha).intoArray(x, off + i);
        }
        for (; i < n; i++) {
            x[off + i] *= alpha;
        }
    }

    @Override
    public int firstNonFinite(int n, double[] x, int off) {
        // x − x is 0 for a finite x and NaN for NaN and ±∞. Four vectors' (x − x) summed are NaN
        // in a lane iff one of them is: one test per 4·L entries in the usual, all-finite case
        // (requests check every vector they take), then the block is searched vector by vector.
        int i = 0;
        int bound4 = n - 4 * L + 1;
        for (; i < bound4; i += 4 * L) {
            DoubleVector a = DoubleVector.fromArray(S, x, off + i), b = DoubleVector.fromArray(S, x, off + i + L);
            DoubleVector c = DoubleVector.fromArray(S, x, off + i + 2 * L), d = DoubleVector.fromArray(S, x, off + i + 3 * L);
            DoubleVector z = a.sub(a).add(b.sub(b)).add(c.sub(c).add(d.sub(d)));
            if (z.compare(VectorOperators.NE, 0.0).anyTrue()) break;
        }
        int bound = S.loopBound(n);
        for (; i < bound; i += L) {
            DoubleVector v = DoubleVector.fromArray(S, x, off + i);
            VectorMask<Double> bad = v.sub(v).compare(VectorOperators.NE, 0.0);
            if (bad.anyTrue()) return i + bad.firstTrue();
        }
        for (; i < n; i++) {
            if (!Double.isFinite(x[off + i])) return i;
        }
        return -1;
    }

    @Override
    public double sum(int n, double[] x, int off) {
        // 4 accumulators: add latency 3-4 cycles at 2 loads per cycle.
        DoubleVector acc0 = DoubleVector.zero(S);
        DoubleVector acc1 = DoubleVector.zero(S);
        DoubleVector acc2 = DoubleVector.zero(S);
        DoubleVector acc3 = DoubleVector.zero(S);
        int i = 0;
        int bound4 = n - 4 * L + 1;
        for (; i < bound4; i += 4 * L) {
            acc0 = acc0.add(DoubleVector.fromArray(S, x, off + i));
            acc1 = acc1.add(DoubleVector.fromArray(S, x, off + i + L));
            acc2 = acc2.add(DoubleVector.fromArray(S, x, off + i + 2 * L));
            acc3 = acc3.add(DoubleVector.fromArray(S, x, off + i + 3 * L));
        }
        int bound = S.loopBound(n);
        for (; i < bound; i += L) {
            acc0 = acc0.add(DoubleVector.fromArray(S, x, off + i));
        }
        double s = VectorMath.sumLanes(acc0.add(acc1).add(acc2.add(acc3)));
        for (; i < n; i++) {
            s += x[off + i];
        }
        return s;
    }

    @Override
    public double sumOfSquares(int n, double[] x, int off) {
        // 4 accumulators: FMA latency 4-5 cycles, as in dot.
        DoubleVector acc0 = DoubleVector.zero(S);
        DoubleVector acc1 = DoubleVector.zero(S);
        DoubleVector acc2 = DoubleVector.zero(S);
        DoubleVector acc3 = DoubleVector.zero(S);
        int i = 0;
        int bound4 = n - 4 * L + 1;
        for (; i < bound4; i += 4 * L) {
            DoubleVector v0 = DoubleVector.fromArray(S, x, off + i);
            DoubleVector v1 = DoubleVector.fromArray(S, x, off + i + L);
            DoubleVector v2 = DoubleVector.fromArray(S, x, off + i + 2 * L);
            DoubleVector v3 = DoubleVector.fromArray(S, x, off + i + 3 * L);
            acc0 = v0.fma(v0, acc0);
            acc1 = v1.fma(v1, acc1);
            acc2 = v2.fma(v2, acc2);
            acc3 = v3.fma(v3, acc3);
        }
        int bound = S.loopBound(n);
        for (; i < bound; i += L) {
            DoubleVector v = DoubleVector.fromArray(S, x, off + i);
            acc0 = v.fma(v, acc0);
        }
        double s = VectorMath.sumLanes(acc0.add(acc1).add(acc2.add(acc3)));
        for (; i < n; i++) {
            double v = x[off + i];
            s = Math.fma(v, v, s);
        }
        return s;
    }

    @Override
    public void mul(int n, double[] x, double[] y, double[] out) {
        int i = 0;
        int bound = S.loopBound(n);
        for (; i < bound; i += L) {
            DoubleVector.fromArray(S, x, i).mul(DoubleVector.fromArray(S, y, i)).intoArray(out, i);
        }
        for (; i < n; i++) {
            out[i] = x[i] * y[i];
        }
    }

    @Override
    public void mulRepeated(int rows, int reps, int cols, double[] s, double[] x, double[] out) {
        int bound = S.loopBound(cols);
        for (int i = 0; i < rows; i++) {
            int so = i * cols;
            for (int j = 0; j < reps; j++) {
                int o = (i * reps + j) * cols;
                int c = 0;
                for (; c < bound; c += L) {
                    DoubleVector.fromArray(S, s, so + c).mul(DoubleVector.fromArray(S, x, o + c)).intoArray(out, o + c);
                }
                for (; c < cols; c++) out[o + c] = s[so + c] * x[o + c];
            }
        }
    }

    @Override
    public void mulAddMulRepeated(int rows, int reps, int cols, double[] s, double[] x, double[] t, double[] y, double[] out) {
        int bound = S.loopBound(cols);
        for (int i = 0; i < rows; i++) {
            int so = i * cols;
            for (int j = 0; j < reps; j++) {
                int o = (i * reps + j) * cols;
                int c = 0;
                for (; c < bound; c += L) {
                    DoubleVector sx = DoubleVector.fromArray(S, s, so + c).mul(DoubleVector.fromArray(S, x, o + c));
                    DoubleVector.fromArray(S, t, so + c).fma(DoubleVector.fromArray(S, y, o + c), sx).intoArray(out, o + c);
                }
                for (; c < cols; c++) out[o + c] = Math.fma(t[so + c], y[o + c], s[so + c] * x[o + c]);
            }
        }
    }

    @Override
    public void mulAddMul3(int n, double[] a, double[] b, double[] c, double[] d, double[] e, double[] out) {
        // All five loads precede the store, so out may alias any input.
        int i = 0;
        int bound = S.loopBound(n);
        for (; i < bound; i += L) {
            DoubleVector ab = DoubleVector.fromArray(S, a, i).mul(DoubleVector.fromArray(S, b, i));
            DoubleVector cd = DoubleVector.fromArray(S, c, i).mul(DoubleVector.fromArray(S, d, i));
            cd.fma(DoubleVector.fromArray(S, e, i), ab).intoArray(out, i);
        }
        for (; i < n; i++) {
            out[i] = Math.fma(c[i] * d[i], e[i], a[i] * b[i]);
        }
    }

    @Override
    public void addToRows(int rows, int cols, double[] a, int lda, double[] v) {
        int bound = S.loopBound(cols);
        for (int r = 0; r < rows; r++) {
            int row = r * lda;
            int j = 0;
            for (; j < bound; j += L) {
                DoubleVector.fromArray(S, a, row + j).add(DoubleVector.fromArray(S, v, j)).intoArray(a, row + j);
            }
            for (; j < cols; j++) {
                a[row + j] += v[j];
            }
        }
    }

    @Override
    public void addColumnSums(int rows, int cols, double[] a, int lda, double[] out) {
        // Rows in the inner loop, 4 at a time: out[j..j+L) stays in a register while four rows
        // are added, so out is read and written once per 4 rows instead of once per row.
        int bound = S.loopBound(cols);
        int r = 0;
        for (; r + 4 <= rows; r += 4) {
            int r0 = r * lda;
            int r1 = r0 + lda;
            int r2 = r1 + lda;
            int r3 = r2 + lda;
            int j = 0;
            for (; j < bound; j += L) {
                DoubleVector s01 = DoubleVector.fromArray(S, a, r0 + j).add(DoubleVector.fromArray(S, a, r1 + j));
                DoubleVector s23 = DoubleVector.fromArray(S, a, r2 + j).add(DoubleVector.fromArray(S, a, r3 + j));
                DoubleVector.fromArray(S, out, j).add(s01.add(s23)).intoArray(out, j);
            }
            for (; j < cols; j++) {
                out[j] += (a[r0 + j] + a[r1 + j]) + (a[r2 + j] + a[r3 + j]);
            }
        }
        for (; r < rows; r++) {
            int row = r * lda;
            int j = 0;
            for (; j < bound; j += L) {
                DoubleVector.fromArray(S, out, j).add(DoubleVector.fromArray(S, a, row + j)).intoArray(out, j);
            }
            for (; j < cols; j++) {
                out[j] += a[row + j];
            }
        }
    }

    // ---------------------------------------------------------------- elementwise maps

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

    @Override
    public void map(ElementwiseFunction f, double beta, int n, double[] x, double[] value, double[] d1, double[] d2, double[] d3) {
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

    // ---------------------------------------------------------------- GEMM

    @Override
    public void combineRows(int k, int m, int w, double[] s, int sOff, int lds, double[] x, int xOff, int ldx,
                            double[] y, int yOff, int ldy) {
        VectorRowCombination.combineRows(k, m, w, s, sOff, lds, x, xOff, ldx, y, yOff, ldy);
    }

    @Override
    public void gemm(boolean transA, boolean transB, int m, int n, int k,
                     double alpha, double[] a, int aOff, int lda,
                     double[] b, int bOff, int ldb,
                     double beta, double[] c, int cOff, int ldc) {
        VectorGemm.gemm(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
    }
}
