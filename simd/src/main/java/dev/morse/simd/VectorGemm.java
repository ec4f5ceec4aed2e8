package dev.morse.simd;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Row-major DGEMM on the Vector API, GotoBLAS/BLIS structure: C = alpha·op(A)·op(B) + beta·C.
 *
 * <pre>
 * for jc in n step NC                      B panel  (KC × NC)  lives in L3
 *   for pc in k step KC                    pack B(pc, jc) into slivers of NR columns
 *     for ic in m step MC                  pack alpha·A(ic, pc) into slivers of MR rows; A block in L2
 *       for jr in nc step NR               B sliver (KC × NR) stays in L1 across the ir loop
 *         for ir in mc step MR             micro-kernel: MR × NR block of C in 10 registers
 * </pre>
 *
 * Transposes are absorbed by the packing routines, so one micro-kernel serves all four cases.
 * Partial slivers at the edges are zero-padded, computed as full tiles into a small buffer and
 * copied out, so odd sizes need no special kernel. The packing buffers live in a per-thread
 * {@link Workspace} that grows to the largest problem seen and is then reused: the steady state
 * allocates nothing. (Each virtual thread gets its own workspace; pool platform threads for
 * heavy GEMM work.)
 */
final class VectorGemm {

    private static final VectorSpecies<Double> S = VectorSpeciesHolder.SPECIES;
    private static final int L = VectorSpeciesHolder.LANES;

    /**
     * 5 rows × 2 vectors: 10 accumulators cover FMA latency × 2 FMA ports (4-5 cycles × 2), and
     * leave C2 room for 2 B vectors and the broadcasts it hoists. Measured on AVX2 (JDK 25): 6×2
     * and 4×3 (12 accumulators) spill one accumulator to the stack and run at half speed.
     */
    static final int MR = 5;
    /** Columns per micro-tile: two vectors. */
    static final int NR = 2 * L;
    /** Depth of a packed block: a KC × NR B sliver (16 KiB at NR = 8) fits in half of a 32 KiB L1. */
    static final int KC = 256;
    /** Rows of a packed A block: MC × KC doubles = 200 KiB, well inside a 512 KiB L2; multiple of MR. */
    static final int MC = 20 * MR;
    /** Columns of a packed B panel: KC × NC doubles = 4 MiB, an L3-resident panel; multiple of NR. */
    static final int NC = 256 * NR;

    private static final ThreadLocal<Workspace> WORKSPACE = ThreadLocal.withInitial(Workspace::new);

    /** Per-thread packing buffers; grown on demand, never shrunk. */
    static final class Workspace {
        double[] packA = new double[0];
        double[] packB = new double[0];
        /** One MR × NR tile for edge blocks. */
        final double[] tile = new double[MR * NR];

        double[] packA(int size) {
            if (packA.length < size) {
                packA = new double[size];
            }
            return packA;
        }

        double[] packB(int size) {
            if (packB.length < size) {
                packB = new double[size];
            }
            return packB;
        }
    }

    private VectorGemm() {
    }

    /** See {@link Kernels#gemm}. */
    static void gemm(boolean transA, boolean transB, int m, int n, int k,
                     double alpha, double[] a, int aOff, int lda,
                     double[] b, int bOff, int ldb,
                     double beta, double[] c, int cOff, int ldc) {
        if (m == 0 || n == 0) {
            return;
        }
        if (alpha == 0.0 || k == 0) {
            // BLAS rule: op(A)·op(B) is not referenced, so C = beta·C (zeros when beta = 0).
            scaleC(m, n, beta, c, cOff, ldc);
            return;
        }
        Workspace ws = WORKSPACE.get();
        int kcMax = Math.min(k, KC);
        double[] pa = ws.packA(roundUp(Math.min(m, MC), MR) * kcMax);
        double[] pb = ws.packB(roundUp(Math.min(n, NC), NR) * kcMax);
        double[] tile = ws.tile;
        for (int jc = 0; jc < n; jc += NC) {
            int nc = Math.min(NC, n - jc);
            for (int pc = 0; pc < k; pc += KC) {
                int kc = Math.min(KC, k - pc);
                // Later k-blocks accumulate onto what the first one wrote.
                double betaBlock = pc == 0 ? beta : 1.0;
                packB(transB, b, bOff, ldb, pc, kc, jc, nc, pb);
                for (int ic = 0; ic < m; ic += MC) {
                    int mc = Math.min(MC, m - ic);
                    packA(transA, alpha, a, aOff, lda, ic, mc, pc, kc, pa);
                    for (int jr = 0; jr < nc; jr += NR) {
                        int nr = Math.min(NR, nc - jr);
                        int bIdx = jr * kc;
                        for (int ir = 0; ir < mc; ir += MR) {
                            int mr = Math.min(MR, mc - ir);
                            int cIdx = cOff + (ic + ir) * ldc + jc + jr;
                            if (mr == MR && nr == NR) {
                                kernel(kc, pa, ir * kc, pb, bIdx, betaBlock, c, cIdx, ldc);
                            } else {
                                // Edge tile: full-size product into the buffer (beta 0), then the valid part out.
                                kernel(kc, pa, ir * kc, pb, bIdx, 0.0, tile, 0, NR);
                                storeEdge(mr, nr, tile, betaBlock, c, cIdx, ldc);
                            }
                        }
                    }
                }
            }
        }
    }

