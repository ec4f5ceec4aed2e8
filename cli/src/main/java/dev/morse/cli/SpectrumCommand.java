package dev.morse.cli;

import dev.morse.analysis.EigenvalueCounts;
import dev.morse.engine.Part;
import dev.morse.io.Npy;
import dev.morse.json.Json;
import dev.morse.linalg.SymmetricEigen;
import dev.morse.spectra.Lanczos;
import dev.morse.spectra.LinearOperator;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code morse spectrum}: eigenvalues of a curvature operator, dense (all) or Lanczos (extremes). */
@Command(name = "spectrum", mixinStandardHelpOptions = true, sortOptions = false, usageHelpAutoWidth = true, abbreviateSynopsis = true,
        optionListHeading = "%nOptions:%n",
        description = {"Eigenvalues (ascending) of the Hessian, Gauss–Newton, NME or regularizer part at θ.",
                "%nMethods: dense computes every eigenvalue through LAPACK (P up to a few thousand); lanczos computes the k "
                        + "extreme ones matrix-free, with Ritz residual bounds. 'hessian' is the Hessian of the whole objective "
                        + "(regularizer included); 'ggn' and 'nme' split the data term, ∇²L = G + M (SPEC §5). Plots: "
                        + "spectrum-eigenvalues (|λ| stems, zero band ±τ shaded) and, for lanczos, spectrum-lanczos (convergence)."},
        footer = {"%nExamples:",
                "  morse spectrum --model 3-16-1 --data teacher:n=32 --weights theta.npy",
                "  morse spectrum --model 784-256-10 --loss cross_entropy \\",
                "      --inputs X.npy --targets y.npy --weights theta.npy \\",
                "      --method lanczos --k 20 --which both --json s.json --plots plots/"})
final class SpectrumCommand extends AnalysisCommand {

    @ArgGroup(validate = false, heading = OutputOptions.HEADING, order = OutputOptions.ORDER)
    OutputOptions.WithPlots outputOptions = new OutputOptions.WithPlots();

    @Override
    OutputOptions outputs() {
        return outputOptions;
    }

    /** --penalty is refused here: analyses use the objective without training penalties. */
    @picocli.CommandLine.Mixin
    PenaltyRefusal penaltyRefusal;

    /** Methods. Lower case: what users type. */
    enum Method { auto, dense, lanczos }

    /** Which end of the spectrum Lanczos resolves. */
    enum WhichEnd { largest, smallest, both }

    /** auto: dense up to this P, Lanczos above (a dense P×P matrix is 8·P² bytes: 128 MB at 4000). */
    static final int AUTO_DENSE_LIMIT = 4000;

    @Option(names = "--operator", paramLabel = "OP", defaultValue = "hessian", order = 1,
            description = "hessian, data_hessian, ggn, nme or regularizer (default: ${DEFAULT-VALUE}).")
    OperatorName operator;

    @Option(names = "--method", paramLabel = "M", defaultValue = "auto", order = 2,
            description = "dense, lanczos, or auto: dense when P ≤ " + AUTO_DENSE_LIMIT + ", else lanczos; lanczos also when a Lanczos "
                    + "option (--k, --which, --tol, --max-restarts, --reorthogonalization, --basis, --lanczos-seed) is given: on the "
                    + "command line, or in a config file with a value other than the option's default. --method dense refuses them "
                    + "when both are on the command line, or both in a config file; when one side is on the command line it wins: "
                    + "--method dense there resets the file's Lanczos options to their defaults, a Lanczos option there makes the "
                    + "file's dense lanczos (default: ${DEFAULT-VALUE}).")
    Method method;

    /** The options only Lanczos reads: given ({@link #given}), they select it under auto and are refused with dense. */
    static final List<String> LANCZOS_ONLY = List.of("--k", "--which", "--tol", "--max-restarts", "--reorthogonalization", "--basis", "--lanczos-seed");

    @CombinedCheck
    @Option(names = "--k", converter = Checks.Positive.class, paramLabel = "K", defaultValue = "10", order = 3,
            description = "Lanczos: number of eigenvalues (per end with --which both). Default: ${DEFAULT-VALUE}.")
    int k;

