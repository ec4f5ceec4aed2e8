package dev.morse.analysis;

import dev.morse.engine.CurvatureOperator;
import dev.morse.engine.Evaluator;
import dev.morse.engine.FlopModel;
import dev.morse.engine.Part;
import dev.morse.linalg.MemoryGuard;
import dev.morse.linalg.Progress;
import dev.morse.simd.KernelProvider;
import dev.morse.simd.Kernels;
import dev.morse.spectra.DenseSpectrum;

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
 * <p>Everything is computed as lower triangles ({@link Evaluator#denseColumns(Part, double[], int,
 * int, double[], int, boolean)}: column q to row q) and mirrored at the end. The first layer's
 * weights, which are nearly all of P for wide inputs (9408 of 9550 at 784-12-10), take one pass:
 * their columns of H come straight from the Kronecker form Σ_s Q_s ⊗ x_s x_sᵀ (one GEMM per pair
 * of units), and what the report needs of G and M there, the diagonals and ‖M‖_F², from the
 * parts' per-sample curvature ({@link Evaluator#firstLayerDiagonal},
 * {@link Evaluator#firstLayerFrobeniusSquared}) without their columns. The remaining columns come
 * as described above. Memory: the buffer, plus two column blocks of k × P doubles,
 * k = {@link Evaluator#denseBlockColumns()} or the columns past the first layer's weights if
 * fewer, and N × d_1² doubles per part for the Q_s. The
 * result is bit-identical for any thread count.
 */
final class DenseHessian {
    private DenseHessian() {}

    /**
     * What the assembly leaves besides the matrix: diag G, diag M, ‖M‖_F² (the first layer's block
     * from its Gram form, the other columns' lower triangles counted twice off the diagonal),
     * whether H came from its parts (else from Hessian products), and the flops executed.
     */
    record Parts(double[] ggnDiagonal, double[] nmeDiagonal, double nmeFrobeniusSquared, boolean fromParts, double flops) {}

    /**
     * Flops of {@link Evaluator#dense} for a part, as executed: the Kronecker GEMMs of the first
     * layer's columns plus the unit-column products ({@link FlopModel#denseColumn}) of the others.
     */
    static double denseFlops(Evaluator ev, String part) {
        var m = ev.problem().model();
        int n = ev.problem().data().size();
        return FlopModel.firstLayerKronecker(m, n) + (double) (ev.dim() - ev.firstLayerWeights()) * FlopModel.denseColumn(part, m, n);
    }

    /** Whether H is assembled as G + M + R″ (every term's Hessian part a constant diagonal). */
    static boolean fromParts(Evaluator ev) {
        return ev.problem().termsHessianDiagonal() != null;
    }

    /**
     * Writes the lower triangle of H (row-major: row q holds entries 0 … q; all that LAPACK's
     * symmetric factorizations read) into out (P·P doubles) and returns the parts' diagonals. The
     * upper triangle is left unspecified (not H's, not necessarily finite: see
     * {@link Evaluator#denseColumns(Part, double[], int, int, double[], int, boolean)}): mirroring it would cost a pass over
     * P² doubles that nothing reads. {@code progress} receives the columns done. A lower triangle
     * holding NaN or an infinity is refused here, naming the entry ({@link DenseSpectrum#requireFiniteAssembled}: a {@link dev.morse.linalg.NonFiniteMatrixException}),
     * rather than by LAPACK's input check in the factorization that reads it next.
     */
    static Parts assemble(Evaluator ev, double[] theta, double[] out, Progress progress) {
        int p = ev.dim();
        if (out.length != (long) p * p) throw new IllegalArgumentException("buffer has " + out.length + " doubles, P² = " + (long) p * p);
        double[] rDiag = ev.problem().termsHessianDiagonal();
        boolean parts = rDiag != null;
        double[] dG = new double[p], dM = new double[p];
        double frobM = 0;
        int w1 = 0;
        // The Q_s the first layer's columns fill (N × d_1² per part) go when the assembly ends, or stops
        // (a cancellation, a refusal): an evaluator kept for the next task must not hold them.
        try {
            // The first layer's weights: H's columns alone, G and M only through their diagonals and ‖M‖_F².
            if (ev.firstLayerDiagonal(Part.GGN, theta, dG) && ev.firstLayerDiagonal(Part.NME, theta, dM)) {
                double f = ev.firstLayerFrobeniusSquared(Part.NME, theta);
                if (!Double.isNaN(f)) {
                    w1 = ev.firstLayerWeights();
                    frobM = f;
                }
            }
            // G's and M's blocks for the other columns (no more than there are: 142 of 256 at
            // 784-12-10, and fresh pages cost on some VMs), and the evaluator's own block buffer when
            // H comes from Hessian products.
            int cols = Math.max(1, Math.min(ev.denseBlockColumns(), p - w1));
            MemoryGuard.checkDense(parts ? 2 : 3, (long) cols * p, "Morse check: column blocks of G and M (" + cols + " columns × P=" + p + ")");
            double[] gBlk = new double[cols * p], mBlk = new double[cols * p];
            Kernels kernels = KernelProvider.get();
            // Whole units at a time (Evaluator.kroneckerRangeEnd: enough GEMMs to keep every worker busy
            // to the range's end); progress after each range.
            int d0 = ev.problem().model().inputDim(), d1 = w1 / Math.max(1, d0);
            String work = "the Morse check's dense Hessian (P=" + p + ")";
            for (int u = 0; u < d1; ) {
                dev.morse.linalg.Cancellation.check(work);
                int u1 = ev.kroneckerRangeEnd(u);
                ev.denseColumns(Part.HESSIAN, theta, u * d0, (u1 - u) * d0, out, u * d0 * p, true);
                u = u1;
                if (progress != null) progress.update(u * d0, p);
            }
            for (int start = w1; start < p; start += cols) {
                dev.morse.linalg.Cancellation.check(work);
                int k = Math.min(cols, p - start);
                ev.denseColumns(Part.GGN, theta, start, k, gBlk, 0, true);
                ev.denseColumns(Part.NME, theta, start, k, mBlk, 0, true);
                if (!parts) ev.denseColumns(Part.HESSIAN, theta, start, k, out, start * p, true);
                for (int j = 0; j < k; j++) {
                    int q = start + j, row = j * p;
                    dG[q] = gBlk[row + q];
                    dM[q] = mBlk[row + q];
                    frobM += 2 * kernels.sumOfSquares(q, mBlk, row) + dM[q] * dM[q];
                    if (parts) {
                        int o = q * p;
                        for (int i = 0; i <= q; i++) out[o + i] = gBlk[row + i] + mBlk[row + i];
                        out[o + q] += rDiag[q];
                    }
                }
                if (progress != null) progress.update(start + k, p);
            }
        } finally {
            ev.releaseDenseCaches();
        }
        // Flops as executed: H's first-layer columns by the Kronecker form, the two Gram matrices of
        // ‖M‖_F² (half the tiles), and G, M (and H) by unit columns for the rest.
        var m = ev.problem().model();
        int n = ev.problem().data().size();
        double rest = FlopModel.denseColumn("ggn", m, n) + FlopModel.denseColumn("nme", m, n) + (parts ? 0 : FlopModel.denseColumn("hessian", m, n));
        double flops = (p - w1) * rest;
        if (w1 > 0) flops += FlopModel.firstLayerKronecker(m, n) + FlopModel.firstLayerGram(m, n);
        DenseSpectrum.requireFiniteAssembled(out, p, true, forMorseCheck("H", CurvatureOperator::hessian, ev, theta));
        return new Parts(dG, dM, frobM, parts, flops);
    }

    /**
     * "H at θ for the Morse check (hessian of …)", the name of an assembled matrix in the refusal of
     * {@link DenseSpectrum#requireFiniteAssembled}: built only when a matrix is refused (the
     * operator's description clones θ), the one place for its wording.
     */
    static java.util.function.Supplier<String> forMorseCheck(String name,
            java.util.function.BiFunction<Evaluator, double[], CurvatureOperator> op, Evaluator ev, double[] theta) {
        return () -> name + " at θ for the Morse check (" + op.apply(ev, theta).describe() + ")";
    }

    /**
     * Σ a_ij² of a symmetric row-major n × n matrix from its lower triangle: 2·Σ_{j<i} a_ij² + Σ a_ii²,
     * the rows by the vector kernel (a scalar sum is one dependent add per entry: with the traces
     * beside it, 50–80 ms at n = 9550 against 20–30 ms).
     */
    static double frobeniusSquaredLower(double[] a, int n) {
        Kernels kernels = KernelProvider.get();
        double off = 0, diag = 0;
        for (int i = 0; i < n; i++) {
            int row = i * n;
            off += kernels.sumOfSquares(i, a, row);
            diag += a[row + i] * a[row + i];
        }
        return 2 * off + diag;
    }
}
