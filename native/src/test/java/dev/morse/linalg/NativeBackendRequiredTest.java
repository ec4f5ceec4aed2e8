package dev.morse.linalg;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import org.junit.jupiter.api.Test;

/**
 * Where the environment variable {@code MORSE_REQUIRE_NATIVE=1} is set (CI sets it), native
 * BLAS/LAPACK and OpenBLAS are mandatory, so that a broken CI image cannot pass by quietly running
 * every test on the Java fallback (or on a system library instead of the bundled default). Elsewhere the test is skipped: a developer without OpenBLAS
 * still gets a green build.
 */
class NativeBackendRequiredTest {

    @Test
    void nativeBackendIsSelectedWhenRequired() {
        assumeTrue("1".equals(System.getenv("MORSE_REQUIRE_NATIVE")), "MORSE_REQUIRE_NATIVE=1 is not set");
        Linalg l = Linalg.get();
        assertEquals(Linalg.Backend.NATIVE, l.backend(), "native backend required; selection: " + l.selectionReason());
        assertTrue(OpenBlas.available(), "OpenBLAS required; status: " + OpenBlas.status());
        if (System.getProperty(NetlibLoader.PROPERTY) == null && BundledOpenBlas.unsupportedPlatform() == null) {
            assertEquals("bundled", NetlibLoader.state().source(),
                    "the bundled OpenBLAS is the default on Linux x86-64: " + NetlibLoader.state().selection());
        }
    }
}
