package dev.morse.linalg;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * OpenBLAS variables that override its choices for the CPU ({@link NetlibLoader#FORCING}) are
 * named in the BLAS selection, so that a forced kernel (e.g. AVX2 on an AVX-512 machine) does not
 * cost speed unseen. Fresh JVMs: the selection is made once per process.
 */
class OpenBlasForcingTest {

    private static Map<String, String> env(String coretype, String l2) {
        Map<String, String> env = new HashMap<>();
        env.put("OPENBLAS_CORETYPE", coretype);   // null: removed
        env.put("OPENBLAS_L2_SIZE", l2);
        return env;
    }

    @Test
    void forcedKernelsAreNamed() throws Exception {
        ChildJvm.Result r = ChildJvm.run(List.of(), env("Prescott", "512"), "idle");
        assertEquals(0, r.exit(), r::toString);
        String s = r.line("SELECTION");
        assertTrue(s.contains("OPENBLAS_CORETYPE=Prescott from the environment (in an OpenBLAS built for several CPUs"), r::toString);
        assertTrue(s.contains("OPENBLAS_L2_SIZE=512 from the environment"), r::toString);
    }

    @Test
    void nothingIsNamedWhenUnset() throws Exception {
        ChildJvm.Result r = ChildJvm.run(List.of(), env(null, null), "idle");
        assertEquals(0, r.exit(), r::toString);
        assertFalse(r.line("SELECTION").contains("OPENBLAS_CORETYPE"), r::toString);
        assertFalse(r.line("SELECTION").contains("OPENBLAS_L2_SIZE"), r::toString);
    }
}
