package dev.morse.engine;

import dev.morse.linalg.Linalg;

/**
 * The tasks of the first layer's Kronecker form Σ_s Q_s ⊗ x_s x_sᵀ that {@link ChunkScheduler}
 * runs on its workers: the GEMMs of a range of the block's lower-triangle columns, and the Gram
 * tiles of its Frobenius norm. This class lays the tasks out (fixed by the model and the range
 * alone, so their bits never depend on the threads) and runs one on a worker's own
 * {@link KroneckerGemms}; the scheduler claims them.
 */
final class FirstLayerTasks {

    /**
     * Rows of a unit's first-layer weights per Kronecker GEMM: a unit's d_0 rows in near-even
     * blocks of at most this many, aligned at the unit's start. Large blocks make large GEMMs
     * (784 × 784 × 2000 ran at 74–80 GFLOP/s on two workers where 196-row blocks ran at 57–70,
     * Xeon AVX-512, 2 vCPUs); the cap bounds the scaled copy of the inputs, rows × block doubles
     * per worker.
     */
    static final int KRONECKER_ROWS = 1024;

    /** Samples per side of a Gram tile (fixed: the tiles, and so the bits, never depend on the threads). */
    static final int GRAM_TILE = 512;

    private final Mlp mlp;
    private final Dataset data;
    private final int p;
    private final KroneckerGemms[] gemms;   // per worker slot
    // The GEMM tasks of a column range: κ's index in Q_s, first column, columns, output offset.
    private int[] taskKappa = new int[0], taskC0 = new int[0], taskM = new int[0], taskOut = new int[0];
    private double[] tileSums = new double[0];

    FirstLayerTasks(Mlp mlp, Dataset data, Linalg linalg, int slots) {
        this.mlp = mlp;
        this.data = data;
        this.p = mlp.numParameters();
        this.gemms = new KroneckerGemms[slots];
        for (int i = 0; i < slots; i++) gemms[i] = new KroneckerGemms(mlp, linalg);
    }

    /**
     * The row block of {@link #KRONECKER_ROWS} for d_0 inputs: fixed by d_0 alone, so the GEMMs of
     * a given range of columns, and their bits, never depend on the threads. (The ranges are the
     * callers': whole units, from the Morse check's assembly and from {@link Evaluator#dense}.)
     */
    static int kroneckerRows(int d0) {
        return Math.ceilDiv(d0, Math.ceilDiv(d0, KRONECKER_ROWS));
    }

    /** Columns from first-layer column q0 to the end of its row block (of {@code mb}), its unit, or end. */
    private int kroneckerBlock(int q0, int end, int mb) {
        int d0 = mlp.inputDim(), c0 = (q0 - mlp.weightOffset(1)) % d0;
        return Math.min(mb - c0 % mb, Math.min(d0 - c0, end - q0));
    }

    /**
     * Lays out the GEMMs of first-layer columns start … start+k−1 as lower triangles, into
     * out[outOff + j·P …] of the run: for column (i, c) the entries of the weights of units i′ ≤ i
     * (all of unit i, past the diagonal too), by {@link KroneckerGemms#rows}, one GEMM per block
     * of {@link #kroneckerRows} columns of one unit (cut by the range) and unit i′; the columns'
     * later entries are not written. Returns the number of tasks.
     */
    int planColumns(int start, int k, int outOff) {
        int d0 = mlp.inputDim(), d1 = mlp.width(1), w1 = mlp.weightOffset(1), mb = kroneckerRows(d0);
        if (start < w1 || start + k > w1 + d0 * d1) throw new IllegalArgumentException("columns [" + start + ", " + (start + k) + ") are not all first-layer weights");
        int tasks = 0;
        for (int q0 = start; q0 < start + k; q0 += kroneckerBlock(q0, start + k, mb)) tasks += (q0 - w1) / d0 + 1;
        ensureTasks(tasks);
        int t = 0;
        for (int q0 = start; q0 < start + k; ) {
            int i = (q0 - w1) / d0, c0 = (q0 - w1) % d0, m = kroneckerBlock(q0, start + k, mb);
            for (int ip = 0; ip <= i; ip++, t++) {
                taskKappa[t] = i * d1 + ip;
                taskC0[t] = c0;
                taskM[t] = m;
                taskOut[t] = outOff + (q0 - start) * p + w1 + ip * d0;
            }
            q0 += m;
        }
        return tasks;
    }

    /**
     * Column task {@code task} on worker {@code slot}: its GEMM summed over the chunks in order,
     * for the samples first … first+count−1 (contiguous) in chunks of {@code rows}, Q_s in q.
     */
    void columnsTask(int task, int slot, double[] q, int first, int count, int rows, int chunks, double[] out) {
        int d0 = mlp.inputDim(), dd = mlp.width(1) * mlp.width(1);
        KroneckerGemms g = gemms[slot];
        for (int chunk = 0; chunk < chunks; chunk++) {
            int pos = chunk * rows, n = Math.min(rows, count - pos);
            g.rows(data.x(), (first + pos) * d0, n, q, pos * dd, taskKappa[task], taskC0[task], taskM[task],
                    chunk > 0, out, taskOut[task], p);
        }
    }

    /** The Gram tasks for ‖Σ_s Q_s ⊗ x_s x_sᵀ‖_F² over the first {@code count} samples: the lower tiles of the N × N Gram matrices. */
    int planGram(int count) {
        int tiles = (count + GRAM_TILE - 1) / GRAM_TILE, tasks = tiles * (tiles + 1) / 2;
        if (tileSums.length < tasks) tileSums = new double[tasks];
        return tasks;
    }

    /**
     * Gram task {@code task} on worker {@code slot}: one tile's Σ ⟨Q_s, Q_t⟩ (x_sᵀx_t)². Tasks
     * number the lower tiles row by row, (a, b) with b ≤ a: task = a(a+1)/2 + b.
     */
    void gramTask(int task, int slot, double[] q, int count) {
        int a = 0;
        while ((a + 1) * (a + 2) / 2 <= task) a++;
        int b = task - a * (a + 1) / 2;
        int a0 = a * GRAM_TILE, b0 = b * GRAM_TILE;
        int na = Math.min(GRAM_TILE, count - a0), nb = Math.min(GRAM_TILE, count - b0);
        tileSums[task] = gemms[slot].gramTile(data.x(), q, a0, na, b0, nb);
    }

    /** Σ_{s,t} ⟨Q_s, Q_t⟩ (x_sᵀx_t)² from the tiles' sums, in tile order (off-diagonal tiles count twice). */
    double gramSum(int count) {
        int tiles = (count + GRAM_TILE - 1) / GRAM_TILE;
        double sum = 0;
        for (int a = 0, t = 0; a < tiles; a++) {
            for (int b = 0; b <= a; b++, t++) sum += (a == b ? 1 : 2) * tileSums[t];
        }
        return sum;
    }

    private void ensureTasks(int tasks) {
        if (taskKappa.length >= tasks) return;
        taskKappa = new int[tasks];
        taskC0 = new int[tasks];
        taskM = new int[tasks];
        taskOut = new int[tasks];
    }
}
