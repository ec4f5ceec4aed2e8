package dev.morse.linalg;

/**
 * A Cholesky factorization A − σI = LLᵀ ({@code dpotrf}), made in place by
 * {@link Linalg#choleskyInPlace}, or the record that it broke down. It succeeds exactly when
 * A − σI is positive definite (to working precision: a backward-stable certificate that every
 * eigenvalue of a matrix within rounding of A exceeds σ), so one call answers "are all eigenvalues
 * above σ?" at the cost of n³/3 flops in OpenBLAS's own parallel {@code potrf}, faster than
 * Bunch–Kaufman's {@code dsytrf}. When it breaks down ({@link #positiveDefinite()} false, the
 * leading minor of order {@link #failedAt()} is not positive definite) the array holds a partial
 * factor and nothing can be solved or counted with it.
 */
public final class CholeskyFactorization implements ShiftedFactorization {

    private final Linalg linalg;
    private final double[] factor;
    private final int n;
    private final double shift;
    private final int failedAt;

    CholeskyFactorization(Linalg linalg, double[] factor, int n, double shift, int failedAt) {
        this.linalg = linalg;
        this.factor = factor;
        this.n = n;
        this.shift = shift;
        this.failedAt = failedAt;
    }

    @Override
    public int n() {
        return n;
    }

    @Override
    public double shift() {
        return shift;
    }

    /** Whether A − σI is positive definite (the factorization completed). */
    public boolean positiveDefinite() {
        return failedAt == 0;
    }

    /** The order of the first leading minor that is not positive definite (dpotrf's INFO), or 0. */
    public int failedAt() {
        return failedAt;
    }

    /**
     * (0, 0, n): every eigenvalue above σ.
     *
     * @throws IllegalStateException if the factorization broke down (the inertia is then unknown)
     */
    @Override
    public Inertia inertia() {
        if (!positiveDefinite()) {
            throw new IllegalStateException("A − σI (σ = " + shift + ") is not positive definite (leading minor " + failedAt
                    + "): a Cholesky factorization gives no inertia; use Linalg.ldltInPlace");
        }
        return new Inertia(0, 0, n);
    }

    @Override
    public boolean singular() {
        return !positiveDefinite();
    }

    /** The backend that made the factorization (and solves with it). */
    @Override
    public Linalg linalg() {
        return linalg;
    }

    double[] factor() {
        return factor;
    }

    /** Solves (A − σI)·X = B in place by {@code dpotrs}; see {@link Linalg#choleskySolve}. */
    @Override
    public void solve(double[] b, int off, int nrhs) {
        linalg.choleskySolve(this, b, off, nrhs);
    }

    @Override
    public String toString() {
        return "CholeskyFactorization[n=" + n + ", shift=" + shift + (positiveDefinite() ? ", positive definite" : ", broke down at " + failedAt) + "]";
    }
}
