package dev.morse.engine;

import dev.morse.linalg.MemoryGuard;
import dev.morse.simd.Ranges;
import java.util.Arrays;

/**
 * The objective L_R = L + Σ terms (SPEC §2, §4, §11) inside an {@link Evaluator}'s started
 * request: the data part's loss, gradient and products from the {@link ChunkScheduler}, with the
 * terms' values, gradients and Hessian parts added to them through the {@link RequestContext}
 * (or, when a term replaces L, as SAM and weight noise do, in place of L). The evaluator validates
 * the arguments and begins and ends the request around these calls. Owned by one evaluator and
 * used under its lock.
 */
final class Objective {
    private final int p;
    private final ChunkScheduler scheduler;
    private final RequestContext ctx;   // the current request, as the terms see it
    private final Term[] terms;
    private final boolean termsNeedCurvature;
    private final boolean termReplacesData;   // a term's value replaces L (sam, weight_noise)

    // Reusable workspace (grown on demand; steady state allocates nothing).
    private double[] dataHv = new double[0];

    Objective(Problem problem, ChunkScheduler scheduler, RequestContext ctx) {
        this.p = problem.model().numParameters();
        this.scheduler = scheduler;
        this.ctx = ctx;
        this.terms = problem.terms().toArray(new Term[0]);
        boolean curv = false;
        for (Term t : terms) curv |= t.needsDataCurvature();
        this.termsNeedCurvature = curv;
        this.termReplacesData = problem.replacesDataLoss();
    }

    /** Whether the problem has terms besides the data loss. */
    boolean hasTerms() {
        return terms.length > 0;
    }

    /** L_R ({@code withTerms}) or L at the request's θ over its batch. */
    double value(boolean withTerms) {
        if (!withTerms) return ctx.dataLoss();
        double v = termReplacesData ? 0.0 : ctx.dataLoss();
        for (Term t : terms) v += t.value(ctx);
        return v;
    }

    /** The value of each term at the request, in the problem's order. */
    double[] termValues() {
        double[] v = new double[terms.length];
        for (int i = 0; i < terms.length; i++) v[i] = terms[i].value(ctx);
        return v;
    }

    /**
     * L_R ({@code withTerms}) or L at the request, its gradient into grad (length exactly P); then,
     * when not null, runs over [0, P) once grad's entries are final (see
     * {@link Evaluator#lossAndGradient(Batch, double[], double[], Ranges.Task)}).
     */
    double valueAndGradient(double[] grad, boolean withTerms, Ranges.Task then) {
        double v;
        if (withTerms && termReplacesData) {   // the term gives the whole data part; ∇L(θ) only if some term asks for it
            Arrays.fill(grad, 0, p, 0.0);
            v = 0.0;
        } else if (terms.length > 0 || !scheduler.freshVersion()) {
            // Kept in the context: the terms may ask for ∇L again, and so may a request repeated
            // at the same (θ, batch) (from its second time on, a copy instead of the passes).
            v = ctx.dataLossAndGradient(grad);
        } else {
            // A new (θ, batch) and no terms, e.g. a minibatch step: the chunks' sum goes straight
            // into grad (saving a serial copy of P entries), then's ranges inside it.
            return ctx.setDataLoss(scheduler.loss(ctx.theta(), grad, false, then));
        }
        if (withTerms) {
            for (Term t : terms) v += t.addValueAndGradient(ctx, grad);
        }
        if (then != null) scheduler.ranges().run(p, then);
        return v;
    }

    /** OUT = Op·V for k vectors at the request's θ, arguments already checked. */
    void apply(Part part, double[] vs, double[] out, int k) {
        switch (part) {
            case REGULARIZER -> {
                Arrays.fill(out, 0, k * p, 0.0);
                addTerms(vs, out, k, false);
            }
            case HESSIAN -> {
                dataProduct(Part.DATA_HESSIAN, vs, out, k);
                addTerms(vs, out, k, true);
            }
            default -> dataProduct(part, vs, out, k);
        }
    }

    /**
     * out += Σ terms' Hessian parts·V. With {@code outHoldsData}, out holds ∇²L·V already (a
     * Hessian request) and terms that need it read a copy; otherwise it is computed when needed.
     */
    void addTerms(double[] vs, double[] out, int k, boolean outHoldsData) {
        if (terms.length == 0) return;
        double[] dhv = null;
        if (termsNeedCurvature) {
            dhv = dataHvBuffer(k);
            if (outHoldsData) System.arraycopy(out, 0, dhv, 0, k * p);
            else dataProduct(Part.DATA_HESSIAN, vs, dhv, k);
        }
        for (Term t : terms) t.addHvp(ctx, vs, dhv, out, k);
    }

    private double[] dataHvBuffer(int k) {
        if (dataHv.length < k * p) {
            MemoryGuard.checkDense(k, p, "data-curvature workspace (k=" + k + " × P=" + p + ")");
            dataHv = new double[k * p];
        }
        return dataHv;
    }

    /** out = Op·V for a data part (not HESSIAN or REGULARIZER): the R-operator passes. */
    private void dataProduct(Part part, double[] vs, double[] out, int k) {
        scheduler.product(part, ctx.theta(), vs, out, k);
    }
}
