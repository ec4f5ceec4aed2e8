package dev.morse.spectra;

import java.util.Objects;
import java.util.SplittableRandom;

/**
 * Stochastic trace estimates with Rademacher probes (SPEC §7): Hutchinson (1989) and Hutch++
 * (Meyer, Musco, Musco and Woodruff, 2021). Each returns the estimate, its standard error and the
 * number of operator products used. A product holding NaN or an infinity is refused with a
 * {@link dev.morse.linalg.NonFiniteValueException} (a numerical failure of the run, see the package
 * comment) naming the operator, the entry and the probe.
 */
public final class TraceEstimator {

    /** Estimate ± standard error, from {@code products} operator-vector products. */
    public record Estimate(double estimate, double standardError, long products, String method) {}

    private TraceEstimator() {}

    /** Hutchinson: mean of zᵀAz over {@code probes} Rademacher vectors z; SE = sample sd / √probes. */
    public static Estimate hutchinson(LinearOperator a, int probes, long seed) {
        Objects.requireNonNull(a, "operator");
        if (probes < 2) throw new IllegalArgumentException("Hutchinson needs at least 2 probes for a standard error, got " + probes);
        int n = a.dim();
        SplittableRandom rng = new SplittableRandom(seed);
        double[] z = new double[n], az = new double[n];
        double[] q = new double[probes];
        for (int k = 0; k < probes; k++) {
            dev.morse.linalg.Cancellation.check("Hutchinson's trace estimator");
            nextRademacher(rng, z, 0, n);
            a.apply(z, az);
            Operators.requireFiniteProduct(a, az, n, 1, "probe %d of Hutchinson", k, 0);
            double s = 0;
            for (int i = 0; i < n; i++) s += z[i] * az[i];
            q[k] = s;
        }
        return fromSamples(q, probes, "hutchinson");
    }

    /**
     * The Rademacher probes that {@link #hutchinson}(a, probes, seed) uses, drawn in the same
     * order: probe k is {@code z[k·n .. (k+1)·n)}. With them several estimates can share one set
     * of probes and block products (e.g. tr H, tr G and E‖Mz‖² during training), and each equals
     * what {@link #hutchinson} gives for its operator, up to the rounding of block products.
     */
    public static double[] rademacherProbes(int n, int probes, long seed) {
        if (n <= 0 || probes <= 0) throw new IllegalArgumentException("need n > 0 and probes > 0, got n=" + n + ", probes=" + probes);
        SplittableRandom rng = new SplittableRandom(seed);
        double[] z = new double[Math.multiplyExact(n, probes)];
        for (int k = 0; k < probes; k++) nextRademacher(rng, z, k * n, n);
        return z;
    }

    private static void nextRademacher(SplittableRandom rng, double[] z, int off, int n) {
        for (int i = 0; i < n; i++) z[off + i] = rng.nextBoolean() ? 1.0 : -1.0;
    }

    /**
     * The estimate from per-probe samples q_k (e.g. z_kᵀ A z_k): their mean, and the standard error
     * sd/√k with the sample standard deviation (Welford's running variance, stable).
     */
    public static Estimate fromSamples(double[] q, long products, String method) {
        if (q.length < 2) throw new IllegalArgumentException("a standard error needs at least 2 samples, got " + q.length);
        double mean = 0, m2 = 0;
        for (int k = 0; k < q.length; k++) {
            double delta = q[k] - mean;
            mean += delta / (k + 1);
            m2 += delta * (q[k] - mean);
        }
        double sd = Math.sqrt(m2 / (q.length - 1));
        return new Estimate(mean, sd / Math.sqrt(q.length), products, method);
    }

    /**
     * Hutch++ with a budget of {@code products} (≥ 6, split in thirds): tr(QᵀAQ) for an orthonormal
     * basis Q of A·S (S: n × products/3 Rademacher), plus Hutchinson on the deflated operator
     * (I − QQᵀ)A(I − QQᵀ) with the remaining third. The standard error is that of the deflated
     * Hutchinson part (the first term is exact for the sketch).
     */
    public static Estimate hutchPlusPlus(LinearOperator a, int products, long seed) {
        Objects.requireNonNull(a, "operator");
        if (products < 6) throw new IllegalArgumentException("Hutch++ needs a budget of at least 6 products, got " + products);
        int n = a.dim();
        int s = Math.min(products / 3, n);
        int g = Math.max(2, products - 2 * s);
        SplittableRandom rng = new SplittableRandom(seed);
        double[] sk = new double[s * n];
        for (int i = 0; i < sk.length; i++) sk[i] = rng.nextBoolean() ? 1.0 : -1.0;
        double[] as = new double[s * n];
        a.apply(sk, as, s);
        Operators.requireFiniteProduct(a, as, n, s, "Hutch++'s sketch", 0, 0);
        // Q: orthonormal rows spanning the rows of A·S (Gram–Schmidt twice).
        KrylovBasis q = new KrylovBasis(n, s);
        q.ranges(a.ranges());   // its sweeps on the operator's workers
        double[] row = new double[n];
        for (int j = 0; j < s; j++) {
            System.arraycopy(as, j * n, row, 0, n);
            q.appendOrthogonal(row, 1e-10);
        }
        int r = q.size;
        double[] aq = new double[Math.max(1, r) * n];
        if (r > 0) {
            a.apply(java.util.Arrays.copyOf(q.v, r * n), aq, r);
            Operators.requireFiniteProduct(a, aq, n, r, "Hutch++'s basis", 0, 0);
        }
        double t1 = 0;
        for (int j = 0; j < r; j++) for (int i = 0; i < n; i++) t1 += q.v[j * n + i] * aq[j * n + i];
        double[] z = new double[n], az = new double[n];
        double mean = 0, m2 = 0;
        for (int k = 0; k < g; k++) {
            dev.morse.linalg.Cancellation.check("Hutch++");
            for (int i = 0; i < n; i++) z[i] = rng.nextBoolean() ? 1.0 : -1.0;
            q.orthogonalize(z, -1);   // (I − QQᵀ) z (twice, for accuracy)
            a.apply(z, az);
            Operators.requireFiniteProduct(a, az, n, 1, "probe %d of Hutch++'s deflated Hutchinson part", k, 0);
            double v = 0;
            for (int i = 0; i < n; i++) v += z[i] * az[i];   // zᵀ(I−QQᵀ)A(I−QQᵀ)z since z is already projected
            double delta = v - mean;
            mean += delta / (k + 1);
            m2 += delta * (v - mean);
        }
        double sd = Math.sqrt(m2 / Math.max(1, g - 1));
        return new Estimate(t1 + mean, sd / Math.sqrt(g), (long) s + r + g, "hutch++");
    }
}
