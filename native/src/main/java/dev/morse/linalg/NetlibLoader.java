package dev.morse.linalg;

import dev.ludovic.netlib.blas.BLAS;
import dev.ludovic.netlib.blas.NativeBLAS;
import dev.ludovic.netlib.lapack.JavaLAPACK;
import dev.ludovic.netlib.lapack.LAPACK;
import dev.ludovic.netlib.lapack.NativeLAPACK;
import java.lang.foreign.Arena;
import java.lang.foreign.SymbolLookup;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * The one place that asks dev.ludovic.netlib for its BLAS/LAPACK instances, once per JVM.
 *
 * <p>netlib's own {@code InstanceBuilder}s try the JNI backend in their static initializers and,
 * when it fails, log the cause only at {@code FINE} and then throw a bare
 * {@code "Unable to load native implementation"}. To report <em>why</em>, this class listens on
 * netlib's loggers at {@code FINE} while the builders initialize and keeps the logged cause. It
 * also keeps netlib's {@code INFO "Using ...JNIBLAS"} lines off the console: Morse reports its own
 * choice ({@link Linalg#selectionReason()}), once. Nothing here throws: failures become reasons.
 *
 * <p>Native means both BLAS and LAPACK: netlib's JNI wrappers {@code dlopen} {@code libblas.so.3}
 * and {@code liblapack.so.3} (Debian alternatives; OpenBLAS provides both).
 */
final class NetlibLoader {

    /** The fix named in every "native did not load" message. */
    static final String FIX = "apt-get install libopenblas0-pthread liblapack3";

    /**
     * What loading produced.
     *
     * @param nativeBlas    the JNI BLAS, or null
     * @param nativeLapack  the JNI LAPACK, or null
     * @param nativeFailure why native is unusable (null when both loaded)
     * @param javaLapack    netlib's pure-Java LAPACK (F2j), or null
     * @param javaFailure   why the Java LAPACK is unusable (null when it loaded)
     */
    record State(BLAS nativeBlas, LAPACK nativeLapack, String nativeFailure, LAPACK javaLapack, String javaFailure) {
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

    private static State load() {
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
            try {
                nativeLapack = NativeLAPACK.getInstance();
            } catch (Throwable t) {
                failures.add("LAPACK: " + cause(t, capture.causeFor("lapack"), "lapack", "liblapack.so.3"));
            }
            LAPACK javaLapack = null;
            String javaFailure = null;
            try {
                javaLapack = JavaLAPACK.getInstance();
            } catch (Throwable t) {
                javaFailure = "netlib's Java LAPACK did not load: " + t;
            }
            try {
                nativeBlas = NativeBLAS.getInstance();
            } catch (Throwable t) {
                failures.add("BLAS: " + cause(t, capture.causeFor("blas"), "blas", "libblas.so.3"));
            }
            String nativeFailure = failures.isEmpty() ? null : String.join("; ", failures);
            return new State(nativeFailure == null ? nativeBlas : null, nativeFailure == null ? nativeLapack : null,
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
            String lib = System.getProperty("dev.ludovic.netlib." + kind + ".nativeLib", defaultLib);
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
