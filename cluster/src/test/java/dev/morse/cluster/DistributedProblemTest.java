package dev.morse.cluster;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.morse.engine.Activation;
import dev.morse.engine.CurvatureOperator;
import dev.morse.engine.Dataset;
import dev.morse.engine.Evaluator;
import dev.morse.engine.Loss;
import dev.morse.engine.Mlp;
import dev.morse.engine.Part;
import dev.morse.engine.Problem;
import dev.morse.engine.Regularizer;
import dev.morse.spectra.Lanczos;
import dev.morse.spectra.LinearOperator;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Curvature over partitions held by executors (local[4]: four task threads share the partitions)
 * against the single-machine evaluator: products, loss and gradient to rounding, Lanczos and the
 * dense matrix; and bit for bit against the same fixed tree computed in one thread, whatever the
 * executors, for one and several tree levels.
 */
class DistributedProblemTest {
    static SparkSession spark;
    static JavaSparkContext jsc;

    @BeforeAll
    static void start() throws Exception {
        spark = SparkJvm.session("local[4]", "morse-distributed-test", Map.of());
        jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    }

    @AfterAll
    static void stop() {
        if (spark != null) spark.stop();
    }

    /** 3-5-2 tanh on 37 samples (partitions of uneven sizes), θ at a generic point. */
    static Problem problem(Regularizer... terms) {
        SplittableRandom r = new SplittableRandom(11);
        int n = 37;
        double[] x = new double[n * 3], y = new double[n * 2];
        for (int i = 0; i < x.length; i++) x[i] = r.nextGaussian();
        for (int i = 0; i < y.length; i++) y[i] = r.nextGaussian();
        Mlp m = Mlp.builder(3, 5, 2).activation(Activation.TANH).build();
        return Problem.of(m, Dataset.regression(x, n, 3, y, 2), Loss.MSE, terms);
    }

    static double[] theta(Problem p) {
        return p.model().initGaussian(1.5, 4);
    }

    static double[] block(int p, int k, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        double[] v = new double[p * k];
        for (int i = 0; i < v.length; i++) v[i] = r.nextGaussian();
        return v;
    }

    static double maxAbs(double[] a) {
        double m = 0;
        for (double x : a) m = Math.max(m, Math.abs(x));
        return m;
    }

