package dev.morse.json;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A strict JSON parser (RFC 8259) for config files, reports read back and test fixtures. Objects
 * become {@link LinkedHashMap}s (member order kept), arrays {@link List}s, numbers
 * {@link Double}s, strings, booleans and {@code null} themselves.
 *
 * <p>Strict: numbers follow the JSON grammar ({@code 01}, {@code 1.}, {@code .5}, {@code +1},
 * {@code 0x10}, {@code NaN} are errors) and must fit a double ({@code 1e999} is an error, not
 * infinity); a member name may appear once per object; nothing may follow the value. Nesting is
 * limited ({@link #DEFAULT_MAX_DEPTH} levels unless told otherwise), so hostile input such as
 * 100 000 {@code [} is an error rather than a stack overflow. Every error is a
 * {@link JsonException} with the line and column; no other exception escapes.
 */
public final class JsonReader {

    /** Nesting limit of {@link #parse(String)}: far above any config or report, far below the stack. */
    public static final int DEFAULT_MAX_DEPTH = 256;

    private final String s;
    private final int maxDepth;
    private int pos;
    private int depth;

    private JsonReader(String s, int maxDepth) {
        this.s = s;
        this.maxDepth = maxDepth;
    }

    /** The value of a JSON text, nested at most {@link #DEFAULT_MAX_DEPTH} levels. */
    public static Object parse(String text) {
        return parse(text, DEFAULT_MAX_DEPTH);
    }

    /** The value of a JSON text, nested at most {@code maxDepth} levels (objects and arrays). */
    public static Object parse(String text, int maxDepth) {
        if (text == null) throw new IllegalArgumentException("text is null");
        if (maxDepth < 1) throw new IllegalArgumentException("maxDepth must be ≥ 1, got " + maxDepth);
        JsonReader r = new JsonReader(text, maxDepth);
        if (r.s.startsWith("\uFEFF")) r.pos = 1;   // a byte-order mark, as some editors write
        r.ws();
        Object v = r.value();
        r.ws();
        if (r.pos != r.s.length()) throw r.error("unexpected " + r.describe(r.pos) + " after the JSON value");
        return v;
    }

    /** The top-level object of a JSON text. */
    @SuppressWarnings("unchecked")
    public static Map<String, Object> parseObject(String text) {
        Object o = parse(text);
        if (!(o instanceof Map)) {
            throw new JsonException("expected a JSON object at the top level, found " + kind(o), 1, 1, 0);
        }
        return (Map<String, Object>) o;
    }

    /** "an object", "an array", "a string", … for messages. */
    public static String kind(Object v) {
        if (v == null) return "null";
        if (v instanceof Map) return "an object";
        if (v instanceof List) return "an array";
        if (v instanceof String) return "a string";
        if (v instanceof Boolean) return "a boolean";
        if (v instanceof Double) return "a number";
        return v.getClass().getSimpleName();
    }

    private Object value() {
        if (pos >= s.length()) throw error("unexpected end of input, expected a value");
        char c = s.charAt(pos);
        switch (c) {
            case '{': return object();
            case '[': return array();
            case '"': return string();
            case 't': literal("true"); return Boolean.TRUE;
            case 'f': literal("false"); return Boolean.FALSE;
            case 'n': literal("null"); return null;
            default:
                if (c == '-' || (c >= '0' && c <= '9')) return number();
                throw error("unexpected " + describe(pos) + ", expected a value");
        }
    }

    private void enter() {
        if (++depth > maxDepth) throw error("nesting deeper than " + maxDepth + " levels");
    }

    private Map<String, Object> object() {
        enter();
        Map<String, Object> m = new LinkedHashMap<>();
        pos++;
        ws();
        if (peek() == '}') {
            pos++;
            depth--;
            return m;
        }
        while (true) {
            ws();
            if (peek() != '"') throw error("expected a member name in double quotes, found " + describe(pos));
            int at = pos;
            String k = string();
            ws();
            if (peek() != ':') throw error("expected ':' after member name \"" + k + "\", found " + describe(pos));
            pos++;
            ws();
            if (m.containsKey(k)) {
                pos = at;
                throw error("member \"" + k + "\" appears twice");
            }
            m.put(k, value());
            ws();
            char c = peek();
            if (c == '}') {
                pos++;
                depth--;
                return m;
            }
            if (c != ',') throw error("expected ',' or '}' in an object, found " + describe(pos));
            pos++;
        }
    }

    private List<Object> array() {
        enter();
        List<Object> a = new ArrayList<>();
        pos++;
        ws();
        if (peek() == ']') {
            pos++;
            depth--;
            return a;
        }
        while (true) {
            ws();
            a.add(value());
            ws();
            char c = peek();
            if (c == ']') {
                pos++;
                depth--;
                return a;
            }
            if (c != ',') throw error("expected ',' or ']' in an array, found " + describe(pos));
            pos++;
        }
    }

    private String string() {
        pos++;
        StringBuilder sb = new StringBuilder();
        while (true) {
            if (pos >= s.length()) throw error("unterminated string");
            char c = s.charAt(pos);
            if (c == '"') {
                pos++;
                return sb.toString();
            }
            if (c < 0x20) throw error("control character U+" + String.format("%04X", (int) c) + " in a string (escape it)");
            pos++;
            if (c != '\\') {
                sb.append(c);
                continue;
            }
            if (pos >= s.length()) throw error("unterminated escape");
            char e = s.charAt(pos++);
            switch (e) {
                case '"' -> sb.append('"');
                case '\\' -> sb.append('\\');
                case '/' -> sb.append('/');
                case 'b' -> sb.append('\b');
                case 'f' -> sb.append('\f');
                case 'n' -> sb.append('\n');
                case 'r' -> sb.append('\r');
                case 't' -> sb.append('\t');
                case 'u' -> {
                    int v = 0;
                    for (int i = 0; i < 4; i++) {
                        int d = pos + i < s.length() ? Character.digit(s.charAt(pos + i), 16) : -1;
                        if (d < 0) {
                            pos -= 2;
                            throw error("bad \\u escape (expected 4 hexadecimal digits)");
                        }
                        v = v * 16 + d;
                    }
                    pos += 4;
                    sb.append((char) v);
                }
                default -> {
                    pos -= 2;
                    throw error("bad escape '\\" + e + "'");
                }
            }
        }
    }

    /** -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?, as a finite double. */
    private Double number() {
        int start = pos;
        if (at('-')) pos++;
        if (at('0')) {
            pos++;
            if (digit()) {
                pos = start;
                throw error("bad number: a leading zero (JSON numbers are decimal, as in 10 or 0.5)");
            }
        } else if (digit()) {
            while (digit()) pos++;
        } else {
            throw error("bad number: expected a digit after '-'");
        }
        if (at('.')) {
            pos++;
            if (!digit()) throw error("bad number: expected a digit after '.'");
            while (digit()) pos++;
        }
        if (at('e') || at('E')) {
            pos++;
            if (at('+') || at('-')) pos++;
            if (!digit()) throw error("bad number: expected a digit in the exponent");
            while (digit()) pos++;
        }
        String t = s.substring(start, pos);
        double v = Double.parseDouble(t);   // the grammar above is a subset of Java's
        if (Double.isInfinite(v)) {
            pos = start;
            throw error("number " + (t.length() > 40 ? t.substring(0, 40) + "…" : t) + " is beyond the range of a double");
        }
        return v;
    }

    private boolean at(char c) {
        return pos < s.length() && s.charAt(pos) == c;
    }

    private boolean digit() {
        return pos < s.length() && s.charAt(pos) >= '0' && s.charAt(pos) <= '9';
    }

    private void literal(String word) {
        if (!s.startsWith(word, pos)) throw error("unexpected " + describe(pos) + ", expected " + word);
        pos += word.length();
    }

    private char peek() {
        if (pos >= s.length()) throw error("unexpected end of input");
        return s.charAt(pos);
    }

    private void ws() {
        while (pos < s.length()) {
            char c = s.charAt(pos);
            if (c != ' ' && c != '\t' && c != '\r' && c != '\n') return;
            pos++;
        }
    }

    /** The character at i for a message: 'x', or U+0000 for control characters, or end of input. */
    private String describe(int i) {
        if (i >= s.length()) return "end of input";
        char c = s.charAt(i);
        return c < 0x20 || c == 0x7f ? "character U+" + String.format("%04X", (int) c) : "'" + c + "'";
    }

    private JsonException error(String what) {
        int line = 1, col = 1;
        int end = Math.min(pos, s.length());
        for (int i = 0; i < end; i++) {
            if (s.charAt(i) == '\n') {
                line++;
                col = 1;
            } else {
                col++;
            }
        }
        return new JsonException(what, line, col, end);
    }
}
