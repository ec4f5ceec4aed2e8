package dev.morse.linalg;

import dev.morse.simd.KernelProvider;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Assembles the {@link BackendReport}: which JDK, CPU features, SIMD kernels and BLAS/LAPACK
 * this JVM uses and why. Never throws for an unavailable component; the report says
 * "unavailable" and gives the reason instead, because it is what a user reads when something is
 * missing.
 */
public final class Backends {

    private static final Pattern OPENBLAS_VERSION = Pattern.compile("OpenBLAS\\s+(\\S+)");

    private Backends() {
    }

    /** Collects the report now (cheap after the first call: every component caches its choice). */
    public static BackendReport report() {
        String jdk = Runtime.version() + " (" + System.getProperty("java.vendor", "unknown vendor") + ")";
        int cores = Runtime.getRuntime().availableProcessors();

        String simdKernel;
        String simdSelection;
        int bits;
        String species;
        try {
            simdKernel = KernelProvider.get().name();
            simdSelection = KernelProvider.selectionReason();
            bits = KernelProvider.vectorBitSize();
            species = KernelProvider.speciesName();
        } catch (RuntimeException e) {
            simdKernel = "unavailable";
            simdSelection = e.getMessage();
            bits = 0;
            species = "none";
        }

        String backend;
        String selection;
        Linalg linalg = null;
        try {
            linalg = Linalg.get();
            backend = linalg.backend().name();
            selection = linalg.selectionReason();
        } catch (LinalgException e) {
            backend = "unavailable";
            selection = e.getMessage();
        }

        boolean isNative = linalg != null && linalg.backend() == Linalg.Backend.NATIVE;
        boolean openblas = isNative && OpenBlas.available();
        String config = openblas ? OpenBlas.config() : null;
        Integer threads = openblas ? OpenBlas.threads() : null;
        String blasLib = isNative ? OpenBlas.blasLibraryPath().map(Path::toString).orElse(null) : null;
        String lapackLib = isNative ? OpenBlas.lapackLibraryPath().map(Path::toString).orElse(null) : null;

        NetlibLoader.State loader = NetlibLoader.state();
        String source = isNative ? loader.source() : "none";
        String blasSelection = loader.selection()
                + (isNative || loader.javaRequested() ? ""
                        : loader.nativeLoaded() ? "; not used: " + selection : "; native not loaded: " + loader.nativeFailure());
        List<Path> others = isNative ? OpenBlas.otherLibraries() : List.of();
        if (!others.isEmpty()) {
            blasSelection += "; WARNING: other BLAS/LAPACK libraries also loaded in this process: " + others;
        }
        String tag = isNative ? source + ", " : "";
        String blasImpl;
        String lapackImpl;
        if (linalg == null) {
            blasImpl = "unavailable";
            lapackImpl = "unavailable";
        } else if (isNative) {
            if (openblas) {
                String version = openblasVersion(config);
                blasImpl = "OpenBLAS " + version + " (" + tag + OpenBlas.parallel() + ", " + OpenBlas.coreName()
                        + " kernels) via dev.ludovic.netlib JNI";
                lapackImpl = (lapackLib != null && lapackLib.contains("openblas") ? "OpenBLAS " + version + " LAPACK (" + source + ")"
                        : "native LAPACK" + (lapackLib == null ? "" : " (" + lapackLib + ")"))
                        + " via dev.ludovic.netlib JNI";
            } else {
                blasImpl = "native BLAS" + (blasLib == null ? "" : " (" + blasLib + ")")
                        + " via dev.ludovic.netlib JNI; not OpenBLAS: " + OpenBlas.status();
                lapackImpl = "native LAPACK" + (lapackLib == null ? "" : " (" + lapackLib + ")")
                        + " via dev.ludovic.netlib JNI";
            }
        } else {
            blasImpl = bits > 0 ? "Java fallback (Morse Vector GEMM)" : "Java fallback (Morse scalar GEMM)";
            lapackImpl = "Java fallback (netlib " + linalg.lapackClassName() + ", F2j translation of reference LAPACK)";
        }
        return new BackendReport(jdk, cores, fma(), simdKernel, simdSelection, bits, species, backend, selection,
                blasImpl, lapackImpl, isNative, blasLib, lapackLib, openblas, config, threads, source, blasSelection, heapPages());
    }

    /**
     * Whether the Java heap uses transparent huge pages ({@code -XX:+UseTransparentHugePages}, which
     * bin/morse passes where the kernel offers them), and the kernel's THP mode. A dense P×P result
     * is a fresh array per call; faulted in 4 KiB pages on a VM it cost some JVMs 6–8 s of system
     * time and 2–3× the time per dense Hessian (30-40-40-1, N = 256: 480–515 ms against 156–185 with
     * huge pages).
     */
    static String heapPages() {
        String mode;
        try {
            String s = Files.readString(Path.of("/sys/kernel/mm/transparent_hugepage/enabled")).trim();
            int a = s.indexOf('['), b = s.indexOf(']');
            mode = a >= 0 && b > a ? s.substring(a + 1, b) : s;
        } catch (IOException | RuntimeException e) {
            mode = null;
        }
        boolean flag = false;
        try {
            var bean = java.lang.management.ManagementFactory.getPlatformMXBean(com.sun.management.HotSpotDiagnosticMXBean.class);
            flag = bean != null && Boolean.parseBoolean(bean.getVMOption("UseTransparentHugePages").getValue());
        } catch (RuntimeException | LinkageError e) {
            // not HotSpot: the flag is unknown
        }
        if (mode == null) return "4 KiB pages (no transparent huge pages on this system)";
        if (flag && !mode.equals("never")) return "transparent huge pages (-XX:+UseTransparentHugePages; kernel THP mode " + mode + ")";
        if (mode.equals("always")) return "transparent huge pages where the kernel gives them (kernel THP mode always)";
        if (mode.equals("never")) return "4 KiB pages (kernel THP mode never)";
        return "4 KiB pages: add -XX:+UseTransparentHugePages (kernel THP mode " + mode + "); large dense results fault in"
                + " several times faster with huge pages";
    }

    /** "0.3.21" from "OpenBLAS 0.3.21 DYNAMIC_ARCH ...", or "(version unknown)". */
    static String openblasVersion(String config) {
        Matcher m = OPENBLAS_VERSION.matcher(config == null ? "" : config);
        return m.find() ? m.group(1) : "(version unknown)";
    }

    /** "yes"/"no" from the {@code flags} line of /proc/cpuinfo; "unknown" where there is none. */
    static String fma() {
        Path cpuinfo = Path.of("/proc/cpuinfo");
        if (!Files.isReadable(cpuinfo)) {
            return "unknown";
        }
        try {
            return fmaFromCpuinfo(Files.readAllLines(cpuinfo));
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
    }

    static String fmaFromCpuinfo(List<String> lines) {
        for (String line : lines) {
            // x86 "flags", ARM "Features" (where fused multiply-add is part of the base ISA: "asimd"/"fphp").
            String lower = line.toLowerCase(Locale.ROOT);
            if (lower.startsWith("flags") || lower.startsWith("features")) {
                int colon = line.indexOf(':');
                String flags = " " + (colon < 0 ? line : line.substring(colon + 1)).trim() + " ";
                if (lower.startsWith("features") && flags.contains(" asimd ")) {
                    return "yes";
                }
                return flags.contains(" fma ") ? "yes" : "no";
            }
        }
        return "unknown";
    }
}
