package dev.morse.engine;

import dev.morse.simd.KernelProvider;

/**
 * The argument checks at the door of an {@link Evaluator}'s requests, run before the request
 * starts: θ's shape (its finiteness where no scan of θ follows), the length and finiteness of input
 * vectors, the length of outputs, arrays of exactly P entries, outputs distinct from every input
 * array (θ, v, V, u), and data parts. Each throws an {@link IllegalArgumentException} that names the
 * argument and the offending value or length. The checks that need the model (P, its description)
 * are instance methods; the others are static.
 */
final class RequestChecks {
    private final Mlp mlp;
    private final int p;

    RequestChecks(Mlp mlp) {
        this.mlp = mlp;
        this.p = mlp.numParameters();
    }

    void checkTheta(double[] theta) {
        checkThetaShape(theta);
        checkFinite(theta, p, "θ");
    }

    void checkThetaShape(double[] theta) {
        if (theta == null) throw new IllegalArgumentException("θ is null");
        if (theta.length != p) throw new IllegalArgumentException("θ has length " + theta.length + ", model " + mlp.describe() + " has P=" + p);
    }

    static void checkVector(double[] v, long len, String what) {
        if (v == null) throw new IllegalArgumentException(what + " is null");
        if (v.length < len) throw new IllegalArgumentException(what + " has length " + v.length + ", expected at least " + len);
        checkFinite(v, (int) len, what);
    }

    /**
     * Throws for the first NaN or infinity in x[0 .. n). Every request checks its vectors, at
     * P = 269 322 a scan per call ({@link dev.morse.simd.Kernels#firstNonFinite}, which also finds
     * the culprit's index). θ is tested in the scheduler's scan
     * of θ ({@link ThetaKey}, under the lock, with the cache key), and scanned here only when that
     * failed, to name the entry; {@link Evaluator#dense} tests θ here before it allocates.
     */
    static void checkFinite(double[] x, int n, String what) {
        int i = KernelProvider.get().firstNonFinite(n, x, 0);
        if (i >= 0) throw new IllegalArgumentException(what + " contains " + x[i] + " at index " + i);
    }

    /**
     * A vector of length exactly P ({@code use} says whose: "a single product", "a gradient"): the
     * rule of {@code LinearOperator.checkProduct}, since a longer array would keep a tail that the
     * request never wrote, and a caller that passes one has the layout wrong.
     */
    void checkExact(double[] x, String what, String use) {
        if (x == null) throw new IllegalArgumentException(what + " is null");
        if (x.length != p) {
            throw new IllegalArgumentException(what + " has length " + x.length + "; " + use + " takes exactly P = " + p
                    + " entries (model " + mlp.describe() + ")");
        }
    }

    /** A product's output is neither its input nor θ (a cheap identity test: no product runs in place). */
    static void checkDistinct(double[] vs, double[] out, double[] theta) {
        checkDistinct(out, "out", vs, "v");
        checkDistinct(out, "output", theta, "θ");
    }

    /**
     * An output array is not one of the request's inputs (an identity test): every request reads
     * its inputs after it has started writing its outputs (a gradient writes the data part before
     * the terms read θ; a product's terms read v after the data part is in out), so an output that
     * aliases an input gives wrong numbers, never an in-place result. {@code inName} "θ" words it
     * as θ's array.
     */
    static void checkDistinct(double[] out, String outName, double[] in, String inName) {
        if (out == null || out != in) return;
        if (inName.equals("θ")) {
            throw new IllegalArgumentException("the " + outName + " array is θ's array: the request would overwrite θ; pass a separate output array");
        }
        throw new IllegalArgumentException(outName + " and " + inName + " are the same array: a request cannot be computed in place "
                + "(it reads " + inName + " after writing " + outName + "); pass a separate output array");
    }

    static void checkOut(double[] out, long len, String what) {
        if (out == null) throw new IllegalArgumentException(what + " array is null");
        if (out.length < len) throw new IllegalArgumentException(what + " array has length " + out.length + ", expected at least " + len);
    }

    static void checkDataPart(Part part) {
        if (part != Part.GGN && part != Part.NME && part != Part.DATA_HESSIAN) {
            throw new IllegalArgumentException("a data part (GGN, NME or DATA_HESSIAN) expected, got " + part);
        }
    }
}
