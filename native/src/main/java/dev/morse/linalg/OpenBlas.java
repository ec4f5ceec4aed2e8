package dev.morse.linalg;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * OpenBLAS's own controls (configuration, kernel name, thread count), reached through the FFM
 * API in exactly the library that netlib's JNI backend loaded.
 *
 * <p><b>Which library.</b> With the bundled OpenBLAS (the default, see {@link NetlibLoader}), the
 * very file that netlib was given ({@code dev.ludovic.netlib.*.nativeLibPath}): this class binds
 * its symbols through {@code dlopen} of that same path, which returns the copy already loaded, and
 * checks in {@code /proc/self/maps} that it is mapped; any other BLAS/LAPACK file mapped in the
 * process (a second OpenBLAS that some other library brought in) is reported with a WARNING,
 * since thread settings made here do not reach it. With the system library
 * ({@code -Dmorse.blas=system}), netlib's JNI wrappers {@code dlopen("libblas.so.3")} and
 * {@code dlopen("liblapack.so.3")}, whose files depend on the system's alternatives: this class
 * reads {@code /proc/self/maps} for the mapped BLAS/LAPACK files ({@code libopenblas*},
 * {@code libblas*}, {@code liblapack*}) and looks for {@code openblas_get_config} in each, again
 * through {@code dlopen} of the same path. A library without that symbol (reference BLAS, BLIS,
 * MKL) is "not OpenBLAS": {@link #available()} is false and {@link #setThreads} is a no-op. Linux
 * only (elsewhere there is no {@code /proc/self/maps}; available() is false).
 *
 * <p><b>Threads have one owner.</b> OpenBLAS runs its own thread pool inside each BLAS call. The
 * Morse engine runs its own worker pool over data chunks and calls BLAS from every worker, so it
 * sets OpenBLAS to 1 thread ({@code setThreads(1)}) for as long as it runs: two pools stacked on
 * the same cores oversubscribe them and run slower than either alone. Code that calls large
 * BLAS/LAPACK routines from a single thread (a dense {@code eigh}) may raise the count while it
 * owns the cores. The setting is process-wide.
 */
public final class OpenBlas {

    private static final Logger LOG = Logger.getLogger(OpenBlas.class.getName());

    private OpenBlas() {
    }

    /**
     * What the probe found.
     *
     * @param reason        why OpenBLAS is unavailable, or null when it is available
     * @param library       the file exporting the OpenBLAS symbols, or null
     * @param blasLibrary   the mapped BLAS file, or null
     * @param lapackLibrary the mapped LAPACK file, or null
     */
    private record Probe(String reason, Path library, Path blasLibrary, Path lapackLibrary,
                         MethodHandle getConfig, MethodHandle getCoreName, MethodHandle getNumThreads,
                         MethodHandle setNumThreads, MethodHandle getParallel, List<Path> others) {
    }

    private static final class Holder {
        static final Probe PROBE = probe();
    }

    /** Whether the native BLAS that netlib loaded is OpenBLAS (and its controls were found). */
    public static boolean available() {
        return Holder.PROBE.reason() == null;
    }

    /** Why {@link #available()} is false, or {@code "available"}. */
    public static String status() {
        String r = Holder.PROBE.reason();
        return r == null ? "available" : r;
    }

    /**
     * OpenBLAS's build configuration, e.g.
     * {@code "OpenBLAS 0.3.21 DYNAMIC_ARCH NO_AFFINITY Haswell MAX_THREADS=64"}.
     *
     * @throws IllegalStateException if not {@link #available()}
     */
    public static String config() {
        return string(require().getConfig());
    }

    /**
     * The kernel family OpenBLAS selected for this CPU, e.g. {@code "Haswell"}, or
     * {@code "unknown"} for builds without {@code openblas_get_corename}.
     *
     * @throws IllegalStateException if not {@link #available()}
     */
    public static String coreName() {
        MethodHandle h = require().getCoreName();
        return h == null ? "unknown" : string(h);
    }

    /**
     * Threading model of the build: {@code "sequential"}, {@code "pthreads"}, {@code "OpenMP"},
     * or {@code "unknown"}.
     *
     * @throws IllegalStateException if not {@link #available()}
     */
    public static String parallel() {
        MethodHandle h = require().getParallel();
        if (h == null) {
            return "unknown";
        }
        try {
            return switch ((int) h.invokeExact()) {
                case 0 -> "sequential";
                case 1 -> "pthreads";
                case 2 -> "OpenMP";
                default -> "unknown";
            };
        } catch (Throwable t) {
            throw new IllegalStateException("openblas_get_parallel failed: " + t, t);
        }
    }

    /**
     * The number of threads OpenBLAS uses per call.
     *
     * @throws IllegalStateException if not {@link #available()}
     */
    public static int threads() {
        try {
            return (int) require().getNumThreads().invokeExact();
        } catch (IllegalStateException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("openblas_get_num_threads failed: " + t, t);
        }
    }

    /**
     * Sets the number of threads OpenBLAS uses per call (process-wide). When the native BLAS is
     * not OpenBLAS (or not loaded) this does nothing and logs the reason at {@code FINE}: a
     * single-threaded Java fallback already has the behaviour asked for. See the class comment
     * for who owns the thread count.
     *
     * @param n threads, ≥ 1
     * @throws IllegalArgumentException if n &lt; 1
     */
    public static void setThreads(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("threads=" + n + " < 1");
        }
        Probe p = Holder.PROBE;
        if (p.reason() != null) {
            LOG.log(Level.FINE, "OpenBlas.setThreads({0}) ignored: {1}", new Object[] {n, p.reason()});
            return;
        }
        synchronized (OpenBlas.class) {
            try {
                p.setNumThreads().invokeExact(n);
            } catch (Throwable t) {
                throw new IllegalStateException("openblas_set_num_threads(" + n + ") failed: " + t, t);
            }
        }
    }

    /**
     * The file that provides the native BLAS: the OpenBLAS library itself when available
     * (e.g. {@code /usr/lib/x86_64-linux-gnu/openblas-pthread/libopenblasp-r0.3.21.so}), else the
     * mapped BLAS library; empty when native BLAS is not loaded or the platform has no
     * {@code /proc/self/maps}.
     */
    public static Optional<Path> libraryPath() {
        Probe p = Holder.PROBE;
        return Optional.ofNullable(p.library() != null ? p.library() : p.blasLibrary());
    }

    /** The mapped BLAS file (e.g. {@code .../openblas-pthread/libblas.so.3}), if any. */
    static Optional<Path> blasLibraryPath() {
        return Optional.ofNullable(Holder.PROBE.blasLibrary());
    }

    /** The mapped LAPACK file (e.g. {@code .../openblas-pthread/liblapack.so.3}), if any. */
    static Optional<Path> lapackLibraryPath() {
        return Optional.ofNullable(Holder.PROBE.lapackLibrary());
    }

    /**
     * Other BLAS/LAPACK files mapped in this process besides the bundled library that netlib
     * uses (another OpenBLAS brought in by some other library; its threads are not controlled
     * here); empty with the system library, or when there are none.
     */
    static List<Path> otherLibraries() {
        List<Path> o = Holder.PROBE.others();
        return o == null ? List.of() : o;
    }

    private static Probe require() {
        Probe p = Holder.PROBE;
        if (p.reason() != null) {
            throw new IllegalStateException("OpenBLAS unavailable: " + p.reason());
        }
        return p;
    }

    private static String string(MethodHandle h) {
        try {
            MemorySegment s = (MemorySegment) h.invokeExact();
            if (s.equals(MemorySegment.NULL)) {
                return "";
            }
            // A static NUL-terminated C string; its length is unknown until read.
            return s.reinterpret(Long.MAX_VALUE).getString(0);
        } catch (Throwable t) {
            throw new IllegalStateException("OpenBLAS string query failed: " + t, t);
        }
    }

    private static Probe probe() {
        try {
            NetlibLoader.State state = NetlibLoader.state();
            if (!state.nativeLoaded()) {
                return unavailable("native BLAS not loaded (" + state.nativeFailure() + ")", null, null);
            }
            Path maps = Path.of("/proc/self/maps");
            if (!Files.isReadable(maps)) {
                return unavailable("cannot locate the native BLAS file (no /proc/self/maps on this platform)", null, null);
            }
            List<Path> mapped = mappedLibraries(maps);
            if (state.library() != null) {
                return bundled(state.library(), mapped);
            }
            Path blas = first(mapped, "libblas", "openblas", "blas");
            Path lapack = first(mapped, "liblapack", "lapack");
            List<Path> candidates = new ArrayList<>();
            for (Path p : mapped) {
                if (name(p).contains("openblas")) {
                    candidates.add(p); // the OpenBLAS core first: it defines the symbols
                }
            }
            if (blas != null) {
                candidates.add(blas);
            }
            if (lapack != null) {
                candidates.add(lapack);
            }
            if (candidates.isEmpty()) {
                return unavailable("no BLAS/LAPACK library found in /proc/self/maps", null, null);
            }
            for (Path lib : candidates) {
                SymbolLookup lookup;
                try {
                    // Arena.global(): the library stays loaded anyway (netlib holds it); never unload it.
                    lookup = SymbolLookup.libraryLookup(lib, Arena.global());
                } catch (IllegalArgumentException e) {
                    continue;
                }
                Probe p = bind(lib, lookup, blas, lapack, List.of());
                if (p != null) {
                    return p;
                }
            }
            return unavailable("not OpenBLAS: no openblas_get_config in " + candidates, blas, lapack);
        } catch (IOException | RuntimeException | LinkageError e) {
            return unavailable("OpenBLAS probe failed: " + e, null, null);
        }
    }

    /** The bundled library netlib was given: bound by its own path, checked to be mapped, others reported. */
    private static Probe bundled(Path lib, List<Path> mapped) throws IOException {
        boolean found = false;
        List<Path> others = new ArrayList<>();
        for (Path p : mapped) {
            if (Files.exists(p) && Files.isSameFile(p, lib)) {
                found = true;
            } else {
                others.add(p);
            }
        }
        if (!found) {
            return unavailable("the bundled library " + lib + " given to netlib is not mapped in this process", null, null);
        }
        if (!others.isEmpty()) {
            LOG.log(Level.WARNING, "Morse uses the bundled OpenBLAS " + lib + ", but other BLAS/LAPACK libraries are"
                    + " also loaded in this process: " + others + ". Thread settings (OpenBlas.setThreads) reach the"
                    + " bundled one only; whatever calls the others runs with their own thread pools.");
        }
        SymbolLookup lookup = SymbolLookup.libraryLookup(lib, Arena.global());
        Probe p = bind(lib, lookup, lib, lib, List.copyOf(others));
        return p != null ? p : unavailable("no openblas_get_config in the bundled " + lib, lib, lib);
    }

    /** Handles to OpenBLAS's controls in lookup, or null when it lacks them (not OpenBLAS). */
    private static Probe bind(Path lib, SymbolLookup lookup, Path blas, Path lapack, List<Path> others) {
        Optional<MemorySegment> config = lookup.find("openblas_get_config");
        Optional<MemorySegment> get = lookup.find("openblas_get_num_threads");
        Optional<MemorySegment> set = lookup.find("openblas_set_num_threads");
        if (config.isEmpty() || get.isEmpty() || set.isEmpty()) {
            return null;
        }
        Linker linker = Linker.nativeLinker();
        FunctionDescriptor string = FunctionDescriptor.of(ValueLayout.ADDRESS);
        FunctionDescriptor integer = FunctionDescriptor.of(ValueLayout.JAVA_INT);
        return new Probe(null, lib, blas, lapack,
                linker.downcallHandle(config.get(), string),
                lookup.find("openblas_get_corename").map(s -> linker.downcallHandle(s, string)).orElse(null),
                linker.downcallHandle(get.get(), integer),
                linker.downcallHandle(set.get(), FunctionDescriptor.ofVoid(ValueLayout.JAVA_INT)),
                lookup.find("openblas_get_parallel").map(s -> linker.downcallHandle(s, integer)).orElse(null),
                others);
    }

    private static Probe unavailable(String reason, Path blas, Path lapack) {
        return new Probe(reason, null, blas, lapack, null, null, null, null, null, List.of());
    }

    /** Distinct BLAS/LAPACK-looking files mapped into this process, in map order. */
    private static List<Path> mappedLibraries(Path maps) throws IOException {
        List<Path> found = new ArrayList<>();
        for (Path p : BundledOpenBlas.mappedFiles(maps)) {
            String name = name(p);
            if (name.startsWith("libnetlib")) {
                continue; // netlib's own JNI wrappers, extracted to /tmp
            }
            if (name.contains("blas") || name.contains("lapack")) {
                found.add(p);
            }
        }
        return found;
    }

    private static Path first(List<Path> paths, String... patterns) {
        for (String pattern : patterns) {
            for (Path p : paths) {
                if (name(p).contains(pattern)) {
                    return p;
                }
            }
        }
        return null;
    }

    private static String name(Path p) {
        Path f = p.getFileName();
        return f == null ? "" : f.toString();
    }
}
