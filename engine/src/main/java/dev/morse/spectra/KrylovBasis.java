package dev.morse.spectra;

import java.util.SplittableRandom;

/**
 * An orthonormal Krylov basis held row by row (row j = v_j, length n) with full
 * reorthogonalization: each new vector is orthogonalized against every stored one twice
 * (classical Gram–Schmidt applied twice, "twice is enough", Giraud et al. 2005), which keeps
 * ‖VᵀV − I‖ near machine precision at the price of O(m·n) work per step.
 */
final class KrylovBasis {
    final int n;
    final int capacity;
    final double[] v;        // capacity × n
    int size;

    KrylovBasis(int n, int capacity) {
        this.n = n;
        this.capacity = capacity;
        this.v = new double[Math.multiplyExact(capacity, n)];
    }

    /**
     * Orthogonalizes w against rows 0..size-1 (twice) and returns the coefficient of row
     * {@code diagRow} accumulated over both passes (the Lanczos α when diagRow is the current vector).
     */
    double orthogonalize(double[] w, int diagRow) {
        double diag = 0;
        for (int pass = 0; pass < 2; pass++) {
            for (int i = 0; i < size; i++) {
                int o = i * n;
                double c = 0;
                for (int t = 0; t < n; t++) c += v[o + t] * w[t];
                for (int t = 0; t < n; t++) w[t] -= c * v[o + t];
                if (i == diagRow) diag += c;
            }
        }
        return diag;
    }

    static double norm(double[] w) {
        double s = 0;
        for (double x : w) s += x * x;
        return Math.sqrt(s);
    }

    /** Appends w/‖w‖ as the next row. */
    void append(double[] w, double norm) {
        int o = size * n;
        double inv = 1.0 / norm;
        for (int t = 0; t < n; t++) v[o + t] = w[t] * inv;
        size++;
    }

    /**
     * A random unit vector orthogonal to the current rows, for a start or after breakdown
     * (an invariant subspace was found). Returns false if none exists (the basis spans R^n).
     */
    boolean appendRandom(SplittableRandom rng, double[] w) {
        if (size >= n) return false;
        for (int attempt = 0; attempt < 5; attempt++) {
            for (int t = 0; t < n; t++) w[t] = rng.nextBoolean() ? 1.0 : -1.0;
            double before = norm(w);
            orthogonalize(w, -1);
            double after = norm(w);
            if (after > 1e-8 * before) {
                append(w, after);
                return true;
            }
        }
        return false;
    }

    void copyRow(int row, double[] out) {
        System.arraycopy(v, row * n, out, 0, n);
    }
}
