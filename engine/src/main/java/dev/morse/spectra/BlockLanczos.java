package dev.morse.spectra;

import dev.morse.linalg.Linalg;
import dev.morse.linalg.MemoryGuard;
import dev.morse.linalg.SymmetricEigen;
import java.util.Arrays;
import java.util.Objects;
import java.util.SplittableRandom;

/**
 * Block Lanczos with full reorthogonalization for the eigenvalues of largest magnitude of a
 * symmetric operator whose products come cheaper in blocks than one at a time: a solve with a
 * dense factor reads the whole factor once per call whether it has one right-hand side or sixteen
 * (measured: {@code dpotrs} at n = 9550 takes about 110 ms for 1, 2, 8 or 16 of them on 2 cores),
 * so a shift-invert method that asks for b vectors at a time pays about 1/b of single-vector
 * Lanczos per vector.
 *
 * <p>The basis V = [X₀, X₁, …] spans the block Krylov space of a random start block X₀ (b
 * columns): X_{j+1} is A·X_j orthonormalized against every stored vector (classical Gram–Schmidt,
 * always twice: "twice is enough"), so V stays orthonormal to rounding. A·V is kept (W), the
 * projected matrix T = VᵀAV = VᵀW grows by one block of columns per step, and after each step the
 * Rayleigh–Ritz pairs (θ, y = Vs) of T give exact residuals r = Ws − θy (no recurrence: W holds
 * the products). The run stops when the k wanted pairs pass the {@link Convergence} test. A
 * candidate that orthogonalization annihilates (the Krylov space became invariant) is replaced by
 * a fresh random vector.
 *
 * <p><b>Thick restarts</b> (Krylov–Schur, block form): when the basis is full and pairs are still
 * unconverged, the Ritz vectors of the largest |θ| are kept (the k wanted and about half the rest
 * of the basis), with their products W·s, the projected matrix becomes diag(θ), and the iteration
 * goes on from the last block's products orthogonalized against the whole old basis (the block
 * that holds every residual: A·V = V·T + (I − VVᵀ)·A·X_last·E_lastᵀ). The convergence of the
 * wanted pairs next to a large cluster of |θ| just below them takes many steps (the rate depends on
 * the gap to the cluster relative to the spread of the spectrum), more than a basis of bounded
 * memory holds; restarts give those steps at a fixed memory. A run also stops, {@link
 * Stop#STAGNATED}, when a whole cycle between restarts did not halve the product of the wanted
 * pairs' distances to convergence (their {@link Convergence#ratio} above 1): residuals stuck at
 * the rounding level of the operator, or convergence too slow for the budget to finish. The rule
 * is for a small restart budget (the Morse check's shift-invert allows 4): it also ends slow,
 * steady convergence next to a dense band, where single cycles gain less than a factor 2 (a
 * review's 800 × 800 example stopped at residuals of 1e-2 after 7 restarts; without the rule it
 * converged to 1e-9 in 99). The pairs are then reported unconverged, with this stop.
 *
 * <p>Deterministic for a seed: the products decide the bits, the rest is sequential BLAS calls.
 */
public final class BlockLanczos {
    private BlockLanczos() {}

    /**
     * When a Ritz pair (θ, y) of A counts as converged, from θ, its residual ‖Ay − θy‖ and the
     * norm of its image ‖Ay‖ (= √(θ² + ‖Ay − θy‖²)): {@link #ratio} ≤ 1.
     */
    @FunctionalInterface
    public interface Convergence {
        /** How far the pair is from converged: ≤ 1 converged, larger the further. */
        double ratio(double theta, double residual, double imageNorm);

        /**
         * ‖Ay − θy‖ ≤ tol·|θ| (relative to the value itself, as ARPACK); a zero residual passes
         * whatever θ (θ = 0 included, where the quotient would be 0/0 = NaN).
         */
        static Convergence relative(double tol) {
            if (!(tol > 0)) throw new IllegalArgumentException("tol > 0 expected, got " + tol);
            return (theta, residual, imageNorm) -> residual == 0 ? 0 : residual / (tol * Math.abs(theta));
        }

