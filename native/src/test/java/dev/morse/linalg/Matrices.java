package dev.morse.linalg;

import java.util.Random;

/** Seeded test matrices and the invariant checks for eigendecompositions (no element-wise vector comparisons: signs flip). */
final class Matrices {

    static final double EPS = Math.ulp(1.0);

    private Matrices() {
    }

    /** Random symmetric n×n with N(0,1) entries, row-major. */
    static double[] randomSymmetric(int n, long seed) {
        Random r = new Random(seed);
        double[] a = new double[n * n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j <= i; j++) {
                double v = r.nextGaussian();
                a[i * n + j] = v;
                a[j * n + i] = v;
            }
        }
        return a;
    }

    /** Random orthogonal n×n (rows orthonormal) by modified Gram–Schmidt on Gaussian rows. */
    static double[] randomOrthogonal(int n, long seed) {
        Random r = new Random(seed);
        double[] q = new double[n * n];
        for (int i = 0; i < n * n; i++) {
            q[i] = r.nextGaussian();
        }
        for (int i = 0; i < n; i++) {
            for (int p = 0; p < i; p++) {
                double dot = 0;
                for (int j = 0; j < n; j++) {
                    dot += q[i * n + j] * q[p * n + j];
                }
                for (int j = 0; j < n; j++) {
                    q[i * n + j] -= dot * q[p * n + j];
                }
            }
            double norm = 0;
            for (int j = 0; j < n; j++) {
                norm += q[i * n + j] * q[i * n + j];
            }
            norm = Math.sqrt(norm);
            for (int j = 0; j < n; j++) {
                q[i * n + j] /= norm;
            }
        }
        return q;
    }

    /** Qᵀ·diag(d)·Q for the rows-orthonormal Q: a symmetric matrix with eigenvalues d. */
    static double[] withSpectrum(double[] d, long seed) {
        int n = d.length;
        double[] q = randomOrthogonal(n, seed);
        double[] a = new double[n * n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                double s = 0;
                for (int p = 0; p < n; p++) {
                    s += q[p * n + i] * d[p] * q[p * n + j];
                }
                a[i * n + j] = s;
            }
        }
        for (int i = 0; i < n; i++) { // exact symmetry, so both triangles describe the same matrix
            for (int j = 0; j < i; j++) {
                a[j * n + i] = a[i * n + j];
            }
        }
        return a;
    }

    static double frobenius(double[] a) {
        double s = 0;
        for (double x : a) {
            s += x * x;
        }
        return Math.sqrt(s);
    }

    /** ‖A·V − V·Λ‖_F / ‖A‖_F with the vectors as rows of v (m rows). */
    static double residual(double[] a, int n, double[] values, double[] v) {
        int m = values.length;
        double s = 0;
        for (int j = 0; j < m; j++) {
            for (int i = 0; i < n; i++) {
                double av = 0;
                for (int p = 0; p < n; p++) {
                    av += a[i * n + p] * v[j * n + p];
                }
                double r = av - values[j] * v[j * n + i];
                s += r * r;
            }
        }
        double norm = frobenius(a);
        return norm == 0 ? Math.sqrt(s) : Math.sqrt(s) / norm;
    }

    /** ‖V·Vᵀ − I‖_F for the m×n row-vector matrix v. */
    static double orthogonality(double[] v, int m, int n) {
        double s = 0;
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < m; j++) {
                double d = 0;
                for (int p = 0; p < n; p++) {
                    d += v[i * n + p] * v[j * n + p];
                }
                double r = d - (i == j ? 1 : 0);
                s += r * r;
            }
        }
        return Math.sqrt(s);
    }

    static boolean ascending(double[] x) {
        for (int i = 1; i < x.length; i++) {
            if (x[i] < x[i - 1]) {
                return false;
            }
        }
        return true;
    }

    /** Largest |x[i] − y[i]|; the arrays must have equal length. */
    static double maxDiff(double[] x, double[] y) {
        if (x.length != y.length) {
            throw new AssertionError("lengths differ: " + x.length + " vs " + y.length);
        }
        double m = 0;
        for (int i = 0; i < x.length; i++) {
            m = Math.max(m, Math.abs(x[i] - y[i]));
        }
        return m;
    }
}
