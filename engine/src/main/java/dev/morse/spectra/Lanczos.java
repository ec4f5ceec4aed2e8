package dev.morse.spectra;

import dev.morse.linalg.Linalg;
import dev.morse.linalg.SymmetricEigen;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.SplittableRandom;

/**
 * Extreme eigenvalues of a symmetric operator by thick-restart Lanczos (Wu and Simon, 2000) with
 * full reorthogonalization (SPEC §7). Memory is bounded by the basis size m (m + 1 vectors of
 * length n): after m steps the wanted Ritz pairs and some more from the same end(s) are kept,
 * the projected matrix becomes an arrowhead, and the iteration goes on from the last residual.
 *
 * <p>A Ritz pair (θ_i, y_i) has the residual bound ‖A y_i − θ_i y_i‖ = |β_m s_{m,i}| (exact in
 * exact arithmetic with full reorthogonalization); it counts as converged when that bound is at
 * most {@code tol}·max|θ|. The start vector is Rademacher from {@code seed}.
 *
 * <p>Every product must be finite: one holding NaN or an infinity (an engine operator at a θ where
 * the loss overflows, a broken user operator) is refused with a
 * {@link dev.morse.linalg.NonFiniteValueException} (a numerical failure of the run, see the package
 * comment) that names the operator, the entry and the step.
 */
public final class Lanczos {

    /** Which end of the spectrum to resolve. */
    public enum Which {
        LARGEST, SMALLEST,
        /** k at each end (2k Ritz values in all). */
        BOTH,
        /**
         * The k of largest absolute value, from either end (k in all). Shift-invert uses it: the
         * eigenvalues of (A − σI)⁻¹ largest in magnitude are those of A nearest σ.
         */
        MAGNITUDE
    }

    /**
     * How the basis is kept orthogonal. FULL (the default, SPEC §7): every new vector against every
     * stored one (classical Gram–Schmidt, twice when needed): orthogonal to working precision, but
     * each step sweeps the whole basis, which at P ≈ 270k costs a quarter to a third of the products
     * on top of them. PARTIAL (opt-in, for speed at large P): Simon's partial reorthogonalization (1984), adapted to the thick-restart
     * arrowhead: the overlaps ω_{j,k} = v_jᵀv_k are estimated by a recurrence from the projected
     * matrix instead of being computed, and a vector is reorthogonalized against the whole basis
     * (it and the next one) only when an estimate exceeds √ε. The basis then stays
     * semi-orthogonal (|ω| ≤ √ε), which keeps the Ritz values accurate to working precision
     * (Simon's theorem), at a fraction of the memory traffic. The Ritz vectors V s_i are not: the
     * relation A V = V T + β v eᵀ then holds only to about √ε‖A‖, so their true residuals can
     * exceed the bound |β_m s_{m,i}| by that much (measured: 4.9e-10 where the bound said 0). When
     * vectors are asked for, PARTIAL therefore reports their true residuals ‖A y_i − θ_i y_i‖, at
     * one product per vector, and judges convergence by them.
     */
    public enum Reorthogonalization { FULL, PARTIAL }

    /** Settings; defaults: k = 10, LARGEST, tol = 1e-8, basis m = max(2k' + 20, 40) (k' wanted values), 300 restarts, seed 0, FULL (SPEC §7). */
    public static final class Options {
        int k = 10;
        Which which = Which.LARGEST;
        double tol = 1e-8;
        int basis = 0;
        int maxRestarts = 300;
        long seed = 0;
        boolean vectors = false;
        boolean eachRelative = false;
        Reorthogonalization reorthogonalization = Reorthogonalization.FULL;

        /** FULL or PARTIAL reorthogonalization (see {@link Reorthogonalization}). */
        public Options reorthogonalization(Reorthogonalization r) {
            if (r == null) throw new IllegalArgumentException("reorthogonalization is null");
            this.reorthogonalization = r;
            return this;
        }

