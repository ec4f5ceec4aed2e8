package dev.morse.engine;

import java.security.MessageDigest;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * The trace penalties (σ²/2)(1/k)Σᵢ vᵢᵀ Op vᵢ, Op = H ({@code hessian_trace}) or G
 * ({@code ggn_trace}), with their exact gradients ({@link Evaluator#quadraticForms}).
 */
final class TracePenalty implements Penalty {
    private static final long serialVersionUID = 1L;
    /** Salts of the probe streams: new SplittableRandom(seed ^ SALT). */
    static final long HESSIAN_SALT = 0x68657373_74726163L;   // "hesstrac"
    static final long GGN_SALT = 0x67676e5f_74726163L;       // "ggn_trac"
    private final double sigma2;
    private final int k;
    private final boolean hessian;
    private final double[] probes;   // explicit vᵢ (k × P), or null: drawn per request

    TracePenalty(double sigma2, int k, boolean hessian, double[] probes) {
        this.sigma2 = Terms.checkCoefficient(sigma2, (hessian ? "hessian_trace" : "ggn_trace") + ": σ²");
        this.k = Terms.checkCount(k);
        this.hessian = hessian;
        this.probes = probes;
    }

    public double sigma2() {
        return sigma2;
    }

    @Override
    public String name() {
        return hessian ? "hessian_trace" : "ggn_trace";
    }

    @Override
    public int draws() {
        return k;
    }

    @Override
    public boolean drawsFromSeed() {
        return probes == null && sigma2 != 0;   // value and gradient return 0 at σ² = 0, before any draw
    }

    @Override
    public boolean usesProbes() {
        return true;
    }

    @Override
    public boolean hasExplicitVectors() {
        return probes != null;
    }

    /** The explicit probes (a copy), or null when drawn. */
    public double[] probes() {
        return probes == null ? null : probes.clone();
    }

    @Override
    public Penalty withVectors(double[] values, int count) {
        return new TracePenalty(sigma2, count, hessian, Terms.explicit(values, count, name() + ": probes"));
    }

    @Override
    public void validate(Mlp model) {
        Terms.validateExplicit(probes, k, model, spec(), "probe");
    }

    @Override
    public String spec() {
        return name() + ":" + Terms.fmt(sigma2) + ":" + k + (probes == null ? "" : " (explicit probes)");
    }

    @Override
    public String formula() {
        return "(" + Terms.fmt(sigma2) + "/2)(1/" + k + ")Σᵢ vᵢᵀ" + (hessian ? "H" : "G") + "vᵢ";
    }

    @Override
    public boolean gradientIsExact(Mlp model) {
        return !model.usesModifiedSecondDerivative();
    }

    /** The k probes: the explicit ones, or k·P draws into a workspace. */
    private double[] probes(Context c) {
        if (probes != null) return probes;
        int p = c.theta().length;
        double[] v = c.workspace(0, k * p);
        Terms.draw(new SplittableRandom(c.seed() ^ (hessian ? HESSIAN_SALT : GGN_SALT)), v, 0, k * p);
        return v;
    }

    private double valueOf(double[] forms) {
        double s = 0;
        for (int i = 0; i < k; i++) s += forms[i];
        return 0.5 * sigma2 * (s / k);
    }

    @Override
    public double value(Context c) {
        if (sigma2 == 0) return 0.0;
        double[] forms = c.workspace(1, k);
        c.quadraticForms(hessian ? Part.DATA_HESSIAN : Part.GGN, probes(c), k, forms, null);
        return valueOf(forms);
    }

    @Override
    public void addGradient(Context c, double[] grad) {
        addValueAndGradient(c, grad);
    }

    @Override
    public double addValueAndGradient(Context c, double[] grad) {
        if (sigma2 == 0) return 0.0;
        int p = c.theta().length;
        double[] forms = c.workspace(1, k), g3 = c.workspace(2, p);
        c.quadraticForms(hessian ? Part.DATA_HESSIAN : Part.GGN, probes(c), k, forms, g3);
        Terms.kernels().axpy(p, 0.5 * sigma2 / k, g3, 0, grad, 0);
        return valueOf(forms);
    }

    @Override
    public void hashInto(MessageDigest md) {
        Terms.hashExplicit(md, spec(), probes);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TracePenalty x && Double.compare(x.sigma2, sigma2) == 0 && x.k == k && x.hessian == hessian && Arrays.equals(x.probes, probes);
    }

    @Override
    public int hashCode() {
        return ((Double.hashCode(sigma2) * 31 + k) * 31 + (hessian ? 1 : 0)) * 31 + Arrays.hashCode(probes);
    }

    @Override
    public String toString() {
        return spec();
    }
}
