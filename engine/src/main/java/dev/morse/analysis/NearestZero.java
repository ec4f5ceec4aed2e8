package dev.morse.analysis;

import dev.morse.engine.CurvatureOperator;
import dev.morse.engine.Evaluator;
import dev.morse.linalg.NativeThreads;
import dev.morse.linalg.ShiftedFactorization;
import dev.morse.linalg.SolveOverflowException;
import dev.morse.spectra.BlockLanczos;
import dev.morse.spectra.LinearOperator;
import java.util.Arrays;
import java.util.Locale;

/**
 * The eigenvalues nearest zero for the Morse check's inertia method ({@link MorseReport}), sorted
 * by |λ|, whose residual ‖Hy − λy‖ by exact Hessian products is at most
 * {@link MorseReport#LANCZOS_TOL}·‖H‖₂; those residuals; how many Ritz pairs were dropped for a
 * larger residual, with their estimates and residuals (by |λ|); whether no verified pair lies
 * farther from zero than a dropped one; why shift-invert Lanczos stopped, its solves and
 * restarts; how many Ritz values of its last basis lie within {@value #CLUSTER_WIDTH}
 * (relative) of the first dropped estimate (a cluster there explains slow convergence); and the
 * residual bound applied, {@link MorseReport#LANCZOS_TOL}·‖H‖₂, or ·|σ| (the shift) where ‖H‖₂
 * estimated to 0 (0 for {@link #zeroHessian}), and {@code boundOf}, what the bound is
 * {@link MorseReport#LANCZOS_TOL} times ({@link #H_NORM} or {@link #SHIFT}), both of which
 * {@link #note} quotes.
 */
