package dev.morse.cli;

import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Option;

/** The options that define a problem: model, weights, data, loss, regularizer, threads. */
final class ProblemOptions {

    @Option(names = "--model", paramLabel = "WIDTHS", order = 10,
            description = "Layer widths d0-d1-…-dL, e.g. 784-256-256-10 (input width first, output width last).")
    String model;

    @Option(names = "--activation", paramLabel = "NAME", defaultValue = "tanh", order = 11,
            description = "Hidden activation: identity, tanh, sigmoid, softplus, relu, gelu, beta_gelu:β, augmented_relu:β, "
                    + "diminished_gelu; a comma list gives one per hidden layer. Refused for a model without a hidden layer (d0-C). "
                    + "Default: ${DEFAULT-VALUE}.")
    String activation;

    @Option(names = "--loss", paramLabel = "NAME", defaultValue = "mse", order = 12,
            description = "mse (nn.MSELoss, mean over N·C entries) or cross_entropy (nn.CrossEntropyLoss; integer class targets). Default: ${DEFAULT-VALUE}.")
    String loss;

    @Option(names = "--no-bias", paramLabel = "LAYER", split = ",", order = 13,
            description = "Layers without a bias, numbered 1..L (e.g. --no-bias 1,2), or 'all'.")
    List<String> noBias;

    @Option(names = "--weights", paramLabel = "FILE.npy", order = 20,
            description = "θ as a 1-D .npy array of length P (float64 or float32), in PyTorch's order: layer by layer, W row-major [out][in], then b.")
    Path weights;

    @Option(names = "--init", paramLabel = "SCHEME", defaultValue = "pytorch", order = 21,
            description = "Initial θ when there is no --weights: pytorch (nn.Linear's default: U(±1/√fan_in) for W and b), "
                    + "gaussian[:scale] (W ~ N(0, scale²/fan_in), b = 0) or zeros. Next to --weights it is refused (on the command line, or "
                    + "in a config file with a value other than the default); on the command line it wins over a config file's weights. "
                    + "Default: ${DEFAULT-VALUE}.")
    String init;

    @Option(names = "--seed", converter = Checks.Seed.class, paramLabel = "S", defaultValue = "0", order = 22,
            description = "Seed of --init (in train also of the shuffling, the held-out split and the curvature probes). Outside train "
                    + "it is refused next to --weights, and next to --init zeros or gaussian:0, which leave it nothing to draw: on the "
                    + "command line, or in a config file with a value other than the default (--weights or --init on the command line "
                    + "wins over a config file's seed). Default: ${DEFAULT-VALUE}.")
    long seed;

    @Option(names = "--data", paramLabel = "NAME[:k=v,…]", order = 30,
            description = {"A built-in data set, sized by the model (d0 inputs, C outputs):",
                    "• fashion-mnist[:n=N][,test=M]: Fashion-MNIST from Debian's dataset-fashion-mnist (d0 = 784, 10 classes, "
                            + "pixels/255): the first N of the 60000 training images (test=M: train's held-out set is the first M of the 10000 test "
                            + "images; refused elsewhere, and next to --holdout or --test-inputs);",
                    "• gaussian[:n=64,noise=0.1]: x ~ N(0,I), y = Ax/√d0 + noise (classes: argmax Ax, no noise: a given one is refused);",
                    "• teacher[:n=64,width=4,noise=0]: y = a random teacher MLP d0-width-C with the student's activation, + noise (classes: its argmax, no noise);",
                    "• orthogonal[:n=d0,scale=1]: n ≤ d0 orthonormal inputs, random ±1 targets (classes: uniform);",
                    "• spirals[:n=100,turns=1.5,noise=0.05]: two 2-D spirals (d0 = 2), classes 0/1 or ±1 targets."})
    String data;

    @Option(names = "--data-seed", converter = Checks.Seed.class, paramLabel = "S", defaultValue = "0", order = 31, description = "Seed of the synthetic data set (refused next to --inputs files and fashion-mnist, which draw nothing). "
            + "Default: ${DEFAULT-VALUE}.")
    long dataSeed;

    @Option(names = "--inputs", paramLabel = "FILE", order = 32,
            description = "Inputs X: .npy (N × d0; more axes are flattened), IDX (MNIST; unsigned bytes are scaled to [0,1]), "
                    + "or a CSV table with a header row (targets in --target-column, inputs in the other columns).")
    Path inputs;

    @Option(names = "--targets", paramLabel = "FILE", order = 33,
            description = "Targets y: .npy or IDX; length N (class indices for cross_entropy) or N × C (mse).")
    Path targets;

    /** The options that named the data files, for messages (train's held-out files come from --test-inputs/--test-targets). */
    String inputsOption = "--inputs";
    String targetsOption = "--targets";

    @Option(names = "--target-column", paramLabel = "NAME", split = ",", order = 34,
            description = "CSV: the column(s) holding the targets (default: the last column).")
    List<String> targetColumns;

    @Option(names = "--samples", converter = Checks.Positive.class, paramLabel = "N", order = 35,
            description = "Use only the first N samples of the data (for a random subset: --subsample).")
    Integer samples;

    @Option(names = "--subsample", paramLabel = "N", converter = Checks.Positive.class, order = 36,
            description = "Use N samples drawn at random without replacement (seeded by --subsample-seed), kept in their order; "
                    + "after --samples when both are given.")
    Integer subsample;

    @Option(names = "--subsample-seed", paramLabel = "S", converter = Checks.Seed.class, defaultValue = "0", order = 37,
            description = "Seed of --subsample (refused without it). Default: ${DEFAULT-VALUE}.")
    long subsampleSeed;

    @Option(names = "--reg", paramLabel = "SPEC", defaultValue = "none", order = 40,
            description = "Regularizer: none, l2:λ[:exclude_bias], generalized_l2:λ[:seed] or multiplicative:ε. "
                    + "\"The Hessian\" is then the Hessian of the whole objective. Default: ${DEFAULT-VALUE}.")
    String reg;

    @Option(names = "--threads", converter = Checks.Threads.class, paramLabel = "N", order = 50,
            description = "Engine worker threads (default: all cores; results are bit-identical for any value).")
    Integer threads;

    @Option(names = "--chunk-rows", converter = Checks.Positive.class, paramLabel = "ROWS", defaultValue = "256", order = 51,
            description = "Most rows per chunk of the data the engine processes at once (memory per worker; not a minibatch: "
                    + "results are the same for any value, to rounding). Formerly --batch-size. Default: ${DEFAULT-VALUE}.")
    int chunkRows;
}