        /**
         * For A = B⁻¹ (shift-invert, B = H − σI): the image z = Ay, normalized, is an eigenvector
         * estimate of B for the eigenvalue 1/θ, with residual ‖B ẑ − ẑ/θ‖ = ‖Ay − θy‖/(|θ|·‖Ay‖)
         * exactly (B z = y, so B z − z/θ = −(Ay − θy)/θ); converged when that is at most tol, an
         * absolute tolerance in the units of B. {@link Result#images()} holds the z.
         */
        static Convergence ofInverse(double tol) {
            if (!(tol > 0)) throw new IllegalArgumentException("tol > 0 expected, got " + tol);
            return (theta, residual, imageNorm) -> theta == 0 || imageNorm == 0 ? Double.POSITIVE_INFINITY
                    : residual / (Math.abs(theta) * imageNorm) / tol;
        }
    }

    /** Why a run stopped. */
    public enum Stop {
        /** The k wanted pairs passed the test. */
        CONVERGED,
        /** The basis was full and no restart was left (or none fits): the budget ran out first. */
        BUDGET,
        /**
         * A cycle between restarts did not halve the product of the wanted pairs' distances to
         * convergence: residuals at the rounding level of the operator, or convergence too slow
         * for the budget.
         */
        STAGNATED,
        /** The basis spans the whole space: the pairs are exact up to the rounding of the products, and some still fail the test. */
        SPANNED
    }

    /**
     * The wanted Ritz pairs, |θ| descending: values, residual norms ‖Ay − θy‖, the unit Ritz
     * vectors y (row i, length n), their images Ay (row i, not normalized), which of them passed
     * the test; the vectors multiplied by A (products), the calls of A.apply (applications: one
     * per block, the solves of a shift-invert run), the restarts, why the run stopped, and every
     * Ritz value of the last basis, |θ| descending (for diagnostics: a cluster next to the
     * unconverged pairs shows there).
     */
    public record Result(double[] ritzValues, double[] residuals, double[] vectors, double[] images, boolean[] converged, long products,
                         int applications, int restarts, Stop stop, double[] allRitzValues) {
        /** Every wanted pair passed the test. */
        public boolean allConverged() {
            return stop == Stop.CONVERGED;
        }
    }

    /**
     * The k eigenpairs of largest |λ| of a, in blocks of b vectors, at most maxBasis vectors (the
     * whole space when n is smaller), converged when ‖Ay − θy‖ ≤ tol·|θ| for each of the k; no
     * restarts.
     *
     * @throws IllegalArgumentException on k or b below 1, maxBasis below min(k + b, n), or a tol that is not positive
     */
    public static Result largestMagnitude(LinearOperator a, int k, int b, double tol, int maxBasis, long seed) {
        Objects.requireNonNull(a, "operator");
        if (!(tol > 0)) {
            throw new IllegalArgumentException("tol > 0 expected, got k=" + k + ", b=" + b + ", maxBasis=" + maxBasis + ", tol=" + tol + ", n=" + a.dim());
        }
        return largestMagnitude(a, k, b, Convergence.relative(tol), maxBasis, 0, seed);
    }

