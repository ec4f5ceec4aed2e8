package dev.morse.simd;

import java.util.Locale;
import java.util.Objects;
import java.util.function.IntSupplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Chooses the {@link Kernels} implementation once per JVM.
 *
 * <p>Backend order: the Vector API kernels when {@code jdk.incubator.vector} is in the boot layer,
 * its preferred double species has at least two lanes and the JVM has a JIT (not {@code -Xint});
 * otherwise the scalar kernels, after one {@code WARNING} that names the fix (usually
 * {@code --add-modules jdk.incubator.vector}). The system
 * property {@value #PROPERTY} overrides the choice:
 * <ul>
 *   <li>{@code auto} (default): as above;</li>
 *   <li>{@code vector}: the Vector API kernels; if they are unavailable, {@link #get()} throws
 *       {@link IllegalStateException} (an explicit request is never silently downgraded);</li>
 *   <li>{@code scalar}: the scalar kernels; the Vector API is never touched.</li>
 * </ul>
 * The decision and its reason are visible through {@link #selectionReason()},
 * {@link #vectorBitSize()} and {@link #speciesName()} for diagnostics reports.
 *
 * <p>Nothing here fails in a static initializer: the module check runs before any class that
 * imports {@code jdk.incubator.vector} is loaded, and the vector classes are reached only through
 * the nested {@code VectorHolder}, which is initialized after that check.
 */
public final class KernelProvider {

    /** System property that overrides the backend: {@code auto} | {@code vector} | {@code scalar}. */
    public static final String PROPERTY = "morse.simd";

    /** Name of the incubating Vector API module. */
    static final String VECTOR_MODULE = "jdk.incubator.vector";

    private static final Logger LOG = Logger.getLogger(KernelProvider.class.getName());

    private static final ScalarKernels SCALAR = new ScalarKernels();

    /** The resolved selection; written once under the class lock, then read without it. */
    private static volatile Selection selected;

    private KernelProvider() {
    }

    /** Which implementation a {@link Decision} picks. */
    enum Backend { SCALAR, VECTOR }

    /**
     * Outcome of the pure selection logic: the backend, a human-readable reason, the warning to
     * log (null when none), the bit size of the vector species (0 for scalar) and whether the
     * property forced the backend.
     */
    record Decision(Backend backend, String reason, String warning, int bitSize, boolean forced) {
    }

    /** A materialized selection: the kernels plus what the diagnostics report shows. */
    private record Selection(Kernels kernels, String reason, int bitSize, String speciesName) {
    }

    /**
     * The kernels for this JVM, selected on first use and cached.
     *
     * @throws IllegalStateException if {@code -Dmorse.simd=vector} was given and the Vector API
     *         is unavailable
     */
    public static Kernels get() {
        return selection().kernels();
    }

    /** The scalar kernels (always available; the test oracle). */
    public static Kernels scalar() {
        return SCALAR;
    }

    /**
     * The Vector API kernels, regardless of the property.
     *
     * @throws IllegalStateException if {@code jdk.incubator.vector} is not in the boot layer
     *         (run with {@code --add-modules jdk.incubator.vector}) or cannot be initialized
     */
    public static Kernels vector() {
        if (!vectorModulePresent()) {
            throw new IllegalStateException("Vector API unavailable: module " + VECTOR_MODULE
                    + " is not in the boot layer; run the JVM with --add-modules " + VECTOR_MODULE);
        }
        try {
            return VectorHolder.INSTANCE;
        } catch (LinkageError e) {
            throw new IllegalStateException("Vector API unavailable: " + e
                    + "; run the JVM with --add-modules " + VECTOR_MODULE, e);
        }
    }

    /** Why {@link #get()} chose its backend, e.g. {@code "vector API present, 256-bit"}. */
    public static String selectionReason() {
        return selection().reason();
    }

    /** Bit size of the vector species in use, or 0 when the scalar kernels were chosen. */
    public static int vectorBitSize() {
        return selection().bitSize();
    }

    /** Vector species in use (e.g. {@code "Species[double, 4, S_256_BIT]"}), or {@code "none"} for scalar. */
    public static String speciesName() {
        return selection().speciesName();
    }

    private static Selection selection() {
        Selection s = selected;
        if (s == null) {
            synchronized (KernelProvider.class) {
                s = selected;
                if (s == null) {
                    s = resolve();
                    selected = s;
                }
            }
        }
        return s;
    }

    private static Selection resolve() {
        Decision d = decide(System.getProperty(PROPERTY), vectorModulePresent(), interpreterOnly(),
                KernelProvider::preferredBitSize);
        String warning = d.warning();
        Selection s = new Selection(SCALAR, d.reason(), 0, "none");
        if (d.backend() == Backend.VECTOR) {
            try {
                Kernels kernels = VectorHolder.INSTANCE;
                JitInlining.Status jit = VectorHolder.JIT;
                if (jit.warning() != null) {
                    warning = warning == null ? jit.warning() : warning + " " + jit.warning();
                }
                s = new Selection(kernels, d.reason() + "; " + jit.status(), d.bitSize(), VectorSpeciesHolder.name());
            } catch (LinkageError e) {
                if (d.forced()) {
                    throw new IllegalStateException("-D" + PROPERTY + "=vector but the vector kernels failed to load: "
                            + e + "; run the JVM with --add-modules " + VECTOR_MODULE, e);
                }
                warning = "Morse SIMD kernels failed to load (" + e + "); using scalar kernels. "
                        + "Fix: run the JVM with --add-modules " + VECTOR_MODULE;
                s = new Selection(SCALAR, "scalar fallback: vector kernels failed to load: " + e, 0, "none");
            }
        }
        if (warning != null) {
            LOG.log(Level.WARNING, warning);
        }
        return s;
    }

    /**
     * The selection logic as a pure function, so tests can drive it with explicit inputs instead
     * of mutating JVM-global state.
     *
     * @param property          value of {@value #PROPERTY}, or null when unset (= auto)
     * @param modulePresent     whether {@code jdk.incubator.vector} is in the boot layer
     * @param interpreterOnly   whether the JVM runs without a JIT ({@code -Xint}): Vector API code
     *                          then runs as boxed Java fallbacks, far slower than plain loops, so
     *                          auto picks scalar (an explicit {@code vector} is still honoured)
     * @param preferredBitSize  bit size of the preferred double species; called only when the
     *                          module is present and the vector backend is being considered; it
     *                          may throw {@link LinkageError} or {@link RuntimeException}, which
     *                          count as "unavailable"
     * @throws IllegalStateException for {@code vector} when the Vector API is unavailable (an
     *         unknown value is treated as {@code auto}, with a warning)
     */
    static Decision decide(String property, boolean modulePresent, boolean interpreterOnly, IntSupplier preferredBitSize) {
        Objects.requireNonNull(preferredBitSize, "preferredBitSize");
        String mode = property == null ? "auto" : property.trim().toLowerCase(Locale.ROOT);
        String typo = null;
        switch (mode) {
            case "scalar":
                return new Decision(Backend.SCALAR, "forced by -D" + PROPERTY + "=scalar", null, 0, true);
            case "auto":
            case "":
            case "vector":
                break;
            default:
                // A typo should not crash a run, and it is not an explicit request for vector: say so, then auto.
                typo = "unknown -D" + PROPERTY + "=" + property + " (expected auto, vector or scalar); using auto. ";
                mode = "auto";
        }
        boolean forced = mode.equals("vector");
        String unavailable;
        int bits = 0;
        if (!modulePresent) {
            unavailable = "module " + VECTOR_MODULE + " is not in the boot layer";
        } else if (interpreterOnly && !forced) {
            String warning = (typo == null ? "" : typo) + "Morse SIMD kernels disabled: the JVM runs interpreted only "
                    + "(-Xint), where Vector API code is slower than scalar loops; using scalar kernels. "
                    + "Fix: drop -Xint (or set -D" + PROPERTY + "=scalar to silence this warning).";
            return new Decision(Backend.SCALAR, "scalar fallback: JVM runs interpreted only (-Xint)", warning, 0, false);
        } else {
            try {
                bits = preferredBitSize.getAsInt();
                unavailable = bits >= 2 * Double.SIZE ? null
                        : "preferred double species is " + bits + "-bit (fewer than 2 lanes)";
            } catch (LinkageError | RuntimeException e) {
                unavailable = "Vector API failed to initialize: " + e;
            }
        }
        if (unavailable == null) {
            String reason = forced
                    ? "forced by -D" + PROPERTY + "=vector, " + bits + "-bit"
                    : "vector API present, " + bits + "-bit";
            return new Decision(Backend.VECTOR, reason, typo, bits, forced);
        }
        if (forced) {
            throw new IllegalStateException("-D" + PROPERTY + "=vector but the Vector API is unavailable: "
                    + unavailable + "; run the JVM with --add-modules " + VECTOR_MODULE);
        }
        String warning = (typo == null ? "" : typo) + "Morse SIMD kernels disabled (" + unavailable + "); using scalar kernels, "
                + "several times slower. Fix: run the JVM with --add-modules " + VECTOR_MODULE
                + " (or set -D" + PROPERTY + "=scalar to silence this warning).";
        return new Decision(Backend.SCALAR, "scalar fallback: " + unavailable, warning, 0, false);
    }

    /** Whether the incubator module was resolved into the boot layer (i.e. --add-modules was given). */
    static boolean vectorModulePresent() {
        return ModuleLayer.boot().findModule(VECTOR_MODULE).isPresent();
    }

    /** Whether the JVM has no JIT compiler (-Xint); HotSpot reports it in java.vm.info. */
    static boolean interpreterOnly() {
        return System.getProperty("java.vm.info", "").contains("interpreted mode");
    }

    /** Touches the species holder; only called after {@link #vectorModulePresent()} returned true. */
    private static int preferredBitSize() {
        return VectorSpeciesHolder.bitSize();
    }

    /**
     * Lazily creates the vector kernels. A separate class so that neither loading nor verifying
     * {@link KernelProvider} requires the incubator module.
     */
    private static final class VectorHolder {
        /** First: the inlining rule must be in place before C2 compiles any kernel (see JitInlining). */
        static final JitInlining.Status JIT = JitInlining.ensure();
        static final Kernels INSTANCE = new VectorKernels();
    }
}
