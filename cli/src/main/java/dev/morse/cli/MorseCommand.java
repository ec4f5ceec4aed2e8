package dev.morse.cli;

import dev.morse.analysis.EigenvalueCounts;
import dev.morse.analysis.MorseReport;
import dev.morse.engine.Evaluator;
import dev.morse.engine.Part;
import dev.morse.json.Json;
import dev.morse.linalg.DgemmCeiling;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code morse morse}: refine to a critical point and run the Morse check (SPEC §6). */
@Command(name = "morse", mixinStandardHelpOptions = true, sortOptions = false, usageHelpAutoWidth = true, abbreviateSynopsis = true,
        optionListHeading = "%nOptions:%n",
        description = {"The Morse check: is θ a nondegenerate critical point of L_R? (SPEC §6)",
                "%nRefines θ to the nearest critical point of any index (Newton on ∇L_R = 0 with exact Hessians and a trust "
                        + "region on ‖∇L_R‖², to rounding level), then counts the Hessian's eigenvalues below −τ (index), within ±τ "
                        + "(nullity) and above τ, with τ = c·P·ε·s (s = ‖G‖₂ + ‖M‖₂ + ‖R″‖₂ for H assembled as G + M + R″; ‖H‖₂ with the "
                        + "multiplicative regularizer, whose H is formed one product per column). The point is "
                        + "nondegenerate (Morse at this point) iff the nullity is 0. The counts come from two LDLᵀ factorizations of "
                        + "H ∓ τI (inertia, Sylvester's law), the eigenvalues nearest zero from shift-invert Lanczos, the extremes "
                        + "and norms from Lanczos; --spectra computes every eigenvalue of H, G and M instead. Also the Gauss–Newton/NME "
                        + "split: traces and ‖M‖_F/‖H‖_F. Exit 3 when refinement does not reach a critical point. Plots: "
                        + "morse-eigenvalues, morse-ggn-nme, morse-refine."},
        footer = {"%nExamples:",
                "  morse morse --model 2-16-1 --data teacher:n=16 --weights theta.npy",
                "  morse morse --model 2-16-1 --data teacher:n=16 --weights theta.npy \\",
                "      --reg l2:1e-3 --refine lbfgs_newton --plots plots/ --json m.json",
                "  morse morse --model 784-12-10 --loss cross_entropy \\",
                "      --inputs train-images-idx3-ubyte.gz \\",
                "      --targets train-labels-idx1-ubyte.gz --samples 2000 --reg l2:1e-4 \\",
                "      --weights theta.npy"})
final class MorseCommand extends AnalysisCommand {

    @ArgGroup(validate = false, heading = OutputOptions.HEADING, order = OutputOptions.ORDER)
    OutputOptions.WithPlots outputOptions = new OutputOptions.WithPlots();

    @Override
    OutputOptions outputs() {
        return outputOptions;
    }

    /** --refine's default (also where Main.unreadOptions reads a sweep step's config without one). */
    static final String DEFAULT_REFINE = "newton";

    /** --penalty is refused here: analyses use the objective without training penalties. */
    @picocli.CommandLine.Mixin
    PenaltyRefusal penaltyRefusal;
    /** --plots computes the full spectra by itself up to this P (the eigendecompositions take seconds there). */
    static final int SPECTRA_FOR_PLOTS = 4000;

    /** Refinement before the check. Lower case: what users type. */
    enum Refine { newton, lbfgs_newton, none }

    @Option(names = "--refine", paramLabel = "HOW", defaultValue = DEFAULT_REFINE, order = 1,
            description = "newton: Newton on ∇L_R = 0 to rounding level from θ, to the nearest critical point of any index (the "
                    + "default; trust region on ‖∇L_R‖², Powell's dogleg with MINRES steps); lbfgs_newton: L-BFGS first, for a θ far from "
                    + "a critical point (e.g. from --init; L-BFGS descends, so it finds minima); none: analyse θ as given (same as --no-refine).")
    Refine refine;