    /**
     * The k eigenpairs of largest |λ| of a, in blocks of b vectors, at most maxBasis vectors (the
     * whole space when n is smaller) and at most maxRestarts thick restarts, converged by
     * {@code test}.
     *
     * @throws IllegalArgumentException on k or b below 1, maxBasis below min(k + b, n), negative maxRestarts or no test
     */
    public static Result largestMagnitude(LinearOperator a, int k, int b, Convergence test, int maxBasis, int maxRestarts, long seed) {
        Objects.requireNonNull(a, "operator");
        int n = a.dim();
        if (k < 1 || b < 1 || maxBasis < Math.min((long) k + b, n) || maxRestarts < 0 || test == null) {
            throw new IllegalArgumentException("k ≥ 1, b ≥ 1, maxBasis ≥ min(k + b, n), maxRestarts ≥ 0 and a test expected, got k=" + k + ", b=" + b
                    + ", maxBasis=" + maxBasis + ", maxRestarts=" + maxRestarts + ", n=" + n);
        }
        k = Math.min(k, n);
        int cap = Math.min(maxBasis, n);
        if (n == 0) return new Result(new double[0], new double[0], new double[0], new double[0], new boolean[0], 0, 0, 0, Stop.CONVERGED, new double[0]);
        MemoryGuard.checkDense(2L * cap, n, "block Lanczos basis and products (2 × " + cap + " vectors of length " + n + ")");
        double[] v = new double[cap * n], w = new double[cap * n], t = new double[cap * cap];
        double[] cand = new double[b * n];
        SplittableRandom rng = new SplittableRandom(seed);
        Linalg la = Linalg.get();
        int size = 0, blockStart = 0, restarts = 0, applications = 0;
        long products = 0;
        double distanceAtRestart = Double.POSITIVE_INFINITY;   // Σ log max(ratio, 1) over the wanted, at the last restart
        for (int j = 0; j < Math.min(b, cap); j++) {
            random(rng, cand, 0, n);
            size = append(la, v, size, n, cand, 0, rng);
        }
        while (true) {
            dev.morse.linalg.Cancellation.check("block Lanczos");
            // W for the newest block, and T's new columns (and rows, by symmetry).
            int nb = size - blockStart;
            a.apply(Arrays.copyOfRange(v, blockStart * n, size * n), cand, nb);
            Operators.requireFiniteProduct(a, cand, n, nb, "block Lanczos's basis vectors %d..%d", blockStart, size - 1);
            System.arraycopy(cand, 0, w, blockStart * n, nb * n);
            products += nb;
            applications++;
            double[] tc = new double[size * nb];   // tc[i·nb + j] = v_i · w_{blockStart + j}
            la.dgemm(false, true, size, nb, n, 1.0, v, 0, n, w, blockStart * n, n, 0.0, tc, 0, nb);
            for (int i = 0; i < size; i++) {
                for (int j = 0; j < nb; j++) {
                    int c = blockStart + j;
                    if (i < blockStart) {
                        t[i * cap + c] = t[c * cap + i] = tc[i * nb + j];
                    } else if (i <= c) {   // within the new block: symmetrize (A is symmetric, the products up to rounding)
                        double s = 0.5 * (tc[i * nb + j] + tc[c * nb + (i - blockStart)]);
                        t[i * cap + c] = t[c * cap + i] = s;
                    }
                }
            }
            // Rayleigh–Ritz on the whole basis; the k pairs of largest |θ| and their exact residuals.
            double[] tm = new double[size * size];
            for (int i = 0; i < size; i++) System.arraycopy(t, i * cap, tm, i * size, size);
            SymmetricEigen eig = la.eigh(tm, size, true);
            double[] theta = eig.values(), s = eig.vectors();
            Integer[] order = new Integer[size];
            for (int i = 0; i < size; i++) order[i] = i;
            Arrays.sort(order, (x, y) -> Double.compare(Math.abs(theta[y]), Math.abs(theta[x])));
            int want = Math.min(k, size);
            double[] vals = new double[want], res = new double[want], vecs = new double[want * n];
            double[] sw = new double[want * size];
            for (int i = 0; i < want; i++) System.arraycopy(s, order[i] * size, sw, i * size, size);
            double[] ay = new double[want * n];
            la.dgemm(false, false, want, n, size, 1.0, sw, 0, size, v, 0, n, 0.0, vecs, 0, n);
            la.dgemm(false, false, want, n, size, 1.0, sw, 0, size, w, 0, n, 0.0, ay, 0, n);
            boolean all = want == k;
            boolean[] conv = new boolean[want];
            double distance = 0;
            for (int i = 0; i < want; i++) {
                vals[i] = theta[order[i]];
                double r = 0;
                for (int q = 0; q < n; q++) {
                    double d = ay[i * n + q] - vals[i] * vecs[i * n + q];
                    r += d * d;
                }
                res[i] = Math.sqrt(r);
                double ratio = test.ratio(vals[i], res[i], norm(ay, i * n, n));
                conv[i] = ratio <= 1;
                all &= conv[i];
                distance += Math.log(Math.max(ratio, 1));
            }
            if (all) return result(vals, res, vecs, ay, conv, products, applications, restarts, Stop.CONVERGED, theta, order);
            if (size == n) return result(vals, res, vecs, ay, conv, products, applications, restarts, Stop.SPANNED, theta, order);
            int keep = keep(k, b, cap);
            // A restart only where the basis cannot hold the space (cap < n): where it can, the
            // last vectors (fewer than a block when n is not a multiple of b) are added below and
            // the run spans the space (SPANNED: exact pairs) instead of restarting short of it.
            if (cap < n && size + nb > cap && restarts < maxRestarts && keep >= want && keep < size) {
                // A whole cycle since the last restart that did not halve the product of the distances: stop.
                if (!(distance < distanceAtRestart - Math.log(2))) {
                    return result(vals, res, vecs, ay, conv, products, applications, restarts, Stop.STAGNATED, theta, order);
                }
                distanceAtRestart = distance;
                // The next block first: A·X_last against the whole old basis (the block that holds every residual).
                orthogonalize(la, v, size, n, cand, nb);
                // The basis and its products become the kept Ritz vectors V·s and W·s; T becomes diag(θ).
                double[] sk = new double[keep * size];
                for (int i = 0; i < keep; i++) System.arraycopy(s, order[i] * size, sk, i * size, size);
                rotate(la, v, sk, keep, size, n);
                rotate(la, w, sk, keep, size, n);
                Arrays.fill(t, 0.0);
                for (int i = 0; i < keep; i++) t[i * cap + i] = theta[order[i]];
                restarts++;
                blockStart = keep;
                size = appendBlock(la, v, keep, n, cand, nb, rng);
                continue;
            }
            if (size == cap) return result(vals, res, vecs, ay, conv, products, applications, restarts, Stop.BUDGET, theta, order);
            // The next block: A·X_j orthonormalized against the whole basis.
            blockStart = size;
            size = appendBlock(la, v, size, n, cand, Math.min(nb, cap - size), rng);
        }
    }

