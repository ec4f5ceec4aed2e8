package dev.morse.spectra;

import dev.morse.engine.Objective;
import dev.morse.linalg.Inertia;
import dev.morse.linalg.Linalg;
import dev.morse.linalg.OpenBlas;
import dev.morse.linalg.SymmetricEigen;

/**
 * Dense spectra of any {@link LinearOperator}: materialize it through block products (refused up
 * front with the memory estimate when it cannot fit), then LAPACK. Exact inertia counts come from
 * an LDLᵀ factorization (dsytrf) instead, which costs a third of an eigendecomposition.
 */
public final class DenseSpectrum {
    private DenseSpectrum() {}

    /**
     * The n × n matrix of a symmetric operator, row-major, symmetrized as (A + Aᵀ)/2. Uses the
     * engine's own dense path for curvature operators ({@link Objective#dense}).
     */
    public static double[] materialize(LinearOperator a) {
        return materialize(a, null);
    }

    /** As {@link #materialize(LinearOperator)}, reporting the columns done after each block. */
    public static double[] materialize(LinearOperator a, Objective.Progress progress) {
        if (a instanceof CurvatureOperator c) return c.dense(progress);
        int n = a.dim();
        int[] all = LinearOperator.range(0, n);
        double[] m = Operators.denseBlock(a, all, all, progress);
        Objective.symmetrize(m, n);
        return m;
    }

    /** All eigenvalues (ascending) and, when asked, eigenvectors (row i for value i). */
    public static SymmetricEigen eigen(LinearOperator a, boolean vectors) {
        int n = a.dim();
        double[] m = materialize(a);
        // LAPACK gets every core; the engine's workers are idle meanwhile (threads have one owner).
        int before = OpenBlas.available() ? OpenBlas.threads() : 1;
        OpenBlas.setThreads(Runtime.getRuntime().availableProcessors());
        try {
            return Linalg.get().eighInPlace(m, n, vectors);
        } finally {
            OpenBlas.setThreads(before);
        }
    }

    /** Exact counts of eigenvalues below, at and above {@code shift} by LDLᵀ (Sylvester's law of inertia). */
    public static Inertia inertia(LinearOperator a, double shift) {
        return Linalg.get().inertia(materialize(a), a.dim(), shift);
    }

    /** Exact number of eigenvalues in the open interval (lo, hi): two LDLᵀ factorizations. */
    public static int countInInterval(LinearOperator a, double lo, double hi) {
        if (!(lo < hi)) throw new IllegalArgumentException("interval must have lo < hi, got (" + lo + ", " + hi + ")");
        double[] m = materialize(a);
        int n = a.dim();
        Inertia below = Linalg.get().inertia(m, n, lo);   // inertia works on a copy
        Inertia above = Linalg.get().inertia(m, n, hi);
        return n - below.negative() - below.zero() - above.positive() - above.zero();
    }
}
