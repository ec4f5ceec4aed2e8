package dev.morse.json;

import java.util.List;
import java.util.Map;

/**
 * Typed access to what {@link JsonReader} returns (maps, lists, doubles), for code that knows the
 * shape it expects: a wrong shape is a {@link IllegalArgumentException} naming the key and what
 * was found.
 */
public final class JsonValues {
    private JsonValues() {}

    /** The member {@code key} of an object, itself an object. */
    @SuppressWarnings("unchecked")
    public static Map<String, Object> object(Object o, String key) {
        Object v = member(o, key);
        if (!(v instanceof Map)) throw new IllegalArgumentException("\"" + key + "\" is " + JsonReader.kind(v) + ", expected an object");
        return (Map<String, Object>) v;
    }

    /** The member {@code key} of an object, an array of numbers. */
    public static double[] doubles(Object o, String key) {
        return numbers(member(o, key), key);
    }

    /** An array of numbers. */
    public static double[] doubles(Object list) {
        return numbers(list, "value");
    }

    /** The member {@code key}, an array of equally long arrays of numbers, flattened row by row. */
    public static double[] matrix(Object o, String key) {
        Object v = member(o, key);
        if (!(v instanceof List<?> rows)) throw new IllegalArgumentException("\"" + key + "\" is " + JsonReader.kind(v) + ", expected an array of arrays");
        int cols = -1;
        double[] out = null;
        for (int r = 0; r < rows.size(); r++) {
            double[] row = numbers(rows.get(r), key + "[" + r + "]");
            if (cols < 0) {
                cols = row.length;
                out = new double[rows.size() * cols];
            } else if (row.length != cols) {
                throw new IllegalArgumentException("\"" + key + "\": row " + r + " has " + row.length + " numbers, row 0 has " + cols);
            }
            System.arraycopy(row, 0, out, r * cols, cols);
        }
        return out == null ? new double[0] : out;
    }

    private static Object member(Object o, String key) {
        if (!(o instanceof Map<?, ?> m)) throw new IllegalArgumentException("expected an object holding \"" + key + "\", found " + JsonReader.kind(o));
        if (!m.containsKey(key)) throw new IllegalArgumentException("no member \"" + key + "\"");
        return m.get(key);
    }

    private static double[] numbers(Object v, String what) {
        if (!(v instanceof List<?> l)) throw new IllegalArgumentException("\"" + what + "\" is " + JsonReader.kind(v) + ", expected an array of numbers");
        double[] d = new double[l.size()];
        for (int i = 0; i < d.length; i++) {
            if (!(l.get(i) instanceof Double x)) {
                throw new IllegalArgumentException("\"" + what + "\"[" + i + "] is " + JsonReader.kind(l.get(i)) + ", expected a number");
            }
            d[i] = x;
        }
        return d;
    }
}