        /**
         * The number of Ritz values wanted: k from the chosen end ({@link Which#BOTH}: k from each
         * end, 2k in all). An operator of dimension n has only n: with k ≥ n (BOTH: 2k ≥ n) the
         * result holds all n of them, each once, ascending, i.e. fewer values than asked; read
         * {@code result.ritzValues().length}.
         */
        public Options k(int k) {
            if (k <= 0) throw new IllegalArgumentException("k must be positive, got " + k);
            this.k = k;
            return this;
        }

        public Options which(Which w) {
            this.which = w;
            return this;
        }

        public Options tol(double t) {
            if (!(t > 0) || t >= 1) throw new IllegalArgumentException("tolerance must be in (0, 1), got " + t);
            this.tol = t;
            return this;
        }

        /** Basis size m (memory: (m+1)·n doubles). 0 chooses max(2k' + 20, 40). */
        public Options basis(int m) {
            if (m < 0) throw new IllegalArgumentException("basis size must be ≥ 0, got " + m);
            this.basis = m;
            return this;
        }

        public Options maxRestarts(int r) {
            if (r < 0) throw new IllegalArgumentException("maxRestarts must be ≥ 0, got " + r);
            this.maxRestarts = r;
            return this;
        }

        public Options seed(long s) {
            this.seed = s;
            return this;
        }

        /**
         * Each wanted Ritz value converges relative to itself (‖r_i‖ ≤ tol·|θ_i|, as ARPACK) instead
         * of relative to the largest |θ|. For shift-invert, where the wanted values of (A − σI)⁻¹
         * span many orders of magnitude: then λ = σ + 1/θ_i is accurate to a relative tol in λ − σ.
         */
        public Options eachRelative(boolean on) {
            this.eachRelative = on;
            return this;
        }

        /** Also return the Ritz vectors. */
        public Options vectors(boolean v) {
            this.vectors = v;
            return this;
        }
    }

    /**
     * Ritz values (ascending), their residual bounds (with PARTIAL and vectors: the vectors' true
     * residuals) and converged flags, Ritz vectors (row i for value i) when asked, the number of operator products, restarts, the wanted Ritz values
     * after each cycle (for convergence plots), and how many steps swept the whole basis to
     * reorthogonalize (every step with FULL; the first step of each cycle and the steps the ω
     * estimates asked for with PARTIAL).
     *
     * <p>The arrays hold min(k, n) values (BOTH: min(2k, n)), n being the operator's dimension:
     * fewer than asked when k exceeds what n allows (see {@link Options#k(int)}). With BOTH and
     * 2k &lt; n, the k smallest come first, then the k largest.
     */
    public record Result(double[] ritzValues, double[] residuals, boolean[] converged, double[] vectors,
                         long products, int restarts, boolean allConverged, List<double[]> history, long reorthogonalizations) {}

    private Lanczos() {}

    /**
     * β ≤ this · ‖A·v_j‖ is a breakdown (an invariant subspace, up to rounding): the remainder is
     * orthogonalization noise. Dropping such a β perturbs the projected matrix by at most
     * 1e-12·‖A‖.
     */
    static final double BREAKDOWN = 1e-12;

