package dev.morse.engine;

import dev.morse.linalg.MemoryGuard;
import dev.morse.simd.Kernels;
import dev.morse.simd.Ranges;
import java.util.Arrays;

/**
 * Where the chunks of a request leave their results, and their sum in chunk order (for
 * {@link ChunkScheduler}): per worker slot when the chunks run in waves, per chunk when they run
 * in one team run. Either way the results are added into the output entry by entry in chunk order
 * (out = c₀, then += c₁, c₂, …), so the sum's bits do not depend on the thread count. Buffers grow
 * on demand and are kept: steady-state requests allocate nothing.
 */
final class ChunkResults {
    private final int threads, p;
    private final Kernels kernels;
    /** Where long sums run: the scheduler's ranges (all workers above its threshold). */
    private final Ranges ranges;
    private double[][] slotOut;
    private double[][] chunkOut = new double[0][];   // rows grown one by one (see ensureChunks)
    private final Sum sum = new Sum();

    ChunkResults(int threads, int p, Kernels kernels, Ranges ranges) {
        this.threads = threads;
        this.p = p;
        this.kernels = kernels;
        this.ranges = ranges;
        this.slotOut = new double[threads][p];
    }

    /** Worker {@code slot}'s buffer (waves, vector groups). */
    double[] slot(int slot) {
        return slotOut[slot];
    }

    /** Where chunk {@code chunk}'s result goes: its own buffer in a single team run, else its worker's slot. */
    double[] of(boolean allChunks, int chunk, int slot) {
        return allChunks ? chunkOut[chunk] : slotOut[slot];
    }

    /** Grows the slot buffers to len doubles; (count, unit) name them in the memory guard's message, built only then. */
    void ensureSlots(int len, int count, String unit) {
        if (slotOut[0].length < len) {
            MemoryGuard.checkDense(threads, len, "block product workspace (" + threads + " workers × " + count + unit + " × P=" + p + ")");
            slotOut = new double[threads][len];
        }
    }

    /**
     * Grows chunk buffers 0…chunks−1 to len doubles each, row by row: each request needs at most
     * the scheduler's one-run budget, and a row only grows to the longest result of a request with
     * more chunks than its index, so requests of many short and few long results do not multiply.
     */
    void ensureChunks(int chunks, int len) {
        if (chunkOut.length < chunks) chunkOut = Arrays.copyOf(chunkOut, chunks);
        for (int c = 0; c < chunks; c++) {
            if (chunkOut[c] == null || chunkOut[c].length < len) chunkOut[c] = new double[len];
        }
    }

    /**
     * out (=|+=) the slots 0…n−1 of a wave, in slot (= chunk) order; {@code first}: out starts at
     * slot 0. {@code then} (or null): run over each block of out once its entries are final (see
     * {@link #sum}); only on the last wave of a request.
     */
    void sumSlots(int n, double[] out, int len, boolean first, Ranges.Task then) {
        sum(slotOut, n, out, len, first, then);
    }

    /** out = chunk 0 + chunk 1 + … + chunk n−1 (one team run's buffers); {@code then} as in {@link #sumSlots}. */
    void sumChunks(int n, double[] out, int len, Ranges.Task then) {
        sum(chunkOut, n, out, len, true, then);
    }

    /**
     * out (=|+=) parts[0] + parts[1] + … + parts[n−1], entry by entry in that order. Long outputs are
     * summed by every worker over its own range, in the same order per entry: the serial sum's bits.
     * Each worker sums its range block by block ({@link Ranges#CACHE_BLOCK}), all parts into one block of out before the next,
     * so out is read and written once from memory rather than once per part; with {@code then} it
     * runs over each block right after its sum, while the block is in cache: an optimizer's update
     * fused into the gradient's last pass reads the gradient from L1 instead of memory.
     */
    private void sum(double[][] parts, int n, double[] out, int len, boolean first, Ranges.Task then) {
        sum.set(parts, out, n, first, then);
        try {
            ranges.run(len, sum);
        } finally {
            sum.set(null, null, 0, false, null);
        }
    }

    /** The sum over a range of entries (reused: nothing allocated). */
    private final class Sum implements Ranges.Task {
        double[][] parts;
        double[] out;
        int n;
        boolean first;   // out starts at parts[0] (copied, not added)
        Ranges.Task then;

        void set(double[][] parts, double[] out, int n, boolean first, Ranges.Task then) {
            this.parts = parts;
            this.out = out;
            this.n = n;
            this.first = first;
            this.then = then;
        }

        @Override
        public void run(int lo, int hi) {
            for (int b = lo; b < hi; b += Ranges.CACHE_BLOCK) {
                int e = Math.min(hi, b + Ranges.CACHE_BLOCK);
                add(b, e);
                if (then != null) then.run(b, e);
            }
        }

        private void add(int lo, int hi) {
            for (int s = 0; s < n; s++) {
                if (first && s == 0) System.arraycopy(parts[0], lo, out, lo, hi - lo);
                else kernels.axpy(hi - lo, 1.0, parts[s], lo, out, lo);
            }
        }
    }
}