    @Option(names = "--which", paramLabel = "END", defaultValue = "largest", order = 4,
            description = "Lanczos: largest, smallest or both (default: ${DEFAULT-VALUE}).")
    WhichEnd which;

    @Option(names = "--tol", converter = Checks.RelativeTolerance.class, paramLabel = "TOL", defaultValue = "1e-8", order = 5,
            description = "Lanczos: a Ritz value converges when its residual bound ≤ TOL·max|θ| (with --reorthogonalization partial and "
                    + "--save-vectors: its vector's true residual) (default: ${DEFAULT-VALUE}).")
    double tol;

    @Option(names = "--max-restarts", converter = Checks.NonNegative.class, paramLabel = "R", defaultValue = "300", order = 6,
            description = "Lanczos: restart limit; unconverged values then exit with code 3 (default: ${DEFAULT-VALUE}).")
    int maxRestarts;

    /** Reorthogonalization of the Lanczos basis. Lower case: what users type. */
    enum Reorth { partial, full }

    @Option(names = "--reorthogonalization", paramLabel = "HOW", defaultValue = "full", order = 7,
            description = "Lanczos: full (every step against the whole basis; SPEC §7's default) or partial (Simon's ω estimates: "
                    + "sweeps the basis only when semi-orthogonality is about to be lost; the same Ritz values to working precision, "
                    + "faster at large P; the Ritz vectors only to as much as √ε·‖H‖ ≈ 1.5e-8·‖H‖, so with --save-vectors their true "
                    + "residuals are reported, one product each). Default: ${DEFAULT-VALUE}.")
    Reorth reorthogonalization;

    @CombinedCheck
    @Option(names = "--basis", converter = Checks.NonNegative.class, paramLabel = "M", defaultValue = "0", order = 7,
            description = "Lanczos: basis size m (memory (m+1)·P doubles); 0 picks max(2k+20, 40).")
    int basis;

    @Option(names = "--lanczos-seed", converter = Checks.Seed.class, paramLabel = "S", defaultValue = "0", order = 8,
            description = "Lanczos: seed of the Rademacher start vector (default: ${DEFAULT-VALUE}).")
    long lanczosSeed;

    @Option(names = "--tau-factor", converter = Checks.PositiveReal.class, paramLabel = "C", defaultValue = "10", order = 9,
            description = "Zero band τ = C·P·ε·max|λ| for the counts and the plot (SPEC §6; default: ${DEFAULT-VALUE}).")
    double tauFactor;

    @WritesFiles

    @Option(names = "--save-vectors", paramLabel = "FILE.npy", order = 10,
            description = "Also save the eigenvectors (Ritz vectors) as a 2-D .npy array, row i for eigenvalue i.")
    Path saveVectors;

    @ArgGroup(validate = false, heading = "%nDistributed data (Apache Spark):%n", order = 150)
    MasterOptions masterOptions = new MasterOptions();

    /** The Lanczos options {@link #given}: they choose Lanczos under auto, and contradict --method dense ({@link #checkOptions}). */
    private final List<String> lanczosGiven = new ArrayList<>();

    /**
     * The problem's checks, --master and --partitions, then the Lanczos options against --method
     * dense, which ignored them in silence (--k 5 gave all P eigenvalues; so did a sweep step's
     * method: dense, k: 5). An option
     * counts when it is on the command line or a config file gives it a value other than its
     * default: a report's config holds every Lanczos option at its default and reruns. The
     * contradiction is settled as morse's --refine/--no-refine ({@link #firstSideWins}): refused
     * when both sides come from the same place; otherwise the command line wins and the file's side
     * is set to agree, so that the report's config reruns what ran: --method dense there resets the
     * file's Lanczos options to their defaults (`--config r.json --method dense` on a report of
     * --method lanczos --k 5 was refused), a Lanczos option there turns the file's method dense into lanczos.
     * Then a --basis against the Ritz values wanted ({@link #checkBasis}), which P (from --model)
     * bounds.
     */
    @Override
    void checkOptions() {
        super.checkOptions();
        checkRemote(masterOptions);
        lanczosGiven.clear();
        for (String o : LANCZOS_ONLY) if (given(o)) lanczosGiven.add(o);
        if (method == Method.dense && !lanczosGiven.isEmpty()) {
            if (firstSideWins(List.of("--method"), lanczosGiven, this::denseRefusal)) {
                for (String o : lanczosGiven) resetToDefault(o);
                lanczosGiven.clear();
            } else {
                method = Method.lanczos;
            }
        }
        // a --basis other than 0 is a Lanczos option given: Lanczos runs, under auto too
        if (method != Method.dense) checkBasis(checkedParameters);
    }

