package dev.morse.engine;

import dev.morse.simd.Kernels;
import dev.morse.simd.Ranges;
import java.util.Arrays;

/**
 * The chunk states of a {@link ChunkScheduler}'s requests ({@link ChunkState}: the forward pass,
 * Gr_L and the backward signals of one chunk) and the cache that keeps them between requests. Each
 * request keys it on θ's bits, the batch and the rows per chunk ({@link ThetaKey}); a state is
 * reused only when it was computed under the current version of that key, so a request at a new
 * (θ, batch) recomputes rather than reads stale passes. Runs "aside" (a term's data term at another
 * point θ′ inside a request) use per-slot states and a version of their own, so that the states at
 * θ survive them.
 *
 * <p>The caller begins each request ({@link #begin}) and starts each aside run ({@link #startAside})
 * on its own thread; during a run, each worker {@link #bind}s only its own chunk's or slot's state.
 */
final class ChunkStateCache {
    private final Mlp mlp;
    private final int[] widths;   // the model's, copied once: Mlp.widths() clones, and begin() runs per request
    private final Dataset data;
    private final int threads;
    private final long stateBudget;   // bytes the chunk states of one request may take
    private final boolean caching;
    private final ThetaKey key;
    private final Ranges scans;       // θ's scan on the workers
    private ChunkState[] states = new ChunkState[0];   // per chunk when the request's states fit (always when caching), else per worker slot
    private long version;
    /** Whether the current request started a new version (its θ, batch or plan differ from the last request's). */
    private boolean freshVersion;
    /** Whether the current request's states are indexed by chunk (else by worker slot): see {@link #begin}. */
    private boolean perChunk;
    // Chunk states for data-term runs at another point θ′ inside a request (sam, weight_noise):
    // one per worker slot, never the cached states of the request's θ.
    private ChunkState[] asideStates = new ChunkState[0];
    private long asideVersion;

    /**
     * A cache for {@code threads} workers; {@code rows} and {@code chunks} are the plan of the whole
     * data set, on which caching is judged: on when asked for and the states of all chunks take at
     * most a quarter of the heap and 1 GiB.
     */
    ChunkStateCache(Mlp mlp, Dataset data, Kernels kernels, int threads, boolean cacheStates, int rows, int chunks, Ranges scans) {
        this.mlp = mlp;
        this.widths = mlp.widths();
        this.data = data;
        this.threads = threads;
        this.stateBudget = Math.min(1L << 30, Runtime.getRuntime().maxMemory() / 4);
        this.caching = cacheStates && fits(rows, chunks);
        this.key = new ThetaKey(mlp.numParameters(), kernels);
        this.scans = scans;
    }

    /** Whether the states of {@code chunks} chunks of {@code rows} rows fit in the budget. */
    private boolean fits(int rows, int chunks) {
        return 8L * ChunkState.doubles(widths, rows) * chunks <= stateBudget;
    }

    boolean caching() {
        return caching;
    }

    /**
     * Keys the cache at the start of a request at (θ, batch) cut into {@code chunks} chunks of
     * {@code rows} rows. With caching, chunk states stay valid while θ's bits, the batch and the
     * rows do not change; otherwise every request starts afresh. Within a request, each chunk keeps
     * its own state whenever the request's states fit in the budget (always with caching; without,
     * e.g. a minibatch of a data set too large to cache), so the passes of one request (a penalty's
     * gradient and H·g) share the forward pass; only requests too large for that fall back to one
     * state per worker slot ({@link #perChunk}). θ's finiteness is tested in the same pass as the
     * key ({@link ThetaKey}).
     *
     * @return false when θ holds a NaN or an infinity: the request must not run
     */
    boolean begin(Batch batch, double[] theta, int rows, int chunks) {
        // Caching was judged on the whole data set; a batch may be larger (Batch.of with repeats):
        // its states are kept only within the same budget, else it runs as without caching.
        boolean fits = fits(rows, chunks), cache = caching && fits;
        // The key includes the chunk plan: chunk c covers other samples under the dense plan.
        ThetaKey.Scan scan = key.scan(theta, batch, rows, cache, scans);
        freshVersion = scan != ThetaKey.Scan.SAME;
        if (scan == ThetaKey.Scan.NOT_FINITE) {
            version++;   // nothing cached under the old version is reused after a failed request
            return false;
        }
        if (cache) {
            if (scan == ThetaKey.Scan.CHANGED) version++;
            perChunk = true;
        } else {
            version++;
            perChunk = fits;
        }
        int slots = perChunk ? Math.max(chunks, threads) : threads;
        if (states.length < slots) states = Arrays.copyOf(states, slots);
        return true;
    }

    /** Whether the current request's states are indexed by chunk (else by worker slot). */
    boolean perChunk() {
        return perChunk;
    }

    /** The version of the chunk states at the current request's (θ, batch); values computed at it may be cached under it. */
    long version() {
        return version;
    }

    /** Whether the current request started a new version: nothing computed at an earlier request can be reused. */
    boolean freshVersion() {
        return freshVersion;
    }

    /** Starts a run at another point θ′ inside the request: its per-slot states are stale from here on. */
    void startAside() {
        if (asideStates.length < threads) asideStates = new ChunkState[threads];
        asideVersion++;
    }

    /**
     * Binds chunk {@code chunk} to the worker's pass and makes sure its state holds the forward pass
     * at θ (with σ″ when {@code needSecond}), Gr_L and the softmax (scaled by 1/count), and, when
     * {@code needSignals}, the backward signals. With caching, a state computed at the same θ and
     * batch (bit for bit) by an earlier request is reused.
     */
    ChunkState bind(ChunkRequest r, ChunkPass pass, int slot, int chunk, boolean needSecond, boolean needSignals) {
        // A run at another point (aside) uses its own per-slot states, so the states cached at θ survive it.
        ChunkState[] all = r.aside ? asideStates : states;
        long ver = r.aside ? asideVersion : version;
        int idx = r.chunkStates && !r.aside ? chunk : slot;
        int pos = chunk * r.rows;
        int rows = Math.min(r.rows, r.count - pos);
        ChunkState st = all[idx];
        if (st == null || st.capacity < r.rows) st = all[idx] = new ChunkState(widths, r.rows);   // each index has one writer per run
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
}
