package dev.morse.spectra;

import dev.morse.linalg.NonFiniteValueException;
import dev.morse.simd.Ranges;
import java.util.Arrays;

/**
 * Compositions of {@link LinearOperator}s: sum, scale, shift, restriction, and dense matrices.
 * Every operator made here refuses a product written into its input (out == v) and a single
 * product whose vectors do not have length exactly n ({@link LinearOperator#checkProduct},
 * {@link LinearOperator#checkBlock}).
 */
public final class Operators {
    private Operators() {}

    /** The usual cause of a non-finite product or dense matrix, for the messages that refuse one. */
    static final String OVERFLOW = "for an engine operator: the loss or its derivatives overflow at θ; "
            + "the weights or the coefficients are too large for float64 there";

    /**
     * Refuses a non-finite product: the k vectors of length n in out[0 .. k·n), the operator's
     * output for the input {@code String.format(input, x, y)} (e.g. "probe %d of Hutchinson"),
     * must hold no NaN or infinity. A spectral method fed one would otherwise fail later naming a
     * vector the caller never passed, or return NaN silently. The common test is one SIMD scan
     * ({@code Kernels.firstNonFinite}); the message, a format and two numbers, is built only on failure,
     * so the scan allocates nothing in the methods' loops. The input was finite (the method built
     * it), so a non-finite product is a value computed here, a numerical failure of the run (for an
     * engine operator: overflow at θ), not a bad argument of the caller's.
     *
     * @throws NonFiniteValueException naming the operator, the entry, the vector and the input
     */
    static void requireFiniteProduct(LinearOperator a, double[] out, int n, int k, String input, long x, long y) {
        int len = n * k;
        int i = dev.morse.simd.KernelProvider.get().firstNonFinite(len, out, 0);
        if (i < 0) return;
        throw new NonFiniteValueException("the operator " + a.describe() + " returned " + out[i] + " at index " + (i % n)
                + (k > 1 ? " of vector " + (i / n) + " of its block product" : " of its product") + " for "
                + String.format(java.util.Locale.ROOT, input, x, y) + ": products must be finite (" + OVERFLOW + ")");
    }

    static void requireSameDim(LinearOperator a, LinearOperator b) {
        java.util.Objects.requireNonNull(a, "operator");
        java.util.Objects.requireNonNull(b, "operator");
        if (a.dim() != b.dim()) throw new IllegalArgumentException("dims differ: " + a.dim() + " != " + b.dim());
    }

    /**
     * An operator derived from a base of the same dimension, defined by its block product: the
     * single product is the block with k = 1.
     */
    private abstract static class Derived implements LinearOperator {
        final LinearOperator base;

        Derived(LinearOperator base) {
            this.base = java.util.Objects.requireNonNull(base, "operator");
        }

        @Override
        public int dim() {
            return base.dim();
        }

        @Override
        public final void apply(double[] v, double[] out) {
            LinearOperator.checkProduct(dim(), v, out);
            product(v, out, 1);
        }

        @Override
        public final void apply(double[] vs, double[] outs, int k) {
            LinearOperator.checkBlock(dim(), vs, outs, k);
            product(vs, outs, k);
        }

        /** OUTS = this·VS for k vectors, the arguments checked. */
        abstract void product(double[] vs, double[] outs, int k);

        /** The base's workers (a derived operator's vectors have the base's length). */
        @Override
        public Ranges ranges() {
            return base.ranges();
        }
    }

    /**
     * a, with every product checked ({@link #requireFiniteProduct}): for solvers that run an
     * operator's products through recurrences of their own (MINRES, truncated CG in Newton's
     * matrix-free steps), where a NaN would otherwise end as a stop whose stated reason is untrue.
     * {@code what} names the use in the message (e.g. "a Newton step at iteration 3").
     *
     * @throws NonFiniteValueException from a product that holds NaN or an infinity
     */
    public static LinearOperator finiteProducts(LinearOperator a, String what) {
        String input = "product %d of " + what.replace("%", "%%");   // once: the products' check allocates nothing
        return new Derived(a) {
            private long products;

            @Override
            void product(double[] vs, double[] outs, int k) {
                a.apply(vs, outs, k);
                requireFiniteProduct(a, outs, dim(), k, input, ++products, 0);
            }

            @Override
            public String describe() {
                return a.describe();
            }
        };
    }

