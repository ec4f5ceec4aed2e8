package dev.morse.linalg;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * OpenBLAS's idle threads are told to sleep soon ({@link OpenBlasIdle}): the variable is in the
 * C library's environment before OpenBLAS loads, and a value the user set wins. Each case in a
 * fresh JVM (OpenBLAS reads the variable once per process).
 */
class OpenBlasIdleTest {

    private static Map<String, String> env(String value) {
        Map<String, String> env = new HashMap<>();
        env.put(OpenBlasIdle.VARIABLE, value);   // null: removed
        return env;
    }

    @Test
    void morseSetsTheTimeoutBeforeLoading() throws Exception {
        ChildJvm.Result r = ChildJvm.run(List.of(), env(null), "idle");
        assertEquals(0, r.exit(), r::toString);
        assertEquals(Integer.toString(OpenBlasIdle.EXPONENT), r.line("TIMEOUT"), r::toString);
        assertTrue(r.line("SELECTION").contains(OpenBlasIdle.VARIABLE + "=" + OpenBlasIdle.EXPONENT + " set by Morse"), r::toString);
    }

    @Test
    void theUsersValueWins() throws Exception {
        ChildJvm.Result r = ChildJvm.run(List.of(), env("26"), "idle");
        assertEquals(0, r.exit(), r::toString);
        assertEquals("26", r.line("TIMEOUT"), r::toString);
        assertTrue(r.line("SELECTION").contains(OpenBlasIdle.VARIABLE + "=26 from the environment"), r::toString);
    }

    @Test
    void theJavaFallbackSetsNothing() throws Exception {
        ChildJvm.Result r = ChildJvm.run(List.of("-Dmorse.blas=java"), env(null), "idle");
        assertEquals(0, r.exit(), r::toString);
        assertEquals("unset", r.line("TIMEOUT"), r::toString);
    }
}
