package dev.morse.engine;

import dev.morse.engine.ChunkRequest.Kind;
import dev.morse.linalg.Linalg;
import dev.morse.linalg.MemoryGuard;
import dev.morse.simd.Kernels;
import dev.morse.simd.Ranges;
import java.util.Arrays;

/**
 * Runs an {@link Evaluator}'s work on its workers, chunk by chunk: plans the chunks of a batch,
 * keeps the chunk states at the last (θ, batch) ({@link ChunkStateCache}), hands each run to the
 * {@link WorkerTeam} (in one team run, or wave by wave when the chunks' results would not fit side
 * by side) and adds the workers' results in chunk order ({@link ChunkResults}). The evaluator
 * validates, locks and adds the terms; everything between its calls and {@link ChunkPass} is here.
 *
 * <h2>How a request reaches {@link ChunkPass}</h2>
 * {@link #begin} plans the request's samples (rows per chunk, chunks) and keys the state cache on
 * θ's bits and the batch. Each run inside the request ({@link #product}, {@link #loss}, …) fills
 * the one reused {@link ChunkRequest} in a single call from its arguments (kind, θ, vectors, outputs)
 * and passes it as a parameter down the call chain: {@link #runChunks} (one run of all chunks, or
 * waves) or {@link #runGroups} (one run whose workers claim the groups) cut it, {@link #runWave}
 * hands it to the team's threads for slots 1…n−1 and runs slot 0 itself ({@code work(r, 0)}), and
 * {@link #work} dispatches to {@link #chunk}, or through {@link #claimTasks} to
 * {@link #groupThroughChunks} (and the first layer's GEMM and tile tasks), which bind the chunk's
 * state and call the pass with the request's fields ({@code pass.blockProduct(r.theta, r.vs, …)};
 * or {@code backward}, {@code blockTangent}, {@code blockQuadratic}). Worker slot s runs chunks
 * s, s + T, … (T threads): in one team run when the chunks' results fit side by side, else in
 * waves, slot s of a wave running chunk wave + s (or, for large blocks of vectors, vector group
 * wave + s through all chunks).
 * The only place a request is read from anything but a parameter is {@link ChunkRequest#run}, where a
 * team thread receives it.
 *
 * <h2>Determinism</h2>
 * The chunk plan depends on the batch size and the settings only, vectors go in groups of a size
 * that depends on the model and the plan only, and slot results are added in chunk order: the
 * bits of every result are the same for any thread count. Steady-state runs allocate nothing
 * (buffers grow on demand and are kept).
 *
 * <p>Not thread-safe: the evaluator calls it under its lock, one request at a time.
 */
final class ChunkScheduler implements AutoCloseable {

    /** Chunks a batch is split into at least (when it has enough rows), whatever the thread count. */
    static final int MIN_CHUNKS = 8;
    /**
     * Dense materializations cut chunks this many times larger than products (4096 rows with the
     * default 256). They parallelize over vector groups, not chunks, so they want as few chunks as
     * memory allows: every chunk adds one pass over the k·P output block (the per-chunk results
     * are summed), which made the output traffic, not the GEMMs, the bottleneck with 256-row chunks.
     */
    static final int DENSE_CHUNK_FACTOR = 16;
    private final Mlp mlp;
    private final GroupSizes groupSizes;
    private final Dataset data;
    private final Kernels kernels;
    private final int p;
    private final int threads;
    private final int maxChunkRows;
    private final int minChunkRows;
    private final WorkerTeam team;
    private final WorkerRanges ranges;   // elementwise work over [0, n) on the team (sums, θ's scan)
    private final ChunkPass[] passes;
    private final FirstLayerTasks firstLayerTasks;   // the Kronecker form's GEMM and Gram tasks, scratch per worker
    private final ChunkStateCache states;            // the chunk states, kept between requests at the same (θ, batch)

    // Reusable workspaces (grown on demand; steady state allocates nothing).
    private final ChunkResults results;
    private double[] chunkSums = new double[0];
    private long[] chunkCounts = new long[0];
    private double[] quadOut = new double[0];

