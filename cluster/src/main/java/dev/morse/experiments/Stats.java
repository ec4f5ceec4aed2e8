package dev.morse.experiments;

import java.util.Arrays;
import java.util.List;

/** The few statistics the verdicts use: means, standard deviations, Student-t intervals, Wilson intervals. */
public final class Stats {
    private Stats() {}

    /** Two-sided 95% Student-t quantiles t_{0.975, ν} for ν = 1..30. */
    private static final double[] T975 = {12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
            2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
            2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042};

    /** z_{0.975}. */
    public static final double Z975 = 1.959963984540054;

    /**
     * t_{0.975, ν}: the table for ν ≤ 30, beyond it the Cornish–Fisher expansion
     * z + (z³ + z)/(4ν) + (5z⁵ + 16z³ + 3z)/(96ν²) (error below 10⁻³ there).
     */
    public static double t975(int df) {
        if (df < 1) throw new IllegalArgumentException("degrees of freedom must be ≥ 1, got " + df);
        if (df <= T975.length) return T975[df - 1];
        double z = Z975, z3 = z * z * z, z5 = z3 * z * z;
        return z + (z3 + z) / (4.0 * df) + (5 * z5 + 16 * z3 + 3 * z) / (96.0 * df * df);
    }

    public static double mean(double[] x) {
        if (x.length == 0) return Double.NaN;
        double s = 0;
        for (double v : x) s += v;
        return s / x.length;
    }

    /** Sample standard deviation (n − 1); NaN for fewer than two values. */
    public static double sd(double[] x) {
        if (x.length < 2) return Double.NaN;
        double m = mean(x), s = 0;
        for (double v : x) s += (v - m) * (v - m);
        return Math.sqrt(s / (x.length - 1));
    }

    public static double median(double[] x) {
        if (x.length == 0) return Double.NaN;
        double[] s = x.clone();
        Arrays.sort(s);
        int n = s.length;
        return n % 2 == 1 ? s[n / 2] : 0.5 * (s[n / 2 - 1] + s[n / 2]);
    }

    public static double min(double[] x) {
        double m = Double.POSITIVE_INFINITY;
        for (double v : x) m = Math.min(m, v);
        return x.length == 0 ? Double.NaN : m;
    }

    public static double max(double[] x) {
        double m = Double.NEGATIVE_INFINITY;
        for (double v : x) m = Math.max(m, v);
        return x.length == 0 ? Double.NaN : m;
    }

    public static double[] array(List<Double> l) {
        double[] a = new double[l.size()];
        for (int i = 0; i < a.length; i++) a[i] = l.get(i);
        return a;
    }

    /**
     * A mean with its 95% interval.
     *
     * @param n    the number of values (seeds)
     * @param sd   their standard deviation (NaN for n &lt; 2)
     * @param half the interval's half-width t_{0.975, n−1}·sd/√n (NaN for n &lt; 2)
     */
    public record Interval(double mean, double lo, double hi, int n, double sd, double half) {
        public boolean defined() { return n >= 2 && Double.isFinite(half); }

        /** "1.23 [0.10, 2.36] (n = 3)". */
        public String text(int decimals) {
            String f = "%." + decimals + "f";
            if (!defined()) return String.format(java.util.Locale.ROOT, f + " (n = %d, no interval)", mean, n);
            return String.format(java.util.Locale.ROOT, f + " [" + f + ", " + f + "] (n = %d)", mean, lo, hi, n);
        }
    }

    /**
     * The Student-t 95% interval of the mean of {@code x} (e.g. per-seed differences of paired
     * runs: the same seed gives the same initialization and minibatch order in both arms, so the
     * paired differences carry less noise than two independent means).
     */
    public static Interval tInterval(double[] x) {
        int n = x.length;
        double m = mean(x);
        if (n < 2) return new Interval(m, Double.NaN, Double.NaN, n, Double.NaN, Double.NaN);
        double s = sd(x);
        double half = t975(n - 1) * s / Math.sqrt(n);
        return new Interval(m, m - half, m + half, n, s, half);
    }

    /** Wilson score interval end for k successes in n trials at z (side −1: lower, +1: upper). */
    public static double wilson(int k, int n, double z, int side) {
        if (n == 0) return side < 0 ? 0 : 1;
        double p = (double) k / n, z2 = z * z;
        double center = (p + z2 / (2.0 * n)) / (1 + z2 / n);
        double half = z * Math.sqrt(p * (1 - p) / n + z2 / (4.0 * n * n)) / (1 + z2 / n);
        return Math.min(1, Math.max(0, center + side * half));
    }

    /**
     * Least-squares slope of y on x (NaN with fewer than two distinct x).
     */
    public static double slope(double[] x, double[] y) {
        if (x.length != y.length) throw new IllegalArgumentException("x and y differ in length");
        double mx = mean(x), my = mean(y), sxy = 0, sxx = 0;
        for (int i = 0; i < x.length; i++) {
            sxy += (x[i] - mx) * (y[i] - my);
            sxx += (x[i] - mx) * (x[i] - mx);
        }
        return sxx == 0 ? Double.NaN : sxy / sxx;
    }

    /** The larger of two numbers, NaN only when both are. */
    public static double nanMax(double a, double b) {
        return Double.isNaN(a) ? b : Double.isNaN(b) ? a : Math.max(a, b);
    }

    /** The smaller of two numbers, NaN only when both are. */
    public static double nanMin(double a, double b) {
        return Double.isNaN(a) ? b : Double.isNaN(b) ? a : Math.min(a, b);
    }
}
