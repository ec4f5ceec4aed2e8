package dev.morse.linalg;

/** Small in-place operations on dense row-major n × n matrices. */
public final class DenseMatrices {
    private DenseMatrices() {}

    /**
     * m = (m + mᵀ)/2 in place, in 64 × 64 tiles so the transposed reads stay in cache. A matrix
     * assembled from products A·e_j is symmetric only up to rounding; LAPACK's symmetric routines
     * read one triangle, so the average makes the result independent of which one. Finite entries
     * give a finite average, also where their sum overflows.
     */
    public static void symmetrize(double[] m, int n) {
        if (n < 0 || m.length < (long) n * n) throw new IllegalArgumentException("matrix has " + m.length + " entries, expected n²=" + ((long) n * n));
        final int t = 64;
        for (int bi = 0; bi < n; bi += t) {
            for (int bj = bi; bj < n; bj += t) {
                int iEnd = Math.min(bi + t, n), jEnd = Math.min(bj + t, n);
                for (int i = bi; i < iEnd; i++) {
                    for (int j = Math.max(bj, i + 1); j < jEnd; j++) {
                        double x = m[i * n + j], y = m[j * n + i], s = 0.5 * (x + y);
                        // x + y overflows for finite entries above ~9e307: halve first there only
                        // (elsewhere 0.5·(x + y) is kept, one rounding, the same bits as before)
                        if (Double.isInfinite(s) && Double.isFinite(x) && Double.isFinite(y)) s = 0.5 * x + 0.5 * y;
                        m[i * n + j] = s;
                        m[j * n + i] = s;
                    }
                }
            }
        }
    }

    /**
     * m[j·n + i] = m[i·n + j] for j &lt; i, in 64 × 64 tiles: the upper triangle becomes the mirror
     * of the lower one (for a matrix of which only the lower triangle was computed).
     */
    public static void mirrorLower(double[] m, int n) {
        mirrorLower(m, n, dev.morse.simd.Ranges.SERIAL);
    }

    /**
     * As {@link #mirrorLower(double[], int)}, with the tile rows shared out over {@code ranges}
     * (e.g. an evaluator's workers, idle once the triangle is built): a memory-bound pass that took
     * a tenth of a small model's dense Hessian on one thread. The range space is the entries to
     * copy, tile row by tile row, so ranges of equal length carry equal work; every entry is a
     * copy, so any cut gives the same matrix.
     */
    public static void mirrorLower(double[] m, int n, dev.morse.simd.Ranges ranges) {
        if (n < 0 || m.length < (long) n * n) throw new IllegalArgumentException("matrix has " + m.length + " entries, expected n²=" + ((long) n * n));
        final int t = 64;
        int tiles = (n + t - 1) / t;
        // start[b]: entries above the diagonal in the rows of tiles before tile row b (rows bi..
        // of the lower triangle, i.e. columns bi.. of the upper one).
        long[] start = new long[tiles + 1];
        for (int b = 0; b < tiles; b++) {
            long i0 = (long) b * t, i1 = Math.min(i0 + t, n);
            start[b + 1] = start[b] + (i1 * (i1 - 1) - i0 * (i0 - 1)) / 2;
        }
        // n ≤ 46 340 (n² entries fit a Java array), so the n(n − 1)/2 ≈ 1.07e9 entries fit an int.
        ranges.run(Math.toIntExact(start[tiles]), (from, to) -> {
            int[] b = tileRows(start, tiles, from, to);
            mirrorRows(m, n, t, b[0], b[1]);
        });
    }

    /**
     * The tile rows [b0, b1) whose work starts in [from, to) (start: the cumulative work before
     * each tile row, nondecreasing): ranges that cover [0, start[tiles]) once take each tile row
     * with work once.
     */
    static int[] tileRows(long[] start, int tiles, int from, int to) {
        int b0 = 0;
        while (b0 < tiles && start[b0] < from) b0++;
        int b1 = b0;
        while (b1 < tiles && start[b1] < to) b1++;
        return new int[] {b0, b1};
    }

    /** The tile rows [b0, b1) of {@link #mirrorLower}: lower tiles (bi, bj ≤ bi) copied up. */
    private static void mirrorRows(double[] m, int n, int t, int b0, int b1) {
        for (int bi = b0 * t; bi < Math.min(n, b1 * t); bi += t) {
            for (int bj = 0; bj <= bi; bj += t) {
                int iEnd = Math.min(bi + t, n), jEnd = Math.min(bj + t, n);
                for (int i = bi; i < iEnd; i++) {
                    for (int j = bj; j < Math.min(jEnd, i); j++) m[j * n + i] = m[i * n + j];
                }
            }
        }
    }
}