    /** The one request object, refilled by every run (preallocated: runs allocate nothing). */
    private final ChunkRequest request = new ChunkRequest(this::work);
    /** The largest product buffers checked against the heap so far ({@link #checkProductBuffers}). */
    private int checkedRows, checkedGroup;
    private boolean checkedThird;
    /** The most workers that ran at once during the current request (for tests of thread use). */
    private int widestWave;

    ChunkScheduler(Mlp mlp, Loss loss, Dataset data, Kernels kernels, Evaluator.Settings s) {
        this.mlp = mlp;
        this.groupSizes = new GroupSizes(mlp);
        this.data = data;
        this.kernels = kernels;
        this.p = mlp.numParameters();
        this.threads = s.threads();
        this.maxChunkRows = s.chunkRows();
        this.minChunkRows = s.minChunkRows();
        this.team = new WorkerTeam(threads);
        this.ranges = new WorkerRanges(team, threads);
        int rows = chunkRows(data.size());
        this.states = new ChunkStateCache(mlp, data, kernels, threads, s.cacheStates(), rows, chunkCount(data.size(), rows), ranges.scans);
        Linalg linalg = Linalg.get();
        this.passes = new ChunkPass[threads];
        for (int i = 0; i < threads; i++) passes[i] = new ChunkPass(mlp, loss, kernels, linalg, maxChunkRows);
        this.firstLayerTasks = new FirstLayerTasks(mlp, data, linalg, threads);
        this.results = new ChunkResults(threads, p, kernels, ranges);
    }

    /** The worker team, for the owner's cleaner: closing it ends the threads (they never reference the owner). */
    WorkerTeam team() {
        return team;
    }

    /**
     * Elementwise work over [0, n) on the workers ({@link Evaluator#ranges()} between requests,
     * inside a request a fused {@code then} task), and their counts of parallel runs (tests).
     */
    WorkerRanges ranges() {
        return ranges;
    }

    int threads() {
        return threads;
    }

    int maxChunkRows() {
        return maxChunkRows;
    }

    int minChunkRows() {
        return minChunkRows;
    }

    boolean caching() {
        return states.caching();
    }

    @Override
    public void close() {
        team.close();
    }

    /**
     * Refuses, on the calling thread before any worker grows its buffers, products whose buffers all
     * workers together cannot hold ({@link ChunkPass#blockDoubles}, and {@link ChunkThirdOrder#thirdDoubles}
     * for quadratic forms, for kg vectors over chunks of rows): a MemoryLimitException, not an
     * OutOfMemoryError on a worker. The evaluator's open counts none of them (gradient-only work
     * never allocates them). Checked again only when a request needs more than was checked.
     */
    private void checkProductBuffers(int rows, int kg, boolean third) {
        // the rows the passes size their buffers by: at least maxChunkRows, and what any request bound them to (they never shrink)
        int r = Math.max(rows, maxChunkRows);
        for (ChunkPass pass : passes) r = Math.max(r, pass.maxRows);
        if (r <= checkedRows && kg <= checkedGroup && (!third || checkedThird)) return;
        r = Math.max(r, checkedRows);
        int g = Math.max(kg, checkedGroup);
        boolean t = third || checkedThird;
        int[] d = mlp.widths();
        double perWorker = ChunkPass.blockDoubles(d, r, g) + (t ? ChunkThirdOrder.thirdDoubles(d, r, g) : 0);
        MemoryGuard.check(threads + " workers' buffers for products of " + g + " vector(s) over chunks of " + r + " rows (model "
                        + mlp.describe() + ")", ChunkPass.largestBlockArray(d, r, g), Double.BYTES * threads * perWorker,
                "Use fewer threads (Evaluator.Settings.withThreads; the CLI's --threads) or smaller chunks (Settings.withChunkRows; "
                        + "--chunk-rows), or raise -Xmx.");
        checkedRows = r;
        checkedGroup = g;
        checkedThird = t;
    }

