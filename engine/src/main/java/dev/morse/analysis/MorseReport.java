package dev.morse.analysis;

import dev.morse.engine.CurvatureOperator;
import dev.morse.engine.Evaluator;
import dev.morse.engine.Part;
import dev.morse.linalg.Linalg;
import dev.morse.linalg.NativeThreads;
import dev.morse.spectra.Lanczos;

/**
 * The Morse check at a point (SPEC §6): is θ critical, and is the Hessian of L_R nondegenerate
 * there? With τ = c·P·ε_mach·s (c = 10 by default, ε_mach = 2⁻⁵²) or an absolute tolerance,
 * index = #{λ < −τ}, nullity = #{|λ| ≤ τ}, positive = #{λ > τ}; the point is nondegenerate
 * (Morse at this point) iff nullity = 0. Also the G/M split of the data Hessian: spectra, traces
 * and ‖M‖_F/‖H‖_F.
 *
 * <p>The scale s is that of the matrix as assembled (SPEC §6). When every term's Hessian part is
 * a constant diagonal, H is assembled as G + M + R″ from the two dense parts the report needs
 * anyway, and s = ‖G‖₂ + ‖M‖₂ + ‖R″‖₂: where G and M nearly cancel (large-residual saddles) the
 * rounding error of the sum scales with ‖G‖ + ‖M‖, not with ‖H‖, and a band based on ‖H‖₂ would
 * be too narrow. Otherwise (the multiplicative term) H is formed by one product per column and
 * s = ‖H‖₂.
 *
 * <p>Method "dense": every eigenvalue from LAPACK (exact counts). Method "lanczos" (P too large to
 * materialize): the extreme eigenvalues by Lanczos; the counts are then not available and the
 * report says so ({@code countsExact = false}, counts −1), as it says whether Lanczos converged.
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
        double[] nearestZero,
        double[] ggnEigenvalues,
        double[] nmeEigenvalues,
        double traceHessian,
        double traceGgn,
        double traceNme,
        double nmeToHessianFrobenius,
        String warning) {

    /** Machine epsilon of float64, 2⁻⁵². */
    public static final double EPS = EigenvalueCounts.EPS;

    /** Nondegenerate (Morse at this point): nullity = 0, when the counts are exact. */
    public boolean nondegenerate() {
        return countsExact && nullity == 0;
    }

    /** One line a person can read. */
    public String verdict() {
        String where = critical ? "critical point" : "point (NOT critical: ‖∇L_R‖ = " + fmt(gradientNorm) + " > grad_tol " + fmt(gradTol) + ")";
        if (!countsExact) return "Counts unavailable without the dense spectrum (P = " + parameters + "); see the Lanczos extremes.";
        String kind = index == 0 && nullity == 0 ? "a nondegenerate minimum" : index == 0 ? "a degenerate minimum candidate"
                : positive == 0 && nullity == 0 ? "a nondegenerate maximum" : nullity == 0 ? "a nondegenerate saddle of index " + index
                : "a degenerate saddle of index " + index;
        return (nullity == 0 ? "MORSE: " : "NOT MORSE: ") + where + " is " + kind + " (nullity " + nullity + ", min |λ|/τ = " + fmt(minAbsOverTau) + ")";
    }

    private static String fmt(double x) {
        return String.format(java.util.Locale.ROOT, "%.3g", x);
    }

    /**
     * Settings: τ factor c (default 10), absolute tolerance (0: use c·P·ε·s), grad_tol (0: SPEC
     * default), dense limit, how many eigenvalues nearest zero to keep, and the restart limit of
     * the Lanczos path above the dense limit.
     */
    public record Options(double tauFactor, double absoluteTolerance, double gradTol, int denseLimit, int nearest, int lanczosRestarts) {
        public Options {
            if (!(tauFactor > 0) || Double.isInfinite(tauFactor)) throw new IllegalArgumentException("τ factor must be finite and > 0, got " + tauFactor);
            if (!(absoluteTolerance >= 0) || Double.isInfinite(absoluteTolerance)) throw new IllegalArgumentException("absolute tolerance must be finite and ≥ 0, got " + absoluteTolerance);
            if (!(gradTol >= 0) || Double.isInfinite(gradTol)) throw new IllegalArgumentException("grad_tol must be finite and ≥ 0, got " + gradTol);
            if (denseLimit < 0 || nearest < 1 || lanczosRestarts < 0) {
                throw new IllegalArgumentException("dense limit ≥ 0, nearest ≥ 1 and Lanczos restarts ≥ 0 expected, got " + denseLimit + ", " + nearest + ", " + lanczosRestarts);
            }
        }

        public static Options defaults() {
            return new Options(10, 0, 0, 6000, 10, 300);
        }

        public Options withDenseLimit(int p) {
            return new Options(tauFactor, absoluteTolerance, gradTol, p, nearest, lanczosRestarts);
        }

        public Options withLanczosRestarts(int r) {
            return new Options(tauFactor, absoluteTolerance, gradTol, denseLimit, nearest, r);
        }
    }

    /** Builds the report at θ. */
    public static MorseReport at(Evaluator ev, double[] theta, Options o) {
        int p = ev.dim();
        double[] g = new double[p];
        double loss = ev.lossAndGradient(theta, g);
        double gn = CriticalPoints.norm(g);
        double gradTol = o.gradTol() > 0 ? o.gradTol() : CriticalPoints.defaultGradTol(loss);
        boolean critical = gn <= gradTol;
        String warning = critical ? null
                : "θ is not a critical point (‖∇L_R‖ = " + gn + " > grad_tol = " + gradTol + "); the Morse test is about critical points: refine first.";
        if (p > o.denseLimit()) return lanczosOnly(ev, theta, o, p, loss, gn, gradTol, critical, warning);

        double[] gg = ev.dense(Part.GGN, theta);
        double[] mm = ev.dense(Part.NME, theta);
        double[] diag = ev.problem().termsHessianDiagonal();
        double[] h;
        if (diag != null) {
            // H = G + M + R″ (SPEC §5): the terms' part is a diagonal and costs nothing.
            h = new double[p * p];
            for (int i = 0; i < h.length; i++) h[i] = gg[i] + mm[i];
            for (int i = 0; i < p; i++) h[i * p + i] += diag[i];
        } else {
            h = ev.dense(Part.HESSIAN, theta);
        }
        double trH = 0, trG = 0, trM = 0, fH = 0, fM = 0;
        for (int i = 0; i < p; i++) {
            trH += h[i * p + i];
            trG += gg[i * p + i];
            trM += mm[i * p + i];
        }
        for (int i = 0; i < p * p; i++) {
            fH += h[i] * h[i];
            fM += mm[i] * mm[i];
        }
        Linalg la = Linalg.get();
        double[] evH, evG, evM;
        // Three P×P eigendecompositions: every core of this evaluator's budget goes to LAPACK.
        try (NativeThreads.Scope s = ev.nativeScope()) {
            evH = la.eighInPlace(h, p, false).values();
            evG = la.eighInPlace(gg, p, false).values();
            evM = la.eighInPlace(mm, p, false).values();
        }
        double hn = EigenvalueCounts.spectralNorm(evH);
        double gNorm = EigenvalueCounts.spectralNorm(evG);
        double mNorm = EigenvalueCounts.spectralNorm(evM);
        double rNorm = diag == null ? Double.NaN : EigenvalueCounts.spectralNorm(diag);
        String source = diag != null ? "parts" : "hessian";
        double scale = diag != null ? gNorm + mNorm + rNorm : hn;
        double tau = EigenvalueCounts.tau(o.tauFactor(), p, scale, o.absoluteTolerance());
        EigenvalueCounts c = EigenvalueCounts.of(evH, tau, o.nearest());
        return new MorseReport(p, loss, gn, gradTol, critical, "dense", hn, gNorm, mNorm, rNorm, source, scale, o.tauFactor(),
                o.absoluteTolerance(), tau, c.index(), c.nullity(), c.positive(), true, true, c.minAbs(), c.minAbsOverTau(), evH,
                c.nearestZero(), evG, evM, trH, trG, trM, fH > 0 ? Math.sqrt(fM / fH) : 0, warning);
    }

    private static MorseReport lanczosOnly(Evaluator ev, double[] theta, Options o, int p, double loss, double gn, double gradTol,
                                           boolean critical, String warning) {
        CurvatureOperator h = CurvatureOperator.hessian(ev, theta);
        Lanczos.Result r = Lanczos.run(h, new Lanczos.Options().k(Math.min(o.nearest(), p)).which(Lanczos.Which.BOTH)
                .maxRestarts(o.lanczosRestarts()));
        double[] ev2 = r.ritzValues();
        double hn = EigenvalueCounts.spectralNorm(ev2);
        double tau = EigenvalueCounts.tau(o.tauFactor(), p, hn, o.absoluteTolerance());
        String w = (warning == null ? "" : warning + " ") + "P = " + p + " exceeds the dense limit " + o.denseLimit()
                + ": only the extreme eigenvalues (Lanczos) are reported; index and nullity need the dense spectrum."
                + (r.allConverged() ? "" : " Lanczos did not converge: the extremes are estimates (see their residuals).");
        return new MorseReport(p, loss, gn, gradTol, critical, "lanczos", hn, Double.NaN, Double.NaN, Double.NaN, "lanczos", hn,
                o.tauFactor(), o.absoluteTolerance(), tau, -1, -1, -1, false, r.allConverged(), Double.NaN, Double.NaN, ev2,
                new double[0], null, null, Double.NaN, Double.NaN, Double.NaN, Double.NaN, w);
    }
}
