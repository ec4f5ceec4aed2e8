package dev.morse.simd;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import javax.management.ObjectName;

/**
 * Makes C2 inline {@link VectorMath} into the kernel loops that call it, whatever order the JIT
 * compiles them in.
 *
 * <h2>Why</h2>
 * The vector math functions (tanh, exp, expm1, log1p, and the lane sum of the reductions), the
 * simd module's only helpers that take or return {@code DoubleVector}s, live in VectorMath. Inlined
 * into a kernel's loop they become a few dozen AVX instructions; left out of line, every call boxes
 * its vectors, and when C2 compiled the callee on its own the Vector API may even run its Java
 * fallback (a {@code double[]} per operation). C2 refuses to inline a callee that is already compiled
 * to more than {@code InlineSmallCode} bytes ("already compiled into a big method"). A helper is hot
 * before its caller's loop is compiled, so whether it got big first is a race between compiler
 * threads: measured on a 2-vCPU Xeon, about one JVM in ten (more when the cores are busy at start-up)
 * ran the gradient of 100-100-100-10 (N = 256) at 3.0–3.4 ms per call instead of 0.6–0.8 ms, for as
 * long as it lived, with its time in the boxed fallback.
 *
 * <h2>How</h2>
 * A force-inline rule for {@code VectorMath}'s methods, which overrides that size limit:
 * <ul>
 *   <li>Morse's launchers ({@code bin/morse}, and {@code bench/run}, whose JMH forks inherit it)
 *       pass it on the command line: {@value #FLAG} (after {@code -XX:CompileCommand=quiet}, which
 *       keeps the JVM from announcing it on standard output). It applies to C1 and C2, in every
 *       compilation.</li>
 *   <li>Anywhere else (Morse embedded in another application; also the tests and Spark executors,
 *       which run this path for real) the rule is added at run time as a compiler directive,
 *       through the JVM's {@code DiagnosticCommand} MBean, before the vector kernels are created
 *       (about 0.25 s once per JVM, for the platform MBean server). Directives apply to
 *       compilations that start after them, which is why it happens here. The directive is
 *       narrower than the flag: C2 only, in compilations of Morse's own methods
 *       ({@code dev/morse/*}). Side effects there, by HotSpot's rules: a directive with an inline
 *       rule replaces the command line's {@code -XX:CompileCommand=inline/dontinline} for the
 *       methods it matches, and it sits above any directive the application added for them.
 *       Each class loader that loads Morse adds one (the JVM keeps at most
 *       {@code CompilerDirectivesLimit}, 50 by default).</li>
 * </ul>
 * {@code -D}{@value #PROPERTY}{@code =off} skips the directive. When neither the flag nor the
 * directive is in place the kernels still give the same results; the status says so, with the
 * fix, and {@link KernelProvider} logs it as a WARNING.
 */
final class JitInlining {

    /** System property: {@code off} skips the run-time directive. */
    static final String PROPERTY = "morse.simd.inline";

    /** The command-line rule (HotSpot's CompileCommand syntax). */
    static final String FLAG = "-XX:CompileCommand=inline,dev.morse.simd.VectorMath::*";

    /**
     * The same rule as a compiler directive: for every method of Morse that C2 compiles (a kernel,
     * or engine code a kernel was inlined into), inline VectorMath's methods. C1 is left alone: its
     * code is short-lived and runs the Vector API's Java fallback either way.
     */
    static final String DIRECTIVE = "[{ match: \"dev/morse/*.*\", c2: { inline: \"+dev/morse/simd/VectorMath.*\" } }]";

    private JitInlining() {
    }

    /**
     * What inlines VectorMath in this JVM, in words.
     *
     * @param status  the text for diagnostics
     * @param warning null when VectorMath is inlined; else why not, with the fix
     */
    record Status(String status, String warning) {
    }

    /** Makes sure the rule is in place (the flag, else a directive) and says which. Never throws. */
    static Status ensure() {
        List<String> args;
        try {
            args = ManagementFactory.getRuntimeMXBean().getInputArguments();
        } catch (LinkageError | RuntimeException e) {
            args = null;
        }
        return decide(args, System.getProperty(PROPERTY), JitInlining::addDirective);
    }

    /** Adds {@link #DIRECTIVE}; returns null when added, else why not. */
    interface DirectiveAdder {
        String add();
    }

    /** The decision as a pure function of the JVM's arguments and the property (tests drive it). */
    static Status decide(List<String> jvmArgs, String property, DirectiveAdder adder) {
        String fix = "run the JVM with -XX:CompileCommand=quiet " + FLAG;
        if (jvmArgs != null && jvmArgs.stream().anyMatch(JitInlining::isInlineRule)) {
            return new Status("VectorMath inlined (" + FLAG + ")", null);
        }
        if (property != null && property.trim().toLowerCase(Locale.ROOT).equals("off")) {
            return new Status("VectorMath inlining left to the JIT's heuristics (-D" + PROPERTY + "=off)",
                    "Morse's vector math may run out of line, several times slower, in some JVMs (-D" + PROPERTY
                            + "=off and no " + FLAG + "). Fix: " + fix + ".");
        }
        String failure = adder.add();
        if (failure == null) {
            return new Status("VectorMath inlined (compiler directive added at run time)", null);
        }
        return new Status("VectorMath inlining left to the JIT's heuristics (" + failure + ")",
                "Morse could not add its compiler directive (" + failure + "); its vector math may run out of line, "
                        + "several times slower, in some JVMs. Fix: " + fix + ".");
    }

    /** A CompileCommand that force-inlines VectorMath, in either of HotSpot's spellings of the method pattern. */
    static boolean isInlineRule(String arg) {
        return arg.startsWith("-XX:CompileCommand=inline,") && (arg.contains("dev.morse.simd.VectorMath") || arg.contains("dev/morse/simd/VectorMath"));
    }

    private static String addDirective() {
        Path file = null;
        try {
            file = Files.createTempFile("morse-jit-", ".json");
            Files.writeString(file, DIRECTIVE);
            Object out = ManagementFactory.getPlatformMBeanServer().invoke(
                    new ObjectName("com.sun.management:type=DiagnosticCommand"), "compilerDirectivesAdd",
                    new Object[] {new String[] {file.toString()}}, new String[] {String[].class.getName()});
            String text = String.valueOf(out).trim();
            return text.contains("1 compiler directives added") ? null : "compilerDirectivesAdd said: " + text;
        } catch (Exception | LinkageError e) {
            return "compilerDirectivesAdd failed: " + e;
        } finally {
            if (file != null) {
                try {
                    Files.deleteIfExists(file);
                } catch (Exception ignored) {
                    // A temporary file left behind is harmless.
                }
            }
        }
    }
}