    // ------------------------------------------------------------------ the chunk plan

    /** Rows per chunk for a batch of n samples (the cut described in {@link Evaluator}'s class comment). */
    int chunkRows(int n) {
        return Math.max(1, Math.min(maxChunkRows, Math.min(n, Math.max(minChunkRows, (n + MIN_CHUNKS - 1) / MIN_CHUNKS))));
    }

    /**
     * Rows per chunk of a dense materialization: {@link #DENSE_CHUNK_FACTOR} times the most rows
     * of a product chunk (fewer, larger chunks; see there), at most n. Depends on n and the
     * settings only, never on the thread count, so dense matrices are bit-identical for any
     * number of threads.
     */
    int denseChunkRows(int n) {
        return Math.max(1, Math.min(n, Math.max(chunkRows(n), (int) Math.min(Integer.MAX_VALUE, (long) DENSE_CHUNK_FACTOR * maxChunkRows))));
    }

    static int chunkCount(int n, int rows) {
        return (n + rows - 1) / rows;
    }

    /** The most workers that ran at once during the current (or last) request. */
    int widestWave() {
        return widestWave;
    }

    // ------------------------------------------------------------------ requests

    /**
     * Starts a request at (θ, batch): plans its chunks and keys the state cache
     * ({@link ChunkStateCache#begin}, which also tests θ's finiteness). {@code dense}: the request
     * materializes columns (the dense chunk plan and group budget).
     *
     * @return false when θ holds a NaN or an infinity: the request must not run
     */
    boolean begin(Batch batch, double[] theta, boolean dense) {
        int count = batch.size(data.size());
        int rows = dense ? denseChunkRows(count) : chunkRows(count);
        int chunks = chunkCount(count, rows);
        widestWave = 0;
        if (!states.begin(batch, theta, rows, chunks)) return false;
        request.plan(batch, count, rows, chunks, dense ? GroupSizes.DENSE_BUDGET : GroupSizes.PRODUCT_BUDGET, states.perChunk());
        if (chunkSums.length < chunks) chunkSums = new double[chunks];
        return true;
    }

    /** Ends the request: no reference to the caller's arrays survives it. */
    void end() {
        request.clear();
    }

    /** The current request's version of the chunk states ({@link ChunkStateCache#version()}). */
    long version() {
        return states.version();
    }

    /** Whether the current request started a new version ({@link ChunkStateCache#freshVersion()}). */
    boolean freshVersion() {
        return states.freshVersion();
    }

    /**
     * The data loss L (mean over the request's samples) at θ, and ∇L into grad when not null.
     * {@code aside}: θ is another point than the request's (a term's θ′, inside the request): the
     * run uses per-slot states of its own, so the states cached at the request's θ stay valid.
     */
    double loss(double[] theta, double[] grad, boolean aside) {
        return loss(theta, grad, aside, null);
    }

    /**
     * As {@link #loss(double[], double[], boolean)}, running {@code then} over every block of grad
     * once its entries are final, inside the sum's pass ({@link ChunkResults#sumSlots}).
     */
    double loss(double[] theta, double[] grad, boolean aside, Ranges.Task then) {
        if (aside) states.startAside();
        ChunkRequest r = request.set(grad == null ? Kind.LOSS : Kind.GRADIENT, theta, aside, null, null);
        runChunks(r, grad, grad == null ? 0 : p, then);
        return meanLoss(r);
    }

    /** Σ of the chunks' loss sums in chunk order (independent of the thread count) / count. */
    private double meanLoss(ChunkRequest r) {
        double s = 0;
        for (int c = 0; c < r.chunks; c++) s += chunkSums[c];
        return s / r.count;
    }

    /** out = Op·V for k vectors and a data part (DATA_HESSIAN, GGN or NME): the R-operator passes. */
    void product(Part part, double[] theta, double[] vs, double[] out, int k) {
        runProduct(part, theta, vs, -1, false, out, k);
    }