    private static int roundUp(int x, int multiple) {
        return (x + multiple - 1) / multiple * multiple;
    }

    /** C ← beta·C, with beta = 0 storing zeros (NaN in C does not propagate). */
    private static void scaleC(int m, int n, double beta, double[] c, int cOff, int ldc) {
        if (beta == 1.0) {
            return;
        }
        for (int i = 0; i < m; i++) {
            int row = cOff + i * ldc;
            if (beta == 0.0) {
                java.util.Arrays.fill(c, row, row + n, 0.0);
            } else {
                for (int j = 0; j < n; j++) {
                    c[row + j] *= beta;
                }
            }
        }
    }

    /**
     * Packs alpha·op(A)[ic..ic+mc, pc..pc+kc) into MR-row slivers: sliver s holds, for each p,
     * the MR values of rows ic+s·MR.. at column pc+p, consecutively; rows past mc are zero.
     * Folding alpha in here costs mc·kc multiplies instead of one per C element per k-block.
     */
    private static void packA(boolean transA, double alpha, double[] a, int aOff, int lda,
                              int ic, int mc, int pc, int kc, double[] pa) {
        for (int ir = 0; ir < mc; ir += MR) {
            int mr = Math.min(MR, mc - ir);
            int base = ir * kc;
            if (!transA) {
                // Row i of op(A) is contiguous: read along it, write with stride MR.
                for (int r = 0; r < mr; r++) {
                    int src = aOff + (ic + ir + r) * lda + pc;
                    for (int p = 0; p < kc; p++) {
                        pa[base + p * MR + r] = alpha * a[src + p];
                    }
                }
            } else {
                // op(A)[i][p] = A[p][i]: for fixed p the MR values are contiguous in A.
                for (int p = 0; p < kc; p++) {
                    int src = aOff + (pc + p) * lda + ic + ir;
                    int dst = base + p * MR;
                    for (int r = 0; r < mr; r++) {
                        pa[dst + r] = alpha * a[src + r];
                    }
                }
            }
            for (int r = mr; r < MR; r++) {
                for (int p = 0; p < kc; p++) {
                    pa[base + p * MR + r] = 0.0;
                }
            }
        }
    }

    /**
     * Packs op(B)[pc..pc+kc, jc..jc+nc) into NR-column slivers: sliver s holds, for each p, the
     * NR values of row pc+p at columns jc+s·NR.., consecutively; columns past nc are zero.
     */
    private static void packB(boolean transB, double[] b, int bOff, int ldb,
                              int pc, int kc, int jc, int nc, double[] pb) {
        for (int jr = 0; jr < nc; jr += NR) {
            int nr = Math.min(NR, nc - jr);
            int base = jr * kc;
            if (!transB) {
                // Row p of op(B) is contiguous: NR values per p, two vector copies for full slivers.
                for (int p = 0; p < kc; p++) {
                    int src = bOff + (pc + p) * ldb + jc + jr;
                    int dst = base + p * NR;
                    if (nr == NR) {
                        DoubleVector.fromArray(S, b, src).intoArray(pb, dst);
                        DoubleVector.fromArray(S, b, src + L).intoArray(pb, dst + L);
                    } else {
                        for (int j = 0; j < nr; j++) {
                            pb[dst + j] = b[src + j];
                        }
                        for (int j = nr; j < NR; j++) {
                            pb[dst + j] = 0.0;
                        }
                    }
                }
            } else {
                // op(B)[p][j] = B[j][p]: read along row j of B, write with stride NR.
                for (int j = 0; j < nr; j++) {
                    int src = bOff + (jc + jr + j) * ldb + pc;
                    for (int p = 0; p < kc; p++) {
                        pb[base + p * NR + j] = b[src + p];
                    }
                }
                for (int j = nr; j < NR; j++) {
                    for (int p = 0; p < kc; p++) {
                        pb[base + p * NR + j] = 0.0;
                    }
                }
            }
        }
    }

