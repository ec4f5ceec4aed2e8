package dev.morse.engine;

import dev.morse.linalg.Linalg;
import dev.morse.linalg.MemoryGuard;
import dev.morse.linalg.OpenBlas;
import dev.morse.simd.KernelProvider;
import dev.morse.simd.Kernels;

/**
 * The training objective of an MLP on a data set, with exact first- and second-order products
 * (SPEC §2, §4, §5). All quantities are float64.
 *
 * <ul>
 *   <li>Data loss L(θ) = (1/N) Σ_n ℓ(f(x_n), y_n) (mean over samples; PyTorch {@code reduction='mean'}).
 *   <li>Objective L_R(θ) = L(θ) + R(θ), or (1 + ε‖θ‖²)·L(θ) for the multiplicative regularizer.
 *   <li>"The Hessian" is ∇²L_R = G + M + (regularizer part); G = (1/N) Σ_n J_nᵀ H_ℓ,n J_n is the
 *       Gauss–Newton matrix (GGN), M = (1/N) Σ_n Σ_c (∂ℓ_n/∂f_c) ∇²_θ f_c(x_n) the nonlinear
 *       modeling error (NME). Products are exact (Pearlmutter's R-operator, forward-over-reverse).
 * </ul>
 *
 * <p>Samples are processed in chunks of {@code batchSize} rows (the last may be shorter); each
 * chunk's sum is computed independently and the chunk sums are added in chunk order, then divided
 * by N: the sample-weighted mean over batches. Chunks run on up to {@code threads} workers; the
 * reduction order does not depend on the thread count, so results are bit-identical for any
 * number of threads. Threads have one owner: while an Objective exists, OpenBLAS is kept at one
 * thread (see {@link OpenBlas#setThreads}).
 *
 * <p>Vectors of length P follow θ's layout (SPEC §1). Block products take k vectors stored one
 * after another (V[j·P + i] is entry i of vector j: a P×k matrix in column-major order).
 * Instances are not thread-safe; each product uses the objective's reusable workspaces, so
 * steady-state products allocate nothing beyond task bookkeeping when threads > 1.
 */
public final class Objective {

    /** Which curvature operator a product applies. */
    public enum Part {
        /** ∇²L_R v: data Hessian plus the regularizer part. */
        HESSIAN,
        /** ∇²L v = G v + M v (data term only). */
        DATA_HESSIAN,
        /** G v, the generalized Gauss–Newton product. */
        GGN,
        /** M v, the nonlinear modeling error product. */
        NME,
        /** (∇²L_R − ∇²L) v, the regularizer's part. */
        REGULARIZER
    }

    private final Mlp mlp;
    private final Dataset data;
    private final Loss loss;
    private final Regularizer regularizer;
    private final double[] regDiagonal;   // λ_i for additive quadratic regularizers, else null
    private final double epsilon;         // multiplicative ε, else 0
    private final int batchSize;
    private final int threads;
    private final int numChunks;
    private final int p;
    private final Kernels kernels;
    private final Linalg linalg;

    private final ChunkPass[] passes;     // one per worker slot
    private final ChunkState[] states;    // one per chunk when caching, else one per worker slot
    private final boolean caching;
    private final double[] cachedTheta;   // the θ the cached states belong to
    private long version;
    private final WorkerTeam team;
    private static final java.lang.ref.Cleaner CLEANER = java.lang.ref.Cleaner.create();
    private double[][] slotOut;           // per-worker chunk results, k·P each
    private double[] scratchP;            // P-length temps

