package dev.morse.json;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class JsonTest {

    @Test
    void nestedObjectsAndArrays() {
        String s = Json.compact().beginObject()
                .name("jdk").value("25")
                .name("vector").beginObject().name("bits").value(256).name("ok").value(true).endObject()
                .name("list").beginArray().value(1).value(2.5).nullValue().beginObject().endObject().endArray()
                .name("empty").beginArray().endArray()
                .endObject().toString();
        assertEquals("{\"jdk\":\"25\",\"vector\":{\"bits\":256,\"ok\":true},\"list\":[1,2.5,null,{}],\"empty\":[]}", s,
                "compact output");
    }

    @Test
    void prettyOutputIndentsByTwo() {
        String s = Json.pretty().beginObject().name("a").value(1).name("b").beginArray().value("x").endArray()
                .endObject().toString();
        assertEquals("{\n  \"a\": 1,\n  \"b\": [\n    \"x\"\n  ]\n}", s, "pretty output");
    }

    @Test
    void escapesStrings() {
        assertEquals("\"q\\\" b\\\\ n\\n t\\t r\\r \\u0001 \\u2028 é\"",
                Json.quote("q\" b\\ n\n t\t r\r \u0001 \u2028 é"), "RFC 8259 escaping (plus U+2028)");
        assertEquals("null", Json.compact().value((String) null).toString(), "a null string is JSON null");
    }

    @Test
    void numbers() {
        assertEquals("[0.1,1.0E-5,-3,1.7976931348623157E308]",
                Json.compact().beginArray().value(0.1).value(1e-5).value(-3).value(Double.MAX_VALUE).endArray().toString(),
                "shortest round-trip doubles, integers without a fraction");
    }

    @Test
    void nonFiniteNumbersAreRejectedUnlessNullIsAskedFor() {
        assertThrows(IllegalArgumentException.class, () -> Json.compact().value(Double.NaN), "NaN has no JSON form");
        assertThrows(IllegalArgumentException.class, () -> Json.compact().value(Double.POSITIVE_INFINITY), "nor has Inf");
        assertEquals("[null,2.0]", Json.compact().beginArray().valueOrNull(Double.NaN).valueOrNull(2).endArray().toString(),
                "valueOrNull writes null for non-finite numbers");
    }

    @Test
    void misuseIsAnError() {
        assertThrows(IllegalStateException.class, () -> Json.compact().beginObject().value(1), "value without a name");
        assertThrows(IllegalStateException.class, () -> Json.compact().beginArray().name("x"), "name inside an array");
        assertThrows(IllegalStateException.class, () -> Json.compact().beginObject().endArray(), "mismatched end");
        assertThrows(IllegalStateException.class, () -> Json.compact().beginObject().name("a").endObject(), "name without value");
        assertThrows(IllegalStateException.class, () -> Json.compact().beginObject().toString(), "unclosed object");
        assertThrows(IllegalStateException.class, () -> Json.compact().toString(), "empty document");
        assertThrows(IllegalStateException.class, () -> Json.compact().value(1).value(2), "two top-level values");
    }
}