    @Option(names = "--no-refine", order = 2,
            description = "Analyse θ as given (it may not be critical: the report then says so). Next to --refine other than none it is "
                    + "refused when both are on the command line, or both in a config file (refine counts there when it is not the "
                    + "default newton); on the command line, either one wins over the config file's.")
    boolean noRefine;

    /** The refinement that runs: --refine, or none with --no-refine ({@link #refinement}). */
    private Refine how;

    @Option(names = "--newton-iter", converter = Checks.NonNegative.class, paramLabel = "N", defaultValue = "100", order = 3, description = "Newton iteration limit (default: ${DEFAULT-VALUE}).")
    int newtonIter;

    @Option(names = "--newton-dense-limit", converter = Checks.NonNegative.class, paramLabel = "P", defaultValue = "" + Optimize.NEWTON_DENSE_LIMIT, order = 3,
            description = "Refinement takes dense Newton steps (one P×P Hessian and eigendecomposition per iteration) up to this P, "
                    + "matrix-free MINRES steps on exact Hessian-vector products above (default: ${DEFAULT-VALUE}).")
    int newtonDenseLimit;

    @Option(names = "--krylov-iter", converter = Checks.Positive.class, paramLabel = "N", defaultValue = "" + Optimize.KRYLOV_ITER, order = 3,
            description = "MINRES iteration limit of one matrix-free Newton step (default: ${DEFAULT-VALUE}).")
    int krylovIter;

    @Option(names = "--max-iter", converter = Checks.NonNegative.class, paramLabel = "N", defaultValue = "5000", order = 4, description = "L-BFGS iteration limit of --refine lbfgs_newton (refused with newton and none, which run no L-BFGS; default: ${DEFAULT-VALUE}).")
    int maxIter;

    @Option(names = "--grad-tol", paramLabel = "TOL", defaultValue = "spec", order = 5,
            description = "θ counts as critical when ‖∇L_R‖₂ ≤ TOL, as fit's --grad-tol takes it: a number, 'spec' (SPEC §6's "
                    + "1e-10·max(1,|L_R|); the default, also 0) or 'rounding'. The refinement runs to rounding level whatever TOL "
                    + "is (until no step lowers ‖∇L_R‖); TOL only decides whether its result counts as critical. 'rounding' asks for "
                    + "what fit --grad-tol rounding gives, a point refined to rounding level judged at SPEC's tolerance: the same as "
                    + "'spec' here.")
    String gradTol;

    /** --grad-tol as the report's threshold (parsed by {@link #checkOptions}): 0 for SPEC's tolerance ('spec', 0 or 'rounding'). */
    private double acceptTol;

    @Option(names = "--tau-factor", converter = Checks.PositiveReal.class, paramLabel = "C", defaultValue = "10", order = 6, description = "c in τ = c·P·ε·s, s = ‖G‖₂ + ‖M‖₂ + ‖R″‖₂ (‖H‖₂ with the multiplicative regularizer, whose H is formed whole; "
                    + "SPEC §6) (default: ${DEFAULT-VALUE}).")
    double tauFactor;

    @Option(names = "--abs-tol", converter = Checks.NonNegativeReal.class, paramLabel = "T", defaultValue = "0", order = 7, description = "An absolute zero threshold τ instead (0: use c·P·ε·s).")
    double absTol;

    @CombinedCheck   // against P and --spectra (checkOptionsAtP)
    @Option(names = "--dense-limit", converter = Checks.NonNegative.class, paramLabel = "P", defaultValue = "46340", order = 8,
            description = "Above this P only the extreme eigenvalues (Lanczos) are reported: the counts need one P×P matrix "
                    + "(8·P² bytes; 46340 is the most one Java array holds, and the heap is the real limit; default: ${DEFAULT-VALUE}).")
    int denseLimit;

    @CombinedCheck   // against P and --dense-limit (checkOptionsAtP)
    @Option(names = "--spectra", order = 9,
            description = "Also compute every eigenvalue of H, G and M (three P×P matrices and three eigendecompositions: about 4× the "
                    + "time and 3× the memory of the default inertia counts); refused at P above --dense-limit, where no dense matrix is formed. "
                    + "Automatic for --plots up to P = " + SPECTRA_FOR_PLOTS + ".")
    boolean spectra;