    private Objective(Builder b) {
        this.mlp = b.mlp;
        this.data = b.data;
        this.loss = b.loss;
        this.regularizer = b.regularizer;
        this.p = mlp.numParameters();
        if (data.inputDim() != mlp.inputDim()) {
            throw new IllegalArgumentException("dims differ: data has d0=" + data.inputDim() + " inputs, model " + mlp.describe() + " expects " + mlp.inputDim());
        }
        if (loss == Loss.CROSS_ENTROPY) {
            if (!data.isClassification()) throw new IllegalArgumentException("cross_entropy needs class-index targets; the data set has real targets");
            if (data.numClasses() != mlp.outputDim()) {
                throw new IllegalArgumentException("dims differ: data has " + data.numClasses() + " classes, model output width is " + mlp.outputDim());
            }
        } else {
            if (data.isClassification()) throw new IllegalArgumentException("mse needs real-valued targets; the data set has class indices");
            if (data.targetDim() != mlp.outputDim()) {
                throw new IllegalArgumentException("dims differ: targets have C=" + data.targetDim() + " columns, model output width is " + mlp.outputDim());
            }
        }
        this.regDiagonal = Regularizer.diagonal(regularizer, mlp);
        this.epsilon = regularizer instanceof Regularizer.Multiplicative m ? m.epsilon() : 0.0;
        this.batchSize = Math.min(b.batchSize, data.size());
        this.numChunks = (data.size() + batchSize - 1) / batchSize;
        this.threads = Math.max(1, Math.min(b.threads, numChunks));
        this.kernels = KernelProvider.get();
        this.linalg = Linalg.get();
        // One owner for the cores: our workers, not OpenBLAS's pool on top of them.
        OpenBlas.setThreads(1);
        this.chunkSums = new double[numChunks];
        this.team = new WorkerTeam(threads);
        // The team's threads end when this objective becomes unreachable (they never reference it).
        CLEANER.register(this, team::close);
        this.passes = new ChunkPass[threads];
        for (int i = 0; i < threads; i++) passes[i] = new ChunkPass(mlp, loss, kernels, linalg, batchSize);
        // Keep one state per chunk (forward and backward passes reused by products at the same θ)
        // when they take at most a quarter of the heap and 1 GiB; else one per worker.
        long cacheBytes = 8L * ChunkState.doubles(mlp.widths(), batchSize) * numChunks;
        this.caching = b.cacheStates && cacheBytes <= Math.min(1L << 30, Runtime.getRuntime().maxMemory() / 4);
        this.states = new ChunkState[caching ? numChunks : threads];   // created on first use
        this.cachedTheta = new double[p];
        initTasks();
        this.slotOut = new double[threads][p];
        this.scratchP = new double[p];
    }

    /** Creates the reusable tasks (after every field they read is assigned). */
    private void initTasks() {
        gradientTask = (pass, chunk, slot) -> {
            ChunkState st = bindChunk(pass, slot, chunk, argTheta, false, false);
            chunkSums[chunk] = st.lossSum;
            pass.backward(argTheta, slotOut[slot]);   // the gradient, and the signals on the way
            st.signals = true;
        };
        singleTask = (pass, chunk, slot) -> {
            bindChunk(pass, slot, chunk, argTheta, argNme, argNme);
            pass.blockProduct(argTheta, argVs, 0, 1, p, argInv, argGgn, argNme, slotOut[slot], 0);
        };
        blockChunkTask = (pass, chunk, slot) -> {
            bindChunk(pass, slot, chunk, argTheta, argNme, argNme);
            for (int j0 = 0; j0 < argK; j0 += argKg) {
                pass.blockProduct(argTheta, argVs, argUnitBase, j0, Math.min(argKg, argK - j0), p, argInv, argGgn, argNme, slotOut[slot], j0 * p);
            }
        };
        blockGroupTask = (pass, slot, chunk, j0, n, buf, off) -> {
            bindChunk(pass, slot, chunk, argTheta, argNme, argNme);
            pass.blockProduct(argTheta, argVs, argUnitBase, j0, n, p, argInv, argGgn, argNme, buf, off);
        };
        warmTask = (pass, chunk, slot) -> bindChunk(pass, slot, chunk, argTheta, argNme, argNme);
        groupSlot = slot -> groupAllChunks(curGroupTask, curWave + slot, curKg, curK, slot, curOut);
        chunkSlot = slot -> curChunkTask.run(passes[slot], curWave + slot, slot);
    }

