package dev.morse.experiments.benign;

import java.util.SplittableRandom;

/**
 * The data of one task: n inputs x_i ∈ ℝ^d (rows of X), labels y, and their Gram matrix K = XXᵀ,
 * which is all that the training dynamics in pre-activation coordinates and the convex program
 * need of X (both are invariant under rotations of ℝ^d).
 *
 * <p>Two settings:
 * <ul>
 *   <li>{@link #orthogonal}: X = the first n rows of a Haar-random d×d orthogonal matrix
 *       (orthonormal inputs), labels from a random teacher ReLU network
 *       y_i = Σ_k a*_k ReLU(w*_kᵀx_i) of width {@code teacherWidth}, w*_k ~ N(0, I_d), a*_k ~ N(0, 1);</li>
 *   <li>{@link #smallInitExample}: the non-orthogonal example of Boursier, Bowditch, Englert and Lazić:
 *       x₁ = e₁, x₂ = (8/9, −4/9, 1/9, 0, …), x₃ = (8/9, 4/9, 1/9, 0, …), x_i = (8/9)e₁ + (√17/9)e_i for
 *       4 ≤ i ≤ n (all of unit norm), linear teacher y = Xβ with β = (4/5, 0, 3/5, 0, …).</li>
 * </ul>
 */
public final class BenignData {
    /** Inputs whose Gram matrix is within this of the identity (max entry) are treated as orthonormal. */
    static final double ORTHONORMAL_TOL = 1e-12;

    private final String setting;
    private final double[][] x;
    private final double[] y;
    private final double[][] gram;
    private final double[][] gramInverse;
    private final boolean orthonormal;

    BenignData(String setting, double[][] x, double[] y) {
        int n = x.length;
        if (n < 1 || y.length != n) throw new IllegalArgumentException("data: " + n + " inputs but " + y.length + " labels");
        int d = x[0].length;
        if (d < n) throw new IllegalArgumentException("data: d = " + d + " < n = " + n + "; this experiment needs linearly independent inputs (d ≥ n)");
        this.setting = setting;
        this.x = x;
        this.y = y;
        this.gram = new double[n][n];
        double off = 0;
        for (int i = 0; i < n; i++) {
            for (int k = 0; k < n; k++) {
                gram[i][k] = Dense.dot(x[i], x[k]);
                off = Math.max(off, Math.abs(gram[i][k] - (i == k ? 1 : 0)));
            }
        }
        this.orthonormal = off <= ORTHONORMAL_TOL;
        this.gramInverse = Dense.inverseSpd(gram, "Gram matrix XXᵀ of the inputs (are they linearly independent?)");
    }

    public String setting() { return setting; }
    public int n() { return x.length; }
    public int d() { return x[0].length; }
    /** X (n×d), row i = x_i. Not copied: do not modify. */
    public double[][] x() { return x; }
    public double[] y() { return y; }
    /** K = XXᵀ. */
    public double[][] gram() { return gram; }
    public double[][] gramInverse() { return gramInverse; }
    /** Whether XXᵀ = I within {@link #ORTHONORMAL_TOL}; the dynamics then use K = I exactly. */
    public boolean orthonormal() { return orthonormal; }

    /**
     * Orthonormal inputs with teacher labels.
     *
     * @param dataSeed    seed of the Haar-random orthogonal matrix
     * @param teacherSeed seed of the teacher network
     */
    public static BenignData orthogonal(int n, int d, long dataSeed, int teacherWidth, long teacherSeed) {
        if (n < 1 || d < n) throw new IllegalArgumentException("orthogonal data needs 1 ≤ n ≤ d, got n = " + n + ", d = " + d);
        if (teacherWidth < 1) throw new IllegalArgumentException("teacher_width must be ≥ 1, got " + teacherWidth);
        double[][] q = haarOrthogonal(d, new SplittableRandom(dataSeed));
        double[][] x = new double[n][];
        for (int i = 0; i < n; i++) x[i] = q[i].clone();
        SplittableRandom t = new SplittableRandom(teacherSeed);
        double[][] wt = new double[teacherWidth][d];
        double[] at = new double[teacherWidth];
        for (int k = 0; k < teacherWidth; k++) for (int l = 0; l < d; l++) wt[k][l] = t.nextGaussian();
        for (int k = 0; k < teacherWidth; k++) at[k] = t.nextGaussian();
        double[] y = new double[n];
        for (int i = 0; i < n; i++) {
            double s = 0;
            for (int k = 0; k < teacherWidth; k++) s += at[k] * Math.max(0.0, Dense.dot(wt[k], x[i]));
            y[i] = s;
        }
        return new BenignData("orthogonal", x, y);
    }

    /** The authors' small-initialization example with n ≥ 3 points in ℝ^d, d ≥ n. */
    public static BenignData smallInitExample(int n, int d) {
        if (n < 3 || d < n) throw new IllegalArgumentException("the small-init example needs 3 ≤ n ≤ d, got n = " + n + ", d = " + d);
        double[][] x = new double[n][d];
        x[0][0] = 1;
        x[1][0] = 8.0 / 9; x[1][1] = -4.0 / 9; x[1][2] = 1.0 / 9;
        x[2][0] = 8.0 / 9; x[2][1] = 4.0 / 9; x[2][2] = 1.0 / 9;
        for (int i = 3; i < n; i++) { x[i][0] = 8.0 / 9; x[i][i] = Math.sqrt(17) / 9; }
        double[] beta = new double[d];
        beta[0] = 0.8;
        beta[2] = 0.6;
        double[] y = new double[n];
        for (int i = 0; i < n; i++) y[i] = Dense.dot(x[i], beta);
        return new BenignData("small_init_example", x, y);
    }

    /**
     * A Haar-distributed orthogonal matrix: Q from the QR factorization of a matrix of independent
     * N(0, 1) entries, with the columns' signs fixed so that R has a positive diagonal (without the
     * fix, Q is not Haar; Mezzadri, "How to generate random matrices from the classical compact
     * groups", 2007). QR by modified Gram–Schmidt on the columns, twice (reorthogonalized).
     */
    static double[][] haarOrthogonal(int d, SplittableRandom rnd) {
        double[][] g = new double[d][d];
        for (int i = 0; i < d; i++) for (int j = 0; j < d; j++) g[i][j] = rnd.nextGaussian();
        // Columns of G, orthonormalized left to right; R's diagonal entry is the norm before scaling (> 0),
        // so the Gram–Schmidt Q already has the sign fix Q·diag(sign(diag R)) built in.
        double[][] cols = new double[d][d];
        for (int j = 0; j < d; j++) for (int i = 0; i < d; i++) cols[j][i] = g[i][j];
        for (int j = 0; j < d; j++) {
            for (int pass = 0; pass < 2; pass++) {
                for (int p = 0; p < j; p++) {
                    double c = Dense.dot(cols[p], cols[j]);
                    for (int i = 0; i < d; i++) cols[j][i] -= c * cols[p][i];
                }
            }
            double norm = Math.sqrt(Dense.dot(cols[j], cols[j]));
            for (int i = 0; i < d; i++) cols[j][i] /= norm;
        }
        double[][] q = new double[d][d];
        for (int i = 0; i < d; i++) for (int j = 0; j < d; j++) q[i][j] = cols[j][i];
        return q;
    }
}
