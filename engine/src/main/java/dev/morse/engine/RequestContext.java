package dev.morse.engine;

import dev.morse.linalg.MemoryGuard;

/**
 * An {@link Evaluator}'s current request as its terms see it ({@link Term.Context}): θ, the batch
 * and its seed, the data term at the request (loss and gradient computed on demand, once per
 * version of the chunk states), products and quadratic forms at θ, and the data term at other
 * points on the same samples. The data loss and gradient are kept here, not in the evaluator,
 * because the terms and the evaluator's own requests read the same values: a term that asks for ∇L
 * after the gradient request computed it gets a copy, not another pass. Owned by one evaluator,
 * which begins and ends it with each request (under its lock).
 */
final class RequestContext implements Term.Context {
    static final int WORKSPACES = 4;
    private final Mlp mlp;
    private final int p;
    private final ChunkScheduler scheduler;
    // The current request: θ, its batch and the batch's size (set by begin, dropped by end).
    private double[] theta;
    private Batch batch;
    private int count;

    // Data-term values at the scheduler's current version, for the terms and the evaluator.
    private final double[] dataGrad;
    private long dataGradVersion = -1;
    private double dataLossValue;
    private long dataLossVersion = -1;

    // Reusable workspaces of the terms (grown on demand; steady state allocates nothing).
    private final double[][] termWork = new double[WORKSPACES][0];

    RequestContext(Mlp mlp, ChunkScheduler scheduler) {
        this.mlp = mlp;
        this.p = mlp.numParameters();
        this.scheduler = scheduler;
        this.dataGrad = new double[p];
    }

    /** Starts the request at (θ, batch) of {@code count} samples, once the scheduler has begun it. */
    void begin(double[] theta, Batch batch, int count) {
        this.theta = theta;
        this.batch = batch;
        this.count = count;
    }

    /** Ends the request: no reference to the caller's θ or batch survives it. */
    void end() {
        theta = null;
        batch = null;
    }

    /**
     * L at the current request, and ∇L copied into grad (length ≥ P) from the one kept here: the
     * terms may ask for ∇L again, and so may a request repeated at the same (θ, batch) (from its
     * second time on, a copy instead of the passes).
     */
    double dataLossAndGradient(double[] grad) {
        double v = ensureDataGradient();
        System.arraycopy(dataGrad, 0, grad, 0, p);
        return v;
    }

    /** Makes {@link #dataGrad} hold ∇L at the current request (once per version); returns L. */
    private double ensureDataGradient() {
        if (dataGradVersion == scheduler.version()) return dataLossValue;
        double loss = scheduler.loss(theta, dataGrad, false);
        dataGradVersion = scheduler.version();
        return setDataLoss(loss);
    }

    /** Records L at the current request's (θ, batch) for the terms and {@link #lastDataLoss}; returns it. */
    double setDataLoss(double loss) {
        dataLossValue = loss;
        dataLossVersion = scheduler.version();
        return loss;
    }

    /**
     * L at the (θ, batch) of the last request, when that request computed it
     * ({@link Evaluator#dataLossOfLastRequest}).
     *
     * @throws IllegalStateException when the last request computed no data loss
     */
    double lastDataLoss() {
        if (dataLossVersion != scheduler.version() || scheduler.version() == 0) throw new IllegalStateException("the last request computed no data loss");
        return dataLossValue;
    }

    @Override
    public Mlp model() {
        return mlp;
    }

    @Override
    public double[] theta() {
        return theta;
    }

    @Override
    public double dataLoss() {
        if (dataLossVersion == scheduler.version()) return dataLossValue;
        return setDataLoss(scheduler.loss(theta, null, false));
    }

    @Override
    public double[] dataGradient() {
        ensureDataGradient();
        return dataGrad;
    }

    @Override
    public int batchSize() {
        return count;
    }

    @Override
    public boolean hasSeed() {
        return batch.hasSeed();
    }

    @Override
    public long seed() {
        return batch.seed();
    }

    @Override
    public void dataProduct(Part part, double[] vs, double[] out, int k) {
        if (part != Part.DATA_HESSIAN && part != Part.GGN && part != Part.NME) {
            throw new IllegalArgumentException("a term's data product is data_hessian, ggn or nme, not " + (part == null ? "null" : part.id()));
        }
        if (k <= 0 || vs == null || vs.length < (long) k * p || out == null || out.length < (long) k * p) {
            throw new IllegalArgumentException("data product: k = " + k + " vectors of length P = " + p + " needed in V and out");
        }
        scheduler.product(part, theta, vs, out, k);
    }

    @Override
    public void quadraticForms(Part part, double[] vs, int k, double[] forms, double[] grad) {
        if (part != Part.DATA_HESSIAN && part != Part.GGN) {
            throw new IllegalArgumentException("quadratic forms are available for data_hessian and ggn, not " + (part == null ? "null" : part.id()));
        }
        if (k <= 0 || vs == null || vs.length < (long) k * p || forms == null || forms.length < k || (grad != null && grad.length < p)) {
            throw new IllegalArgumentException("quadratic forms: k = " + k + " vectors of length P = " + p + ", k forms and a gradient of length P needed");
        }
        scheduler.quadraticForms(part == Part.DATA_HESSIAN, theta, vs, k, forms, grad);
    }

    @Override
    public double dataLossAt(double[] point) {
        return aside(point, null);
    }

    @Override
    public double dataLossAndGradientAt(double[] point, double[] grad) {
        if (grad == null || grad.length < p) throw new IllegalArgumentException("gradient array must have length ≥ P = " + p);
        if (grad == dataGrad) throw new IllegalArgumentException("the gradient at another point cannot go into the request's data gradient");
        return aside(point, grad);
    }

    @Override
    public double[] workspace(int index, int length) {
        if (index < 0 || index >= WORKSPACES) throw new IllegalArgumentException("workspace index " + index + " not in 0.." + (WORKSPACES - 1));
        if (termWork[index].length < length) {
            MemoryGuard.checkDense(1, length, "term workspace (" + length + " doubles)");
            termWork[index] = new double[length];
        }
        return termWork[index];
    }

    /**
     * L (and ∇L into grad when not null) at another point θ′ over the request's samples, inside the
     * request at θ: it runs on per-slot states of its own and writes neither the cached states at θ,
     * nor the data loss and gradient cached for θ, nor the request's version, so the request carries
     * on at θ as if nothing had happened.
     */
    private double aside(double[] point, double[] grad) {
        if (point == null || point.length < p) throw new IllegalArgumentException("point has length " + (point == null ? "null" : point.length) + ", expected P = " + p);
        for (int i = 0; i < p; i++) {
            if (!Double.isFinite(point[i])) throw new IllegalArgumentException("point contains " + point[i] + " at index " + i);
        }
        return scheduler.loss(point, grad, true);
    }
}
