package dev.morse.spectra;

import dev.morse.linalg.Linalg;
import dev.morse.linalg.MemoryGuard;
import dev.morse.linalg.SymmetricEigen;
import java.util.Arrays;
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
 * the products). The run stops when the k wanted pairs have ‖r‖ ≤ tol·|θ|, or at the basis
 * limit. A candidate that orthogonalization annihilates (the Krylov space became invariant) is
 * replaced by a fresh random vector.
 *
 * <p>Deterministic for a seed: the products decide the bits, the rest is sequential BLAS calls.
 */
public final class BlockLanczos {
    private BlockLanczos() {}

    /**
     * The wanted Ritz pairs, |θ| descending: values, residual norms ‖Ay − θy‖, the unit Ritz
     * vectors (row i, length n), the products taken, and whether all k met the tolerance.
     */
    public record Result(double[] ritzValues, double[] residuals, double[] vectors, long products, boolean allConverged) {}

    /**
     * The k eigenpairs of largest |λ| of a, in blocks of b vectors, at most maxBasis vectors (the
     * whole space when n is smaller), converged when ‖Ay − θy‖ ≤ tol·|θ| for each of the k.
     *
     * @throws IllegalArgumentException on k or b below 1, maxBasis below min(k + b, n), or a tol that is not positive
     */
    public static Result largestMagnitude(LinearOperator a, int k, int b, double tol, int maxBasis, long seed) {
        int n = a.dim();
        if (k < 1 || b < 1 || maxBasis < Math.min((long) k + b, n) || !(tol > 0)) {
            throw new IllegalArgumentException("k ≥ 1, b ≥ 1, maxBasis ≥ min(k + b, n) and tol > 0 expected, got k=" + k + ", b=" + b + ", maxBasis=" + maxBasis + ", tol=" + tol + ", n=" + n);
        }
        k = Math.min(k, n);
        int cap = Math.min(maxBasis, n);
        if (n == 0) return new Result(new double[0], new double[0], new double[0], 0, true);
        MemoryGuard.checkDense(2L * cap, n, "block Lanczos basis and products (2 × " + cap + " vectors of length " + n + ")");
        double[] v = new double[cap * n], w = new double[cap * n], t = new double[cap * cap];
        double[] cand = new double[b * n];
        SplittableRandom rng = new SplittableRandom(seed);
        Linalg la = Linalg.get();
        int size = 0, blockStart = 0;
        long products = 0;
        for (int j = 0; j < Math.min(b, cap); j++) {
            random(rng, cand, 0, n);
            size = append(la, v, size, n, cand, 0, rng);
        }
        while (true) {
            // W for the newest block, and T's new columns (and rows, by symmetry).
            int nb = size - blockStart;
            a.apply(Arrays.copyOfRange(v, blockStart * n, size * n), cand, nb);
            System.arraycopy(cand, 0, w, blockStart * n, nb * n);
            products += nb;
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
            for (int i = 0; i < want; i++) {
                vals[i] = theta[order[i]];
                double r = 0;
                for (int q = 0; q < n; q++) {
                    double d = ay[i * n + q] - vals[i] * vecs[i * n + q];
                    r += d * d;
                }
                res[i] = Math.sqrt(r);
                all &= res[i] <= tol * Math.abs(vals[i]);
            }
            if (all || size == cap) return new Result(vals, res, vecs, products, all);
            // The next block: A·X_j orthonormalized against the whole basis.
            blockStart = size;
            size = appendBlock(la, v, size, n, cand, Math.min(nb, cap - size), rng);
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
        double[] before = new double[nb], c = new double[Math.max(1, size * nb)], cj = new double[nb];
        for (int j = 0; j < nb; j++) before[j] = norm(x, j * n, n);
        for (int pass = 0; pass < 2 && size > 0; pass++) {
            la.dgemm(false, true, size, nb, n, 1.0, v, 0, n, x, 0, n, 0.0, c, 0, nb);       // C = V Xᵀ
            la.dgemm(true, false, nb, n, size, -1.0, c, 0, nb, v, 0, n, 1.0, x, 0, n);      // X −= Cᵀ V
        }
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

    private static double norm(double[] x, int off, int n) {
        double s = 0;
        for (int i = 0; i < n; i++) s += x[off + i] * x[off + i];
        return Math.sqrt(s);
    }
}
