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
 * v is not modified. <b>v and out must be different arrays</b>: a product is never computed in
 * place (most operators read v again after they have started writing out, so out == v would give
 * wrong numbers silently). Every operator Morse provides (the engine's
 * {@code CurvatureOperator}, the combinators {@link #plus}, {@link #scaled}, {@link #shifted},
 * {@link #restrict}, and {@link Operators}) refuses out == v with an
 * {@link IllegalArgumentException}, and takes vectors of length exactly n for a single product
 * ({@link #checkProduct}; user operators may call it too). Block products take at least k·n
 * entries in each array; the entries past k·n are neither read nor written.
 *
 * <p>Implementations must be symmetric (⟨u, Av⟩ = ⟨Au, v⟩) for the results of Lanczos, SLQ and
 * the dense path to mean what they say, and return finite products: Lanczos, SLQ and the trace
 * estimators refuse a product holding NaN or an infinity, naming the operator, the entry and the
 * probe (an engine operator's products overflow when the loss or its derivatives do at θ).
 */
public interface LinearOperator {

    /** n, the dimension. */
    int dim();

    /** out = A·v (length n each; out and v different arrays, see the class comment). */
    void apply(double[] v, double[] out);

    /**
     * Block product for k vectors stored one after another (V[j·n + i] is entry i of vector j);
     * the default applies them one at a time. Operators with a faster block path override it.
     * vs and outs are different arrays holding at least k·n entries each.
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

    /**
     * The arguments of a single product {@code apply(v, out)} of an operator of dimension n: both
     * non-null, of length exactly n, and different arrays (a product is never computed in place).
     *
     * @throws IllegalArgumentException naming what is wrong
     */
    static void checkProduct(int n, double[] v, double[] out) {
        if (v == null || out == null) throw new IllegalArgumentException((v == null ? "v" : "out") + " is null");
        if (v == out) throw new IllegalArgumentException(inPlace());
        if (v.length != n) throw new IllegalArgumentException("v has length " + v.length + "; a single product takes exactly n = " + n + " entries");
        if (out.length != n) throw new IllegalArgumentException("out has length " + out.length + "; a single product takes exactly n = " + n + " entries");
    }

    /**
     * The arguments of a block product {@code apply(vs, outs, k)} of an operator of dimension n:
     * k ≥ 1, both arrays non-null, holding at least k·n entries, and different arrays.
     *
     * @throws IllegalArgumentException naming what is wrong
     */
    static void checkBlock(int n, double[] vs, double[] outs, int k) {
        if (k <= 0) throw new IllegalArgumentException("block size k must be positive, got " + k);
        if (vs == null || outs == null) throw new IllegalArgumentException((vs == null ? "V" : "OUT") + " is null");
        if (vs == outs) throw new IllegalArgumentException(inPlace());
        long len = (long) k * n;
        if (vs.length < len) throw new IllegalArgumentException("V has length " + vs.length + "; a block of k = " + k + " vectors needs at least k·n = " + len);
        if (outs.length < len) throw new IllegalArgumentException("OUT has length " + outs.length + "; a block of k = " + k + " vectors needs at least k·n = " + len);
    }

    /** The message for out == v. */
    private static String inPlace() {
        return "out and v are the same array: a product cannot be computed in place (it would read v after writing out); pass a separate output array";
    }

    /**
     * The index set [from, to), e.g. one layer's parameters, for {@link #restrict(int[])}.
     *
     * @throws IllegalArgumentException when from &lt; 0 or to &lt; from
     */
    static int[] range(int from, int to) {
        if (from < 0 || to < from) throw new IllegalArgumentException("range [" + from + ", " + to + ") needs 0 ≤ from ≤ to");
        int[] r = new int[to - from];
        Arrays.setAll(r, i -> from + i);
        return r;
    }
}
