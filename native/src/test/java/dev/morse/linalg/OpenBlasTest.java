package dev.morse.linalg;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import org.junit.jupiter.api.Test;

class OpenBlasTest {

    @Test
    void controlsWhenAvailable() {
        assumeTrue(OpenBlas.available(), () -> "OpenBLAS unavailable: " + OpenBlas.status());
        assertTrue(OpenBlas.config().startsWith("OpenBLAS "), "config starts with OpenBLAS: " + OpenBlas.config());
        assertTrue(!OpenBlas.coreName().isEmpty(), "core name");
        assertTrue(OpenBlas.libraryPath().isPresent() && Files.exists(OpenBlas.libraryPath().get()),
                "library path points at a file: " + OpenBlas.libraryPath());
        int before = OpenBlas.threads();
        try {
            OpenBlas.setThreads(1);
            assertEquals(1, OpenBlas.threads(), "setThreads(1) then threads()");
        } finally {
            OpenBlas.setThreads(before);
        }
    }

    @Test
    void unavailableIsExplicit() {
        assumeTrue(!OpenBlas.available(), "OpenBLAS is available here");
        assertDoesNotThrow(() -> OpenBlas.setThreads(1), "setThreads is a no-op without OpenBLAS");
        assertThrows(IllegalStateException.class, OpenBlas::config, "config() says why it is unavailable");
    }

    @Test
    void threadCountMustBePositive() {
        assertThrows(IllegalArgumentException.class, () -> OpenBlas.setThreads(0), "0 threads");
    }
}
