package dev.morse.linalg;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class BackendsTest {

    @Test
    void reportHasEveryFact() {
        BackendReport r = Backends.report();
        assertTrue(r.jdk().startsWith(Integer.toString(Runtime.version().feature())), "jdk starts with the feature version: " + r.jdk());
        assertEquals(Runtime.getRuntime().availableProcessors(), r.cores(), "cores");
        assertTrue(List.of("yes", "no", "unknown").contains(r.fma()), "fma is yes/no/unknown: " + r.fma());
        assertNotNull(r.blasImplementation(), "blas implementation");
        assertNotNull(r.lapackImplementation(), "lapack implementation");
        boolean nativeSelected = Linalg.get().backend() == Linalg.Backend.NATIVE;
        assertEquals(nativeSelected, r.lapackNative(), "lapack.native follows the selected backend");
        if (nativeSelected && OpenBlas.available()) {
            assertTrue(r.blasImplementation().startsWith("OpenBLAS ") && r.blasImplementation().endsWith("via dev.ludovic.netlib JNI"),
                    "OpenBLAS implementation line: " + r.blasImplementation());
            assertEquals(OpenBlas.threads(), r.openblasThreads(), "OpenBLAS threads");
        }
        if (!nativeSelected) {
            assertTrue(r.blasImplementation().startsWith("Java fallback (Morse"), "Java BLAS line: " + r.blasImplementation());
        }
    }

    @Test
    void jsonHasTheNestedKeys() {
        String json = Backends.report().toJson();
        for (String key : List.of("{\"jdk\":\"", "\"cores\":", "\"vector\":{\"bits\":", "\"species\":",
                "\"blas\":{\"implementation\":", "\"lapack\":{\"implementation\":", "\"native\":")) {
            assertTrue(json.contains(key), "JSON report should contain " + key + ": " + json);
        }
        assertTrue(json.endsWith("}}"), "JSON report is one object ending with the openblas group: " + json);
    }

    /**
     * The heap's pages as the JVM was started: with -XX:+UseTransparentHugePages (what bin/morse
     * passes where the kernel offers THP) the report says huge pages; without, on a kernel in
     * madvise mode, it names the flag. Fresh JVMs: the flag is fixed at start.
     */
    @Test
    void heapPagesFollowTheJvmFlag() throws Exception {
        java.nio.file.Path thp = java.nio.file.Path.of("/sys/kernel/mm/transparent_hugepage/enabled");
        String mode = java.nio.file.Files.isReadable(thp) ? java.nio.file.Files.readString(thp) : "";
        ChildJvm.Result with = ChildJvm.run(List.of("-XX:+UseTransparentHugePages", "-Dmorse.blas=java"), java.util.Map.of(), "report");
        ChildJvm.Result without = ChildJvm.run(List.of("-Dmorse.blas=java"), java.util.Map.of(), "report");
        assertEquals(0, with.exit(), with::toString);
        assertEquals(0, without.exit(), without::toString);
        if (mode.contains("[madvise]")) {
            assertTrue(with.line("REPORT").contains("\"heap_pages\":\"transparent huge pages (-XX:+UseTransparentHugePages; kernel THP mode madvise)\""), with::toString);
            assertTrue(without.line("REPORT").contains("\"heap_pages\":\"4 KiB pages: add -XX:+UseTransparentHugePages"), without::toString);
        } else if (mode.contains("[never]") || mode.isEmpty()) {
            assertTrue(with.line("REPORT").contains("\"heap_pages\":\"4 KiB pages"), with::toString);
        } else {
            assertTrue(with.line("REPORT").contains("\"heap_pages\":\"transparent huge pages"), with::toString);
        }
        assertTrue(Backends.report().toText().contains("\nheap pages:"), "a text row");
    }

    @Test
    void textIsAlignedKeyValueLines() {
        String[] lines = Backends.report().toText().split("\n");
        assertTrue(lines.length >= 10, "one line per fact");
        int column = -1;
        for (String line : lines) {
            int colon = line.indexOf(':');
            int value = colon + 1;
            while (value < line.length() && line.charAt(value) == ' ') {
                value++;
            }
            if (column < 0) {
                column = value;
            }
            assertEquals(column, value, "values start in one column: \"" + line + "\"");
        }
    }

    @Test
    void parsesCpuFlagsAndOpenBlasVersion() {
        assertEquals("yes", Backends.fmaFromCpuinfo(List.of("processor\t: 0", "flags\t\t: fpu sse2 avx2 fma bmi2")), "x86 with fma");
        assertEquals("no", Backends.fmaFromCpuinfo(List.of("flags\t\t: fpu sse2 fma4")), "fma4 is not fma");
        assertEquals("unknown", Backends.fmaFromCpuinfo(List.of("processor\t: 0")), "no flags line");
        assertEquals("0.3.21", Backends.openblasVersion("OpenBLAS 0.3.21 DYNAMIC_ARCH NO_AFFINITY Haswell MAX_THREADS=64"),
                "version from openblas_get_config");
    }
}
