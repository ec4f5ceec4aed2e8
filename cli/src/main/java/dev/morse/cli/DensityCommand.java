package dev.morse.cli;

import dev.morse.engine.Part;
import dev.morse.json.Json;
import dev.morse.spectra.LinearOperator;
import dev.morse.spectra.SpectralDensity;
import java.util.List;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code morse density}: the spectral density by stochastic Lanczos quadrature. */
@Command(name = "density", mixinStandardHelpOptions = true, sortOptions = false, usageHelpAutoWidth = true, abbreviateSynopsis = true,
        optionListHeading = "%nOptions:%n",
        description = {"Spectral density of a curvature operator by stochastic Lanczos quadrature (SLQ).",
                "%nn_v Rademacher probes, m Lanczos steps each (Ghorbani et al. 2019), a Gaussian kernel of standard deviation "
                        + "σ on a grid; the density integrates to 1. Matrix-free (memory P·(m+1) doubles), so it works for any P. "
                        + "Plot: density (--log-scale for a logarithmic axis)."},
        footer = {"%nExample:",
                "  morse density --model 784-256-10 --loss cross_entropy \\",
                "      --inputs X.npy --targets y.npy --weights theta.npy \\",
                "      --probes 10 --steps 80 --plots plots/ --log-scale --json d.json"})
final class DensityCommand extends AnalysisCommand {

    @ArgGroup(validate = false, heading = OutputOptions.HEADING, order = OutputOptions.ORDER)
    OutputOptions.WithPlots outputOptions = new OutputOptions.WithPlots();

    @Override
    OutputOptions outputs() {
        return outputOptions;
    }

    /** --penalty is refused here: analyses use the objective without training penalties. */
    @picocli.CommandLine.Mixin
    PenaltyRefusal penaltyRefusal;

    @Option(names = "--operator", paramLabel = "OP", defaultValue = "hessian", order = 1,
            description = "hessian, data_hessian, ggn, nme or regularizer (default: ${DEFAULT-VALUE}).")
    OperatorName operator;

    @Option(names = "--probes", converter = Checks.Positive.class, paramLabel = "NV", defaultValue = "10", order = 2, description = "Probe vectors n_v (default: ${DEFAULT-VALUE}).")
    int probes;

    @Option(names = "--steps", converter = Checks.Positive.class, paramLabel = "M", defaultValue = "80", order = 3, description = "Lanczos steps per probe m (capped at P; default: ${DEFAULT-VALUE}).")
    int steps;

    @Option(names = "--sigma", converter = Checks.NonNegativeReal.class, paramLabel = "S", defaultValue = "0", order = 4,
            description = "Kernel standard deviation, in eigenvalue units; 0 picks 1%% of the spectral range (default; when every "
                    + "Ritz node is at one value λ, as for --operator regularizer, 0.1%% of |λ|, at least 1e-12).")
    double sigma;

    @Option(names = "--grid", converter = Checks.GridPoints.class, paramLabel = "G", defaultValue = "1000", order = 5, description = "Grid points (default: ${DEFAULT-VALUE}).")
    int grid;

    @Option(names = "--probe-seed", converter = Checks.Seed.class, paramLabel = "S", defaultValue = "0", order = 6, description = "Seed of the probe vectors (default: ${DEFAULT-VALUE}).")
    long probeSeed;

    @Option(names = "--log-scale", order = 7, description = "Plot the density on a logarithmic axis (shows small outlying masses); "
            + "goes with --plots. An output option: not in the report's config.")
    boolean logScale;

    @ArgGroup(validate = false, heading = "%nDistributed data (Apache Spark):%n", order = 150)
    MasterOptions masterOptions = new MasterOptions();

