package dev.morse.experiments.benign;

/** Small dense linear algebra for the experiment (sizes up to a few dozen; no BLAS needed). */
final class Dense {
    private Dense() {}

    /**
     * Solves A x = b for symmetric positive definite A by Cholesky (A is not modified).
     *
     * @throws IllegalStateException naming {@code what} when A is not numerically positive definite
     */
    static double[] choleskySolve(double[][] a, double[] b, String what) {
        double[][] l = cholesky(a, what);
        int n = b.length;
        double[] y = new double[n];
        for (int i = 0; i < n; i++) {
            double s = b[i];
            for (int j = 0; j < i; j++) s -= l[i][j] * y[j];
            y[i] = s / l[i][i];
        }
        double[] x = new double[n];
        for (int i = n - 1; i >= 0; i--) {
            double s = y[i];
            for (int j = i + 1; j < n; j++) s -= l[j][i] * x[j];
            x[i] = s / l[i][i];
        }
        return x;
    }

    /** Lower Cholesky factor of a symmetric positive definite matrix. */
    static double[][] cholesky(double[][] a, String what) {
        int n = a.length;
        double[][] l = new double[n][n];
        double maxDiag = 0;
        for (int i = 0; i < n; i++) maxDiag = Math.max(maxDiag, Math.abs(a[i][i]));
        for (int i = 0; i < n; i++) {
            for (int j = 0; j <= i; j++) {
                double s = a[i][j];
                for (int p = 0; p < j; p++) s -= l[i][p] * l[j][p];
                if (i == j) {
                    // A pivot at the level of rounding relative to the diagonal means a singular matrix.
                    if (!(s > 1e-13 * maxDiag)) {
                        throw new IllegalStateException(what + " is not positive definite (pivot " + s + " at " + i
                                + ", largest diagonal " + maxDiag + ")");
                    }
                    l[i][i] = Math.sqrt(s);
                } else {
                    l[i][j] = s / l[j][j];
                }
            }
        }
        return l;
    }

    static double[][] inverseSpd(double[][] a, String what) {
        int n = a.length;
        double[][] inv = new double[n][n];
        for (int c = 0; c < n; c++) {
            double[] e = new double[n];
            e[c] = 1;
            double[] col = choleskySolve(a, e, what);
            for (int r = 0; r < n; r++) inv[r][c] = col[r];
        }
        // Symmetrize: the two triangles differ by rounding only.
        for (int r = 0; r < n; r++) for (int c = 0; c < r; c++) { double v = 0.5 * (inv[r][c] + inv[c][r]); inv[r][c] = v; inv[c][r] = v; }
        return inv;
    }

    static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) s += a[i] * b[i];
        return s;
    }

    static double[] mul(double[][] a, double[] x) {
        double[] y = new double[a.length];
        for (int i = 0; i < a.length; i++) y[i] = dot(a[i], x);
        return y;
    }

    /** xᵀ A x. */
    static double quad(double[][] a, double[] x) {
        return dot(x, mul(a, x));
    }

    static double frobenius(double[][] a) {
        double s = 0;
        for (double[] row : a) for (double v : row) s += v * v;
        return Math.sqrt(s);
    }
}
