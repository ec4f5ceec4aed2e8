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
 * {@link VectorGemm}). The elementwise maps live in {@link VectorMaps}, GEMM in {@link VectorGemm}
 * and {@link VectorRowCombination}; the multi-pass maps and GEMM keep per-thread scratch that is
 * allocated once and reused, so the steady state allocates nothing. The tails of {@link #map} call
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

    @Override
    public void map(ElementwiseFunction f, double beta, int n, double[] x, double[] value, double[] d1, double[] d2, double[] d3) {
        VectorMaps.map(f, beta, n, x, value, d1, d2, d3);
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