    public static Result run(LinearOperator a, Options o) {
        Objects.requireNonNull(a, "operator");
        Objects.requireNonNull(o, "options");
        int n = a.dim();
        if (n == 0) return new Result(new double[0], new double[0], new boolean[0], o.vectors ? new double[0] : null, 0, 0, true, List.of(), 0);
        int wanted = Math.min(n, o.which == Which.BOTH ? 2 * o.k : o.k);
        int m = o.basis > 0 ? o.basis : Math.max(2 * wanted + 20, 40);
        m = Math.min(m, n);
        if (m <= wanted && m < n) {
            throw new IllegalArgumentException("basis size m=" + m + " must exceed the " + wanted + " wanted Ritz values");
        }
        int work = o.reorthogonalization == Reorthogonalization.PARTIAL ? 3 : 2;   // w, aw and (PARTIAL) the restart's known vector
        dev.morse.linalg.MemoryGuard.checkDense(m + 1L + work, n, "Lanczos basis (m+1=" + (m + 1) + " vectors of length " + n + ") and "
                + work + " work vectors");
        KrylovBasis basis = new KrylovBasis(n, m + 1);
        SplittableRandom rng = new SplittableRandom(o.seed);
        double[] w = new double[n];
        double[] aw = new double[n];
        double[] known = o.reorthogonalization == Reorthogonalization.PARTIAL ? new double[n] : null;   // see the restart
        final int ld = m;                 // leading dimension of the projected matrix t
        double[] t = new double[ld * ld];
        basis.ranges(a.ranges());
        basis.appendRandom(rng, w);
        // The next product's input: row j of the basis, copied into w, or the pending row
        // u = β_{j−1} v_j, not yet stored (see KrylovBasis: the operator is linear, so the product
        // takes u as it is, and the next step's first pass stores v_j = u/β and scales A u).
        boolean pendingRow = false;
        long products = 0;
        int start = 0;
        int restarts = 0;
        List<double[]> history = new ArrayList<>();
        double lastBeta = 0;
        boolean partial = o.reorthogonalization == Reorthogonalization.PARTIAL;
        // ω estimates (PARTIAL): row j (the current vector) and row j−1, over basis rows 0..j.
        double[] omega = new double[m + 1], omegaPrev = new double[m + 1], omegaNext = new double[m + 1];
        final double eps = Math.ulp(1.0);
        final double sqrtEps = Math.sqrt(eps);
        // The size of a rounding error in an overlap: ε·√n (Simon's model, as in PROPACK).
        final double eps1 = eps * Math.sqrt(n);
        double anorm = 0;          // running estimate of ‖A‖ from the projected matrix
        long reorths = 0;
        boolean reorthNext = false;
        boolean deferred = false;   // the cycle's last sweep left half done, for the restart (see below)
        while (true) {
            // Extend the basis from `start` to m vectors.
            for (int j = start; j < m; j++) {
                dev.morse.linalg.Cancellation.check("Lanczos");
                if (!pendingRow) basis.copyRow(j, w);
                deferred = false;
                a.apply(w, aw);
                products++;
                Operators.requireFiniteProduct(a, aw, n, 1, "Lanczos's basis vector %d (product %d)", j, products);
                basis.size = j + 1;
                // After a thick restart the first new vector couples to every kept Ritz vector
                // (arrowhead): full orthogonalization handles that step; later steps are tridiagonal
                // and, with PARTIAL, sweep the basis only when the ω estimates ask for it.
                double betaPrev = j > start ? t[(j - 1) * ld + j] : 0.0;
                // With PARTIAL, the first step of a cycle sweeps the basis too: the arrowhead couples
                // A·v_start to every kept Ritz vector with O(‖A‖) coefficients. Those known couplings
                // are subtracted first (below), which leaves components of order √ε‖A‖ along the kept
                // vectors, as a first Gram–Schmidt pass against semi-orthogonal vectors (overlaps
                // δ ≤ √ε) would; one sweep then removes them (DGKS adds a second when it cancels).
                // The step after an ω-triggered sweep, whose estimates are not computed, sweeps in
                // two passes.
                boolean full = !partial || j == start || reorthNext;
                if (j == start) java.util.Arrays.fill(omega, 0, j, eps1);   // v_start is orthogonal to what is kept
                omega[j] = 1;
                // The three-term recurrence aw −= β v_{j−1}, α = v_jᵀaw, w = aw − α v_j (its modified
                // form), in two blocked passes that also give ‖A v_j‖ and ‖w‖; then, for a full step,
                // the sweep. With PARTIAL, the first step after a thick restart subtracts the
                // arrowhead's known Σ c_i y_i (A y_i = θ_i y_i + c_i v_start to rounding and
                // semi-orthogonality; formed by the restart): what is left along the kept vectors is
                // of order √ε‖A‖, as after a first Gram–Schmidt pass, so one sweep (with DGKS's
                // second when it cancels) finishes what two did. FULL keeps its two-sweep form, the
                // reference.
                double alpha = basis.recurrence(aw, j, betaPrev, j == start && restarts > 0 ? known : null,
                        pendingRow ? w : null, pendingRow ? 1.0 / lastBeta : 1.0);
                double productNorm = basis.inputNorm();
                double beta = basis.subtract(aw, j, alpha, w);   // w: the unnormalized next vector
                if (full) {
                    alpha += basis.orthogonalize(w, j, partial && j != start, beta);
                    beta = basis.lastNorm();
                }
                t[j * ld + j] = alpha;
                anorm = Math.max(anorm, Math.abs(alpha) + beta + betaPrev);
                reorthNext = false;
                if (full) {
                    reorths++;
                    java.util.Arrays.fill(omegaNext, 0, j + 1, eps1);   // orthogonalized to working precision
                } else if (beta > 0) {
                    // ω_{j+1,k} from A v_k = Σ_i T_ik v_i (tridiagonal rows, or the arrowhead for kept
                    // Ritz vectors): β_j ω_{j+1,k} = Σ_{i≤j} T_ik ω_{j,i} − α_j ω_{j,k} − β_{j−1} ω_{j−1,k}.
                    double worst = 0;
                    for (int k = 0; k < j; k++) {
                        double sum = 0;
                        for (int i = 0; i <= j; i++) sum += t[i * ld + k] * omega[i];
                        double x = (sum - alpha * omega[k] - betaPrev * (k == j - 1 ? 1.0 : omegaPrev[k])) / beta;
                        x += Math.copySign(eps1 * anorm / beta, x);   // rounding only ever adds to the loss
                        omegaNext[k] = x;
                        worst = Math.max(worst, Math.abs(x));
                    }
                    omegaNext[j] = eps1;
                    // Sweep when semi-orthogonality is about to be lost (then this vector and the
                    // next one), and at the last step of a cycle: its residual becomes the next
                    // cycle's starting vector, which must be orthogonal to the kept Ritz vectors.
                    // The components left after the three-term step are bounded by the estimates
                    // (worst); one pass against overlaps δ ≤ √ε leaves δ·worst, at most ε·√n (eps1)
                    // when worst·√ε ≤ eps1, and otherwise a second pass is taken.
                    if (worst > sqrtEps || j == m - 1) {
                        // At the end of a cycle with the basis semi-orthogonal, the sweep's second
                        // half (w −= Vᵀc) runs inside the thick restart, which reads every row
                        // anyway. Then ‖w − Vᵀc‖² = ‖w‖² − ‖c‖² + cᵀ(VVᵀ − I)c, whose last term is
                        // at most m√ε‖c‖²: below ε‖w‖² when ‖c‖² ≤ (√ε/m)‖w‖², which is checked
                        // (the estimates promise ‖c‖² ≤ mε‖w‖²); otherwise the sweep runs whole.
                        if (worst <= sqrtEps) {
                            double c2 = basis.project(w);
                            if (c2 <= sqrtEps / m * beta * beta) {
                                alpha += basis.coefficient(j);
                                beta = Math.sqrt(beta * beta - c2);
                                deferred = true;
                            }
                        }
                        if (!deferred) {
                            alpha += basis.orthogonalize(w, j, worst * sqrtEps > eps1, beta);
                            beta = basis.lastNorm();
                        }
                        t[j * ld + j] = alpha;
                        reorths++;
                        reorthNext = worst > sqrtEps;
                        java.util.Arrays.fill(omegaNext, 0, j + 1, eps1);
                    }
                }
                double[] tmp = omegaPrev;
                omegaPrev = omega;
                omega = omegaNext;
                omegaNext = tmp;
                // Breakdown when what is left after orthogonalization is at the rounding level of
                // the orthogonalization itself, relative to ‖A·v_j‖ before it: such a remainder has
                // no direction of its own (its components along the basis are as large as the rest),
                // and normalizing it spreads the loss of orthogonality by 1/β per step. A test
                // against the local entries of T missed this after a breakdown of a (nearly)
                // singular operator, where α and the last β are tiny too (a rank-4 Gauss–Newton
                // matrix then showed Ritz values 4 times ‖G‖); a test against ‖T‖ cut true couplings
                // of shift-invert operators, whose ‖T‖ is 1/τ.
                if (beta <= BREAKDOWN * productNorm) {
                    // Invariant subspace: continue with a fresh direction orthogonal to it.
                    beta = 0;
                    pendingRow = false;
                    deferred = false;
                    if (!basis.appendRandom(rng, w)) {
                        m = j + 1;   // the basis spans R^n: the projection is exact (m = n, residuals 0)
                        break;
                    }
                    reorthNext = false;
                    java.util.Arrays.fill(omega, 0, j + 1, eps1);   // the fresh direction is fully orthogonal
                } else if (j + 1 < m) {
                    pendingRow = true;   // w = β v_{j+1}, the next product's input; its row comes with the next step
                } else {
                    if (!deferred) basis.append(w, beta);   // row m, the residual direction a thick restart keeps
                    pendingRow = false;
                }
                if (j + 1 < m) {
                    t[j * ld + j + 1] = beta;
                    t[(j + 1) * ld + j] = beta;
                }
                lastBeta = beta;
            }
            // Ritz pairs of the projected matrix (its leading m×m block).
            double[] tm = new double[m * m];
            for (int i = 0; i < m; i++) System.arraycopy(t, i * ld, tm, i * m, m);
            SymmetricEigen eig = Linalg.get().eigh(tm, m, true);
            double[] theta = eig.values();
            double[] s = eig.vectors();   // row i = eigenvector i of T, length m
            boolean exact = m == n;   // the basis spans R^n: Ritz values are eigenvalues
            int[] want = wantedIndices(o.which, o.k, m, theta);
            double[] res = new double[m];
            double tmax = 0;
            for (double x : theta) tmax = Math.max(tmax, Math.abs(x));
            boolean all = true;
            for (int i = 0; i < m; i++) res[i] = exact ? 0 : Math.abs(lastBeta * s[i * m + m - 1]);
            for (int i : want) all &= res[i] <= o.tol * Math.max(o.eachRelative ? Math.abs(theta[i]) : tmax, Double.MIN_NORMAL);
            double[] snap = new double[want.length];
            for (int i = 0; i < want.length; i++) snap[i] = theta[want[i]];
            history.add(snap);
            if (all || restarts >= o.maxRestarts || exact) {
                return finish(a, basis, n, m, theta, s, res, want, o, products, restarts, history, tmax, reorths);
            }
            // Thick restart: keep the wanted Ritz vectors and as many more from the same end(s).
            // At most m − 1 vectors are kept, so the restarted basis has room for the residual
            // and the arrowhead's coupling column (with BOTH, half from each end, rounded down).
            int keep = Math.min(m - 1, want.length + Math.max(1, (m - want.length) / 2));
            int[] kept = wantedIndices(o.which, o.which == Which.BOTH ? keep / 2 : keep, m, theta);
            keep = kept.length;
            // The restarted projection: the kept Ritz values and the arrowhead's couplings
            // c_i = β s_i[m−1]; with PARTIAL also u = Σ_i c_i s_i, so that the restart forms
            // known = Σ c_i y_i = V u for the next cycle's first step.
            Arrays.fill(t, 0.0);
            double[] u = partial ? new double[m] : null;
            for (int i = 0; i < keep; i++) {
                t[i * ld + i] = theta[kept[i]];
                double c = lastBeta * s[kept[i] * m + m - 1];
                t[i * ld + keep] = c;
                t[keep * ld + i] = c;
                if (u != null) for (int jj = 0; jj < m; jj++) u[jj] += c * s[kept[i] * m + jj];
            }
            // rows 0..keep−1: Ritz vectors; row keep: v_{m+1} (from row m, or w with its projection deferred)
            basis.restart(s, kept, m, deferred ? w : null, 1.0 / lastBeta, u, known);
            start = keep;
            restarts++;
            pendingRow = false;   // row keep is the residual direction, moved by the restart
        }
    }

