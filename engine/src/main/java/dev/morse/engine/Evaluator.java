package dev.morse.engine;

import dev.morse.linalg.DenseMatrices;
import dev.morse.linalg.Linalg;
import dev.morse.linalg.MemoryGuard;
import dev.morse.linalg.NativeThreads;
import dev.morse.linalg.Progress;
import dev.morse.simd.KernelProvider;
import dev.morse.simd.Kernels;
import java.util.Arrays;
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
 *   <li>A public method ({@link #apply}, {@link #lossAndGradient}, …) validates its arguments,
 *       takes the evaluator's lock (requests are serialized: the evaluator is thread-safe, one
 *       request at a time) and fills the evaluator's {@link Request}: what to compute (its
 *       {@link Kind}), θ, the vectors, the curvature part, and the sample plan of its
 *       {@link Batch} (rows per chunk and number of chunks).
 *   <li>{@link #begin} keys the chunk-state cache on θ's bits and the batch: a request at the
 *       same point reuses the forward and backward passes of the previous one.
 *   <li>The request is handed to the {@link WorkerTeam} in waves: worker slot s runs chunk
 *       wave + s (or, for large blocks of vectors, vector group wave + s through all chunks).
 *   <li>Each chunk binds its {@link ChunkState} to the worker's {@link ChunkPass} (forward pass
 *       if the state is stale) and calls the pass the request names ({@code backward},
 *       {@code blockProduct}, {@code blockTangent}, {@code blockQuadratic} for the trace
 *       penalties' quadratic forms and third-order gradients); the chunk's sum lands in the
 *       worker's slot buffer.
 *   <li>Slot buffers are added into the result <b>in chunk order</b>, then the {@link Term}s add
 *       their parts. The reduction order never depends on the number of threads, so results are
 *       bit-identical for any thread count.
 * </ol>
 * A term may make requests of its own inside a request ({@link Term.Context}): data products and
 * quadratic forms at the request's θ (they reuse its chunk states), and the data loss and
 * gradient at another point θ′ (SAM's ascent point, weight noise), which run "aside" on per-slot
 * states of their own so that the states, data loss and gradient cached for θ stay valid.
 *
 * <h2>Samples and threads</h2>
 * A batch of n samples is cut into chunks of {@code min(chunkRows, max(minChunkRows, ⌈n/8⌉))}
 * rows (minChunkRows = 32 by default): at least 8 chunks once n ≥ 8·minChunkRows (so small data
 * sets still use every core), at most {@code chunkRows} rows each (memory per worker). The cut
 * depends on n and the settings only, never on the thread count. Losses and products over a batch
 * are sample-weighted means.
 *
 * <p>Vectors of length P follow θ's layout (SPEC §1). Block products take k vectors stored one
 * after another (V[j·P + i] is entry i of vector j). Steady-state products allocate nothing.
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

    /** Default smallest chunk the planner cuts when splitting a small batch across workers. */
    public static final int MIN_CHUNK_ROWS = 32;
    /** Chunks a batch is split into at least (when it has enough rows), whatever the thread count. */
    static final int MIN_CHUNKS = 8;

    private final Problem problem;
    private final Mlp mlp;
    private final Dataset data;
    private final Term[] terms;
    private final boolean termsNeedCurvature;
    private final boolean termReplacesData;   // a term's value replaces L (sam, weight_noise)
    private final double[] termsDiagonal;   // Σ terms' constant diagonal Hessian parts, or null
    private final int p;
    private final int threads;
    private final int maxChunkRows;
    private final int minChunkRows;
    private final boolean caching;
    private final Kernels kernels;
    private final WorkerTeam team;
    private final ChunkPass[] passes;
    private final ReentrantLock lock = new ReentrantLock();
    private volatile boolean closed;
    private static final java.lang.ref.Cleaner CLEANER = java.lang.ref.Cleaner.create();

    // The chunk-state cache and what it is keyed on.
    private ChunkState[] states = new ChunkState[0];   // per chunk when the request's states fit (always when caching), else per worker slot
    private final long stateBudget;                   // bytes the chunk states of one request may take
    private final double[] cachedTheta;
    private Batch cachedBatch;
    private long version;
    // Data-term values at the current version, for terms that read them.
    private final double[] dataGrad;
    private long dataGradVersion = -1;
    private double dataLossValue;
    private long dataLossVersion = -1;

    // Reusable workspaces (grown on demand; steady state allocates nothing).
    private double[][] slotOut;
    private double[] chunkSums = new double[0];
    private long[] chunkCounts = new long[0];
    private double[] dataHv = new double[0];
    private double[] block = new double[0];
    private double[] identity = new double[0];
    private double[] quadOut = new double[0];
    private final double[][] termWork = new double[Context.WORKSPACES][0];
    // Chunk states for data-term requests at another point θ′ inside a request (sam, weight_noise):
    // one per worker slot, never the cached states of the request's θ.
    private ChunkState[] asideStates = new ChunkState[0];
    private long asideVersion;

    private final Request req = new Request();
    /** The most workers that ran at once during the last request (for tests of thread use). */
    private int widestWave;
    private final Context ctx = new Context();

    private Evaluator(Problem problem, Settings s) {
        this.problem = problem;
        this.mlp = problem.model();
        this.data = problem.data();
        this.terms = problem.terms().toArray(new Term[0]);
        boolean curv = false;
        for (Term t : terms) curv |= t.needsDataCurvature();
        this.termsNeedCurvature = curv;
        this.termReplacesData = problem.replacesDataLoss();
        this.termsDiagonal = problem.termsHessianDiagonal();
        this.p = mlp.numParameters();
        this.threads = s.threads();
        this.maxChunkRows = s.chunkRows();
        this.minChunkRows = s.minChunkRows();
        this.kernels = KernelProvider.get();
        Linalg linalg = Linalg.get();
        // One owner for the cores: our workers, not OpenBLAS's pool on top of them.
        NativeThreads.init();
        int rows = chunkRows(data.size());
        long cacheBytes = 8L * ChunkState.doubles(mlp.widths(), rows) * chunkCount(data.size(), rows);
        this.stateBudget = Math.min(1L << 30, Runtime.getRuntime().maxMemory() / 4);
        this.caching = s.cacheStates() && cacheBytes <= stateBudget;
        this.team = new WorkerTeam(threads);
        // The team's threads end when this evaluator is closed, or becomes unreachable (they never reference it).
        CLEANER.register(this, team::close);
        this.passes = new ChunkPass[threads];
        for (int i = 0; i < threads; i++) passes[i] = new ChunkPass(mlp, problem.loss(), kernels, linalg, maxChunkRows);
        this.cachedTheta = new double[p];
        this.dataGrad = new double[p];
        this.slotOut = new double[threads][p];
    }

    /** Opens an evaluator with the default {@link Settings}. */
    public static Evaluator open(Problem problem) {
        return open(problem, Settings.defaults());
    }

    public static Evaluator open(Problem problem, Settings settings) {
        if (problem == null || settings == null) throw new IllegalArgumentException("problem and settings are required");
        return new Evaluator(problem, settings);
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
        return threads;
    }

    /** Maximum rows per chunk. */
    public int chunkRows() {
        return maxChunkRows;
    }

    /** True when chunk states are kept between requests at the same θ (see {@link Settings}). */
    public boolean cachesStates() {
        return caching;
    }

    /** Smallest chunk the planner cuts (see {@link Settings}). */
    public int minChunkRows() {
        return minChunkRows;
    }

    /** Rows per chunk for a batch of n samples (the cut described in the class comment). */
    public int chunkRows(int n) {
        return Math.max(1, Math.min(maxChunkRows, Math.min(n, Math.max(minChunkRows, (n + MIN_CHUNKS - 1) / MIN_CHUNKS))));
    }

    private static int chunkCount(int n, int rows) {
        return (n + rows - 1) / rows;
    }

    /** The most workers that ran at once during the last request. */
    int widestWaveOfLastRequest() {
        return widestWave;
    }

    /** Chunks the whole data set is cut into. */
    public int chunks() {
        int n = data.size();
        return chunkCount(n, chunkRows(n));
    }

    /**
     * A scope for this evaluator's dense LAPACK work (eigendecompositions, factorizations): raises
     * OpenBLAS to this evaluator's thread count for its duration (see {@link NativeThreads}).
     */
    public NativeThreads.Scope nativeScope() {
        return NativeThreads.dense(threads);
    }

    @Override
    public void close() {
        lock.lock();
        try {
            closed = true;
            team.close();
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
        enter(batch, theta);
        try {
            double v = termReplacesData ? 0.0 : dataLossUnchecked();
            for (Term t : terms) v += t.value(ctx);
            return v;
        } finally {
            exit();
        }
    }

    /** L(θ) = (1/N) Σ ℓ_n, without the terms. */
    public double dataLoss(double[] theta) {
        return dataLoss(Batch.all(), theta);
    }

    public double dataLoss(Batch batch, double[] theta) {
        enter(batch, theta);
        try {
            return dataLossUnchecked();
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
            double[] v = new double[terms.length];
            for (int i = 0; i < terms.length; i++) v[i] = terms[i].value(ctx);
            return v;
        } finally {
            exit();
        }
    }

    /** Writes ∇L_R(θ) into grad (length P) and returns L_R(θ). */
    public double lossAndGradient(double[] theta, double[] grad) {
        return lossAndGradient(Batch.all(), theta, grad);
    }

    public double lossAndGradient(Batch batch, double[] theta, double[] grad) {
        checkOut(grad, p, "gradient");
        enter(batch, theta);
        try {
            double v;
            if (termReplacesData) {   // the term gives the whole data part; ∇L(θ) only if some term asks for it
                Arrays.fill(grad, 0, p, 0.0);
                v = 0.0;
            } else {
                v = dataGradientUnchecked();
                System.arraycopy(dataGrad, 0, grad, 0, p);
            }
            for (Term t : terms) v += t.addValueAndGradient(ctx, grad);
            return v;
        } finally {
            exit();
        }
    }

    /** Writes ∇L(θ) (data term only) into grad and returns L(θ). */
    public double dataLossAndGradient(double[] theta, double[] grad) {
        return dataLossAndGradient(Batch.all(), theta, grad);
    }

    public double dataLossAndGradient(Batch batch, double[] theta, double[] grad) {
        checkOut(grad, p, "gradient");
        enter(batch, theta);
        try {
            double v = dataGradientUnchecked();
            System.arraycopy(dataGrad, 0, grad, 0, p);
            return v;
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
            if (dataLossVersion != version || version == 0) throw new IllegalStateException("the last request computed no data loss");
            return dataLossValue;
        } finally {
            lock.unlock();
        }
    }

    /** Per-sample losses ℓ(f(x_n), y_n), length N (not divided by N). */
    public double[] perSampleLosses(double[] theta) {
        enter(Batch.all(), theta);
        try {
            double[] out = new double[req.count];
            req.out = out;
            runChunks(Kind.LOSSES, null, 0);
            return out;
        } finally {
            req.out = null;
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
            double[] out = new double[req.count * mlp.outputDim()];
            req.out = out;
            runChunks(Kind.OUTPUTS, null, 0);
            return out;
        } finally {
            req.out = null;
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
            ensureCounts(req.chunks);
            runChunks(Kind.CLASSIFY, null, 0);
            long correct = 0;
            for (int c = 0; c < req.chunks; c++) correct += chunkCounts[c];
            return new Classification(setDataLoss(), correct, req.count);
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
            int hidden = mlp.layers() - 1;
            ensureCounts(req.chunks * Math.max(1, hidden));
            runChunks(Kind.SECOND_SUPPORT, null, 0);
            long[] nonzero = new long[hidden], entries = new long[hidden];
            for (int l = 0; l < hidden; l++) {
                for (int c = 0; c < req.chunks; c++) nonzero[l] += chunkCounts[c * hidden + l];
                entries[l] = (long) req.count * mlp.width(l + 1);
            }
            return new SecondDerivativeSupport(nonzero, entries);
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

    private void ensureCounts(int n) {
        if (chunkCounts.length < n) chunkCounts = new long[n];
    }

    // ------------------------------------------------------------------ curvature products

    /** out = ∇²L_R(θ)·v, the Hessian of the whole objective (terms included). */
    public void hvp(double[] theta, double[] v, double[] out) {
        apply(Part.HESSIAN, theta, v, out, 1);
    }

    /** out = G(θ)·v = (1/N) Σ_n J_nᵀ H_ℓ,n J_n v (exact; SPEC §5). */
    public void ggnVp(double[] theta, double[] v, double[] out) {
        apply(Part.GGN, theta, v, out, 1);
    }

    /** out = M(θ)·v, the NME product (SPEC §5); zero at an interpolating point. */
    public void nmeVp(double[] theta, double[] v, double[] out) {
        apply(Part.NME, theta, v, out, 1);
    }

    /** out = ∇²L(θ)·v = (G + M)·v, the data term alone. */
    public void dataHvp(double[] theta, double[] v, double[] out) {
        apply(Part.DATA_HESSIAN, theta, v, out, 1);
    }

    /** out = (∇²L_R − ∇²L)·v, the terms' part. */
    public void regularizerHvp(double[] theta, double[] v, double[] out) {
        apply(Part.REGULARIZER, theta, v, out, 1);
    }

    /**
     * Block product OUT = Op·V for k vectors (V and OUT hold k vectors of length P one after the
     * other). The forward and reverse passes of each chunk are shared by the k vectors, so the
     * block costs markedly less than k single products.
     */
    public void apply(Part part, double[] theta, double[] vs, double[] out, int k) {
        apply(Batch.all(), part, theta, vs, out, k);
    }

    public void apply(Batch batch, Part part, double[] theta, double[] vs, double[] out, int k) {
        if (part == null) throw new IllegalArgumentException("part is null");
        if (k <= 0) throw new IllegalArgumentException("block size k must be positive, got " + k);
        checkVector(vs, (long) k * p, "V");
        checkOut(out, (long) k * p, "output");
        enter(batch, theta);
        try {
            applyUnchecked(part, vs, out, k);
        } finally {
            exit();
        }
    }

    private void applyUnchecked(Part part, double[] vs, double[] out, int k) {
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
    private void addTerms(double[] vs, double[] out, int k, boolean outHoldsData) {
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

    /**
     * Quadratic forms of a data curvature part and their exact gradients, the pieces of the trace
     * penalties of SPEC §11: for the k vectors V (stored one after another),
     * <pre>
     *   part = DATA_HESSIAN:  forms[j] = v_jᵀ ∇²L v_j,   grad = Σ_j ∇_θ(v_jᵀ ∇²L v_j) = Σ_j D³L[v_j, v_j, ·]
     *   part = GGN:           forms[j] = v_jᵀ G v_j,     grad = Σ_j ∇_θ(v_jᵀ G v_j)   (through J and H_ℓ)
     * </pre>
     * over the batch (means over its samples, as every product). {@code grad} (length P) may be
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
        if (grad != null) checkOut(grad, p, "gradient");
        enter(batch, theta);
        try {
            quadraticFormsUnchecked(part == Part.DATA_HESSIAN, vs, k, forms, grad);
        } finally {
            exit();
        }
    }

    private void quadraticFormsUnchecked(boolean hessian, double[] vs, int k, double[] forms, double[] grad) {
        Request r = req;
        int len = k + (grad == null ? 0 : p);
        if (quadOut.length < len) quadOut = new double[len];
        r.vs = vs;
        r.k = k;
        r.kg = thirdGroupSize(k, r.rows);
        r.hessianForms = hessian;
        r.formsGradient = grad != null;
        try {
            runChunksLen(Kind.QUADRATIC, quadOut, len);
        } finally {
            r.vs = null;
        }
        System.arraycopy(quadOut, 0, forms, 0, k);
        if (grad != null) System.arraycopy(quadOut, k, grad, 0, p);
    }

    /** Probes per third-order group: the six tangent buffers (RA, RZ, RG and their R²) near 2^21 doubles, at most 32; equal groups. */
    private int thirdGroupSize(int k, int rows) {
        long widths = 0;
        for (int l = 1; l <= mlp.layers(); l++) widths += mlp.width(l);
        long perVector = 6L * rows * widths;
        int max = (int) Math.max(1, Math.min(32, (1L << 21) / Math.max(1, perVector)));
        int groups = (k + max - 1) / max;
        return (k + groups - 1) / groups;
    }

    /** J·v: the outputs' directional derivatives for all samples, N × C row-major. */
    public void jvp(double[] theta, double[] v, double[] out) {
        checkVector(v, p, "v");
        checkOut(out, (long) data.size() * mlp.outputDim(), "jvp output");
        enter(Batch.all(), theta);
        try {
            req.vs = v;
            req.out = out;
            runChunks(Kind.JVP, null, 0);
        } finally {
            req.vs = null;
            req.out = null;
            exit();
        }
    }

    /** Jᵀ·u = Σ_n J_nᵀ u_n for cotangents u (N × C row-major); no 1/N factor. Result length P. */
    public void vjp(double[] theta, double[] u, double[] out) {
        checkVector(u, (long) data.size() * mlp.outputDim(), "u");
        checkOut(out, p, "vjp output");
        enter(Batch.all(), theta);
        try {
            req.vs = u;
            runChunks(Kind.VJP, out, 1);
        } finally {
            req.vs = null;
            exit();
        }
    }

    // ------------------------------------------------------------------ dense matrices

    /**
     * Dense P × P matrix of an operator part, row-major, built from block products of identity
     * columns and symmetrized as (A + Aᵀ)/2 (the products are symmetric up to rounding). Refused
     * up front by {@link MemoryGuard} when it cannot fit.
     */
    public double[] dense(Part part, double[] theta) {
        return dense(part, theta, null);
    }

    /** As {@link #dense(Part, double[])}, reporting the columns done after each block. */
    public double[] dense(Part part, double[] theta, Progress progress) {
        if (part == null) throw new IllegalArgumentException("part is null");
        MemoryGuard.checkDense(p, p, "dense " + part.id() + " (P=" + p + ")");
        enter(Batch.all(), theta);
        try {
            double[] m = new double[p * p];
            if (part == Part.REGULARIZER && termsDiagonal != null) {
                for (int i = 0; i < p; i++) m[i * p + i] = termsDiagonal[i];
                if (progress != null) progress.update(p, p);
                return m;
            }
            // Blocks of up to 256 identity columns: several vector groups per block keep all workers busy.
            int cols = Math.max(1, Math.min(256, p));
            for (int start = 0; start < p; start += cols) {
                int k = Math.min(cols, p - start);
                // Row start+j of m is Op e_{start+j} (Op is symmetric): write the block straight in.
                denseColumns(part, start, k, m, start * p);
                if (progress != null) progress.update(start + k, p);
            }
            DenseMatrices.symmetrize(m, p);
            return m;
        } finally {
            exit();
        }
    }

    /** Op·e_q for q = start..start+k−1 into out[off ..]. */
    private void denseColumns(Part part, int start, int k, double[] out, int off) {
        int len = k * p;
        if (block.length < len) block = new double[len];
        if (part == Part.REGULARIZER) {   // terms without a constant diagonal: products with explicit columns
            applyUnchecked(Part.REGULARIZER, identityColumns(start, k), block, k);
        } else {
            // Data parts take the identity columns implicitly (scatters instead of GEMMs with unit operands).
            req.unitBase = start;
            try {
                dataProduct(part == Part.HESSIAN ? Part.DATA_HESSIAN : part, null, block, k);
            } finally {
                req.unitBase = -1;
            }
            if (part == Part.HESSIAN && terms.length > 0) {
                if (termsDiagonal != null) {
                    for (int j = 0; j < k; j++) block[j * p + start + j] += termsDiagonal[start + j];
                } else {
                    addTerms(identityColumns(start, k), block, k, true);
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

    // ------------------------------------------------------------------ requests

    /** What a request computes per chunk. */
    private enum Kind {
        /** Σ ℓ over the chunk (forward pass). */
        LOSS,
        /** Σ ℓ and the chunk's gradient into the slot buffer. */
        GRADIENT,
        /** One curvature product (k = 1). */
        SINGLE,
        /** k curvature products, in vector groups of kg, through one chunk. */
        BLOCK,
        /** Fills the chunk's state (forward pass, and backward signals for the NME) without a product. */
        WARM,
        /** Network outputs into req.out. */
        OUTPUTS,
        /** Per-sample losses into req.out. */
        LOSSES,
        /** J·v into req.out. */
        JVP,
        /** Jᵀu into the slot buffer. */
        VJP,
        /** Quadratic forms v_jᵀ Op v_j (and their gradients) of the trace penalties into the slot buffer: k forms, then P. */
        QUADRATIC,
        /** Σ ℓ and the number of correct argmax predictions (into chunkCounts). */
        CLASSIFY,
        /** Per hidden layer, the pre-activations with σ″ ≠ 0 (into chunkCounts). */
        SECOND_SUPPORT
    }

    /**
     * The request as it travels to the workers: filled by the calling thread under the
     * evaluator's lock, read-only while the team runs it. It is the {@link WorkerTeam.SlotTask}:
     * slot s of wave w works on chunk (or vector group) w + s.
     */
    private final class Request implements WorkerTeam.SlotTask {
        Kind kind;
        double[] theta;
        // Samples: count of them, rows per chunk, chunks; contiguous from `first`, or by `index`.
        Batch batch;
        int count;
        int rows;
        int chunks;
        int first;
        int[] index;
        double scale;          // 1/count: the mean over the batch
        // Products.
        double[] vs;
        int k;
        int kg;                // vectors per group
        int unitBase = -1;     // ≥ 0: the vectors are identity columns from this index (dense)
        boolean ggn;
        boolean nme;
        // Quadratic forms (trace penalties): of ∇²L (else G), and whether their gradient is wanted.
        boolean hessianForms;
        boolean formsGradient;
        // True while a data-term request runs at another point (Context.dataLossAndGradientAt).
        boolean aside;
        // States indexed by chunk (else by worker slot): see begin().
        boolean chunkStates;
        // Outputs written per chunk (outputs, per-sample losses, jvp).
        double[] out;
        // Scheduling.
        boolean byGroups;
        int wave;

        @Override
        public void run(int slot) {
            if (byGroups) groupThroughChunks(wave + slot, slot);
            else chunk(wave + slot, slot);
        }
    }

    /** Validates θ and the batch, takes the lock, enters engine work and starts the request at (θ, batch). */
    private void enter(Batch batch, double[] theta) {
        if (batch == null) throw new IllegalArgumentException("batch is null");
        checkTheta(theta);
        batch.check(data.size());
        lock.lock();
        if (closed) {
            lock.unlock();
            throw new IllegalStateException("evaluator is closed");
        }
        NativeThreads.enterEngine();
        begin(batch, theta);
    }

    private void exit() {
        req.theta = null;
        NativeThreads.exitEngine();
        lock.unlock();
    }

    /**
     * Starts a request at (θ, batch): plans its chunks and keys the state cache. With caching,
     * chunk states stay valid while θ's bits and the batch do not change; otherwise every
     * request starts afresh. Within a request, each chunk keeps its own state whenever the
     * request's states fit in the budget (always with caching; without, e.g. a minibatch of a data
     * set too large to cache), so the passes of one request (a penalty's gradient and H·g) share
     * the forward pass; only requests too large for that fall back to one state per worker slot.
     */
    private void begin(Batch batch, double[] theta) {
        Request r = req;
        r.theta = theta;
        r.batch = batch;
        r.count = batch.size(data.size());
        r.rows = chunkRows(r.count);
        r.chunks = chunkCount(r.count, r.rows);
        r.first = batch.first();
        r.index = batch.indices();
        r.scale = 1.0 / r.count;
        r.unitBase = -1;
        widestWave = 0;
        ctx.theta = theta;
        if (caching) {
            if (!batch.sameSamples(cachedBatch) || !Arrays.equals(theta, cachedTheta)) {
                System.arraycopy(theta, 0, cachedTheta, 0, p);
                cachedBatch = batch;
                version++;
            }
            r.chunkStates = true;
        } else {
            version++;
            r.chunkStates = 8L * ChunkState.doubles(mlp.widths(), r.rows) * r.chunks <= stateBudget;
        }
        int slots = r.chunkStates ? Math.max(r.chunks, threads) : threads;
        if (states.length < slots) states = Arrays.copyOf(states, slots);
        if (chunkSums.length < r.chunks) chunkSums = new double[r.chunks];
    }

    private double dataLossUnchecked() {
        if (dataLossVersion == version) return dataLossValue;
        runChunks(Kind.LOSS, null, 0);
        return setDataLoss();
    }

    /** The data gradient at the current request into {@link #dataGrad}; returns L. */
    private double dataGradientUnchecked() {
        if (dataGradVersion == version) return dataLossValue;
        runChunks(Kind.GRADIENT, dataGrad, 1);
        dataGradVersion = version;
        return setDataLoss();
    }

    private double setDataLoss() {
        double s = 0;
        for (int c = 0; c < req.chunks; c++) s += chunkSums[c];   // chunk order: independent of thread count
        dataLossValue = s / req.count;
        dataLossVersion = version;
        return dataLossValue;
    }

    /** out = Op·V for a data part (not HESSIAN or REGULARIZER): the R-operator passes. */
    private void dataProduct(Part part, double[] vs, double[] out, int k) {
        Request r = req;
        r.vs = vs;
        r.ggn = part != Part.NME;
        r.nme = part != Part.GGN;
        r.k = k;
        try {
            if (k == 1 && r.unitBase < 0) {
                runChunks(Kind.SINGLE, out, 1);
                return;
            }
            // Vectors go in groups of a fixed size (it depends on the model and the chunk rows only,
            // never on the thread count), so every vector's bits are the same however the work is spread.
            r.kg = groupSize(k, r.rows);
            int groups = (k + r.kg - 1) / r.kg;
            if (r.chunks == 1 || (groups >= threads && groups >= r.chunks)) {
                // Workers share chunk states in this mode: fill them first (each chunk by one worker),
                // so the group phase only reads them.
                if (r.chunkStates) runChunks(Kind.WARM, null, 0);
                runGroups(k, out);
            } else {
                runChunks(Kind.BLOCK, out, k);
            }
        } finally {
            r.vs = null;
        }
    }

    /**
     * Vectors per block-product group: as many as keep a worker's block buffers near 2^20 doubles
     * (8 MiB: rows × kg × Σ d_l for each of RA, RZ, RG), at most 64; groups of equal size.
     */
    private int groupSize(int k, int rows) {
        long widths = 0;
        for (int l = 1; l <= mlp.layers(); l++) widths += mlp.width(l);
        long perVector = (long) rows * widths;
        int max = (int) Math.max(1, Math.min(64, (1L << 20) / Math.max(1, perVector)));
        // Equal groups (k = 256, max 50: six groups of 43, not five of 50 and one of 6), so waves of
        // workers finish together; the size depends on k and the model only, never on threads.
        int groups = (k + max - 1) / max;
        return (k + groups - 1) / groups;
    }

    /**
     * Runs a chunk kind over all chunks in waves of {@code threads}; worker slot s computes into
     * slotOut[s] (k·P values). When {@code out} is not null, the slots are summed into out in
     * chunk order (out = Σ_chunks slot), so the result does not depend on the thread count.
     */
    private void runChunks(Kind kind, double[] out, int k) {
        runChunksLen(kind, out, k * p);
    }

    /** As {@link #runChunks}, with the length of each slot's result given (len values summed into out). */
    private void runChunksLen(Kind kind, double[] out, int len) {
        Request r = req;
        if (out != null) ensureSlots(len, len + " values");
        r.kind = kind;
        r.byGroups = false;
        boolean first = true;
        for (int wave = 0; wave < r.chunks; wave += threads) {
            int n = Math.min(threads, r.chunks - wave);
            r.wave = wave;
            widestWave = Math.max(widestWave, n);
            team.run(r, n);
            if (out != null) {
                for (int s = 0; s < n; s++) {
                    if (first) {
                        System.arraycopy(slotOut[s], 0, out, 0, len);
                        first = false;
                    } else {
                        kernels.axpy(len, 1.0, slotOut[s], 0, out, 0);
                    }
                }
            }
        }
    }

    /**
     * Runs vector groups in parallel (waves of {@code threads}); each group goes through all chunks
     * in order on one worker, summing chunk results into out in chunk order (the same order and
     * arithmetic as {@link #runChunks}, so both give identical bits).
     */
    private void runGroups(int k, double[] out) {
        Request r = req;
        ensureSlots(r.kg * p, r.kg + " vectors");
        int groups = (k + r.kg - 1) / r.kg;
        r.kind = Kind.BLOCK;
        r.byGroups = true;
        r.out = out;
        try {
            for (int wave = 0; wave < groups; wave += threads) {
                r.wave = wave;
                int n = Math.min(threads, groups - wave);
                widestWave = Math.max(widestWave, n);
                team.run(r, n);
            }
        } finally {
            r.out = null;
            r.byGroups = false;
        }
    }

    private void ensureSlots(int len, String what) {
        if (slotOut[0].length < len) {
            MemoryGuard.checkDense(threads, len, "block product workspace (" + threads + " workers × " + what + " × P=" + p + ")");
            slotOut = new double[threads][len];
        }
    }

    /** Group {@code group} of the request's vectors through all chunks, on worker {@code slot}. */
    private void groupThroughChunks(int group, int slot) {
        Request r = req;
        int j0 = group * r.kg;
        int n = Math.min(r.kg, r.k - j0);
        int len = n * p;
        ChunkPass pass = passes[slot];
        double[] buf = slotOut[slot];
        for (int chunk = 0; chunk < r.chunks; chunk++) {
            bind(pass, slot, chunk, r.nme, r.nme);
            pass.blockProduct(r.theta, r.vs, r.unitBase, j0, n, p, r.scale, r.ggn, r.nme, buf, 0);
            if (chunk == 0) System.arraycopy(buf, 0, r.out, j0 * p, len);
            else kernels.axpy(len, 1.0, buf, 0, r.out, j0 * p);
        }
    }

    /** Chunk {@code chunk} of the request on worker {@code slot}. */
    private void chunk(int chunk, int slot) {
        Request r = req;
        ChunkPass pass = passes[slot];
        int pos = chunk * r.rows;
        switch (r.kind) {
            case LOSS -> chunkSums[chunk] = bind(pass, slot, chunk, false, false).lossSum;
            case GRADIENT -> {
                ChunkState st = bind(pass, slot, chunk, false, false);
                chunkSums[chunk] = st.lossSum;
                pass.backward(r.theta, slotOut[slot]);   // the gradient, and the signals on the way
                st.signals = true;
            }
            case SINGLE -> {
                bind(pass, slot, chunk, r.nme, r.nme);
                pass.blockProduct(r.theta, r.vs, -1, 0, 1, p, r.scale, r.ggn, r.nme, slotOut[slot], 0);
            }
            case BLOCK -> {
                bind(pass, slot, chunk, r.nme, r.nme);
                for (int j0 = 0; j0 < r.k; j0 += r.kg) {
                    pass.blockProduct(r.theta, r.vs, r.unitBase, j0, Math.min(r.kg, r.k - j0), p, r.scale, r.ggn, r.nme, slotOut[slot], j0 * p);
                }
            }
            case WARM -> bind(pass, slot, chunk, r.nme, r.nme);
            case OUTPUTS -> {
                bind(pass, slot, chunk, false, false);
                int c = mlp.outputDim();
                System.arraycopy(pass.output(), 0, r.out, pos * c, pass.rows() * c);
            }
            case LOSSES -> {
                bind(pass, slot, chunk, false, false);
                // Recomputes Gr_L with the same scale: identical bits, the state stays valid.
                pass.lossAndTopSignal(data, r.index, r.index == null ? r.first + pos : pos, r.scale, r.out, pos);
            }
            case JVP -> {
                bind(pass, slot, chunk, false, false);
                pass.blockTangent(r.theta, r.vs, -1, 0, 1, p);
                int c = mlp.outputDim();
                System.arraycopy(pass.blockTangentOutput(), 0, r.out, pos * c, pass.rows() * c);
            }
            case QUADRATIC -> {
                bind(pass, slot, chunk, true, r.hessianForms && r.formsGradient);
                double[] buf = slotOut[slot];
                if (r.formsGradient) Arrays.fill(buf, r.k, r.k + p, 0.0);
                for (int j0 = 0; j0 < r.k; j0 += r.kg) {
                    pass.blockQuadratic(r.theta, r.vs, j0, Math.min(r.kg, r.k - j0), p, r.scale, r.hessianForms,
                            buf, j0, r.formsGradient ? buf : null, r.k);
                }
            }
            case CLASSIFY -> {
                chunkSums[chunk] = bind(pass, slot, chunk, false, false).lossSum;
                chunkCounts[chunk] = pass.correctPredictions(data, r.index, r.index == null ? r.first + pos : pos);
            }
            case SECOND_SUPPORT -> {
                bind(pass, slot, chunk, true, false);
                pass.countNonzeroSecondDerivative(chunkCounts, chunk * (mlp.layers() - 1));
            }
            case VJP -> {
                ChunkState st = bind(pass, slot, chunk, false, false);
                pass.setTopSignal(r.vs, pos, 1.0);
                pass.backward(r.theta, slotOut[slot]);
                st.invalidate();   // Gr_l now belong to u, not to the loss
            }
        }
    }

    /**
     * Binds chunk {@code chunk} to the worker's pass and makes sure its state holds the forward pass
     * at θ (with σ″ when {@code needSecond}), Gr_L and the softmax (scaled by 1/count), and, when
     * {@code needSignals}, the backward signals. With caching, a state computed at the same θ and
     * batch (bit for bit) by an earlier request is reused.
     */
    private ChunkState bind(ChunkPass pass, int slot, int chunk, boolean needSecond, boolean needSignals) {
        Request r = req;
        // A request at another point (aside) uses its own per-slot states, so the states cached at θ survive it.
        ChunkState[] all = r.aside ? asideStates : states;
        long ver = r.aside ? asideVersion : version;
        int idx = r.chunkStates && !r.aside ? chunk : slot;
        int pos = chunk * r.rows;
        int rows = Math.min(r.rows, r.count - pos);
        ChunkState st = all[idx];
        if (st == null || st.capacity < r.rows) st = all[idx] = new ChunkState(mlp.widths(), r.rows);   // each index has one writer per run
        boolean stale = st.version != ver || st.chunk != chunk;
        int d0 = mlp.inputDim();
        if (r.index == null) {
            pass.bind(st, data.x(), (r.first + pos) * d0, rows);
        } else {
            if (stale) gather(st, r.index, pos, rows, d0);
            pass.bind(st, st.x, 0, rows);
        }
        if (stale) {
            pass.forward(r.theta, needSecond);
            st.lossSum = pass.lossAndTopSignal(data, r.index, r.index == null ? r.first + pos : pos, r.scale, null, 0);
            st.version = ver;
            st.chunk = chunk;
            st.second = needSecond;
            st.signals = false;
        } else if (needSecond && !st.second) {
            // A gradient's forward pass left A_l: σ″ is one elementwise map away (a penalty's H·g after the gradient).
            pass.secondDerivatives();
            st.second = true;
        }
        if (needSignals && !st.signals) {
            pass.backward(r.theta, null);
            st.signals = true;
        }
        return st;
    }

    /** Copies the inputs of samples index[pos .. pos+rows) into the state's own input buffer. */
    private void gather(ChunkState st, int[] index, int pos, int rows, int d0) {
        if (st.x == null || st.x.length < st.capacity * d0) st.x = new double[st.capacity * d0];
        double[] x = data.x();
        for (int i = 0; i < rows; i++) System.arraycopy(x, index[pos + i] * d0, st.x, i * d0, d0);
    }

    /**
     * What terms see: θ, the request's seed, and the data term at the current request (loss and
     * gradient computed on demand, once per version; products, quadratic forms, and the data term at
     * other points on the same samples).
     */
    private final class Context implements Term.Context {
        static final int WORKSPACES = 4;
        double[] theta;

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
            return dataLossUnchecked();
        }

        @Override
        public double[] dataGradient() {
            dataGradientUnchecked();
            return dataGrad;
        }

        @Override
        public int batchSize() {
            return req.count;
        }

        @Override
        public boolean hasSeed() {
            return req.batch.hasSeed();
        }

        @Override
        public long seed() {
            return req.batch.seed();
        }

        @Override
        public void dataProduct(Part part, double[] vs, double[] out, int k) {
            if (part != Part.DATA_HESSIAN && part != Part.GGN && part != Part.NME) {
                throw new IllegalArgumentException("a term's data product is data_hessian, ggn or nme, not " + (part == null ? "null" : part.id()));
            }
            if (k <= 0 || vs == null || vs.length < (long) k * p || out == null || out.length < (long) k * p) {
                throw new IllegalArgumentException("data product: k = " + k + " vectors of length P = " + p + " needed in V and out");
            }
            Evaluator.this.dataProduct(part, vs, out, k);
        }

        @Override
        public void quadraticForms(Part part, double[] vs, int k, double[] forms, double[] grad) {
            if (part != Part.DATA_HESSIAN && part != Part.GGN) {
                throw new IllegalArgumentException("quadratic forms are available for data_hessian and ggn, not " + (part == null ? "null" : part.id()));
            }
            if (k <= 0 || vs == null || vs.length < (long) k * p || forms == null || forms.length < k || (grad != null && grad.length < p)) {
                throw new IllegalArgumentException("quadratic forms: k = " + k + " vectors of length P = " + p + ", k forms and a gradient of length P needed");
            }
            quadraticFormsUnchecked(part == Part.DATA_HESSIAN, vs, k, forms, grad);
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
        Request r = req;
        double[] saved = r.theta;
        if (asideStates.length < threads) asideStates = new ChunkState[threads];
        asideVersion++;
        r.theta = point;
        r.aside = true;
        try {
            if (grad != null) runChunks(Kind.GRADIENT, grad, 1);
            else runChunks(Kind.LOSS, null, 0);
            double sum = 0;
            for (int c = 0; c < r.chunks; c++) sum += chunkSums[c];   // chunk order, as setDataLoss
            return sum / r.count;
        } finally {
            r.theta = saved;
            r.aside = false;
        }
    }

    private void checkTheta(double[] theta) {
        if (theta == null) throw new IllegalArgumentException("θ is null");
        if (theta.length != p) throw new IllegalArgumentException("θ has length " + theta.length + ", model " + mlp.describe() + " has P=" + p);
        for (int i = 0; i < p; i++) {
            if (!Double.isFinite(theta[i])) throw new IllegalArgumentException("θ contains " + theta[i] + " at index " + i);
        }
    }

    private static void checkVector(double[] v, long len, String what) {
        if (v == null) throw new IllegalArgumentException(what + " is null");
        if (v.length < len) throw new IllegalArgumentException(what + " has length " + v.length + ", expected " + len);
        for (int i = 0; i < len; i++) {
            if (!Double.isFinite(v[i])) throw new IllegalArgumentException(what + " contains " + v[i] + " at index " + i);
        }
    }

    private static void checkOut(double[] out, long len, String what) {
        if (out == null) throw new IllegalArgumentException(what + " array is null");
        if (out.length < len) throw new IllegalArgumentException(what + " array has length " + out.length + ", expected at least " + len);
    }
}