    /** --master and --partitions, and the limits of --sigma and --grid that do not depend on the spectrum ({@link #checkSampling} does). */
    @Override
    void checkOptions() {
        super.checkOptions();
        checkRemote(masterOptions);
        if (logScale && outputOptions.plots == null) {
            throw Checks.usage("--log-scale", "goes with --plots DIR (the axis of the density plot); without --plots no plot is drawn, "
                    + "so --log-scale" + source("--log-scale") + " would be ignored");
        }
        if (sigma > 0 && !(Double.isFinite(10 * sigma) && Double.isFinite(1 / sigma))) {
            throw Checks.usage("--sigma", sigma + " is beyond the range where the kernel 1/(σ√2π)·exp(−t²/2σ²) and the grid "
                    + "(the nodes ± 5σ) are finite; give a σ in eigenvalue units, or 0 for 1% of the spectral range");
        }
        if (grid <= 11) {
            // The grid spans the nodes ± 5σ: 10σ over grid − 1 ≤ 10 intervals puts its points at least σ apart.
            throw Checks.usage("--grid", grid + " points: the grid spans the Ritz nodes ± 5σ, so with 11 points or fewer its spacing is "
                    + "at least σ and the kernels fall between the points; give --grid 12 or more (at least 111 for the default σ, "
                    + "1% of the node range; default 1000)");
        }
    }

    @Override
    int execute() throws Exception {
        planJson();
        boolean plots = planPlot("density");
        loadProblem();
        int p = problem.parameters();
        Estimates.density(p, probes, steps, grid, outputOptions.json != null);
        openRemote(masterOptions);
        evaluatePoint(problem.theta);
        LinearOperator op = curvature(operator.part, problem.theta);
        int m = Math.min(steps, p);
        Progress.Task t = progress.start("SLQ density (" + probes + " probes × " + m + " steps)", (long) probes * m);
        Counting counted = new Counting(op, t);
        SpectralDensity.Result r = SpectralDensity.estimate(counted,
                new SpectralDensity.Options().probes(probes).steps(steps).sigma(sigma).gridPoints(grid).seed(probeSeed));
        time("slq", t.seconds());
        t.done(r.products() + " products, σ = " + g3(r.sigma()));

        double[] gx = r.grid(), d = r.density();
        checkSampling(r);
        double integral = 0;
        for (int i = 1; i < gx.length; i++) integral += 0.5 * (d[i] + d[i - 1]) * (gx[i] - gx[i - 1]);
        double lo = Double.POSITIVE_INFINITY, hi = Double.NEGATIVE_INFINITY;
        for (double x : r.nodes()) {
            lo = Math.min(lo, x);
            hi = Math.max(hi, x);
        }

        Report report = new Report("density").config(spec).backend().problem(problem).point(loss, dataLoss, gradientNorm);
        Json j = report.j;
        j.name("operator").value(operator.name());
        j.name("method").value("slq");
        j.name("note").value(modifiedNote());
        j.name("sigma").valueOrNull(r.sigma());
        j.name("sigma_rule").value(sigmaRule(sigma, lo, hi));
        j.name("probes").value(r.probes());
        j.name("steps").value(r.steps());   // the most per probe; Lanczos stops early at an invariant subspace
        j.name("products").value(r.products());
        j.name("probe_seed").value(probeSeed);
        j.name("node_range").beginArray().valueOrNull(lo).valueOrNull(hi).endArray();
        j.name("integral").valueOrNull(integral);
        report.array("grid", gx);
        report.array("density", d);
        report.array("nodes", r.nodes());
        report.array("weights", r.weights());

        if (plots) {
            Progress.Task pt = progress.start("plots", 0).ticking();
            savePlot("density", Plots.density("SLQ spectral density of the " + operator.label + "  (P = " + p + ", " + probes + " probes × "
                            + (stoppedEarly(r) ? "≤ " : "") + r.steps() + " steps, σ = " + g3(r.sigma()) + ")", List.of(operator.name().replace('_', ' ')), List.of(gx), List.of(d),
                    logScale, Plots.WIDTH));
            time("plots", pt.seconds());
            pt.done(null);
        }
        writeReport(report);
        printTable("SLQ density of the " + operator.label + " at θ · " + problem.model.describe() + ", " + problem.loss.id() + ", reg "
                + problem.regularizer.spec() + " · P = " + p + ", N = " + problem.data.size(), new String[][] {
                {"loss L_R", sci(loss)},
                {"‖∇L_R‖₂", sci(gradientNorm)},
                {"probes × steps", probesTimesSteps(r, probeSeed)},
                {"σ (kernel sd)", g3(r.sigma()) + (sigma > 0 ? "" : " (" + sigmaRule(sigma, lo, hi) + ")")},
                {"Ritz nodes span", "[" + g3(lo) + ", " + g3(hi) + "]"},
                {"grid", gx.length + " points on [" + g3(gx[0]) + ", " + g3(gx[gx.length - 1]) + "], ∫φ = " + String.format(java.util.Locale.ROOT, "%.4f", integral)},
                {"mass below −σ", String.format(java.util.Locale.ROOT, "%.4f", r.fractionBelow(-r.sigma())) + " (quadrature weight of the nodes < −σ: "
                        + "the estimated fraction of clearly negative eigenvalues)"}});
        String note = modifiedNote();
        if (note != null) println("  " + note);
        printOutputs();
        return Main.EXIT_OK;
    }

