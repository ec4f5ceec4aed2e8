package dev.morse.analysis;

import dev.morse.engine.Evaluator;
import dev.morse.engine.Part;
import dev.morse.linalg.DenseMatrices;
import dev.morse.linalg.MemoryGuard;
import dev.morse.linalg.Progress;

/**
 * The dense Hessian of L_R for the Morse check, assembled column block by column block into one
 * P×P buffer the caller owns (so that it can be factored in place and assembled again), together
 * with what the report needs from the parts: the diagonals of G and M (their traces) and ‖M‖_F.
 *
 * <p>When every term's Hessian part is a constant diagonal R″ (no regularizer, l2,
 * generalized_l2), H is assembled from its parts, H = G + M + R″, each column block of G and of M
 * coming from its own unit-column products ({@link Evaluator#denseColumns}); the τ scale is then
 * ‖G‖₂ + ‖M‖₂ + ‖R″‖₂ (SPEC §6). Otherwise (the multiplicative term) H is formed by one Hessian
 * product per column and s = ‖H‖₂; the G and M blocks are then computed only for their diagonals
 * and ‖M‖_F (three products per column instead of two).
 *
 * <p>G and M are computed as lower triangles ({@link Evaluator#denseColumns(Part, double[], int,
 * int, double[], int, boolean)}: column q to row q), which halves the first layer's output GEMMs;
 * the assembled lower triangle is then mirrored. Memory: the buffer, plus two (three) column
 * blocks of k × P doubles, k = {@link Evaluator#denseBlockColumns()}. The result is
 * bit-identical for any thread count.
 */
final class DenseHessian {
    private DenseHessian() {}

    /**
     * What the assembly leaves besides the matrix: diag G, diag M, ‖M‖_F² (from the unsymmetrized
     * columns) and whether H came from its parts (else from Hessian products).
     */
    record Parts(double[] ggnDiagonal, double[] nmeDiagonal, double nmeFrobeniusSquared, boolean fromParts) {}

    /** Whether H is assembled as G + M + R″ (every term's Hessian part a constant diagonal). */
    static boolean fromParts(Evaluator ev) {
        return ev.problem().termsHessianDiagonal() != null;
    }

    /**
     * Writes H (row-major, symmetric: from the parts, the lower triangle mirrored; from Hessian
     * products, (H + Hᵀ)/2) into out (P·P doubles) and returns the parts' diagonals.
     * {@code progress} receives the columns done.
     */
    static Parts assemble(Evaluator ev, double[] theta, double[] out, Progress progress) {
        int p = ev.dim();
        if (out.length != (long) p * p) throw new IllegalArgumentException("buffer has " + out.length + " doubles, P² = " + (long) p * p);
        double[] rDiag = ev.problem().termsHessianDiagonal();
        boolean parts = rDiag != null;
        int cols = ev.denseBlockColumns();
        MemoryGuard.checkDense(parts ? 2 : 3, (long) cols * p, "Morse check: column blocks of G and M (" + cols + " columns × P=" + p + ")");
        double[] gBlk = new double[cols * p], mBlk = new double[cols * p];
        double[] dG = new double[p], dM = new double[p];
        double frobM = 0;
        for (int start = 0; start < p; start += cols) {
            int k = Math.min(cols, p - start);
            // G and M: the lower triangle only (column q needs rows ≤ q), half the work of the first layer.
            ev.denseColumns(Part.GGN, theta, start, k, gBlk, 0, true);
            ev.denseColumns(Part.NME, theta, start, k, mBlk, 0, true);
            if (!parts) ev.denseColumns(Part.HESSIAN, theta, start, k, out, start * p);
            for (int j = 0; j < k; j++) {
                int q = start + j, row = j * p;
                dG[q] = gBlk[row + q];
                dM[q] = mBlk[row + q];
                double f = 0;
                for (int i = 0; i < q; i++) f += mBlk[row + i] * mBlk[row + i];
                frobM += 2 * f + dM[q] * dM[q];
                if (parts) {
                    int o = q * p;
                    for (int i = 0; i <= q; i++) out[o + i] = gBlk[row + i] + mBlk[row + i];
                    out[o + q] += rDiag[q];
                }
            }
            if (progress != null) progress.update(start + k, p);
        }
        // From the parts only the lower triangle was computed: mirror it. H by products is whole: (H + Hᵀ)/2.
        if (parts) DenseMatrices.mirrorLower(out, p);
        else DenseMatrices.symmetrize(out, p);
        return new Parts(dG, dM, frobM, parts);
    }

    /** Σ a_ij² of a dense row-major matrix. */
    static double frobeniusSquared(double[] a) {
        double s = 0;
        for (double x : a) s += x * x;
        return s;
    }
}
