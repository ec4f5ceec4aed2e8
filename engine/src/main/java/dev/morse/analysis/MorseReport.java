package dev.morse.analysis;

import dev.morse.engine.Objective;
import dev.morse.linalg.Linalg;
import dev.morse.spectra.CurvatureOperator;
import dev.morse.spectra.Lanczos;
import java.util.Arrays;

/**
 * The Morse check at a point (SPEC §6): is θ critical, and is the Hessian of L_R nondegenerate
 * there? With τ = c·P·ε_mach·‖H‖₂ (c = 10 by default, ε_mach = 2⁻⁵²) or an absolute tolerance,
 * index = #{λ < −τ}, nullity = #{|λ| ≤ τ}, positive = #{λ > τ}; the point is nondegenerate
 * (Morse at this point) iff nullity = 0. Also the G/M split of the data Hessian: spectra, traces
 * and ‖M‖_F/‖H‖_F.
 *
 * <p>Method "dense": every eigenvalue from LAPACK (exact counts). Method "lanczos" (P too large to
 * materialize): the extreme eigenvalues by Lanczos; the counts are then not available and the
 * report says so ({@code countsExact = false}, counts −1).
 */
public record MorseReport(
        int parameters,
        double loss,
        double gradientNorm,
        double gradTol,
        boolean critical,
        String method,
        double hessianNorm,
        double tauFactor,
        double absoluteTolerance,
        double tau,
        int index,
        int nullity,
        int positive,
        boolean countsExact,
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
    public static final double EPS = Math.ulp(1.0);

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

    /** Settings: τ factor c (default 10), absolute tolerance (0: use c·P·ε·‖H‖₂), grad_tol (0: SPEC default), dense limit. */
    public record Options(double tauFactor, double absoluteTolerance, double gradTol, int denseLimit, int nearest) {
        public static Options defaults() {
            return new Options(10, 0, 0, 6000, 10);
        }
    }

    /** Builds the report at θ. */
    public static MorseReport at(Objective obj, double[] theta, Options o) {
        int p = obj.dim();
        double[] g = new double[p];
        double loss = obj.lossAndGradient(theta, g);
        double gn = CriticalPoints.norm(g);
        double gradTol = o.gradTol() > 0 ? o.gradTol() : CriticalPoints.defaultGradTol(loss);
        boolean critical = gn <= gradTol;
        String warning = critical ? null
                : "θ is not a critical point (‖∇L_R‖ = " + gn + " > grad_tol = " + gradTol + "); the Morse test is about critical points: refine first.";
        if (p > o.denseLimit()) {
            CurvatureOperator h = CurvatureOperator.hessian(obj, theta);
            Lanczos.Result r = Lanczos.run(h, new Lanczos.Options().k(Math.min(o.nearest(), p)).which(Lanczos.Which.BOTH));
            double[] ev = r.ritzValues();
            double hn = Math.max(Math.abs(ev[0]), Math.abs(ev[ev.length - 1]));
            double tau = o.absoluteTolerance() > 0 ? o.absoluteTolerance() : o.tauFactor() * p * EPS * hn;
            String w = (warning == null ? "" : warning + " ") + "P = " + p + " exceeds the dense limit " + o.denseLimit()
                    + ": only the extreme eigenvalues (Lanczos) are reported; index and nullity need the dense spectrum.";
            return new MorseReport(p, loss, gn, gradTol, critical, "lanczos", hn, o.tauFactor(), o.absoluteTolerance(), tau,
                    -1, -1, -1, false, Double.NaN, Double.NaN, ev, new double[0], null, null, Double.NaN, Double.NaN, Double.NaN, Double.NaN, w);
        }
        double[] gg = obj.denseGgn(theta);
        double[] mm = obj.denseNme(theta);
        // H = G + M + R″ (SPEC §5): two materializations instead of three. The additive
        // regularizers' part is diagonal and costs nothing; the multiplicative one involves H itself.
        double[] h;
        if (obj.regularizer() instanceof dev.morse.engine.Regularizer.Multiplicative) {
            h = obj.denseHessian(theta);
        } else {
            h = obj.dense(Objective.Part.REGULARIZER, theta);
            for (int i = 0; i < h.length; i++) h[i] += gg[i] + mm[i];
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
        double[] ev = la.eighInPlace(h, p, false).values();
        double[] evG = la.eighInPlace(gg, p, false).values();
        double[] evM = la.eighInPlace(mm, p, false).values();
        double hn = p == 0 ? 0 : Math.max(Math.abs(ev[0]), Math.abs(ev[p - 1]));
        double tau = o.absoluteTolerance() > 0 ? o.absoluteTolerance() : o.tauFactor() * p * EPS * hn;
        int neg = 0, zero = 0, pos = 0;
        double minAbs = Double.POSITIVE_INFINITY;
        for (double l : ev) {
            if (l < -tau) neg++;
            else if (l > tau) pos++;
            else zero++;
            minAbs = Math.min(minAbs, Math.abs(l));
        }
        Integer[] order = new Integer[p];
        for (int i = 0; i < p; i++) order[i] = i;
        Arrays.sort(order, (a, b) -> Double.compare(Math.abs(ev[a]), Math.abs(ev[b])));
        double[] nearest = new double[Math.min(o.nearest(), p)];
        for (int i = 0; i < nearest.length; i++) nearest[i] = ev[order[i]];
        return new MorseReport(p, loss, gn, gradTol, critical, "dense", hn, o.tauFactor(), o.absoluteTolerance(), tau,
                neg, zero, pos, true, minAbs, tau > 0 ? minAbs / tau : Double.POSITIVE_INFINITY, ev, nearest, evG, evM,
                trH, trG, trM, fH > 0 ? Math.sqrt(fM / fH) : 0, warning);
    }
}
