package dev.morse.training;

import dev.morse.engine.Batch;
import dev.morse.engine.CurvatureOperator;
import dev.morse.engine.Evaluator;
import dev.morse.engine.Part;
import dev.morse.spectra.Lanczos;
import dev.morse.spectra.TraceEstimator;

/**
 * Curvature of the objective at a point of a training run, on a fixed evaluation problem (in
 * training: a fixed subset S of the training samples, with the regularizer, without penalties):
 * H = ∇²(L_S + R) = G + M + R″ (SPEC §5).
 *
 * <ul>
 *   <li><b>λ_max(H)</b>: the largest eigenvalue, by thick-restart Lanczos on
 *       {@link CurvatureOperator#hessian} (SPEC §7), with its residual bound and converged flag;
 *       start vector from the seed.
 *   <li><b>tr H, tr G</b>: Hutchinson with k Rademacher probes z_i from the seed
 *       ({@link TraceEstimator#rademacherProbes}, the probes {@link TraceEstimator#hutchinson}
 *       would draw): mean of z_iᵀHz_i and z_iᵀGz_i, each with its standard error sd/√k.
 *   <li><b>‖M‖_F / ‖H‖_F</b>: E‖Mz‖² = tr(MᵀM) = ‖M‖_F² and E‖Hz‖² = ‖H‖_F² for Rademacher z
 *       (Hutchinson on M² and H²), estimated with the same probes; the ratio estimate is
 *       r = √(mean‖Mz_i‖² / mean‖Hz_i‖²) (a ratio of means: consistent, biased by O(1/k)), its
 *       standard error by the delta method with the paired samples:
 *       SE(r) = SE(q)/(2r), SE(q)² = (s_a² − 2q s_ab + q² s_b²)/(k b̄²), q = ā/b̄.
 *   <li><b>σ″ support</b>: the fraction of hidden pre-activations of the evaluation samples where
 *       σ″ ≠ 0 exactly ({@link Evaluator#secondDerivativeSupport}), overall and per layer.
 * </ul>
 * The products share one block product per part: G·Z and M·Z for the k probes (R″·Z is added from
 * the terms), so H·Z = G·Z + M·Z + R″·Z. The same probes and start vector are used at every point
 * of a run (common random numbers), so changes between epochs are not drowned by probe noise.
 * Buffers are allocated once.
 */
public final class CurvatureMonitor {

    /**
     * @param probes        Hutchinson probes k (≥ 2)
     * @param seed          seed of the probes and of Lanczos' start vector
     * @param lanczosTol    relative residual tolerance of λ_max (SPEC §7's Ritz residual bound)
     * @param maxRestarts   Lanczos restarts at most
     */
    public record Options(int probes, long seed, double lanczosTol, int maxRestarts) {
        public Options {
            if (probes < 2) throw new IllegalArgumentException("curvature probes must be ≥ 2 (for a standard error), got " + probes);
            if (!(lanczosTol > 0 && lanczosTol < 1)) throw new IllegalArgumentException("Lanczos tolerance must be in (0, 1), got " + lanczosTol);
            if (maxRestarts < 0) throw new IllegalArgumentException("Lanczos restarts must be ≥ 0, got " + maxRestarts);
        }

        /** 16 probes, seed 0, tolerance 1e-6, 100 restarts. */
        public static Options defaults() {
            return new Options(16, 0, 1e-6, 100);
        }

        public String describe() {
            return "probes=" + probes + ", seed=" + seed + ", lanczos_tol=" + lanczosTol + ", max_restarts=" + maxRestarts;
        }
    }

    /**
     * What one measurement found.
     *
     * @param topEigenvalue          λ_max(H) (the largest Ritz value)
     * @param topResidual            its residual bound
     * @param topConverged           whether the bound met the tolerance
     * @param lanczosProducts        H·v products Lanczos used
     * @param hessianTrace           tr H estimate ± SE
     * @param ggnTrace               tr G estimate ± SE
     * @param nmeFrobeniusSquared    ‖M‖_F² estimate ± SE (mean ‖Mz‖²)
     * @param hessianFrobeniusSquared ‖H‖_F² estimate ± SE (mean ‖Hz‖²)
     * @param nmeToHessianFrobenius  √(‖M‖_F²/‖H‖_F²) estimate
     * @param nmeToHessianFrobeniusError its standard error (delta method)
     * @param secondDerivativeFraction fraction of hidden pre-activations with σ″ ≠ 0 (NaN without hidden layers)
     * @param secondDerivativeFractions the same per hidden layer 1..L−1
     * @param products               all curvature products (Lanczos + 2k for G·Z and M·Z)
     * @param samples                evaluation samples
     * @param seconds                wall time of the measurement
     */
    public record Snapshot(double topEigenvalue, double topResidual, boolean topConverged, long lanczosProducts,
                           TraceEstimator.Estimate hessianTrace, TraceEstimator.Estimate ggnTrace,
                           TraceEstimator.Estimate nmeFrobeniusSquared, TraceEstimator.Estimate hessianFrobeniusSquared,
                           double nmeToHessianFrobenius, double nmeToHessianFrobeniusError,
                           double secondDerivativeFraction, double[] secondDerivativeFractions,
                           long products, int samples, double seconds) {}