    @Option(names = "--nearest", converter = Checks.Positive.class, paramLabel = "K", defaultValue = "10", order = 10,
            description = "How many eigenvalues nearest zero to report (default: ${DEFAULT-VALUE}). The ends of the spectrum get "
                    + MorseReport.INERTIA_EXTREMES + " each from the default inertia counts, and K each from the full spectra (--spectra, automatic "
                    + "for --plots up to P = " + SPECTRA_FOR_PLOTS + ") and above --dense-limit (where the K extremes are all that is reported).")
    int nearest;

    @WritesFiles

    @Option(names = {"-o", "--save"}, paramLabel = "FILE.npy", order = 11, description = "Write the refined θ here (1-D float64 .npy).")
    Path save;

    @Override
    int execute() throws Exception {
        planJson();
        boolean plots = planPlot("morse-eigenvalues");
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
            Evaluator newtonObj = problem.newtonEvaluator();
            try {
                run = Optimize.run(newtonObj, theta, new Optimize.Settings(opt, maxIter, Double.MIN_VALUE, 0.1, 30, newtonIter, newtonDenseLimit, krylovIter),
                        progress, "refine");
            } finally {
                problem.release(newtonObj);   // the exact-Hessian twin's workers and cache: not held through the Morse check
            }
            time("refine", (System.nanoTime() - t0) * 1e-9);
            theta = run.trajectory().theta();
            if (save != null) {
                files.npy(save, theta);
            }
        } else if (save != null) {
            files.npy(save, theta);
        }
        int p = problem.parameters();
        boolean withSpectra = spectra || (plots && p <= SPECTRA_FOR_PLOTS);
        Estimates.morseDense(p, denseLimit, withSpectra);
        checkCurvature(obj, theta);
        MorseReport.Options options = new MorseReport.Options(tauFactor, absTol, acceptTol, denseLimit, nearest, 300, withSpectra);
        MorseReport r = MorseReport.at(obj, theta, options, reportListener());
        if (current != null) current.done(null);
        for (var e : r.timings().entrySet()) if (!e.getKey().equals("gradient")) time(e.getKey(), e.getValue());
        time("morse_report", r.timings().values().stream().mapToDouble(Double::doubleValue).sum());
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
        Report.morse(j, r, run == null ? null : run.trajectory(), false);
        j.name("note").value(modifiedNote(run != null));
        j.name("refine");
        if (run == null) j.nullValue();
        else Report.trajectory(j, run);
        j.name("theta_file").value(save == null ? null : save.toString());
        writeReport(report);

