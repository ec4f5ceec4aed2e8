package dev.morse.engine;

import dev.morse.linalg.MemoryGuard;
import dev.morse.simd.Kernels;
import dev.morse.simd.Ranges;
import java.util.Arrays;

/**
 * The scan of θ that starts every request ({@link ChunkStateCache#begin}): is θ finite, and is it
 * the θ the cached chunk states were computed at? With caching, the same pass keeps θ's bits, with
 * the batch and the rows per chunk, as the key of the chunk-state cache.
 *
 * <p><b>One pass, on all workers.</b> θ is read once, block by block (a block stays in the L1
 * cache for its three uses: the finiteness test, the comparison with the key, the copy into it),
 * over ranges on the evaluator's workers when long ({@link WorkerRanges}). It replaces
 * three serial passes on the calling thread (finiteness, {@code Arrays.equals}, the copy) while
 * the other workers waited: at P = 269 322 that was ~8 MB of memory traffic on one core at every
 * minibatch step, whose θ is always new.
 */
final class ThetaKey implements Ranges.Task {

    /** What a scan found. */
    enum Scan {
        /** θ holds a NaN or an infinity: the request must fail (the key is invalid). */
        NOT_FINITE,
        /** θ, the batch and the rows equal the key: the cached chunk states are valid. */
        SAME,
        /** Something differs; the key now holds the new θ, batch and rows. */
        CHANGED
    }

    private final Kernels kernels;
    private final int p;
    private double[] cached;   // the key's θ, allocated by the first keyed scan (an evaluator without caching needs none)
    private Batch batch;
    private int rows;
    private boolean valid;

    // The scan in progress.
    private double[] theta;
    private boolean copy;
    private volatile boolean nonFinite;
    private volatile boolean differs;

    ThetaKey(int p, Kernels kernels) {
        this.p = p;
        this.kernels = kernels;
    }

    /**
     * Scans θ over ranges: {@code keyed} (caching) compares it with the key and makes it the key
     * (with batch and rows) when something differs; otherwise only tests finiteness and reports
     * {@link Scan#CHANGED}. A θ that is not finite invalidates the key.
     */
    Scan scan(double[] theta, Batch batch, int rows, boolean keyed, Ranges ranges) {
        if (keyed && cached == null) {
            MemoryGuard.check("θ's key for the chunk-state cache (P = " + p + ")", p, 8.0 * p,
                    "Open the evaluator without cached chunk states (Evaluator.Settings.withCacheStates(false)), or raise -Xmx.");
            cached = new double[p];
        }
        this.theta = theta;
        this.copy = keyed;
        this.nonFinite = false;
        // A different batch or plan changes the key whatever θ is: copy θ whole without comparing.
        this.differs = !keyed || !valid || !batch.sameSamples(this.batch) || rows != this.rows;
        valid = false;   // until the scan completes: a scan that throws leaves part of θ copied
        try {
            ranges.run(theta.length, this);
        } finally {
            this.theta = null;
        }
        if (nonFinite) return Scan.NOT_FINITE;   // the key stays invalid: the copy may hold part of the bad θ
        if (!keyed) return Scan.CHANGED;
        valid = true;
        if (!differs) return Scan.SAME;
        this.batch = batch;
        this.rows = rows;
        return Scan.CHANGED;
    }

    @Override
    public void run(int from, int to) {
        double[] t = theta, c = cached;
        for (int lo = from; lo < to; lo += Ranges.CACHE_BLOCK) {
            int hi = Math.min(to, lo + Ranges.CACHE_BLOCK);
            if (!kernels.allFinite(hi - lo, t, lo)) {
                nonFinite = true;
                return;
            }
            if (!copy) continue;
            // Blocks before the first difference are equal to the key already; once θ is known to
            // differ (another range found it, or the batch changed), copy without comparing.
            int m = differs ? 0 : Arrays.mismatch(t, lo, hi, c, lo, hi);
            if (m >= 0) {
                differs = true;
                System.arraycopy(t, lo + m, c, lo + m, hi - lo - m);
            }
        }
    }
}
