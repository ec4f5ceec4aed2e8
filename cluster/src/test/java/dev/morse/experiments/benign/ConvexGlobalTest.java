package dev.morse.experiments.benign;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;

class ConvexGlobalTest {

    private static double[][] randomSpd(int k, SplittableRandom rnd) {
        double[][] b = new double[k][k];
        for (int i = 0; i < k; i++) for (int j = 0; j < k; j++) b[i][j] = rnd.nextGaussian();
        double[][] h = new double[k][k];
        for (int i = 0; i < k; i++) for (int j = 0; j < k; j++) {
            for (int p = 0; p < k; p++) h[i][j] += b[p][i] * b[p][j];
            if (i == j) h[i][j] += 0.1;
        }
        return h;
    }

    private static double qpValue(double[][] h, double[] g, double[] x) { return 0.5 * Dense.quad(h, x) + Dense.dot(g, x); }

    @Test
    void smallQpMatchesEnumerationOfActiveSets() {
        SplittableRandom rnd = new SplittableRandom(1);
        for (int trial = 0; trial < 300; trial++) {
            int k = 1 + trial % 5;
            double[][] h = randomSpd(k, rnd);
            double[] g = new double[k], lo = new double[k], hi = new double[k];
            for (int i = 0; i < k; i++) {
                g[i] = 2 * rnd.nextGaussian();
                int kind = rnd.nextInt(3);
                lo[i] = kind == 2 ? Double.NEGATIVE_INFINITY : 0;
                hi[i] = kind == 0 ? Double.POSITIVE_INFINITY : kind == 1 ? 1 : Double.POSITIVE_INFINITY;
            }
            double[] x = SmallQp.solve(h, g, lo, hi).x();
            // Brute force: every assignment of each variable to lower / upper / free; the best feasible one.
            double best = Double.POSITIVE_INFINITY;
            int combos = (int) Math.pow(3, k);
            for (int c = 0; c < combos; c++) {
                int[] st = new int[k];
                boolean ok = true;
                for (int i = 0, cc = c; i < k; i++, cc /= 3) {
                    st[i] = cc % 3;
                    if (st[i] == 0 && !Double.isFinite(lo[i]) || st[i] == 1 && !Double.isFinite(hi[i])) ok = false;
                }
                if (!ok) continue;
                double[] y = new double[k];
                int nf = 0;
                for (int i = 0; i < k; i++) { if (st[i] == 0) y[i] = lo[i]; else if (st[i] == 1) y[i] = hi[i]; else nf++; }
                if (nf > 0) {
                    int[] free = new int[nf];
                    for (int i = 0, p = 0; i < k; i++) if (st[i] == 2) free[p++] = i;
                    double[][] a = new double[nf][nf];
                    double[] b = new double[nf];
                    for (int p = 0; p < nf; p++) {
                        b[p] = -g[free[p]];
                        for (int i = 0; i < k; i++) if (st[i] != 2) b[p] -= h[free[p]][i] * y[i];
                        for (int q = 0; q < nf; q++) a[p][q] = h[free[p]][free[q]];
                    }
                    double[] s = Dense.choleskySolve(a, b, "test");
                    for (int p = 0; p < nf; p++) y[free[p]] = s[p];
                }
                boolean feasible = true;
                for (int i = 0; i < k; i++) feasible &= y[i] >= lo[i] - 1e-12 && y[i] <= hi[i] + 1e-12;
                if (feasible) best = Math.min(best, qpValue(h, g, y));
            }
            for (int i = 0; i < k; i++) assertTrue(x[i] >= lo[i] && x[i] <= hi[i], "feasible");
            assertEquals(best, qpValue(h, g, x), 1e-10 * (1 + Math.abs(best)), "QP optimum, trial " + trial);
        }
    }

