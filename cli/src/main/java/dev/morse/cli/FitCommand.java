package dev.morse.cli;

import dev.morse.analysis.Trajectory;
import dev.morse.engine.Evaluator;
import dev.morse.engine.Part;
import dev.morse.json.Json;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.ArgGroup;
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

    @ArgGroup(validate = false, heading = OutputOptions.HEADING, order = OutputOptions.ORDER)
    OutputOptions.WithPlots outputOptions = new OutputOptions.WithPlots();

    @Override
    OutputOptions outputs() {
        return outputOptions;
    }

    /** --optimizer's default (also where Main.unreadOptions reads a sweep step's config without one). */
    static final String DEFAULT_OPTIMIZER = "lbfgs";

    /** --penalty is refused here: analyses use the objective without training penalties. */
    @picocli.CommandLine.Mixin
    PenaltyRefusal penaltyRefusal;

    @Option(names = "--optimizer", paramLabel = "OPT", defaultValue = DEFAULT_OPTIMIZER, order = 1,
            description = "lbfgs, gd, newton, newton_tr or lbfgs_newton (default: ${DEFAULT-VALUE}).")
    Optimize.Name optimizer;

    @Option(names = "--max-iter", converter = Checks.NonNegative.class, paramLabel = "N", defaultValue = "1000", order = 2,
            description = "Iteration limit of lbfgs and gd, and of lbfgs_newton's L-BFGS phase; newton and newton_tr take --newton-iter "
                    + "(default: ${DEFAULT-VALUE}).")
    int maxIter;

    @Option(names = "--newton-iter", converter = Checks.NonNegative.class, paramLabel = "N", defaultValue = "200", order = 3,
            description = "Iteration limit of newton and newton_tr, and of lbfgs_newton's Newton phase (default: ${DEFAULT-VALUE}).")
    int newtonIter;

    @CombinedCheck   // against P and newton_tr's --krylov-iter (checkOptionsAtP)
    @Option(names = "--newton-dense-limit", converter = Checks.NonNegative.class, paramLabel = "P", defaultValue = "" + Optimize.NEWTON_DENSE_LIMIT, order = 3,
            description = "Dense Newton steps (one P×P Hessian and eigendecomposition per iteration) up to this P; matrix-free "
                    + "Krylov steps on exact Hessian-vector products above; newton, newton_tr and lbfgs_newton (default: ${DEFAULT-VALUE}).")
    int newtonDenseLimit;

    @Option(names = "--krylov-iter", converter = Checks.Positive.class, paramLabel = "N", defaultValue = "" + Optimize.KRYLOV_ITER, order = 3,
            description = "Iteration limit of MINRES (newton, lbfgs_newton) or CG (newton_tr above --newton-dense-limit; its dense steps run "
                    + "none, so it is refused there) in one Newton step (default: ${DEFAULT-VALUE}).")
    int krylovIter;

    @Option(names = "--grad-tol", paramLabel = "TOL", defaultValue = "spec", order = 4,
            description = "Stop when ‖∇L_R‖₂ ≤ TOL: a number, 'spec' (1e-10·max(1,|L_R|), SPEC §6; the default) or 'rounding' "
                    + "(go on until no step lowers ‖∇‖: needed before counting zero eigenvalues).")
    String gradTol;

    @Option(names = "--lr", converter = Checks.PositiveReal.class, paramLabel = "ETA", defaultValue = "0.1", order = 5, description = "gd only: learning rate (the others choose their steps by line search or trust region; default: ${DEFAULT-VALUE}).")
    double learningRate;

    @Option(names = "--history", converter = Checks.Positive.class, paramLabel = "M", defaultValue = "30", order = 6, description = "lbfgs and lbfgs_newton: memory pairs (default: ${DEFAULT-VALUE}).")
    int history;

    @WritesFiles

    @Option(names = {"-o", "--save"}, paramLabel = "FILE.npy", order = 7,
            description = "Write the final θ here (1-D float64 .npy, PyTorch order).")
    Path save;

    /** --grad-tol as a number (parsed by {@link #checkOptions}). */
    private double tol;

    /**
     * Which optimizers read each optimizer option (--grad-tol: all of them), from {@link Optimize#run}:
     * --max-iter is the limit of lbfgs, gd and lbfgs_newton's L-BFGS phase; --newton-iter,
     * --newton-dense-limit and --krylov-iter set the Newton phases (newton, newton_tr,
     * lbfgs_newton's second); --history the L-BFGS ones; --lr gd alone (the others choose their
     * steps). `--optimizer newton --max-iter 5` ran 200 iterations, in silence.
     */
    static final java.util.Map<String, java.util.Set<Optimize.Name>> READ_BY;
    static {
        var lbfgs = Optimize.Name.lbfgs;
        var gd = Optimize.Name.gd;
        var newton = Optimize.Name.newton;
        var tr = Optimize.Name.newton_tr;
        var both = Optimize.Name.lbfgs_newton;
        var m = new java.util.LinkedHashMap<String, java.util.Set<Optimize.Name>>();
        m.put("--max-iter", java.util.EnumSet.of(lbfgs, gd, both));
        m.put("--newton-iter", java.util.EnumSet.of(newton, tr, both));
        m.put("--newton-dense-limit", java.util.EnumSet.of(newton, tr, both));
        m.put("--krylov-iter", java.util.EnumSet.of(newton, tr, both));
        m.put("--lr", java.util.EnumSet.of(gd));
        m.put("--history", java.util.EnumSet.of(lbfgs, both));
        READ_BY = java.util.Collections.unmodifiableMap(m);
    }

    @Override
    void checkOptions() {
        super.checkOptions();
        tol = Optimize.parseGradTol(gradTol);
        checkOptimizerOptions();
        checkOptionsAtP(checkedParameters);
    }

    /**
     * Refuses an optimizer option that --optimizer does not read ({@link #READ_BY}) when it is
     * {@link #given}. As for the other options that would be ignored, the command line wins over a
     * config file: an --optimizer on the command line leaves a config's options of another optimizer
     * unused, and they are set back to their defaults so that the report's config reruns what ran.
     */
    private void checkOptimizerOptions() {
        for (var e : READ_BY.entrySet()) {
            String o = e.getKey();
            if (e.getValue().contains(optimizer) || !given(o)) continue;
            if (resetIfUnreadByCommandLine(o, List.of("--optimizer"))) continue;
            throw Checks.usage(o, "--optimizer " + optimizer + source("--optimizer") + " does not read it, so " + o + " "
                    + spec.findOption(o).getValue() + source(o) + " would be ignored; " + unreadAdvice(o, optimizer));
        }
    }

    /**
     * Refuses an optimizer option that is read at some P only, at P from --model (before any data
     * are read, so that a sweep's driver refuses it too: {@link Main#check}):
     * newton_tr's steps at P ≤ --newton-dense-limit solve the trust-region subproblem exactly in the
     * Hessian's eigenbasis (Moré–Sorensen) and run no CG, so --krylov-iter, the limit of its
     * Steihaug–CG steps above the limit, is not read there (`--optimizer newton_tr --krylov-iter 5`
     * at P = 21 was accepted and ignored). newton and lbfgs_newton read it at any P: their dense
     * steps run MINRES in the eigenbasis. --newton-dense-limit itself is read at any P (it decides).
     * As in {@link #checkOptimizerOptions}, the command line wins over a config file: a config's
     * --krylov-iter that the command line's {@link #AT_P_DECIDERS} leave unread is set back to its
     * default (`--config f.json --newton-dense-limit 3000`, f.json from a run above the limit).
     */
    void checkOptionsAtP(int p) {
        if (optimizer != Optimize.Name.newton_tr || p > newtonDenseLimit || !given("--krylov-iter")) return;
        if (resetIfUnreadByCommandLine("--krylov-iter", AT_P_DECIDERS)) return;
        throw Checks.usage("--krylov-iter", "--optimizer newton_tr" + source("--optimizer") + " takes dense steps at P = " + p
                + " ≤ --newton-dense-limit " + newtonDenseLimit + source("--newton-dense-limit")
                + " (the exact trust-region step in the Hessian's eigenbasis, no CG), so --krylov-iter " + krylovIter + source("--krylov-iter")
                + " would be ignored: it limits the CG iterations of newton_tr's matrix-free steps, which run at P above the limit; "
                + "remove it, or lower --newton-dense-limit below P = " + p);
    }

    /** The options that decide whether newton_tr reads --krylov-iter: the optimizer, the limit, and P (the widths and biases). */
    static final java.util.List<String> AT_P_DECIDERS = java.util.List.of("--optimizer", "--newton-dense-limit", "--model", "--no-bias");

    /** What to do instead of an option that {@code optimizer} does not read. */
    static String unreadAdvice(String option, Optimize.Name optimizer) {
        return switch (option) {
            case "--max-iter" -> "its iteration limit is --newton-iter (--max-iter limits lbfgs, gd and lbfgs_newton's L-BFGS phase)";
            case "--newton-iter" -> "its iteration limit is --max-iter (--newton-iter limits newton, newton_tr and lbfgs_newton's Newton phase)";
            case "--newton-dense-limit", "--krylov-iter" -> "it sets the Newton steps of newton, newton_tr and lbfgs_newton; remove it, "
                    + "or choose one of those";
            case "--lr" -> optimizer + " chooses its step lengths itself (" + (optimizer == Optimize.Name.lbfgs ? "line search"
                    : optimizer == Optimize.Name.lbfgs_newton ? "line search, then trust region" : "trust region")
                    + "); remove --lr, or use --optimizer gd (fixed learning rate)";
            case "--history" -> "the memory pairs are L-BFGS's; remove --history, or use --optimizer lbfgs or lbfgs_newton";
            default -> throw new IllegalStateException(option);
        };
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
        String reason = Optimize.stopWords(t, false, run.gradTol());
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
                    + run.stopText() + "; " + advice(optimizer, run) + ".");
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
