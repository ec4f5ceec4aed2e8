package dev.morse.engine;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * A {@link ChunkScheduler} request as it travels to the workers: what a run computes
 * ({@link Kind}), on which samples, with which vectors, into which outputs. Its sample plan is set
 * by {@link ChunkScheduler#begin} (once per request at (θ, batch)); its run, by one filler call per
 * run ({@link #set}, {@link #setProduct}, {@link #setQuadratic}), which sets every run field from
 * its arguments. Filled by the calling thread, read-only while the team runs it, except
 * {@link #wave}, {@link #allChunks} and {@link #tasks}, which the run loops set between runs, and
 * {@link #nextTask}, the counter the slots claim tasks from during a task run. It is the
 * {@link WorkerTeam.SlotTask}: slot s of wave w works on chunk w + s; with allChunks, slot s works
 * on chunks s, s + T, …; in a task run (vector groups, first-layer GEMMs and tiles) each slot takes
 * the next task until none is left. One object per scheduler, refilled by every run, so that runs
 * allocate nothing.
 */
final class ChunkRequest implements WorkerTeam.SlotTask {

    /** What a run computes per chunk (or, for {@link #GROUPS}, per vector group). */
    enum Kind {
        /** Σ ℓ over the chunk (forward pass). */
        LOSS,
        /** Σ ℓ and the chunk's gradient into its result buffer ({@link ChunkResults}). */
        GRADIENT,
        /** One curvature product (k = 1). */
        SINGLE,
        /** k curvature products, in vector groups of kg, through one chunk. */
        BLOCK,
        /** k curvature products: one vector group through all chunks, into r.out. */
        GROUPS,
        /** Fills the chunk's state (forward pass, and backward signals for the NME) without a product. */
        WARM,
        /** Network outputs into r.out. */
        OUTPUTS,
        /** Per-sample losses into r.out. */
        LOSSES,
        /** J·v into r.out. */
        JVP,
        /** Jᵀu into the chunk's result buffer. */
        VJP,
        /** Quadratic forms v_jᵀ Op v_j (and their gradients) of the trace penalties into the chunk's result buffer: k forms, then P. */
        QUADRATIC,
        /** Σ ℓ and the number of correct argmax predictions (into chunkCounts). */
        CLASSIFY,
        /** Per hidden layer, the pre-activations with σ″ ≠ 0 (into chunkCounts). */
        SECOND_SUPPORT,
        /** The first layer's per-sample curvature Q_s of a data part into r.out (k = d_1 units in groups of kg). */
        FIRST_LAYER_CURVATURE,
        /** Lower-triangle columns of the first layer's weight block from Q_s (r.vs): GEMM tasks claimed by the slots, each through all chunks. */
        FIRST_LAYER_ROWS,
        /** ‖the first layer's weight block‖_F² from Q_s (r.vs): Gram tile tasks claimed by the slots. */
        FIRST_LAYER_GRAM
    }

    /** What worker {@code slot} does with the request in a run: the scheduler's dispatch to chunks or tasks. */
    interface Work {
        void run(ChunkRequest r, int slot);
    }

    private final Work work;

    // The sample plan: count of samples, rows per chunk, chunks; contiguous from `first`, or by `index`.
    Batch batch;
    int count;
    int rows;
    int chunks;
    int first;
    int[] index;
    double scale;          // 1/count: the mean over the batch
    long groupBudget;      // doubles per block buffer (sets the vectors per group)
    boolean chunkStates;   // states indexed by chunk (else by worker slot): see ChunkScheduler.begin
    // The run.
    Kind kind;
    double[] theta;
    boolean aside;         // θ is another point than the request's (Term.Context.dataLossAndGradientAt)
    double[] vs;           // the vectors (products, quadratic forms, jvp), the cotangents (vjp)
    int k;
    int kg;                // vectors per group
    int unitBase;          // ≥ 0: the vectors are identity columns from this index (dense)
    boolean lowerOnly;     // dense: column q needs only its entries ≤ q (the lower triangle)
    boolean ggn;
    boolean nme;
    boolean hessianForms;  // quadratic forms of ∇²L (else G)
    boolean formsGradient; // and their gradient
    double[] out;          // written per chunk (outputs, per-sample losses, jvp) or per group (GROUPS)
    // Scheduling of chunks: the first chunk of the wave in flight; or, when allChunks, one run
    // in which slot s works on chunks s, s + threads, … (the chunks a wave plan gives it).
    int wave;
    boolean allChunks;
    // Scheduling of tasks (vector groups, first-layer GEMMs, Gram tiles): one run in which every
    // slot claims the next task until none is left.
    int tasks;
    final AtomicInteger nextTask = new AtomicInteger();

    ChunkRequest(Work work) {
        this.work = work;
    }

    void plan(Batch batch, int count, int rows, int chunks, long groupBudget, boolean chunkStates) {
        this.batch = batch;
        this.count = count;
        this.rows = rows;
        this.chunks = chunks;
        this.first = batch.first();
        this.index = batch.indices();
        this.scale = 1.0 / count;
        this.groupBudget = groupBudget;
        this.chunkStates = chunkStates;
    }

    /** A run without curvature: the kind, θ, the vectors or cotangents it reads and the per-chunk output it writes (or null). */
    ChunkRequest set(Kind kind, double[] theta, boolean aside, double[] vs, double[] out) {
        return setAll(kind, theta, aside, vs, 1, 1, -1, false, false, false, false, false, out);
    }

    /** A curvature-product run (SINGLE, BLOCK, GROUPS, WARM) of a data part. */
    ChunkRequest setProduct(Kind kind, double[] theta, Part part, double[] vs, int unitBase, boolean lowerOnly, int k, int kg, double[] out) {
        return setAll(kind, theta, false, vs, k, kg, unitBase, lowerOnly, part != Part.NME, part != Part.GGN, false, false, out);
    }

    /** A quadratic-forms run (trace penalties). */
    ChunkRequest setQuadratic(double[] theta, boolean hessian, double[] vs, int k, int kg, boolean gradient) {
        return setAll(Kind.QUADRATIC, theta, false, vs, k, kg, -1, false, false, false, hessian, gradient, null);
    }

    ChunkRequest setAll(Kind kind, double[] theta, boolean aside, double[] vs, int k, int kg, int unitBase, boolean lowerOnly,
            boolean ggn, boolean nme, boolean hessianForms, boolean formsGradient, double[] out) {
        this.kind = kind;
        this.theta = theta;
        this.aside = aside;
        this.vs = vs;
        this.k = k;
        this.kg = kg;
        this.unitBase = unitBase;
        this.lowerOnly = lowerOnly;
        this.ggn = ggn;
        this.nme = nme;
        this.hessianForms = hessianForms;
        this.formsGradient = formsGradient;
        this.out = out;
        this.wave = 0;
        this.allChunks = false;
        return this;
    }

    /** Drops the references to the caller's arrays. */
    void clear() {
        setAll(null, null, false, null, 0, 0, -1, false, false, false, false, false, null);
        batch = null;
        index = null;
    }

    /** A team thread's entry: the request handed over by {@link WorkerTeam}, passed on to the scheduler's work. */
    @Override
    public void run(int slot) {
        work.run(this, slot);
    }
}