    private final Evaluator evaluator;
    private final Options options;
    private final int p;
    private final double[] probes;   // k × P
    private final double[] gz, mz, rz;

    /** A monitor of the problem {@code evaluator} holds (open it on the evaluation subset; caching on: many products at one θ). */
    public CurvatureMonitor(Evaluator evaluator, Options options) {
        if (evaluator == null || options == null) throw new IllegalArgumentException("evaluator and options are required");
        this.evaluator = evaluator;
        this.options = options;
        this.p = evaluator.dim();
        int k = options.probes();
        this.probes = TraceEstimator.rademacherProbes(p, k, Seeds.derive(options.seed(), Seeds.CURVATURE, 1));
        this.gz = new double[k * p];
        this.mz = new double[k * p];
        this.rz = new double[k * p];
    }

    public Evaluator evaluator() {
        return evaluator;
    }

    public Options options() {
        return options;
    }

    /** Measures everything at θ. */
    public Snapshot measure(double[] theta) {
        long t0 = System.nanoTime();
        int k = options.probes();
        Lanczos.Result top = Lanczos.run(CurvatureOperator.hessian(evaluator, theta),
                new Lanczos.Options().k(1).which(Lanczos.Which.LARGEST).tol(options.lanczosTol()).maxRestarts(options.maxRestarts())
                        .seed(Seeds.derive(options.seed(), Seeds.CURVATURE, 2)));
        evaluator.apply(Part.GGN, theta, probes, gz, k);
        evaluator.apply(Part.NME, theta, probes, mz, k);
        evaluator.apply(Part.REGULARIZER, theta, probes, rz, k);
        double[] zhz = new double[k], zgz = new double[k], m2 = new double[k], h2 = new double[k];
        for (int j = 0; j < k; j++) {
            int o = j * p;
            double qh = 0, qg = 0, sm = 0, sh = 0;
            for (int i = o; i < o + p; i++) {
                double hz = gz[i] + mz[i] + rz[i];
                qh += probes[i] * hz;
                qg += probes[i] * gz[i];
                sm += mz[i] * mz[i];
                sh += hz * hz;
            }
            zhz[j] = qh;
            zgz[j] = qg;
            m2[j] = sm;
            h2[j] = sh;
        }
        long lanczosProducts = top.products();
        TraceEstimator.Estimate trH = TraceEstimator.fromSamples(zhz, k, "hutchinson");
        TraceEstimator.Estimate trG = TraceEstimator.fromSamples(zgz, k, "hutchinson");
        TraceEstimator.Estimate fm = TraceEstimator.fromSamples(m2, k, "hutchinson");
        TraceEstimator.Estimate fh = TraceEstimator.fromSamples(h2, k, "hutchinson");
        double[] ratio = ratioOfMeans(m2, h2);
        Evaluator.SecondDerivativeSupport support = evaluator.secondDerivativeSupport(Batch.all(), theta);
        int hidden = support.nonzero().length;
        double[] perLayer = new double[hidden];
        for (int l = 1; l <= hidden; l++) perLayer[l - 1] = support.fraction(l);
        int last = top.ritzValues().length - 1;
        return new Snapshot(top.ritzValues()[last], top.residuals()[last], top.converged()[last], lanczosProducts,
                trH, trG, fm, fh, ratio[0], ratio[1], support.fraction(), perLayer,
                lanczosProducts + 2L * k, evaluator.problem().size(), (System.nanoTime() - t0) * 1e-9);
    }

    /**
     * r = √(ā/b̄) and its delta-method standard error from paired samples a_i, b_i (see the class
     * comment). NaN when b̄ = 0.
     */
    static double[] ratioOfMeans(double[] a, double[] b) {
        int k = a.length;
        double ma = 0, mb = 0;
        for (int i = 0; i < k; i++) {
            ma += a[i];
            mb += b[i];
        }
        ma /= k;
        mb /= k;
        if (!(mb > 0)) return new double[] {Double.NaN, Double.NaN};
        double saa = 0, sbb = 0, sab = 0;
        for (int i = 0; i < k; i++) {
            double da = a[i] - ma, db = b[i] - mb;
            saa += da * da;
            sbb += db * db;
            sab += da * db;
        }
        saa /= k - 1;
        sbb /= k - 1;
        sab /= k - 1;
        double q = ma / mb;
        double varQ = Math.max(0, (saa - 2 * q * sab + q * q * sbb) / (k * mb * mb));
        double r = Math.sqrt(q);
        return new double[] {r, r > 0 ? Math.sqrt(varQ) / (2 * r) : Double.NaN};
    }
}
