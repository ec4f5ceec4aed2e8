package dev.morse.cli;

import dev.morse.engine.CurvatureOperator;
import dev.morse.engine.Dataset;
import dev.morse.engine.Evaluator;
import dev.morse.engine.Part;
import dev.morse.linalg.Linalg;
import dev.morse.linalg.MemoryGuard;
import dev.morse.linalg.MemoryLimitException;
import dev.morse.linalg.NativeThreads;
import dev.morse.linalg.SymmetricEigen;
import dev.morse.spectra.LinearOperator;
import picocli.CommandLine.ArgGroup;

/** A command that analyses a problem (model + data + θ): loading, the point, dense spectra with progress. */
abstract class AnalysisCommand extends BaseCommand {

    /** Curvature operators by the names users type (SPEC §5). */
    enum OperatorName {
        hessian(Part.HESSIAN, "Hessian ∇²L_R (regularizer included)"),
        data_hessian(Part.DATA_HESSIAN, "data Hessian ∇²L = G + M"),
        ggn(Part.GGN, "Gauss–Newton G"),
        nme(Part.NME, "NME M"),
        regularizer(Part.REGULARIZER, "regularizer part ∇²L_R − ∇²L");

        final Part part;
        final String label;

        OperatorName(Part part, String label) {
            this.part = part;
            this.label = label;
        }
    }

    @ArgGroup(validate = false, heading = "%nProblem (model, weights, data, regularizer):%n", order = 100)
    ProblemOptions problemOptions = new ProblemOptions();

    /**
     * The output group says it: {@link OutputOptions.NoPlots} (trace, eval) hides and refuses the
     * plot options. outputs() returns the command's group field, so this is safe before
     * {@link BaseCommand#call} (sweeps ask it of a bare command, {@link Main#drawsPlots}).
     */
    @Override
    final boolean drawsPlots() {
        return !(outputs() instanceof OutputOptions.NoPlots);
    }

    LoadedProblem problem;
    double loss;
    double dataLoss;
    double gradientNorm;

    /**
     * θ comes from --weights or from --init (with --seed), never both, and --seed only where it
     * draws: the rule of {@link #checkThetaOptions}. The command line's --init wins over a config
     * file's --weights (a report made from --weights reruns from a new θ). Then the problem's specs
     * (model, activation, no-bias, loss, regularizer, data options, --init), as loading checks them.
     */
    @Override
    void checkOptions() {
        ProblemOptions o = problemOptions;
        if (o.weights != null && onCommandLine("--init") && !onCommandLine("--weights")) o.weights = null;   // the command line's --init wins
        dev.morse.engine.Mlp model = LoadedProblem.checkSpecs(problemOptions);
        checkedParameters = model.numParameters();
        checkThetaOptions(o);
        checkActivationApplies(model, o.activation);
        checkDataOptionsUsed(o);
    }

    /**
     * The problem's options that the data would leave unused, refused as --holdout-seed without
     * --holdout is, each when {@link #given} (on the command line, or in a config file with a value
     * other than its default: a report records them at their defaults, so it reruns):
     * --subsample-seed without --subsample; --data-seed next to data that draw nothing (--inputs
     * files, or Fashion-MNIST's first N images); and Fashion-MNIST's ",test=M", which sizes the
     * held-out set of train only ({@link #usesShippedTestSplit}). Each exited 0 and ignored them.
     */
    private void checkDataOptionsUsed(ProblemOptions o) {
        if (o.subsample == null && given("--subsample-seed")) {
            throw Checks.usage("--subsample-seed", "goes with --subsample N (it seeds that random draw); without --subsample every sample "
                    + "is used, so --subsample-seed " + o.subsampleSeed + source("--subsample-seed") + " would be ignored");
        }
        boolean fashion = o.data != null && dev.morse.io.FashionMnist.matches(o.data);
        if ((o.inputs != null || fashion) && given("--data-seed")) {
            String from = o.inputs != null ? "the data come from --inputs " + o.inputs + ", a file, which draws nothing"
                    : "--data " + o.data + " reads the first images of the shipped files and draws nothing";
            throw Checks.usage("--data-seed", from + ", so --data-seed " + o.dataSeed + source("--data-seed")
                    + " would be ignored (it seeds the synthetic --data sets: gaussian, teacher, orthogonal, spirals); remove it");
        }
        if (fashion && dev.morse.io.FashionMnist.parseSpec(o.data).test() != dev.morse.io.FashionMnist.ALL) {
            String why = usesShippedTestSplit();
            if (why != null) {
                throw CliException.usage("--data " + o.data + ": test=M sizes the held-out set of 'morse train' (the first M of the shipped "
                        + "test images), and " + why + ", so it would be ignored; remove ,test=M");
            }
        }
    }

