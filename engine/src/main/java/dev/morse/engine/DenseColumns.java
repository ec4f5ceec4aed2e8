package dev.morse.engine;

import dev.morse.linalg.MemoryGuard;
import java.util.Arrays;

/**
 * Columns of an operator part's dense matrix, Op·e_q, for an {@link Evaluator} inside one of its
 * dense requests: the first layer's weight columns (lower triangles) straight from the Kronecker
 * form Σ_s Q_s ⊗ x_s x_sᵀ when the part's Q_s fit, the others from block products of unit
 * columns, and the terms' Hessian parts as a constant diagonal or, when they have none, through
 * products with explicit identity columns (the evaluator's {@link Objective}'s, passed in as
 * {@link Product}s). Owned by one evaluator and used under its lock.
 */
final class DenseColumns {

    /** out = Op·V for k vectors V (stored one after another), an operator the evaluator supplies. */
    interface Product {
        void apply(double[] vs, double[] out, int k);
    }

    private final Mlp mlp;
    private final int p;
    private final ChunkScheduler scheduler;
    private final FirstLayerCurvature firstLayer;
    private final boolean hasTerms;
    private final double[] termsDiagonal;   // Σ terms' constant diagonal Hessian parts, or null
    private final Product regularizer;      // out = Σ terms' Hessian parts·V
    private final Product addTerms;         // out += Σ terms' Hessian parts·V, out holding ∇²L·V
    private double[] block = new double[0];
    private double[] identity = new double[0];

    DenseColumns(Mlp mlp, ChunkScheduler scheduler, FirstLayerCurvature firstLayer, boolean hasTerms, double[] termsDiagonal,
                 Product regularizer, Product addTerms) {
        this.mlp = mlp;
        this.p = mlp.numParameters();
        this.scheduler = scheduler;
        this.firstLayer = firstLayer;
        this.hasTerms = hasTerms;
        this.termsDiagonal = termsDiagonal;
        this.regularizer = regularizer;
        this.addTerms = addTerms;
    }

    /** One past the index of the first layer's last weight (W_1 starts the parameters). */
    int firstLayerEnd() {
        return mlp.weightOffset(1) + mlp.width(1) * mlp.inputDim();
    }

    /**
     * Whether a part's lower first-layer columns come from the Kronecker form: every data part, and
     * H when its terms add nothing or a constant diagonal, when the part's Q_s fit in memory.
     */
    boolean byKronecker(Part part) {
        return kroneckerColumns(part) && firstLayer.fits(dataPart(part));
    }

    /** Whether a part's lower first-layer columns come from the Kronecker form when its Q_s fit. */
    private boolean kroneckerColumns(Part part) {
        return part != Part.REGULARIZER && (part != Part.HESSIAN || !hasTerms || termsDiagonal != null);
    }

    /** The data part behind a part's Kronecker form: ∇²L for H, the part itself otherwise. */
    private static Part dataPart(Part part) {
        return part == Part.HESSIAN ? Part.DATA_HESSIAN : part;
    }

    /** Op·e_q for q = start..start+k−1 into out[off ..] (only entries ≤ q with {@code lowerOnly}), inside a dense request at θ. */
    void compute(Part part, double[] theta, int start, int k, boolean lowerOnly, double[] out, int off) {
        int len = k * p;
        if (lowerOnly && start + k <= firstLayerEnd() && kroneckerColumns(part)) {
            // First-layer columns only: the Kronecker GEMMs write straight into out (at P = 39760 the
            // copy through the block buffer was one more pass over the whole 12.6 GB matrix).
            double[] q = firstLayer.at(dataPart(part), theta);
            if (q != null) {
                scheduler.firstLayerColumns(q, start, k, out, off);
                if (part == Part.HESSIAN && termsDiagonal != null) {
                    for (int j = 0; j < k; j++) out[off + j * p + start + j] += termsDiagonal[start + j];
                }
                return;
            }
        }
        if (part == Part.REGULARIZER && termsDiagonal != null) {
            Arrays.fill(out, off, off + len, 0.0);
            for (int j = 0; j < k; j++) out[off + j * p + start + j] = termsDiagonal[start + j];
            return;
        }
        if (block.length < len) {
            MemoryGuard.checkDense(k, p, "dense column block (k=" + k + " × P=" + p + ")");
            block = new double[len];
        }
        if (part == Part.REGULARIZER) {   // terms without a constant diagonal: products with explicit columns
            regularizer.apply(identityColumns(start, k), block, k);
        } else {
            Part dataPart = dataPart(part);
            // Lower triangles of first-layer weight columns (a prefix of the block: W_1 comes first)
            // by the Kronecker form Σ_s Q_s ⊗ x_s x_sᵀ, when its Q_s fit; the rest by unit columns.
            int kron = 0;
            boolean firstLayerColumns = start < firstLayerEnd();
            double[] q = lowerOnly && firstLayerColumns ? firstLayer.at(dataPart, theta) : null;
            if (q != null) kron = Math.max(0, Math.min(k, firstLayerEnd() - start));
            if (kron < k) {
                scheduler.unitProduct(dataPart, theta, start + kron, lowerOnly, block, k - kron);
                if (kron > 0) System.arraycopy(block, 0, block, kron * p, (k - kron) * p);
            }
            if (kron > 0) scheduler.firstLayerColumns(q, start, kron, block, 0);
            if (part == Part.HESSIAN && hasTerms) {
                if (termsDiagonal != null) {
                    for (int j = 0; j < k; j++) block[j * p + start + j] += termsDiagonal[start + j];
                } else {
                    addTerms.apply(identityColumns(start, k), block, k);
                }
            }
        }
        System.arraycopy(block, 0, out, off, len);
    }

    private double[] identityColumns(int start, int k) {
        if (identity.length < k * p) identity = new double[k * p];
        Arrays.fill(identity, 0, k * p, 0.0);
        for (int j = 0; j < k; j++) identity[j * p + start + j] = 1.0;
        return identity;
    }
}