    /**
     * A Lanczos basis of m vectors must exceed the Ritz values wanted (--k, or 2k with --which both;
     * at most P), unless it holds all P of them (the engine's rule, Lanczos.run): P comes from
     * --model, so this is checked before any data are read, and by a sweep on its driver.
     */
    private void checkBasis(int p) {
        boolean both = which == WhichEnd.both;
        int wanted = (int) Math.min(p, both ? 2L * k : k);
        if (basis > 0 && basis <= wanted && basis < p) {
            throw Checks.usage("--basis", basis + " must exceed the " + wanted + " wanted Ritz values (--k " + k + (both ? " at both ends" : "")
                    + "); give at least " + Math.min(wanted + 1, p) + ", or 0 for max(2k+20, 40)");
        }
    }

    /** The refusal of Lanczos options next to --method dense, each named with where it came from. */
    private String denseRefusal() {
        boolean one = lanczosGiven.size() == 1;
        List<String> named = new ArrayList<>();
        for (String o : lanczosGiven) named.add(onCommandLine(o) ? o : o + " " + spec.findOption(o).getValue() + source(o));
        return String.join(", ", named) + (one ? ": a Lanczos option" : ": Lanczos options") + "; --method dense" + source("--method")
                + " computes every eigenvalue without " + (one ? "it (drop it" : "them (drop them") + ", or use --method lanczos)";
    }

