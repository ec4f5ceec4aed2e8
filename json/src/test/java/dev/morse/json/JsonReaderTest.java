package dev.morse.json;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonReaderTest {

    @Test
    void objectsArraysStringsNumbersLiterals() {
        Map<?, ?> m = (Map<?, ?>) JsonReader.parse("{\"a\": [1, 2.5e-3, -0, 1E+2], \"b\": {\"c\": \"x\\u00e9\\n\\/\"}, \"d\": true, \"e\": null}");
        assertEquals(List.of(1.0, 2.5e-3, -0.0, 100.0), m.get("a"));
        assertEquals("xé\n/", ((Map<?, ?>) m.get("b")).get("c"));
        assertEquals(Boolean.TRUE, m.get("d"));
        assertTrue(m.containsKey("e") && m.get("e") == null);
        assertEquals(List.of("a", "b", "d", "e"), List.copyOf(m.keySet()), "member order kept");
    }

    @Test
    void writerOutputReadsBack() {
        String s = Json.pretty().beginObject().name("x").value(0.1).name("q").value("\"\\\u0001\u2028")
                .name("v").beginArray().value(Double.MIN_VALUE).value(-Double.MAX_VALUE).value(3).endArray().endObject().toString();
        Map<String, Object> m = JsonReader.parseObject(s);
        assertEquals(0.1, m.get("x"));
        assertEquals("\"\\\u0001\u2028", m.get("q"));
        assertArrayEquals(new double[] {Double.MIN_VALUE, -Double.MAX_VALUE, 3}, JsonValues.doubles(m, "v"));
    }

    private static JsonException bad(String text) {
        return assertThrows(JsonException.class, () -> JsonReader.parse(text), text);
    }

    @Test
    void errorsGiveLineAndColumn() {
        JsonException e = bad("{\n  \"a\": [1,]\n}");
        assertEquals(2, e.line());
        assertEquals(11, e.column());
        assertTrue(e.getMessage().startsWith("line 2, column 11: unexpected ']', expected a value"), e.getMessage());
        assertTrue(bad("{\"a\": 1, \"a\": 2}").getMessage().contains("member \"a\" appears twice"));
        assertTrue(bad("[1] x").getMessage().contains("after the JSON value"));
        assertTrue(bad("\"abc").getMessage().contains("unterminated string"));
        assertTrue(bad("\"a\tb\"").getMessage().contains("control character U+0009"));
        assertTrue(bad("\"\\x\"").getMessage().contains("bad escape"));
        assertTrue(bad("\"\\u12g4\"").getMessage().contains("bad \\u escape"));
        assertTrue(bad("").getMessage().contains("unexpected end of input"));
        assertTrue(bad("{\"a\" 1}").getMessage().contains("expected ':'"));
        assertTrue(bad("tru").getMessage().contains("expected true"));
    }

    @Test
    void numbersFollowTheJsonGrammar() {
        for (String t : List.of("01", "1.", ".5", "+1", "-", "1e", "1e+", "0x10", "NaN", "Infinity", "-Infinity", "1.e3", "- 1")) {
            bad(t);
        }
        assertTrue(bad("1e999").getMessage().contains("beyond the range of a double"));
        assertEquals(0.0, JsonReader.parse("1e-999"), "underflow to zero is a value, as in every JSON reader");
        assertEquals(-0.0, JsonReader.parse("-0.0e0"));
    }

    @Test
    void nestingIsLimitedInsteadOfOverflowingTheStack() {
        String deep = "[".repeat(100_000);
        JsonException e = bad(deep);
        assertTrue(e.getMessage().contains("nesting deeper than " + JsonReader.DEFAULT_MAX_DEPTH + " levels"), e.getMessage());
        assertEquals(JsonReader.DEFAULT_MAX_DEPTH + 1, e.column(), "at the first bracket too many");
        String ok = "[".repeat(JsonReader.DEFAULT_MAX_DEPTH) + "]".repeat(JsonReader.DEFAULT_MAX_DEPTH);
        assertTrue(JsonReader.parse(ok) instanceof List);
        assertThrows(JsonException.class, () -> JsonReader.parse("{\"a\": {\"b\": 1}}", 1));
        String objects = "{\"a\":".repeat(300) + "1" + "}".repeat(300);
        assertTrue(bad(objects).getMessage().contains("nesting deeper"));
    }

    @Test
    void topLevelObjectAndTypedAccess() {
        JsonException e = assertThrows(JsonException.class, () -> JsonReader.parseObject("[1]"));
        assertTrue(e.getMessage().contains("expected a JSON object at the top level, found an array"), e.getMessage());
        Map<String, Object> m = JsonReader.parseObject("\uFEFF{\"m\": [[1, 2], [3, 4]], \"o\": {\"v\": [5]}}");
        assertArrayEquals(new double[] {1, 2, 3, 4}, JsonValues.matrix(m, "m"));
        assertArrayEquals(new double[] {5}, JsonValues.doubles(JsonValues.object(m, "o"), "v"));
        assertThrows(IllegalArgumentException.class, () -> JsonValues.doubles(m, "o"));
        assertThrows(IllegalArgumentException.class, () -> JsonValues.object(m, "missing"));
    }
}
