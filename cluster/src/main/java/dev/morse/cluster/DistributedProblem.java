package dev.morse.cluster;

import dev.morse.engine.Batch;
import dev.morse.engine.Dataset;
import dev.morse.engine.Evaluator;
import dev.morse.engine.Loss;
import dev.morse.engine.Mlp;
import dev.morse.engine.Part;
import dev.morse.engine.Problem;
import dev.morse.engine.Term;
import dev.morse.linalg.Progress;
import dev.morse.spectra.LinearOperator;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.UUID;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.storage.StorageLevel;
import scala.Tuple2;

/**
 * An objective whose data are cut into partitions held by Spark executors, and its exact
 * curvature products as sums over the partitions: for data that outgrow one machine, or to spread
 * products over many. Lanczos, SLQ, trace estimators and dense materialization (small P) run
 * unchanged on {@link #operator}, a {@link LinearOperator}.
 *
 * <p><b>A product.</b> θ and the block V of k vectors are broadcast; the task of partition p
 * (n_p samples) applies the data part on its samples with an {@link Evaluator} that lives in its
 * executor ({@link ExecutorCache}, one per partition, made on first use and reused by every later
 * product at any θ) and returns the partition's <i>sum</i> n_p·(mean over its samples); the partial
 * sums are added in a fixed tree by partition index ({@link TreeSum}), and divided by N = Σ n_p:
 * <pre>
 *   Op·V = (1/N) Σ_p n_p · Op_p·V,   Op ∈ {∇²L, G, M}
 * </pre>
 * The objective's terms (regularizers) are added on the driver, as the evaluator adds them: their
 * Hessian parts see θ, the data loss L and gradient ∇L over all partitions (computed once per point),
 * and ∇²L·V where they need it. So {@code HESSIAN} = data Hessian (distributed) + terms,
 * {@code REGULARIZER} = terms alone.
 *
 * <p><b>Determinism.</b> Each partition's product is bit-identical for any thread count (the
 * engine's fixed chunk plan), and the tree's order depends on the partition indices alone, so the
 * result has the same bits for 1, 2 or 100 executors, and for any placement or finishing order,
 * given the same partitioning (and data order). Against a single evaluator over all N samples it
 * agrees to rounding (a different summation order: partition means scaled by n_p, then one sum).
 *
 * <p><b>Data.</b> {@link #of} cuts a problem's data set into contiguous ranges on the driver and
 * sends each to an executor once (a cached RDD); {@link #load} lets every executor load its own
 * partition ({@link PartitionLoader}: e.g. one file of a sharded data set on a shared file system),
 * so the data never pass through the driver. Partitions live in the executors' block managers
 * (memory, spilling to disk); a lost executor's partitions are made again from their source
 * (Spark's lineage) and their evaluators rebuilt there.
 *
 * <p>Not thread-safe (one product at a time, like an operator). Close it to free the executors'
 * partitions and evaluators.
 */
public final class DistributedProblem implements AutoCloseable {

    /** Loads partition p of a data set on an executor. */
    @FunctionalInterface
    public interface PartitionLoader extends Serializable {
        Dataset load(int partition) throws Exception;
    }

    /** One partition on an executor: its index and samples. */
    record Shard(int index, Dataset data) implements Serializable {}

    private final JavaSparkContext jsc;
    private final Mlp model;
    private final Loss loss;
    private final List<Term> terms;
    private final Problem termsProblem;   // model + loss + terms over a placeholder sample: for the terms' value, gradient, products
    private final JavaRDD<Shard> shards;
    private final int partitions;
    private final long samples;
    private final int threads;
    private final int chunkRows;
    private final int fanout;
    private final String id = UUID.randomUUID().toString();
    private boolean closed;