    /**
     * out = Op·[e_start … e_start+k−1] for a data part: the identity columns implicitly. With
     * {@code lowerOnly}, column q needs only its entries ≤ q (see {@link Evaluator#denseColumns}).
     */
    void unitProduct(Part part, double[] theta, int start, boolean lowerOnly, double[] out, int k) {
        runProduct(part, theta, null, start, lowerOnly, out, k);
    }

    private void runProduct(Part part, double[] theta, double[] vs, int unitBase, boolean lowerOnly, double[] out, int k) {
        ChunkRequest r = request;
        // Vectors go in groups of a fixed size (it depends on the model and the chunk rows only,
        // never on the thread count), so every vector's bits are the same however the work is spread.
        boolean single = k == 1 && unitBase < 0;
        int kg = single ? 1 : groupSizes.block(k, r.rows, r.groupBudget);
        checkProductBuffers(r.rows, kg, false);
        if (single) {
            runChunks(r.setProduct(Kind.SINGLE, theta, part, vs, -1, false, 1, 1, null), out, p);
            return;
        }
        int groups = (k + kg - 1) / kg;
        if (r.chunks == 1 || (groups >= threads && groups >= r.chunks)) {
            // Workers share chunk states in this mode: fill them first (each chunk by one worker),
            // so the group phase only reads them.
            if (r.chunkStates) runChunks(r.setProduct(Kind.WARM, theta, part, null, -1, false, 0, 1, null), null, 0);
            runGroups(r.setProduct(Kind.GROUPS, theta, part, vs, unitBase, lowerOnly, k, kg, out));
        } else {
            runChunks(r.setProduct(Kind.BLOCK, theta, part, vs, unitBase, lowerOnly, k, kg, null), out, k * p);
        }
    }

    /**
     * The first layer's per-sample curvature Q_s of a data part at θ (see
     * {@link ChunkPass#firstLayerCurvature}) for the request's samples into q (count × d_1 × d_1):
     * values per sample, never summed, so their bits do not depend on the thread count.
     */
    void firstLayerCurvature(Part part, double[] theta, double[] q) {
        ChunkRequest r = request;
        int units = mlp.width(1);
        int kg = groupSizes.block(units, r.rows, r.groupBudget);
        checkProductBuffers(r.rows, kg, false);
        runChunks(r.setProduct(Kind.FIRST_LAYER_CURVATURE, theta, part, null, -1, false, units, kg, q), null, 0);
    }

    /**
     * Columns start … start+k−1 of a data part's matrix, every one a weight of the first layer, as
     * lower triangles from the part's Q_s ({@link #firstLayerCurvature}): the GEMMs that
     * {@link FirstLayerTasks#planColumns} lays out, into out[outOff + j·P …], each one task, all of
     * it on one worker, its sum over the chunks in chunk order: the same bits for any thread
     * count. All the range's GEMMs are one run of tasks, so that a range of many units keeps every
     * worker busy to its end.
     */
    void firstLayerColumns(double[] q, int start, int k, double[] out, int outOff) {
        int tasks = firstLayerTasks.planColumns(start, k, outOff);
        runTasks(request.setAll(Kind.FIRST_LAYER_ROWS, null, false, q, tasks, 1, -1, true, false, false, false, false, out), tasks);
    }

    /**
     * ‖Σ_s Q_s ⊗ x_s x_sᵀ‖_F² = Σ_{s,t} ⟨Q_s, Q_t⟩ (x_sᵀx_t)² for the request's samples (contiguous,
     * all of them) and their Q_s in q: one task per Gram tile ({@link FirstLayerTasks#planGram}),
     * the tiles' sums added in tile order.
     */
    double firstLayerFrobeniusSquared(double[] q) {
        ChunkRequest r = request;
        int tasks = firstLayerTasks.planGram(r.count);
        runTasks(r.setAll(Kind.FIRST_LAYER_GRAM, null, false, q, tasks, 1, -1, false, false, false, false, false, null), tasks);
        return firstLayerTasks.gramSum(r.count);
    }