        List<String[]> rows = summaryRows(r, run, problem);
        printTable("Morse check at θ · " + problem.model.describe() + ", " + problem.loss.id() + ", reg " + problem.regularizer.spec()
                + " · P = " + problem.parameters() + ", N = " + problem.data.size(), rows.toArray(new String[0][]));
        String note = modifiedNote(run != null);
        if (note != null) println("  " + note);
        if (r.warning() != null) println("  warning: " + r.warning());
        printOutputs();
        if (run != null && !r.critical()) {
            // the last phase's diagnosis (e.g. every step held to the trust radius) on its own line, as fit prints it
            if (run.trajectory().detail() != null) println("  " + run.trajectory().detail());
            err.println("morse morse: refinement did not reach a critical point: ‖∇L_R‖ = " + g3(r.gradientNorm()) + " > grad_tol "
                    + g3(r.gradTol()) + " after " + run.stopText() + "; " + refineAdvice(how, run) + ".");
            return Main.EXIT_NUMERICAL;
        }
        if (!r.converged()) {
            err.println("morse morse: Lanczos did not converge (" + r.warning() + "); the report lists the values with their residuals.");
            return Main.EXIT_NUMERICAL;
        }
        return Main.EXIT_OK;
    }

    /**
     * What to try when refinement misses a critical point: raise the limit of the phase that ran
     * out (--newton-iter for the Newton phase, --max-iter for lbfgs_newton's L-BFGS phase), and
     * --refine lbfgs_newton unless that is what ran; another starting θ when nothing else applies.
     */
    static String refineAdvice(Refine how, Optimize.Run run) {
        List<String> tries = Optimize.tries(run, how != Refine.lbfgs_newton ? "try --refine lbfgs_newton" : null);
        if (tries.isEmpty()) tries.add("start from another θ (--weights or --init)");
        return Optimize.either(tries);
    }

    /** The problem's checks, then the refinement ({@link #refinement}): before any work, and in sweeps' checks. */
    @Override
    void checkOptions() {
        super.checkOptions();
        how = refinement();
        checkRefinementOptions();
        acceptTol = acceptanceTol(Optimize.parseGradTol(gradTol));
        checkOptionsAtP(checkedParameters);
    }

    /** The refinement options that {@code how} does not read (Main.unreadOptions for sweeps, and {@link #checkRefinementOptions}). */
    static List<String> unread(Refine how) {
        return how == Refine.none ? List.of("--newton-iter", "--newton-dense-limit", "--krylov-iter", "--max-iter")
                : how == Refine.newton ? List.of("--max-iter") : List.of();
    }

    /**
     * Refuses an option that is read at some P only, at P from --model (before any data are read,
     * so that a sweep's driver refuses it too: {@link Main#check}):
     * above --dense-limit the report is Lanczos's extremes alone and no dense matrix is formed, so
     * --spectra (every eigenvalue of the dense H, G and M) is not read there (`--spectra
     * --dense-limit 10` at P = 21 was accepted and the spectra left out). As in
     * {@link #checkRefinementOptions}, the command line wins over a config file: a config's --spectra
     * that the command line's {@link #AT_P_DECIDERS} leave unread is set back to its default
     * (`--config r.json --dense-limit 40`, r.json from a run with --spectra).
     */
    void checkOptionsAtP(int p) {
        if (!spectra || p <= denseLimit) return;
        if (resetIfUnreadByCommandLine("--spectra", AT_P_DECIDERS)) return;
        String from = onCommandLine("--spectra") || configFile() == null ? "" : "; from " + configFile();
        throw Checks.usage("--spectra", "P = " + p + " is above --dense-limit " + denseLimit + source("--dense-limit")
                + ", where the report has only the extreme eigenvalues (Lanczos) and no dense matrix, so --spectra (every eigenvalue of "
                + "the dense H, G and M" + from + ") would be ignored; remove it, or raise --dense-limit to P = " + p + " or more");
    }

    /** The options that decide whether --spectra is read: the limit, and P (the widths and biases). */
    static final List<String> AT_P_DECIDERS = List.of("--dense-limit", "--model", "--no-bias");

    /**
     * Refuses a refinement option that the refinement does not read, when {@link #given}: without
     * refinement none of --newton-iter, --newton-dense-limit, --krylov-iter, --max-iter is read
     * (`--no-refine --newton-iter 5` was accepted and ignored), and --refine newton reads no
     * --max-iter (the limit of lbfgs_newton's L-BFGS phase). --grad-tol is read either way (the
     * threshold of "critical"). The command line wins over a config file, as for --refine against
     * --no-refine: --no-refine or --refine there leaves a config's options unused, and they are set
     * back to their defaults so that the report's config reruns what ran.
     */
    private void checkRefinementOptions() {
        List<String> unread = unread(how);
        for (String o : unread) {
            if (!given(o)) continue;
            if (resetIfUnreadByCommandLine(o, List.of("--refine", "--no-refine"))) continue;
            String value = o + " " + spec.findOption(o).getValue() + source(o);
            String what = noRefine ? "--no-refine" + source("--no-refine") : "--refine " + how + source("--refine");
            throw Checks.usage(o, how == Refine.none
                    ? what + " analyses θ as given, without refinement, so " + value + " (a refinement option) would be ignored; "
                            + "remove it, or drop " + (noRefine ? "--no-refine" : "--refine none") + " to refine"
                    : what + " runs Newton alone, so " + value + " (the iteration limit of lbfgs_newton's L-BFGS phase) would be ignored; "
                            + "Newton's limit is --newton-iter; remove --max-iter, or use --refine lbfgs_newton");
        }
    }

    /**
     * The report's acceptance threshold of a parsed --grad-tol ({@link Optimize#parseGradTol}, the
     * parser of fit's): a number stands; 'spec' (0) and 'rounding' are SPEC §6's tolerance, which the
     * report computes at the refined loss. fit's 'rounding' runs its optimizer to rounding level and
     * judges the result at that tolerance ({@link Optimize#verdictTol}); morse's refinement always runs
     * to rounding level, so 'rounding' means the same here.
     */
    static double acceptanceTol(double parsed) {
        return parsed <= Double.MIN_VALUE ? 0 : parsed;
    }

    /**
     * The refinement of --refine and --no-refine, which set one thing. They contradict each other
     * when no_refine is true and refine is {@link #given} other than none, settled by
     * {@link #firstSideWins}: refused when both come from the same place, the command line or a
     * config file (--no-refine --refine lbfgs_newton ran without refinement, in silence; so did a
     * sweep step's no_refine: true, refine: lbfgs_newton); when one of them is on the command line
     * it wins over the config file's, and the other is set to agree, so that the report's config
     * reruns what ran. A config's refine at the default newton next to no_refine is a record of
     * --no-refine, not a contradiction.
     */
    private Refine refinement() {
        if (noRefine && refine != Refine.none && given("--refine")) {
            boolean refineWins = firstSideWins(List.of("--refine"), List.of("--no-refine"), () -> "--no-refine and --refine " + refine
                    + " contradict each other" + (onCommandLine("--refine") ? "" : " (both given in " + configFile() + ")")
                    + "; give one of them (--no-refine is --refine none)");
            if (refineWins) noRefine = false;
            else refine = Refine.none;
        }
        return noRefine ? Refine.none : refine;
    }

    /** The report's current phase as a progress task. */
    private Progress.Task current;

    /** Shows the report's phases as progress tasks (materialization with its columns, the rest ticking). */
    private MorseReport.Listener reportListener() {
        return new MorseReport.Listener() {
            @Override
            public void phase(String description) {
                if (current != null) current.done(null);
                boolean columns = description.startsWith("materializing");
                current = progress.start(description, columns ? problem.parameters() : 0);
                if (!columns) current.ticking();
            }

            @Override
            public void update(long done, long total) {
                if (current != null) current.update(done, "");
            }
        };
    }

    /** The scale s of τ as text: ‖G‖₂ + ‖M‖₂ + ‖R″‖₂ when H was assembled from its parts, else ‖H‖₂. */
    static String tauScale(MorseReport r) {
        String src = r.normSource().equals("lanczos") ? " (norms by Lanczos)" : "";
        if (r.tauScaleSource().equals("parts")) {
            return "s = ‖G‖₂ + ‖M‖₂ + ‖R″‖₂ = " + g3(r.ggnNorm()) + " + " + g3(r.nmeNorm()) + " + " + g3(r.regularizerNorm()) + " = " + g3(r.tauScale())
                    + " (‖H‖₂ = " + g3(r.hessianNorm()) + ")" + src;
        }
        return "s = ‖H‖₂ = " + g3(r.tauScale()) + src;
    }

    /** Up to k numbers as "a, b, c, …". */
    static String list(double[] v, int k) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < Math.min(k, v.length); i++) sb.append(i == 0 ? "" : ", ").append(g3(v[i]));
        return sb.append(v.length > k ? ", …" : "").toString();
    }

    /** The lines of the Morse summary (also used by the demo). */
    static List<String[]> summaryRows(MorseReport r, Optimize.Run run, LoadedProblem p) {
        List<String[]> rows = new ArrayList<>();
        if (run != null) {
            var t = run.trajectory();
            rows.add(new String[] {"refine", t.optimizer() + ": " + t.iterations() + " iterations, ‖∇L_R‖ " + g3(t.gradientNorms()[0]) + " → "
                    + g3(t.finalGradientNorm()) + " (" + Optimize.stopWords(t, false, run.gradTol()) + ")"});
        }
        rows.add(new String[] {"loss L_R", sci(r.loss())});
        rows.add(new String[] {"‖∇L_R‖₂", sci(r.gradientNorm()) + (r.critical() ? "  (critical: ≤ grad_tol " : "  (NOT critical: > grad_tol ") + g3(r.gradTol()) + ")"});
        if (r.countsExact()) {
            rows.add(new String[] {"τ", g3(r.tau()) + (r.absoluteTolerance() > 0 ? " (absolute)" : " = " + num(r.tauFactor()) + "·P·ε·s, " + tauScale(r))});
            String how = r.zeroHessian() ? "  (H = 0 exactly: every eigenvalue is 0)"
                    : r.method().equals("inertia") ? "  (LDLᵀ inertia of H ∓ τI)" : "  (from all eigenvalues)";
            rows.add(new String[] {"index", r.index() + " negative eigenvalues (λ < −τ)" + how});
            rows.add(new String[] {"nullity", r.nullity() + " zero eigenvalues (|λ| ≤ τ)"});
            rows.add(new String[] {"positive", r.positive() + " (λ > τ)"});
            rows.add(new String[] {"min |λ|", g3(r.minAbsEigenvalue()) + "  (min|λ|/τ = " + g3(r.minAbsOverTau()) + ")"});
            if (r.method().equals("inertia")) {
                rows.add(new String[] {"nearest 0", list(r.nearestZero(), 5) + (r.zeroHessian() ? "  (H = 0: unit vectors, residuals ‖H·e_i‖ ≤ "
                        : "  (shift-invert Lanczos, residuals ≤ ") + g3(max(r.nearestZeroResiduals())) + ")"});
            }
            String rank = r.ggnEigenvalues() == null ? "" : ", rank G = " + EigenvalueCounts.rank(r.ggnEigenvalues(), r.tau());
            rows.add(new String[] {"G/M split", "tr H = " + g3(r.traceHessian()) + ", tr G = " + g3(r.traceGgn()) + ", tr M = " + g3(r.traceNme())
                    + ", ‖M‖_F/‖H‖_F = " + g3(r.nmeToHessianFrobenius()) + rank});
        }
        if (r.extremes() != null && r.extremes().length > 0) {
            double[] x = r.extremes();
            rows.add(new String[] {"extremes", "λ_min ≈ " + g3(x[0]) + ", λ_max ≈ " + g3(x[x.length - 1])
                    + (r.method().equals("dense") ? "" : " (Lanczos" + (r.countsExact() ? ")" : "; P = " + r.parameters() + " exceeds --dense-limit)"))});
        }
        if (!r.method().equals("lanczos")) rows.add(new String[] {"memory", r.memoryPlan()});
        if (!Double.isNaN(r.materializeGflops())) {
            StringBuilder t = new StringBuilder();
            for (var e : r.timings().entrySet()) t.append(t.length() == 0 ? "" : ", ").append(e.getKey()).append(' ').append(String.format(Locale.ROOT, "%.1f s", e.getValue()));
            rows.add(new String[] {"time", t + "; " + assemblyRate(r.materializeGflops(), p.settings.threads(), DgemmCeiling.cached())});
        }
        rows.add(new String[] {"verdict", r.verdict(run == null ? null : run.trajectory())});
        return rows;
    }

    /**
     * The dense assembly's rate (flops executed over its time), and its fraction of the dgemm
     * ceiling when one is cached for this machine and backend ({@code morse bench --calibrate}
     * measures it; nothing is measured here): the ceiling for the assembly's threads
     * ({@link DgemmCeiling.Result#forThreads}, the best of one GEMM per worker and of OpenBLAS's
     * own threads on one GEMM), and with two or more threads also the rate of one GEMM per worker
     * at once, which is how the assembly runs its GEMMs. A ceiling measured on a busy machine is
     * named so (it is probably low).
     */
    static String assemblyRate(double gflops, int threads, java.util.Optional<DgemmCeiling.Result> ceiling) {
        String rate = String.format(Locale.ROOT, "dense assembly %.1f GFLOP/s", gflops);
        if (ceiling.isEmpty() || !(gflops > 0)) return rate;
        DgemmCeiling.Result c = ceiling.get();
        double top = c.forThreads(threads);
        StringBuilder s = new StringBuilder(rate).append(String.format(Locale.ROOT, " (%.0f %% of the dgemm ceiling %.1f", 100 * gflops / top, top));
        if (threads > 1 && c.workersGflops() > 0 && c.workersGflops() < top) {
            s.append(String.format(Locale.ROOT, "; %.0f %% of one GEMM per worker, %.1f", 100 * gflops / c.workersGflops(), c.workersGflops()));
        }
        s.append(" GFLOP/s, measured ").append(c.measuredAt());
        if (c.measuredBusy()) s.append(" on a busy machine");
        return s.append(')').toString();
    }

    private static double max(double[] v) {
        double m = 0;
        for (double x : v) m = Math.max(m, x);
        return m;
    }

    /**
     * Eigenvalue stem plot, G vs M side by side, and the refinement trajectory. Without the full
     * spectra the eigenvalue plot shows what is known (the extremes and the eigenvalues nearest
     * zero), and the G/M plot is left out (it needs --spectra).
     */
    static void savePlots(BaseCommand cmd, MorseReport r, LoadedProblem p, Optimize.Run run, String prefix, String titleSuffix) throws java.io.IOException {
        double[] ev = r.eigenvalues();
        String counts = r.countsExact() ? "index " + r.index() + ", nullity " + r.nullity() + ", " + r.positive() + " positive" : "extremes only";
        if (ev == null) {
            double[] known = new double[r.extremes().length + r.nearestZero().length];
            System.arraycopy(r.extremes(), 0, known, 0, r.extremes().length);
            System.arraycopy(r.nearestZero(), 0, known, r.extremes().length, r.nearestZero().length);
            java.util.Arrays.sort(known);
            ev = known;
            counts += "; extremes and nearest zero only (--spectra for all)";
        }
        cmd.savePlot(prefix + "eigenvalues", Plots.eigenvalues("Hessian of L_R at θ" + titleSuffix + ": " + counts + "  (P = " + r.parameters() + ")",
                ev, r.tau(), null, Plots.WIDTH));
        if (r.ggnEigenvalues() != null) {
            double[] range = Plots.logRange(r.tau(), r.ggnEigenvalues(), r.nmeEigenvalues());
            cmd.savePlot(prefix + "ggn-nme",
                    Plots.eigenvalues("Gauss–Newton G: tr = " + g3(r.traceGgn()) + ", rank " + EigenvalueCounts.rank(r.ggnEigenvalues(), r.tau()),
                            r.ggnEigenvalues(), r.tau(), range, Plots.WIDTH * 3 / 4),
                    Plots.eigenvalues("NME M: tr = " + g3(r.traceNme()) + ", ‖M‖_F/‖H‖_F = " + g3(r.nmeToHessianFrobenius()),
                            r.nmeEigenvalues(), r.tau(), range, Plots.WIDTH * 3 / 4));
        } else {
            cmd.progress.note("plot " + prefix + "ggn-nme needs the spectra of G and M: pass --spectra (automatic up to P = " + SPECTRA_FOR_PLOTS + ")");
        }
        if (run != null) {
            cmd.savePlot(prefix + "refine", Plots.trajectory("Refinement to a critical point" + titleSuffix, run.trajectory().losses(),
                    run.trajectory().gradientNorms(), run.phaseNames(), run.phaseStarts(), Plots.WIDTH));
        }
    }
}