    /**
     * Why this command leaves Fashion-MNIST's test split unused (for {@link #checkDataOptionsUsed}),
     * or null when it takes its held-out set from there: every command but train, which overrides it.
     */
    String usesShippedTestSplit() {
        return "'" + spec.name() + "' loads no test split";
    }

    /**
     * P, the parameter count of --model, as {@link #checkOptions} found it (set before a subclass's
     * own checks run): the widths give every dimension, so checks that depend only on P (limits of
     * the dense methods, a Lanczos basis against the values wanted) are made there, before any
     * data are read, and a sweep makes them on its driver.
     */
    int checkedParameters;

    /**
     * Whether --seed draws only θ (for --init), so that --weights, or an --init that draws nothing,
     * leaves it nothing to draw; train says no: its seed also shuffles the minibatches and draws the
     * held-out split and the curvature probes.
     */
    @Override
    boolean seedDrawsOnlyTheta() {
        return true;
    }

    /** Loads model, data and θ (timed, with progress). */
    LoadedProblem loadProblem() {
        Progress.Task t = progress.start("loading model and data", 0).ticking();
        problem = closeAtEnd(LoadedProblem.load(problemOptions));
        time("load", t.seconds());
        t.done(problem.model.describe() + ", P = " + problem.parameters() + ", N = " + problem.data.size());
        return problem;
    }

    /** With --master: products over a Spark data set ({@link OperatorProvider}); null otherwise. */
    OperatorProvider.Session remote;

    /** The provider of --master's products, found by {@link #checkRemote}. */
    private OperatorProvider provider;

    /**
     * Checks {@code --master}/{@code --partitions} before any work (loading the data included):
     * the combination, and that a provider is on the class path.
     */
    void checkRemote(MasterOptions m) {
        if (m.master == null) {
            if (m.partitions != null) throw Checks.usage("--partitions", "goes with --master (the data partitions on Spark executors)");
            return;
        }
        if (m.master.isBlank()) throw Checks.usage("--master", "empty; expected local[N], spark://HOST:PORT or cluster");
        provider = OperatorProvider.find(m.master);
    }

    /**
     * Opens the products over a Spark data set when {@code --master} is given (after
     * {@link #checkRemote} and {@link #loadProblem}); closed when the command ends.
     */
    void openRemote(MasterOptions m) throws Exception {
        if (m.master == null) return;
        if (provider == null) throw new IllegalStateException("checkRemote was not called");
        if (m.partitions != null && m.partitions > problem.data.size()) {
            throw Checks.usage("--partitions", m.partitions + " partitions for N = " + problem.data.size() + " samples; at most one partition per sample");
        }
        Progress.Task t = progress.start("starting Spark (" + m.master + ") and sending the data", 0).ticking();
        remote = closeAtEnd(provider.open(new OperatorProvider.Request(m.master, problem.problem, problem.theta,
                m.partitions == null ? 0 : m.partitions, problemOptions.threads == null ? 0 : problem.settings.threads(),
                problem.settings.chunkRows(), spec.name()), err));
        time("distribute", t.seconds());
        t.done(remote.describe());
    }

    /** L_R, L and ‖∇L_R‖ at θ: here, or over the partitions with {@code --master}. */
    void evaluatePoint(double[] theta) {
        if (remote == null) {
            evaluatePoint(problem.evaluator(), theta);
            return;
        }
        loss = remote.loss();
        dataLoss = remote.dataLoss();
        double s = 0;
        for (double x : remote.gradient()) s += x * x;
        gradientNorm = Math.sqrt(s);
    }

    /** A curvature part at θ: this JVM's evaluator, or sums over the partitions with {@code --master}. */
    LinearOperator curvature(Part part, double[] theta) {
        if (remote == null) return new CurvatureOperator(problem.evaluator(), part, theta);
        if (!java.util.Arrays.equals(theta, problem.theta)) throw new IllegalStateException("the distributed products are at the loaded θ only");
        return remote.operator(part);
    }

