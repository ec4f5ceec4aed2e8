package dev.morse.spectra;

import dev.morse.engine.Objective;

/**
 * One curvature part of an {@link Objective} at a fixed point θ, as a {@link LinearOperator}:
 * the Hessian of the whole objective, the data Hessian, the Gauss–Newton matrix G, the NME M, or
 * the regularizer's part (SPEC §5). Block applies use the engine's block products.
 */
public final class CurvatureOperator implements LinearOperator {

    private final Objective objective;
    private final Objective.Part part;
    private final double[] theta;
    private long products;

    public CurvatureOperator(Objective objective, Objective.Part part, double[] theta) {
        if (objective == null || part == null) throw new IllegalArgumentException("objective and part are required");
        if (theta == null || theta.length != objective.dim()) {
            throw new IllegalArgumentException("θ has length " + (theta == null ? "null" : theta.length) + ", expected P=" + objective.dim());
        }
        this.objective = objective;
        this.part = part;
        this.theta = theta.clone();
    }

    public static CurvatureOperator hessian(Objective o, double[] theta) {
        return new CurvatureOperator(o, Objective.Part.HESSIAN, theta);
    }

    public static CurvatureOperator ggn(Objective o, double[] theta) {
        return new CurvatureOperator(o, Objective.Part.GGN, theta);
    }

    public static CurvatureOperator nme(Objective o, double[] theta) {
        return new CurvatureOperator(o, Objective.Part.NME, theta);
    }

    public static CurvatureOperator regularizer(Objective o, double[] theta) {
        return new CurvatureOperator(o, Objective.Part.REGULARIZER, theta);
    }

    public Objective.Part part() {
        return part;
    }

    public Objective objective() {
        return objective;
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
        return objective.dim();
    }

    @Override
    public void apply(double[] v, double[] out) {
        objective.apply(part, theta, v, out, 1);
        products++;
    }

    @Override
    public void apply(double[] vs, double[] outs, int k) {
        objective.apply(part, theta, vs, outs, k);
        products += k;
    }

    /** The dense matrix of this part (P × P), through the engine's block products. */
    public double[] dense() {
        return dense(null);
    }

    /** As {@link #dense()}, reporting the columns done. */
    public double[] dense(Objective.Progress progress) {
        products += objective.dim();
        return objective.dense(part, theta, progress);
    }

    @Override
    public String describe() {
        return part.name().toLowerCase() + " of " + objective.model().describe() + ", " + objective.loss().id()
                + (objective.regularizer() == dev.morse.engine.Regularizer.NONE ? "" : ", " + objective.regularizer().describe());
    }
}
