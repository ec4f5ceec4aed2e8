package dev.morse.linalg;

import dev.morse.json.Json;
import java.util.ArrayList;
import java.util.List;

/**
 * What Morse runs on, for people ({@link #toText()}) and machines ({@link #toJson()}): the JDK,
 * the CPU, the SIMD kernels, and the BLAS/LAPACK behind {@link Linalg}, each with the reason it
 * was chosen. Built by {@link Backends#report()}; every report and the {@code doctor} command
 * print one.
 *
 * @param jdk                  version and vendor, e.g. {@code "25.0.1+8-LTS (Eclipse Adoptium)"}
 * @param cores                {@link Runtime#availableProcessors()}
 * @param fma                  {@code "yes"}, {@code "no"} (from /proc/cpuinfo flags) or {@code "unknown"}
 * @param simdKernel           name of the {@code dev.morse.simd} kernels, or why they are unavailable
 * @param simdSelection        why those kernels were chosen
 * @param vectorBits           bit size of the vector species, 0 for scalar kernels
 * @param vectorSpecies        the species, e.g. {@code "Species[double, 4, S_256_BIT]"}, or {@code "none"}
 * @param linalgBackend        {@code "NATIVE"}, {@code "JAVA"} or {@code "unavailable"}
 * @param linalgSelection      why (from {@link Linalg#selectionReason()}), or the error
 * @param blasImplementation   e.g. {@code "OpenBLAS 0.3.21 (pthreads, Haswell kernels) via dev.ludovic.netlib JNI"}
 * @param lapackImplementation e.g. {@code "OpenBLAS 0.3.21 LAPACK via dev.ludovic.netlib JNI"}
 * @param lapackNative         whether LAPACK calls go to native code
 * @param blasLibrary          the native BLAS file in use, or null
 * @param lapackLibrary        the native LAPACK file in use, or null
 * @param openblas             whether the native BLAS is OpenBLAS
 * @param openblasConfig       {@code openblas_get_config()}, or null
 * @param openblasThreads      OpenBLAS threads per call, or null when not OpenBLAS
 * @param blasSource           which native library netlib was pointed at: {@code "bundled"}, {@code "system"},
 *                             or {@code "none"} (no native library loaded: the Java fallback)
 * @param blasSelection        why that library (the {@code morse.blas} property, the extraction, the fallback reason)
 * @param heapPages            the Java heap's pages: transparent huge pages or 4 KiB ones, and the kernel's THP mode
 */
public record BackendReport(
        String jdk,
        int cores,
        String fma,
        String simdKernel,
        String simdSelection,
        int vectorBits,
        String vectorSpecies,
        String linalgBackend,
        String linalgSelection,
        String blasImplementation,
        String lapackImplementation,
        boolean lapackNative,
        String blasLibrary,
        String lapackLibrary,
        boolean openblas,
        String openblasConfig,
        Integer openblasThreads,
        String blasSource,
        String blasSelection,
        String heapPages) {

    /** Aligned {@code key: value} lines, one per fact, for a terminal. */
    public String toText() {
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"jdk", jdk});
        rows.add(new String[] {"cores", Integer.toString(cores)});
        rows.add(new String[] {"fma", fma});
        rows.add(new String[] {"simd kernels", simdKernel});
        rows.add(new String[] {"simd selection", simdSelection});
        rows.add(new String[] {"vector bits", Integer.toString(vectorBits)});
        rows.add(new String[] {"vector species", vectorSpecies});
        rows.add(new String[] {"linalg backend", linalgBackend});
        rows.add(new String[] {"linalg selection", linalgSelection});
        rows.add(new String[] {"blas", blasImplementation});
        rows.add(new String[] {"blas source", blasSource});
        rows.add(new String[] {"blas selection", blasSelection});
        rows.add(new String[] {"blas library", blasLibrary == null ? "-" : blasLibrary});
        rows.add(new String[] {"lapack", lapackImplementation});
        rows.add(new String[] {"lapack native", lapackNative ? "yes" : "no"});
        rows.add(new String[] {"lapack library", lapackLibrary == null ? "-" : lapackLibrary});
        rows.add(new String[] {"openblas config", openblasConfig == null ? "-" : openblasConfig});
        rows.add(new String[] {"openblas threads", openblasThreads == null ? "-" : openblasThreads.toString()});
        rows.add(new String[] {"heap pages", heapPages == null ? "-" : heapPages});
        int width = 0;
        for (String[] r : rows) {
            width = Math.max(width, r[0].length());
        }
        StringBuilder sb = new StringBuilder();
        for (String[] r : rows) {
            sb.append(r[0]).append(':').append(" ".repeat(width - r[0].length() + 1)).append(r[1]).append('\n');
        }
        return sb.toString();
    }

    /**
     * The report as one JSON object with nested groups:
     * <pre>{@code
     * {"jdk":"…","cores":2,"fma":"yes","heap_pages":"…",
     *  "vector":{"bits":256,"species":"…","kernel":"…","selection":"…"},
     *  "linalg":{"backend":"NATIVE","selection":"…"},
     *  "blas":{"implementation":"…","library":"…","source":"bundled","selection":"…"},
     *  "lapack":{"implementation":"…","native":true,"library":"…"},
     *  "openblas":{"available":true,"config":"…","threads":1}}
     * }</pre>
     * Absent values (no library, not OpenBLAS) are JSON {@code null}.
     */
    public String toJson() {
        Json j = Json.compact().beginObject();
        j.name("jdk").value(jdk);
        j.name("cores").value(cores);
        j.name("fma").value(fma);
        j.name("heap_pages").value(heapPages);
        j.name("vector").beginObject()
                .name("bits").value(vectorBits)
                .name("species").value(vectorSpecies)
                .name("kernel").value(simdKernel)
                .name("selection").value(simdSelection)
                .endObject();
        j.name("linalg").beginObject()
                .name("backend").value(linalgBackend)
                .name("selection").value(linalgSelection)
                .endObject();
        j.name("blas").beginObject()
                .name("implementation").value(blasImplementation)
                .name("library").value(blasLibrary)
                .name("source").value(blasSource)
                .name("selection").value(blasSelection)
                .endObject();
        j.name("lapack").beginObject()
                .name("implementation").value(lapackImplementation)
                .name("native").value(lapackNative)
                .name("library").value(lapackLibrary)
                .endObject();
        j.name("openblas").beginObject()
                .name("available").value(openblas)
                .name("config").value(openblasConfig);
        j.name("threads");
        if (openblasThreads == null) {
            j.nullValue();
        } else {
            j.value(openblasThreads.longValue());
        }
        j.endObject();
        return j.endObject().toString();
    }
}