    /** Starts an objective; defaults: no regularizer, batch size 256, threads = available cores. */
    public static Builder builder(Mlp mlp, Dataset data, Loss loss) {
        return new Builder(mlp, data, loss);
    }

    public static final class Builder {
        private final Mlp mlp;
        private final Dataset data;
        private final Loss loss;
        private Regularizer regularizer = Regularizer.NONE;
        private int batchSize = 256;
        private int threads = Runtime.getRuntime().availableProcessors();
        private boolean cacheStates = true;

        private Builder(Mlp mlp, Dataset data, Loss loss) {
            if (mlp == null || data == null || loss == null) throw new IllegalArgumentException("model, data and loss are required");
            this.mlp = mlp;
            this.data = data;
            this.loss = loss;
        }

        public Builder regularizer(Regularizer r) {
            this.regularizer = r == null ? Regularizer.NONE : r;
            return this;
        }

        /** Rows per chunk (memory per worker grows with it); results are the same up to rounding for any value. */
        public Builder batchSize(int rows) {
            if (rows <= 0) throw new IllegalArgumentException("batch size must be positive, got " + rows);
            this.batchSize = rows;
            return this;
        }

        /** Worker threads over chunks (results are bit-identical for any value). */
        public Builder threads(int n) {
            if (n <= 0) throw new IllegalArgumentException("threads must be positive, got " + n);
            this.threads = n;
            return this;
        }

        /**
         * Whether to keep each chunk's forward and backward passes between products at the same θ
         * (default on; used only when they take at most a quarter of the heap and 1 GiB). Results
         * are bit-identical either way; caching only saves time.
         */
        public Builder cacheStates(boolean on) {
            this.cacheStates = on;
            return this;
        }

        public Objective build() {
            return new Objective(this);
        }
    }

    public Mlp model() {
        return mlp;
    }

    public Dataset data() {
        return data;
    }

    public Loss loss() {
        return loss;
    }

    public Regularizer regularizer() {
        return regularizer;
    }

    /** P, the number of parameters. */
    public int dim() {
        return p;
    }

    public int batchSize() {
        return batchSize;
    }

    public int threads() {
        return threads;
    }

    /** True when chunk states are kept between products at the same θ (see {@link Builder#cacheStates}). */
    public boolean cachesStates() {
        return caching;
    }

    // ------------------------------------------------------------------ values and gradients

    /** L_R(θ): data loss plus regularizer (SPEC §2, §4). */
    public double loss(double[] theta) {
        checkTheta(theta);
        return regularizedValue(theta, dataLossUnchecked(theta));
    }

    /** L(θ) = (1/N) Σ ℓ_n, without the regularizer. */
    public double dataLoss(double[] theta) {
        checkTheta(theta);
        return dataLossUnchecked(theta);
    }

    /** Per-sample losses ℓ(f(x_n), y_n), length N (not divided by N). */
    public double[] perSampleLosses(double[] theta) {
        checkTheta(theta);
        double[] out = new double[data.size()];
        runChunks(1, (pass, chunk, slot) -> {
            bindChunk(pass, slot, chunk, theta, false, false);
            // Recomputes Gr_L with the same scale: identical bits, the state stays valid.
            pass.lossAndTopSignal(data, chunkStart(chunk), 1.0 / data.size(), out, chunkStart(chunk));
        }, null);
        return out;
    }

    /** Network outputs f(x_n) for all samples: N × C row-major (logits for cross-entropy). */
    public double[] outputs(double[] theta) {
        checkTheta(theta);
        int c = mlp.outputDim();
        double[] out = new double[data.size() * c];
        runChunks(1, (pass, chunk, slot) -> {
            bindChunk(pass, slot, chunk, theta, false, false);
            System.arraycopy(pass.output(), 0, out, chunkStart(chunk) * c, pass.rows() * c);
        }, null);
        return out;
    }

