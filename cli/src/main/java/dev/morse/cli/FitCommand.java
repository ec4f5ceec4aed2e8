package dev.morse.cli;

import dev.morse.analysis.Trajectory;
import dev.morse.engine.Evaluator;
import dev.morse.engine.Part;
import dev.morse.json.Json;
import java.nio.file.Path;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code morse fit}: optimize θ to a critical point of L_R and save it. */
@Command(name = "fit", mixinStandardHelpOptions = true, sortOptions = false, usageHelpAutoWidth = true, abbreviateSynopsis = true,
        optionListHeading = "%nOptions:%n",
        description = {"Optimizes θ to a critical point of the objective L_R (full batch) and saves it as .npy.",
                "%nOptimizers: lbfgs (L-BFGS with Armijo backtracking); gd (gradient descent, fixed learning rate); newton "
                        + "(Newton on ∇L_R = 0 with exact Hessians and a trust region on ‖∇L_R‖²: converges to the nearest critical point, "
                        + "minimum, saddle or maximum alike); newton_tr (trust-region Newton minimization: exact subproblem in the "
                        + "Hessian's eigenbasis up to --newton-dense-limit, Steihaug–CG above; a descent method for reaching minima fast); "
                        + "lbfgs_newton (L-BFGS to the SPEC tolerance, then newton: the way to a critical point refined to rounding "
                        + "level). Starts from --weights or --init. Exit 3 when the tolerance is not met. Plot: fit-trajectory."},
        footer = {"%nExamples:",
                "  morse fit --model 2-16-1 --data teacher:n=16 --save theta.npy",
                "  morse fit --model 2-16-1 --data teacher:n=16 --reg l2:1e-3 \\",
                "      --optimizer lbfgs_newton --grad-tol rounding --save theta-l2.npy \\",
                "      --plots plots/ --json fit.json"})
final class FitCommand extends AnalysisCommand {

    /** --penalty is refused here: analyses use the objective without training penalties. */
    @picocli.CommandLine.Mixin
    PenaltyRefusal penaltyRefusal;

    @Option(names = "--optimizer", paramLabel = "OPT", defaultValue = "lbfgs", order = 1,
            description = "lbfgs, gd, newton, newton_tr or lbfgs_newton (default: ${DEFAULT-VALUE}).")
    Optimize.Name optimizer;

    @Option(names = "--max-iter", converter = Checks.NonNegative.class, paramLabel = "N", defaultValue = "1000", order = 2,
            description = "Iteration limit of lbfgs / gd (default: ${DEFAULT-VALUE}).")
    int maxIter;

    @Option(names = "--newton-iter", converter = Checks.NonNegative.class, paramLabel = "N", defaultValue = "200", order = 3,
            description = "Iteration limit of newton and newton_tr (default: ${DEFAULT-VALUE}).")
    int newtonIter;

    @Option(names = "--newton-dense-limit", converter = Checks.NonNegative.class, paramLabel = "P", defaultValue = "" + Optimize.NEWTON_DENSE_LIMIT, order = 3,
            description = "Dense Newton steps (one P×P Hessian and eigendecomposition per iteration) up to this P; matrix-free "
                    + "Krylov steps on exact Hessian-vector products above (default: ${DEFAULT-VALUE}).")
    int newtonDenseLimit;

    @Option(names = "--krylov-iter", converter = Checks.Positive.class, paramLabel = "N", defaultValue = "" + Optimize.KRYLOV_ITER, order = 3,
            description = "Iteration limit of MINRES (newton) or CG (newton_tr) in one matrix-free step (default: ${DEFAULT-VALUE}).")
    int krylovIter;

    @Option(names = "--grad-tol", paramLabel = "TOL", defaultValue = "spec", order = 4,
            description = "Stop when ‖∇L_R‖₂ ≤ TOL: a number, 'spec' (1e-10·max(1,|L_R|), SPEC §6; the default) or 'rounding' "
                    + "(go on until no step lowers ‖∇‖: needed before counting zero eigenvalues).")
    String gradTol;

    @Option(names = "--lr", converter = Checks.PositiveReal.class, paramLabel = "ETA", defaultValue = "0.1", order = 5, description = "gd: learning rate (default: ${DEFAULT-VALUE}).")
    double learningRate;

    @Option(names = "--history", converter = Checks.Positive.class, paramLabel = "M", defaultValue = "30", order = 6, description = "lbfgs: memory pairs (default: ${DEFAULT-VALUE}).")
    int history;

    @WritesFiles

    @Option(names = {"-o", "--save"}, paramLabel = "FILE.npy", order = 7,
            description = "Write the final θ here (1-D float64 .npy, PyTorch order).")
    Path save;

    /** --grad-tol as a number (parsed by {@link #checkOptions}). */
    private double tol;

