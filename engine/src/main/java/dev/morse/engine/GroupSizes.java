package dev.morse.engine;

/**
 * How many vectors a block product takes at a time (a group): each worker holds a group's
 * tangents, rows × kg × Σ d_l doubles for each of RA, RZ, RG, and runs the group's GEMMs over
 * them. Larger groups make larger GEMMs; smaller ones stay nearer the cache and the memory the
 * worker already has. Group sizes depend on the model, the chunk rows and the request's budget
 * only, never on the thread count, so that every vector's bits are the same however the groups
 * are spread over the workers.
 */
final class GroupSizes {

    /**
     * Doubles per block-product buffer of a product request (rows × vectors × Σ d_l): 2 MiB. Smaller
     * groups stay nearer the cache: H·V with 16 vectors at 784-256-256-10 (N = 1024, groups of 3
     * instead of 8) took 242–268 ms against 273–282 ms with 8 MiB, alternating (AMD EPYC Zen 5,
     * 2 vCPUs); models whose rows are narrow still run 16 vectors as one group.
     */
    static final long PRODUCT_BUDGET = 1L << 18;
    /**
     * The same for dense requests: 1 MiB per buffer. A dense request runs a group per k columns
     * and every group's tangents are read again by several GEMMs and elementwise passes, so
     * groups whose buffers stay near a core's cache win: the dense Hessian of 30-40-40-1 (N = 256)
     * took 94–119 ms with 0.5–2 MiB buffers against 183–221 ms with the former 16 MiB (groups of
     * 3–12 vectors against 64), 20-50-50-1 (N = 1000) 0.94–1.11 s against 1.27–1.29 (AMD EPYC
     * Zen 5, 2 vCPUs). Where the budget allows fewer vectors than {@link #GEMM_ROWS} asks for
     * (784-12-10 at N = 2000: 2 against 11), the floor decides.
     */
    static final long DENSE_BUDGET = 1L << 17;
    /**
     * The rows, kg·d_1, that a group may take in the first layer's output GEMM (the largest of a
     * group, d_0 wide) even when the budget allows fewer vectors: a floor against GEMMs of a few
     * rows, not a tuned optimum (OpenBLAS, TN, 784 wide, 2000 deep: 68 GFLOP/s per thread at 120
     * rows, 71 at 144, 75 at 432; AMD EPYC Zen 5). Larger groups mostly cost memory, fresh pages
     * that were slow on a VM: the Morse check's 142 unit columns at 784-12-10, computed once, took
     * 0.29–0.45 s in groups of 36 and 0.18–0.38 s in groups of 11 (repeated in one JVM, 0.1–0.2 s
     * either way). The floor stretches a group's buffers to at most {@link #FLOOR_STRETCH} budgets.
     */
    static final int GEMM_ROWS = 128;
    /** How many budgets the {@link #GEMM_ROWS} floor may stretch a group's buffers to: no more, however narrow d_1. */
    static final int FLOOR_STRETCH = 8;

    private final long perRow;   // Σ d_l over the layers l = 1..L: the units whose tangents a vector needs per row
    private final int floor;     // vectors for GEMM_ROWS rows of the first layer's output GEMM

    GroupSizes(Mlp mlp) {
        long widths = 0;
        for (int l = 1; l <= mlp.layers(); l++) widths += mlp.width(l);
        this.perRow = widths;
        this.floor = Math.ceilDiv(GEMM_ROWS, mlp.width(1));
    }

    /**
     * Vectors per block-product group: groups of at most as many vectors as keep a worker's block
     * buffers near the request's budget ({@link #PRODUCT_BUDGET} doubles, 2 MiB, for each of RA, RZ,
     * RG; {@link #DENSE_BUDGET} for dense requests), or as {@link #GEMM_ROWS} asks for when that is
     * more (within {@link #FLOOR_STRETCH} budgets), never more than 64; then cut into equal groups,
     * which may be smaller (12 vectors, at most 11: two groups of 6).
     */
    int block(int k, int rows, long budget) {
        long perVector = rows * perRow;
        int least = (int) Math.min(floor, FLOOR_STRETCH * budget / Math.max(1, perVector));
        return equal(k, perVector, budget, least, 64);
    }

    /** Probes per third-order group: the six tangent buffers (RA, RZ, RG and their R²) near 2^21 doubles, at most 32; equal groups. */
    int third(int k, int rows) {
        return equal(k, 6L * rows * perRow, 1L << 21, 1, 32);
    }

    /**
     * The size of equal groups for k vectors, each group at most {@code most} vectors and near
     * {@code budget} doubles of {@code perVector} each, or {@code least} vectors when fewer fit.
     * Equal groups (k = 256, at most 50: six groups of 43, not five of 50 and one of 6) keep the
     * last group claimed from running long after the others.
     */
    static int equal(int k, long perVector, long budget, int least, int most) {
        int max = (int) Math.max(1, Math.min(most, Math.max(least, budget / Math.max(1, perVector))));
        int groups = (k + max - 1) / max;
        return (k + groups - 1) / groups;
    }
}