    private DistributedProblem(JavaSparkContext jsc, Mlp model, Loss loss, List<Term> terms, JavaRDD<Shard> shards, int partitions,
                               long samples, int threads, int chunkRows, int fanout, Dataset placeholder) {
        // Training penalties (SPEC §11) need an Evaluator's requests (products, other points); the driver's Point serves regularizers.
        for (Term t : terms) {
            if (t.isPenalty()) throw new IllegalArgumentException("a distributed problem takes regularizers, not the training penalty " + t.spec());
        }
        this.jsc = jsc;
        this.model = model;
        this.loss = loss;
        this.terms = List.copyOf(terms);
        this.shards = shards;
        this.partitions = partitions;
        this.samples = samples;
        this.threads = threads;
        this.chunkRows = chunkRows;
        this.fanout = fanout;
        this.termsProblem = Problem.of(model, placeholder, loss, terms.toArray(new Term[0]));
    }

    /**
     * Cuts {@code problem}'s data into {@code partitions} contiguous ranges of samples (sizes differ by
     * at most one; partition p holds samples [⌊pN/n⌋, ⌊(p+1)N/n⌋)) and sends them to the executors.
     *
     * @param partitions at least 1, at most N
     * @param threads    engine threads per partition's evaluator; 0: the cores Spark gives a task
     * @param chunkRows  rows per chunk of those evaluators
     */
    public static DistributedProblem of(JavaSparkContext jsc, Problem problem, int partitions, int threads, int chunkRows) {
        Dataset d = problem.data();
        int n = d.size();
        if (partitions < 1 || partitions > n) {
            throw new IllegalArgumentException("partitions must be in 1..N = " + n + ", got " + partitions);
        }
        List<Shard> list = new ArrayList<>(partitions);
        for (int p = 0; p < partitions; p++) {
            int from = (int) ((long) p * n / partitions);
            int to = (int) ((long) (p + 1) * n / partitions);
            list.add(new Shard(p, slice(d, from, to)));
        }
        // one shard per Spark partition (parallelize slices a list of n into n singletons)
        JavaRDD<Shard> rdd = jsc.parallelize(list, partitions).persist(StorageLevel.MEMORY_AND_DISK());
        return new DistributedProblem(jsc, problem.model(), problem.loss(), problem.terms(), rdd, partitions, n, threads,
                chunkRows, TreeSum.DEFAULT_FANOUT, slice(d, 0, 1)).checked();
    }

    /**
     * Partitions that each executor loads itself: partition p is {@code loader.load(p)} (run on the
     * executor that holds it, and again if that executor is lost). Runs one job now, to load every
     * partition and count the samples.
     */
    public static DistributedProblem load(JavaSparkContext jsc, Mlp model, Loss loss, List<Term> terms, int partitions,
                                          PartitionLoader loader, int threads, int chunkRows) {
        if (partitions < 1) throw new IllegalArgumentException("partitions must be ≥ 1, got " + partitions);
        List<Integer> idx = new ArrayList<>(partitions);
        for (int p = 0; p < partitions; p++) idx.add(p);
        JavaRDD<Shard> rdd = jsc.parallelize(idx, partitions).map(p -> new Shard(p, loader.load(p)))
                .persist(StorageLevel.MEMORY_AND_DISK());
        List<Tuple2<Integer, Integer>> sizes = rdd.map(s -> new Tuple2<>(s.index(), s.data().size())).collect();
        long n = 0;
        for (Tuple2<Integer, Integer> s : sizes) n += s._2();
        Dataset first = rdd.filter(s -> s.index() == 0).first().data();
        return new DistributedProblem(jsc, model, loss, terms, rdd, partitions, n, threads, chunkRows, TreeSum.DEFAULT_FANOUT,
                slice(first, 0, 1)).checked();
    }

    /**
     * The same partitions, combined with another fanout (tests of the tree's levels). It shares the
     * partitions: close only one of the two.
     */
    DistributedProblem withFanout(int f) {
        if (f < 2) throw new IllegalArgumentException("fanout must be ≥ 2");
        return new DistributedProblem(jsc, model, loss, terms, shards, partitions, samples, threads, chunkRows, f,
                termsProblem.data());
    }