    /** Whether some probe's Lanczos run stopped before --steps (capped at P): an invariant subspace, where its quadrature is exact. */
    static boolean stoppedEarly(dev.morse.spectra.SpectralDensity.Result r) {
        return r.products() < (long) r.probes() * r.steps();
    }

    /**
     * The summary's "probes × steps": "10 × 26 (260 products, probe seed 0)", or, when Lanczos
     * stopped early (a zero operator, or a multiple of I: one step a probe), "10 × at most 26 (10
     * products, probe seed 0; 1 step a probe on average: …)" rather than "10 × 26 (10 products".
     */
    static String probesTimesSteps(dev.morse.spectra.SpectralDensity.Result r, long seed) {
        if (!stoppedEarly(r)) return r.probes() + " × " + r.steps() + " (" + r.products() + " products, probe seed " + seed + ")";
        double mean = (double) r.products() / r.probes();
        return r.probes() + " × at most " + r.steps() + " (" + r.products() + " products, probe seed " + seed + "; " + num(mean)
                + (mean == 1 ? " step" : " steps") + " a probe on average: Lanczos stops at an invariant subspace, where the quadrature is exact)";
    }

    /**
     * How σ was chosen, in words (SpectralDensity.sigmaRule decides): given; 1% of the Ritz nodes' range; when the
     * range is 0 (every node at one value λ: the regularizer's operator, 0 or λI), 0.1% of |λ|, at
     * least 1e-12. The summary said "1% of the node range" in every default case, of a range of 0.
     */
    static String sigmaRule(double given, double lo, double hi) {
        return switch (dev.morse.spectra.SpectralDensity.sigmaRule(given, lo, hi)) {
            case GIVEN -> "given (--sigma)";
            case RANGE -> "1% of the node range";
            case MAGNITUDE -> "every Ritz node at " + num(hi) + ", a range of 0: 0.1% of |" + num(hi) + "|";
            case FLOOR -> "every Ritz node at " + num(hi) + ", a range of 0: the least σ, 1e-12";
        };
    }

    /**
     * The Gaussians must be sampled by the grid: with σ below the spacing Δ = (node range + 10σ)/(G − 1)
     * the kernels fall between the points or spike on one, and the "density" (and ∫φ, far from 1)
     * means nothing. Δ is known only once SLQ has found the nodes, so this refusal comes after it.
     */
    private void checkSampling(SpectralDensity.Result r) {
        double[] gx = r.grid();
        if (r.resolved()) return;
        double s = r.sigma(), spacing = r.spacing();
        double range = gx[gx.length - 1] - gx[0] - 10 * s;
        double minSigma = range / (grid - 11);              // σ ≥ (R + 10σ)/(G − 1)  ⇔  σ ≥ R/(G − 11)
        double minGrid = Math.ceil(range / s * (1 - 1e-9)) + 11;          // the same inequality solved for G
        String raiseGrid = minGrid <= 1e7 ? ", or raise --grid to at least " + (long) minGrid : "";
        String what = sigma > 0 ? Double.toString(sigma) : "the default --sigma (1% of the node range, " + g3(s) + ")";
        throw Checks.usage(sigma > 0 ? "--sigma" : "--grid", what + " is below the grid spacing " + g3(spacing) + " (the Ritz nodes' range "
                + g3(range) + " + 10σ over --grid " + grid + " points): the kernels would fall between the grid points and the density "
                + "would not integrate to 1; give --sigma ≥ " + up3(minSigma) + raiseGrid);
    }

    /** x rounded up to 3 significant digits: a bound the user can type. */
    private static String up3(double x) {
        return new java.math.BigDecimal(x).round(new java.math.MathContext(3, java.math.RoundingMode.CEILING)).stripTrailingZeros().toString();
    }
}
