package dev.morse.cli;

import dev.morse.engine.Part;
import dev.morse.json.Json;
import dev.morse.spectra.LinearOperator;
import dev.morse.spectra.TraceEstimator;
import java.util.Locale;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code morse trace}: stochastic trace estimates. */
@Command(name = "trace", mixinStandardHelpOptions = true, sortOptions = false, usageHelpAutoWidth = true, abbreviateSynopsis = true,
        optionListHeading = "%nOptions:%n",
        description = {"Trace of a curvature operator, matrix-free, with its standard error.",
                "%nHutchinson: the mean of zᵀAz over Rademacher z. Hutch++ (Meyer et al. 2021): the exact trace on a sketched "
                        + "subspace plus Hutchinson on the rest; its --probes is a budget of products (a third sketch, a third "
                        + "its image, a third Hutchinson), not a number of probe vectors. exact: the sum of the diagonal of the "
                        + "dense operator (P products; P ≤ " + SpectrumCommand.AUTO_DENSE_LIMIT + "). A budget above P costs more "
                        + "than the exact trace, which is then computed instead (and the report says so). tr G is the "
                        + "Gauss–Newton trace penalty of Dauphin et al. (2024). No plots."},
        footer = {"%nExample:",
                "  morse trace --model 3-16-1 --data teacher:n=32 --weights theta.npy \\",
                "      --operator ggn --method hutchpp --probes 60"})
final class TraceCommand extends AnalysisCommand {

    @ArgGroup(validate = false, heading = OutputOptions.HEADING, order = OutputOptions.ORDER)
    OutputOptions.NoPlots outputOptions = new OutputOptions.NoPlots();

    @Override
    OutputOptions outputs() {
        return outputOptions;
    }

    /** --penalty is refused here: analyses use the objective without training penalties. */
    @picocli.CommandLine.Mixin
    PenaltyRefusal penaltyRefusal;

    /** Estimators. Lower case: what users type. */
    enum Method { hutchinson, hutchpp, exact }

    @Option(names = "--operator", paramLabel = "OP", defaultValue = "hessian", order = 1,
            description = "hessian, data_hessian, ggn, nme or regularizer (default: ${DEFAULT-VALUE}).")
    OperatorName operator;

    @Option(names = "--method", paramLabel = "M", defaultValue = "hutchpp", order = 2,
            description = "hutchinson, hutchpp or exact (default: ${DEFAULT-VALUE}).")
    Method method;

    @CombinedCheck
    @Option(names = "--probes", converter = Checks.Positive.class, paramLabel = "N", defaultValue = "30", order = 3,
            description = "Hutchinson: probe vectors (≥ 2); Hutch++: the budget of operator products (≥ 6, split in thirds), not "
                    + "a count of probes. Above P, the exact trace (P products) is computed instead. Default: ${DEFAULT-VALUE}.")
    int probes;

    @Option(names = "--probe-seed", converter = Checks.Seed.class, paramLabel = "S", defaultValue = "0", order = 4, description = "Seed of the probe vectors (default: ${DEFAULT-VALUE}).")
    long probeSeed;

    @ArgGroup(validate = false, heading = "%nDistributed data (Apache Spark):%n", order = 150)
    MasterOptions masterOptions = new MasterOptions();

    /**
     * --master and --partitions, the least --probes of each method, and what P (from --model, known
     * before the data are read) allows: --method exact up to the dense limit, and a budget above P,
     * which means the exact trace instead, only there too.
     */
    @Override
    void checkOptions() {
        super.checkOptions();
        checkRemote(masterOptions);
        if (method == Method.hutchinson && probes < 2) throw CliException.usage("--probes: Hutchinson needs at least 2 probes for a standard error, got " + probes);
        if (method == Method.hutchpp && probes < 6) throw CliException.usage("--probes: Hutch++ needs a budget of at least 6 products, got " + probes);
        int p = checkedParameters;
        if (method == Method.exact && p > SpectrumCommand.AUTO_DENSE_LIMIT) {
            throw Checks.usage("--method exact", "P = " + p + " is above the dense limit " + SpectrumCommand.AUTO_DENSE_LIMIT
                    + " (the exact trace materializes the P×P operator); use --method hutchpp");
        }
        // More products than the exact trace costs: never worth it (a --probes 2147483647 ran for
        // hours on P = 21); up to the dense limit the exact trace is computed instead (execute).
        if (method != Method.exact && probes > p && p > SpectrumCommand.AUTO_DENSE_LIMIT) {
            throw Checks.usage("--probes", probes + " products are more than the exact trace costs (P = " + p + " products), and P is above the "
                    + "dense limit " + SpectrumCommand.AUTO_DENSE_LIMIT + " of --method exact; give --probes ≤ " + p);
        }
    }

    @Override
    int execute() throws Exception {
        planJson();
        loadProblem();
        int p = problem.parameters();   // checkedParameters: the limits of P were checked in checkOptions
        Method m = method;
        String capped = null;
        if (m != Method.exact && probes > p) {
            capped = "--probes " + probes + " > P = " + p + ": the exact trace costs only P products, so it was computed instead of " + method.name();
            m = Method.exact;
        }
        if (m == Method.hutchpp) Estimates.hutchpp(p, probes);
        openRemote(masterOptions);
        evaluatePoint(problem.theta);
        LinearOperator op = curvature(operator.part, problem.theta);
        TraceEstimator.Estimate e;
        if (m == Method.exact) {
            double[] a = materialize(op, operator.name().replace('_', ' '), 1);
            double tr = 0;
            for (int i = 0; i < p; i++) tr += a[i * p + i];
            e = new TraceEstimator.Estimate(tr, 0.0, p, "exact");
        } else {
            Progress.Task t = progress.start(m.name() + " trace of the " + operator.name().replace('_', ' '), probes);
            Counting counted = new Counting(op, t);
            e = m == Method.hutchinson ? TraceEstimator.hutchinson(counted, probes, probeSeed) : TraceEstimator.hutchPlusPlus(counted, probes, probeSeed);
            time("trace", t.seconds());
            t.done(e.products() + " products");
        }
        if (capped != null) err.println("morse trace: " + capped + ".");

        Report report = new Report("trace").config(spec).backend().problem(problem).point(loss, dataLoss, gradientNorm);
        Json j = report.j;
        j.name("operator").value(operator.name());
        j.name("method").value(e.method());
        j.name("note").value(capped != null ? capped + (modifiedNote() == null ? "" : "; " + modifiedNote()) : modifiedNote());
        j.name("estimate").valueOrNull(e.estimate());
        j.name("standard_error").valueOrNull(e.standardError());
        j.name("products").value(e.products());
        j.name("probes").value(probes);
        j.name("probe_seed").value(probeSeed);
        writeReport(report);
        printTable("trace of the " + operator.label + " at θ · " + problem.model.describe() + ", " + problem.loss.id() + ", reg "
                + problem.regularizer.spec() + " · P = " + problem.parameters() + ", N = " + problem.data.size(), new String[][] {
                {"loss L_R", sci(loss)},
                {"‖∇L_R‖₂", sci(gradientNorm)},
                {"method", e.method() + " (" + e.products() + " products" + (m == Method.exact ? ", the diagonal of the dense operator" : ", probe seed " + probeSeed) + ")"},
                {"trace", String.format(Locale.ROOT, "%.6e ± %.2e (standard error)", e.estimate(), e.standardError())}});
        String note = modifiedNote();
        if (note != null) println("  " + note);
        printOutputs();
        return Main.EXIT_OK;
    }
}
