package dev.morse.analysis;

import dev.morse.linalg.Inertia;
import java.util.Arrays;

/**
 * The counts of SPEC §6 for a spectrum and a zero threshold τ: index = #{λ < −τ},
 * nullity = #{|λ| ≤ τ}, positive = #{λ > τ}, with min |λ| and the eigenvalues nearest zero. One
 * place for this arithmetic: the Morse check and {@code spectrum} both use it.
 */
public record EigenvalueCounts(double tau, int index, int nullity, int positive, double minAbs, double[] nearestZero) {

    /** Machine epsilon of float64, 2⁻⁵². */
    public static final double EPS = Math.ulp(1.0);

    /**
     * τ = c · n · ε_mach · s (SPEC §6), where s is the scale of the matrix as assembled (‖H‖₂, or
     * ‖G‖₂ + ‖M‖₂ + ‖R″‖₂ when H is assembled from its parts), unless an absolute tolerance
     * (> 0) is given.
     */
    public static double tau(double factor, int n, double scale, double absoluteTolerance) {
        if (absoluteTolerance > 0) return absoluteTolerance;
        return factor * n * EPS * scale;
    }

    /** max |λ|: ‖A‖₂ of a symmetric matrix from its eigenvalues (0 for none). */
    public static double spectralNorm(double[] eigenvalues) {
        double m = 0;
        for (double l : eigenvalues) m = Math.max(m, Math.abs(l));
        return m;
    }

    /** Counts for the eigenvalues (any order) at threshold τ, keeping the {@code nearest} closest to zero. */
    public static EigenvalueCounts of(double[] eigenvalues, double tau, int nearest) {
        int neg = 0, zero = 0, pos = 0;
        double minAbs = Double.POSITIVE_INFINITY;
        for (double l : eigenvalues) {
            if (l < -tau) neg++;
            else if (l > tau) pos++;
            else zero++;
            minAbs = Math.min(minAbs, Math.abs(l));
        }
        double[] byAbs = eigenvalues.clone();
        Double[] boxed = new Double[byAbs.length];
        for (int i = 0; i < byAbs.length; i++) boxed[i] = byAbs[i];
        Arrays.sort(boxed, (a, b) -> Double.compare(Math.abs(a), Math.abs(b)));
        double[] near = new double[Math.min(nearest, boxed.length)];
        for (int i = 0; i < near.length; i++) near[i] = boxed[i];
        return new EigenvalueCounts(tau, neg, zero, pos, minAbs, near);
    }

    /**
     * Counts from two inertias (Sylvester's law) instead of the eigenvalues: {@code atMinusTau} is
     * the inertia of H + τI (the eigenvalues of H relative to −τ), {@code atPlusTau} that of H − τI.
     * index = #{λ < −τ} = negatives of H + τI; positive = #{λ > τ} = positives of H − τI; nullity =
     * #{−τ ≤ λ ≤ τ} = n − index − positive, which includes eigenvalues exactly at ±τ (the zero
     * pivots). With τ = 0 both are the inertia of H itself. min |λ| and the nearest-zero values
     * come from elsewhere (shift-invert Lanczos) and are passed through: NaN / empty when unknown.
     *
     * @throws IllegalArgumentException if the inertias are of matrices of different orders, or
     *                                  are inconsistent (more eigenvalues below −τ than below τ)
     */
    public static EigenvalueCounts ofInertia(double tau, Inertia atMinusTau, Inertia atPlusTau, double minAbs, double[] nearestZero) {
        int n = atMinusTau.total();
        if (atPlusTau.total() != n) throw new IllegalArgumentException("inertias of orders " + n + " and " + atPlusTau.total());
        int index = atMinusTau.negative();
        int positive = atPlusTau.positive();
        if (!consistent(atMinusTau, atPlusTau)) {
            throw new IllegalArgumentException("inconsistent inertias at −τ " + atMinusTau + " and +τ " + atPlusTau);
        }
        return new EigenvalueCounts(tau, index, n - index - positive, positive, minAbs, nearestZero.clone());
    }

    /**
     * Whether two inertias of the same order can be those of H + τI and H − τI for one symmetric H
     * and τ ≥ 0: no more eigenvalues below −τ than at or below τ, and index + positive ≤ n. Two
     * factorizations, each exact for a matrix within rounding of H, can fail it when τ is below
     * the rounding level of H; the Morse check tests it before {@link #ofInertia} and reports it.
     */
    public static boolean consistent(Inertia atMinusTau, Inertia atPlusTau) {
        int index = atMinusTau.negative();
        return index + atPlusTau.positive() <= atMinusTau.total() && atPlusTau.negative() + atPlusTau.zero() >= index;
    }

    /**
     * Counts when one factorization showed every eigenvalue above τ (H − τI positive definite,
     * or its LDLᵀ without a negative or zero pivot): index = nullity = 0, positive = n.
     */
    public static EigenvalueCounts aboveTau(double tau, int n, double minAbs, double[] nearestZero) {
        return new EigenvalueCounts(tau, 0, 0, n, minAbs, nearestZero.clone());
    }

    /** min |λ| / τ: how far the smallest eigenvalue is from the zero band ({@link #ratio}). */
    public double minAbsOverTau() {
        return ratio(minAbs, tau);
    }

    /**
     * min |λ| / τ, the distance of the eigenvalue nearest zero from the zero band in units of τ,
     * with its limits: 0 when min |λ| = 0 (an exactly zero eigenvalue lies in the band whatever τ,
     * τ = 0 included, where 0/0 would be undefined: H = 0 as assembled, s = 0); +∞ when τ = 0 and
     * min |λ| &gt; 0 (outside the band {0}; only when c·P·ε·s underflows, since τ = 0 needs s = 0
     * otherwise and an absolute tolerance is &gt; 0); NaN when min |λ| is unknown.
     */
    public static double ratio(double minAbs, double tau) {
        if (Double.isNaN(minAbs)) return Double.NaN;
        if (minAbs == 0) return 0;
        return tau > 0 ? minAbs / tau : Double.POSITIVE_INFINITY;
    }

    /** #{|λ| > τ}: the numerical rank at threshold τ. */
    public static int rank(double[] eigenvalues, double tau) {
        int k = 0;
        for (double l : eigenvalues) if (Math.abs(l) > tau) k++;
        return k;
    }
}