    /** Task {@code task} of a {@link Kind#FIRST_LAYER_GRAM} run: one tile's sum. */
    private void firstLayerGramTask(ChunkRequest r, int task, int slot) {
        if (r.index != null || r.first != 0) throw new IllegalStateException("the first layer's Gram tiles need all samples");
        firstLayerTasks.gramTask(task, slot, r.vs, r.count);
    }

    /** Task {@code task} of a {@link Kind#FIRST_LAYER_ROWS} run: its GEMM summed over the chunks in order. */
    private void firstLayerTask(ChunkRequest r, int task, int slot) {
        if (r.index != null) throw new IllegalStateException("the first layer's Kronecker form needs contiguous samples");
        firstLayerTasks.columnsTask(task, slot, r.vs, r.first, r.count, r.rows, r.chunks, r.out);
    }

    /**
     * The quadratic forms v_jᵀ Op v_j of ∇²L ({@code hessian}) or G for k vectors into forms, and
     * their summed gradient into grad when not null (see {@link Evaluator#quadraticForms}).
     */
    void quadraticForms(boolean hessian, double[] theta, double[] vs, int k, double[] forms, double[] grad) {
        int len = k + (grad == null ? 0 : p);
        if (quadOut.length < len) quadOut = new double[len];
        ChunkRequest r = request;
        int kg = groupSizes.third(k, r.rows);
        checkProductBuffers(r.rows, kg, true);
        runChunks(r.setQuadratic(theta, hessian, vs, k, kg, grad != null), quadOut, len);
        System.arraycopy(quadOut, 0, forms, 0, k);
        if (grad != null) System.arraycopy(quadOut, k, grad, 0, p);
    }

    /** Network outputs for the request's samples into out (count × C row-major). */
    void outputs(double[] theta, double[] out) {
        runChunks(request.set(Kind.OUTPUTS, theta, false, null, out), null, 0);
    }

    /** Per-sample losses for the request's samples into out (not divided by the count). */
    void losses(double[] theta, double[] out) {
        runChunks(request.set(Kind.LOSSES, theta, false, null, out), null, 0);
    }

    /** J·v for the request's samples into out (count × C row-major). */
    void jvp(double[] theta, double[] v, double[] out) {
        checkProductBuffers(request.rows, 1, false);   // its tangent pass grows a single product's buffers
        runChunks(request.set(Kind.JVP, theta, false, v, out), null, 0);
    }

    /** Jᵀ·u = Σ_n J_nᵀ u_n into out (length P). */
    void vjp(double[] theta, double[] u, double[] out) {
        runChunks(request.set(Kind.VJP, theta, false, u, null), out, p);
    }

    /** The data loss and the number of correct argmax predictions over the request's samples. */
    Evaluator.Classification classification(double[] theta) {
        ChunkRequest r = request.set(Kind.CLASSIFY, theta, false, null, null);
        ensureCounts(r.chunks);
        runChunks(r, null, 0);
        long correct = 0;
        for (int c = 0; c < r.chunks; c++) correct += chunkCounts[c];
        return new Evaluator.Classification(meanLoss(r), correct, r.count);
    }

    /** Per hidden layer, the pre-activations with σ″ ≠ 0 over the request's samples (see {@link Evaluator#secondDerivativeSupport}). */
    Evaluator.SecondDerivativeSupport secondDerivativeSupport(double[] theta) {
        ChunkRequest r = request.set(Kind.SECOND_SUPPORT, theta, false, null, null);
        int hidden = mlp.layers() - 1;
        ensureCounts(r.chunks * Math.max(1, hidden));
        runChunks(r, null, 0);
        long[] nonzero = new long[hidden], entries = new long[hidden];
        for (int l = 0; l < hidden; l++) {
            for (int c = 0; c < r.chunks; c++) nonzero[l] += chunkCounts[c * hidden + l];
            entries[l] = (long) r.count * mlp.width(l + 1);
        }
        return new Evaluator.SecondDerivativeSupport(nonzero, entries);
    }

