package dev.morse.linalg;

/** Small in-place operations on dense row-major n × n matrices. */
public final class DenseMatrices {
    private DenseMatrices() {}

    /**
     * m = (m + mᵀ)/2 in place, in 64 × 64 tiles so the transposed reads stay in cache. A matrix
     * assembled from products A·e_j is symmetric only up to rounding; LAPACK's symmetric routines
     * read one triangle, so the average makes the result independent of which one.
     */
    public static void symmetrize(double[] m, int n) {
        if (n < 0 || m.length < (long) n * n) throw new IllegalArgumentException("matrix has " + m.length + " entries, expected n²=" + ((long) n * n));
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

    /**
     * m[j·n + i] = m[i·n + j] for j &lt; i, in 64 × 64 tiles: the upper triangle becomes the mirror
     * of the lower one (for a matrix of which only the lower triangle was computed).
     */
    public static void mirrorLower(double[] m, int n) {
        if (n < 0 || m.length < (long) n * n) throw new IllegalArgumentException("matrix has " + m.length + " entries, expected n²=" + ((long) n * n));
        final int t = 64;
        for (int bi = 0; bi < n; bi += t) {
            for (int bj = 0; bj <= bi; bj += t) {
                int iEnd = Math.min(bi + t, n), jEnd = Math.min(bj + t, n);
                for (int i = bi; i < iEnd; i++) {
                    for (int j = bj; j < Math.min(jEnd, i); j++) m[j * n + i] = m[i * n + j];
                }
            }
        }
    }
}