    /** L_R, L and ‖∇L_R‖ at θ. */
    void evaluatePoint(Evaluator obj, double[] theta) {
        long t0 = System.nanoTime();
        double[] g = new double[obj.dim()];
        loss = obj.lossAndGradient(theta, g);
        double s = 0;
        for (double x : g) s += x * x;
        gradientNorm = Math.sqrt(s);
        if (!Double.isFinite(loss)) throw nonFinite("loss", "L_R(θ) = " + loss, obj, theta);
        for (int i = 0; i < g.length; i++) {
            if (!Double.isFinite(g[i])) throw nonFinite("gradient", "∂L_R/∂θ_" + i + " = " + g[i], obj, theta);
        }
        dataLoss = obj.problem().hasTerms() ? obj.dataLoss(theta) : loss;
        time("gradient", (System.nanoTime() - t0) * 1e-9);
    }

    /** The loaded problem's evaluator (to find what overflowed), or null before loading. */
    Evaluator localEvaluator() {
        return problem == null ? null : problem.evaluator();
    }

    /** A note for modified activations (augmented ReLU, diminished GELU): "the Hessian" is the modified operator. */
    String modifiedNote() {
        return modifiedNote(false);
    }

    /**
     * The note for modified activations; {@code newton}: Newton steps ran on the true Hessian
     * ({@link LoadedProblem#newtonEvaluator}), and the note says so.
     */
    String modifiedNote(boolean newton) {
        return problem.model.usesModifiedSecondDerivative()
                ? "note: the model uses a modified σ″ (augmented_relu / diminished_gelu): \"Hessian\" and NME here are the modified operators (SPEC §3)"
                        + (newton ? "; Newton steps used the true Hessian (σ″ of " + exactNames() + "), the Jacobian of ∇L_R" : "")
                : null;
    }

    /** The exact twins of the model's modified activations, e.g. "gelu" or "relu, gelu". */
    private String exactNames() {
        java.util.Set<String> names = new java.util.LinkedHashSet<>();
        for (int l = 1; l < problem.model.layers(); l++) {
            dev.morse.engine.Activation a = problem.model.activation(l);
            if (a.modifiesSecondDerivative()) names.add(a.exactSecondDerivative().name());
        }
        return String.join(", ", names);
    }

    /**
     * The dense matrix of an operator ({@link dev.morse.spectra.DenseSpectrum#materialize}: block
     * products of identity columns, then (A + Aᵀ)/2), with a progress bar.
     * Refused up front, with the estimate, when it cannot fit.
     */
    double[] materialize(LinearOperator op, String what, double workspaceArrays) {
        int n = op.dim();
        Estimates.check("dense " + what + " of " + n + "×" + n + (workspaceArrays == 1 ? "" : " (" + (int) workspaceArrays + " arrays of P² doubles)"),
                (double) n * n, 8.0 * workspaceArrays * n * n,
                "Use a matrix-free method: spectrum --method lanczos --k K (extreme eigenvalues), density (SLQ) or trace"
                        + (n <= MemoryGuard.MAX_SQUARE_ORDER ? "; or " + Estimates.HEAP : ""));
        Progress.Task t = progress.start("materializing " + what + " (" + n + "×" + n + ")", n);
        double[] m = dev.morse.spectra.DenseSpectrum.materialize(op, (done, total) -> t.update(done, ""));
        int i = dev.morse.simd.KernelProvider.get().firstNonFinite(m.length, m, 0);   // one SIMD scan
        if (i >= 0) {
            throw nonFinite("curvature", "the dense " + what + " has entry (" + i / n + ", " + i % n + ") = " + m[i], localEvaluator(), problem == null ? null : problem.theta);
        }
        time("materialize", t.seconds());
        t.done(n + " columns, " + n + " products");
        return m;
    }

    /**
     * Exit 3 for curvature (or loss) that is not finite at θ: the cause is the point, not the input
     * syntax (θ = 1e200 used to be exit 2 with "a[0] of the 21×21 matrix" from LAPACK's check).
     * Without the evaluator the weights are named as the suspect; prefer
     * {@link #nonFinite(String, String, Evaluator, double[])}, which finds the culprit.
     */
    static CliException nonFinite(String kind, String what, double[] theta) {
        return nonFinite(kind, what, null, theta);
    }

    /** Weights above this size are the suspect of an overflow: their squares, products and exponentials leave float64. */
    static final double HUGE_WEIGHT = 1e100;

