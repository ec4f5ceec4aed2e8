package dev.morse.json;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * A small streaming JSON writer (RFC 8259) for reports: objects, arrays, strings, numbers,
 * booleans and null, written in order, with the commas and escaping handled here.
 *
 * <pre>{@code
 * String s = Json.compact()
 *         .beginObject()
 *         .name("jdk").value("25")
 *         .name("vector").beginObject().name("bits").value(256).endObject()
 *         .endObject()
 *         .toString();   // {"jdk":"25","vector":{"bits":256}}
 * }</pre>
 *
 * <p><b>Non-finite numbers are rejected</b>: {@link #value(double)} throws
 * {@link IllegalArgumentException} for NaN and ±Infinity, because JSON has no representation for
 * them and writing {@code null} silently would hide a numerical failure from whoever reads the
 * file. A caller that means "no value" writes {@link #nullValue()} explicitly (or uses
 * {@link #valueOrNull(double)}, which states that intent in its name).
 *
 * <p>Strings are escaped per RFC 8259: {@code "} and {@code \}, control characters below U+0020
 * (as {@code \n}, {@code \t}, … or {@code \}{@code u00XX}), and additionally U+2028/U+2029 so the
 * output is also safe to embed in JavaScript. Other characters are written as is; encode the
 * resulting string as UTF-8. Misuse (a value where a name is expected, unbalanced ends, a second
 * top-level value) throws {@link IllegalStateException}. Not thread-safe.
 */
public final class Json {

    private enum Scope { OBJECT_NAME, OBJECT_VALUE, ARRAY, TOP }

    private final StringBuilder out = new StringBuilder();
    private final String indent;
    private final Deque<Scope> scopes = new ArrayDeque<>();
    /** Whether the current container already holds an element (a comma is due before the next). */
    private final Deque<Boolean> nonEmpty = new ArrayDeque<>();
    private boolean topWritten;

    private Json(String indent) {
        this.indent = indent;
        scopes.push(Scope.TOP);
        nonEmpty.push(false);
    }

    /** A writer that emits no whitespace. */
    public static Json compact() {
        return new Json(null);
    }

    /** A writer that puts each member on its own line, indented by two spaces per level. */
    public static Json pretty() {
        return new Json("  ");
    }

    /** Starts an object (<code>{</code>). */
    public Json beginObject() {
        beforeValue();
        out.append('{');
        scopes.push(Scope.OBJECT_NAME);
        nonEmpty.push(false);
        return this;
    }

    /** Ends the current object. */
    public Json endObject() {
        if (scopes.peek() != Scope.OBJECT_NAME) {
            throw new IllegalStateException(scopes.peek() == Scope.OBJECT_VALUE
                    ? "endObject() after name() without a value" : "endObject() outside an object");
        }
        close('}');
        return this;
    }

    /** Starts an array ({@code [}). */
    public Json beginArray() {
        beforeValue();
        out.append('[');
        scopes.push(Scope.ARRAY);
        nonEmpty.push(false);
        return this;
    }

    /** Ends the current array. */
    public Json endArray() {
        if (scopes.peek() != Scope.ARRAY) {
            throw new IllegalStateException("endArray() outside an array");
        }
        close(']');
        return this;
    }

    /** Writes a member name inside an object; a value must follow. */
    public Json name(String name) {
        if (name == null) {
            throw new IllegalArgumentException("member name is null");
        }
        if (scopes.peek() != Scope.OBJECT_NAME) {
            throw new IllegalStateException("name(\"" + name + "\") where a value is expected");
        }
        separate();
        quote(out, name);
        out.append(indent == null ? ":" : ": ");
        scopes.pop();
        scopes.push(Scope.OBJECT_VALUE);
        return this;
    }

    /** Writes a string value, or {@code null} when s is null. */
    public Json value(String s) {
        if (s == null) {
            return nullValue();
        }
        beforeValue();
        quote(out, s);
        return this;
    }

    /** Writes a boolean value. */
    public Json value(boolean b) {
        beforeValue();
        out.append(b);
        return this;
    }

    /** Writes an integer value. */
    public Json value(long x) {
        beforeValue();
        out.append(x);
        return this;
    }

    /**
     * Writes a finite number in Java's shortest round-trip form (e.g. {@code 0.1}, {@code 1.0E-5},
     * both valid JSON).
     *
     * @throws IllegalArgumentException for NaN or ±Infinity (see the class comment)
     */
    public Json value(double x) {
        if (!Double.isFinite(x)) {
            throw new IllegalArgumentException("JSON cannot represent " + x
                    + "; write nullValue() (or valueOrNull) if 'no value' is meant");
        }
        beforeValue();
        out.append(x);
        return this;
    }

    /** Writes x, or {@code null} when x is NaN or infinite (an explicit, named choice). */
    public Json valueOrNull(double x) {
        return Double.isFinite(x) ? value(x) : nullValue();
    }

    /** Writes {@code null}. */
    public Json nullValue() {
        beforeValue();
        out.append("null");
        return this;
    }

    /**
     * The document written so far.
     *
     * @throws IllegalStateException if an object or array is still open, or nothing was written
     */
    @Override
    public String toString() {
        if (scopes.peek() != Scope.TOP || !topWritten) {
            throw new IllegalStateException("incomplete JSON document: " + (topWritten ? "unclosed "
                    + (scopes.peek() == Scope.ARRAY ? "array" : "object") : "nothing written"));
        }
        return out.toString();
    }

    /** s as a JSON string literal, quotes included. */
    public static String quote(String s) {
        StringBuilder sb = new StringBuilder(s.length() + 2);
        quote(sb, s);
        return sb.toString();
    }

    private static void quote(StringBuilder sb, String s) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                case '\b' -> sb.append("\\b");
                case '\f' -> sb.append("\\f");
                default -> {
                    if (c < 0x20 || c == '\u2028' || c == '\u2029') {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        sb.append('"');
    }

    private void beforeValue() {
        Scope s = scopes.peek();
        switch (s) {
            case TOP -> {
                if (topWritten) {
                    throw new IllegalStateException("a JSON document holds one top-level value");
                }
                topWritten = true;
            }
            case OBJECT_NAME -> throw new IllegalStateException("a value inside an object needs name() first");
            case OBJECT_VALUE -> {
                scopes.pop();
                scopes.push(Scope.OBJECT_NAME);
            }
            case ARRAY -> separate();
        }
    }

    /** Comma (and newline/indent when pretty) before the next element of the current container. */
    private void separate() {
        boolean hadElement = nonEmpty.pop();
        nonEmpty.push(true);
        if (hadElement) {
            out.append(',');
        }
        newline(scopes.size() - 1);
    }

    private void close(char bracket) {
        scopes.pop();
        boolean hadElement = nonEmpty.pop();
        if (hadElement) {
            newline(scopes.size() - 1);
        }
        out.append(bracket);
    }

    private void newline(int depth) {
        if (indent != null) {
            out.append('\n');
            out.append(indent.repeat(depth));
        }
    }
}