    private void ensureCounts(int n) {
        if (chunkCounts.length < n) chunkCounts = new long[n];
    }

    // ------------------------------------------------------------------ running a request

    /**
     * Chunk results of one request that may be kept side by side ({@link #runChunks}): 8 MiB. Above
     * it (large P, or k vectors at a time) the chunks run in waves, whose hand-offs are then a small
     * part of the work.
     */
    static final long ONE_RUN_DOUBLES = 1L << 20;
    /** {@link #ONE_RUN_DOUBLES}, lowered by tests to compare the two schedules. */
    long oneRunDoubles = ONE_RUN_DOUBLES;
    /** Requests whose chunks ran in one team run so far (tests). */
    long oneRuns;

    /**
     * Runs a request over all chunks; chunk c runs on worker slot c mod threads. When {@code out}
     * is not null, each chunk's len values are summed into out in chunk order (out = c₀, then += c₁,
     * c₂, …), so the result does not depend on the thread count.
     *
     * <p>With more than one worker, one team run does all chunks when their results fit side by
     * side ({@link #ONE_RUN_DOUBLES}, or when nothing is summed); otherwise waves of {@code threads}
     * chunks, each summed from the workers' slots before the next (over ranges on all workers when
     * long, see {@link WorkerRanges#PARALLEL_REDUCTION}). Both add the same values in the same order: the same bits.
     * The single run saves a hand-off and a sum per wave, which small models feel: the
     * gradient of 20-50-50-1 (N = 1000, 8 chunks, 2 threads) ran 4 waves of 0.2 ms.
     */
    private void runChunks(ChunkRequest r, double[] out, int len) {
        runChunks(r, out, len, null);
    }

    /** As {@link #runChunks(ChunkRequest, double[], int)}; {@code then} runs over out's blocks inside the final sum (out not null). */
    private void runChunks(ChunkRequest r, double[] out, int len, Ranges.Task then) {
        if (threads > 1 && r.chunks > threads && (out == null || (long) r.chunks * len <= oneRunDoubles)) {
            if (out != null) results.ensureChunks(r.chunks, len);
            oneRuns++;
            r.allChunks = true;
            try {
                runWave(r, threads);
            } finally {
                r.allChunks = false;
            }
            if (out != null) results.sumChunks(r.chunks, out, len, then);
            return;
        }
        if (out != null) results.ensureSlots(len, len, " values");
        boolean first = true;
        for (int wave = 0; wave < r.chunks; wave += threads) {
            int n = Math.min(threads, r.chunks - wave);
            r.wave = wave;
            runWave(r, n);
            if (out == null) continue;
            results.sumSlots(n, out, len, first, wave + threads >= r.chunks ? then : null);
            first = false;
        }
    }

    /**
     * Runs vector groups in parallel ({@link #runTasks}); each group goes through all chunks
     * in order on one worker, summing chunk results into r.out in chunk order (the same order and
     * arithmetic as {@link #runChunks}, so both give identical bits).
     */
    private void runGroups(ChunkRequest r) {
        results.ensureSlots(r.kg * p, r.kg, " vectors");
        runTasks(r, (r.k + r.kg - 1) / r.kg);
    }

    /**
     * Tasks 0..tasks−1 of a request (groups, GEMMs, tiles: each whole on one worker) in one team
     * run: each worker claims the next task as soon as it is free. Every task writes outputs of its
     * own (columns, a GEMM's block, a tile's sum) with the worker's scratch only, so which worker ran
     * it changes no bit. Claiming beats waves of {@code threads} tasks, which waited at every wave
     * for the slower task (equal GEMMs take unequal times on a shared machine): the Kronecker GEMMs
     * of the Morse check at P = 9550 took 1.40–1.67 s against 1.59–1.91 in waves (bench/RESULTS.md).
     */
    private void runTasks(ChunkRequest r, int tasks) {
        if (tasks == 0) return;
        r.tasks = tasks;
        r.nextTask.set(0);
        runWave(r, Math.min(threads, tasks));
    }