    /**
     * Exit 3 for a value that is not finite at θ, naming what overflowed. With the evaluator, the
     * data part (L, ∇L and one product ∇²L·z) and the terms (the regularizer R(θ), or a penalty)
     * are evaluated apart: when the data part is finite the term is the culprit (--reg l2:1e308 at
     * θ of size 0.5 used to be blamed on the weights); otherwise the weights when some |θ_i| is
     * huge (above {@link #HUGE_WEIGHT}, or not finite), else the data.
     */
    static CliException nonFinite(String kind, String what, Evaluator obj, double[] theta) {
        return nonFinite(kind, what, obj, dev.morse.engine.Batch.all(), theta);
    }

    /**
     * As {@link #nonFinite(String, String, Evaluator, double[])}, the terms evaluated over
     * {@code batch}: with a seed when a penalty draws probes or noise (train's step, eval's
     * --seed-step), which a batch without one refuses.
     */
    static CliException nonFinite(String kind, String what, Evaluator obj, dev.morse.engine.Batch batch, double[] theta) {
        double max = theta == null ? 0 : maxAbs(theta);
        String head = "non-finite " + kind + " at θ: " + what + " (overflow" + (theta == null ? "" : "; the largest |θ_i| is " + g3(max)) + ")";
        if (obj == null || theta == null || !(max <= HUGE_WEIGHT)) {
            return CliException.numerical(head + "; the weights are too large for float64 here: check --weights, or rescale them");
        }
        String term = termCulprit(obj, batch, theta);
        if (term != null) return CliException.numerical(head + "; " + term);
        Dataset d = obj.problem().data();
        double x = maxAbs(d.inputs()), y = d.realTargets() == null ? Double.NaN : maxAbs(d.realTargets());
        return CliException.numerical(head + "; the data loss overflows at weights of moderate size: check the data (the largest |x| is " + g3(x)
                + (Double.isNaN(y) ? "" : ", the largest |y| " + g3(y)) + "), or rescale it");
    }

    /**
     * The term to blame when the data part is finite at θ (L, ∇L and ∇²L·z for a ±1 vector z) and
     * the objective is not: "the regularizer l2:1.0E308 (its value is Infinity) overflows while
     * L(θ) = 0.377, …"; null when the data part overflows too, or there are no terms.
     */
    private static String termCulprit(Evaluator obj, dev.morse.engine.Batch batch, double[] theta) {
        if (!obj.problem().hasTerms()) return null;
        int p = obj.dim();
        double[] g = new double[p];
        double l = obj.dataLossAndGradient(theta, g);
        if (!Double.isFinite(l) || !allFinite(g)) return null;
        double[] hz = new double[p];
        obj.dataHvp(theta, rademacher(p), hz);
        if (!allFinite(hz)) return null;
        java.util.List<dev.morse.engine.Term> terms = obj.problem().terms();
        double[] values = obj.termValues(batch, theta);
        java.util.List<String> named = new java.util.ArrayList<>();
        boolean penalty = false;
        for (int i = 0; i < terms.size(); i++) {
            if (Double.isFinite(values[i]) && terms.size() > 1) continue;
            penalty |= terms.get(i).isPenalty();
            named.add((terms.get(i).isPenalty() ? "the penalty " : "the regularizer ") + terms.get(i).spec() + " (its value is " + values[i] + ")");
        }
        if (named.isEmpty()) named.add("a term of the objective (" + obj.problem().describeTerms() + ")");   // its gradient or curvature
        return String.join(" and ", named) + (named.size() > 1 ? " overflow" : " overflows") + " while L(θ) = " + g3(l)
                + ", ∇L and ∇²L·z are finite: " + (penalty ? "a coefficient is too large for float64 here; lower it (--penalty)"
                : "its λ is too large for float64 here; lower it (--reg)");
    }

    private static boolean allFinite(double[] v) {
        return dev.morse.simd.KernelProvider.get().allFinite(v.length, v, 0);
    }

    /** The largest |v_i|, infinite when some v_i is not finite. */
    private static double maxAbs(double[] v) {
        double m = 0;
        for (double x : v) m = Double.isFinite(x) ? Math.max(m, Math.abs(x)) : Double.POSITIVE_INFINITY;
        return m;
    }

    /** The ±1 vector of {@link #checkCurvature}'s product. */
    private static double[] rademacher(int p) {
        java.util.SplittableRandom rng = new java.util.SplittableRandom(1);
        double[] z = new double[p];
        for (int i = 0; i < p; i++) z[i] = rng.nextBoolean() ? 1 : -1;
        return z;
    }

