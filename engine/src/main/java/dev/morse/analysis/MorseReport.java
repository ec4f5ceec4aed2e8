package dev.morse.analysis;

import dev.morse.engine.Evaluator;
import dev.morse.engine.FlopModel;
import dev.morse.linalg.MemoryGuard;
import dev.morse.linalg.Progress;
import java.util.Map;
import java.util.Objects;

/**
 * The Morse check at a point (SPEC §6): is θ critical, and is the Hessian of L_R nondegenerate
 * there? With τ = c·P·ε_mach·s (c = 10 by default, ε_mach = 2⁻⁵²) or an absolute tolerance,
 * index = #{λ < −τ}, nullity = #{|λ| ≤ τ}, positive = #{λ > τ}; the point is nondegenerate
 * (Morse at this point) iff nullity = 0. Also the G/M split of the data Hessian: traces and
 * ‖M‖_F/‖H‖_F (and, on request, the full spectra).
 *
 * <h2>Methods</h2>
 * <ul>
 *   <li><b>inertia</b> (the default up to {@link Options#denseLimit()}): the counts from
 *       Bunch–Kaufman LDLᵀ factorizations ({@code dsytrf}, n³/3 flops each), by Sylvester's law
 *       of inertia: index = the negative pivots of H + τI, positive = the positive pivots of
 *       H − τI, nullity = P − index − positive ({@link EigenvalueCounts#ofInertia}). H − τI comes
 *       first: when every eigenvalue exceeds τ (a nondegenerate minimum) that one factorization
 *       settles index = nullity = 0. Unless a short Lanczos probe has already found an eigenvalue
 *       below −τ, it is tried as a Cholesky factorization ({@code dpotrf}, faster than LDLᵀ, whose
 *       Bunch–Kaufman panels are level-2 BLAS). A breakdown costs
 *       the copy of H back when two P×P buffers fit; with one buffer it costs an assembly of H, and
 *       a point whose smallest eigenvalue lies in [−τ, τ] (a degenerate minimum) then takes three
 *       assemblies: the Cholesky attempt, LDLᵀ of H − τI, LDLᵀ of H + τI. The
 *       eigenvalues nearest zero, min |λ| and min |λ|/τ come from shift-invert Lanczos on the
 *       factor of H − τI (the eigenvalues of (H − τI)⁻¹ largest in magnitude, solved by
 *       {@code dsytrs}), each with its residual ‖Hy − λy‖ from exact Hessian products; the
 *       {@value #INERTIA_EXTREMES} extremes at each end of H's spectrum from Lanczos on the Hessian
 *       products (at a point of index 0, the bottom ones are the nearest-zero ones). Memory: one
 *       P×P buffer, assembled, factored in place, and assembled again for the second shift when
 *       one is needed; or two buffers, whose LDLᵀ factorizations run at the same time on two
 *       threads, when the heap holds both ({@link #memoryPlan()} says what happened).
 *   <li><b>dense</b> ({@link Options#spectra()}): the full spectra of H, G and M by LAPACK
 *       ({@code dsyevd}), three P×P matrices; the counts from the eigenvalues.
 *   <li><b>lanczos</b> (P above the dense limit): the extremes only; the counts are then not
 *       available and the report says so ({@code countsExact = false}, counts −1).
 * </ul>
 * The methods count for matrices within rounding of H (backward-stable LDLᵀ and eigensolvers):
 * they agree except for eigenvalues within that rounding of ±τ.
 *
 * <h2>The scale s of τ</h2>
 * s is the scale of the matrix as assembled (SPEC §6). When every term's Hessian part is a
 * constant diagonal, H is assembled as G + M + R″ from the two dense parts (column block by
 * column block, {@link DenseHessian}) and s = ‖G‖₂ + ‖M‖₂ + ‖R″‖₂: where G and M nearly cancel
 * (large-residual saddles) the rounding error of the sum scales with ‖G‖ + ‖M‖, not with ‖H‖.
 * Otherwise (the multiplicative term) H is formed by one product per column and s = ‖H‖₂.
 *
 * <p>{@link #regularizerNorm()} is ‖R″‖₂, the largest |entry| of the terms' constant diagonal
 * Hessian part (0 without terms), the third summand of s. It is NaN, "not defined here", when a
 * term's Hessian part is not a constant diagonal (the multiplicative regularizer, whose part
 * (1+ε‖θ‖²)H + 2ε(θgᵀ + gθᵀ) + 2εL·I depends on θ and on H, SPEC §4): s is then ‖H‖₂
 * ({@link #tauScaleSource()} = "hessian") and ‖R″‖₂ enters nothing. The CLI writes it as null.
 * Without the full spectra the norms come from Lanczos on the exact products: ‖G‖₂ = max |λ(G)|,
 * ‖M‖₂ = max |λ(M)| and ‖H‖₂ from the extreme Ritz values, converged to a relative residual of
 * 1e-8 ({@link #normSource()} = "lanczos"); a Ritz value lies within its residual of an
 * eigenvalue, so τ is known to about that relative accuracy, which moves no count except for
 * an eigenvalue within 1e-8·τ of ±τ.
 *
 * <p>This record holds a report and reads it ({@link #verdict()}); {@link MorseCheck} runs the
 * methods above and fills it.
 */