    private DistributedProblem checked() {
        // every partition against the model (dims, classes), on the executors, before any product
        Problem check = termsProblem;
        List<String> bad = new ArrayList<>(shards.map(s -> {
            try {
                check.withData(s.data());
                return null;
            } catch (IllegalArgumentException e) {
                return "partition " + s.index() + ": " + e.getMessage();
            }
        }).filter(x -> x != null).collect());
        if (!bad.isEmpty()) {
            shards.unpersist(false);
            Collections.sort(bad);
            throw new IllegalArgumentException(bad.get(0));
        }
        return this;
    }

    /** Samples [from, to) of a data set as a new one. */
    static Dataset slice(Dataset d, int from, int to) {
        int dim = d.inputDim();
        double[] x = Arrays.copyOfRange(d.inputs(), from * dim, to * dim);
        if (d.isClassification()) return Dataset.classification(x, to - from, dim, Arrays.copyOfRange(d.labels(), from, to), d.numClasses());
        int c = d.targetDim();
        return Dataset.regression(x, to - from, dim, Arrays.copyOfRange(d.realTargets(), from * c, to * c), c);
    }

    public int partitions() {
        return partitions;
    }

    /** N, the samples over all partitions. */
    public long samples() {
        return samples;
    }

    /** P. */
    public int dim() {
        return model.numParameters();
    }

    public Mlp model() {
        return model;
    }

    /** The executors the application has now (Spark's count, the driver excluded in cluster modes). */
    public int executors() {
        int n = jsc.sc().getExecutorMemoryStatus().size();
        return jsc.master().startsWith("local") ? n : Math.max(1, n - 1);
    }

    // ------------------------------------------------------------------ distributed work

    /** What a partition's task computes. */
    private enum Kind { LOSS_GRADIENT, PRODUCT }

    /**
     * One job: every partition's n_p·(its mean) of a loss and gradient ([L_p·n_p, ∇L_p·n_p], length
     * 1 + P) or of a product (k·P), summed in the fixed tree; divided by N.
     */
    private double[] distributed(Kind kind, Part part, double[] theta, double[] vs, int k) {
        if (closed) throw new IllegalStateException("distributed problem is closed");
        Broadcast<double[][]> b = jsc.broadcast(new double[][] {theta.clone(), vs == null ? new double[0] : vs.clone()});
        try {
            String key = "distributed:" + id;
            Mlp m = model;
            Loss l = loss;
            int t = threads, rows = chunkRows, p = m.numParameters();
            JavaPairRDD<Integer, double[]> partial = shards.mapPartitionsToPair(it -> {
                List<Tuple2<Integer, double[]>> out = new ArrayList<>(1);
                while (it.hasNext()) {
                    Shard s = it.next();
                    Evaluator ev = ExecutorCache.shared(key + ":" + s.index(), () -> Evaluator.open(Problem.of(m, s.data(), l),
                            new Evaluator.Settings(t > 0 ? t : taskCpus(), rows, true)));
                    double[] th = b.value()[0];
                    double n = s.data().size();
                    double[] r;
                    if (kind == Kind.LOSS_GRADIENT) {
                        r = new double[1 + p];
                        double[] g = new double[p];
                        r[0] = ev.dataLossAndGradient(Batch.all(), th, g) * n;
                        for (int i = 0; i < p; i++) r[1 + i] = g[i] * n;
                    } else {
                        r = new double[k * p];
                        ev.apply(Batch.all(), part, th, b.value()[1], r, k);
                        for (int i = 0; i < r.length; i++) r[i] *= n;
                    }
                    out.add(new Tuple2<>(s.index(), r));
                }
                return out.iterator();
            });
            double[] sum = TreeSum.sum(partial, partitions, fanout);
            double inv = 1.0 / samples;
            for (int i = 0; i < sum.length; i++) sum[i] *= inv;
            return sum;
        } finally {
            b.destroy();
        }
    }

    private static int taskCpus() {
        TaskContext tc = TaskContext.get();
        return tc == null ? 1 : Math.max(1, tc.cpus());
    }

