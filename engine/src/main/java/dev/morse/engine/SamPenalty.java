package dev.morse.engine;

/** SAM: the objective L(θ + ρ g/‖g‖) + R(θ), the update ∇L(θ + ρ g/‖g‖) + ∇R(θ). */
final class SamPenalty implements Penalty {
    private static final long serialVersionUID = 1L;
    private final double rho;

    SamPenalty(double rho) {
        this.rho = Terms.checkCoefficient(rho, "sam: ρ");
    }

    public double rho() {
        return rho;
    }

    @Override
    public String name() {
        return "sam";
    }

    @Override
    public String spec() {
        return "sam:" + Terms.fmt(rho);
    }

    @Override
    public String formula() {
        return "L(θ + " + Terms.fmt(rho) + "·g/‖g‖) in place of L; update ∇L(θ + ρg/‖g‖) + ∇R(θ), a direction";
    }

    @Override
    public boolean needsDataGradient() {
        return true;
    }

    /** The objective is L(θ + ρ g/‖g‖) + R(θ): this term's value is L(θ + ρ g/‖g‖). */
    @Override
    public boolean replacesDataLoss() {
        return true;
    }

    @Override
    public boolean gradientIsExact(Mlp model) {
        return false;
    }

    /** θ + ρ g/‖g‖ into a workspace, or null when there is no ascent step (ρ = 0 or g = 0). */
    private double[] ascentPoint(Context c) {
        double[] t = c.theta(), g = c.dataGradient();
        int p = t.length;
        double n = Terms.norm(g, p);
        if (rho == 0 || n == 0) return null;
        double[] point = c.workspace(0, p);
        System.arraycopy(t, 0, point, 0, p);
        Terms.kernels().axpy(p, rho / n, g, 0, point, 0);
        return point;
    }

    @Override
    public double value(Context c) {
        double[] point = ascentPoint(c);
        return point == null ? c.dataLoss() : c.dataLossAt(point);
    }

    @Override
    public void addGradient(Context c, double[] grad) {
        addValueAndGradient(c, grad);
    }

    /** Adds ∇L(θ + ρ g/‖g‖) (∇L(θ) when there is no ascent step) and returns L there. */
    @Override
    public double addValueAndGradient(Context c, double[] grad) {
        double[] point = ascentPoint(c);
        int p = c.theta().length;
        if (point == null) {
            Terms.kernels().axpy(p, 1.0, c.dataGradient(), 0, grad, 0);
            return c.dataLoss();
        }
        double[] gp = c.workspace(1, p);
        double lp = c.dataLossAndGradientAt(point, gp);
        Terms.kernels().axpy(p, 1.0, gp, 0, grad, 0);
        return lp;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SamPenalty x && Double.compare(x.rho, rho) == 0;
    }

    @Override
    public int hashCode() {
        return Double.hashCode(rho);
    }

    @Override
    public String toString() {
        return spec();
    }
}
