package dev.morse.io;

import java.util.Arrays;
import java.util.StringJoiner;

/**
 * An n-dimensional array read from a file, C order (row-major), values widened to double.
 *
 * @param source  where it came from (the file name), for messages
 * @param dtype   the element type as the file states it, e.g. {@code <f8}, {@code <i8}, {@code ubyte}
 * @param integer whether the file's element type is an integer type
 * @param shape   the dimensions (empty for a scalar)
 * @param values  the elements in C order (exact for integers of magnitude below 2⁵³)
 */
public record NdArray(String source, String dtype, boolean integer, int[] shape, double[] values) {

    /** Number of elements: the product of the shape. */
    public long size() {
        return elements(shape);
    }

    /**
     * The product of a shape's dimensions, or {@link Long#MAX_VALUE} when any partial product
     * overflows a long: a declared shape such as (65536, 65536, 65536, 65536) must not wrap
     * around to a small (here 0) element count.
     */
    public static long elements(int[] shape) {
        long n = 1;
        boolean overflow = false;
        for (int d : shape) {
            if (d < 0) throw new IllegalArgumentException("negative dimension in " + shapeText(shape));
            long hi = Math.multiplyHigh(n, d);
            long lo = n * d;
            if (hi != 0 || lo < 0) {
                overflow = true;
                n = 1;
            } else {
                n = lo;
            }
        }
        return overflow ? Long.MAX_VALUE : n;
    }

    public int rank() {
        return shape.length;
    }

    /** Rows: the first dimension (1 for a scalar). */
    public int rows() {
        return shape.length == 0 ? 1 : shape[0];
    }

    /** Elements per row: the product of all dimensions after the first (1 for rank ≤ 1). */
    public int rowLength() {
        if (shape.length <= 1) return 1;
        long n = elements(Arrays.copyOfRange(shape, 1, shape.length));
        if (n > Integer.MAX_VALUE - 8) {
            throw new InputException(source + ": shape " + shapeText(shape) + " has rows of " + (n == Long.MAX_VALUE ? "more than 2^63" : n)
                    + " elements, more than one Java array holds");
        }
        return (int) n;
    }

    /** The first {@code n} rows. */
    public NdArray firstRows(int n) {
        if (shape.length == 0 || n >= shape[0]) return this;
        int[] s = shape.clone();
        s[0] = n;
        return new NdArray(source, dtype, integer, s, Arrays.copyOf(values, n * rowLength()));
    }

    /** The shape written as numpy does: {@code (21,)}, {@code (6, 3)}, {@code ()}. */
    public static String shapeText(int[] shape) {
        if (shape.length == 1) return "(" + shape[0] + ",)";
        StringJoiner j = new StringJoiner(", ", "(", ")");
        for (int d : shape) j.add(Integer.toString(d));
        return j.toString();
    }

    @Override
    public String toString() {
        return source + " " + dtype + " " + shapeText(shape);
    }
}