    /** L(θ) over all partitions, with ∇L(θ) in grad (length P): one job. */
    public double dataLossAndGradient(double[] theta, double[] grad) {
        checkTheta(theta);
        if (grad.length != dim()) throw new IllegalArgumentException("gradient has length " + grad.length + ", expected P = " + dim());
        double[] r = distributed(Kind.LOSS_GRADIENT, null, theta, null, 1);
        System.arraycopy(r, 1, grad, 0, dim());
        return r[0];
    }

    /** OUT = Op·V for a data part ({@code DATA_HESSIAN}, {@code GGN}, {@code NME}) over all partitions: one job. */
    public void dataProduct(Part part, double[] theta, double[] vs, double[] out, int k) {
        if (part == Part.HESSIAN || part == Part.REGULARIZER) throw new IllegalArgumentException(part + " is not a data part");
        checkTheta(theta);
        LinearOperator.checkBlock(dim(), vs, out, k);
        System.arraycopy(distributed(Kind.PRODUCT, part, theta, vs, k), 0, out, 0, k * dim());
    }

    private void checkTheta(double[] theta) {
        if (theta == null || theta.length != dim()) {
            throw new IllegalArgumentException("θ has length " + (theta == null ? "null" : theta.length) + ", expected P = " + dim());
        }
    }

    /**
     * The objective, its data loss and gradient at one θ: what the terms see. The data loss and
     * gradient over the partitions (one job) are computed on first need: an {@code l2} term's
     * products read θ only, and cost no job.
     */
    public final class Point implements Term.Context {
        private final double[] theta;
        private double dataLoss;
        private double[] dataGradient;
        private double loss;
        private double[] gradient;
        private boolean evaluated;

        private Point(double[] theta) {
            this.theta = theta.clone();
        }

        private void evaluate() {
            if (evaluated) return;
            double[] dg = new double[dim()];
            dataLoss = dataLossAndGradient(theta, dg);
            dataGradient = dg;
            evaluated = true;   // before the terms: they read dataLoss() and dataGradient()
            double l = dataLoss;
            double[] g = dg.clone();
            for (Term t : terms) {
                l += t.value(this);
                t.addGradient(this, g);
            }
            loss = l;
            gradient = g;
        }

        /** Whether the data loss and gradient were computed (the job ran). */
        boolean evaluated() {
            return evaluated;
        }

        @Override
        public Mlp model() {
            return model;
        }

        @Override
        public double[] theta() {
            return theta;
        }

        @Override
        public double dataLoss() {
            evaluate();
            return dataLoss;
        }

        @Override
        public double[] dataGradient() {
            evaluate();
            return dataGradient;
        }

        /** L_R(θ) = L(θ) + Σ terms. */
        public double loss() {
            evaluate();
            return loss;
        }

        /** ∇L_R(θ) (a copy). */
        public double[] gradient() {
            evaluate();
            return gradient.clone();
        }
    }

    /** L_R, L and the gradients at θ (one job, now). */
    public Point at(double[] theta) {
        checkTheta(theta);
        Point pt = new Point(theta);
        pt.evaluate();
        return pt;
    }

    /** A curvature part at θ whose products are sums over the partitions (one job per block product). */
    public Operator operator(Part part, double[] theta) {
        checkTheta(theta);
        return new Operator(part, theta.clone());
    }

    /** {@link #operator}: see the class comment for what each part sums. */
    public final class Operator implements LinearOperator {
        private final Part part;
        private final double[] theta;
        private Point point;    // the terms' context, made on first need (one job)
        private long products;
        private long jobs;

        private Operator(Part part, double[] theta) {
            this.part = part;
            this.theta = theta;
        }

        public Part part() {
            return part;
        }

        /** Operator-vector products so far (a block of k counts k). */
        public long products() {
            return products;
        }

        /** Spark jobs run for products so far. */
        public long jobs() {
            return jobs;
        }

        @Override
        public int dim() {
            return DistributedProblem.this.dim();
        }