public record MorseReport(
        int parameters,
        double loss,
        double gradientNorm,
        double gradTol,
        boolean critical,
        String method,
        double hessianNorm,
        double ggnNorm,
        double nmeNorm,
        double regularizerNorm,
        String normSource,
        String tauScaleSource,
        double tauScale,
        double tauFactor,
        double absoluteTolerance,
        double tau,
        int index,
        int nullity,
        int positive,
        boolean countsExact,
        boolean converged,
        double minAbsEigenvalue,
        double minAbsOverTau,
        double[] eigenvalues,
        double[] extremes,
        double[] extremeResiduals,
        double[] nearestZero,
        double[] nearestZeroResiduals,
        double[] ggnEigenvalues,
        double[] nmeEigenvalues,
        double traceHessian,
        double traceGgn,
        double traceNme,
        double nmeToHessianFrobenius,
        String memoryPlan,
        Map<String, Double> timings,
        double materializeFlops,
        String warning) {

    /** Machine epsilon of float64, 2⁻⁵². */
    public static final double EPS = EigenvalueCounts.EPS;

    /** Relative residual to which the Lanczos runs of the report converge. */
    public static final double LANCZOS_TOL = 1e-8;

    /** Eigenvalues the inertia method reports at each end of H's spectrum (the full spectra and the lanczos method report {@link Options#nearest()}). */
    public static final int INERTIA_EXTREMES = 3;

    /**
     * GFLOP/s of the dense assembly: {@link #materializeFlops()} (the flops executed: the first
     * layer's Kronecker GEMMs, {@link FlopModel#denseColumn} for the other columns) over the
     * "materialize" time, NaN without one.
     */
    public double materializeGflops() {
        Double t = timings.get("materialize");
        return t == null || t <= 0 || materializeFlops <= 0 ? Double.NaN : materializeFlops / t / 1e9;
    }

    /**
     * Nondegenerate (Morse at this point): a critical point with nullity = 0, when the counts are
     * exact. False at a point that failed the gradient test, whatever its counts: the property is
     * one of critical points (SPEC §6).
     */
    public boolean nondegenerate() {
        return critical && countsExact && nullity == 0;
    }

    /**
     * H = 0 exactly, from the counts: τ = 0 (s = 0) and every eigenvalue counted in the zero band
     * {0}. The inertia method then factors nothing and its nearest-zero values are 0 with the unit
     * vectors as eigenvectors (no shift-invert).
     */
    public boolean zeroHessian() {
        return countsExact && tau == 0 && nullity == parameters;
    }

    /**
     * One line a person can read. A point that failed the gradient test is named no kind (minimum,
     * saddle): those are kinds of critical points (SPEC §6), and "MORSE" there would vouch for a
     * point that is not one; its inertia is still given, for information.
     */
    public String verdict() {
        if (!countsExact) {
            return method.equals("lanczos") ? "Counts unavailable above the dense limit (P = " + parameters + "); see the Lanczos extremes."
                    : "Counts unavailable: " + warning;
        }
        return verdict(critical, gradientNorm, gradTol, index, nullity, positive, minAbsOverTau);
    }

    /** {@link #verdict()} from the counts (exact ones). */
    static String verdict(boolean critical, double gradientNorm, double gradTol, int index, int nullity, int positive, double minAbsOverTau) {
        String counts = "nullity " + nullity + ", min |λ|/τ = " + fmt(minAbsOverTau) + ")";
        if (!critical) {
            return "NOT CRITICAL: ‖∇L_R‖ = " + fmt(gradientNorm) + " > grad_tol " + fmt(gradTol) + ", so no Morse verdict; the Hessian here has"
                    + " index " + index + ", positive " + positive + " (" + counts + "; refine to a critical point first";
        }
        String kind = index == 0 && positive == 0 ? "fully degenerate: every eigenvalue lies in the zero band, so second order cannot tell a minimum,"
                + " a maximum or a saddle"
                : index == 0 && nullity == 0 ? "a nondegenerate minimum" : index == 0 ? "a degenerate minimum candidate"
                : positive == 0 && nullity == 0 ? "a nondegenerate maximum" : positive == 0 ? "a degenerate maximum candidate"
                : nullity == 0 ? "a nondegenerate saddle of index " + index : "a degenerate saddle of index " + index;
        return (nullity == 0 ? "MORSE: " : "NOT MORSE: ") + "critical point is " + kind + " (" + counts;
    }

    /**
     * {@link #verdict()}, with a warning after a refinement that ended {@link
     * Trajectory.StopReason#DEGENERATE}. The counts still decide (SPEC §6): Newton also converges
     * only linearly for a long while towards a nondegenerate point whose smallest |λ| is tiny in
     * absolute terms.
     */
    public String verdict(Trajectory refinement) {
        if (!towardsDegenerate(refinement)) return verdict();
        return verdict() + "; WARNING: refinement converged only linearly, as it does towards a degenerate critical point"
                + " (or one whose smallest |λ| is tiny): the counts describe the θ reached, where τ scales with ‖H(θ)‖";
    }

    private static boolean towardsDegenerate(Trajectory refinement) {
        return refinement != null && refinement.reason() == Trajectory.StopReason.DEGENERATE;
    }

    static String fmt(double x) {
        return String.format(java.util.Locale.ROOT, "%.3g", x);
    }

    /**
     * Settings: τ factor c (default 10), absolute tolerance (0: use c·P·ε·s), grad_tol (0: SPEC
     * default), dense limit (the counts need a P×P matrix; default {@value MemoryGuard#MAX_SQUARE_ORDER},
     * the largest one Java array holds: the heap is the real limit, refused with the estimate
     * when short), how many eigenvalues nearest zero (and at each end) to report, the restart
     * limit of the Lanczos runs on H (the shift-invert block Lanczos has its own, smaller budget:
     * {@link NearestZero#RESTARTS}), and whether to compute the full spectra of H, G and M
     * (method "dense": three P×P matrices and three eigendecompositions).
     */
    public record Options(double tauFactor, double absoluteTolerance, double gradTol, int denseLimit, int nearest, int lanczosRestarts,
                          boolean spectra) {
        public Options {
            if (!(tauFactor > 0) || Double.isInfinite(tauFactor)) throw new IllegalArgumentException("τ factor must be finite and > 0, got " + tauFactor);
            if (!(absoluteTolerance >= 0) || Double.isInfinite(absoluteTolerance)) throw new IllegalArgumentException("absolute tolerance must be finite and ≥ 0, got " + absoluteTolerance);
            if (!(gradTol >= 0) || Double.isInfinite(gradTol)) throw new IllegalArgumentException("grad_tol must be finite and ≥ 0, got " + gradTol);
            if (denseLimit < 0 || nearest < 1 || lanczosRestarts < 0) {
                throw new IllegalArgumentException("dense limit ≥ 0, nearest ≥ 1 and Lanczos restarts ≥ 0 expected, got " + denseLimit + ", " + nearest + ", " + lanczosRestarts);
            }
        }

        public static Options defaults() {
            return new Options(10, 0, 0, MemoryGuard.MAX_SQUARE_ORDER, 10, 300, false);
        }

        public Options withDenseLimit(int p) {
            return new Options(tauFactor, absoluteTolerance, gradTol, p, nearest, lanczosRestarts, spectra);
        }

        public Options withLanczosRestarts(int r) {
            return new Options(tauFactor, absoluteTolerance, gradTol, denseLimit, nearest, r, spectra);
        }

        public Options withSpectra(boolean s) {
            return new Options(tauFactor, absoluteTolerance, gradTol, denseLimit, nearest, lanczosRestarts, s);
        }

        public Options withNearest(int k) {
            return new Options(tauFactor, absoluteTolerance, gradTol, denseLimit, k, lanczosRestarts, spectra);
        }
    }

    /** Receives the phases of a long report (for progress displays); both methods default to nothing. */
    public interface Listener extends Progress {
        /** A phase starts, e.g. "materializing H = G + M + R″ (9550×9550)"; {@link #update} then counts its units when it has any. */
        default void phase(String description) {}

        @Override
        default void update(long done, long total) {}
    }

    /**
     * Bytes a dense report at P needs: about 1.05 P² doubles for the counts (one P×P buffer, a
     * second only when it fits, and the column blocks), 3.05 P² with the full spectra (H, G, M and
     * LAPACK's workspace). The one memory plan of the dense report, for the CLI's early refusal too.
     */
    public static double denseBytes(int p, boolean spectra) {
        return Double.BYTES * (spectra ? 3.05 : 1.05) * p * (double) p;
    }

    /**
     * Builds the report at θ.
     *
     * @throws IllegalArgumentException when θ is not of length P or not finite (the caller's argument)
     * @throws dev.morse.linalg.NonFiniteValueException when L_R or ∇L_R is not finite at θ (the loss
     *                                  overflows in float64 there: weights or coefficients too large),
     *                                  naming the first non-finite value, or when a curvature product
     *                                  or an assembled matrix is not finite ({@link
     *                                  dev.morse.linalg.NonFiniteMatrixException}): numerical failures
     *                                  of the run, not bad arguments
     * @throws dev.morse.linalg.MemoryLimitException before any work, when P is within the dense
     *                                  limit but the dense matrices cannot fit in the heap (the
     *                                  advice: {@link Options#withDenseLimit} below P for the
     *                                  matrix-free report, or a larger -Xmx)
     * @throws java.util.concurrent.CancellationException when the calling thread is interrupted:
     *                                  at the next step of the work (a column block, a Lanczos
     *                                  step), the flag left set; a LAPACK call in progress
     *                                  (a factorization, an eigendecomposition) cannot be
     *                                  interrupted and runs to its end first
     */
    public static MorseReport at(Evaluator ev, double[] theta, Options o) {
        return at(ev, theta, o, new Listener() {});
    }

    /** Builds the report at θ, telling {@code listener} about its phases. */
    public static MorseReport at(Evaluator ev, double[] theta, Options o, Listener listener) {
        Objects.requireNonNull(ev, "evaluator");
        Objects.requireNonNull(theta, "θ");
        Objects.requireNonNull(o, "options");
        Objects.requireNonNull(listener, "listener");
        return at(ev, theta, o, listener, null);
    }

    /**
     * As {@link #at(Evaluator, double[], Options, Listener)}; {@code twoBuffers} overrides the
     * memory plan of the inertia method (null: two P×P buffers when the heap holds them), so
     * tests can take the path that assembles H again for the second shift.
     */
    static MorseReport at(Evaluator ev, double[] theta, Options o, Listener listener, Boolean twoBuffers) {
        return MorseCheck.at(ev, theta, o, listener, twoBuffers);
    }
}
