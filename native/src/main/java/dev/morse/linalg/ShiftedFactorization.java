package dev.morse.linalg;

/**
 * A factorization of A − σI for a symmetric A that solves with it: Bunch–Kaufman LDLᵀ
 * ({@link LdltFactorization}, any inertia) or Cholesky ({@link CholeskyFactorization}, positive
 * definite only). Shift-invert methods take either.
 */
public sealed interface ShiftedFactorization permits LdltFactorization, CholeskyFactorization {

    /** Order n. */
    int n();

    /** The backend that made the factorization (and alone can solve with it). */
    Linalg linalg();

    /** σ: the factorization is of A − σI. */
    double shift();

    /** Counts of eigenvalues of A below, at and above σ. */
    Inertia inertia();

    /** Whether solves are refused (an exactly zero pivot, or a Cholesky that broke down). */
    boolean singular();

    /** Solves (A − σI)·x_j = b_j in place for {@code nrhs} right-hand sides stored one after another from {@code off}. */
    void solve(double[] b, int off, int nrhs);

    /** Solves (A − σI)·x = b in place for one right-hand side. */
    default void solve(double[] b) {
        solve(b, 0, 1);
    }
}