    /**
     * Slot {@code slot}'s share of a task run: the tasks it claims. A failing task ends the claiming
     * for every slot (the run's failure is rethrown by the join; the tasks left would be wasted).
     */
    private void claimTasks(ChunkRequest r, int slot) {
        try {
            for (int t; (t = r.nextTask.getAndIncrement()) < r.tasks; ) {
                switch (r.kind) {
                    case GROUPS -> groupThroughChunks(r, t, slot);
                    case FIRST_LAYER_ROWS -> firstLayerTask(r, t, slot);
                    case FIRST_LAYER_GRAM -> firstLayerGramTask(r, t, slot);
                    default -> throw new IllegalStateException(r.kind + " runs per chunk, not as tasks");
                }
            }
        } catch (RuntimeException | Error e) {
            r.nextTask.set(r.tasks);
            throw e;
        }
    }

    /** Whether the current thread is one of the team's workers. */
    boolean onWorker() {
        return team.isWorker();
    }

    /** Slots 0..n−1 of one wave: 1..n−1 on the team's threads, slot 0 on the calling thread. */
    private void runWave(ChunkRequest r, int n) {
        widestWave = Math.max(widestWave, n);
        team.run(r, n);
    }

    /** Slot {@code slot}'s share of the run: its chunk of the wave in flight, all its chunks (allChunks), or the tasks it claims (groups, first-layer GEMMs and tiles). */
    private void work(ChunkRequest r, int slot) {
        if (r.kind == Kind.GROUPS || r.kind == Kind.FIRST_LAYER_ROWS || r.kind == Kind.FIRST_LAYER_GRAM) claimTasks(r, slot);
        else if (r.allChunks) for (int c = slot; c < r.chunks; c += threads) chunk(r, c, slot);
        else chunk(r, r.wave + slot, slot);
    }

    /**
     * The largest output index a group of unit columns j0 … j0+n−1 needs when only the lower
     * triangle is asked for (the group's last column), else −1 (all).
     */
    private static int outLimit(ChunkRequest r, int j0, int n) {
        return r.lowerOnly && r.unitBase >= 0 ? r.unitBase + j0 + n - 1 : -1;
    }

    /** Group {@code group} of the request's vectors through all chunks, on worker {@code slot}. */
    private void groupThroughChunks(ChunkRequest r, int group, int slot) {
        int j0 = group * r.kg;
        int n = Math.min(r.kg, r.k - j0);
        int len = n * p;
        ChunkPass pass = passes[slot];
        double[] buf = results.slot(slot);
        for (int chunk = 0; chunk < r.chunks; chunk++) {
            states.bind(r, pass, slot, chunk, r.nme, r.nme);
            int limit = outLimit(r, j0, n);
            if (r.chunks == 1) {   // one chunk: the result goes straight to its place (same bits as a copy)
                pass.blockProduct(r.theta, r.vs, r.unitBase, j0, n, p, r.scale, r.ggn, r.nme, r.out, j0 * p, limit);
                continue;
            }
            pass.blockProduct(r.theta, r.vs, r.unitBase, j0, n, p, r.scale, r.ggn, r.nme, buf, 0, limit);
            if (chunk == 0) System.arraycopy(buf, 0, r.out, j0 * p, len);
            else kernels.axpy(len, 1.0, buf, 0, r.out, j0 * p);
        }
    }

