package dev.morse.spectra;

import dev.morse.linalg.DenseMatrices;
import dev.morse.linalg.Progress;
import dev.morse.simd.Ranges;
import java.util.Arrays;

/**
 * A symmetric linear operator on R^n: the thin API that every spectral method in Morse sees.
 * The engine's Hessian, Gauss–Newton, NME and regularizer operators implement it
 * ({@code dev.morse.engine.CurvatureOperator}); so can any user code. Nothing in this package
 * knows the engine.
 *
 * <p>Contract: {@link #apply(double[], double[])} writes A·v into out without reading out first;
 * v is not modified. Implementations must be symmetric (⟨u, Av⟩ = ⟨Au, v⟩) for the results of
 * Lanczos, SLQ and the dense path to mean what they say.
 */
public interface LinearOperator {

    /** n, the dimension. */
    int dim();

    /** out = A·v (length n each). */
    void apply(double[] v, double[] out);

    /**
     * Block product for k vectors stored one after another (V[j·n + i] is entry i of vector j);
     * the default applies them one at a time. Operators with a faster block path override it.
     */
    default void apply(double[] vs, double[] outs, int k) {
        int n = dim();
        double[] v = new double[n];
        double[] o = new double[n];
        for (int j = 0; j < k; j++) {
            System.arraycopy(vs, j * n, v, 0, n);
            apply(v, o);
            System.arraycopy(o, 0, outs, j * n, n);
        }
    }

    /**
     * The n × n matrix of this operator, row-major, symmetrized as (A + Aᵀ)/2. The default takes
     * block products of identity columns ({@link Operators#denseBlock}); operators with a cheaper
     * dense path (the engine's curvature operators) override it. Callers check memory first
     * ({@link dev.morse.linalg.MemoryGuard}).
     */
    default double[] toDense(Progress progress) {
        int n = dim();
        int[] all = range(0, n);
        double[] m = Operators.denseBlock(this, all, all, progress);
        DenseMatrices.symmetrize(m, n);
        return m;
    }

    /**
     * Where elementwise work on this operator's vectors may run ({@link Ranges}): the calling
     * thread alone by default; an operator backed by an evaluator gives the evaluator's workers,
     * which are idle between its products. Lanczos's thick restart runs on it. Wrappers forward
     * their inner operator's.
     */
    default Ranges ranges() {
        return Ranges.SERIAL;
    }

    /** A short description for reports, e.g. "hessian of 3-4-1 tanh, mse". */
    default String describe() {
        return getClass().getSimpleName() + "(n=" + dim() + ")";
    }

    /** this + other. */
    default LinearOperator plus(LinearOperator other) {
        return Operators.sum(this, other);
    }

    /** c · this. */
    default LinearOperator scaled(double c) {
        return Operators.scale(this, c);
    }

    /** this − s·I. */
    default LinearOperator shifted(double s) {
        return Operators.shift(this, s);
    }

    /** The principal submatrix on an index set (a layer, or any subset): P_Sᵀ A P_S. */
    default LinearOperator restrict(int[] indices) {
        return Operators.restrict(this, indices);
    }

    /** The index set [from, to), e.g. one layer's parameters, for {@link #restrict(int[])}. */
    static int[] range(int from, int to) {
        int[] r = new int[to - from];
        Arrays.setAll(r, i -> from + i);
        return r;
    }
}
