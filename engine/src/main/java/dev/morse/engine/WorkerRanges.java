package dev.morse.engine;

import dev.morse.simd.Ranges;

/**
 * Elementwise work over [0, n) on the workers of a {@link WorkerTeam}: {@link Evaluator#ranges()}
 * between requests; inside a request the chunks' sums ({@link ChunkResults}), θ's scan
 * ({@link ThetaKey}) and a fused {@code then} task. [0, n) is cut into one range of whole 8-entry
 * blocks per worker, the calling thread on the first; below {@link #PARALLEL_REDUCTION} entries,
 * one range on the calling thread. Every entry lies in one range, so the bits are those of
 * {@link Ranges#SERIAL} for any thread count. Not a part of the chunk plan: the cut depends on the
 * thread count, which is why only work whose entries are independent runs here.
 *
 * <p>Allocates nothing per run. Used by one thread at a time (the evaluator's lock).
 */
final class WorkerRanges implements Ranges {

    /**
     * Range work (chunk sums, optimizer steps) at least this long runs on all workers, each over
     * its own range; shorter work on the calling thread alone, where one more hand-off would cost
     * more. At P = 269 322 (784-256-256-10) the serial sum of 8 chunks' results was ~2–3 ms of a
     * 25 ms H·v with the other worker idle (JFR: the largest non-GEMM item inside Lanczos's
     * products).
     */
    static final int PARALLEL_REDUCTION = 1 << 15;

    private final WorkerTeam team;
    private final int threads;
    /** Range runs on all workers so far, θ's scans apart (tests: the parallel path of sums and range work really ran). */
    long parallelRanges;
    /** θ's scans that ran on all workers so far ({@link ThetaKey}; tests). */
    long parallelScans;
    /** {@link #scan} as {@link Ranges}, made once (a method reference per request would allocate). */
    final Ranges scans = this::scan;

    // The run in flight, read by the slots.
    private Ranges.Task rangeTask;
    private int rangeLen;
    private final WorkerTeam.SlotTask rangeSlots = slot -> {
        int lo = rangeStart(rangeLen, slot), hi = rangeStart(rangeLen, slot + 1);
        if (lo < hi) rangeTask.run(lo, hi);
    };

    WorkerRanges(WorkerTeam team, int threads) {
        this.team = team;
        this.threads = threads;
    }

    /** Runs task over [0, n), cut as the class comment says. */
    @Override
    public void run(int n, Ranges.Task task) {
        if (runUncounted(n, task)) parallelRanges++;
    }

    /** θ's scan ({@link ThetaKey}), counted apart from the other range work. */
    private void scan(int n, Ranges.Task task) {
        if (runUncounted(n, task)) parallelScans++;
    }

    /** {@link #run}; true when the ranges ran on all workers. */
    private boolean runUncounted(int n, Ranges.Task task) {
        if (threads == 1 || n < PARALLEL_REDUCTION) {
            task.run(0, n);
            return false;
        }
        rangeTask = task;
        rangeLen = n;
        try {
            team.run(rangeSlots, threads);
        } finally {
            rangeTask = null;
        }
        return true;
    }

    /** The start of worker {@code slot}'s range of [0, len): whole 8-entry blocks, one range per thread. */
    private int rangeStart(int len, int slot) {
        long block = ((len + (long) threads - 1) / threads + 7) & ~7L;
        return (int) Math.min(len, slot * block);
    }
}
