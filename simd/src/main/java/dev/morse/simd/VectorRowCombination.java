package dev.morse.simd;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link Kernels#combineRows} with the Vector API: register blocks of 4 rows of y × 2 vectors of
 * columns, each entry one FMA chain in increasing j (the contract's order, so the bits are the
 * scalar twin's). Lanczos's thick restart (Ritz vectors V·s_i over long basis rows) runs it.
 */
final class VectorRowCombination {
    private static final VectorSpecies<Double> S = VectorSpeciesHolder.SPECIES;
    private static final int L = VectorSpeciesHolder.LANES;

    private VectorRowCombination() {
    }

    static void combineRows(int k, int m, int w, double[] s, int sOff, int lds, double[] x, int xOff, int ldx,
                            double[] y, int yOff, int ldy) {
        // Register block: 4 rows of y × 2 vectors of t (8 accumulators, one broadcast and two loads
        // per j: fits AVX2's 16 registers as well as AVX-512's 32). Each accumulator is one FMA chain
        // in increasing j, the scalar twin's order, so the bits match it lane by lane.
        int t = 0;
        int bound2 = w - 2 * L + 1;
        for (; t < bound2; t += 2 * L) {
            int i = 0;
            for (; i + 4 <= k; i += 4) combine4x2(m, s, sOff + i * lds, lds, x, xOff + t, ldx, y, yOff + i * ldy + t, ldy);
            for (; i < k; i++) combine1x2(m, s, sOff + i * lds, x, xOff + t, ldx, y, yOff + i * ldy + t);
        }
        int bound = S.loopBound(w);
        for (; t < bound; t += L) {
            for (int i = 0; i < k; i++) {
                int si = sOff + i * lds;
                DoubleVector acc = DoubleVector.fromArray(S, x, xOff + t).mul(s[si]);
                for (int j = 1; j < m; j++) {
                    acc = DoubleVector.fromArray(S, x, xOff + j * ldx + t).fma(DoubleVector.broadcast(S, s[si + j]), acc);
                }
                acc.intoArray(y, yOff + i * ldy + t);
            }
        }
        ScalarKernels.combineRowsScalar(k, m, w - t, s, sOff, lds, x, xOff + t, ldx, y, yOff + t, ldy);
    }

    private static void combine4x2(int m, double[] s, int si, int lds, double[] x, int xo, int ldx, double[] y, int yo, int ldy) {
        DoubleVector xa = DoubleVector.fromArray(S, x, xo);
        DoubleVector xb = DoubleVector.fromArray(S, x, xo + L);
        double s0 = s[si], s1 = s[si + lds], s2 = s[si + 2 * lds], s3 = s[si + 3 * lds];
        DoubleVector a0 = xa.mul(s0), b0 = xb.mul(s0);
        DoubleVector a1 = xa.mul(s1), b1 = xb.mul(s1);
        DoubleVector a2 = xa.mul(s2), b2 = xb.mul(s2);
        DoubleVector a3 = xa.mul(s3), b3 = xb.mul(s3);
        for (int j = 1; j < m; j++) {
            int xj = xo + j * ldx;
            xa = DoubleVector.fromArray(S, x, xj);
            xb = DoubleVector.fromArray(S, x, xj + L);
            DoubleVector c = DoubleVector.broadcast(S, s[si + j]);
            a0 = xa.fma(c, a0);
            b0 = xb.fma(c, b0);
            c = DoubleVector.broadcast(S, s[si + lds + j]);
            a1 = xa.fma(c, a1);
            b1 = xb.fma(c, b1);
            c = DoubleVector.broadcast(S, s[si + 2 * lds + j]);
            a2 = xa.fma(c, a2);
            b2 = xb.fma(c, b2);
            c = DoubleVector.broadcast(S, s[si + 3 * lds + j]);
            a3 = xa.fma(c, a3);
            b3 = xb.fma(c, b3);
        }
        a0.intoArray(y, yo);
        b0.intoArray(y, yo + L);
        a1.intoArray(y, yo + ldy);
        b1.intoArray(y, yo + ldy + L);
        a2.intoArray(y, yo + 2 * ldy);
        b2.intoArray(y, yo + 2 * ldy + L);
        a3.intoArray(y, yo + 3 * ldy);
        b3.intoArray(y, yo + 3 * ldy + L);
    }

    private static void combine1x2(int m, double[] s, int si, double[] x, int xo, int ldx, double[] y, int yo) {
        DoubleVector a = DoubleVector.fromArray(S, x, xo).mul(s[si]);
        DoubleVector b = DoubleVector.fromArray(S, x, xo + L).mul(s[si]);
        for (int j = 1; j < m; j++) {
            int xj = xo + j * ldx;
            DoubleVector c = DoubleVector.broadcast(S, s[si + j]);
            a = DoubleVector.fromArray(S, x, xj).fma(c, a);
            b = DoubleVector.fromArray(S, x, xj + L).fma(c, b);
        }
        a.intoArray(y, yo);
        b.intoArray(y, yo + L);
    }
}
