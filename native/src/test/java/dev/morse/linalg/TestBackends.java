package dev.morse.linalg;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.stream.Stream;
import org.junit.jupiter.api.Named;

/**
 * The backends every LAPACK/BLAS test runs against. Native is listed even when it did not load,
 * so that its tests show up as skipped (with netlib's reason) instead of silently disappearing;
 * {@link NativeBackendRequiredTest} turns "skipped" into "failed" where CI requires native.
 */
final class TestBackends {

    /** A backend under test, or the reason it is unavailable here. */
    record Backend(Linalg linalg, String unavailable) {
        /** The instance, or a skipped test when this machine lacks it. */
        Linalg get() {
            assumeTrue(linalg != null, () -> "backend unavailable: " + unavailable);
            return linalg;
        }
    }

    private TestBackends() {
    }

    static Stream<Named<Backend>> all() {
        Backend nat;
        try {
            nat = new Backend(Linalg.nativeBackend(), null);
        } catch (NativeUnavailableException e) {
            nat = new Backend(null, e.getMessage());
        }
        return Stream.of(Named.of("native", nat), Named.of("java", new Backend(Linalg.javaFallback(), null)));
    }
}
