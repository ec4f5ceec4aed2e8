package dev.morse.spectra;

import dev.morse.linalg.Linalg;
import dev.morse.linalg.SymmetricEigen;
import java.util.Objects;
import java.util.SplittableRandom;

/**
 * Stochastic Lanczos quadrature (SLQ) estimate of the spectral density of a symmetric operator
 * (SPEC §7; Ghorbani, Krishnan and Xiao, 2019; Lin, Saad and Yang, 2016). For each of n_v
 * Rademacher probes v (normalized), m Lanczos steps with full reorthogonalization give a
 * tridiagonal T = S Θ Sᵀ; its nodes θ_i with weights τ_i = S_{1i}² form a Gauss quadrature of the
 * probe's spectral measure. The density is φ(t) = (1/n_v) Σ_v Σ_i τ_i g_σ(t − θ_i), with g_σ a
 * Gaussian of standard deviation σ (not variance), evaluated on a uniform grid spanning the nodes
 * ± 5σ; it integrates to 1 (by the trapezoid rule on the grid) when σ is at least the grid spacing
 * ({@link Result#resolved}). A smaller σ, given or from a narrow node range on a coarse grid,
 * puts the kernels between the grid points: σ = 1e-4 on a spectrum of range 10 integrated to 0.09.
 * A product holding NaN or an infinity is refused ({@link dev.morse.linalg.NonFiniteValueException}, a
 * numerical failure of the run, naming the operator, the entry, the probe and the step).
 */
public final class SpectralDensity {

    /**
     * How the kernel σ is chosen: given; 1 % of the Ritz nodes' range; where every node is at one
     * value (a multiple of I: a range of 0), 0.1 % of its magnitude; and 1e-12 where that is 0 too.
     */
    public enum SigmaRule { GIVEN, RANGE, MAGNITUDE, FLOOR }

    /** The rule that picks σ from the option (0: automatic) and the nodes' range [lo, hi]; the one place it is decided. */
    public static SigmaRule sigmaRule(double given, double lo, double hi) {
        if (given > 0) return SigmaRule.GIVEN;
        if (hi > lo) return SigmaRule.RANGE;
        return 1e-3 * Math.abs(hi) > 1e-12 ? SigmaRule.MAGNITUDE : SigmaRule.FLOOR;
    }

    /** Settings; defaults n_v = 10 probes, m = 80 steps (Ghorbani et al. 2019), 1000 grid points, σ = 1% of the spectral range, seed 0. */
    public static final class Options {
        int probes = 10;
        int steps = 80;
        int gridPoints = 1000;
        double sigma = 0;        // 0: 1% of the node range
        long seed = 0;

        public Options probes(int n) {
            if (n <= 0) throw new IllegalArgumentException("probes must be positive, got " + n);
            probes = n;
            return this;
        }

        public Options steps(int m) {
            if (m <= 0) throw new IllegalArgumentException("steps must be positive, got " + m);
            steps = m;
            return this;
        }

        public Options gridPoints(int g) {
            if (g < 2) throw new IllegalArgumentException("grid needs at least 2 points, got " + g);
            gridPoints = g;
            return this;
        }

        /** Gaussian kernel standard deviation (same units as the eigenvalues); 0 picks 1% of the range. */
        public Options sigma(double s) {
            if (!(s >= 0) || Double.isInfinite(s)) throw new IllegalArgumentException("sigma must be finite and ≥ 0, got " + s);
            sigma = s;
            return this;
        }

        public Options seed(long s) {
            seed = s;
            return this;
        }
    }

    /**
     * The density on the grid, the kernel σ, the raw quadrature (nodes and weights per probe,
     * concatenated; weights already divided by n_v so they sum to 1), and the products used.
     */
    public record Result(double[] grid, double[] density, double sigma, int probes, int steps,
                         double[] nodes, double[] weights, long products, int dimension) {

        /** The grid spacing. */
        public double spacing() {
            return grid.length > 1 ? grid[1] - grid[0] : 0;
        }

        /**
         * Whether the grid resolves the kernels: σ at least the grid spacing (to rounding: the
         * default σ on a grid of 111 points equals it). Only then does the density integrate to 1.
         */
        public boolean resolved() {
            return sigma >= spacing() * (1 - 1e-9);
        }

        /**
         * Estimated fraction of eigenvalues below x: the Gauss quadrature of the counting function,
         * i.e. each probe's Sturm count on its Lanczos tridiagonal weighted by the nodes' weights.
         * An estimate (its error falls like 1/√probes), not an exact inertia count: for that use
         * {@link DenseSpectrum#inertia}.
         */
        public double fractionBelow(double x) {
            double f = 0;
            for (int i = 0; i < nodes.length; i++) if (nodes[i] < x) f += weights[i];
            return f;
        }

        /** Estimated number of eigenvalues below x: dimension × {@link #fractionBelow}. */
        public double countBelow(double x) {
            return dimension * fractionBelow(x);
        }
    }