record NearestZero(double[] values, double[] residuals, int dropped, boolean nearestFirst, double[] droppedValues,
                   double[] droppedResiduals, BlockLanczos.Stop stop, int solves, int restarts, int cluster, double bound, String boundOf) {

    /** {@code boundOf} where the bound is {@link MorseReport#LANCZOS_TOL}·‖H‖₂. */
    static final String H_NORM = "‖H‖₂";

    /** {@code boundOf} where ‖H‖₂ estimated to 0 and the bound is {@link MorseReport#LANCZOS_TOL}·|σ|, σ the shift (±τ). */
    static final String SHIFT = "|σ|";

    /** Relative width of the neighbourhood in which {@link #cluster} counts Ritz values. */
    static final double CLUSTER_WIDTH = 0.05;

    /**
     * Thick restarts allowed to the shift-invert block Lanczos. The first cycle fills the basis
     * (512 vectors: 32 solves of 16 right-hand sides), each restart keeps the wanted Ritz vectors
     * and about half the rest and adds 15 more solves: at most 32 + 4·15 = 92 solves where
     * convergence is slow, fewer when a cycle stagnates ({@link BlockLanczos.Stop#STAGNATED}). The
     * usual point converges within the first cycle (8 solves at P = 9550, bench/morse-check 10k).
     */
    static final int RESTARTS = 4;

    /** Right-hand sides per solve of the shift-invert block Lanczos (at least; up to 64 for a larger k). */
    static final int SHIFT_INVERT_BLOCK = 16;

    /** Basis vectors of the shift-invert block Lanczos (2 · 512 · P doubles: 326 MB at P = 39760). */
    static final int BASIS = 512;

    /** Why the dropped pairs are missing, and what to do: the text of the report's warning. */
    String note(boolean degenerate) {
        int kept = values.length;
        String s = kept + " of the " + (kept + dropped) + " eigenvalues nearest zero are reported (residual ‖Hy − λy‖ ≤ " + MorseReport.LANCZOS_TOL
                + "·" + boundOf + " = " + fmt(bound) + (boundOf.equals(SHIFT) ? ", σ = ±τ the shift, as ‖H‖₂ estimated to 0" : "")
                + "); the other " + dropped + " (estimates " + list(droppedValues, 3) + "; residuals "
                + fmt(min(droppedResiduals)) + (dropped > 1 ? " to " + fmt(max(droppedResiduals)) : "") + ") ";
        String how = solves + (solves == 1 ? " solve, " : " solves, ") + restarts + (restarts == 1 ? " restart" : " restarts");
        String where = cluster > 2 * dropped
                ? ", next to a cluster (" + cluster + " Ritz values within " + Math.round(100 * CLUSTER_WIDTH) + " % of " + fmt(droppedValues[0])
                  + "), where Krylov methods converge slowly"
                : "";
        String masked = degenerate ? ", amplified by about 1/τ along the cluster of zero eigenvalues at the shift, which masks them" : "";
        s += switch (stop) {
            case BUDGET -> "did not converge within the shift-invert budget (" + how + ")" + where + ".";
            case STAGNATED -> "stopped converging (" + how + "): a whole cycle did not halve their residuals" + where
                    + (!degenerate && where.isEmpty() ? " (residuals at the rounding level of the solves, or convergence too slow for the budget)" : "")
                    + (degenerate ? " (the rounding of the solves" + masked + ")" : "") + ".";
            case SPANNED -> "are as accurate as the solves allow: shift-invert Lanczos spanned the whole space (" + how + "), so their residuals"
                    + " are the rounding of the solves" + (degenerate ? masked : ", amplified where H ∓ τI is nearly singular") + ".";
            case CONVERGED -> "passed shift-invert Lanczos's estimate (" + how + ") but not the check by exact Hessian products: the solves with"
                    + " the factor of H ∓ τI are not accurate enough there" + (degenerate ? " (their rounding" + masked + ")" : "") + ".";
        };
        return s + " --spectra computes every eigenvalue (dense LAPACK: about 4× the time and 3× the memory); a smaller --nearest asks for fewer.";
    }

    /**
     * Where H = 0 exactly (τ = 0): every eigenvalue is 0, and the k nearest are 0 with the unit
     * vectors e₁, …, e_k as eigenvectors; their residuals ‖H·e_i‖ come from exact Hessian
     * products (0 where the products agree with the assembly). No factorization, no solve.
     */
    static NearestZero zeroHessian(Evaluator ev, double[] theta, int nearest) {
        int p = ev.dim();
        int k = Math.min(nearest, p);
        double[] y = new double[k * p], hy = new double[k * p], res = new double[k];
        for (int i = 0; i < k; i++) y[i * p + i] = 1;
        CurvatureOperator.hessian(ev, theta).apply(y, hy, k);
        for (int i = 0; i < k; i++) res[i] = BlockLanczos.norm(hy, i * p, p);
        return new NearestZero(new double[k], res, 0, true, new double[0], new double[0], BlockLanczos.Stop.CONVERGED, 0, 0, 0, 0, H_NORM);
    }

    /** Whether every entry of the lower triangle of the n×n matrix a is exactly 0 (a symmetric a is then 0). */
    static boolean zeroLower(double[] a, int n) {
        for (int i = 0; i < n; i++) {
            for (int j = 0; j <= i; j++) {
                if (a[i * n + j] != 0) return false;
            }
        }
        return true;
    }

    /**
     * Shift-invert Lanczos: the k eigenvalues μ of (H − σI)⁻¹ largest in magnitude are
     * μ = 1/(λ − σ) for the k eigenvalues λ of H nearest σ (σ = ±τ, next to zero), λ = σ + 1/μ.
     * The eigenvector estimates are the images z = (H − σI)⁻¹y of the Ritz vectors y, normalized:
     * one step of inverse iteration more, and H's residual of (ẑ, σ + 1/μ) is
     * ‖(H − σI)⁻¹y − μy‖/(|μ|·‖z‖) exactly, which Lanczos tracks without Hessian products
     * ({@link BlockLanczos.Convergence#ofInverse}). Lanczos stops when each pair's estimate is at
     * most half of {@link MorseReport#LANCZOS_TOL}·‖H‖₂, the test applied afterwards with exact
     * Hessian products, which keeps only the pairs that pass it. The value reported is the
     * Rayleigh quotient ẑᵀHẑ by those products, not σ + 1/μ: its error is about residual²/gap
     * (σ + 1/μ's about the residual, up to 0.5·1e-8·‖H‖₂, comparable to τ near zero), and the
     * residual is taken with it. (It used to stop on ‖r‖ ≤ 1e-8·|μ|,
     * relative to μ: for eigenvalues much smaller than ‖H‖₂ far stricter than the report's test,
     * 14 solves instead of 8 at P = 9550, bench/morse-check 10k.)
     *
     * <p>Thick restarts, {@value #RESTARTS} at most: wanted eigenvalues just below a large cluster
     * (an l2 regularizer's value, where the null space of the data Hessian sits) converge at a
     * rate set by their gap to the cluster relative to the spread of the spectrum, more slowly
     * than one basis allows. At a degenerate point the shift sits on the cluster of zero
     * eigenvalues, whose μ ≈ ∓1/τ dwarf the rest: the eigenvalues beyond it converge as long as
     * the rounding of the solves along that cluster (amplified by about 1/τ) allows, else they
     * stagnate and are dropped.
     */
    static NearestZero shiftInvert(Evaluator ev, double[] theta, ShiftedFactorization f, int nearest, double hNorm) {
        int p = ev.dim();
        double sigma = f.shift();
        int k = Math.min(nearest, p);
        // ‖H‖₂ estimated to 0 (H ≠ 0, or there would be no factor): the shift's scale instead, and the note says so
        String boundOf = hNorm > 0 ? H_NORM : SHIFT;
        double bound = MorseReport.LANCZOS_TOL * (hNorm > 0 ? hNorm : Math.abs(sigma));
        BlockLanczos.Result r = lanczos(ev, f, k, bound);
        double[] mu = r.ritzValues();
        int m = mu.length;
        double[] y = r.images().clone();
        boolean[] none = new boolean[m];   // μ = 0 or a zero image: no eigenvector estimate
        for (int i = 0; i < m; i++) {
            double s = BlockLanczos.norm(y, i * p, p), inv = s > 0 ? 1 / s : 0;
            none[i] = mu[i] == 0 || s == 0;
            for (int q = 0; q < p; q++) y[i * p + q] *= inv;
        }
        double[] hy = new double[m * p];
        CurvatureOperator.hessian(ev, theta).apply(y, hy, m);
        // The Rayleigh quotient ŷᵀHŷ of the unit estimate, by the exact products: its error is
        // about residual²/gap where σ + 1/μ's is about residual, and it minimizes ‖Hŷ − λŷ‖ over λ.
        Integer[] order = new Integer[m];
        double[] lam = new double[m];
        for (int i = 0; i < m; i++) {
            order[i] = i;
            double q = 0;
            for (int c = 0; c < p; c++) q += y[i * p + c] * hy[i * p + c];
            lam[i] = none[i] ? Double.POSITIVE_INFINITY : q;
        }
        Arrays.sort(order, (a, b) -> Double.compare(Math.abs(lam[a]), Math.abs(lam[b])));
        double[] values = new double[m], res = new double[m], dropValues = new double[m], dropRes = new double[m];
        int kept = 0, dropped = 0;
        boolean prefix = true;   // no verified pair farther from zero than a dropped one
        for (int i = 0; i < m; i++) {
            int j = order[i];
            double s = 0;
            for (int q = 0; q < p; q++) {
                double d = hy[j * p + q] - lam[j] * y[j * p + q];
                s += d * d;
            }
            if (Math.sqrt(s) <= bound) {
                if (kept < i) prefix = false;
                values[kept] = lam[j];
                res[kept++] = Math.sqrt(s);
            } else {
                dropValues[dropped] = lam[j];
                dropRes[dropped++] = Math.sqrt(s);
            }
        }
        int cluster = 0;
        if (dropped > 0) {
            for (double t : r.allRitzValues()) {
                if (t != 0 && Math.abs(sigma + 1 / t - dropValues[0]) <= CLUSTER_WIDTH * Math.abs(dropValues[0])) cluster++;
            }
        }
        return new NearestZero(Arrays.copyOf(values, kept), Arrays.copyOf(res, kept), dropped, prefix, Arrays.copyOf(dropValues, dropped),
                Arrays.copyOf(dropRes, dropped), r.stop(), r.applications(), r.restarts(), cluster, bound, boundOf);
    }

    /**
     * The block Lanczos run of {@link #shiftInvert} on (H − σI)⁻¹, σ = f's shift: the k Ritz values
     * μ largest in magnitude, for the k eigenvalues λ = σ + 1/μ of H nearest σ, with their images,
     * stopped when each pair's residual as an eigenpair of H is estimated at most half of
     * {@code bound}. Deterministic (seed 0): the same run for the same factor and arguments.
     */
    static BlockLanczos.Result lanczos(Evaluator ev, ShiftedFactorization f, int k, double bound) {
        int p = ev.dim();
        double sigma = f.shift();
        LinearOperator inverse = new LinearOperator() {
            @Override
            public int dim() {
                return p;
            }

            @Override
            public void apply(double[] v, double[] out) {
                apply(v, out, 1);
            }

            @Override
            public void apply(double[] vs, double[] outs, int nrhs) {
                System.arraycopy(vs, 0, outs, 0, nrhs * p);
                try (NativeThreads.Scope s = ev.nativeScope()) {
                    f.solve(outs, 0, nrhs);
                } catch (SolveOverflowException e) {
                    // A solve that overflows (H − σI numerically singular: a tiny, nonzero pivot) is a
                    // numerical failure of the run, not a bad product: say which solve it was, and what
                    // σ = ±τ means (other failures, a LapackException, pass with their own type).
                    throw new SolveOverflowException("shift-invert Lanczos for the eigenvalues nearest zero, solving with the factor of H − σI: "
                            + e.getMessage() + "; σ = " + sigma + " is ±τ, so an eigenvalue of H lies at ±τ within rounding: try another "
                            + "--tau-factor or --abs-tol", e);
                }
            }

            @Override
            public String describe() {
                return "(H − " + sigma + "·I)⁻¹";
            }
        };
        // Block Lanczos, SHIFT_INVERT_BLOCK solves at a time: a solve reads the whole factor from
        // memory once per call, whatever its number of right-hand sides (dpotrs at n = 9550:
        // ~110 ms for 1 and for 16), so blocks cost little more than single vectors.
        // Blocks of at least k, up to 64: a cluster at the shift (a degenerate point) is found up to
        // the block size in each eigenvalue's multiplicity. The basis is kept with its products;
        // more than BASIS vectors only for k > BASIS − 64.
        int block = Math.min(64, Math.max(SHIFT_INVERT_BLOCK, k));
        int basis = Math.min(p, Math.max(k + block, BASIS));
        return BlockLanczos.largestMagnitude(inverse, k, block, BlockLanczos.Convergence.ofInverse(0.5 * bound), basis, RESTARTS, 0);
    }

    private static String fmt(double x) {
        return String.format(Locale.ROOT, "%.3g", x);
    }

    private static String list(double[] v, int k) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < Math.min(k, v.length); i++) sb.append(i == 0 ? "" : ", ").append(fmt(v[i]));
        return sb.append(v.length > k ? ", …" : "").toString();
    }

    private static double min(double[] v) {
        double m = Double.POSITIVE_INFINITY;
        for (double x : v) m = Math.min(m, x);
        return m;
    }

    private static double max(double[] v) {
        double m = 0;
        for (double x : v) m = Math.max(m, x);
        return m;
    }
}