    /** Writes ∇L_R(θ) into grad (length P) and returns L_R(θ). */
    public double lossAndGradient(double[] theta, double[] grad) {
        double l = dataLossAndGradient(theta, grad);
        return regularizeGradient(theta, l, grad);
    }

    /** Writes ∇L(θ) (data term only) into grad and returns L(θ). */
    public double dataLossAndGradient(double[] theta, double[] grad) {
        checkTheta(theta);
        checkOut(grad, p, "gradient");
        return gradientUnchecked(theta, grad);
    }

    // ------------------------------------------------------------------ curvature products

    /** out = ∇²L_R(θ)·v, the Hessian of the whole objective (regularizer included). */
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

    /** out = (∇²L_R − ∇²L)·v, the regularizer's part (λv, diag(λ_i)v, or the multiplicative form). */
    public void regularizerHvp(double[] theta, double[] v, double[] out) {
        apply(Part.REGULARIZER, theta, v, out, 1);
    }

    /**
     * Block product OUT = Op·V for k vectors (V and OUT hold k vectors of length P one after the
     * other). The forward and reverse passes of each chunk are shared by the k vectors, so the
     * block costs markedly less than k single products.
     */
    public void apply(Part part, double[] theta, double[] vs, double[] out, int k) {
        checkTheta(theta);
        if (k <= 0) throw new IllegalArgumentException("block size k must be positive, got " + k);
        checkVector(vs, (long) k * p, "V");
        checkOut(out, (long) k * p, "output");
        if (part == Part.REGULARIZER) {
            regularizerBlock(theta, vs, out, k, false);
            return;
        }
        if (part == Part.HESSIAN && epsilon != 0) {
            // Multiplicative: the part needs H_data·v, g and L anyway; one pass gives the total.
            regularizerBlock(theta, vs, out, k, true);
            return;
        }
        Part dataPart = part == Part.HESSIAN ? Part.DATA_HESSIAN : part;
        dataBlock(dataPart, theta, vs, out, k);
        if (part == Part.HESSIAN && regDiagonal != null) {
            for (int j = 0; j < k; j++) {
                int o = j * p;
                for (int i = 0; i < p; i++) out[o + i] += regDiagonal[i] * vs[o + i];
            }
        }
    }

    /** {@link #apply} writing the k results into out[off ..]. */
    private void applyInto(Part part, double[] theta, double[] vs, double[] out, int off, int k) {
        if (denseCol == null || denseCol.length < k * p) denseCol = new double[k * p];
        apply(part, theta, vs, denseCol, k);
        System.arraycopy(denseCol, 0, out, off, k * p);
    }

    private double[] denseCol;

    /** Op·e_q for q = start..start+k−1 (data parts, plus λ_q for an additive regularizer) into out[off ..]. */
    private void unitColumns(Part part, double[] theta, int start, int k, double[] out, int off) {
        if (denseCol == null || denseCol.length < k * p) denseCol = new double[k * p];
        argUnitBase = start;
        try {
            dataBlock(part == Part.HESSIAN ? Part.DATA_HESSIAN : part, theta, null, denseCol, k);
        } finally {
            argUnitBase = -1;
        }
        System.arraycopy(denseCol, 0, out, off, k * p);
        if (part == Part.HESSIAN && regDiagonal != null) {
            for (int j = 0; j < k; j++) out[off + j * p + start + j] += regDiagonal[start + j];
        }
    }

