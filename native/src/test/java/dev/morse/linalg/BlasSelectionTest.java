package dev.morse.linalg;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Which native library runs, per {@code -Dmorse.blas}: in this JVM (the default, the bundled
 * OpenBLAS) and in child JVMs for the other choices (a JVM chooses once).
 *
 * <p>{@code MORSE_REQUIRE_SYSTEM_BLAS=1} (CI, which installs {@code libopenblas0-pthread
 * liblapack3}) turns the system test's "skipped: no system library here" into a failure.
 */
class BlasSelectionTest {

    @TempDir
    Path tmp;

    /** The child's eigenvalues of [[2, 1], [1, 3]]: (5 ∓ √5)/2. */
    private static void assertEigen(ChildJvm.Result r, String what) {
        String line = r.line("EIGEN");
        assertTrue(line != null, what + r);
        String[] w = line.split(" ");
        assertEquals((5 - Math.sqrt(5)) / 2, Double.parseDouble(w[0]), 1e-14, what + r);
        assertEquals((5 + Math.sqrt(5)) / 2, Double.parseDouble(w[1]), 1e-14, what + r);
    }

    private static boolean bundleHere() {
        return BundledOpenBlas.unsupportedPlatform() == null && BundledOpenBlas.onClassPath();
    }

    /** The default in this very JVM: netlib's JNI backend is the bundled file, and OpenBlas controls that file. */
    @Test
    void theJniBackendIsTheBundledFile() throws Exception {
        assumeTrue(bundleHere(), "no bundle for this platform");
        assumeTrue(System.getProperty(NetlibLoader.PROPERTY) == null, "-Dmorse.blas is set for this run");
        NetlibLoader.State s = NetlibLoader.state();
        assertTrue(s.nativeLoaded(), "bundled OpenBLAS loads: " + s.nativeFailure());
        assertEquals("bundled", s.source(), s.selection());
        Path lib = s.library();
        assertEquals(lib.toString(), System.getProperty("dev.ludovic.netlib.blas.nativeLibPath"), "netlib's BLAS is given the bundled file");
        assertEquals(lib.toString(), System.getProperty("dev.ludovic.netlib.lapack.nativeLibPath"), "netlib's LAPACK is given the bundled file");
        assertEquals(BundledOpenBlas.FOLDER, lib.getParent().getFileName().toString(), "the file lies in the versioned cache folder");
        assertEquals(Linalg.Backend.NATIVE, Linalg.nativeBackend().backend());
        assertTrue(OpenBlas.available(), OpenBlas.status());
        assertEquals(lib, OpenBlas.libraryPath().orElseThrow(), "OpenBlas controls the very file netlib loaded");
        assertTrue(OpenBlas.config().startsWith("OpenBLAS " + BundledOpenBlas.VERSION + " "), OpenBlas.config());
        assertEquals(List.of(), OpenBlas.otherLibraries(), "no second BLAS/LAPACK in the process");
        for (Path p : BundledOpenBlas.mappedFiles()) {
            String n = p.getFileName().toString();
            if ((n.contains("blas") || n.contains("lapack")) && !n.startsWith("libnetlib")) {
                assertTrue(p.startsWith(lib.getParent()), "every mapped BLAS/LAPACK file is the bundle's: " + p);
            }
        }
        BackendReport r = Backends.report();
        assertEquals("bundled", r.blasSource());
        assertTrue(r.blasImplementation().startsWith("OpenBLAS " + BundledOpenBlas.VERSION + " (bundled, "), r.blasImplementation());
        assertTrue(r.blasSelection().contains(BundledOpenBlas.ARTIFACT), r.blasSelection());
        // Threads set through FFM reach the library in use.
        int before = OpenBlas.threads();
        try {
            OpenBlas.setThreads(1);
            assertEquals(1, OpenBlas.threads());
        } finally {
            OpenBlas.setThreads(before);
        }
    }

