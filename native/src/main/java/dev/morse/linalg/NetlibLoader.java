package dev.morse.linalg;

import dev.ludovic.netlib.blas.BLAS;
import dev.ludovic.netlib.blas.NativeBLAS;
import dev.ludovic.netlib.lapack.JavaLAPACK;
import dev.ludovic.netlib.lapack.LAPACK;
import dev.ludovic.netlib.lapack.NativeLAPACK;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.SymbolLookup;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * The one place that asks dev.ludovic.netlib for its BLAS/LAPACK instances, once per JVM, after
 * choosing which native library netlib's JNI wrappers load.
 *
 * <h2>Which library ({@value #PROPERTY})</h2>
 * <ul>
 *   <li>unset (default): the bundled OpenBLAS ({@link BundledOpenBlas}: {@value BundledOpenBlas#ARTIFACT},
 *       extracted to the user's cache and loaded by full path). Where there is no bundle for the
 *       platform, or it cannot be extracted or loaded, the system library is tried instead, with a
 *       WARNING. When netlib's own properties ({@code dev.ludovic.netlib.blas.nativeLib} /
 *       {@code nativeLibPath}, likewise {@code .lapack.}) are given, they are honoured (system).</li>
 *   <li>{@code bundled}: the bundled OpenBLAS or no native library at all (never the system one).</li>
 *   <li>{@code system}: whatever netlib finds through the dynamic linker: {@code libblas.so.3} and
 *       {@code liblapack.so.3} (Debian alternatives; OpenBLAS provides both), or netlib's own
 *       properties.</li>
 *   <li>{@code java}: no native library is loaded; {@link Linalg} runs the pure-Java fallback.</li>
 * </ul>
 * The bundled library goes to netlib through {@code dev.ludovic.netlib.{blas,lapack}.nativeLibPath},
 * set here before netlib's JNI classes initialize; its {@code dlopen} of that path returns the copy
 * {@link BundledOpenBlas#load} already loaded, the one {@link OpenBlas} controls.
 *
 * <h2>Reasons</h2>
 * netlib's own {@code InstanceBuilder}s try the JNI backend in their static initializers and,
 * when it fails, log the cause only at {@code FINE} and then throw a bare
 * {@code "Unable to load native implementation"}. To report <em>why</em>, this class listens on
 * netlib's loggers at {@code FINE} while the builders initialize and keeps the logged cause. It
 * also keeps netlib's {@code INFO "Using ...JNIBLAS"} lines off the console: Morse reports its own
 * choice ({@link Linalg#selectionReason()}, {@link State#selection()}), once. Nothing here throws:
 * failures become reasons.
 */
final class NetlibLoader {

    /** System property choosing the native library: unset, {@code bundled}, {@code system} or {@code java}. */
    static final String PROPERTY = "morse.blas";

    /** The fix named in every "native did not load" message. */
    static final String FIX = "keep " + BundledOpenBlas.ARTIFACT + " (Morse's bundled OpenBLAS) on the class path"
            + " (Linux x86-64), or install a system OpenBLAS (apt-get install libopenblas0-pthread liblapack3)"
            + " and run with -D" + PROPERTY + "=system";

    private static final Logger LOG = Logger.getLogger(Linalg.class.getName());

    /** What {@value #PROPERTY} asks for. */
    enum Mode {
        /** Unset: bundled, else system. */
        DEFAULT,
        BUNDLED,
        SYSTEM,
        JAVA
    }

    /**
     * What loading produced.
     *
     * @param nativeBlas    the JNI BLAS, or null
     * @param nativeLapack  the JNI LAPACK, or null
     * @param nativeFailure why native is unusable (null when both loaded)
     * @param javaLapack    netlib's pure-Java LAPACK (F2j), or null
     * @param javaFailure   why the Java LAPACK is unusable (null when it loaded)
     * @param source        {@code "bundled"}, {@code "system"} or {@code "none"}: which library netlib was pointed at
     * @param library       the bundled library file handed to netlib, or null (system: found by the dynamic linker)
     * @param selection     why that source, in words (the property, the extraction, the runtime libraries)
     * @param javaRequested whether {@code -Dmorse.blas=java} asked for no native library
     */
    record State(BLAS nativeBlas, LAPACK nativeLapack, String nativeFailure, LAPACK javaLapack, String javaFailure,
                 String source, Path library, String selection, boolean javaRequested) {
        boolean nativeLoaded() {
            return nativeFailure == null;
        }
    }

    private NetlibLoader() {
    }

    private static final class Holder {
        static final State STATE = load();
    }

    /** Loads on first call; later calls return the same state. */
    static State state() {
        return Holder.STATE;
    }

    /** The mode for a property value; unknown values mean the default (the caller warns). */
    static Mode mode(String value) {
        if (value == null) {
            return Mode.DEFAULT;
        }
        return switch (value.trim().toLowerCase(Locale.ROOT)) {
            case "bundled" -> Mode.BUNDLED;
            case "system" -> Mode.SYSTEM;
            case "java" -> Mode.JAVA;
            default -> Mode.DEFAULT;
        };
    }

    private static boolean known(String value) {
        return value == null || List.of("", "auto", "default", "bundled", "system", "java")
                .contains(value.trim().toLowerCase(Locale.ROOT));
    }

    /** netlib's own library properties that the user set, as "-Dk=v" text, or null. */
    private static String netlibProperties() {
        List<String> set = new ArrayList<>();
        for (String kind : List.of("blas", "lapack")) {
            for (String key : List.of("nativeLibPath", "nativeLib")) {
                String k = "dev.ludovic.netlib." + kind + "." + key;
                String v = System.getProperty(k);
                if (v != null) {
                    set.add("-D" + k + "=" + v);
                }
            }
        }
        return set.isEmpty() ? null : String.join(" ", set);
    }

    private static State load() {
        String raw = System.getProperty(PROPERTY);
        Mode mode = mode(raw);
        String asked = raw == null ? PROPERTY + " unset" : PROPERTY + "=" + raw.trim();
        if (!known(raw)) {
            LOG.log(Level.WARNING, "unknown -D" + PROPERTY + "=" + raw + " (expected bundled, system or java); using the default");
            asked = PROPERTY + "=" + raw.trim() + " (unknown; the default)";
        }
        if (mode == Mode.JAVA) {
            // netlib's InstanceBuilders try the JNI backend while initializing, even when asked for
            // the Java instance: tell them not to (unless the user already said something).
            for (String kind : List.of("blas", "lapack")) {
                if (System.getProperty("dev.ludovic.netlib." + kind + ".allowNative") == null) {
                    System.setProperty("dev.ludovic.netlib." + kind + ".allowNative", "false");
                }
            }
            Netlib n = netlib(false);
            return new State(null, null, "not loaded: -D" + PROPERTY + "=java", n.javaLapack, n.javaFailure, "none", null,
                    asked + ": no native library; the pure-Java fallback, as requested", true);
        }

        // Before any OpenBLAS initializes (bundled or system): it reads the variable once.
        String idle = OpenBlasIdle.apply();
        String userNetlib = netlibProperties();
        Path bundled = null;
        String selection;
        String source;
        String bundleFailure = null;
        if (mode == Mode.SYSTEM || (mode == Mode.DEFAULT && userNetlib != null)) {
            source = "system";
            selection = userNetlib != null
                    ? asked + ": the library named by " + userNetlib + " (netlib's own properties)"
                    : asked + ": the system BLAS/LAPACK (libblas.so.3 and liblapack.so.3 through the dynamic linker)";
        } else {
            String why = BundledOpenBlas.unsupportedPlatform();
            if (why == null && !BundledOpenBlas.onClassPath()) {
                why = BundledOpenBlas.ARTIFACT + " is not on the class path";
            }
            String detail = null;
            if (why == null) {
                try {
                    BundledOpenBlas.Extraction x = BundledOpenBlas.ensure();
                    BundledOpenBlas.Loaded l = BundledOpenBlas.load(x.dir());
                    bundled = l.library();
                    // Set before netlib's JNI classes initialize: they read these in JNI_OnLoad.
                    System.setProperty("dev.ludovic.netlib.blas.nativeLibPath", bundled.toString());
                    System.setProperty("dev.ludovic.netlib.lapack.nativeLibPath", bundled.toString());
                    detail = x.how() + " in " + x.dir() + "; " + String.join(", ", l.runtime());
                } catch (IOException | RuntimeException | LinkageError e) {
                    why = e.getMessage() == null ? e.toString() : e.getMessage();
                }
            }
            if (why == null) {
                source = "bundled";
                selection = asked + ": the bundled OpenBLAS " + BundledOpenBlas.VERSION + " (" + BundledOpenBlas.ARTIFACT
                        + (mode == Mode.DEFAULT ? ", the default" : "") + "), " + detail
                        + (userNetlib != null ? "; overrides " + userNetlib : "");
            } else if (mode == Mode.BUNDLED) {
                // Never the system library: keep netlib from trying it.
                for (String kind : List.of("blas", "lapack")) {
                    System.setProperty("dev.ludovic.netlib." + kind + ".allowNative", "false");
                }
                Netlib n = netlib(false);
                String failure = "the bundled OpenBLAS is unavailable: " + why;
                return new State(null, null, failure, n.javaLapack, n.javaFailure, "none", null,
                        asked + ": " + failure + " (the system library is not tried)", false);
            } else {
                bundleFailure = why;
                source = "system";
                selection = asked + ": the bundled OpenBLAS is unavailable (" + why
                        + "); the system BLAS/LAPACK (libblas.so.3 and liblapack.so.3 through the dynamic linker)";
            }
        }

        Netlib n = netlib(true);
        String nativeFailure = n.nativeFailure;
        if (bundleFailure != null) {
            if (nativeFailure == null) {
                LOG.log(Level.WARNING, "Morse: the bundled OpenBLAS is unavailable (" + bundleFailure
                        + "); using the system BLAS/LAPACK instead");
            } else {
                nativeFailure = "the bundled OpenBLAS is unavailable (" + bundleFailure + ") and the system library"
                        + " did not load (" + nativeFailure + ")";
            }
        }
        boolean ok = nativeFailure == null;
        return new State(ok ? n.nativeBlas : null, ok ? n.nativeLapack : null, nativeFailure, n.javaLapack, n.javaFailure,
                ok ? source : "none", ok ? bundled : null, ok ? selection + "; " + idle + forcedByEnvironment() : selection, false);
    }

    /** OpenBLAS variables that override its own choices for the CPU (kernels, cache blocking). */
    static final List<String> FORCING = List.of("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE");

    /**
     * "; OPENBLAS_CORETYPE=… from the environment (…)" for each {@link #FORCING} variable set, else
     * empty: such a variable can cost much speed unseen (OPENBLAS_CORETYPE=Haswell on an AMD EPYC
     * with AVX-512 ran dgemm at 99–103 GFLOP/s on 2 cores instead of 144–192 with OpenBLAS's own
     * choice, Cooperlake), so the selection names it.
     */
    static String forcedByEnvironment() {
        StringBuilder sb = new StringBuilder();
        for (String v : FORCING) {
            String value = System.getenv(v);
            if (value != null) {
                sb.append("; ").append(v).append('=').append(value).append(" from the environment (in an OpenBLAS built for several CPUs,"
                        + " as the bundled one is, it overrides OpenBLAS's own choice for this CPU; unset it to let OpenBLAS choose)");
            }
        }
        return sb.toString();
    }

    /** What netlib's builders gave. */
    private record Netlib(BLAS nativeBlas, LAPACK nativeLapack, String nativeFailure, LAPACK javaLapack, String javaFailure) {
    }

    /**
     * netlib's instances, its log captured: the native ones when tryNative (the library
     * properties are set by then), and its Java LAPACK. Native LAPACK is asked first: netlib's
     * LAPACK builder tries native in its static initializer, whichever instance is asked for.
     */
    private static Netlib netlib(boolean tryNative) {
        Capture capture = new Capture();
        String[] names = {
            "dev.ludovic.netlib.lapack.InstanceBuilder", "dev.ludovic.netlib.lapack.JNILAPACK",
            "dev.ludovic.netlib.blas.InstanceBuilder", "dev.ludovic.netlib.blas.JNIBLAS",
        };
        // Strong references: java.util.logging keeps loggers only weakly.
        Logger[] loggers = new Logger[names.length];
        Level[] levels = new Level[names.length];
        boolean[] parents = new boolean[names.length];
        for (int i = 0; i < names.length; i++) {
            loggers[i] = Logger.getLogger(names[i]);
            levels[i] = loggers[i].getLevel();
            parents[i] = loggers[i].getUseParentHandlers();
            loggers[i].setLevel(Level.FINE);
            loggers[i].addHandler(capture);
            loggers[i].setUseParentHandlers(false);
        }
        try {
            LAPACK nativeLapack = null;
            BLAS nativeBlas = null;
            List<String> failures = new ArrayList<>();
            if (tryNative) {
                try {
                    nativeLapack = NativeLAPACK.getInstance();
                } catch (Throwable t) {
                    failures.add("LAPACK: " + cause(t, capture.causeFor("lapack"), "lapack", "liblapack.so.3"));
                }
            }
            LAPACK javaLapack = null;
            String javaFailure = null;
            try {
                javaLapack = JavaLAPACK.getInstance();
            } catch (Throwable t) {
                javaFailure = "netlib's Java LAPACK did not load: " + t;
            }
            if (tryNative) {
                try {
                    nativeBlas = NativeBLAS.getInstance();
                } catch (Throwable t) {
                    failures.add("BLAS: " + cause(t, capture.causeFor("blas"), "blas", "libblas.so.3"));
                }
            } else {
                failures.add("not tried");
            }
            String nativeFailure = failures.isEmpty() ? null : String.join("; ", failures);
            return new Netlib(nativeFailure == null ? nativeBlas : null, nativeFailure == null ? nativeLapack : null,
                    nativeFailure, javaLapack, javaFailure);
        } finally {
            for (int i = 0; i < names.length; i++) {
                loggers[i].removeHandler(capture);
                loggers[i].setLevel(levels[i]);
                loggers[i].setUseParentHandlers(parents[i]);
            }
        }
    }

    /**
     * The most useful description of a native load failure: netlib's logged cause if any, plus
     * a probe of the system library when the cause is the JNI wrapper's opaque
     * "unsupported JNI version" (its {@code JNI_OnLoad} could not {@code dlopen} the library).
     */
    private static String cause(Throwable thrown, Throwable logged, String kind, String defaultLib) {
        String allow = System.getProperty("dev.ludovic.netlib." + kind + ".allowNative");
        if (logged == null && allow != null && !Boolean.parseBoolean(allow)) {
            return "disabled by -Ddev.ludovic.netlib." + kind + ".allowNative=" + allow;
        }
        Throwable t = logged != null ? logged : thrown;
        String text = t.toString();
        if (text.contains("JNI version")) {
            String lib = System.getProperty("dev.ludovic.netlib." + kind + ".nativeLibPath",
                    System.getProperty("dev.ludovic.netlib." + kind + ".nativeLib", defaultLib));
            text += " (netlib's JNI wrapper could not dlopen " + lib + probe(lib) + ")";
        }
        return text;
    }

    /** Whether the dynamic linker can open lib at all; "" when it can or when we cannot tell. */
    private static String probe(String lib) {
        if (!System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("linux")) {
            return "";
        }
        try (Arena arena = Arena.ofConfined()) {
            SymbolLookup.libraryLookup(lib, arena);
            return "; the library itself opens, so a symbol it needs is missing";
        } catch (IllegalArgumentException e) {
            return ": the dynamic linker cannot find it";
        } catch (RuntimeException | LinkageError e) {
            return "";
        }
    }

    /** Collects the throwables netlib logs while its builders initialize. */
    private static final class Capture extends Handler {
        private final List<LogRecord> records = new ArrayList<>();

        Capture() {
            setLevel(Level.ALL);
        }

        @Override
        public synchronized void publish(LogRecord r) {
            records.add(r);
        }

        synchronized Throwable causeFor(String kind) {
            Throwable found = null;
            for (LogRecord r : records) {
                if (r.getThrown() != null && r.getLoggerName() != null
                        && r.getLoggerName().startsWith("dev.ludovic.netlib." + kind + ".")
                        && r.getMessage() != null && r.getMessage().contains("JNI")) {
                    found = r.getThrown();
                }
            }
            return found;
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    }
}