    private SpectralDensity() {}

    public static Result estimate(LinearOperator a, Options o) {
        Objects.requireNonNull(a, "operator");
        Objects.requireNonNull(o, "options");
        int n = a.dim();
        if (n == 0) throw new IllegalArgumentException("the operator has dimension 0");
        int m = Math.min(o.steps, n);
        SplittableRandom rng = new SplittableRandom(o.seed);
        KrylovBasis basis = new KrylovBasis(n, m + 1);
        basis.ranges(a.ranges());
        double[] w = new double[n];
        double[] aw = new double[n];
        double[] allNodes = new double[o.probes * m];
        double[] allWeights = new double[o.probes * m];
        int count = 0;
        long products = 0;
        for (int probe = 0; probe < o.probes; probe++) {
            dev.morse.linalg.Cancellation.check("SLQ");
            basis.size = 0;
            for (int t = 0; t < n; t++) w[t] = rng.nextBoolean() ? 1.0 : -1.0;
            double[] alpha = new double[m];
            double[] beta = new double[m];
            int steps = 0;
            double scale = 1.0 / Math.sqrt(n);   // w = √n v_0: every row comes pending (see KrylovBasis)
            for (int j = 0; j < m; j++) {
                a.apply(w, aw);
                products++;
                Operators.requireFiniteProduct(a, aw, n, 1, "SLQ probe %d, step %d", probe, j);
                basis.size = j + 1;
                // The three-term recurrence in blocked passes (see Lanczos), then full reorthogonalization.
                double a0 = basis.recurrence(aw, j, j > 0 ? beta[j - 1] : 0.0, null, w, scale);
                double productNorm = basis.inputNorm();
                alpha[j] = a0 + basis.orthogonalize(w, j, false, basis.subtract(aw, j, a0, w));
                steps = j + 1;
                double b = basis.lastNorm();
                if (j + 1 == m) break;
                if (b <= Lanczos.BREAKDOWN * productNorm) break;   // invariant subspace (see Lanczos.BREAKDOWN): quadrature is exact
                beta[j] = b;
                scale = 1.0 / b;   // w = β_j v_{j+1}, the next product's input
            }
            double[] d = java.util.Arrays.copyOf(alpha, steps);
            double[] e = java.util.Arrays.copyOf(beta, Math.max(0, steps - 1));
            SymmetricEigen eig = Linalg.get().tridiagonalEigen(d, e, true);
            double[] vals = eig.values();
            double[] vecs = eig.vectors();
            for (int i = 0; i < vals.length; i++) {
                double s0 = vecs[i * steps];   // first component of eigenvector i
                allNodes[count] = vals[i];
                allWeights[count] = s0 * s0 / o.probes;
                count++;
            }
        }
        double[] nodes = java.util.Arrays.copyOf(allNodes, count);
        double[] weights = java.util.Arrays.copyOf(allWeights, count);
        double lo = Double.POSITIVE_INFINITY, hi = Double.NEGATIVE_INFINITY;
        for (double x : nodes) {
            lo = Math.min(lo, x);
            hi = Math.max(hi, x);
        }
        double range = hi - lo;
        double sigma = switch (sigmaRule(o.sigma, lo, hi)) {
            case GIVEN -> o.sigma;
            case RANGE -> 0.01 * range;
            case MAGNITUDE -> 1e-3 * Math.abs(hi);
            case FLOOR -> 1e-12;
        };
        // Pad by 5σ so the Gaussians' mass stays on the grid and the density integrates to 1.
        double gLo = lo - 5 * sigma, gHi = hi + 5 * sigma;
        double[] grid = new double[o.gridPoints];
        double[] density = new double[o.gridPoints];
        double norm = 1.0 / (sigma * Math.sqrt(2 * Math.PI));
        for (int g = 0; g < o.gridPoints; g++) {
            double t = gLo + (gHi - gLo) * g / (o.gridPoints - 1);
            grid[g] = t;
            double s = 0;
            for (int i = 0; i < count; i++) {
                double z = (t - nodes[i]) / sigma;
                if (Math.abs(z) < 40) s += weights[i] * Math.exp(-0.5 * z * z);
            }
            density[g] = s * norm;
        }
        return new Result(grid, density, sigma, o.probes, m, nodes, weights, products, n);
    }
}
