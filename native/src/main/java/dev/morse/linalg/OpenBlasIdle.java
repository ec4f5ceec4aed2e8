package dev.morse.linalg;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.Locale;
import java.util.Optional;

/**
 * How long OpenBLAS's idle pool threads spin before they sleep, set before the library loads.
 *
 * <p><b>Why.</b> After every multi-threaded call, OpenBLAS's pool threads busy-wait for the next
 * one for {@code 2^OPENBLAS_THREAD_TIMEOUT} time-stamp-counter ticks, 2^28 by default: about
 * 0.1 s at 2–3 GHz. Morse alternates dense work on all cores (a basis sweep of Lanczos, a
 * factorization, an eigendecomposition) with engine products whose workers call OpenBLAS on one
 * thread each. For those 0.1 s the spinning threads hold the cores the engine's workers need:
 * measured on 2 vCPUs of an Intel Xeon (784-256-256-10, N = 1024, H·v right after a 2-thread
 * {@code dgemv} over 40 Krylov vectors), the products took 40–53 ms against 25–31 ms with the
 * threads put to sleep at once; inside Lanczos, the four or five products after each thick
 * restart ran at half speed. With 2^20 ticks (≈ 0.3–0.5 ms) the pool still stays awake
 * between the back-to-back BLAS calls of one LAPACK routine, and is asleep before the engine's
 * next product.
 *
 * <p>OpenBLAS reads the variable once, when the library initializes, so this runs before the
 * bundled or system library is loaded ({@link NetlibLoader}). A value the user already set in
 * the environment wins (a blank one counts as unset: OpenBLAS would read it as its default). Linux and other POSIX systems ({@code setenv} from the C library);
 * elsewhere nothing is set and {@link #describe()} says so.
 */
final class OpenBlasIdle {

    /** OpenBLAS's environment variable: idle threads spin 2^value ticks (OpenBLAS clamps it to 4..30). */
    static final String VARIABLE = "OPENBLAS_THREAD_TIMEOUT";

    /** Morse's value: 2^20 ticks. */
    static final int EXPONENT = 20;

    private static volatile String described;

    private OpenBlasIdle() {
    }

    /**
     * Sets {@value #VARIABLE} to {@value #EXPONENT} unless the environment already has it; idempotent.
     * Returns the description {@link #describe()} gives from then on. Never throws.
     */
    static synchronized String apply() {
        if (described != null) {
            return described;
        }
        String user = System.getenv(VARIABLE);
        if (user != null && !user.isBlank()) {
            described = VARIABLE + "=" + user + " from the environment (idle OpenBLAS threads spin 2^" + user.trim() + " ticks)";
            return described;
        }
        // OpenBLAS reads the variable when it initializes: one loaded already (by another library
        // in this process) keeps its default.
        for (java.nio.file.Path f : BundledOpenBlas.mappedFiles()) {
            java.nio.file.Path name = f.getFileName();
            if (name != null && name.toString().contains("openblas")) {
                described = VARIABLE + " not set: OpenBLAS was already loaded (" + f + "), its idle threads spin ≈ 0.1 s after each"
                        + " multi-threaded call; set " + VARIABLE + "=" + EXPONENT + " in the environment";
                return described;
            }
        }
        String failure = setenv(VARIABLE, Integer.toString(EXPONENT), user != null);
        described = failure == null
                ? VARIABLE + "=" + EXPONENT + " set by Morse before loading: idle OpenBLAS threads sleep after 2^" + EXPONENT
                        + " ticks instead of spinning 2^28 (≈ 0.1 s) on the cores the engine's workers need"
                : VARIABLE + " not set (" + failure + "): idle OpenBLAS threads spin ≈ 0.1 s after each multi-threaded call";
        return described;
    }

    /** What {@link #apply()} did, or that it has not run. */
    static String describe() {
        String d = described;
        return d == null ? VARIABLE + ": not applied (no native library was loaded)" : d;
    }

    /** The C library's {@code setenv(name, value, overwrite)}: null on success, else why not. */
    private static String setenv(String name, String value, boolean overwrite) {
        if (System.getProperty("os.name", "").toLowerCase(Locale.ROOT).startsWith("windows")) {
            return "no setenv on Windows";
        }
        try {
            Linker linker = Linker.nativeLinker();
            Optional<MemorySegment> symbol = linker.defaultLookup().find("setenv");
            if (symbol.isEmpty()) {
                return "the C library has no setenv";
            }
            MethodHandle setenv = linker.downcallHandle(symbol.get(),
                    FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
            try (Arena arena = Arena.ofConfined()) {
                int rc = (int) setenv.invokeExact(arena.allocateFrom(name), arena.allocateFrom(value), overwrite ? 1 : 0);
                return rc == 0 ? null : "setenv returned " + rc;
            }
        } catch (Throwable t) {
            return "setenv failed: " + t;
        }
    }
}