    /**
     * Ritz vectors kept at a thick restart: the k wanted and about half the rest, leaving room for
     * whole blocks of b.
     */
    static int keep(int k, int b, int cap) {
        int free = b * Math.max(1, (cap - k) / (2 * b));
        return cap - free;
    }

    private static Result result(double[] vals, double[] res, double[] vecs, double[] ay, boolean[] conv, long products, int applications,
                                 int restarts, Stop stop, double[] theta, Integer[] order) {
        double[] all = new double[order.length];
        for (int i = 0; i < order.length; i++) all[i] = theta[order[i]];
        return new Result(vals, res, vecs, ay, conv, products, applications, restarts, stop, all);
    }

    /**
     * Rows 0..keep of x (rows × n, row-major) ← sk·x (sk: keep × rows), in place, a panel of
     * columns at a time (each panel of the result reads only the same columns of x).
     */
    private static void rotate(Linalg la, double[] x, double[] sk, int keep, int rows, int n) {
        int panel = 1024;
        double[] tmp = new double[keep * Math.min(panel, n)];
        for (int c0 = 0; c0 < n; c0 += panel) {
            int width = Math.min(panel, n - c0);
            la.dgemm(false, false, keep, width, rows, 1.0, sk, 0, rows, x, c0, n, 0.0, tmp, 0, width);
            for (int i = 0; i < keep; i++) System.arraycopy(tmp, i * width, x, i * n + c0, width);
        }
    }

