package dev.morse.cli;

import dev.morse.analysis.EigenvalueCounts;
import dev.morse.analysis.MorseReport;
import dev.morse.engine.Evaluator;
import dev.morse.engine.Part;
import dev.morse.json.Json;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code morse morse}: refine to a critical point and run the Morse check (SPEC §6). */
@Command(name = "morse", mixinStandardHelpOptions = true, sortOptions = false, usageHelpAutoWidth = true, abbreviateSynopsis = true,
        optionListHeading = "%nOptions:%n",
        description = {"The Morse check: is θ a nondegenerate critical point of L_R? (SPEC §6)",
                "%nRefines θ to a critical point (Newton with exact Hessians, to rounding level), then counts the Hessian's "
                        + "eigenvalues below −τ (index), within ±τ (nullity) and above τ, with τ = c·P·ε·‖H‖₂. The point is "
                        + "nondegenerate (Morse at this point) iff the nullity is 0. Also the Gauss–Newton/NME split: spectra, "
                        + "traces and ‖M‖_F/‖H‖_F. Exit 3 when refinement does not reach a critical point. Plots: "
                        + "morse-eigenvalues, morse-ggn-nme, morse-refine."},
        footer = {"%nExamples:",
                "  morse morse --model 2-16-1 --data teacher:n=16 --weights theta.npy",
                "  morse morse --model 2-16-1 --data teacher:n=16 --weights theta.npy \\",
                "      --reg l2:1e-3 --refine lbfgs_newton --plots plots/ --json m.json",
                "  morse morse --model 2-16-1 --data teacher:n=16 --refine lbfgs_newton"})
final class MorseCommand extends AnalysisCommand {

    /** --penalty is refused here: analyses use the objective without training penalties. */
    @picocli.CommandLine.Mixin
    PenaltyRefusal penaltyRefusal;

    /** Refinement before the check. Lower case: what users type. */
    enum Refine { newton, lbfgs_newton, none }

    @Option(names = "--refine", paramLabel = "HOW", defaultValue = "newton", order = 1,
            description = "newton: Newton to rounding level from θ (the default); lbfgs_newton: L-BFGS first, for a θ far from "
                    + "a critical point (e.g. from --init); none: analyse θ as given (same as --no-refine).")
    Refine refine;

    @Option(names = "--no-refine", order = 2, description = "Analyse θ as given (it may not be critical: the report then says so).")
    boolean noRefine;

    @Option(names = "--newton-iter", converter = Checks.NonNegative.class, paramLabel = "N", defaultValue = "100", order = 3, description = "Newton iteration limit (default: ${DEFAULT-VALUE}).")
    int newtonIter;

    @Option(names = "--max-iter", converter = Checks.NonNegative.class, paramLabel = "N", defaultValue = "5000", order = 4, description = "L-BFGS iteration limit for lbfgs_newton (default: ${DEFAULT-VALUE}).")
    int maxIter;

    @Option(names = "--grad-tol", converter = Checks.NonNegativeReal.class, paramLabel = "TOL", defaultValue = "0", order = 5,
            description = "θ counts as critical when ‖∇L_R‖₂ ≤ TOL; 0: SPEC's 1e-10·max(1,|L_R|) (default).")
    double gradTol;

    @Option(names = "--tau-factor", converter = Checks.PositiveReal.class, paramLabel = "C", defaultValue = "10", order = 6, description = "c in τ = c·P·ε·‖H‖₂ (default: ${DEFAULT-VALUE}).")
    double tauFactor;

    @Option(names = "--abs-tol", converter = Checks.NonNegativeReal.class, paramLabel = "T", defaultValue = "0", order = 7, description = "An absolute zero threshold τ instead (0: use c·P·ε·‖H‖₂).")
    double absTol;

    @Option(names = "--dense-limit", converter = Checks.NonNegative.class, paramLabel = "P", defaultValue = "6000", order = 8,
            description = "Above this P only the extreme eigenvalues (Lanczos) are reported; counts need the dense spectrum (default: ${DEFAULT-VALUE}).")
    int denseLimit;

    @Option(names = {"-o", "--save"}, paramLabel = "FILE.npy", order = 9, description = "Write the refined θ here (1-D float64 .npy).")
    Path save;