    /**
     * A fresh JVM asked for the bundle, with a fresh cache and no library path: every BLAS, LAPACK
     * and Fortran-runtime file it maps comes from the bundle, none from the system.
     */
    @Test
    void bundledNeedsNoSystemLibrary() throws Exception {
        assumeTrue(bundleHere(), "no bundle for this platform");
        Map<String, String> env = new HashMap<>();
        env.put("LD_LIBRARY_PATH", "");
        env.put("LD_PRELOAD", null);
        ChildJvm.Result r = ChildJvm.run(List.of("-Dmorse.blas=bundled", "-D" + MorseCache.PROPERTY + "=" + tmp), env, "report");
        assertEquals(0, r.exit(), r::toString);
        String json = r.line("REPORT");
        assertTrue(json.contains("\"source\":\"bundled\""), r::toString);
        assertTrue(json.contains("\"implementation\":\"OpenBLAS " + BundledOpenBlas.VERSION + " (bundled, "), r::toString);
        assertTrue(json.contains("\"backend\":\"NATIVE\""), r::toString);
        assertTrue(json.contains("morse.blas=bundled: the bundled OpenBLAS") && json.contains("extracted in " + tmp), r::toString);
        List<String> mapped = r.lines("MAPPED");
        assertTrue(mapped.stream().anyMatch(m -> m.endsWith("/" + BundledOpenBlas.LIBRARY)), "libopenblas.so.0 is mapped: " + r);
        for (String m : mapped) {
            assertTrue(Path.of(m).startsWith(tmp), "mapped from the bundle, not the system: " + m + "\n" + r);
        }
        assertEigen(r, "LAPACK answers: ");
    }

    /** -Dmorse.blas=system: the system library when this machine has one (CI installs it), never the bundle. */
    @Test
    void systemLibraryWhenPresent() throws Exception {
        ChildJvm.Result r = ChildJvm.run(List.of("-Dmorse.blas=system", "-D" + MorseCache.PROPERTY + "=" + tmp), Map.of(), "report");
        assertEquals(0, r.exit(), r::toString);
        String json = r.line("REPORT");
        boolean required = "1".equals(System.getenv("MORSE_REQUIRE_SYSTEM_BLAS"));
        if (!json.contains("\"backend\":\"NATIVE\"")) {
            assertFalse(required, "MORSE_REQUIRE_SYSTEM_BLAS=1 but the system BLAS/LAPACK did not load: " + r);
            assumeTrue(false, "no system BLAS/LAPACK on this machine (apt-get install libopenblas0-pthread liblapack3 to run"
                    + " this test); the child fell back to Java as it should");
        }
        assertTrue(json.contains("\"source\":\"system\""), r::toString);
        assertTrue(json.contains("morse.blas=system: the system BLAS/LAPACK"), r::toString);
        for (String m : r.lines("MAPPED")) {
            assertFalse(m.contains(BundledOpenBlas.FOLDER), "the bundle is not loaded in system mode: " + m);
        }
        assertFalse(r.lines("MAPPED").isEmpty(), "system BLAS files are mapped: " + r);
        assertEigen(r, "LAPACK answers: ");
    }

    /** -Dmorse.blas=java: no native library at all, and no warning (it was asked for). */
    @Test
    void javaLoadsNoNativeLibrary() throws Exception {
        ChildJvm.Result r = ChildJvm.run(List.of("-Dmorse.blas=java", "-D" + MorseCache.PROPERTY + "=" + tmp), Map.of(), "report");
        assertEquals(0, r.exit(), r::toString);
        String json = r.line("REPORT");
        assertTrue(json.contains("\"backend\":\"JAVA\"") && json.contains("\"source\":\"none\""), r::toString);
        assertEquals(List.of(), r.lines("MAPPED"), "nothing native mapped: " + r);
        assertFalse(r.stderr().contains("WARNING: Morse"), "an explicit request is not warned about: " + r);
        assertEigen(r, "Java LAPACK answers: ");
    }
}
