package dev.morse.io;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A small JSON parser (RFC 8259) for config files and for reading reports back: objects become
 * {@link LinkedHashMap}s (member order kept), arrays {@link List}s, numbers {@link Double}s,
 * strings, booleans and {@code null} themselves. Errors give the line and column.
 */
public final class JsonReader {

    private final String s;
    private final String source;
    private int pos;

    private JsonReader(String s, String source) {
        this.s = s;
        this.source = source;
    }

    public static Object parse(String text, String source) {
        JsonReader r = new JsonReader(text, source);
        r.ws();
        Object v = r.value();
        r.ws();
        if (r.pos != r.s.length()) throw r.error("unexpected '" + r.s.charAt(r.pos) + "' after the JSON value");
        return v;
    }

    public static Object read(Path file) {
        return parse(new String(DataFiles.readBytes(file), StandardCharsets.UTF_8), file.toString());
    }

    /** The file's top-level object. */
    @SuppressWarnings("unchecked")
    public static Map<String, Object> readObject(Path file) {
        Object o = read(file);
        if (!(o instanceof Map)) throw new InputException(file + ": expected a JSON object at the top level");
        return (Map<String, Object>) o;
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
                throw error("unexpected '" + c + "', expected a value");
        }
    }

    private Map<String, Object> object() {
        Map<String, Object> m = new LinkedHashMap<>();
        pos++;
        ws();
        if (peek() == '}') {
            pos++;
            return m;
        }
        while (true) {
            ws();
            if (peek() != '"') throw error("expected a member name in double quotes");
            String k = string();
            ws();
            if (peek() != ':') throw error("expected ':' after member name \"" + k + "\"");
            pos++;
            ws();
            if (m.containsKey(k)) throw error("member \"" + k + "\" appears twice");
            m.put(k, value());
            ws();
            char c = peek();
            pos++;
            if (c == '}') return m;
            if (c != ',') throw error("expected ',' or '}' in an object");
        }
    }

    private List<Object> array() {
        List<Object> a = new ArrayList<>();
        pos++;
        ws();
        if (peek() == ']') {
            pos++;
            return a;
        }
        while (true) {
            ws();
            a.add(value());
            ws();
            char c = peek();
            pos++;
            if (c == ']') return a;
            if (c != ',') throw error("expected ',' or ']' in an array");
        }
    }

    private String string() {
        pos++;
        StringBuilder sb = new StringBuilder();
        while (true) {
            if (pos >= s.length()) throw error("unterminated string");
            char c = s.charAt(pos++);
            if (c == '"') return sb.toString();
            if (c < 0x20) throw error("control character in a string");
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
                    if (pos + 4 > s.length()) throw error("short \\u escape");
                    try {
                        sb.append((char) Integer.parseInt(s.substring(pos, pos + 4), 16));
                    } catch (NumberFormatException ex) {
                        throw error("bad \\u escape");
                    }
                    pos += 4;
                }
                default -> throw error("bad escape '\\" + e + "'");
            }
        }
    }

    private Double number() {
        int start = pos;
        if (peek() == '-') pos++;
        while (pos < s.length() && "0123456789.eE+-".indexOf(s.charAt(pos)) >= 0) pos++;
        String t = s.substring(start, pos);
        try {
            return Double.valueOf(t);
        } catch (NumberFormatException e) {
            pos = start;
            throw error("bad number '" + t + "'");
        }
    }

    private void literal(String word) {
        if (!s.startsWith(word, pos)) throw error("unexpected token, expected " + word);
        pos += word.length();
    }

    private char peek() {
        if (pos >= s.length()) throw error("unexpected end of input");
        return s.charAt(pos);
    }

    private void ws() {
        while (pos < s.length() && " \t\r\n".indexOf(s.charAt(pos)) >= 0) pos++;
    }

    private InputException error(String what) {
        int line = 1, col = 1;
        for (int i = 0; i < Math.min(pos, s.length()); i++) {
            if (s.charAt(i) == '\n') {
                line++;
                col = 1;
            } else {
                col++;
            }
        }
        return new InputException(source + " line " + line + ", column " + col + ": " + what);
    }
}
