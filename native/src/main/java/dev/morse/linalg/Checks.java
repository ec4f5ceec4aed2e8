package dev.morse.linalg;

/**
 * The "validate at the door" half of {@link Linalg}: O(1) shape and extent checks for BLAS
 * arguments and O(n²) finiteness scans for LAPACK inputs. Every message names the offending
 * values. Package-private: callers see only the resulting {@link IllegalArgumentException}s.
 */
final class Checks {

    private Checks() {
    }

    static void nonNegative(String name, int value) {
        if (value < 0) {
            throw new IllegalArgumentException(name + "=" + value + " < 0");
        }
    }

    /**
     * A row-major rows×cols matrix stored in {@code array} from {@code off} with leading dimension
     * {@code ld}: ld ≥ max(1, cols) (as BLAS requires even for empty matrices), off ≥ 0 and the
     * last element {@code off + (rows−1)·ld + cols − 1} inside the array. Long arithmetic, so
     * huge dimensions cannot overflow into a false pass.
     */
    static void matrix(String arrayName, double[] array, int off, String ldName, int ld,
                       String rowsName, int rows, String colsName, int cols) {
        if (array == null) {
            throw new IllegalArgumentException(arrayName + " is null");
        }
        if (ld < Math.max(1, cols)) {
            throw new IllegalArgumentException(cols >= 1
                    ? ldName + "=" + ld + " < " + colsName + "=" + cols
                    : ldName + "=" + ld + " < 1");
        }
        if (off < 0) {
            throw new IllegalArgumentException(arrayName + "Off=" + off + " < 0");
        }
        if (rows == 0 || cols == 0) {
            return;
        }
        long needed = off + (long) (rows - 1) * ld + cols;
        if (needed > array.length) {
            throw new IllegalArgumentException(arrayName + ".length=" + array.length + " < " + needed
                    + " needed for a " + rowsName + "=" + rows + " × " + colsName + "=" + cols + " matrix at "
                    + arrayName + "Off=" + off + " with " + ldName + "=" + ld);
        }
    }

    /** A dense row-major n×n matrix that fills {@code a} exactly (LAPACK inputs). */
    static void square(String name, double[] a, int n) {
        nonNegative("n", n);
        if (a == null) {
            throw new IllegalArgumentException(name + " is null");
        }
        if (a.length != (long) n * n) {
            throw new IllegalArgumentException(name + ".length=" + a.length + " != n·n = " + n + "·" + n
                    + " = " + (long) n * n);
        }
    }

    /**
     * Throws naming the first NaN or infinite element of the lower triangle (j ≤ i) of the
     * row-major n×n matrix a: the symmetric routines read that triangle only, and the engine's
     * dense Hessians leave the other one unspecified (stale buffer contents, not necessarily
     * finite), which must not abort a Morse check over an entry LAPACK never reads.
     */
    static void finiteLowerTriangle(String name, double[] a, int n) {
        for (int i = 0; i < n; i++) {
            int row = i * n;
            for (int j = 0; j <= i; j++) {
                double x = a[row + j];
                if (x - x != 0) { // NaN or ±Inf: one subtraction instead of two isFinite branches
                    throw new IllegalArgumentException(name + "[" + (row + j) + "] = " + x + " (row " + i + ", column "
                            + j + " of the " + n + "×" + n + " matrix's lower triangle, the one read): LAPACK needs finite input");
                }
            }
        }
    }

    /** Throws naming the first NaN or infinite element of v[0..len). */
    static void finiteVector(String name, double[] v, int len) {
        for (int i = 0; i < len; i++) {
            double x = v[i];
            if (x - x != 0) {
                throw new IllegalArgumentException(name + "[" + i + "] = " + x + ": LAPACK needs finite input");
            }
        }
    }
}
