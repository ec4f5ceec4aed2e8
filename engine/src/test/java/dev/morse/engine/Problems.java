package dev.morse.engine;

import java.util.SplittableRandom;

/** Small seeded problems for the engine tests. */
final class Problems {
    private Problems() {}

    static double[] gaussian(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        double[] v = new double[n];
        for (int i = 0; i < n; i++) v[i] = Gaussians.next(r);
        return v;
    }

    static Dataset regression(int n, int d, int c, long seed) {
        double[] x = gaussian(n * d, seed);
        double[] y = gaussian(n * c, seed + 1);
        return Dataset.regression(x, n, d, y, c);
    }

    static Dataset classification(int n, int d, int classes, long seed) {
        double[] x = gaussian(n * d, seed);
        SplittableRandom r = new SplittableRandom(seed + 7);
        int[] y = new int[n];
        for (int i = 0; i < n; i++) y[i] = r.nextInt(classes);
        return Dataset.classification(x, n, d, y, classes);
    }

    /** A 3-layer problem: widths d0-5-4-C on N=7 samples in chunks of 3 (uneven last chunk). */
    static Evaluator small(Activation act, Loss loss, Regularizer reg, long seed) {
        int c = loss == Loss.MSE ? 2 : 3;
        Mlp mlp = Mlp.of(act, 3, 5, 4, c);
        Dataset data = loss == Loss.MSE ? regression(7, 3, c, seed) : classification(7, 3, c, seed);
        return Evaluator.open(Problem.of(mlp, data, loss, reg), Evaluator.Settings.defaults().withChunkRows(3).withThreads(2));
    }

    /** (∇L_R(θ + hv) − ∇L_R(θ − hv)) / 2h: the central difference of the gradient along v, H·v to O(h²). */
    static double[] gradientDifference(Evaluator obj, double[] theta, double[] v, double h) {
        double[] tp = theta.clone();
        double[] tm = theta.clone();
        for (int i = 0; i < tp.length; i++) {
            tp[i] += h * v[i];
            tm[i] -= h * v[i];
        }
        double[] gp = new double[obj.dim()];
        double[] gm = new double[obj.dim()];
        obj.lossAndGradient(tp, gp);
        obj.lossAndGradient(tm, gm);
        double[] fd = new double[gp.length];
        for (int i = 0; i < fd.length; i++) fd[i] = (gp[i] - gm[i]) / (2 * h);
        return fd;
    }

    static double maxAbs(double[] a) {
        double m = 0;
        for (double x : a) m = Math.max(m, Math.abs(x));
        return m;
    }

    static double maxAbsDiff(double[] a, double[] b) {
        if (a.length != b.length) throw new AssertionError("lengths differ: " + a.length + " vs " + b.length);
        double m = 0;
        for (int i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
        return m;
    }

    static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) s += a[i] * b[i];
        return s;
    }

    static double[] matVec(double[] m, int n, double[] v) {
        double[] out = new double[n];
        for (int i = 0; i < n; i++) {
            double s = 0;
            for (int j = 0; j < n; j++) s += m[i * n + j] * v[j];
            out[i] = s;
        }
        return out;
    }
}
