package dev.morse.linalg;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The selection logic as a pure function: every branch without breaking this JVM's native library. */
class LinalgSelectionTest {

    private static final String FAILURE = "java.lang.UnsatisfiedLinkError: liblapack.so.3 not found";

    @Test
    void autoPrefersNative() {
        Linalg.Decision d = Linalg.decide(null, null);
        assertEquals(Linalg.Backend.NATIVE, d.backend(), "auto with native loaded");
        assertNull(d.warning(), "no warning when native loads");
    }

    @Test
    void autoFallsBackWithOneWarningNamingTheFix() {
        Linalg.Decision d = Linalg.decide("auto", FAILURE);
        assertEquals(Linalg.Backend.JAVA, d.backend(), "auto without native");
        assertTrue(d.warning().contains("apt-get install libopenblas0-pthread liblapack3"), "warning names the fix: " + d.warning());
        assertTrue(d.warning().contains(FAILURE) && d.reason().contains(FAILURE), "warning and reason carry netlib's cause");
    }

    @Test
    void forcedNativeFailsWithTheReason() {
        Linalg.Decision d = Linalg.decide("native", FAILURE);
        assertNull(d.backend(), "native requested but unavailable: no backend");
        assertTrue(d.reason().contains(FAILURE) && d.reason().contains("apt-get install"), "error carries cause and fix: " + d.reason());
        assertEquals(Linalg.Backend.NATIVE, Linalg.decide(" NATIVE ", null).backend(), "case and spaces are ignored");
    }

    @Test
    void javaIsJava() {
        Linalg.Decision d = Linalg.decide("java", null);
        assertEquals(Linalg.Backend.JAVA, d.backend(), "java requested");
        assertNull(d.warning(), "an explicit choice needs no warning");
    }

    @Test
    void blasJavaMeansJavaWithoutWarning() {
        Linalg.Decision d = Linalg.decide(null, "not loaded: -Dmorse.blas=java", true);
        assertEquals(Linalg.Backend.JAVA, d.backend(), "auto with -Dmorse.blas=java");
        assertNull(d.warning(), "an explicit choice needs no warning");
        Linalg.Decision n = Linalg.decide("native", "not loaded: -Dmorse.blas=java", true);
        assertNull(n.backend(), "native and morse.blas=java contradict each other");
        assertTrue(n.reason().contains("contradicts"), n.reason());
    }

    /**
     * The one contradiction of the two properties, found from their values before anything loads
     * (a command refuses it at start-up): native LAPACK or nothing, with no native library.
     */
    @Test
    void nativeWithBlasJavaIsAContradictionOfTheProperties() {
        String m = Linalg.contradiction("native", "java");
        assertTrue(m != null && m.contains("-Dmorse.linalg=native") && m.contains("-Dmorse.blas=java") && m.contains("drop"), m);
        assertTrue(Linalg.contradiction(" NATIVE ", " Java ") != null, "case and spaces are ignored, as in the selection");
        for (String[] fine : new String[][] {{"native", null}, {"native", "bundled"}, {"native", "system"}, {"auto", "java"}, {"java", "java"},
                {null, "java"}, {"nativ", "java"}, {null, null}}) {
            assertNull(Linalg.contradiction(fine[0], fine[1]), fine[0] + " with " + fine[1]);
        }
        assertEquals(m, Linalg.decide("native", "not loaded: -Dmorse.blas=java", true).reason(), "the selection gives the same reason");
    }

    @Test
    void typoWarnsAndUsesAuto() {
        Linalg.Decision d = Linalg.decide("nativ", null);
        assertEquals(Linalg.Backend.NATIVE, d.backend(), "a typo means auto");
        assertTrue(d.warning().contains("unknown -Dmorse.linalg=nativ"), "warning names the typo: " + d.warning());
    }

    @Test
    void getIsCachedAndReportsItsReason() {
        Linalg l = Linalg.get();
        assertSame(l, Linalg.get(), "the selection is made once");
        assertTrue(l.selectionReason().startsWith("morse.linalg="), "reason names the property: " + l.selectionReason());
        assertEquals(Linalg.Backend.JAVA, Linalg.javaFallback().backend(), "javaFallback() is the Java backend");
    }
}