    /**
     * The MR × NR micro-kernel: C[0..MR, 0..NR) = Σ_p pa[p][r]·pb[p][j] + beta·C, with C at
     * {@code c[cIdx + r·ldc + j]}. beta = 0 stores without reading C.
     */
    private static void kernel(int kc, double[] pa, int aIdx, double[] pb, int bIdx,
                               double beta, double[] c, int cIdx, int ldc) {
        DoubleVector c00 = DoubleVector.zero(S);
        DoubleVector c01 = DoubleVector.zero(S);
        DoubleVector c10 = DoubleVector.zero(S);
        DoubleVector c11 = DoubleVector.zero(S);
        DoubleVector c20 = DoubleVector.zero(S);
        DoubleVector c21 = DoubleVector.zero(S);
        DoubleVector c30 = DoubleVector.zero(S);
        DoubleVector c31 = DoubleVector.zero(S);
        DoubleVector c40 = DoubleVector.zero(S);
        DoubleVector c41 = DoubleVector.zero(S);
        // Index expressions are linear in p so C2 can hoist the array range checks out of the loop.
        for (int p = 0; p < kc; p++) {
            int bi = bIdx + p * NR;
            int ai = aIdx + p * MR;
            DoubleVector b0 = DoubleVector.fromArray(S, pb, bi);
            DoubleVector b1 = DoubleVector.fromArray(S, pb, bi + L);
            DoubleVector a0 = DoubleVector.broadcast(S, pa[ai]);
            c00 = a0.fma(b0, c00);
            c01 = a0.fma(b1, c01);
            DoubleVector a1 = DoubleVector.broadcast(S, pa[ai + 1]);
            c10 = a1.fma(b0, c10);
            c11 = a1.fma(b1, c11);
            DoubleVector a2 = DoubleVector.broadcast(S, pa[ai + 2]);
            c20 = a2.fma(b0, c20);
            c21 = a2.fma(b1, c21);
            DoubleVector a3 = DoubleVector.broadcast(S, pa[ai + 3]);
            c30 = a3.fma(b0, c30);
            c31 = a3.fma(b1, c31);
            DoubleVector a4 = DoubleVector.broadcast(S, pa[ai + 4]);
            c40 = a4.fma(b0, c40);
            c41 = a4.fma(b1, c41);
        }
        // Stores written out rather than in a helper: a helper taking vectors that C2 declines to
        // inline would box all ten accumulators on every call.
        int r1 = cIdx + ldc;
        int r2 = r1 + ldc;
        int r3 = r2 + ldc;
        int r4 = r3 + ldc;
        if (beta == 0.0) {
            // BLAS rule: C is not read, so NaN in C does not propagate.
            c00.intoArray(c, cIdx);
            c01.intoArray(c, cIdx + L);
            c10.intoArray(c, r1);
            c11.intoArray(c, r1 + L);
            c20.intoArray(c, r2);
            c21.intoArray(c, r2 + L);
            c30.intoArray(c, r3);
            c31.intoArray(c, r3 + L);
            c40.intoArray(c, r4);
            c41.intoArray(c, r4 + L);
        } else {
            // c = beta·c + acc in one fma (exactly c + acc when beta = 1).
            DoubleVector bv = DoubleVector.broadcast(S, beta);
            DoubleVector.fromArray(S, c, cIdx).fma(bv, c00).intoArray(c, cIdx);
            DoubleVector.fromArray(S, c, cIdx + L).fma(bv, c01).intoArray(c, cIdx + L);
            DoubleVector.fromArray(S, c, r1).fma(bv, c10).intoArray(c, r1);
            DoubleVector.fromArray(S, c, r1 + L).fma(bv, c11).intoArray(c, r1 + L);
            DoubleVector.fromArray(S, c, r2).fma(bv, c20).intoArray(c, r2);
            DoubleVector.fromArray(S, c, r2 + L).fma(bv, c21).intoArray(c, r2 + L);
            DoubleVector.fromArray(S, c, r3).fma(bv, c30).intoArray(c, r3);
            DoubleVector.fromArray(S, c, r3 + L).fma(bv, c31).intoArray(c, r3 + L);
            DoubleVector.fromArray(S, c, r4).fma(bv, c40).intoArray(c, r4);
            DoubleVector.fromArray(S, c, r4 + L).fma(bv, c41).intoArray(c, r4 + L);
        }
    }

    /** Copies the valid mr × nr part of an edge tile into C with beta. */
    private static void storeEdge(int mr, int nr, double[] tile, double beta, double[] c, int cIdx, int ldc) {
        for (int r = 0; r < mr; r++) {
            int row = cIdx + r * ldc;
            int t = r * NR;
            for (int j = 0; j < nr; j++) {
                c[row + j] = beta == 0.0 ? tile[t + j] : Math.fma(beta, c[row + j], tile[t + j]);
            }
        }
    }
}