    /**
     * Exit 3 with the cause ({@link #nonFinite(String, String, Evaluator, double[])}) when the loss or
     * the gradient is not finite at θ: an optimizer started there ends in a θ of NaN (fit with
     * --reg multiplicative:1e308 was an internal error).
     */
    static void checkGradient(Evaluator obj, double[] theta) {
        checkGradient(obj, dev.morse.engine.Batch.all(), theta);
    }

    /** As {@link #checkGradient(Evaluator, double[])} over {@code batch} (with a seed for penalties that draw probes or noise). */
    static void checkGradient(Evaluator obj, dev.morse.engine.Batch batch, double[] theta) {
        double[] g = new double[obj.dim()];
        double l = obj.lossAndGradient(batch, theta, g);
        boolean penalties = obj.problem().hasPenalties();   // train's objective
        if (!Double.isFinite(l)) throw nonFinite(penalties ? "objective" : "loss", (penalties ? "L + R + penalties = " : "L_R(θ) = ") + l, obj, batch, theta);
        for (int i = 0; i < g.length; i++) {
            if (!Double.isFinite(g[i])) {
                throw nonFinite("gradient", (penalties ? "∂(L + R + penalties)/∂θ_" : "∂L_R/∂θ_") + i + " = " + g[i], obj, batch, theta);
            }
        }
    }

    /**
     * The loss, the gradient and one product of the Hessian with a Rademacher vector: a non-finite entry anywhere in H
     * makes it non-finite, so the dense paths that do not pass through {@link #materialize} (the
     * Morse report) fail with exit 3 and the cause, not with LAPACK's input check.
     */
    static void checkCurvature(Evaluator obj, double[] theta) {
        checkGradient(obj, theta);
        int p = obj.dim();
        double[] z = rademacher(p), hz = new double[p];
        obj.hvp(theta, z, hz);
        for (int i = 0; i < p; i++) {
            if (!Double.isFinite(hz[i])) throw nonFinite("curvature", "(H·z)_" + i + " = " + hz[i] + " for a ±1 vector z", obj, theta);
        }
    }

    /** All eigenvalues (ascending) of a dense symmetric matrix through LAPACK (dsyevd, on one OpenBLAS thread: the same bits for any --threads). */
    SymmetricEigen eigh(double[] m, int n, boolean vectors, String what) {
        Progress.Task t = progress.start("eigendecomposition of " + what + " (LAPACK)", 0).ticking();
        SymmetricEigen eig;
        try (NativeThreads.Scope s = NativeThreads.dense(problem.settings.threads())) {
            eig = Linalg.get().eighInPlace(m, n, vectors);
        }
        time("eigendecomposition", t.seconds());
        t.done(n + " eigenvalues");
        return eig;
    }

    /** A {@link LinearOperator} wrapper that counts products and reports them as progress. */
    final class Counting implements LinearOperator {
        final LinearOperator inner;
        final Progress.Task task;
        long products;

        Counting(LinearOperator inner, Progress.Task task) {
            this.inner = inner;
            this.task = task;
        }

        /** The inner operator's workers (Lanczos's restarts run there). */
        @Override
        public dev.morse.simd.Ranges ranges() {
            return inner.ranges();
        }

        @Override
        public int dim() {
            return inner.dim();
        }

        @Override
        public void apply(double[] v, double[] out) {
            inner.apply(v, out);
            requireFinite(out, 1);
            products++;
            task.update(products, products + " products");
        }

        @Override
        public void apply(double[] vs, double[] outs, int k) {
            inner.apply(vs, outs, k);
            requireFinite(outs, k);
            products += k;
            task.update(products, products + " products");
        }

        /** The CLI's words for a non-finite product (an overflow at θ); one SIMD scan when all is well. */
        private void requireFinite(double[] outs, int k) {
            int n = inner.dim(), len = k * n;
            int i = dev.morse.simd.KernelProvider.get().firstNonFinite(len, outs, 0);
            if (i >= 0) throw nonFinite("curvature", "a product has component " + i % n + " = " + outs[i], localEvaluator(), theta());
        }

        @Override
        public String describe() {
            return inner.describe();
        }

        private double[] theta() {
            return problem == null ? null : problem.theta;
        }
    }
}