    @Override
    int execute() throws Exception {
        planJson();
        boolean plots = planPlot("morse-eigenvalues");
        Refine how = noRefine ? Refine.none : refine;
        if (plots) {
            planPlot("morse-ggn-nme");
            if (how != Refine.none) planPlot("morse-refine");
        }
        if (save != null) files.plan("--save", save);
        loadProblem();
        Evaluator obj = problem.evaluator();
        double[] theta = problem.theta;
        checkCurvature(obj, theta);
        Optimize.Run run = null;
        if (how != Refine.none) {
            long t0 = System.nanoTime();
            Optimize.Name opt = how == Refine.newton ? Optimize.Name.newton : Optimize.Name.lbfgs_newton;
            run = Optimize.run(obj, theta, new Optimize.Settings(opt, maxIter, Double.MIN_VALUE, 0.1, 30, newtonIter), progress, "refine");
            time("refine", (System.nanoTime() - t0) * 1e-9);
            theta = run.trajectory().theta();
            if (save != null) {
                files.npy(save, theta);
            }
        } else if (save != null) {
            files.npy(save, theta);
        }
        Estimates.morseDense(problem.parameters(), denseLimit);
        checkCurvature(obj, theta);
        Progress.Task t = progress.start("Morse report (dense H, G, M and their spectra, P = " + problem.parameters() + ")", 0).ticking();
        MorseReport r = MorseReport.at(obj, theta, new MorseReport.Options(tauFactor, absTol, gradTol, denseLimit, 10, 300));
        time("morse_report", t.seconds());
        t.done(r.countsExact() ? "index " + r.index() + ", nullity " + r.nullity() : "extremes only");
        loss = r.loss();
        gradientNorm = r.gradientNorm();
        dataLoss = obj.problem().hasTerms() ? obj.dataLoss(theta) : loss;

        if (plots) {
            Progress.Task pt = progress.start("plots", 0).ticking();
            savePlots(this, r, problem, run, "morse-", "");
            time("plots", pt.seconds());
            pt.done(null);
        }
        Report report = new Report("morse").config(spec).backend().problem(problem).point(loss, dataLoss, gradientNorm);
        Json j = report.j;
        Report.morse(j, r, false);
        j.name("note").value(modifiedNote());
        j.name("refine");
        if (run == null) j.nullValue();
        else Report.trajectory(j, run);
        j.name("theta_file").value(save == null ? null : save.toString());
        writeReport(report);

        List<String[]> rows = summaryRows(r, run, problem);
        printTable("Morse check at θ · " + problem.model.describe() + ", " + problem.loss.id() + ", reg " + problem.regularizer.spec()
                + " · P = " + problem.parameters() + ", N = " + problem.data.size(), rows.toArray(new String[0][]));
        String note = modifiedNote();
        if (note != null) println("  " + note);
        if (r.warning() != null) println("  warning: " + r.warning());
        printOutputs();
        if (run != null && !r.critical()) {
            err.println("morse morse: refinement did not reach a critical point: ‖∇L_R‖ = " + g3(r.gradientNorm()) + " > grad_tol "
                    + g3(r.gradTol()) + " after " + run.trajectory().iterations() + " iterations; try --refine lbfgs_newton or more --newton-iter.");
            return Main.EXIT_NUMERICAL;
        }
        if (!r.converged()) {
            err.println("morse morse: Lanczos did not converge for the extreme eigenvalues (P = " + r.parameters() + " above --dense-limit); "
                    + "the report lists them with their residuals.");
            return Main.EXIT_NUMERICAL;
        }
        return Main.EXIT_OK;
    }

    /** The scale s of τ as text: ‖G‖₂ + ‖M‖₂ + ‖R″‖₂ when H was assembled from its parts, else ‖H‖₂. */
    static String tauScale(MorseReport r) {
        if (r.tauScaleSource().equals("parts")) {
            return "s = ‖G‖₂ + ‖M‖₂ + ‖R″‖₂ = " + g3(r.ggnNorm()) + " + " + g3(r.nmeNorm()) + " + " + g3(r.regularizerNorm()) + " = " + g3(r.tauScale())
                    + " (‖H‖₂ = " + g3(r.hessianNorm()) + ")";
        }
        return "s = ‖H‖₂ = " + g3(r.tauScale());
    }