    static double maxDiff(double[] a, double[] b) {
        assertEquals(a.length, b.length);
        double m = 0;
        for (int i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
        return m;
    }

    @Test
    void productsLossAndGradientEqualTheSingleMachineOnesToRounding() {
        Problem p = problem(Regularizer.l2(1e-3), Regularizer.parse("multiplicative:0.01"));
        double[] th = theta(p);
        int dim = p.dim(), k = 3;
        double[] v = block(dim, k, 5);
        try (Evaluator local = Evaluator.open(p, Evaluator.Settings.defaults().withThreads(2));
             DistributedProblem dp = DistributedProblem.of(jsc, p, 5, 1, 8)) {
            assertEquals(List.of(7, 7, 8, 7, 8), dp.partitionSizes(), "samples [⌊37p/5⌋, ⌊37(p+1)/5⌋)");
            assertEquals(37, dp.samples());
            for (Part part : Part.values()) {
                double[] want = new double[dim * k], got = new double[dim * k];
                local.apply(part, th, v, want, k);
                dp.operator(part, th).apply(v, got, k);
                assertTrue(maxDiff(want, got) <= 1e-13 * Math.max(1, maxAbs(want)), part + ": differs by " + maxDiff(want, got));
            }
            double[] g = new double[dim];
            double l = local.lossAndGradient(th, g);
            DistributedProblem.Point pt = dp.at(th);
            assertEquals(l, pt.loss(), 1e-14 * Math.abs(l));
            assertEquals(local.dataLoss(th), pt.dataLoss(), 1e-14 * Math.abs(l));
            assertTrue(maxDiff(g, pt.gradient()) <= 1e-13 * maxAbs(g), "gradient differs by " + maxDiff(g, pt.gradient()));
        }
    }

    /** What the distributed sum must be, bit for bit: each partition's product in this thread, the same tree. */
    static double[] reference(Problem p, int partitions, int chunkRows, Part part, double[] th, double[] v, int k, int fanout) {
        int n = p.size();
        List<double[]> partials = new ArrayList<>();
        for (int q = 0; q < partitions; q++) {
            int from = (int) ((long) q * n / partitions), to = (int) ((long) (q + 1) * n / partitions);
            Dataset s = DistributedProblem.slice(p.data(), from, to);
            // 3 threads here, 1 per partition in the job: the engine's results do not depend on threads
            try (Evaluator e = Evaluator.open(Problem.of(p.model(), s, p.loss()), new Evaluator.Settings(3, chunkRows, true))) {
                double[] out = new double[k * p.dim()];
                e.apply(part, th, v, out, k);
                for (int i = 0; i < out.length; i++) out[i] *= s.size();
                partials.add(out);
            }
        }
        double[] sum = TreeSum.reference(partials, fanout);
        for (int i = 0; i < sum.length; i++) sum[i] *= 1.0 / n;
        return sum;
    }

    @Test
    void bitIdenticalToTheFixedTreeForOneAndSeveralLevels() {
        Problem p = problem();
        double[] th = theta(p);
        int k = 4;
        double[] v = block(p.dim(), k, 9);
        try (DistributedProblem dp = DistributedProblem.of(jsc, p, 7, 1, 4)) {
            for (Part part : List.of(Part.GGN, Part.DATA_HESSIAN, Part.NME)) {
                double[] got = new double[p.dim() * k];
                dp.dataProduct(part, th, v, got, k);
                assertArrayEquals(reference(p, 7, 4, part, th, v, k, TreeSum.DEFAULT_FANOUT), got, 0.0, part + ", one level");
                // again: evaluators cached on the executors, chunk states at θ reused: the same bits
                double[] again = new double[p.dim() * k];
                dp.dataProduct(part, th, v, again, k);
                assertArrayEquals(got, again, 0.0);
            }
            // fanout 2: 7 → 4 → 2 partial sums, two shuffles on the executors, then the driver
            DistributedProblem two = dp.withFanout(2);
            double[] got = new double[p.dim() * k];
            two.dataProduct(Part.GGN, th, v, got, k);
            assertArrayEquals(reference(p, 7, 4, Part.GGN, th, v, k, 2), got, 0.0, "three levels");
        }
        assertThrows(IllegalArgumentException.class, () -> DistributedProblem.of(jsc, p, 38, 1, 4), "more partitions than samples");
    }

    @Test
    void executorsLoadTheirOwnPartitions() {
        Problem p = problem(Regularizer.l2(1e-2));
        Dataset all = p.data();
        double[] th = theta(p);
        double[] v = block(p.dim(), 2, 3);
        double[] want = new double[2 * p.dim()], got = new double[2 * p.dim()];
        try (DistributedProblem fromDriver = DistributedProblem.of(jsc, p, 4, 1, 4);
             DistributedProblem loaded = DistributedProblem.load(jsc, p.model(), p.loss(), p.terms(), 4,
                     q -> DistributedProblem.slice(all, q * 37 / 4, (q + 1) * 37 / 4), 0, 4)) {
            assertEquals(37, loaded.samples());
            fromDriver.operator(Part.HESSIAN, th).apply(v, want, 2);
            loaded.operator(Part.HESSIAN, th).apply(v, got, 2);
            assertArrayEquals(want, got, 0.0, "the same partitions give the same bits, wherever they were made");
        }
        // a partition that does not fit the model is refused before any product, naming it
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DistributedProblem.load(jsc, p.model(), p.loss(),
                p.terms(), 2, q -> q == 0 ? DistributedProblem.slice(all, 0, 10)
                        : Dataset.regression(new double[4], 2, 2, new double[4], 2), 0, 4).close());
        assertTrue(e.getMessage().startsWith("partition 1: dims differ"), e.getMessage());
    }