    @Test
    void coneProjectionMatchesEnumerationOfFaces() {
        SplittableRandom rnd = new SplittableRandom(2);
        for (int trial = 0; trial < 200; trial++) {
            int n = 1 + trial % 4, d = n + trial % 2;
            double[][] x = new double[n][d];
            for (int i = 0; i < n; i++) for (int l = 0; l < d; l++) x[i][l] = rnd.nextGaussian();
            BenignData data = new BenignData("test", x, new double[n]);
            double[] c = new double[n];
            for (int i = 0; i < n; i++) c[i] = rnd.nextGaussian();
            int pattern = rnd.nextInt(1 << n);
            ConeProjection.Result r = ConeProjection.projectPattern(data.gram(), pattern, c);
            double[] z = combine(x, c, d);
            double[] p = combine(x, r.coef(), d);
            // Brute force: the nearest point among the projections onto every face {x_iᵀv = 0, i ∈ J} that lie in the cone.
            double best = Double.POSITIVE_INFINITY;
            for (int face = 0; face < 1 << n; face++) {
                double[] v = z.clone();
                int q = Integer.bitCount(face);
                if (q > 0) {
                    int[] idx = new int[q];
                    for (int i = 0, t = 0; i < n; i++) if ((face >> i & 1) == 1) idx[t++] = i;
                    double[][] g = new double[q][q];
                    double[] b = new double[q];
                    for (int s = 0; s < q; s++) { b[s] = Dense.dot(x[idx[s]], z); for (int t = 0; t < q; t++) g[s][t] = Dense.dot(x[idx[s]], x[idx[t]]); }
                    double[] lam = Dense.choleskySolve(g, b, "test");
                    for (int s = 0; s < q; s++) for (int l = 0; l < d; l++) v[l] -= lam[s] * x[idx[s]][l];
                }
                boolean inCone = true;
                for (int i = 0; i < n; i++) {
                    double s = ((pattern >> i & 1) == 1 ? 1 : -1) * Dense.dot(x[i], v);
                    inCone &= s >= -1e-10;
                }
                if (inCone) {
                    double dist = 0;
                    for (int l = 0; l < d; l++) dist += (v[l] - z[l]) * (v[l] - z[l]);
                    best = Math.min(best, dist);
                }
            }
            double dist = 0;
            for (int l = 0; l < d; l++) dist += (p[l] - z[l]) * (p[l] - z[l]);
            assertEquals(best, dist, 1e-10 * (1 + best), "distance to the cone, trial " + trial);
            assertEquals(Dense.dot(p, p), r.norm2(), 1e-10 * (1 + r.norm2()));
        }
    }

    private static double[] combine(double[][] x, double[] c, int d) {
        double[] v = new double[d];
        for (int i = 0; i < c.length; i++) for (int l = 0; l < d; l++) v[l] += c[i] * x[i][l];
        return v;
    }

    @Test
    void orthonormalClosedFormMatchesTheGeneralSolver() {
        SplittableRandom rnd = new SplittableRandom(3);
        for (int n = 1; n <= 4; n++) {
            for (double lambda : new double[] {1e-5, 0.3}) {
                BenignData data = BenignData.orthogonal(n, n + 2, rnd.nextLong(), 3, rnd.nextLong());
                ConvexGlobal.Bounds b = ConvexGlobal.solve(data, lambda);
                double cf = ConvexGlobal.orthonormal(data.y(), lambda);
                assertTrue(b.gap() <= 1e-12 * Math.max(1, cf), "certified gap " + b.gap() + " at n=" + n + ", λ=" + lambda);
                assertTrue(cf >= b.lower() - 1e-13 && cf <= b.upper() + 1e-13,
                        "closed form " + cf + " in [" + b.lower() + ", " + b.upper() + "] at n=" + n + ", λ=" + lambda);
            }
        }
    }

