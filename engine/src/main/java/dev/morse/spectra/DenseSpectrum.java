package dev.morse.spectra;

import dev.morse.linalg.Inertia;
import dev.morse.linalg.Linalg;
import dev.morse.linalg.NativeThreads;
import dev.morse.linalg.NonFiniteMatrixException;
import dev.morse.linalg.Progress;
import dev.morse.linalg.SymmetricEigen;
import dev.morse.simd.KernelProvider;
import dev.morse.simd.Kernels;

/**
 * Dense spectra of any {@link LinearOperator}: materialize it through block products (refused up
 * front with the memory estimate when it cannot fit), then LAPACK. Exact inertia counts come from
 * an LDLᵀ factorization (dsytrf) instead, which costs a third of an eigendecomposition. A matrix
 * holding NaN or an infinity is refused before LAPACK, naming the operator and the entry, as the
 * spectral methods refuse a non-finite product: the operator's matrix is computed from its
 * products, so a non-finite one is a numerical failure ({@link NonFiniteMatrixException}); a
 * matrix the caller passes to {@code Linalg} itself is an argument (IllegalArgumentException from
 * {@code Linalg}'s input checks).
 */
public final class DenseSpectrum {
    private DenseSpectrum() {}

    /**
     * The n × n matrix of a symmetric operator, row-major, symmetrized as (A + Aᵀ)/2
     * ({@link LinearOperator#toDense}), refused up front when it cannot fit.
     */
    public static double[] materialize(LinearOperator a) {
        return materialize(a, null);
    }

    /** As {@link #materialize(LinearOperator)}, reporting the columns done after each block. */
    public static double[] materialize(LinearOperator a, Progress progress) {
        java.util.Objects.requireNonNull(a, "operator");
        dev.morse.linalg.MemoryGuard.checkDense(a.dim(), a.dim(), "dense " + a.describe() + " (n=" + a.dim() + ")");
        return a.toDense(progress);
    }

    /** All eigenvalues (ascending) and, when asked, eigenvectors (row i for value i). */
    public static SymmetricEigen eigen(LinearOperator a, boolean vectors) {
        java.util.Objects.requireNonNull(a, "operator");
        int n = a.dim();
        double[] m = finiteMatrix(a);
        // A dense scope (the engine's workers are idle meanwhile: threads have one owner); dsyevd
        // itself runs on one OpenBLAS thread, for the same bits with any count (NativeThreads.atOneThread).
        try (NativeThreads.Scope s = NativeThreads.dense()) {
            return Linalg.get().eighInPlace(m, n, vectors);
        }
    }

    /** Exact counts of eigenvalues below, at and above {@code shift} by LDLᵀ (Sylvester's law of inertia). */
    public static Inertia inertia(LinearOperator a, double shift) {
        java.util.Objects.requireNonNull(a, "operator");
        double[] m = finiteMatrix(a);
        try (NativeThreads.Scope s = NativeThreads.dense()) {
            return Linalg.get().inertia(m, a.dim(), shift);
        }
    }

    /** Exact number of eigenvalues in the open interval (lo, hi): two LDLᵀ factorizations. */
    public static int countInInterval(LinearOperator a, double lo, double hi) {
        java.util.Objects.requireNonNull(a, "operator");
        if (!(lo < hi)) throw new IllegalArgumentException("interval must have lo < hi, got (" + lo + ", " + hi + ")");
        double[] m = finiteMatrix(a);
        int n = a.dim();
        Inertia below, above;
        try (NativeThreads.Scope s = NativeThreads.dense()) {
            below = Linalg.get().inertia(m, n, lo);   // inertia works on a copy
            above = Linalg.get().inertia(m, n, hi);
        }
        return n - below.negative() - below.zero() - above.positive() - above.zero();
    }

    /**
     * The matrix of {@link #materialize}, refused when it is not finite: its lower triangle only,
     * the one LAPACK's symmetric routines read; symmetrized, the matrix carries any non-finite entry
     * of the upper one there too. Computed from the operator's products, so a non-finite entry is a
     * numerical failure ({@link #requireFiniteAssembled}), as a non-finite product is.
     */
    private static double[] finiteMatrix(LinearOperator a) {
        double[] m = materialize(a);
        requireFiniteAssembled(m, a.dim(), true, () -> "the operator " + a.describe());
        return m;
    }

    /**
     * Refuses a dense row-major n × n matrix computed from an operator's products (the Morse
     * check's H, G and M at θ, the matrix of {@link #eigen}) that holds NaN or an infinity, naming
     * {@code what} (e.g. "the operator hessian of 3-4-1 tanh, mse", built only for the message) and
     * the first such entry by row and column: LAPACK would refuse it too, naming an array index of
     * its own input, or (for a user's backend) give NaN eigenvalues. For an engine operator a
     * non-finite entry is overflow in float64 at θ, a numerical condition of the run (exit 3 in the
     * CLI), not a caller's bad argument. With {@code lowerOnly} only the lower triangle (column ≤
     * row) is read, the one the symmetric routines read (the Morse check's assembly leaves the other
     * one unspecified). One SIMD scan per row ({@link Kernels#firstNonFinite}); no allocation.
     *
     * @throws NonFiniteMatrixException naming the entry
     */
    public static void requireFiniteAssembled(double[] m, int n, boolean lowerOnly, java.util.function.Supplier<String> what) {
        Kernels k = KernelProvider.get();
        for (int i = 0; i < n; i++) {
            int row = i * n, len = lowerOnly ? i + 1 : n;
            int j = k.firstNonFinite(len, m, row);
            if (j >= 0) {
                throw new NonFiniteMatrixException("the dense matrix of " + what.get() + " holds " + m[row + j] + " at row " + i + ", column "
                        + j + " (of " + n + "×" + n + "): it must be finite for LAPACK (" + Operators.OVERFLOW + ")");
            }
        }
    }
}
