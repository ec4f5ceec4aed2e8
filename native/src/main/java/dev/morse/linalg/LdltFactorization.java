package dev.morse.linalg;

/**
 * A Bunch–Kaufman factorization A − σI = P·U·D·Uᵀ·Pᵀ (LAPACK {@code dsytrf}, UPLO='U' in its
 * column-major view = the row-major lower triangle), made in place by
 * {@link Linalg#ldltInPlace}: the caller's n×n array now holds U and D, and this object holds the
 * pivots. D is block diagonal with 1×1 and 2×2 blocks; by Sylvester's law of inertia it has the
 * inertia of A − σI, i.e. the counts of eigenvalues of A below, at and above σ
 * ({@link #inertia()}).
 *
 * <p>{@link #solve} solves (A − σI)·X = B with {@code dsytrs}: two triangular solves against the
 * factor, about 2n² flops per right-hand side (memory-bound: the factor is read once per call, so
 * several right-hand sides in one call cost little more than one). Shift-invert Lanczos uses it.
 *
 * <p>The factor is owned by the caller's array: overwriting that array invalidates this object
 * (nothing can notice). Not thread-safe for concurrent solves sharing a workspace; each call
 * allocates nothing but validates its input.
 */
public final class LdltFactorization implements ShiftedFactorization {

    private final Linalg linalg;
    private final double[] factor;
    private final int[] ipiv;
    private final int n;
    private final double shift;
    private final Inertia inertia;
    private final int zeroPivot;

    LdltFactorization(Linalg linalg, double[] factor, int[] ipiv, int n, double shift, Inertia inertia, int zeroPivot) {
        this.linalg = linalg;
        this.factor = factor;
        this.ipiv = ipiv;
        this.n = n;
        this.shift = shift;
        this.inertia = inertia;
        this.zeroPivot = zeroPivot;
    }

    /** Order n of the factored matrix. */
    @Override
    public int n() {
        return n;
    }

    /** σ: the factorization is of A − σI. */
    @Override
    public double shift() {
        return shift;
    }

    /** Counts of eigenvalues of A below, exactly at (zero pivots) and above σ. */
    @Override
    public Inertia inertia() {
        return inertia;
    }

    /**
     * Whether D has an exactly zero pivot (dsytrf's INFO &gt; 0): A − σI is singular to working
     * precision and {@link #solve} is refused.
     */
    @Override
    public boolean singular() {
        return zeroPivot > 0;
    }

    /** The 1-based index of the first exactly zero pivot D(k,k), or 0 when there is none. */
    public int zeroPivot() {
        return zeroPivot;
    }

    /** The backend that made the factorization (and solves with it). */
    @Override
    public Linalg linalg() {
        return linalg;
    }

    double[] factor() {
        return factor;
    }

    int[] ipiv() {
        return ipiv;
    }

    /**
     * Solves (A − σI)·x_j = b_j in place for {@code nrhs} right-hand sides stored one after
     * another from {@code off} (b[off + j·n + i] is entry i of right-hand side j), by
     * {@code dsytrs}. See {@link Linalg#ldltSolve}.
     */
    @Override
    public void solve(double[] b, int off, int nrhs) {
        linalg.ldltSolve(this, b, off, nrhs);
    }

    @Override
    public String toString() {
        return "LdltFactorization[n=" + n + ", shift=" + shift + ", " + inertia + (singular() ? ", singular at D(" + zeroPivot + "," + zeroPivot + ")" : "") + "]";
    }
}
