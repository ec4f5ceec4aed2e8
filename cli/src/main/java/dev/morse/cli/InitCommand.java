package dev.morse.cli;

import dev.morse.engine.Mlp;
import dev.morse.json.Json;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code morse init}: writes an initial θ for a model. The first step of a sweep (so that every
 * later step starts from one file), and a way to hand Morse's initialisation to other tools. The
 * model options mean what they mean in every analysis command (same names, same parsing:
 * {@link LoadedProblem#model} and {@link LoadedProblem#weights}); the data options are not taken,
 * since θ does not depend on data.
 */
@Command(name = "init", mixinStandardHelpOptions = true, sortOptions = false, usageHelpAutoWidth = true, abbreviateSynopsis = true,
        optionListHeading = "%nOptions:%n",
        description = {"Writes an initial θ (--init, --seed) of a model as a 1-D float64 .npy (PyTorch's order).",
                "%nThe same θ that fit, morse, spectrum, … start from when they get --init and --seed instead of --weights; "
                        + "a sweep's 'init' step. No data needed."},
        footer = {"%nExamples:",
                "  morse init --model 2-16-1 --save theta0.npy",
                "  morse init --model 784-256-10 --init gaussian:0.5 --seed 3 \\",
                "      --save theta0.npy --json init.json"})
final class InitCommand extends BaseCommand {

    @Option(names = "--model", paramLabel = "WIDTHS", order = 1, description = "Layer widths d0-d1-…-dL, as in every command.")
    String model;

    @Option(names = "--activation", paramLabel = "NAME", defaultValue = "tanh", order = 2,
            description = "Hidden activation(s), as in every command (default: ${DEFAULT-VALUE}; θ's layout does not depend on it).")
    String activation;

    @Option(names = "--no-bias", paramLabel = "LAYER", split = ",", order = 3, description = "Layers without a bias (1..L, or 'all').")
    List<String> noBias;

    @Option(names = "--init", paramLabel = "SCHEME", defaultValue = "pytorch", order = 4,
            description = "pytorch (nn.Linear's default), gaussian[:scale] or zeros, as in every command (default: ${DEFAULT-VALUE}).")
    String init;

    @Option(names = "--seed", converter = Checks.Seed.class, paramLabel = "S", defaultValue = "0", order = 5,
            description = "Seed of --init; refused next to --init zeros or gaussian:0, which draw nothing (default: ${DEFAULT-VALUE}).")
    long seed;

    @WritesFiles

    @Option(names = {"-o", "--save"}, paramLabel = "FILE.npy", order = 6, required = true, description = "Where θ goes (1-D float64 .npy).")
    Path save;

    @WritesFiles

    @Option(names = "--json", paramLabel = "FILE", order = 90, arity = "0..1", fallbackValue = "-",
            description = "Write a JSON report to FILE ('-', or no FILE: standard output, instead of the summary).")
    Path json;

    @Option(names = "--force", order = 93, description = "Overwrite existing output files (never done without it).")
    boolean force;

    @Option(names = {"-q", "--quiet"}, order = 94, description = "No progress output on stderr.")
    boolean quiet;

    @Option(names = "--config", paramLabel = "FILE.json", order = 95, description = "Take options from a JSON object (keys: option names without dashes).")
    Path config;

    /** init writes θ (and --json) only: its output group has no plot options, none to refuse or to hand on in sweeps. */
    @Override
    boolean drawsPlots() {
        return false;
    }

    @Override
    OutputOptions outputs() {
        OutputOptions o = new OutputOptions();
        o.json = json;
        o.force = force;
        o.quiet = quiet;
        return o;
    }

    /** The model options as the analysis commands hold them, and the model (built by {@link #checkOptions}). */
    private ProblemOptions po;
    private Mlp mlp;

    /**
     * The model (widths, activations, layers without bias) and the --init scheme, as every command
     * parses them, and --seed only where the scheme draws ({@link #checkThetaOptions}).
     */
    @Override
    void checkOptions() {
        po = new ProblemOptions();
        po.model = model;
        po.activation = activation;
        po.noBias = noBias;
        po.init = init;
        po.seed = seed;
        mlp = LoadedProblem.model(po);
        LoadedProblem.initScheme(po);
        checkThetaOptions(po);
        checkActivationApplies(mlp, activation);
    }

    /** The seed draws θ and nothing else. */
    @Override
    boolean seedDrawsOnlyTheta() {
        return true;
    }

    @Override
    int execute() throws Exception {
        planJson();
        Path thetaFile = files.plan("--save", save);
        String[] desc = new String[1];
        double[] theta = LoadedProblem.weights(po, mlp, desc);
        files.npy(thetaFile, theta);
        double norm = 0;
        for (double t : theta) norm += t * t;
        norm = Math.sqrt(norm);

        Report report = new Report("init").config(spec).backend();
        Json j = report.j;
        j.name("P").value(mlp.numParameters());
        j.name("model").value(mlp.describe());
        j.name("weights").value(desc[0]);
        j.name("theta_norm").valueOrNull(norm);
        j.name("theta_file").value(save.toString());
        writeReport(report);
        // The layout alone: the draws depend on the widths (fan-in) and biases, not on --activation (no gain).
        printTable("init · " + mlp.describeLayout() + " · P = " + mlp.numParameters(), new String[][] {
                {"θ", desc[0] + ", ‖θ‖₂ = " + sci(norm)},
                {"saved to", save.toString()}});
        return Main.EXIT_OK;
    }
}
