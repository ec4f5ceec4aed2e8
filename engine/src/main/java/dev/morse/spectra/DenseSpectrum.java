package dev.morse.spectra;

import dev.morse.linalg.Inertia;
import dev.morse.linalg.Linalg;
import dev.morse.linalg.NativeThreads;
import dev.morse.linalg.Progress;
import dev.morse.linalg.SymmetricEigen;

/**
 * Dense spectra of any {@link LinearOperator}: materialize it through block products (refused up
 * front with the memory estimate when it cannot fit), then LAPACK. Exact inertia counts come from
 * an LDLᵀ factorization (dsytrf) instead, which costs a third of an eigendecomposition.
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
        dev.morse.linalg.MemoryGuard.checkDense(a.dim(), a.dim(), "dense " + a.describe() + " (n=" + a.dim() + ")");
        return a.toDense(progress);
    }

    /** All eigenvalues (ascending) and, when asked, eigenvectors (row i for value i). */
    public static SymmetricEigen eigen(LinearOperator a, boolean vectors) {
        int n = a.dim();
        double[] m = materialize(a);
        // A dense scope (the engine's workers are idle meanwhile: threads have one owner); dsyevd
        // itself runs on one OpenBLAS thread, for the same bits with any count (NativeThreads.atOneThread).
        try (NativeThreads.Scope s = NativeThreads.dense()) {
            return Linalg.get().eighInPlace(m, n, vectors);
        }
    }

    /** Exact counts of eigenvalues below, at and above {@code shift} by LDLᵀ (Sylvester's law of inertia). */
    public static Inertia inertia(LinearOperator a, double shift) {
        double[] m = materialize(a);
        try (NativeThreads.Scope s = NativeThreads.dense()) {
            return Linalg.get().inertia(m, a.dim(), shift);
        }
    }

    /** Exact number of eigenvalues in the open interval (lo, hi): two LDLᵀ factorizations. */
    public static int countInInterval(LinearOperator a, double lo, double hi) {
        if (!(lo < hi)) throw new IllegalArgumentException("interval must have lo < hi, got (" + lo + ", " + hi + ")");
        double[] m = materialize(a);
        int n = a.dim();
        Inertia below, above;
        try (NativeThreads.Scope s = NativeThreads.dense()) {
            below = Linalg.get().inertia(m, n, lo);   // inertia works on a copy
            above = Linalg.get().inertia(m, n, hi);
        }
        return n - below.negative() - below.zero() - above.positive() - above.zero();
    }
}