    /** J·v: the outputs' directional derivatives for all samples, N × C row-major. */
    public void jvp(double[] theta, double[] v, double[] out) {
        checkTheta(theta);
        checkVector(v, p, "v");
        int c = mlp.outputDim();
        checkOut(out, (long) data.size() * c, "jvp output");
        runChunks(1, (pass, chunk, slot) -> {
            bindChunk(pass, slot, chunk, theta, false, false);
            pass.blockTangent(theta, v, -1, 0, 1, p);
            System.arraycopy(pass.blockTangentOutput(), 0, out, chunkStart(chunk) * c, pass.rows() * c);
        }, null);
    }

    /** Jᵀ·u = Σ_n J_nᵀ u_n for cotangents u (N × C row-major); no 1/N factor. Result length P. */
    public void vjp(double[] theta, double[] u, double[] out) {
        checkTheta(theta);
        int c = mlp.outputDim();
        checkVector(u, (long) data.size() * c, "u");
        checkOut(out, p, "vjp output");
        runChunks(1, (pass, chunk, slot) -> {
            ChunkState st = bindChunk(pass, slot, chunk, theta, false, false);
            pass.setTopSignal(u, chunkStart(chunk), 1.0);
            pass.backward(theta, slotOut[slot]);
            st.invalidate();   // Gr_l now belong to u, not to the loss
        }, out);
    }

    // ------------------------------------------------------------------ dense matrices

    /** Dense ∇²L_R(θ), P × P row-major, symmetric by construction. */
    public double[] denseHessian(double[] theta) {
        return dense(Part.HESSIAN, theta);
    }

    /** Dense G(θ). */
    public double[] denseGgn(double[] theta) {
        return dense(Part.GGN, theta);
    }

    /** Dense M(θ). */
    public double[] denseNme(double[] theta) {
        return dense(Part.NME, theta);
    }

    /**
     * Dense P × P matrix of an operator part, built from block products of identity columns and
     * symmetrized as (A + Aᵀ)/2 (the products are symmetric up to rounding). Refused up front by
     * {@link MemoryGuard} when it cannot fit.
     */
    public double[] dense(Part part, double[] theta) {
        return dense(part, theta, null);
    }

    /** Receives progress of a long computation: {@code done} of {@code total} units (columns). */
    @FunctionalInterface
    public interface Progress {
        void update(long done, long total);
    }

    /** As {@link #dense(Part, double[])}, reporting the columns done after each block. */
    public double[] dense(Part part, double[] theta, Progress progress) {
        checkTheta(theta);
        // Blocks of up to 256 identity columns: several vector groups per block keep all workers busy.
        int block = Math.max(1, Math.min(256, p));
        MemoryGuard.checkDense(p, p, "dense " + part.name().toLowerCase() + " (P=" + p + ")");
        double[] m = new double[p * p];
        // Data parts take the identity columns implicitly (scatters instead of GEMMs with unit
        // operands); the regularizer part and the multiplicative form go through apply.
        boolean unit = part != Part.REGULARIZER && !(part == Part.HESSIAN && epsilon != 0);
        double[] e = unit ? null : new double[block * p];
        for (int start = 0; start < p; start += block) {
            int k = Math.min(block, p - start);
            // Row start+j of m is Op e_{start+j} (Op is symmetric): write the block straight in.
            if (unit) {
                unitColumns(part, theta, start, k, m, start * p);
            } else {
                java.util.Arrays.fill(e, 0, k * p, 0.0);
                for (int j = 0; j < k; j++) e[j * p + start + j] = 1.0;
                applyInto(part, theta, e, m, start * p, k);
            }
            if (progress != null) progress.update(start + k, p);
        }
        symmetrize(m, p);
        return m;
    }

    /** m = (m + mᵀ)/2 in place, in 64 × 64 tiles so the transposed reads stay in cache. */
    public static void symmetrize(double[] m, int n) {
        final int t = 64;
        for (int bi = 0; bi < n; bi += t) {
            for (int bj = bi; bj < n; bj += t) {
                int iEnd = Math.min(bi + t, n), jEnd = Math.min(bj + t, n);
                for (int i = bi; i < iEnd; i++) {
                    for (int j = Math.max(bj, i + 1); j < jEnd; j++) {
                        double s = 0.5 * (m[i * n + j] + m[j * n + i]);
                        m[i * n + j] = s;
                        m[j * n + i] = s;
                    }
                }
            }
        }
    }

