package dev.morse.engine;

import dev.morse.simd.Ranges;
import dev.morse.linalg.Progress;
import dev.morse.spectra.LinearOperator;

/**
 * One curvature part of a problem at a fixed point θ, as a {@link LinearOperator}: a thin view
 * (evaluator + θ + part), like curvlinops' operators. The Hessian of the whole objective, the data
 * Hessian, the Gauss–Newton matrix G, the NME M, or the terms' part (SPEC §5). Products go to the
 * {@link Evaluator}'s block products, which reuse the chunk states at θ between calls; the view
 * holds a copy of θ and a product count, nothing else.
 *
 * <p>Products are never computed in place: out == v is refused ({@link LinearOperator}'s contract).
 */
public final class CurvatureOperator implements LinearOperator {

    private final Evaluator evaluator;
    private final Part part;
    private final double[] theta;
    private long products;

    public CurvatureOperator(Evaluator evaluator, Part part, double[] theta) {
        java.util.Objects.requireNonNull(evaluator, "evaluator");
        java.util.Objects.requireNonNull(part, "part");
        java.util.Objects.requireNonNull(theta, "θ");
        if (theta.length != evaluator.dim()) throw new IllegalArgumentException("θ has length " + theta.length + ", expected P=" + evaluator.dim());
        this.evaluator = evaluator;
        this.part = part;
        this.theta = theta.clone();
    }

    public static CurvatureOperator hessian(Evaluator e, double[] theta) {
        return new CurvatureOperator(e, Part.HESSIAN, theta);
    }

    public static CurvatureOperator ggn(Evaluator e, double[] theta) {
        return new CurvatureOperator(e, Part.GGN, theta);
    }

    public static CurvatureOperator nme(Evaluator e, double[] theta) {
        return new CurvatureOperator(e, Part.NME, theta);
    }

    public static CurvatureOperator regularizer(Evaluator e, double[] theta) {
        return new CurvatureOperator(e, Part.REGULARIZER, theta);
    }

    public Part part() {
        return part;
    }

    public Evaluator evaluator() {
        return evaluator;
    }

    /** A copy of the point θ. */
    public double[] point() {
        return theta.clone();
    }

    /** Number of operator-vector products applied so far (a block of k counts k). */
    public long products() {
        return products;
    }

    @Override
    public int dim() {
        return evaluator.dim();
    }

    /** out = Op·v: v and out of length exactly P, different arrays ({@link LinearOperator#checkProduct}). */
    @Override
    public void apply(double[] v, double[] out) {
        LinearOperator.checkProduct(evaluator.dim(), v, out);
        evaluator.single(part, theta, v, out);   // lengths and out == v checked above; single also checks finiteness, naming v
        products++;
    }

    @Override
    public void apply(double[] vs, double[] outs, int k) {
        evaluator.apply(part, theta, vs, outs, k);
        products += k;
    }

    /** The evaluator's workers ({@link Evaluator#ranges()}). */
    @Override
    public Ranges ranges() {
        return evaluator.ranges();
    }

    /** The dense matrix of this part (P × P) through the evaluator's unit-column block products. */
    @Override
    public double[] toDense(Progress progress) {
        products += evaluator.dim();
        return evaluator.dense(part, theta, progress);
    }

    @Override
    public String describe() {
        Problem p = evaluator.problem();
        return part.id() + " of " + p.model().describe() + ", " + p.loss().id() + (p.hasTerms() ? ", " + p.describeTerms() : "");
    }
}