    /** a + b. */
    public static LinearOperator sum(LinearOperator a, LinearOperator b) {
        requireSameDim(a, b);
        return new Derived(a) {
            private double[] tmp = new double[0];

            @Override
            void product(double[] vs, double[] outs, int k) {
                int len = k * dim();
                if (tmp.length < len) tmp = new double[len];
                a.apply(vs, outs, k);
                b.apply(vs, tmp, k);
                for (int i = 0; i < len; i++) outs[i] += tmp[i];
            }

            @Override
            public String describe() {
                return "(" + a.describe() + " + " + b.describe() + ")";
            }
        };
    }

    /** c · a. */
    public static LinearOperator scale(LinearOperator a, double c) {
        if (!Double.isFinite(c)) throw new IllegalArgumentException("scale factor must be finite, got " + c);
        return new Derived(a) {
            @Override
            void product(double[] vs, double[] outs, int k) {
                a.apply(vs, outs, k);
                for (int i = 0; i < k * dim(); i++) outs[i] *= c;
            }

            @Override
            public String describe() {
                return c + "·" + a.describe();
            }
        };
    }

    /** a − s·I. */
    public static LinearOperator shift(LinearOperator a, double s) {
        if (!Double.isFinite(s)) throw new IllegalArgumentException("shift must be finite, got " + s);
        return new Derived(a) {
            @Override
            void product(double[] vs, double[] outs, int k) {
                a.apply(vs, outs, k);
                for (int i = 0; i < k * dim(); i++) outs[i] -= s * vs[i];
            }

            @Override
            public String describe() {
                return "(" + a.describe() + " − " + s + "·I)";
            }
        };
    }

    /** P_Sᵀ A P_S for the index set S (distinct, in range): the principal submatrix on S. */
    public static LinearOperator restrict(LinearOperator a, int[] indices) {
        java.util.Objects.requireNonNull(a, "operator");
        java.util.Objects.requireNonNull(indices, "indices");
        int n = a.dim();
        int[] idx = indices.clone();
        boolean[] seen = new boolean[n];
        for (int i = 0; i < idx.length; i++) {
            if (idx[i] < 0 || idx[i] >= n) throw new IllegalArgumentException("index " + idx[i] + " at position " + i + " out of range [0, " + n + ")");
            if (seen[idx[i]]) throw new IllegalArgumentException("index " + idx[i] + " repeated at position " + i);
            seen[idx[i]] = true;
        }
        return new LinearOperator() {
            private double[] full = new double[0];
            private double[] fullOut = new double[0];

            @Override
            public int dim() {
                return idx.length;
            }

            @Override
            public void apply(double[] v, double[] out) {
                LinearOperator.checkProduct(dim(), v, out);
                product(v, out, 1);
            }

            @Override
            public void apply(double[] vs, double[] outs, int k) {
                LinearOperator.checkBlock(dim(), vs, outs, k);
                product(vs, outs, k);
            }

            /** OUTS = the restriction times VS for k vectors, the arguments checked. */
            private void product(double[] vs, double[] outs, int k) {
                int m = idx.length;
                if (full.length < k * n) {
                    full = new double[k * n];
                    fullOut = new double[k * n];
                }
                Arrays.fill(full, 0, k * n, 0.0);
                for (int j = 0; j < k; j++) for (int i = 0; i < m; i++) full[j * n + idx[i]] = vs[j * m + i];
                a.apply(full, fullOut, k);
                for (int j = 0; j < k; j++) for (int i = 0; i < m; i++) outs[j * m + i] = fullOut[j * n + idx[i]];
            }

            @Override
            public String describe() {
                return a.describe() + "[restricted to " + idx.length + " indices]";
            }
        };
    }