    /** The lines of the Morse summary (also used by the demo). */
    static List<String[]> summaryRows(MorseReport r, Optimize.Run run, LoadedProblem p) {
        List<String[]> rows = new ArrayList<>();
        if (run != null) {
            var t = run.trajectory();
            rows.add(new String[] {"refine", t.optimizer() + ": " + t.iterations() + " iterations, ‖∇L_R‖ " + g3(t.gradientNorms()[0]) + " → "
                    + g3(t.finalGradientNorm()) + " (" + (t.reason() == dev.morse.analysis.Trajectory.StopReason.STALLED && run.converged()
                    ? "at rounding level" : t.reason().name().toLowerCase(Locale.ROOT).replace('_', ' ')) + ")"});
        }
        rows.add(new String[] {"loss L_R", sci(r.loss())});
        rows.add(new String[] {"‖∇L_R‖₂", sci(r.gradientNorm()) + (r.critical() ? "  (critical: ≤ grad_tol " : "  (NOT critical: > grad_tol ") + g3(r.gradTol()) + ")"});
        if (r.countsExact()) {
            rows.add(new String[] {"τ", g3(r.tau()) + (r.absoluteTolerance() > 0 ? " (absolute)" : " = " + num(r.tauFactor()) + "·P·ε·s, " + tauScale(r))});
            rows.add(new String[] {"index", r.index() + " negative eigenvalues (λ < −τ)"});
            rows.add(new String[] {"nullity", r.nullity() + " zero eigenvalues (|λ| ≤ τ)"});
            rows.add(new String[] {"positive", r.positive() + " (λ > τ)"});
            rows.add(new String[] {"min |λ|", g3(r.minAbsEigenvalue()) + "  (min|λ|/τ = " + g3(r.minAbsOverTau()) + ")"});
            rows.add(new String[] {"G/M split", "tr H = " + g3(r.traceHessian()) + ", tr G = " + g3(r.traceGgn()) + ", tr M = " + g3(r.traceNme())
                    + ", ‖M‖_F/‖H‖_F = " + g3(r.nmeToHessianFrobenius()) + ", rank G = " + EigenvalueCounts.rank(r.ggnEigenvalues(), r.tau())});
        } else {
            rows.add(new String[] {"extremes", "λ_min ≈ " + g3(r.eigenvalues()[0]) + ", λ_max ≈ " + g3(r.eigenvalues()[r.eigenvalues().length - 1])
                    + " (Lanczos; P = " + r.parameters() + " exceeds --dense-limit)"});
        }
        rows.add(new String[] {"verdict", r.verdict()});
        return rows;
    }

    /** Eigenvalue stem plot, G vs M side by side, and the refinement trajectory. */
    static void savePlots(BaseCommand cmd, MorseReport r, LoadedProblem p, Optimize.Run run, String prefix, String titleSuffix) throws java.io.IOException {
        double[] ev = r.eigenvalues();
        String counts = r.countsExact() ? "index " + r.index() + ", nullity " + r.nullity() + ", " + r.positive() + " positive" : "extremes only";
        cmd.savePlot(prefix + "eigenvalues", Plots.eigenvalues("Hessian of L_R at θ" + titleSuffix + ": " + counts + "  (P = " + r.parameters() + ")",
                ev, r.tau(), null, Plots.WIDTH));
        if (r.ggnEigenvalues() != null) {
            double[] range = Plots.logRange(r.tau(), r.ggnEigenvalues(), r.nmeEigenvalues());
            cmd.savePlot(prefix + "ggn-nme",
                    Plots.eigenvalues("Gauss–Newton G: tr = " + g3(r.traceGgn()) + ", rank " + EigenvalueCounts.rank(r.ggnEigenvalues(), r.tau()),
                            r.ggnEigenvalues(), r.tau(), range, Plots.WIDTH * 3 / 4),
                    Plots.eigenvalues("NME M: tr = " + g3(r.traceNme()) + ", ‖M‖_F/‖H‖_F = " + g3(r.nmeToHessianFrobenius()),
                            r.nmeEigenvalues(), r.tau(), range, Plots.WIDTH * 3 / 4));
        }
        if (run != null) {
            cmd.savePlot(prefix + "refine", Plots.trajectory("Refinement to a critical point" + titleSuffix, run.trajectory().losses(),
                    run.trajectory().gradientNorms(), run.phaseNames(), run.phaseStarts(), Plots.WIDTH));
        }
    }
}