    private static Result finish(LinearOperator a, KrylovBasis basis, int n, int m, double[] theta, double[] s, double[] res,
                                 int[] want, Options o, long products, int restarts, List<double[]> history, double tmax, long reorths) {
        int[] idx = want.clone();
        Arrays.sort(idx);   // ascending Ritz values (theta is ascending)
        double[] values = new double[idx.length];
        double[] r = new double[idx.length];
        boolean[] conv = new boolean[idx.length];
        for (int i = 0; i < idx.length; i++) {
            values[i] = theta[idx[i]];
            r[i] = res[idx[i]];
            conv[i] = r[i] <= o.tol * Math.max(o.eachRelative ? Math.abs(values[i]) : tmax, Double.MIN_NORMAL);
        }
        double[] vecs = null;
        if (o.vectors) {   // y_i = V s_i for the chosen eigenvectors s_i of the projected matrix
            vecs = new double[idx.length * n];
            basis.ritzVectors(s, idx, m, vecs);
            if (o.reorthogonalization == Reorthogonalization.PARTIAL) {
                // The bound does not hold for vectors of a semi-orthogonal basis (see PARTIAL).
                double[] y = new double[n], ay = new double[n];
                for (int i = 0; i < idx.length; i++) {
                    System.arraycopy(vecs, i * n, y, 0, n);
                    a.apply(y, ay);
                    products++;
                    Operators.requireFiniteProduct(a, ay, n, 1, "Ritz vector %d", i, 0);
                    double sum = 0;
                    for (int t = 0; t < n; t++) {
                        double e = ay[t] - values[i] * y[t];
                        sum += e * e;
                    }
                    r[i] = Math.sqrt(sum);
                    conv[i] = r[i] <= o.tol * Math.max(o.eachRelative ? Math.abs(values[i]) : tmax, Double.MIN_NORMAL);
                }
            }
        }
        boolean allConv = true;
        for (boolean c : conv) allConv &= c;
        return new Result(values, r, conv, vecs, products, restarts, allConv, history, reorths);
    }