    /**
     * The block A[rows, cols] (|rows| × |cols|, row-major) of a symmetric operator, e.g. a
     * cross-layer block of the Hessian (rows = layer 1's indices, cols = layer 2's). Costs |cols|
     * operator products (in blocks of 32); the principal blocks are better served by
     * {@link #restrict}.
     */
    public static double[] denseBlock(LinearOperator a, int[] rows, int[] cols) {
        return denseBlock(a, rows, cols, null);
    }

    /** As {@link #denseBlock(LinearOperator, int[], int[])}, reporting the columns done. */
    public static double[] denseBlock(LinearOperator a, int[] rows, int[] cols, dev.morse.linalg.Progress progress) {
        java.util.Objects.requireNonNull(a, "operator");
        java.util.Objects.requireNonNull(rows, "rows");
        java.util.Objects.requireNonNull(cols, "cols");
        int n = a.dim();
        for (int[] idx : new int[][] {rows, cols}) {
            for (int i = 0; i < idx.length; i++) {
                if (idx[i] < 0 || idx[i] >= n) throw new IllegalArgumentException("index " + idx[i] + " at position " + i + " out of range [0, " + n + ")");
            }
        }
        dev.morse.linalg.MemoryGuard.checkDense(rows.length, cols.length, "dense block " + rows.length + "×" + cols.length + " of " + a.describe());
        double[] out = new double[rows.length * cols.length];
        int block = Math.max(1, Math.min(32, cols.length));
        double[] e = new double[block * n], col = new double[block * n];
        String work = "the dense block of " + a.describe();   // once: describe() per block was repeated work
        for (int start = 0; start < cols.length; start += block) {
            dev.morse.linalg.Cancellation.check(work);
            int k = Math.min(block, cols.length - start);
            Arrays.fill(e, 0.0);
            for (int j = 0; j < k; j++) e[j * n + cols[start + j]] = 1.0;
            a.apply(e, col, k);
            for (int j = 0; j < k; j++) {
                for (int i = 0; i < rows.length; i++) out[i * cols.length + start + j] = col[j * n + rows[i]];
            }
            if (progress != null) progress.update(start + k, cols.length);
        }
        return out;
    }

    /** A dense symmetric matrix (row-major n×n, not copied) as an operator. */
    public static LinearOperator dense(double[] a, int n) {
        java.util.Objects.requireNonNull(a, "matrix");
        if (a.length < (long) n * n) throw new IllegalArgumentException("matrix has " + a.length + " entries, expected n²=" + ((long) n * n));
        return new LinearOperator() {
            @Override
            public int dim() {
                return n;
            }

            @Override
            public void apply(double[] v, double[] out) {
                LinearOperator.checkProduct(n, v, out);
                for (int i = 0; i < n; i++) {
                    double s = 0;
                    int o = i * n;
                    for (int j = 0; j < n; j++) s += a[o + j] * v[j];
                    out[i] = s;
                }
            }

            @Override
            public void apply(double[] vs, double[] outs, int k) {
                LinearOperator.checkBlock(n, vs, outs, k);
                dev.morse.linalg.Linalg.get().dgemm(false, true, k, n, n, 1.0, vs, 0, n, a, 0, n, 0.0, outs, 0, n);
            }

            @Override
            public String describe() {
                return "dense(" + n + "×" + n + ")";
            }
        };
    }

    /** A diagonal matrix as an operator. */
    public static LinearOperator diagonal(double[] d) {
        java.util.Objects.requireNonNull(d, "diagonal");
        double[] diag = d.clone();
        return new LinearOperator() {
            @Override
            public int dim() {
                return diag.length;
            }

            @Override
            public void apply(double[] v, double[] out) {
                LinearOperator.checkProduct(diag.length, v, out);
                for (int i = 0; i < diag.length; i++) out[i] = diag[i] * v[i];
            }

            @Override
            public void apply(double[] vs, double[] outs, int k) {
                LinearOperator.checkBlock(diag.length, vs, outs, k);
                int n = diag.length;
                for (int j = 0; j < k; j++) {
                    for (int i = 0; i < n; i++) outs[j * n + i] = diag[i] * vs[j * n + i];
                }
            }

            @Override
            public String describe() {
                return "diag(" + diag.length + ")";
            }
        };
    }
}