    /** The primal by proximal gradient (FISTA) over all (pattern, sign) blocks: an independent route to P*. */
    private static double fistaPrimal(BenignData data, double lambda, int iters) {
        int n = data.n();
        double[][] k = data.gram();
        int blocks = 2 * ((1 << n) - 1);
        // Blocks in coefficient form: v = Xᵀc (d = n here, so every v is such a combination).
        double[][] c = new double[blocks][n], prev = new double[blocks][n], yv = new double[blocks][n];
        double kNorm = Dense.frobenius(k);
        double step = 1 / (2.0 / n * blocks * kNorm * kNorm);
        double tk = 1, best = Double.POSITIVE_INFINITY;
        for (int it = 0; it < iters; it++) {
            double[] f = outputs(yv, k, n);
            double[] r = f.clone();
            for (int i = 0; i < n; i++) r[i] -= data.y()[i];
            for (int b = 0; b < blocks; b++) {
                int pattern = b / 2 + 1, sigma = (b & 1) == 0 ? 1 : -1;
                // ∇ in v: σ Xᵀ D_S (2/n) r, in coefficients of the metric K: g = σ K⁻¹ K D_S (2/n) r = σ D_S (2/n) r.
                double[] z = yv[b].clone();
                for (int i = 0; i < n; i++) if ((pattern >> i & 1) == 1) z[i] -= step * sigma * 2.0 / n * r[i];
                ConeProjection.Result pr = ConeProjection.projectPattern(k, pattern, z);
                double nrm = Math.sqrt(pr.norm2());
                double shrink = nrm > 0 ? Math.max(0, 1 - step * 2 * lambda / nrm) : 0;
                prev[b] = c[b];
                c[b] = pr.coef().clone();
                for (int i = 0; i < n; i++) c[b][i] *= shrink;
            }
            double tn = (1 + Math.sqrt(1 + 4 * tk * tk)) / 2;
            for (int b = 0; b < blocks; b++) for (int i = 0; i < n; i++) yv[b][i] = c[b][i] + (tk - 1) / tn * (c[b][i] - prev[b][i]);
            tk = tn;
            best = Math.min(best, primalValue(c, k, data.y(), lambda));
        }
        return best;
    }

    private static double[] outputs(double[][] c, double[][] k, int n) {
        double[] f = new double[n];
        for (int b = 0; b < c.length; b++) {
            int pattern = b / 2 + 1, sigma = (b & 1) == 0 ? 1 : -1;
            double[] kc = Dense.mul(k, c[b]);
            for (int i = 0; i < n; i++) if ((pattern >> i & 1) == 1) f[i] += sigma * Math.max(0, kc[i]);
        }
        return f;
    }

    private static double primalValue(double[][] c, double[][] k, double[] y, double lambda) {
        int n = y.length;
        double[] f = outputs(c, k, n);
        double v = 0;
        for (int i = 0; i < n; i++) v += (f[i] - y[i]) * (f[i] - y[i]);
        v /= n;
        for (double[] cb : c) v += 2 * lambda * Math.sqrt(Math.max(0, Dense.quad(k, cb)));
        return v;
    }

    @Test
    void generalSolverMatchesAnIndependentPrimalSolver() {
        SplittableRandom rnd = new SplittableRandom(4);
        for (int trial = 0; trial < 2; trial++) {
            int n = 2;
            BenignData data;
            double lambda;
            if (trial == 0) { data = BenignData.smallInitExample(3, 3); lambda = 0.01; }
            else {
                double[][] x = new double[n][n];
                for (int i = 0; i < n; i++) for (int l = 0; l < n; l++) x[i][l] = rnd.nextGaussian() / Math.sqrt(n);
                double[] y = new double[n];
                for (int i = 0; i < n; i++) y[i] = rnd.nextGaussian();
                data = new BenignData("test", x, y);
                lambda = 0.05;
            }
            ConvexGlobal.Bounds b = ConvexGlobal.solve(data, lambda);
            assertTrue(b.gap() <= 1e-11, "certified gap " + b.gap());
            double fista = fistaPrimal(data, lambda, 40_000);
            assertTrue(fista >= b.lower() - 1e-12, "no primal point below the certified lower bound: " + fista + " vs " + b.lower());
            assertEquals(b.value(), fista, 1e-7, "FISTA's primal value reaches P*, trial " + trial);
        }
    }

    @Test
    void gradientDescentAtLargeWidthReachesButNeverUndercutsTheGlobalValue() {
        BenignData data = BenignData.smallInitExample(3, 3);
        double lambda = 0.01;
        ConvexGlobal.Bounds b = ConvexGlobal.solve(data, lambda);
        double best = Double.POSITIVE_INFINITY;
        for (int seed = 0; seed < 4; seed++) {
            PreactivationGd.Result r = new PreactivationGd(data, ReluNet.init(40, 3, 0.5, seed),
                    new PreactivationGd.Options(lambda, 0.01, 400_000, 1e-8, 1e3)).run();
            double v = r.end().objective();
            assertTrue(v >= b.lower() - 1e-12, "a network below the certified global value: " + v + " < " + b.lower());
            if (r.status() == PreactivationGd.Status.CONVERGED) best = Math.min(best, v);
        }
        assertTrue(best - b.upper() <= 1e-7, "the best converged run is global: " + best + " vs " + b.upper());
    }
}