        @Override
        public void apply(double[] v, double[] out) {
            LinearOperator.checkProduct(dim(), v, out);   // exactly P, and never in place (the terms read v after outs is written)
            apply(v, out, 1);
        }

        @Override
        public void apply(double[] vs, double[] outs, int k) {
            LinearOperator.checkBlock(dim(), vs, outs, k);
            int len = k * dim();
            boolean termsHere = !terms.isEmpty() && (part == Part.HESSIAN || part == Part.REGULARIZER);
            switch (part) {
                case HESSIAN -> {
                    dataProduct(Part.DATA_HESSIAN, theta, vs, outs, k);
                    jobs++;
                }
                case REGULARIZER -> Arrays.fill(outs, 0, len, 0.0);
                default -> {
                    dataProduct(part, theta, vs, outs, k);
                    jobs++;
                }
            }
            if (termsHere) {
                if (point == null) point = new Point(theta);
                boolean wasEvaluated = point.evaluated();
                double[] dhv = null;
                for (Term t : terms) {
                    if (t.needsDataCurvature() && dhv == null) {
                        dhv = new double[len];
                        if (part == Part.HESSIAN) System.arraycopy(outs, 0, dhv, 0, len);
                        else {
                            dataProduct(Part.DATA_HESSIAN, theta, vs, dhv, k);
                            jobs++;
                        }
                    }
                }
                for (Term t : terms) t.addHvp(point, vs, dhv, outs, k);
                if (!wasEvaluated && point.evaluated()) jobs++;
            }
            products += k;
        }

        /**
         * The dense matrix by block products of identity columns, in blocks as large as keep a
         * block's k·P values near 2²¹ (16 MiB per partition's result): few jobs for small P.
         */
        @Override
        public double[] toDense(Progress progress) {
            int n = dim();
            dev.morse.linalg.MemoryGuard.checkDense(n, n, "dense " + describe() + " (n=" + n + ")");
            int block = (int) Math.max(1, Math.min(n, (1L << 21) / n));
            double[] m = new double[n * n];
            double[] e = new double[block * n];
            double[] col = new double[block * n];
            for (int start = 0; start < n; start += block) {
                int k = Math.min(block, n - start);
                Arrays.fill(e, 0.0);
                for (int j = 0; j < k; j++) e[j * n + start + j] = 1.0;
                apply(e, col, k);
                for (int j = 0; j < k; j++) {
                    for (int i = 0; i < n; i++) m[i * n + start + j] = col[j * n + i];
                }
                if (progress != null) progress.update(start + k, n);
            }
            dev.morse.linalg.DenseMatrices.symmetrize(m, n);
            return m;
        }

        @Override
        public String describe() {
            return part.id() + " of " + model.describe() + ", " + loss.id() + (terms.isEmpty() ? "" : ", " + termsProblem.describeTerms())
                    + " over " + partitions + " partitions";
        }
    }

    /** Frees the partitions (unpersist) and the executors' evaluators of this problem. Idempotent. */
    @Override
    public void close() {
        if (closed) return;
        closed = true;
        String prefix = "distributed:" + id + ":";
        try {
            // best effort: the executors that hold partitions now drop their evaluators
            shards.foreachPartition(it -> ExecutorCache.removeShared(prefix));
        } catch (RuntimeException ignored) {
            // the session may be stopping; executors' caches go with their JVMs then
        }
        shards.unpersist(false);
        ExecutorCache.removeShared(prefix);   // local mode: the driver is the executor
    }

    /** For tests: the partitions' sizes in index order (one job). */
    List<Integer> partitionSizes() {
        List<Tuple2<Integer, Integer>> s = new ArrayList<>(shards.map(x -> new Tuple2<>(x.index(), x.data().size())).collect());
        s.sort((a, b) -> Integer.compare(a._1(), b._1()));
        List<Integer> out = new ArrayList<>();
        for (Tuple2<Integer, Integer> t : s) out.add(t._2());
        return Collections.unmodifiableList(out);
    }
}