    // ------------------------------------------------------------------ internals

    private double dataLossUnchecked(double[] theta) {
        runChunks(1, (pass, chunk, slot) -> {
            chunkSums[chunk] = bindChunk(pass, slot, chunk, theta, false, false).lossSum;
        }, null);
        double s = 0;
        for (int c = 0; c < numChunks; c++) s += chunkSums[c];   // chunk order: independent of thread count
        return s / data.size();
    }

    private double gradientUnchecked(double[] theta, double[] grad) {
        argTheta = theta;
        argInv = 1.0 / data.size();
        try {
            runChunks(1, gradientTask, grad);
        } finally {
            argTheta = null;
        }
        double s = 0;
        for (int c = 0; c < numChunks; c++) s += chunkSums[c];   // chunk order: independent of thread count
        return s / data.size();
    }

    // Product arguments live in fields and the chunk tasks are allocated once, so a steady-state
    // product allocates nothing (capturing lambdas would allocate on every call).
    private double[] argTheta;
    private double[] argVs;
    private double argInv;
    private boolean argGgn;
    private boolean argNme;
    private int argK;
    private int argKg;
    private int argUnitBase = -1;   // ≥ 0: the vectors are identity columns from this index (dense)
    private final double[] chunkSums;

    private ChunkTask gradientTask;

    private ChunkTask singleTask;

    private ChunkTask blockChunkTask;

    private GroupTask blockGroupTask;
    private ChunkTask warmTask;

    private void dataBlock(Part part, double[] theta, double[] vs, double[] out, int k) {
        argTheta = theta;
        argVs = vs;
        argGgn = part != Part.NME;
        argNme = part != Part.GGN;
        argInv = 1.0 / data.size();
        argK = k;
        try {
            if (k == 1 && argUnitBase < 0) {
                runChunks(1, singleTask, out);
                return;
            }
            // Vectors go in groups of a fixed size (it depends on the model and batch size only, never
            // on the thread count), so every vector's bits are the same however the work is spread.
            argKg = groupSize(k);
            int groups = (k + argKg - 1) / argKg;
            if (numChunks == 1 || (groups >= threads && groups >= numChunks)) {
                // Workers share chunk states in this mode: fill them first (each chunk by one worker),
                // so the group phase only reads them.
                if (caching) runChunks(1, warmTask, null);
                runGroups(k, argKg, blockGroupTask, out);
            } else {
                runChunks(k, blockChunkTask, out);
            }
        } finally {
            argTheta = null;
            argVs = null;
        }
    }

    /**
     * Vectors per block-product group: as many as keep a worker's block buffers near 2^20 doubles
     * (8 MiB: rows × kg × Σ d_l for each of RA, RZ, RG), at most 64.
     */
    private int groupSize(int k) {
        long widths = 0;
        for (int l = 1; l <= mlp.layers(); l++) widths += mlp.width(l);
        long perVector = (long) batchSize * widths;
        int max = (int) Math.max(1, Math.min(64, (1L << 20) / Math.max(1, perVector)));
        // Equal groups (k = 256, max 50: six groups of 43, not five of 50 and one of 6), so waves of
        // workers finish together; the size depends on k and the model only, never on threads.
        int groups = (k + max - 1) / max;
        return (k + groups - 1) / groups;
    }

    @FunctionalInterface
    private interface GroupTask {
        /** Computes chunk {@code chunk}'s contribution for vectors j0..j0+n−1 into buf[off ..]. */
        void run(ChunkPass pass, int slot, int chunk, int j0, int n, double[] buf, int off);
    }

