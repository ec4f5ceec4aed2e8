package dev.morse.cli;

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

    @ArgGroup(validate = false, heading = "%nOutput:%n", order = 200)
    OutputOptions outputOptions = new OutputOptions();

    @Override
    OutputOptions outputs() {
        return outputOptions;
    }

    LoadedProblem problem;
    double loss;
    double dataLoss;
    double gradientNorm;

    /** Loads model, data and θ (timed, with progress). */
    LoadedProblem loadProblem() {
        Progress.Task t = progress.start("loading model and data", 0).ticking();
        problem = closeAtEnd(LoadedProblem.load(problemOptions));
        time("load", t.seconds());
        t.done(problem.model.describe() + ", P = " + problem.parameters() + ", N = " + problem.data.size());
        return problem;
    }

    /** L_R, L and ‖∇L_R‖ at θ. */
    void evaluatePoint(Evaluator obj, double[] theta) {
        long t0 = System.nanoTime();
        double[] g = new double[obj.dim()];
        loss = obj.lossAndGradient(theta, g);
        double s = 0;
        for (double x : g) s += x * x;
        gradientNorm = Math.sqrt(s);
        if (!Double.isFinite(loss)) throw nonFinite("loss", "L_R(θ) = " + loss, theta);
        for (int i = 0; i < g.length; i++) {
            if (!Double.isFinite(g[i])) throw nonFinite("gradient", "∂L_R/∂θ_" + i + " = " + g[i], theta);
        }
        dataLoss = obj.problem().hasTerms() ? obj.dataLoss(theta) : loss;
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
        for (int i = 0; i < m.length; i++) {
            if (!Double.isFinite(m[i])) {
                throw nonFinite("curvature", "the dense " + what + " has entry (" + i / n + ", " + i % n + ") = " + m[i], problem == null ? null : problem.theta);
            }
        }
        time("materialize", t.seconds());
        t.done(n + " columns, " + n + " products");
        return m;
    }

    /**
     * Exit 3 for curvature (or loss) that is not finite at θ: the cause is the point, not the input
     * syntax (θ = 1e200 used to be exit 2 with "a[0] of the 21×21 matrix" from LAPACK's check).
     */
    static CliException nonFinite(String kind, String what, double[] theta) {
        double max = 0;
        if (theta != null) for (double x : theta) max = Math.max(max, Math.abs(x));
        return CliException.numerical("non-finite " + kind + " at θ: " + what + " (overflow" + (theta == null ? "" : "; the largest |θ_i| is " + g3(max))
                + "); the weights are too large for float64 here: check --weights, or rescale them");
    }

    /**
     * The loss, the gradient and one product of the Hessian with a Rademacher vector: a non-finite entry anywhere in H
     * makes it non-finite, so the dense paths that do not pass through {@link #materialize} (the
     * Morse report) fail with exit 3 and the cause, not with LAPACK's input check.
     */
    static void checkCurvature(Evaluator obj, double[] theta) {
        int p = obj.dim();
        double[] g = new double[p];
        double l = obj.lossAndGradient(theta, g);
        if (!Double.isFinite(l)) throw nonFinite("loss", "L_R(θ) = " + l, theta);
        for (int i = 0; i < p; i++) {
            if (!Double.isFinite(g[i])) throw nonFinite("gradient", "∂L_R/∂θ_" + i + " = " + g[i], theta);
        }
        java.util.SplittableRandom rng = new java.util.SplittableRandom(1);
        double[] z = new double[p], hz = new double[p];
        for (int i = 0; i < p; i++) z[i] = rng.nextBoolean() ? 1 : -1;
        obj.hvp(theta, z, hz);
        for (int i = 0; i < p; i++) {
            if (!Double.isFinite(hz[i])) throw nonFinite("curvature", "(H·z)_" + i + " = " + hz[i] + " for a ±1 vector z", theta);
        }
    }

    /** All eigenvalues (ascending) of a dense symmetric matrix through LAPACK, with the problem's threads for OpenBLAS. */
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

        @Override
        public int dim() {
            return inner.dim();
        }

        @Override
        public void apply(double[] v, double[] out) {
            inner.apply(v, out);
            for (int i = 0; i < out.length; i++) {
                if (!Double.isFinite(out[i])) throw nonFinite("curvature", "a product has component " + i + " = " + out[i], theta());
            }
            products++;
            task.update(products, products + " products");
        }

        @Override
        public void apply(double[] vs, double[] outs, int k) {
            inner.apply(vs, outs, k);
            for (int i = 0; i < (long) k * inner.dim(); i++) {
                if (!Double.isFinite(outs[i])) throw nonFinite("curvature", "a product has component " + i % inner.dim() + " = " + outs[i], theta());
            }
            products += k;
            task.update(products, products + " products");
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
