package dev.morse.cluster;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;

/**
 * JSON for sweeps: one configured Jackson mapper (Spark's own Jackson, no second copy), the
 * canonical encoding that task ids hash, value normalization for result rows, and atomic writes.
 *
 * <p>Values are plain Java: {@code String}, {@code Long} or {@code Integer}, {@code Double},
 * {@code Boolean}, {@code null}, {@code List}, {@code Map<String, Object>} (insertion-ordered).
 */
public final class Json {
    private Json() {}

    /** Reads strictly (duplicate keys are errors); writes maps as given (insertion order). */
    static final ObjectMapper MAPPER = new ObjectMapper()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS);

    /** Sorted keys at every depth, no whitespace: the text a task id hashes. */
    private static final ObjectMapper CANONICAL = new ObjectMapper()
            .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS);

    private static final TypeReference<LinkedHashMap<String, Object>> MAP = new TypeReference<>() {};

    /** Parses a JSON object (insertion-ordered); a clear message on bad JSON. */
    public static LinkedHashMap<String, Object> parseObject(String text, String what) {
        try {
            return MAPPER.readValue(text, MAP);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(what + ": not a JSON object: " + e.getOriginalMessage()
                    + (e.getLocation() == null ? "" : " (line " + e.getLocation().getLineNr()
                    + ", column " + e.getLocation().getColumnNr() + ")"), e);
        }
    }

    public static LinkedHashMap<String, Object> readObject(Path file) throws IOException {
        return parseObject(Files.readString(file), file.toString());
    }

    /** Compact JSON, keys in insertion order. */
    public static String write(Object value) {
        try {
            return MAPPER.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static String writePretty(Object value) {
        try {
            return MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Compact JSON with map keys sorted at every depth: equal values give equal text. */
    public static String canonical(Object value) {
        try {
            return CANONICAL.writeValueAsString(sortedCopy(value));
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Object sortedCopy(Object v) {
        if (v instanceof Map<?, ?> m) {
            TreeMap<String, Object> t = new TreeMap<>();
            m.forEach((k, x) -> t.put(String.valueOf(k), sortedCopy(x)));
            return t;
        }
        if (v instanceof Collection<?> c) {
            List<Object> l = new ArrayList<>(c.size());
            for (Object x : c) l.add(sortedCopy(x));
            return l;
        }
        return v;
    }

    /** First 16 hex digits of the SHA-256 of {@code text} (UTF-8). */
    public static String hash16(String text) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * A step output as it goes into a result row: finite numbers (integers as {@code Long}, others
     * as {@code Double}), booleans, strings, lists of those, or {@code null}. Non-finite numbers
     * become {@code null} (JSON has no NaN, and Morse's reports write them as null too). Primitive
     * arrays become lists; enums and paths their text. Maps are handled by the caller (flattened).
     *
     * @throws IllegalArgumentException for anything else, naming {@code what}
     */
    static Object normalizeValue(Object v, String what) {
        if (v == null || v instanceof String || v instanceof Boolean) return v;
        if (v instanceof Double || v instanceof Float) {
            double d = ((Number) v).doubleValue();
            return Double.isFinite(d) ? d : null;
        }
        if (v instanceof Long || v instanceof Integer || v instanceof Short || v instanceof Byte) {
            return ((Number) v).longValue();
        }
        if (v instanceof BigInteger b) {
            return b.bitLength() < 64 ? (Object) b.longValue() : (Object) b.doubleValue();
        }
        if (v instanceof BigDecimal b) return normalizeValue(b.doubleValue(), what);
        if (v instanceof Number n) return normalizeValue(n.doubleValue(), what);
        if (v instanceof CharSequence || v instanceof Enum<?> || v instanceof Path || v instanceof UUID) {
            return v instanceof Enum<?> e ? e.name() : v.toString();
        }
        if (v instanceof double[] a) {
            List<Object> l = new ArrayList<>(a.length);
            for (double x : a) l.add(Double.isFinite(x) ? x : null);
            return l;
        }
        if (v instanceof float[] a) {
            List<Object> l = new ArrayList<>(a.length);
            for (float x : a) l.add(Float.isFinite(x) ? (double) x : null);
            return l;
        }
        if (v instanceof int[] a) {
            List<Object> l = new ArrayList<>(a.length);
            for (int x : a) l.add((long) x);
            return l;
        }
        if (v instanceof long[] a) {
            List<Object> l = new ArrayList<>(a.length);
            for (long x : a) l.add(x);
            return l;
        }
        if (v instanceof boolean[] a) {
            List<Object> l = new ArrayList<>(a.length);
            for (boolean x : a) l.add(x);
            return l;
        }
        if (v instanceof Object[] a) return normalizeValue(List.of(a), what);
        if (v instanceof Collection<?> c) {
            List<Object> l = new ArrayList<>(c.size());
            int i = 0;
            for (Object x : c) {
                if (x instanceof Collection<?> || x instanceof Map<?, ?> || (x != null && x.getClass().isArray())) {
                    throw new IllegalArgumentException(what + "[" + i + "]: nested arrays and objects are not"
                            + " supported in result rows (save them as a file in the task folder)");
                }
                l.add(normalizeValue(x, what + "[" + i + "]"));
                i++;
            }
            return l;
        }
        throw new IllegalArgumentException(what + ": unsupported output type " + v.getClass().getName()
                + " (use numbers, booleans, strings, arrays of those, or maps of those)");
    }
}