    @Override
    void checkOptions() {
        super.checkOptions();
        tol = Optimize.parseGradTol(gradTol);
    }

    @Override
    int execute() throws Exception {
        planJson();
        boolean plots = planPlot("fit-trajectory");
        if (save != null) files.plan("--save", save);
        loadProblem();
        Evaluator obj = problem.evaluator();
        checkGradient(obj, problem.theta);   // a start that overflows: its cause, not the optimizer's NaN
        boolean newton = optimizer != Optimize.Name.lbfgs && optimizer != Optimize.Name.gd;
        long t0 = System.nanoTime();
        Evaluator runObj = newton ? problem.newtonEvaluator() : obj;
        Optimize.Run run;
        try {
            run = Optimize.run(runObj, problem.theta, new Optimize.Settings(optimizer, maxIter, tol, learningRate, history, newtonIter,
                    newtonDenseLimit, krylovIter),
                    progress, "fit");
        } finally {
            problem.release(runObj);   // an exact-Hessian twin: not held past the fit (obj stays open)
        }
        time("fit", (System.nanoTime() - t0) * 1e-9);
        Trajectory t = run.trajectory();
        evaluatePoint(obj, t.theta());
        if (save != null) {
            files.npy(save, t.theta());
        }
        if (plots) {
            Progress.Task pt = progress.start("plots", 0).ticking();
            savePlot("fit-trajectory", Plots.trajectory("Fit: " + problem.model.describe() + ", " + problem.loss.id() + ", reg "
                    + problem.regularizer.spec(), t.losses(), t.gradientNorms(), run.phaseNames(), run.phaseStarts(), Plots.WIDTH));
            time("plots", pt.seconds());
            pt.done(null);
        }
        Report report = new Report("fit").config(spec).backend().problem(problem).point(loss, dataLoss, gradientNorm);
        Json j = report.j;
        j.name("trajectory");
        Report.trajectory(j, run);
        j.name("theta_file").value(save == null ? null : save.toString());
        j.name("note").value(modifiedNote(newton));
        writeReport(report);

        boolean diverged = t.reason() == Trajectory.StopReason.DIVERGED;
        String reason = switch (t.reason()) {
            case CONVERGED -> "converged";
            case MAX_ITERATIONS -> "iteration limit reached";
            case STALLED -> run.converged() ? "stopped at rounding level (no step lowers ‖∇‖)" : "stalled (no step makes progress)";
            case DEGENERATE -> "stopped near a degenerate critical point (linear convergence)";
            case DIVERGED -> "diverged";   // the detail follows on its own line, once
        };
        printTable("fit · " + problem.model.describe() + ", " + problem.loss.id() + ", reg " + problem.regularizer.spec() + " · P = "
                + problem.parameters() + ", N = " + problem.data.size(), new String[][] {
                {"optimizer", t.optimizer() + ", " + t.iterations() + " iterations, " + reason},
                {"loss L_R", sci(t.losses()[0]) + " → " + sci(loss)},
                {"‖∇L_R‖₂", sci(t.gradientNorms()[0]) + " → " + sci(gradientNorm) + String.format(Locale.ROOT, "  (tolerance %.2e%s: %s)",
                        run.gradTol(), diverged && tol <= Double.MIN_VALUE ? " at the starting loss" : "", run.converged() ? "met" : "NOT met")},
                {"θ", save == null ? "not saved (use --save FILE.npy)" : "saved to " + save}});
        if (!run.converged() && t.detail() != null) println("  " + t.detail());
        String note = modifiedNote(newton);
        if (note != null) println("  " + note);
        printOutputs();
        if (diverged) {
            err.println("morse fit: " + t.optimizer() + " diverged after " + t.iterations() + " iterations: " + t.detail() + " (--lr).");
            return Main.EXIT_NUMERICAL;
        }
        if (!run.converged()) {
            err.println("morse fit: no convergence: ‖∇L_R‖ = " + g3(gradientNorm) + " > tolerance " + g3(run.gradTol()) + " after "
                    + t.iterations() + " iterations (" + reason + "); " + advice(optimizer, run) + ".");
            return Main.EXIT_NUMERICAL;
        }
        return Main.EXIT_OK;
    }

    /**
     * What to try when a run misses its tolerance: raise the iteration limit of the phase that ran
     * out (--newton-iter for newton and newton_tr, --max-iter for lbfgs and gd: raising the other one
     * changes nothing), lbfgs_newton unless that is what ran, and a looser --grad-tol.
     */
    static String advice(Optimize.Name optimizer, Optimize.Run run) {
        java.util.List<String> tries = Optimize.tries(run, optimizer != Optimize.Name.lbfgs_newton ? "try --optimizer lbfgs_newton" : null);
        tries.add("loosen --grad-tol");
        return Optimize.either(tries);
    }
}