    @Test
    void lanczosAndTheDenseMatrixOverPartitionsEqualTheLocalOnes() {
        Problem p = problem(Regularizer.l2(1e-3));
        double[] th = theta(p);
        int dim = p.dim();
        try (Evaluator local = Evaluator.open(p, Evaluator.Settings.defaults().withThreads(2));
             DistributedProblem dp = DistributedProblem.of(jsc, p, 3, 1, 16)) {
            LinearOperator dist = dp.operator(Part.HESSIAN, th);
            CurvatureOperator here = CurvatureOperator.hessian(local, th);
            double[] a = here.toDense(null), b = dist.toDense(null);
            double scale = maxAbs(a);
            assertTrue(maxDiff(a, b) <= 1e-13 * scale, "dense matrices differ by " + maxDiff(a, b));
            assertEquals(1, ((DistributedProblem.Operator) dist).jobs(), "P = " + dim + " columns in one block, one job (l2 needs no data)");
            // the LinearOperator contract: never in place (the l2 term reads v after the data part is in out), exactly P
            double[] v = th.clone();
            IllegalArgumentException inPlace = assertThrows(IllegalArgumentException.class, () -> dist.apply(v, v));
            assertTrue(inPlace.getMessage().contains("in place"), inPlace.getMessage());
            assertThrows(IllegalArgumentException.class, () -> dist.apply(java.util.Arrays.copyOf(v, dim + 1), new double[dim]));
            assertThrows(IllegalArgumentException.class, () -> dist.apply(v, v, 1));

            Lanczos.Options o = new Lanczos.Options().k(3).which(Lanczos.Which.BOTH).tol(1e-10).seed(2);
            Lanczos.Result l = Lanczos.run(here, o);
            Lanczos.Result d = Lanczos.run(dist, o);
            assertTrue(l.allConverged() && d.allConverged());
            assertEquals(l.ritzValues().length, d.ritzValues().length);
            for (int i = 0; i < l.ritzValues().length; i++) {
                assertEquals(l.ritzValues()[i], d.ritzValues()[i], 1e-9 * scale, "Ritz value " + i);
            }
        }
    }

    @Test
    void closingFreesTheExecutorsEvaluators() {
        Problem p = problem();
        int before = ExecutorCache.size();
        DistributedProblem dp = DistributedProblem.of(jsc, p, 3, 1, 8);
        double[] out = new double[p.dim()];
        dp.dataProduct(Part.GGN, theta(p), block(p.dim(), 1, 1), out, 1);
        assertEquals(before + 3, ExecutorCache.size(), "local mode: the driver JVM holds the three partitions' evaluators");
        dp.close();
        assertEquals(before, ExecutorCache.size());
        dp.close();
        assertThrows(IllegalStateException.class, () -> dp.dataProduct(Part.GGN, theta(p), block(p.dim(), 1, 1), out, 1));
    }

    @Test
    void treeSumGroupsByIndexWhateverTheOrder() {
        List<double[]> parts = new ArrayList<>();
        SplittableRandom r = new SplittableRandom(1);
        for (int i = 0; i < 11; i++) parts.add(new double[] {r.nextDouble() * 1e16, r.nextDouble(), -r.nextDouble() * 1e-8});
        List<scala.Tuple2<Integer, double[]>> shuffled = new ArrayList<>();
        for (int i = 0; i < 11; i++) shuffled.add(new scala.Tuple2<>((i * 7) % 11, parts.get((i * 7) % 11)));
        for (int fanout : new int[] {2, 3, 8, 16}) {
            double[] s = TreeSum.sum(jsc.parallelizePairs(shuffled, 5), 11, fanout);
            assertArrayEquals(TreeSum.reference(parts, fanout), s, 0.0, "fanout " + fanout);
        }
        // the reference is the left-to-right sum when everything fits in one group
        double[] plain = parts.get(0).clone();
        for (int i = 1; i < 11; i++) for (int j = 0; j < 3; j++) plain[j] += parts.get(i)[j];
        assertArrayEquals(plain, TreeSum.reference(parts, 16), 0.0);
        List<scala.Tuple2<Integer, double[]>> missing = new ArrayList<>(shuffled.subList(0, 10));
        assertThrows(IllegalStateException.class, () -> TreeSum.sum(jsc.parallelizePairs(missing, 2), 11, 16));
    }
}