    /** Chunk {@code chunk} of the request on worker {@code slot}. */
    private void chunk(ChunkRequest r, int chunk, int slot) {
        ChunkPass pass = passes[slot];
        int pos = chunk * r.rows;
        switch (r.kind) {
            case LOSS -> chunkSums[chunk] = states.bind(r, pass, slot, chunk, false, false).lossSum;
            case GRADIENT -> {
                ChunkState st = states.bind(r, pass, slot, chunk, false, false);
                chunkSums[chunk] = st.lossSum;
                pass.backward(r.theta, results.of(r.allChunks, chunk, slot));   // the gradient, and the signals on the way
                st.signals = true;
            }
            case SINGLE -> {
                states.bind(r, pass, slot, chunk, r.nme, r.nme);
                pass.blockProduct(r.theta, r.vs, -1, 0, 1, p, r.scale, r.ggn, r.nme, results.of(r.allChunks, chunk, slot), 0);
            }
            case BLOCK -> {
                states.bind(r, pass, slot, chunk, r.nme, r.nme);
                for (int j0 = 0; j0 < r.k; j0 += r.kg) {
                    int n = Math.min(r.kg, r.k - j0);
                    pass.blockProduct(r.theta, r.vs, r.unitBase, j0, n, p, r.scale, r.ggn, r.nme, results.of(r.allChunks, chunk, slot), j0 * p, outLimit(r, j0, n));
                }
            }
            case GROUPS -> throw new IllegalStateException("vector groups run through groupThroughChunks, not per chunk");
            case FIRST_LAYER_ROWS, FIRST_LAYER_GRAM -> throw new IllegalStateException("first-layer tasks run through their own task methods, not per chunk");
            case FIRST_LAYER_CURVATURE -> {
                states.bind(r, pass, slot, chunk, r.nme, r.nme);
                int dd = mlp.width(1) * mlp.width(1);
                for (int j0 = 0; j0 < r.k; j0 += r.kg) {
                    pass.firstLayerCurvature(r.theta, j0, Math.min(r.kg, r.k - j0), r.scale, r.ggn, r.nme, r.out, pos * dd);
                }
            }
            case WARM -> states.bind(r, pass, slot, chunk, r.nme, r.nme);
            case OUTPUTS -> {
                states.bind(r, pass, slot, chunk, false, false);
                int c = mlp.outputDim();
                System.arraycopy(pass.output(), 0, r.out, pos * c, pass.rows() * c);
            }
            case LOSSES -> {
                states.bind(r, pass, slot, chunk, false, false);
                // Recomputes Gr_L with the same scale: identical bits, the state stays valid.
                pass.lossAndTopSignal(data, r.index, r.index == null ? r.first + pos : pos, r.scale, r.out, pos);
            }
            case JVP -> {
                states.bind(r, pass, slot, chunk, false, false);
                pass.blockTangent(r.theta, r.vs, -1, 0, 1, p);
                int c = mlp.outputDim();
                System.arraycopy(pass.blockTangentOutput(), 0, r.out, pos * c, pass.rows() * c);
            }
            case QUADRATIC -> {
                states.bind(r, pass, slot, chunk, true, r.hessianForms && r.formsGradient);
                double[] buf = results.of(r.allChunks, chunk, slot);
                if (r.formsGradient) Arrays.fill(buf, r.k, r.k + p, 0.0);
                for (int j0 = 0; j0 < r.k; j0 += r.kg) {
                    pass.blockQuadratic(r.theta, r.vs, j0, Math.min(r.kg, r.k - j0), p, r.scale, r.hessianForms,
                            buf, j0, r.formsGradient ? buf : null, r.k);
                }
            }
            case CLASSIFY -> {
                chunkSums[chunk] = states.bind(r, pass, slot, chunk, false, false).lossSum;
                chunkCounts[chunk] = pass.correctPredictions(data, r.index, r.index == null ? r.first + pos : pos);
            }
            case SECOND_SUPPORT -> {
                states.bind(r, pass, slot, chunk, true, false);
                pass.countNonzeroSecondDerivative(chunkCounts, chunk * (mlp.layers() - 1));
            }
            case VJP -> {
                ChunkState st = states.bind(r, pass, slot, chunk, false, false);
                pass.setTopSignal(r.vs, pos, 1.0);
                pass.backward(r.theta, results.of(r.allChunks, chunk, slot));
                st.invalidate();   // Gr_l now belong to u, not to the loss
            }
        }
    }
}