    /**
     * Runs vector groups in parallel (waves of {@code threads}); each group goes through all chunks
     * in order on one worker, summing chunk results into out in chunk order (the same order and
     * arithmetic as {@link #runChunks}, so both give identical bits).
     */
    private void runGroups(int k, int kg, GroupTask task, double[] out) {
        int groups = (k + kg - 1) / kg;
        int len = kg * p;
        if (slotOut[0].length < len) {
            MemoryGuard.checkDense(threads, len, "block product workspace (" + threads + " workers × " + kg + " vectors × P=" + p + ")");
            slotOut = new double[threads][len];
        }
        curGroupTask = task;
        curKg = kg;
        curK = k;
        curOut = out;
        try {
            for (int wave = 0; wave < groups; wave += threads) {
                curWave = wave;
                team.run(groupSlot, Math.min(threads, groups - wave));
            }
        } finally {
            curGroupTask = null;
            curOut = null;
        }
    }

    private GroupTask curGroupTask;
    private ChunkTask curChunkTask;
    private int curWave;
    private int curKg;
    private int curK;
    private double[] curOut;
    private WorkerTeam.SlotTask groupSlot;
    private WorkerTeam.SlotTask chunkSlot;

    private void groupAllChunks(GroupTask task, int group, int kg, int k, int slot, double[] out) {
        int j0 = group * kg;
        int n = Math.min(kg, k - j0);
        int len = n * p;
        for (int chunk = 0; chunk < numChunks; chunk++) {
            task.run(passes[slot], slot, chunk, j0, n, slotOut[slot], 0);
            if (chunk == 0) System.arraycopy(slotOut[slot], 0, out, j0 * p, len);
            else kernels.axpy(len, 1.0, slotOut[slot], 0, out, j0 * p);
        }
    }

    /** Regularizer part for k vectors; with {@code total} (multiplicative only) the whole ∇²L_ε·v. */
    private void regularizerBlock(double[] theta, double[] vs, double[] out, int k, boolean total) {
        if (regDiagonal != null) {
            for (int j = 0; j < k; j++) for (int i = 0; i < p; i++) out[j * p + i] = regDiagonal[i] * vs[j * p + i];
            return;
        }
        if (epsilon == 0) {
            java.util.Arrays.fill(out, 0, k * p, 0.0);
            return;
        }
        // ∇²L_ε − H = ε‖θ‖² H + 2ε(θ gᵀ + g θᵀ) + 2εL I, with H, g, L of the data loss.
        // Callers asking for the total Hessian get (1 + ε‖θ‖²) H + the same rank-2 and identity terms.
        double[] g = scratchP;
        double l = gradientUnchecked(theta, g);
        dataBlock(Part.DATA_HESSIAN, theta, vs, out, k);
        double t2 = kernels.sumOfSquares(p, theta, 0);
        double hScale = total ? 1 + epsilon * t2 : epsilon * t2;
        for (int j = 0; j < k; j++) {
            int o = j * p;
            double gv = kernels.dot(p, g, 0, vs, o);
            double tv = kernels.dot(p, theta, 0, vs, o);
            for (int i = 0; i < p; i++) {
                out[o + i] = hScale * out[o + i] + 2 * epsilon * (theta[i] * gv + g[i] * tv) + 2 * epsilon * l * vs[o + i];
            }
        }
    }

    private double regularizedValue(double[] theta, double l) {
        if (regDiagonal != null) {
            double r = 0;
            for (int i = 0; i < p; i++) r += regDiagonal[i] * theta[i] * theta[i];
            return l + 0.5 * r;
        }
        if (epsilon != 0) return (1 + epsilon * kernels.sumOfSquares(p, theta, 0)) * l;
        return l;
    }

