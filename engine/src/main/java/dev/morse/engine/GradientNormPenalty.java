package dev.morse.engine;

/** ρ‖g‖^p with the update ρ p ‖g‖^(p−2) H g (exact), or G g ({@code ggn}: a direction). */
final class GradientNormPenalty implements Penalty {
    private static final long serialVersionUID = 1L;
    private final double rho;
    private final int power;
    private final boolean ggn;

    GradientNormPenalty(double rho, int power, boolean ggn) {
        this.rho = Terms.checkCoefficient(rho, (ggn ? "gradient_norm_ggn" : "gradient_norm") + ": ρ");
        if (power != 1 && power != 2) throw new IllegalArgumentException("gradient_norm: power p must be 1 or 2, got " + power);
        this.power = power;
        this.ggn = ggn;
    }

    public double rho() {
        return rho;
    }

    public int power() {
        return power;
    }

    @Override
    public String name() {
        return ggn ? "gradient_norm_ggn" : "gradient_norm";
    }

    @Override
    public String spec() {
        return name() + ":" + Terms.fmt(rho) + ":" + power;
    }

    @Override
    public String formula() {
        return Terms.fmt(rho) + "·‖∇L‖" + (power == 2 ? "²" : "") + (ggn ? " (update with G·∇L in place of H·∇L)" : "");
    }

    @Override
    public boolean needsDataGradient() {
        return true;
    }

    @Override
    public boolean gradientIsExact(Mlp model) {
        return !ggn && !model.usesModifiedSecondDerivative();
    }

    private double valueOf(double n) {
        return rho * (power == 1 ? n : n * n);
    }

    @Override
    public double value(Context c) {
        double[] g = c.dataGradient();
        return valueOf(Terms.norm(g, c.theta().length));
    }

    @Override
    public void addGradient(Context c, double[] grad) {
        addValueAndGradient(c, grad);
    }

    /** ∇(ρ‖g‖^p) = ρ p ‖g‖^(p−2) H g (H = ∇²L; G for the ggn variant); nothing at g = 0 for p = 1. */
    @Override
    public double addValueAndGradient(Context c, double[] grad) {
        double[] g = c.dataGradient();
        int p = c.theta().length;
        double n = Terms.norm(g, p);
        double v = valueOf(n);
        if (rho == 0 || n == 0) return v;
        double coef = rho * power * (power == 1 ? 1.0 / n : 1.0);
        double[] hg = c.workspace(0, p);
        c.dataProduct(ggn ? Part.GGN : Part.DATA_HESSIAN, g, hg, 1);
        Terms.kernels().axpy(p, coef, hg, 0, grad, 0);
        return v;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof GradientNormPenalty x && Double.compare(x.rho, rho) == 0 && x.power == power && x.ggn == ggn;
    }

    @Override
    public int hashCode() {
        return (Double.hashCode(rho) * 31 + power) * 31 + (ggn ? 1 : 0);
    }

    @Override
    public String toString() {
        return spec();
    }
}
