package dev.morse.cli;

import dev.morse.linalg.MemoryGuard;
import java.util.Locale;

/**
 * Memory plans of the commands, estimated before the work (exit 4 with the estimate and advice
 * that fits the command), and the advice an {@link OutOfMemoryError} gets if one still happens:
 * the advice of the last phase estimated, not always "use the matrix-free methods".
 *
 * <p>Estimates count 8 bytes per double, the arrays the engine allocates for the phase (sizes
 * taken from its code: Lanczos basis (m+1)·P, SLQ nodes and weights probes·m, Hutch++ sketches
 * 4·s·P, L-BFGS pairs 2·history·P, dense matrices P²) and, for the report, about 32 bytes per
 * number written.
 */
final class Estimates {
    private Estimates() {}

    static final String HEAP = "raise the heap with MORSE_JAVA_OPTS=-Xmx… (bin/morse passes it to the JVM)";

    /** Bytes of text per number in a JSON report (digits, comma, indentation, builder growth). */
    static final double REPORT_BYTES_PER_NUMBER = 32;

    private static final ThreadLocal<String> ADVICE = ThreadLocal.withInitial(() -> HEAP);

    /** Advice for an OutOfMemoryError now: the last plan's, else "raise the heap". */
    static String advice() {
        return ADVICE.get();
    }

    /** A command starts: no plan yet. */
    static void reset() {
        ADVICE.set(HEAP);
    }

    /** Records the phase's advice, then checks the plan. */
    static void check(String what, double largestArray, double bytes, String advice) {
        String a = advice.endsWith(".") ? advice : advice + ".";
        ADVICE.set(a);
        MemoryGuard.check(what, largestArray, bytes, a);
    }

    static String count(double x) {
        if (x < 1e6) return Long.toString((long) x);
        return String.format(Locale.ROOT, "%.2g", x).replace("e+0", "e").replace("e+", "e");
    }

    /** The basis size the engine's Lanczos uses (Lanczos.run): given, or max(2k'+20, 40), at most P. */
    static int lanczosBasis(int p, int wanted, int basis) {
        int m = basis > 0 ? basis : Math.max(2 * wanted + 20, 40);
        return Math.min(m, p);
    }

    /**
     * spectrum --method lanczos: the basis, the projected matrix, kept Ritz vectors and the saved
     * vectors (a basis too small for k is refused before, by spectrum's checkOptions).
     */
    static void lanczos(int p, int k, boolean both, int basis, boolean vectors) {
        int wanted = (int) Math.min(p, both ? 2L * k : k);
        int m = lanczosBasis(p, wanted, basis);
        double doubles = (m + 1.0) * p + (double) m * m + (double) wanted * p + (vectors ? (double) wanted * p : 0);
        check("Lanczos (basis of m+1 = " + (m + 1) + " vectors of length P = " + p + (vectors ? ", " + wanted + " Ritz vectors saved" : "") + ")",
                Math.max((m + 1.0) * p, (double) wanted * p), 8 * doubles,
                "Lower --k (" + k + ") or --basis (m = " + m + "), or " + HEAP);
    }

    /** density: the Lanczos basis per probe, nodes and weights of all probes, the grid, and the report. */
    static void density(int p, int probes, int steps, int grid, boolean report) {
        int m = Math.min(steps, p);
        double nodes = (double) probes * m;
        double doubles = (m + 1.0) * p + 2 * nodes + 2.0 * grid + 3.0 * p;
        double text = report ? REPORT_BYTES_PER_NUMBER * (2.0 * grid + 2 * nodes) : 0;
        check("SLQ density (" + count(probes) + " probes × " + m + " steps: " + count(nodes) + " nodes; " + count(grid) + " grid points"
                        + (report ? ", written to the report" : "") + ")",
                Math.max(Math.max((m + 1.0) * p, nodes), grid), 8 * doubles + text,
                "Lower --grid (" + grid + "), --probes (" + probes + ") or --steps (" + steps + "), or " + HEAP);
    }

    /** trace --method hutchpp: the sketch S, A·S, its orthonormal basis Q and A·Q. */
    static void hutchpp(int p, int products) {
        int s = Math.min(products / 3, p);
        check("Hutch++ (sketch of " + s + " vectors of length P = " + p + ")", (double) s * p, 8 * 4.0 * s * p,
                "Lower --probes (" + products + "), or use --method hutchinson (memory 2·P), or " + HEAP);
    }

    /** L-BFGS: 2·history vectors of length P (the history the engine gets: at most the iterations). */
    static void lbfgs(int p, int history) {
        check("L-BFGS memory (2 × " + history + " vectors of length P = " + p + ")", p, 8 * 2.0 * history * p,
                "Lower --history (" + history + "; 5 to 50 is usual), or " + HEAP);
    }

    /** Dense Newton: the Hessian, its eigenvectors and LAPACK's workspace. */
    static void denseNewton(int p) {
        check("dense Newton (P×P Hessian and eigenvectors, P = " + p + ")", (double) p * p, 8 * 3.0 * p * p,
                "Use --optimizer lbfgs, or " + HEAP);
    }

    /** The Morse report's dense spectra: H, G and M, and LAPACK's workspace. */
    static void morseDense(int p, int denseLimit, boolean spectra) {
        if (p > denseLimit) return;
        if (spectra) {
            check("the Morse report with --spectra (dense H, G and M, P = " + p + ")", (double) p * p, dev.morse.analysis.MorseReport.denseBytes(p, true),
                    "Leave out --spectra (the counts need one P×P matrix), lower --dense-limit below P = " + p
                            + " (and leave out --spectra) for the extreme eigenvalues only (Lanczos; no counts), or " + HEAP);
        } else {
            // One P×P buffer (a second one, for speed, only when it fits) and two column blocks.
            check("the Morse report (one dense P×P Hessian, P = " + p + ")", (double) p * p, dev.morse.analysis.MorseReport.denseBytes(p, false),
                    "Lower --dense-limit below P = " + p + " for the extreme eigenvalues only (Lanczos; no counts), or " + HEAP);
        }
    }

    /** θ, its gradient and the few P-vectors every command holds. */
    static void parameters(String model, int p) {
        check("the model " + model + " (P = " + count(p) + " parameters: θ, the gradient and work vectors)", p, 8 * 6.0 * p,
                "Use a smaller --model, or " + HEAP);
    }

    /** A built-in data set of n samples: inputs n·d, scores and targets n·C (twice while they are drawn). */
    static void data(String spec, long n, int d, int c) {
        double x = (double) n * d, y = (double) n * c;
        check("--data " + spec + " (" + count(n) + " samples × (d0 = " + d + " inputs + C = " + c + " outputs))", Math.max(x, y),
                8 * (2 * x + 3 * y), "Lower n in --data " + spec + ", or " + HEAP);
    }
}
