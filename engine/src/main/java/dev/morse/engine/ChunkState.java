package dev.morse.engine;

/**
 * What the forward and backward passes leave for one chunk of samples at one θ: A_l, Z_l, σ′, σ″,
 * the softmax rows, the backward signals Gr_l and ∂/∂Z_l. Curvature products at a fixed θ (Lanczos,
 * SLQ, dense materialization, trace estimates, MINRES) only need the tangent and R-backward
 * passes on top of it, so keeping one state per chunk saves the forward and backward passes on
 * every product after the first. {@link ChunkStateCache} decides whether the states fit in memory.
 */
final class ChunkState {
    final double[][] a, z, s1, s2, g, dz;
    final double[] prob;
    /** The chunk's inputs gathered from the data set when its samples are not contiguous (lazily allocated). */
    double[] x;

    /** Request state version the contents belong to (θ and samples; −1: none), the chunk they hold, and what is valid. */
    long version = -1;
    int chunk = -1;
    boolean second;      // σ″ computed
    boolean signals;     // Gr_l and ∂/∂Z_l for l < L computed (Gr_L and prob come with the forward)
    double lossSum;      // Σ ℓ over the chunk

    /** Rows the buffers hold. */
    final int capacity;

    ChunkState(int[] d, int rows) {
        this.capacity = rows;
        int layers = d.length - 1;
        a = new double[layers + 1][];
        z = new double[layers + 1][];
        s1 = new double[layers + 1][];
        s2 = new double[layers + 1][];
        g = new double[layers + 1][];
        dz = new double[layers + 1][];
        for (int l = 1; l <= layers; l++) {
            int size = rows * d[l];
            a[l] = new double[size];
            g[l] = new double[size];
            if (l < layers) {
                z[l] = new double[size];
                s1[l] = new double[size];
                s2[l] = new double[size];
                dz[l] = new double[size];
            }
        }
        prob = new double[rows * d[layers]];
    }

    /** Doubles held for a chunk of {@code rows} samples: the memory estimate for caching. */
    static long doubles(int[] d, int rows) {
        int layers = d.length - 1;
        long per = 0;
        for (int l = 1; l <= layers; l++) per += (l < layers ? 6L : 2L) * d[l];
        return per * rows + (long) rows * d[layers];
    }

    void invalidate() {
        version = -1;
        chunk = -1;
        second = false;
        signals = false;
    }
}
