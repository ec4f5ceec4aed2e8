package dev.morse.engine;

import java.security.MessageDigest;
import java.util.Arrays;
import java.util.SplittableRandom;

/** Weight noise: the objective (1/k)Σᵢ L(θ + σεᵢ) + R(θ) and its exact gradient for the drawn εᵢ. */
final class WeightNoisePenalty implements Penalty {
    private static final long serialVersionUID = 1L;
    /** Salt of the noise stream: new SplittableRandom(seed ^ SALT). */
    static final long SALT = 0x7765696768745f6eL;   // "weight_n"
    private final double sigma2;
    private final int k;
    private final double[] noise;   // explicit εᵢ (k × P), or null: drawn per request

    WeightNoisePenalty(double sigma2, int k, double[] noise) {
        this.sigma2 = Terms.checkCoefficient(sigma2, "weight_noise: σ²");
        this.k = Terms.checkCount(k);
        this.noise = noise;
    }

    public double sigma2() {
        return sigma2;
    }

    @Override
    public String name() {
        return "weight_noise";
    }

    @Override
    public int draws() {
        return k;
    }

    @Override
    public boolean drawsFromSeed() {
        return noise == null && sigma2 != 0;   // at σ² = 0: L(θ) itself, no draw
    }

    @Override
    public boolean usesNoise() {
        return true;
    }

    @Override
    public boolean hasExplicitVectors() {
        return noise != null;
    }

    /** The explicit noise (a copy), or null when drawn. */
    public double[] noise() {
        return noise == null ? null : noise.clone();
    }

    @Override
    public Penalty withVectors(double[] values, int count) {
        return new WeightNoisePenalty(sigma2, count, Terms.explicit(values, count, "weight_noise: noise vectors"));
    }

    @Override
    public void validate(Mlp model) {
        Terms.validateExplicit(noise, k, model, spec(), "noise");
    }

    @Override
    public String spec() {
        return "weight_noise:" + Terms.fmt(sigma2) + ":" + k + (noise == null ? "" : " (explicit noise)");
    }

    @Override
    public String formula() {
        return "(1/" + k + ")Σᵢ L(θ + σεᵢ) in place of L, σ² = " + Terms.fmt(sigma2);
    }

    /** The objective is (1/k)Σᵢ L(θ + σεᵢ) + R(θ): this term's value is the mean; ∇L(θ) is never needed. */
    @Override
    public boolean replacesDataLoss() {
        return true;
    }

    /** Only with σ² = 0 (no noise: the data term at θ itself). */
    @Override
    public boolean needsDataGradient() {
        return sigma2 == 0;
    }

    /** θ + σ εᵢ into point (εᵢ explicit, or the next draw of rng). */
    private void noisyPoint(Context c, SplittableRandom rng, int i, double[] point) {
        double[] t = c.theta();
        int p = t.length;
        double sigma = Math.sqrt(sigma2);
        System.arraycopy(t, 0, point, 0, p);
        if (noise != null) {
            Terms.kernels().axpy(p, sigma, noise, i * p, point, 0);
        } else {
            double[] eps = c.workspace(3, p);
            Terms.draw(rng, eps, 0, p);
            Terms.kernels().axpy(p, sigma, eps, 0, point, 0);
        }
    }

    private SplittableRandom stream(Context c) {
        return noise == null ? new SplittableRandom(c.seed() ^ SALT) : null;
    }

    @Override
    public double value(Context c) {
        if (sigma2 == 0) return c.dataLoss();
        SplittableRandom rng = stream(c);
        double[] point = c.workspace(0, c.theta().length);
        double sum = 0;
        for (int i = 0; i < k; i++) {
            noisyPoint(c, rng, i, point);
            sum += c.dataLossAt(point);
        }
        return sum / k;
    }

    @Override
    public void addGradient(Context c, double[] grad) {
        addValueAndGradient(c, grad);
    }

    /** Adds (1/k)Σᵢ ∇L(θ + σεᵢ) and returns (1/k)Σᵢ L(θ + σεᵢ) (with σ² = 0: ∇L(θ) and L(θ)). */
    @Override
    public double addValueAndGradient(Context c, double[] grad) {
        int p = c.theta().length;
        if (sigma2 == 0) {
            Terms.kernels().axpy(p, 1.0, c.dataGradient(), 0, grad, 0);
            return c.dataLoss();
        }
        SplittableRandom rng = stream(c);
        double[] point = c.workspace(0, p), gi = c.workspace(1, p), acc = c.workspace(2, p);
        double sum = 0;
        for (int i = 0; i < k; i++) {
            noisyPoint(c, rng, i, point);
            sum += c.dataLossAndGradientAt(point, i == 0 ? acc : gi);
            if (i > 0) Terms.kernels().axpy(p, 1.0, gi, 0, acc, 0);
        }
        Terms.kernels().axpy(p, 1.0 / k, acc, 0, grad, 0);
        return sum / k;
    }

    @Override
    public void hashInto(MessageDigest md) {
        Terms.hashExplicit(md, spec(), noise);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof WeightNoisePenalty x && Double.compare(x.sigma2, sigma2) == 0 && x.k == k && Arrays.equals(x.noise, noise);
    }

    @Override
    public int hashCode() {
        return (Double.hashCode(sigma2) * 31 + k) * 31 + Arrays.hashCode(noise);
    }

    @Override
    public String toString() {
        return spec();
    }
}