    /** Indices into ascending values 0..m-1 of the k wanted ones. */
    static int[] wantedIndices(Which which, int k, int m) {
        if (which == Which.MAGNITUDE) throw new IllegalArgumentException("MAGNITUDE needs the values");
        return wantedIndices(which, k, m, null);
    }

    /**
     * Indices into the ascending values theta[0..m) of the k wanted ones (theta is read only for
     * {@link Which#MAGNITUDE}: the k largest |θ| lie at the two ends, taken greedily from whichever
     * end is larger in magnitude), in ascending order.
     */
    static int[] wantedIndices(Which which, int k, int m, double[] theta) {
        k = Math.min(k, m);
        if (which == Which.MAGNITUDE) {
            int lo = 0, hi = m - 1;
            for (int taken = 0; taken < k; taken++) {
                if (Math.abs(theta[lo]) >= Math.abs(theta[hi])) lo++;
                else hi--;
            }
            int[] r = new int[k];
            int c = 0;
            for (int i = 0; i < lo; i++) r[c++] = i;
            for (int i = hi + 1; i < m; i++) r[c++] = i;
            return r;
        }
        switch (which) {
            case SMALLEST: {
                int[] r = new int[k];
                for (int i = 0; i < k; i++) r[i] = i;
                return r;
            }
            case LARGEST: {
                int[] r = new int[k];
                for (int i = 0; i < k; i++) r[i] = m - k + i;
                return r;
            }
            default: {
                if (2 * k >= m) {
                    int[] r = new int[m];
                    for (int i = 0; i < m; i++) r[i] = i;
                    return r;
                }
                int[] r = new int[2 * k];
                for (int i = 0; i < k; i++) {
                    r[i] = i;
                    r[k + i] = m - k + i;
                }
                return r;
            }
        }
    }
}
