package dev.morse.engine;

import static dev.morse.engine.RequestChecks.checkDataPart;
import static dev.morse.engine.RequestChecks.checkDistinct;
import static dev.morse.engine.RequestChecks.checkFinite;
import static dev.morse.engine.RequestChecks.checkOut;
import static dev.morse.engine.RequestChecks.checkVector;

import dev.morse.linalg.DenseMatrices;
import dev.morse.linalg.MemoryGuard;
import dev.morse.linalg.NativeThreads;
import dev.morse.linalg.Progress;
import dev.morse.simd.KernelProvider;
import dev.morse.simd.Kernels;
import dev.morse.simd.Ranges;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Computes a {@link Problem}: losses, gradients and exact curvature products (SPEC §2, §4, §5),
 * in float64. Long-lived and closeable: it owns the worker threads, each worker's
 * {@link ChunkPass} buffers, the cache of chunk states at the last θ, and the native thread
 * budget for dense work ({@link #nativeScope()}). Open one per problem (or per executor thread),
 * reuse it for many requests, close it when done.
 *
 * <h2>How a request reaches {@link ChunkPass}</h2>
 * <ol>
 *   <li>A public method ({@link #apply}, {@link #lossAndGradient}, …) validates its arguments
 *       ({@link RequestChecks}), takes the evaluator's lock (requests are serialized: the evaluator
 *       is thread-safe, one request at a time) and starts the request at (θ, {@link Batch}) in its
 *       {@link ChunkScheduler}, which plans the chunks (rows per chunk, number of chunks) and keys
 *       the chunk-state cache on θ's bits and the batch: a request at the same point reuses the
 *       forward and backward passes of the previous one.
 *   <li>The method passes its arguments on as parameters (e.g. {@code apply} →
 *       {@link Objective#apply} → {@code dataProduct} → {@code ChunkScheduler.product(part, θ, V,
 *       out, k)}); the scheduler hands the request down to the workers and the pass, the calling
 *       thread running worker slot 0 and the {@link WorkerTeam}'s threads the others (its class
 *       comment follows the call chain to {@code pass.blockProduct}).
 *   <li>Each chunk binds its {@link ChunkState} to the worker's {@link ChunkPass} (forward pass
 *       if the state is stale) and calls the pass; the chunk's sum lands in its own buffer (one
 *       run) or the worker's slot buffer (waves).
 *   <li>These buffers are added into the result <b>in chunk order</b>, then the {@link Term}s add
 *       their parts ({@link Objective}). The reduction order never depends on the number of
 *       threads, so results are bit-identical for any thread count.
 * </ol>
 * A term may make requests of its own inside a request ({@link Term.Context}, here a
 * {@link RequestContext}): data products and quadratic forms at the request's θ (they reuse its
 * chunk states), and the data loss and gradient at another point θ′ (SAM's ascent point, weight
 * noise), which run "aside" on per-slot states of their own so that the states, data loss and
 * gradient cached for θ stay valid.
 *
 * <h2>Samples and threads</h2>
 * A batch of n samples is cut into chunks of {@code min(chunkRows, max(minChunkRows, ⌈n/8⌉))}
 * rows (minChunkRows = 64 by default): at least 8 chunks once n ≥ 8·minChunkRows (so small data
 * sets still use every core), at most {@code chunkRows} rows each (memory per worker). The cut
 * depends on n and the settings only, never on the thread count. Losses and products over a batch
 * are sample-weighted means.
 *
 * <p>Vectors of length P follow θ's layout (SPEC §1). Block products take k vectors stored one
 * after another (V[j·P + i] is entry i of vector j). Steady-state products allocate nothing.
 * A single product ({@link #hvp}, {@link #ggnVp}, …, {@link #jvp}'s v, {@link #vjp}'s out) takes v and out
 * of length exactly P, and so does a gradient ({@link #lossAndGradient}, {@link #dataLossAndGradient},
 * {@link #quadraticForms}'s): a longer array would keep a tail the request never wrote. A block
 * product ({@link #apply}) takes arrays of at least k·P entries. No request runs in place: an output
 * array (a product's out or OUT, a gradient, {@link #quadraticForms}'s forms and grad, {@link #jvp}'s
 * and {@link #vjp}'s out, {@link #denseColumns}'s and {@link #firstLayerDiagonal}'s out) may not be
 * θ's array nor that of any input vector of the same call (v, V, u), and quadraticForms' forms and
 * grad are two arrays; such an alias is refused with an {@link IllegalArgumentException} (it used
 * to give wrong numbers). Inputs may alias each other: v == θ is a product at θ in direction θ.
 *
 * <p>Values, gradients and products are IEEE float64 and not checked for finiteness: where the
 * loss or its derivatives overflow at θ (very large weights or coefficients) they come back as
 * infinities or NaN, as training's divergence test expects ({@code dev.morse.training}). The
 * analyses refuse such results instead: {@code MorseReport.at} checks L_R and ∇L_R at θ, and
 * Lanczos, SLQ and the trace estimators check every product.
 *
 * <p>Requests are serialized: a term, or any code that blocks a request until another thread
 * has called the same evaluator, deadlocks. Open one evaluator per thread that needs concurrent
 * requests.
 */
public final class Evaluator implements AutoCloseable {

    /**
     * Engine settings: worker threads (default: all cores; results are bit-identical for any
     * value), the maximum rows per chunk (default 256; memory per worker grows with it), whether
     * chunk states are kept between requests at the same θ (default on; used only when they take
     * at most a quarter of the heap and 1 GiB), and the smallest chunk the planner cuts when it
     * splits a batch for the workers (default {@value #MIN_CHUNK_ROWS}).
     *
     * <p>The smallest chunk trades parallelism for GEMM efficiency: each chunk multiplies its rows
     * by every weight matrix (OpenBLAS packs the whole matrix per call) and adds a P-long partial
     * gradient to the reduction. A minibatch of 128 rows is cut into 4 chunks of 32 by default; on
     * two cores 2 chunks of 64 run markedly faster (one wave, half the packing), which is why
     * training raises it (see {@code dev.morse.training}). Like chunkRows it changes the chunk
     * plan, hence the last bits of sums; the thread count never does.
     */
    public record Settings(int threads, int chunkRows, boolean cacheStates, int minChunkRows) {
        public Settings {
            if (threads <= 0) throw new IllegalArgumentException("threads must be positive, got " + threads);
            if (threads > 0xFFFF) throw new IllegalArgumentException("threads must be at most 65535, got " + threads);
            if (chunkRows <= 0) throw new IllegalArgumentException("chunk rows must be positive, got " + chunkRows);
            if (minChunkRows <= 0) throw new IllegalArgumentException("minimum chunk rows must be positive, got " + minChunkRows);
        }

        /** Settings with the default smallest chunk ({@value #MIN_CHUNK_ROWS} rows). */
        public Settings(int threads, int chunkRows, boolean cacheStates) {
            this(threads, chunkRows, cacheStates, MIN_CHUNK_ROWS);
        }

        public static Settings defaults() {
            return new Settings(Runtime.getRuntime().availableProcessors(), 256, true);
        }

        public Settings withThreads(int n) {
            return new Settings(n, chunkRows, cacheStates, minChunkRows);
        }

        public Settings withChunkRows(int rows) {
            return new Settings(threads, rows, cacheStates, minChunkRows);
        }

        public Settings withCacheStates(boolean on) {
            return new Settings(threads, chunkRows, on, minChunkRows);
        }

        public Settings withMinChunkRows(int rows) {
            return new Settings(threads, chunkRows, cacheStates, rows);
        }
    }

    /**
     * Default smallest chunk the planner cuts when splitting a small batch across workers. 64, not
     * 32: every chunk adds a pass over P-long partial results and shrinks the GEMMs, and at
     * 100-100-100-10 with N = 256 the gradient measured 0.95 ms in 8 chunks of 32 rows against
     * 0.77 ms in 4 of 64 (0.82 ms in 2 of 128, 1.40 ms in one on one thread; 2 threads, quiet
     * Xeon), which made small-model gradients 9–16 % slower than before the redesign.
     */
    public static final int MIN_CHUNK_ROWS = 64;
    private final Problem problem;
    private final Mlp mlp;
    private final Dataset data;
    private final int p;
    private final ChunkScheduler scheduler;
    private final RequestChecks checks;
    private final ReentrantLock lock = new ReentrantLock();
    private volatile boolean closed;
    private static final java.lang.ref.Cleaner CLEANER = java.lang.ref.Cleaner.create();

    private final RequestContext ctx;               // the current request, as the terms see it
    private final Objective objective;              // L_R: the data part's passes and the terms
    private final FirstLayerCurvature firstLayer;   // the Q_s of the Kronecker form, kept per part at their θ
    private final DenseColumns columns;             // the columns of dense matrices

    private Evaluator(Problem problem, Settings s) {
        this.problem = problem;
        this.mlp = problem.model();
        this.data = problem.data();
        this.p = mlp.numParameters();
        this.checks = new RequestChecks(mlp);
        // One owner for the cores: our workers, not OpenBLAS's pool on top of them.
        NativeThreads.init();
        Kernels kernels = KernelProvider.get();
        this.scheduler = new ChunkScheduler(mlp, problem.loss(), data, kernels, s);
        this.ctx = new RequestContext(mlp, scheduler);
        this.objective = new Objective(problem, scheduler, ctx);
        this.firstLayer = new FirstLayerCurvature(scheduler, mlp, data, kernels);
        this.columns = new DenseColumns(mlp, scheduler, firstLayer, objective.hasTerms(), problem.termsHessianDiagonal(),
                (vs, out, k) -> objective.apply(Part.REGULARIZER, vs, out, k), (vs, out, k) -> objective.addTerms(vs, out, k, true));
        // The team's threads end when this evaluator is closed, or becomes unreachable (they never reference it).
        CLEANER.register(this, scheduler.team()::close);
    }

    /** Opens an evaluator with the default {@link Settings}. */
    public static Evaluator open(Problem problem) {
        return open(problem, Settings.defaults());
    }

    /**
     * Opens an evaluator with the given settings.
     *
     * @throws dev.morse.linalg.MemoryLimitException before anything is allocated, when the buffers
     *         the evaluator needs ({@link #bytesNeeded}) do not fit in the heap: the message gives
     *         the estimate, the heap, and the advice (fewer threads, smaller chunks, a larger -Xmx)
     */
    public static Evaluator open(Problem problem, Settings settings) {
        if (problem == null || settings == null) throw new IllegalArgumentException("problem and settings are required");
        checkMemory(problem, settings);
        return new Evaluator(problem, settings);
    }

    /**
     * Bytes an evaluator holds once open and through a gradient, from P, the widths and the
     * settings. Per worker: its slot of P doubles for chunk results ({@link ChunkResults}) and a
     * chunk state ({@link ChunkState#doubles} for the rows of a chunk). Shared: the data gradient
     * ({@link RequestContext}), θ's key for the chunk-state cache ({@link ThetaKey}) and the terms'
     * Hessian diagonal ({@link Problem#termsHessianDiagonal}), P doubles each. Not counted: what
     * the caller holds (θ, outputs), the cached chunk states (at most a quarter of the heap, by
     * {@link ChunkStateCache}'s rule) and the products' buffers, which gradient-only work (training
     * without a curvature penalty, gd and L-BFGS) never allocates: they are checked
     * for all workers before any grows (ChunkScheduler.checkProductBuffers, {@link ChunkResults}).
     */
    static double bytesNeeded(Problem problem, Settings s) {
        Mlp mlp = problem.model();
        int[] d = mlp.widths();
        double p = mlp.numParameters();
        int rows = rowsPerChunk(problem, s);
        double perWorker = p + ChunkState.doubles(d, rows);
        return Double.BYTES * (s.threads() * perWorker + 3 * p);
    }

    /** The rows of a chunk that {@link #bytesNeeded} counts (and the refusal names). */
    private static int rowsPerChunk(Problem problem, Settings s) {
        return Math.max(1, Math.min(s.chunkRows(), problem.size()));
    }

    /** Refuses to open an evaluator whose buffers ({@link #bytesNeeded}) cannot fit in the heap. */
    private static void checkMemory(Problem problem, Settings s) {
        Mlp mlp = problem.model();
        int rows = rowsPerChunk(problem, s);
        MemoryGuard.check("an evaluator for model " + mlp.describe() + " (P = " + mlp.numParameters() + "; " + s.threads() + " workers, each with P doubles "
                + "of chunk results and a chunk's state for " + rows + " rows, and 3 shared vectors of P)",
                mlp.numParameters(), bytesNeeded(problem, s),
                "Open it with fewer threads (Evaluator.Settings.withThreads; the CLI's --threads) or smaller chunks "
                        + "(Settings.withChunkRows), or raise -Xmx.");
    }

    public Problem problem() {
        return problem;
    }

    /** P, the number of parameters. */
    public int dim() {
        return p;
    }

    /** Worker threads (the team's size). */
    public int threads() {
        return scheduler.threads();
    }

    /** Maximum rows per chunk. */
    public int chunkRows() {
        return scheduler.maxChunkRows();
    }

    /** True when chunk states are kept between requests at the same θ (see {@link Settings}). */
    public boolean cachesStates() {
        return scheduler.caching();
    }

    /** Smallest chunk the planner cuts (see {@link Settings}). */
    public int minChunkRows() {
        return scheduler.minChunkRows();
    }

    /** Rows per chunk for a batch of n samples (the cut described in the class comment). */
    public int chunkRows(int n) {
        return scheduler.chunkRows(n);
    }

    /** The most workers that ran at once during the last request. */
    int widestWaveOfLastRequest() {
        return scheduler.widestWave();
    }

    /** Range runs (chunk sums, {@link #ranges()}) on all workers so far, θ's scans apart (tests). */
    long parallelRanges() {
        return scheduler.ranges().parallelRanges;
    }

    /** θ's scans ({@link ThetaKey}) on all workers so far (tests). */
    long parallelScans() {
        return scheduler.ranges().parallelScans;
    }

    /** Requests whose chunks ran in one team run so far, not in waves (tests). */
    long oneRuns() {
        return scheduler.oneRuns;
    }

    /** Sets the most doubles of chunk results kept side by side for one team run; 0 forces waves (tests). */
    void oneRunBudget(long doubles) {
        scheduler.oneRunDoubles = doubles;
    }

    /** Chunks the whole data set is cut into. */
    public int chunks() {
        int n = data.size();
        return ChunkScheduler.chunkCount(n, chunkRows(n));
    }

    /**
     * A scope for this evaluator's dense LAPACK work (eigendecompositions, factorizations): raises
     * OpenBLAS to this evaluator's thread count for its duration (see {@link NativeThreads}).
     */
    public NativeThreads.Scope nativeScope() {
        return NativeThreads.dense(scheduler.threads());
    }

    /**
     * Elementwise work on this evaluator's workers between its requests, e.g. an optimizer step
     * over θ ({@link Ranges}): [0, n) cut into one range per worker (one range on the calling
     * thread below 2^15 entries). Every entry is in one range, so the bits are those of
     * {@link Ranges#SERIAL}. Requests and range work are serialized by the evaluator's lock; a task
     * must not call this evaluator. Allocates nothing per call.
     */
    public Ranges ranges() {
        return ranges;
    }

    private final Ranges ranges = this::runRanges;

    private void runRanges(int n, Ranges.Task task) {
        if (n < 0) throw new IllegalArgumentException("range length " + n + " is negative");
        // The lock is reentrant: a task on the calling thread that called back would start the
        // team while it runs (the other workers are not guarded by the lock at all).
        if (lock.isHeldByCurrentThread() || scheduler.onWorker()) {
            throw new IllegalStateException("a range task or a request must not run range work on its own evaluator");
        }
        lock.lock();
        try {
            if (closed) throw new IllegalStateException("evaluator is closed");
            scheduler.ranges().run(n, task);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void close() {
        if (lock.isHeldByCurrentThread() || scheduler.onWorker()) {
            throw new IllegalStateException("an evaluator must not be closed from inside one of its own requests");
        }
        lock.lock();
        try {
            closed = true;
            scheduler.close();
        } finally {
            lock.unlock();
        }
    }

    // ------------------------------------------------------------------ values and gradients

    /** L_R(θ): data loss plus the terms (SPEC §2, §4, §11; without L when a term replaces it). */
    public double loss(double[] theta) {
        return loss(Batch.all(), theta);
    }

    public double loss(Batch batch, double[] theta) {
        return value(batch, theta, true);
    }

    /** L(θ) = (1/N) Σ ℓ_n, without the terms. */
    public double dataLoss(double[] theta) {
        return dataLoss(Batch.all(), theta);
    }

    public double dataLoss(Batch batch, double[] theta) {
        return value(batch, theta, false);
    }

    /** L_R ({@code withTerms}) or L at θ over the batch: the one implementation of {@link #loss} and {@link #dataLoss}. */
    private double value(Batch batch, double[] theta, boolean withTerms) {
        enter(batch, theta);
        try {
            return objective.value(withTerms);
        } finally {
            exit();
        }
    }

    /**
     * The value of each term of the objective at θ over the batch, in the problem's order
     * ({@link Problem#terms()}): L_R = L + Σ of these, or Σ of these when a term replaces L
     * ({@link Problem#replacesDataLoss()}; its value is then that whole data part). Penalties that
     * draw probes or noise draw the same ones as {@link #lossAndGradient} with the same batch (and seed).
     */
    public double[] termValues(Batch batch, double[] theta) {
        enter(batch, theta);
        try {
            return objective.termValues();
        } finally {
            exit();
        }
    }

    /** Writes ∇L_R(θ) into grad (length exactly P) and returns L_R(θ). */
    public double lossAndGradient(double[] theta, double[] grad) {
        return lossAndGradient(Batch.all(), theta, grad);
    }

    public double lossAndGradient(Batch batch, double[] theta, double[] grad) {
        return valueAndGradient(batch, theta, grad, true, null);
    }

    /**
     * As {@link #lossAndGradient(Batch, double[], double[])}, then runs {@code then} over [0, P),
     * each entry once, range by range on the evaluator's workers, every range once grad's entries
     * in it are final: an optimizer's update ({@code Optimizer.startStep}) fused into the
     * gradient's last pass. Without terms the ranges are the blocks of the chunks' sum, run while
     * they are in cache (a minibatch step then reads the gradient and the new θ from L1 rather than
     * memory); with terms, or at the (θ, batch) of the previous request, one range pass after the
     * gradient. {@code then} may write θ (every use of θ by the request is over when it runs). It
     * must not call this evaluator: requests and {@link #ranges()} are refused with an
     * {@link IllegalStateException}, and the other methods that take the evaluator's lock
     * ({@link #dataLossOfLastRequest()}, {@link #close()}) would wait for the request to end, i.e.
     * forever. The bits of grad are those of {@link #lossAndGradient(Batch, double[], double[])}; so
     * are those of what {@code then} writes when each entry it writes depends on the same entries of
     * its inputs alone (an optimizer's update), as the ranges' cut differs between the two paths.
     */
    public double lossAndGradient(Batch batch, double[] theta, double[] grad, Ranges.Task then) {
        if (then == null) throw new IllegalArgumentException("then is null");
        return valueAndGradient(batch, theta, grad, true, then);
    }

    /** Writes ∇L(θ) (data term only) into grad and returns L(θ). */
    public double dataLossAndGradient(double[] theta, double[] grad) {
        return dataLossAndGradient(Batch.all(), theta, grad);
    }

    public double dataLossAndGradient(Batch batch, double[] theta, double[] grad) {
        return valueAndGradient(batch, theta, grad, false, null);
    }

    /**
     * L_R ({@code withTerms}) or L at θ over the batch, its gradient into grad: the one
     * implementation of {@link #lossAndGradient} and {@link #dataLossAndGradient}.
     */
    private double valueAndGradient(Batch batch, double[] theta, double[] grad, boolean withTerms, Ranges.Task then) {
        checks.checkExact(grad, "gradient", "a gradient");
        checkDistinct(grad, "gradient", theta, "θ");   // the terms read θ after the data part is in grad
        enter(batch, theta);   // then must not call this evaluator back (see lossAndGradient): enter refuses it
        try {
            return objective.valueAndGradient(grad, withTerms, then);
        } finally {
            exit();
        }
    }

    /**
     * The data loss L (without the terms) at the θ and batch of the last request, when that request
     * computed it ({@link #lossAndGradient}, {@link #loss}, …): a training loop reads L_B next to
     * the objective L_B + Σ terms without a second request (which, without cached chunk states,
     * would repeat the forward pass).
     *
     * @throws IllegalStateException when the last request computed no data loss
     */
    public double dataLossOfLastRequest() {
        lock.lock();
        try {
            return ctx.lastDataLoss();
        } finally {
            lock.unlock();
        }
    }

    /** Per-sample losses ℓ(f(x_n), y_n), length N (not divided by N). */
    public double[] perSampleLosses(double[] theta) {
        enter(Batch.all(), theta);
        try {
            double[] out = new double[ctx.batchSize()];
            scheduler.losses(theta, out);
            return out;
        } finally {
            exit();
        }
    }

    /** Network outputs f(x_n) for all samples: N × C row-major (logits for cross-entropy). */
    public double[] outputs(double[] theta) {
        return outputs(Batch.all(), theta);
    }

    /** Network outputs for the batch's samples, in batch order: B × C row-major. */
    public double[] outputs(Batch batch, double[] theta) {
        enter(batch, theta);
        try {
            double[] out = new double[ctx.batchSize() * mlp.outputDim()];
            scheduler.outputs(theta, out);
            return out;
        } finally {
            exit();
        }
    }

    /**
     * Loss and accuracy of a classifier on a batch, from one forward pass: the data loss L (mean
     * cross-entropy over the batch, as {@link #dataLoss}) and the number of samples whose largest
     * logit is the target class (argmax with the first index on ties, as {@code torch.argmax}).
     * For held-out metrics during training.
     *
     * @throws IllegalStateException when the problem's data are not class indices
     */
    public Classification classification(Batch batch, double[] theta) {
        if (!data.isClassification()) throw new IllegalStateException("accuracy needs class-index targets; this problem's targets are real-valued");
        enter(batch, theta);
        try {
            Classification c = scheduler.classification(theta);
            ctx.setDataLoss(c.loss());
            return c;
        } finally {
            exit();
        }
    }

    /** The data loss L and the number of correct argmax predictions over {@code count} samples. */
    public record Classification(double loss, long correct, int count) {
        /** correct / count. */
        public double accuracy() {
            return (double) correct / count;
        }
    }

    /**
     * Where the second derivative of the activations is not zero: per hidden layer l = 1..L−1, the
     * number of pre-activations a (over the batch's samples and the layer's units) with σ″_l(a) ≠ 0
     * exactly, σ″ as the activation states it (SPEC §3: for {@code augmented_relu(β)} that of
     * β-GELU; 0 everywhere for ReLU, identity and {@code diminished_gelu}). Only these entries
     * feed the NME's σ″ term, so the fraction says how much of the network the NME can see: for
     * β-GELU with large β, σ″ underflows to exactly 0 away from a thin band around zero.
     */
    public SecondDerivativeSupport secondDerivativeSupport(Batch batch, double[] theta) {
        enter(batch, theta);
        try {
            return scheduler.secondDerivativeSupport(theta);
        } finally {
            exit();
        }
    }

    /** Per hidden layer: pre-activations with σ″ ≠ 0, and all pre-activations (samples × units). */
    public record SecondDerivativeSupport(long[] nonzero, long[] entries) {
        /** Σ nonzero / Σ entries over the hidden layers (NaN for a network without hidden layers). */
        public double fraction() {
            long n = 0, e = 0;
            for (int l = 0; l < nonzero.length; l++) {
                n += nonzero[l];
                e += entries[l];
            }
            return e == 0 ? Double.NaN : (double) n / e;
        }

        /** The fraction in hidden layer l (1-based, as in SPEC §1). */
        public double fraction(int layer) {
            return (double) nonzero[layer - 1] / entries[layer - 1];
        }
    }

    // ------------------------------------------------------------------ curvature products

    /** out = ∇²L_R(θ)·v, the Hessian of the whole objective (terms included). */
    public void hvp(double[] theta, double[] v, double[] out) {
        single(Part.HESSIAN, theta, v, out);
    }

    /** out = G(θ)·v = (1/N) Σ_n J_nᵀ H_ℓ,n J_n v (exact; SPEC §5). */
    public void ggnVp(double[] theta, double[] v, double[] out) {
        single(Part.GGN, theta, v, out);
    }

    /** out = M(θ)·v, the NME product (SPEC §5); zero at an interpolating point. */
    public void nmeVp(double[] theta, double[] v, double[] out) {
        single(Part.NME, theta, v, out);
    }

    /** out = ∇²L(θ)·v = (G + M)·v, the data term alone. */
    public void dataHvp(double[] theta, double[] v, double[] out) {
        single(Part.DATA_HESSIAN, theta, v, out);
    }

    /** out = (∇²L_R − ∇²L)·v, the terms' part. */
    public void regularizerHvp(double[] theta, double[] v, double[] out) {
        single(Part.REGULARIZER, theta, v, out);
    }

    /**
     * A single product out = Op·v: v and out of length exactly P, different arrays (the product is
     * never computed in place), then as the block product with k = 1.
     */
    void single(Part part, double[] theta, double[] v, double[] out) {
        checks.checkExact(v, "v", "a single product");
        checks.checkExact(out, "output", "a single product");
        apply(Batch.all(), part, theta, v, out, 1, "v");
    }

    /**
     * Block product OUT = Op·V for k vectors (V and OUT hold k vectors of length P one after the
     * other). The forward and reverse passes of each chunk are shared by the k vectors, so the
     * block costs markedly less than k single products.
     *
     * <p>V and OUT hold at least k·P entries each (the entries past k·P are neither read nor
     * written) and must be different arrays, neither of them θ: the product is never computed in
     * place (the Hessian's terms read V again after the data part is in OUT).
     *
     * @throws IllegalArgumentException on a null part, k ≤ 0, a short or non-finite V, a short OUT,
     *                                  OUT == V or OUT == θ, or a bad θ
     */
    public void apply(Part part, double[] theta, double[] vs, double[] out, int k) {
        apply(Batch.all(), part, theta, vs, out, k);
    }

    public void apply(Batch batch, Part part, double[] theta, double[] vs, double[] out, int k) {
        apply(batch, part, theta, vs, out, k, "V");
    }

    /** The block product, naming the input {@code vName} in messages (v for a single product). */
    private void apply(Batch batch, Part part, double[] theta, double[] vs, double[] out, int k, String vName) {
        if (part == null) throw new IllegalArgumentException("part is null");
        if (k <= 0) throw new IllegalArgumentException("block size k must be positive, got " + k);
        checkVector(vs, (long) k * p, vName);
        checkOut(out, (long) k * p, "output");
        checkDistinct(vs, out, theta);
        enter(batch, theta);
        try {
            objective.apply(part, vs, out, k);
        } finally {
            exit();
        }
    }

    /**
     * Quadratic forms of a data curvature part and their exact gradients, the pieces of the trace
     * penalties of SPEC §11: for the k vectors V (stored one after another),
     * <pre>
     *   part = DATA_HESSIAN:  forms[j] = v_jᵀ ∇²L v_j,   grad = Σ_j ∇_θ(v_jᵀ ∇²L v_j) = Σ_j D³L[v_j, v_j, ·]
     *   part = GGN:           forms[j] = v_jᵀ G v_j,     grad = Σ_j ∇_θ(v_jᵀ G v_j)   (through J and H_ℓ)
     * </pre>
     * over the batch (means over its samples, as every product). {@code grad} (length exactly P) may be
     * null: the forms alone need forward passes only (the first- and second-order tangents), no
     * reverse pass. The gradient is one BLAS-3 pass per chunk for all k vectors; see
     * {@code ChunkPass.blockQuadratic} for the derivation. For the modified activations
     * (augmented_relu, diminished_gelu) the stated σ″ and σ‴ are used throughout (SPEC §3).
     */
    public void quadraticForms(Batch batch, Part part, double[] theta, double[] vs, int k, double[] forms, double[] grad) {
        if (part != Part.DATA_HESSIAN && part != Part.GGN) {
            throw new IllegalArgumentException("quadratic forms are available for data_hessian and ggn, not " + (part == null ? "null" : part.id()));
        }
        if (k <= 0) throw new IllegalArgumentException("number of vectors k must be positive, got " + k);
        checkVector(vs, (long) k * p, "V");
        checkOut(forms, k, "forms");
        if (grad != null) checks.checkExact(grad, "gradient", "a gradient");
        checkDistinct(forms, "forms", theta, "θ");
        checkDistinct(forms, "forms", vs, "V");
        checkDistinct(grad, "gradient", theta, "θ");
        checkDistinct(grad, "gradient", vs, "V");
        checkDistinct(grad, "gradient", forms, "forms");
        enter(batch, theta);
        try {
            scheduler.quadraticForms(part == Part.DATA_HESSIAN, ctx.theta(), vs, k, forms, grad);
        } finally {
            exit();
        }
    }

    /**
     * J·v: the outputs' directional derivatives for all samples, N × C row-major, into the first
     * N·C entries of out (at least that long). v has length exactly P, as a single product's.
     */
    public void jvp(double[] theta, double[] v, double[] out) {
        checks.checkExact(v, "v", "a single product");
        checkFinite(v, p, "v");
        checkOut(out, (long) data.size() * mlp.outputDim(), "jvp output");
        checkDistinct(out, "jvp output", v, "v");
        checkDistinct(out, "jvp output", theta, "θ");
        enter(Batch.all(), theta);
        try {
            scheduler.jvp(theta, v, out);
        } finally {
            exit();
        }
    }

    /** Jᵀ·u = Σ_n J_nᵀ u_n for cotangents u (N × C row-major); no 1/N factor. Result length exactly P. */
    public void vjp(double[] theta, double[] u, double[] out) {
        checkVector(u, (long) data.size() * mlp.outputDim(), "u");
        checks.checkExact(out, "vjp output", "a single product");
        checkDistinct(out, "vjp output", u, "u");
        checkDistinct(out, "vjp output", theta, "θ");
        enter(Batch.all(), theta);
        try {
            scheduler.vjp(theta, u, out);
        } finally {
            exit();
        }
    }

    // ------------------------------------------------------------------ dense matrices

    /**
     * Dense P × P matrix of an operator part, row-major: its lower triangle built column block by
     * column block ({@link #denseColumns} with {@code lowerOnly}: the first layer's weight block by
     * its Kronecker form, the rest from block products of identity columns), then mirrored, so the
     * result is exactly symmetric. Refused up front by {@link MemoryGuard} when it cannot fit.
     */
    public double[] dense(Part part, double[] theta) {
        return dense(part, theta, null);
    }

    /**
     * As {@link #dense(Part, double[])}, reporting the columns done after each block.
     *
     * @throws java.util.concurrent.CancellationException when the calling thread is interrupted,
     *         before the next column block (the flag left set; the evaluator usable)
     */
    public double[] dense(Part part, double[] theta, Progress progress) {
        if (part == null) throw new IllegalArgumentException("part is null");
        checks.checkTheta(theta);
        MemoryGuard.checkDense(p, p, "dense " + part.id() + " (P=" + p + ")");
        double[] m = new double[p * p];
        int cols = denseBlockColumns();
        // The first layer's weights (W_1 comes first), when they come from the Kronecker form, in
        // whole units, as many as about fill a column block: their GEMMs are then fixed by the units
        // and d_0 alone, so their bits do not depend on the column block. (By unit columns, whole
        // units would only make the block buffers larger.)
        int d0 = mlp.inputDim(), w1End = columns.firstLayerEnd();
        int first = columns.byKronecker(part) ? Math.max(1, cols / d0) * d0 : cols;
        String work = "dense " + part.id() + " (P=" + p + ")";
        try {
            for (int start = 0, end; start < p; start = end) {
                // Between column blocks, outside any request: an interrupt leaves the evaluator as it was.
                dev.morse.linalg.Cancellation.check(work);
                end = start < w1End ? Math.min(start + first, w1End) : Math.min(start + cols, p);
                // Row start+j of m is Op e_{start+j} (Op is symmetric): write the block straight in.
                denseColumns(part, theta, start, end - start, m, start * p, true);
                if (progress != null) progress.update(end, p);
            }
            DenseMatrices.mirrorLower(m, p, ranges);
        } finally {
            releaseDenseCaches();
        }
        return m;
    }

    /**
     * The number of leading parameters that are the first layer's weights, d_1·d_0 (W_1 comes
     * first, SPEC §1): the columns {@link #denseColumns} with {@code lowerOnly} computes by the
     * Kronecker form Σ_s Q_s ⊗ x_s x_sᵀ, and the range of {@link #firstLayerDiagonal}.
     */
    public int firstLayerWeights() {
        return mlp.width(1) * mlp.inputDim();
    }

    /**
     * The end (exclusive) of a range of whole first-layer units from {@code unit} for
     * {@link #denseColumns} on the Kronecker path: as many units as make 8 GEMMs per worker (unit i
     * takes i + 1 per row block; counted for one block per unit, so with d_0 above
     * {@code FirstLayerTasks.KRONECKER_ROWS} a range holds proportionally more), so that a range's
     * last GEMMs leave little of the workers idle. Any cut into whole units gives the same bits.
     */
    public int kroneckerRangeEnd(int unit) {
        int units = mlp.width(1);
        if (unit < 0 || unit >= units) throw new IllegalArgumentException("unit " + unit + " not in [0, " + units + ")");
        int end = unit, gemms = 0;
        while (end < units && gemms < 8 * scheduler.threads()) gemms += ++end;   // unit end − 1 has end GEMMs per row block
        return end;
    }

    /**
     * The diagonal of a data part's matrix (GGN, NME or DATA_HESSIAN) over the first layer's
     * weights into out[0 .. {@link #firstLayerWeights()}): Σ_s Q_s[i, i] x_s[c]² for weight (i, c),
     * from the part's per-sample curvature (no P-length column needed). Returns false, out left
     * as it was, when the Q_s (N × d_1² doubles) do not fit in memory.
     *
     * @throws IllegalArgumentException on a part with terms (HESSIAN, REGULARIZER), a bad θ or a short out
     */
    public boolean firstLayerDiagonal(Part part, double[] theta, double[] out) {
        checkDataPart(part);
        if (out == null || out.length < firstLayerWeights()) throw new IllegalArgumentException("output needs " + firstLayerWeights() + " entries");
        checkDistinct(out, "output", theta, "θ");
        enter(Batch.all(), theta, true);
        try {
            double[] q = firstLayer.at(part, theta);
            if (q == null) return false;
            firstLayer.diagonal(q, out);
            return true;
        } finally {
            exit();
        }
    }

    /**
     * ‖B‖_F² of a data part's first-layer weight block B = Σ_s Q_s ⊗ x_s x_sᵀ, as
     * Σ_{s,t} ⟨Q_s, Q_t⟩ (x_sᵀx_t)²: two Gram matrices (of the inputs and of the Q_s) tile by tile,
     * N²(d_0 + d_1²) multiply-adds instead of the block's d_0² N d_1² / 2; absolute accuracy about
     * ε·(Σ_s ‖Q_s‖_F ‖x_s‖²)², clamped at zero. NaN when the Q_s do not fit in memory.
     *
     * @throws IllegalArgumentException on a part with terms (HESSIAN, REGULARIZER) or a bad θ
     */
    public double firstLayerFrobeniusSquared(Part part, double[] theta) {
        checkDataPart(part);
        enter(Batch.all(), theta, true);
        try {
            double[] q = firstLayer.at(part, theta);
            // The terms ⟨Q_s, Q_t⟩(x_sᵀx_t)² have mixed signs for M: near a zero-residual point the
            // sum's rounding, ε·(Σ_s ‖Q_s‖‖x_s‖²)², may exceed ‖B‖_F² itself; never below zero.
            return q == null ? Double.NaN : Math.max(0.0, scheduler.firstLayerFrobeniusSquared(q));
        } finally {
            exit();
        }
    }

    /**
     * Columns a dense materialization should request at a time ({@link #denseColumns}): 256 (at
     * most P), for any thread count. A block's vector groups are cut from its columns, and a
     * group's size sets its GEMMs' shapes and so their bits: blocks of 64 columns per worker, as
     * they were, gave other bits past four threads. 256 columns make 4 to 256 groups (GroupSizes),
     * enough for the workers of a dense request.
     */
    public int denseBlockColumns() {
        return Math.max(1, Math.min(p, 256));
    }

    /**
     * Columns start … start+k−1 of the dense matrix of an operator part: writes Op·e_q for
     * q = start + j into out[off + j·P …  off + (j+1)·P) (row start+j of the row-major matrix,
     * since Op is symmetric). Not symmetrized: a caller assembling a dense matrix block by block
     * symmetrizes it at the end ({@link DenseMatrices#symmetrize}; with {@code lowerOnly},
     * {@link DenseMatrices#mirrorLower}, as {@link #dense} does).
     *
     * <p>Data parts take the identity columns implicitly (scatters instead of GEMMs with unit
     * operands), and dense requests use their own chunk plan: chunks of up to
     * 16 × chunkRows samples, the work spread over vector groups instead. The result is
     * bit-identical for any thread count (and equal to the products {@link #apply} gives up to
     * rounding: the chunk plans differ).
     *
     * @throws IllegalArgumentException on a null part, a bad θ, or a range or array that does not fit
     */
    public void denseColumns(Part part, double[] theta, int start, int k, double[] out, int off) {
        denseColumns(part, theta, start, k, out, off, false);
    }

    /**
     * As {@link #denseColumns(Part, double[], int, int, double[], int)}; with {@code lowerOnly}
     * column q = start + j needs only its entries i ≤ q (the lower triangle of the row-major
     * matrix, all that LAPACK's symmetric routines read): the others are left unspecified (as they
     * were in out, or sums of what earlier requests left in the evaluator's buffers: not necessarily
     * finite, so read only the lower triangle). The data parts then skip the weight rows past the limit in their
     * output GEMMs, which halves the work of the first layer on average.
     */
    public void denseColumns(Part part, double[] theta, int start, int k, double[] out, int off, boolean lowerOnly) {
        if (part == null) throw new IllegalArgumentException("part is null");
        if (k < 0 || start < 0 || start + k > p) {
            throw new IllegalArgumentException("columns [" + start + ", " + ((long) start + k) + ") out of range [0, " + p + ")");
        }
        if (out == null) throw new IllegalArgumentException("output array is null");
        if (off < 0 || off + (long) k * p > out.length) {
            throw new IllegalArgumentException("output array has length " + out.length + ", columns need [" + off + ", " + (off + (long) k * p) + ")");
        }
        checkDistinct(out, "output", theta, "θ");
        if (k == 0) return;
        enter(Batch.all(), theta, true);
        try {
            columns.compute(part, theta, start, k, lowerOnly, out, off);
        } finally {
            exit();
        }
    }

    /**
     * Frees what dense work keeps between calls: the first layer's per-sample curvature of each
     * part (N × d_1² doubles apiece, kept so that the column blocks of one matrix compute it once).
     * {@link #dense} calls it at its end; callers that assemble a matrix block by block
     * ({@link #denseColumns}) call it when the matrix is done.
     */
    public void releaseDenseCaches() {
        lock.lock();
        try {
            firstLayer.release();
        } finally {
            lock.unlock();
        }
    }

    /** Whether dense caches are kept ({@link #releaseDenseCaches}; tests). */
    boolean holdsDenseCaches() {
        lock.lock();
        try {
            return firstLayer.holdsAny();
        } finally {
            lock.unlock();
        }
    }


    // ------------------------------------------------------------------ requests

    /** Validates θ and the batch, takes the lock, enters engine work and starts the request at (θ, batch). */
    private void enter(Batch batch, double[] theta) {
        enter(batch, theta, false);
    }

    /** As {@link #enter(Batch, double[])}; {@code dense}: the request materializes columns (the dense chunk plan). */
    private void enter(Batch batch, double[] theta, boolean dense) {
        if (batch == null) throw new IllegalArgumentException("batch is null");
        checks.checkThetaShape(theta);   // finiteness: below, in the scheduler's scan of θ
        batch.check(data.size());
        // A call back into this evaluator from inside one of its own requests (a term, a `then` or
        // range task, on the calling thread, which holds the lock, or on a worker, which would wait
        // for it) would re-plan the request under its feet: refused.
        if (lock.isHeldByCurrentThread() || scheduler.onWorker()) {
            throw new IllegalStateException("an evaluator must not be called from inside one of its own requests (a term, a then or range task)");
        }
        // Engine entry first, then the lock: entry may wait for another thread's dense LAPACK work,
        // which may itself call this evaluator (engine work nested in its scope), and it may be
        // interrupted there; holding the lock while waiting would deadlock the one and leak the lock
        // on the other.
        NativeThreads.enterEngine();
        boolean finite = false;
        try {
            lock.lock();
            try {
                if (closed) throw new IllegalStateException("evaluator is closed");
                finite = scheduler.begin(batch, theta, dense);   // θ's finiteness, tested with the cache key in one pass
            } finally {
                if (!finite) lock.unlock();   // the request does not start
            }
        } finally {
            if (!finite) NativeThreads.exitEngine();
        }
        if (!finite) {
            checkFinite(theta, p, "θ");   // names the first bad entry
            throw new IllegalStateException("θ failed the finiteness test but holds no NaN or infinity");
        }
        ctx.begin(theta, batch, batch.size(data.size()));
    }

    private void exit() {
        try {
            scheduler.end();
            ctx.end();
        } finally {
            lock.unlock();   // before leaving engine work: the reverse of enter's order
            NativeThreads.exitEngine();
        }
    }
}
