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
        long n = 1;
        for (int d : shape) n *= d;
        return n;
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
        long n = 1;
        for (int i = 1; i < shape.length; i++) n *= shape[i];
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