    private double regularizeGradient(double[] theta, double l, double[] grad) {
        if (regDiagonal != null) {
            double r = 0;
            for (int i = 0; i < p; i++) {
                r += regDiagonal[i] * theta[i] * theta[i];
                grad[i] += regDiagonal[i] * theta[i];
            }
            return l + 0.5 * r;
        }
        if (epsilon != 0) {
            double t2 = kernels.sumOfSquares(p, theta, 0);
            double s = 1 + epsilon * t2;
            for (int i = 0; i < p; i++) grad[i] = s * grad[i] + 2 * epsilon * l * theta[i];
            return s * l;
        }
        return l;
    }

    private int chunkStart(int chunk) {
        return chunk * batchSize;
    }

    private int chunkRows(int chunk) {
        return Math.min(batchSize, data.size() - chunk * batchSize);
    }

    /**
     * Binds chunk {@code chunk} to the worker's pass and makes sure its state holds the forward pass
     * at θ (with σ″ when {@code needSecond}), Gr_L and the softmax (scaled by 1/N), and, when
     * {@code needSignals}, the backward signals. With caching, a state computed at the same θ
     * (bit for bit) by an earlier product is reused; {@link #beginProduct} tracks θ.
     */
    private ChunkState bindChunk(ChunkPass pass, int slot, int chunk, double[] theta, boolean needSecond, boolean needSignals) {
        int idx = caching ? chunk : slot;
        ChunkState st = states[idx];
        if (st == null) st = states[idx] = new ChunkState(mlp.widths(), batchSize);   // each index has one writer per run
        pass.bind(st, data.x(), chunkStart(chunk) * data.inputDim(), chunkRows(chunk));
        if (st.version != version || st.chunk != chunk || (needSecond && !st.second)) {
            pass.forward(theta, needSecond);
            st.lossSum = pass.lossAndTopSignal(data, chunkStart(chunk), 1.0 / data.size(), null, 0);
            st.version = version;
            st.chunk = chunk;
            st.second = needSecond;
            st.signals = false;
        }
        if (needSignals && !st.signals) {
            pass.backward(theta, null);
            st.signals = true;
        }
        return st;
    }

    /**
     * Every public product calls this first with its θ (after validation). With caching, the chunk
     * states stay valid while θ's bits do not change; otherwise every product starts afresh.
     */
    private void beginProduct(double[] theta) {
        if (caching) {
            if (!java.util.Arrays.equals(theta, cachedTheta)) {
                System.arraycopy(theta, 0, cachedTheta, 0, p);
                version++;
            }
        } else {
            version++;
        }
    }

    @FunctionalInterface
    private interface ChunkTask {
        void run(ChunkPass pass, int chunk, int slot);
    }

    /**
     * Runs task over all chunks in waves of {@code threads}; worker slot s computes into
     * slotOut[s] (k·P values). When {@code out} is not null, the slots are summed into out in
     * chunk order (out = Σ_chunks slot), so the result does not depend on the thread count.
     */
    private void runChunks(int k, ChunkTask task, double[] out) {
        int len = k * p;
        if (out != null && slotOut[0].length < len) {
            MemoryGuard.checkDense(threads, len, "block product workspace (" + threads + " workers × k=" + k + " × P=" + p + ")");
            slotOut = new double[threads][len];
        }
        curChunkTask = task;
        try {
            boolean first = true;
            for (int wave = 0; wave < numChunks; wave += threads) {
                int n = Math.min(threads, numChunks - wave);
                curWave = wave;
                team.run(chunkSlot, n);
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
        } finally {
            curChunkTask = null;
        }
    }

    /** Validates θ and starts a product at it ({@link #beginProduct}). */
    private void checkTheta(double[] theta) {
        if (theta == null) throw new IllegalArgumentException("θ is null");
        if (theta.length != p) throw new IllegalArgumentException("θ has length " + theta.length + ", model " + mlp.describe() + " has P=" + p);
        for (int i = 0; i < p; i++) {
            if (!Double.isFinite(theta[i])) throw new IllegalArgumentException("θ contains " + theta[i] + " at index " + i);
        }
        beginProduct(theta);
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
