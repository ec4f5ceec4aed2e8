package dev.morse.cli;

import dev.morse.engine.Objective;
import dev.morse.linalg.Linalg;
import dev.morse.linalg.MemoryGuard;
import dev.morse.linalg.OpenBlas;
import dev.morse.linalg.SymmetricEigen;
import dev.morse.spectra.LinearOperator;
import picocli.CommandLine.ArgGroup;

/** A command that analyses a problem (model + data + θ): loading, the point, dense spectra with progress. */
abstract class AnalysisCommand extends BaseCommand {

    /** Curvature operators by the names users type (SPEC §5). */
    enum OperatorName {
        hessian(Objective.Part.HESSIAN, "Hessian ∇²L_R (regularizer included)"),
        data_hessian(Objective.Part.DATA_HESSIAN, "data Hessian ∇²L = G + M"),
        ggn(Objective.Part.GGN, "Gauss–Newton G"),
        nme(Objective.Part.NME, "NME M"),
        regularizer(Objective.Part.REGULARIZER, "regularizer part ∇²L_R − ∇²L");

        final Objective.Part part;
        final String label;

        OperatorName(Objective.Part part, String label) {
            this.part = part;
            this.label = label;
        }
    }

    @ArgGroup(validate = false, heading = "%nProblem (model, weights, data, regularizer):%n", order = 100)
    ProblemOptions problemOptions = new ProblemOptions();

    @ArgGroup(validate = false, heading = "%nOutput:%n", order = 200)
    OutputOptions outputOptions = new OutputOptions();

    @Override
    OutputOptions outputs() {
        return outputOptions;
    }

    Problem problem;
    double loss;
    double dataLoss;
    double gradientNorm;

    /** Loads model, data and θ (timed, with progress). */
    Problem loadProblem() {
        Progress.Task t = progress.start("loading model and data", 0).ticking();
        problem = Problem.load(problemOptions);
        time("load", t.seconds());
        t.done(problem.model.describe() + ", P = " + problem.parameters() + ", N = " + problem.data.size());
        return problem;
    }

    /** L_R, L and ‖∇L_R‖ at θ. */
    void evaluatePoint(Objective obj, double[] theta) {
        long t0 = System.nanoTime();
        double[] g = new double[obj.dim()];
        loss = obj.lossAndGradient(theta, g);
        double s = 0;
        for (double x : g) s += x * x;
        gradientNorm = Math.sqrt(s);
        dataLoss = obj.regularizer() == dev.morse.engine.Regularizer.NONE ? loss : obj.dataLoss(theta);
        time("gradient", (System.nanoTime() - t0) * 1e-9);
    }

    /** A note for modified activations (augmented ReLU, diminished GELU): "the Hessian" is the modified operator. */
    String modifiedNote() {
        return problem.model.usesModifiedSecondDerivative()
                ? "note: the model uses a modified σ″ (augmented_relu / diminished_gelu): \"Hessian\" and NME here are the modified operators (SPEC §3)"
                : null;
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
        time("materialize", t.seconds());
        t.done(n + " columns, " + n + " products");
        return m;
    }

    /** All eigenvalues (ascending) of a dense symmetric matrix through LAPACK, with every core for OpenBLAS. */
    SymmetricEigen eigh(double[] m, int n, boolean vectors, String what) {
        Progress.Task t = progress.start("eigendecomposition of " + what + " (LAPACK)", 0).ticking();
        int before = OpenBlas.available() ? OpenBlas.threads() : 1;
        OpenBlas.setThreads(Runtime.getRuntime().availableProcessors());
        SymmetricEigen eig;
        try {
            eig = Linalg.get().eighInPlace(m, n, vectors);
        } finally {
            OpenBlas.setThreads(before);
        }
        time("eigendecomposition", t.seconds());
        t.done(n + " eigenvalues");
        return eig;
    }

    /** A {@link LinearOperator} wrapper that counts products and reports them as progress. */
    static final class Counting implements LinearOperator {
        final LinearOperator inner;
        final Progress.Task task;
        long products;

        Counting(LinearOperator inner, Progress.Task task) {
            this.inner = inner;
            this.task = task;
        }

        @Override
        public int dim() {
            return inner.dim();
        }

        @Override
        public void apply(double[] v, double[] out) {
            inner.apply(v, out);
            products++;
            task.update(products, products + " products");
        }

        @Override
        public void apply(double[] vs, double[] outs, int k) {
            inner.apply(vs, outs, k);
            products += k;
            task.update(products, products + " products");
        }

        @Override
        public String describe() {
            return inner.describe();
        }
    }
}