    @Override
    int execute() throws Exception {
        planJson();
        boolean plots = planPlot("spectrum-eigenvalues");
        if (saveVectors != null) files.plan("--save-vectors", saveVectors);
        loadProblem();
        int p = problem.parameters();
        Method m = method == Method.auto ? (p <= AUTO_DENSE_LIMIT && lanczosGiven.isEmpty() ? Method.dense : Method.lanczos) : method;
        String chosen = null;   // why auto chose Lanczos below its dense limit
        if (method == Method.auto && m == Method.lanczos && p <= AUTO_DENSE_LIMIT) {
            chosen = "auto chose lanczos for " + String.join(", ", lanczosGiven);
            progress.note(chosen + " (P = " + p + " would be dense; --method dense computes every eigenvalue)");
            method = Method.lanczos;   // the report's config reruns what ran
        }
        if (m == Method.lanczos && plots) planPlot("spectrum-lanczos");
        openRemote(masterOptions);
        evaluatePoint(problem.theta);
        LinearOperator op = curvature(operator.part, problem.theta);
        String what = operator.name().replace('_', ' ');

        Report report = new Report("spectrum").config(spec).backend().problem(problem).point(loss, dataLoss, gradientNorm);
        Json j = report.j;
        j.name("operator").value(operator.name());
        j.name("operator_description").value(operator.label + " of " + problem.model.describe() + ", " + problem.loss.id()
                + (problem.problem.hasTerms() ? ", " + problem.regularizer.spec() : ""));
        j.name("method").value(m.name());
        String note = modifiedNote();
        j.name("note").value(note);

        double[] ev;
        double tau;
        int exit = Main.EXIT_OK;
        String header = "spectrum of the " + operator.label + " at θ · " + problem.model.describe() + ", " + problem.loss.id()
                + ", reg " + problem.regularizer.spec() + " · P = " + p + ", N = " + problem.data.size();
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"loss L_R", sci(loss)});
        rows.add(new String[] {"‖∇L_R‖₂", sci(gradientNorm)});
        Lanczos.Result lr = null;
        String capped = null;   // why Lanczos computed fewer values than asked
        int kEff = k;
        if (m == Method.dense) {
            double[] a = materialize(op, what, saveVectors != null ? 3 : 2);
            SymmetricEigen eig = eigh(a, p, saveVectors != null, what);
            ev = eig.values();
            tau = tau(ev, p);
            EigenvalueCounts c = EigenvalueCounts.of(ev, tau, 1);
            int neg = c.index(), zero = c.nullity(), pos = c.positive();
            report.array("eigenvalues", ev);
            j.name("tau").valueOrNull(tau);
            j.name("tau_factor").valueOrNull(tauFactor);
            j.name("counts").beginObject().name("negative").value(neg).name("zero").value(zero).name("positive").value(pos).endObject();
            j.name("products").value(p);
            rows.add(new String[] {"method", "dense: materialized by " + p + " products, all " + p + " eigenvalues by LAPACK"});
            rows.add(new String[] {"τ (zero band)", g3(tau) + " = " + num(tauFactor) + "·P·ε·max|λ|"});
            rows.add(new String[] {"counts", neg + " negative, " + zero + " zero (|λ| ≤ τ), " + pos + " positive"});
            if (saveVectors != null) {
                files.npy(saveVectors, eig.vectors(), p, p);
            }
        } else {
            Lanczos.Which w = switch (which) {
                case largest -> Lanczos.Which.LARGEST;
                case smallest -> Lanczos.Which.SMALLEST;
                case both -> Lanczos.Which.BOTH;
            };
            // More values than P: all P of them, said so (--k 100 at P = 81 reported "largest 100" and "k": 100).
            long asked = which == WhichEnd.both ? 2L * k : k;
            if (asked > p) {
                capped = (which == WhichEnd.both ? "--k " + k + " at both ends asks " + asked + " values" : "--k " + k) + " > P = " + p
                        + ": all " + p + " eigenvalues";
            }
            kEff = which == WhichEnd.both ? Math.min(k, (p + 1) / 2) : Math.min(k, p);   // per end, as computed
            Estimates.lanczos(p, Math.min(k, p), which == WhichEnd.both, basis, saveVectors != null);
            Lanczos.Options lo = new Lanczos.Options().k(Math.min(k, p)).which(w).tol(tol).maxRestarts(maxRestarts).basis(basis)
                    .reorthogonalization(reorthogonalization == Reorth.full ? Lanczos.Reorthogonalization.FULL : Lanczos.Reorthogonalization.PARTIAL)
                    .seed(lanczosSeed).vectors(saveVectors != null);
            Progress.Task t = progress.start("Lanczos (" + which + " " + kEff + " of " + what + ")", 0);
            Counting counted = new Counting(op, t);
            lr = Lanczos.run(counted, lo);
            time("lanczos", t.seconds());
            int conv = 0;
            for (boolean c : lr.converged()) if (c) conv++;
            t.done(conv + "/" + lr.converged().length + " converged, " + lr.products() + " products, " + lr.restarts() + " restarts");
            ev = lr.ritzValues();
            // τ scales with ‖H‖₂ = max |λ| over the whole spectrum: only both ends bound it. One end
            // alone would give max |λ| of the values found (near a minimum, the smallest: τ off by
            // orders of magnitude), so τ is left out rather than wrong.
            tau = which == WhichEnd.both ? tau(ev, p) : Double.NaN;
            report.array("eigenvalues", ev);
            report.array("residuals", lr.residuals());
            // PARTIAL with vectors reports the Ritz vectors' true residuals ‖Hy − θy‖, else the bounds |β s_m|
            j.name("residuals_are").value(saveVectors != null && reorthogonalization == Reorth.partial ? "true_residuals" : "bounds");
            j.name("converged").beginArray();
            for (boolean c : lr.converged()) j.value(c);
            j.endArray();
            j.name("all_converged").value(lr.allConverged());
            j.name("k").value(kEff);
            j.name("k_requested").value(k);
            j.name("method_choice").value(chosen);
            j.name("which").value(which.name());
            j.name("tol").valueOrNull(tol);
            j.name("products").value(lr.products());
            j.name("restarts").value(lr.restarts());
            j.name("reorthogonalization").value(reorthogonalization.name());
            j.name("basis_sweeps").value(lr.reorthogonalizations());
            j.name("tau").valueOrNull(tau);
            j.name("history").beginArray();
            for (double[] h : lr.history()) Report.array(j, h);
            j.endArray();
            rows.add(new String[] {"method", "lanczos (" + which + " " + kEff + (chosen == null ? "" : "; " + chosen) + "): " + lr.products()
                    + " products, " + lr.restarts() + " restarts, " + conv + "/" + ev.length + " converged (tol " + g3(tol) + ")"});
            if (capped != null) rows.add(new String[] {"k", capped});
            rows.add(new String[] {"τ (zero band)", Double.isNaN(tau) ? "not computed: ‖H‖₂ needs both ends of the spectrum (--which both)"
                    : g3(tau) + " = " + num(tauFactor) + "·P·ε·max|λ| (‖H‖₂ from the two ends)"});
            if (saveVectors != null) {
                files.npy(saveVectors, lr.vectors(), ev.length, p);
            }
            if (!lr.allConverged()) {
                boolean trueResiduals = saveVectors != null && reorthogonalization == Reorth.partial;
                double worst = 0;
                for (double r : lr.residuals()) worst = Math.max(worst, r);
                exit = Main.EXIT_NUMERICAL;
                err.println("morse spectrum: Lanczos did not converge: " + (ev.length - conv) + " of " + ev.length + " Ritz values above tol "
                        + g3(tol) + " after " + lr.restarts() + " restarts (largest residual " + g3(worst)
                        + "); raise --max-restarts or --basis, or loosen --tol" + (trueResiduals ? "; these are the saved vectors' "
                        + "true residuals, which the semi-orthogonal basis of --reorthogonalization partial can hold up to about "
                        + "√ε·‖H‖ ≈ 1.5e-8·‖H‖ whatever the restarts: --reorthogonalization full for vectors below that" : "")
                        + ". The report lists each value's residual.");
            }
        }

        if (plots) {
            Progress.Task t = progress.start("plots", 0).ticking();
            String title = (m == Method.dense ? "Eigenvalues of the " : "Lanczos Ritz values of the ") + operator.label + "  (P = " + p + ")";
            savePlot("spectrum-eigenvalues", Plots.eigenvalues(title, ev, Double.isNaN(tau) ? 0 : tau, null, Plots.WIDTH));
            String ends = capped != null ? "all " + p : which == WhichEnd.both ? kEff + " smallest and " + kEff + " largest" : kEff + " " + which.name();
            if (lr != null) savePlot("spectrum-lanczos", Plots.ritz("Lanczos: " + ends + " Ritz values of the " + what,
                    lr.history(), Plots.WIDTH * 3 / 4));
            time("plots", t.seconds());
            t.done(null);
        }
        writeReport(report);

        printTable(header, rows.toArray(new String[0][]));
        if (note != null) println("  " + note);
        printEigenvalues(ev, lr);
        printOutputs();
        return exit;
    }

    /** τ = c·P·ε·max|λ| (SPEC §6; the spectrum here is of one matrix formed by one product per column). */
    private double tau(double[] ev, int p) {
        return EigenvalueCounts.tau(tauFactor, p, EigenvalueCounts.spectralNorm(ev), 0);
    }

    private void printEigenvalues(double[] ev, Lanczos.Result lr) {
        int n = ev.length;
        println("  eigenvalues (ascending" + (lr == null ? "" : saveVectors != null && reorthogonalization == Reorth.partial
                ? "; the Ritz vector's residual" : "; Ritz residual bound") + "):");
        int show = n <= 30 ? n : 10;
        for (int i = 0; i < n; i++) {
            if (n > 30 && i == show) {
                println("    … " + (n - 2 * show) + " more (all in the JSON report) …");
                i = n - show;
            }
            String line = String.format(Locale.ROOT, "    λ_%-5d %+.10e", i + 1, ev[i]);
            if (lr != null) line += String.format(Locale.ROOT, "   ± %.1e%s", lr.residuals()[i], lr.converged()[i] ? "" : "  (not converged)");
            println(line);
        }
    }
}