    /** x (nb rows) −= projection on the basis v[0 .. size), block classical Gram–Schmidt twice. */
    private static void orthogonalize(Linalg la, double[] v, int size, int n, double[] x, int nb) {
        double[] c = new double[Math.max(1, size * nb)];
        for (int pass = 0; pass < 2 && size > 0; pass++) {
            la.dgemm(false, true, size, nb, n, 1.0, v, 0, n, x, 0, n, 0.0, c, 0, nb);       // C = V Xᵀ
            la.dgemm(true, false, nb, n, size, -1.0, c, 0, nb, v, 0, n, 1.0, x, 0, n);      // X −= Cᵀ V
        }
    }

    /**
     * Appends the nb vectors of x (rows) to the basis: block classical Gram–Schmidt against the
     * basis twice (two GEMM pairs: the basis is read 4 times per block, not per vector), then
     * each vector against the block's accepted ones and normalized. A vector that loses more than
     * 1/√2 of its norm inside the block, where the rounding left along the basis would grow by
     * the same factor, goes through {@link #append} (the whole basis again, or a random vector
     * if nothing is left of it). Returns the new size.
     */
    private static int appendBlock(Linalg la, double[] v, int size, int n, double[] x, int nb, SplittableRandom rng) {
        double[] before = new double[nb], cj = new double[nb];
        for (int j = 0; j < nb; j++) before[j] = norm(x, j * n, n);
        orthogonalize(la, v, size, n, x, nb);
        int base = size;
        for (int j = 0; j < nb; j++) {
            int off = j * n;
            double mid = norm(x, off, n);
            for (int pass = 0; pass < 2 && size > base; pass++) {
                la.dgemv(false, size - base, n, 1.0, v, base * n, n, x, off, 0.0, cj, 0);
                la.dgemv(true, size - base, n, -1.0, v, base * n, n, cj, 0, 1.0, x, off);
            }
            double after = norm(x, off, n);
            if (after > Math.sqrt(0.5) * mid && after > 1e-10 * before[j]) {
                for (int i = 0; i < n; i++) v[size * n + i] = x[off + i] / after;
                size++;
            } else {
                size = append(la, v, size, n, x, off, rng, before[j]);
            }
        }
        return size;
    }

    /**
     * Appends x (x[off .. off+n)) to the basis v[0 .. size·n) after classical Gram–Schmidt against it,
     * twice; a vector that orthogonalization reduces below 1e-10 of its norm (it lay in the span)
     * is replaced by a random one. Returns the new size.
     */
    private static int append(Linalg la, double[] v, int size, int n, double[] x, int off, SplittableRandom rng) {
        return append(la, v, size, n, x, off, rng, norm(x, off, n));
    }

    /** As above, the breakdown judged against {@code reference} (x's norm before any orthogonalization). */
    private static int append(Linalg la, double[] v, int size, int n, double[] x, int off, SplittableRandom rng, double reference) {
        double[] c = new double[Math.max(1, size)];
        for (int attempt = 0; ; attempt++) {
            double before = attempt == 0 ? reference : norm(x, off, n);
            for (int pass = 0; pass < 2 && size > 0; pass++) {
                la.dgemv(false, size, n, 1.0, v, 0, n, x, off, 0.0, c, 0);
                la.dgemv(true, size, n, -1.0, v, 0, n, c, 0, 1.0, x, off);
            }
            double after = norm(x, off, n);
            if (after > 1e-10 * before && after > 0) {
                for (int i = 0; i < n; i++) v[size * n + i] = x[off + i] / after;
                return size + 1;
            }
            if (attempt == 3) throw new IllegalStateException("block Lanczos: no direction orthogonal to " + size + " basis vectors in R^" + n);
            random(rng, x, off, n);
        }
    }

    private static void random(SplittableRandom rng, double[] x, int off, int n) {
        for (int i = 0; i < n; i++) x[off + i] = rng.nextDouble() - 0.5;
    }

    /** ‖x[off .. off+n)‖₂ (a plain sum of squares: the vectors here are far from overflow). */
    public static double norm(double[] x, int off, int n) {
        double s = 0;
        for (int i = 0; i < n; i++) s += x[off + i] * x[off + i];
        return Math.sqrt(s);
    }
}
