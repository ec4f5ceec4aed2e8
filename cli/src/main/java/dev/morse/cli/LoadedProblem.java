package dev.morse.cli;

import dev.morse.engine.Activation;
import dev.morse.engine.Dataset;
import dev.morse.engine.Loss;
import dev.morse.engine.Mlp;
import dev.morse.engine.Evaluator;
import dev.morse.engine.Problem;
import dev.morse.engine.Part;
import dev.morse.engine.Regularizer;
import dev.morse.io.Csv;
import dev.morse.io.DataFiles;
import dev.morse.io.FashionMnist;
import dev.morse.io.InputException;
import dev.morse.io.NdArray;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * A problem as loaded from {@link ProblemOptions}: the engine's {@link Problem} (model, data, loss,
 * regularizer), the point θ, the engine settings (threads, chunk rows), and one-line descriptions
 * of where data and weights came from. It opens {@link Evaluator}s on demand and closes them when
 * the command ends ({@link #close}). Every check names the option or file, and what was expected
 * against what was found.
 *
 * <p>A built-in data set that ships a test split ({@code --data fashion-mnist}) gives
 * {@link #shippedTest} when the command asks for it ({@code train}: the held-out set); the
 * analysis commands never load it.
 */
public final class LoadedProblem implements AutoCloseable {

    final Problem problem;
    final Mlp model;
    final Dataset data;
    final Loss loss;
    final Regularizer regularizer;
    final double[] theta;
    final String dataDescription;
    final String weightsDescription;
    final Evaluator.Settings settings;
    /** The test split shipped with the data set (fashion-mnist), when asked for and present; else null. */
    final Dataset shippedTest;
    private Evaluator evaluator;
    private final List<Evaluator> opened = new ArrayList<>();

    private LoadedProblem(Problem problem, Regularizer regularizer, double[] theta, String dataDescription,
                          String weightsDescription, Evaluator.Settings settings, Dataset shippedTest) {
        this.problem = problem;
        this.model = problem.model();
        this.data = problem.data();
        this.loss = problem.loss();
        this.regularizer = regularizer;
        this.theta = theta;
        this.dataDescription = dataDescription;
        this.weightsDescription = weightsDescription;
        this.settings = settings;
        this.shippedTest = shippedTest;
    }

    /** The evaluator of this problem's objective L_R (opened once). */
    Evaluator evaluator() {
        if (evaluator == null) evaluator = open(problem);
        return evaluator;
    }

    /**
     * The evaluator Newton steps run on: this problem's, or with modified activations (augmented
     * ReLU, diminished GELU) its exact-Hessian twin ({@link Problem#withExactSecondDerivatives}):
     * the same L_R and ∇L_R, and the Jacobian of ∇L_R, which the modified operator is not (Newton
     * with it stalls). Closed with this problem, or by {@link #release} once the Newton steps are
     * done: the twin holds its own worker team and state cache, which the rest of the command
     * (the dense Morse check) should not have to share memory with.
     */
    Evaluator newtonEvaluator() {
        Problem exact = problem.withExactSecondDerivatives();
        return exact == problem ? evaluator() : open(exact);
    }

    /**
     * Closes an evaluator this problem opened once the command is done with it (the twin of
     * {@link #newtonEvaluator} after the refinement); {@link #evaluator()} stays open until
     * {@link #close}, so releasing it, or an evaluator released before, does nothing.
     */
    void release(Evaluator e) {
        if (e == evaluator) return;
        if (opened.remove(e)) e.close();
    }

    /** How many evaluators this problem holds open (for tests). */
    int openEvaluators() {
        return opened.size();
    }

    /** An evaluator of the same model and data with another regularizer (closed with this problem). */
    Evaluator evaluatorWith(Regularizer r) {
        return open(problem.withTerms(r));
    }

    /** An evaluator of another problem on the same model and data (e.g. with penalties), closed with this problem. */
    Evaluator evaluatorFor(Problem p) {
        return open(p);
    }

    private Evaluator open(Problem p) {
        Evaluator e = Evaluator.open(p, settings);
        opened.add(e);
        return e;
    }

    int parameters() {
        return model.numParameters();
    }

    @Override
    public void close() {
        for (Evaluator e : opened) e.close();
        opened.clear();
        evaluator = null;
    }

    /** Loads the problem; a shipped test split is not loaded. */
    static LoadedProblem load(ProblemOptions o) {
        return load(o, false);
    }

    /** Loads the problem and, with {@code withTestSplit}, the test split a built-in data set ships ({@link #shippedTest}). */
    static LoadedProblem load(ProblemOptions o, boolean withTestSplit) {
        Mlp model = model(o);
        Estimates.parameters(model.describe(), model.numParameters());
        Loss loss = loss(o);
        Regularizer reg = regularizer(o);
        if (o.chunkRows <= 0) throw new InputException("--chunk-rows must be positive, got " + o.chunkRows);
        int threads = o.threads == null ? Runtime.getRuntime().availableProcessors() : o.threads;
        if (threads <= 0) throw new InputException("--threads must be positive, got " + threads);
        String[] dataDesc = new String[1];
        Dataset[] heldOut = new Dataset[1];
        Dataset data = subsample(o, FashionMnist.matches(o.data) ? fashionMnist(o, model, loss, withTestSplit, dataDesc, heldOut)
                : data(o, model, loss, dataDesc), dataDesc);
        String[] wDesc = new String[1];
        double[] theta = weights(o, model, wDesc);
        Problem problem;
        try {
            problem = Problem.of(model, data, loss, reg);   // validates data against the model (dims, classes)
        } catch (IllegalArgumentException e) {
            throw new InputException(e.getMessage());
        }
        return new LoadedProblem(problem, reg, theta, dataDesc[0], wDesc[0],
                new Evaluator.Settings(threads, o.chunkRows, true), heldOut[0]);
    }

    /**
     * The checks of {@link #load} that read no file and allocate nothing large: the model (widths,
     * activations, layers without bias), the loss, the regularizer, where the data come from
     * ({@link #checkDataOptions}), a built-in --data spec against the model and loss
     * ({@link #checkBuiltIn}) and, without --weights, the --init scheme, each as load parses it.
     * Returns the model: its parameter count P is known before any data are read (the widths give
     * every dimension, d0 included), so checks that depend only on P belong there too.
     */
    static Mlp checkSpecs(ProblemOptions o) {
        Mlp model = model(o);
        Loss loss = loss(o);
        regularizer(o);
        checkDataOptions(o);
        if (o.data != null) checkBuiltIn(o.data, model, loss);
        if (o.weights == null) initScheme(o);
        return model;
    }

    /**
     * A built-in --data spec, parsed and checked against the model and loss as the loaders parse
     * and check it, without reading a file or drawing a number: Fashion-MNIST's
     * ({@link #fashionMnistSpec}) or a synthetic set's ({@link SyntheticData#parse}, then
     * {@link SyntheticData.Spec#check}). A bad name or parameter is refused before any work, and
     * by a sweep on its driver.
     */
    static void checkBuiltIn(String data, Mlp model, Loss loss) {
        if (FashionMnist.matches(data)) fashionMnistSpec(data, model, loss);
        else SyntheticData.parse(data).check(model, loss);
    }

    /** {@code --data fashion-mnist[:n=N][,test=M]} parsed, and checked against the model (784 inputs, 10 classes) and the loss. */
    static FashionMnist.Spec fashionMnistSpec(String data, Mlp model, Loss loss) {
        FashionMnist.Spec spec = FashionMnist.parseSpec(data);
        if (model.inputDim() != FashionMnist.PIXELS) {
            throw new InputException("--data " + data + ": images have " + FashionMnist.PIXELS + " pixels (28×28), the model " + model.describe()
                    + " expects d0 = " + model.inputDim() + "; use --model 784-…-10");
        }
        if (model.outputDim() != FashionMnist.CLASSES) {
            throw new InputException("--data " + data + ": " + FashionMnist.CLASSES + " classes, the model " + model.describe()
                    + " has output width " + model.outputDim() + "; use --model 784-…-10");
        }
        if (loss != Loss.CROSS_ENTROPY) throw new InputException("--data " + data + " has class labels: use --loss cross_entropy");
        return spec;
    }

    /**
     * The data options that go together, as the loaders check them before reading anything: a
     * built-in --data or --inputs files, not both and not neither; no --targets or --target-column
     * with a built-in set.
     */
    static void checkDataOptions(ProblemOptions o) {
        if (o.data != null && o.inputs != null) throw new InputException("give either --data (built-in) or --inputs (files), not both");
        if (o.data != null) {
            if (o.targets != null) throw new InputException("--targets goes with --inputs, not with the built-in --data " + o.data);
            refuseTargetColumn(o);
        } else if (o.inputs == null) {
            throw new InputException("no data: give --data NAME for a built-in set (gaussian, teacher, orthogonal, spirals, fashion-mnist), "
                    + "or --inputs FILE [--targets FILE]");
        }
    }

    static Loss loss(ProblemOptions o) {
        try {
            return Loss.parse(o.loss);
        } catch (IllegalArgumentException e) {
            throw new InputException("--loss: " + e.getMessage());
        }
    }

    static Regularizer regularizer(ProblemOptions o) {
        Checks.specNumbers("--reg", o.reg);
        try {
            return Regularizer.parse(o.reg);
        } catch (IllegalArgumentException e) {
            throw new InputException("--reg: " + e.getMessage());
        }
    }

    static Mlp model(ProblemOptions o) {
        if (o.model == null || o.model.isBlank()) {
            throw new InputException("no model: give --model WIDTHS, e.g. --model 3-16-1 (input width first, output width last)");
        }
        Checks.widths(o.model);
        Checks.specNumbers("--activation", o.activation);
        int[] widths;
        try {
            widths = Mlp.parseWidths(o.model);
        } catch (IllegalArgumentException e) {
            throw new InputException("--model: " + e.getMessage());
        }
        Mlp.Builder b;
        try {
            b = Mlp.builder(widths);
        } catch (IllegalArgumentException e) {
            throw new InputException("--model " + o.model + ": " + e.getMessage());
        }
        String[] acts = o.activation.split(",");
        int hidden = widths.length - 2;
        if (acts.length == 1) {
            b.activation(parseActivation(acts[0]));
        } else if (acts.length == hidden) {
            for (int l = 1; l <= hidden; l++) b.activation(l, parseActivation(acts[l - 1]));
        } else {
            throw new InputException("--activation " + o.activation + ": " + acts.length + " activations for " + hidden
                    + " hidden layer(s) of " + o.model + "; give one for all, or one per hidden layer");
        }
        boolean[] bias = biases(o.noBias, widths.length - 1);
        for (int l = 1; l <= bias.length; l++) if (!bias[l - 1]) b.noBias(l);
        return b.build();
    }

    /**
     * The layers with a bias ({@code [l − 1]} for layer l of {@code layers}) that --no-bias's
     * items give (null: every layer has one): the one reading of --no-bias, which steps of
     * experiments that need the model's biases use too.
     *
     * @throws InputException for an item that is neither a layer number 1..layers nor 'all'
     */
    public static boolean[] biases(List<String> noBias, int layers) {
        boolean[] bias = new boolean[layers];
        Arrays.fill(bias, true);
        if (noBias == null) return bias;
        for (String s : noBias) {
            String t = s.trim().toLowerCase(Locale.ROOT);
            if (t.isEmpty()) continue;
            if (t.equals("all")) {
                Arrays.fill(bias, false);
                continue;
            }
            long l;
            try {
                l = dev.morse.io.Numbers.parseLong(t);
            } catch (NumberFormatException e) {
                throw new InputException("--no-bias: '" + s + "' is not a layer number (1.." + layers + ") or 'all'");
            }
            if (l < 1 || l > layers) throw new InputException("--no-bias: layer " + l + " out of range 1.." + layers);
            bias[(int) l - 1] = false;
        }
        return bias;
    }

    private static Activation parseActivation(String s) {
        try {
            return Activation.parse(s);
        } catch (IllegalArgumentException e) {
            throw new InputException("--activation: " + e.getMessage());
        }
    }

    // ------------------------------------------------------------------ weights

    static double[] weights(ProblemOptions o, Mlp model, String[] desc) {
        int p = model.numParameters();
        if (o.weights != null) {
            NdArray a = DataFiles.readArray(o.weights, p, n -> "weights have length " + n + ", expected P = " + p + " for model "
                    + model.describe() + " (layer by layer: W row-major [out][in], then b)");
            if (a.rank() != 1) {
                throw new InputException(o.weights + ": weights must be a 1-D array of length P = " + p + ", found shape " + NdArray.shapeText(a.shape())
                        + (a.size() == p ? " (flatten it: theta.reshape(-1))" : ""));
            }
            if (a.values().length != p) {
                throw new InputException(o.weights + ": weights have length " + a.values().length + ", expected P = " + p + " for model "
                        + model.describe() + " (layer by layer: W row-major [out][in], then b)");
            }
            for (int i = 0; i < p; i++) {
                if (!Double.isFinite(a.values()[i])) throw new InputException(o.weights + ": weight at index " + i + " is " + a.values()[i] + "; expected a finite number");
            }
            desc[0] = "file " + o.weights + " (" + a.dtype() + ")";
            return a.values();
        }
        InitScheme init = initScheme(o);
        return switch (init.kind()) {
            case PYTORCH -> {
                desc[0] = "init pytorch, seed " + o.seed;
                yield model.initPyTorchDefault(o.seed);
            }
            case GAUSSIAN -> {
                // scale 0 draws nothing (θ = 0): a seed there would claim a draw that did not happen
                desc[0] = "init gaussian:" + init.scale() + (init.scale() == 0 ? " (θ = 0, nothing drawn)" : ", seed " + o.seed);
                yield model.initGaussian(init.scale(), o.seed);
            }
            case ZEROS -> {
                desc[0] = "init zeros";
                yield new double[p];
            }
        };
    }

    /** An --init scheme: its kind, and the scale of gaussian (1 otherwise). */
    record InitScheme(Kind kind, double scale) {
        enum Kind { PYTORCH, GAUSSIAN, ZEROS }

        /**
         * Whether θ depends on --seed: not for zeros, nor for gaussian:0 (every weight is 0·N(0, 1)
         * and every bias 0), which make θ = 0 whatever the seed.
         */
        boolean draws() {
            return kind == Kind.PYTORCH || kind == Kind.GAUSSIAN && scale > 0;
        }
    }

    /** The --init scheme, as {@link #weights} draws θ by it (refused before any work by {@link #checkSpecs}). */
    static InitScheme initScheme(ProblemOptions o) {
        return initScheme(o.init);
    }

    /** The scheme of an --init text; refused as {@link #initScheme(ProblemOptions)} refuses it. */
    static InitScheme initScheme(String init) {
        String s = init.trim().toLowerCase(Locale.ROOT);
        String[] parts = s.split(":");
        switch (parts[0]) {
            case "pytorch", "default", "kaiming" -> {
                if (parts.length > 1) throw new InputException("--init " + init + ": pytorch takes no parameter");
                return new InitScheme(InitScheme.Kind.PYTORCH, 1.0);
            }
            case "gaussian", "normal" -> {
                double scale = 1.0;
                if (parts.length > 2) throw new InputException("--init " + init + ": expected gaussian or gaussian:scale");
                if (parts.length == 2) {
                    try {
                        scale = dev.morse.io.Numbers.parseDouble(parts[1]);
                    } catch (NumberFormatException e) {
                        throw new InputException("--init " + init + ": scale '" + parts[1] + "' is not a number");
                    }
                    if (!(scale >= 0) || Double.isInfinite(scale)) throw new InputException("--init " + init + ": scale must be finite and ≥ 0");
                }
                return new InitScheme(InitScheme.Kind.GAUSSIAN, scale);
            }
            case "zeros", "zero" -> {
                return new InitScheme(InitScheme.Kind.ZEROS, 1.0);
            }
            default -> throw new InputException("--init " + init + ": unknown scheme; expected pytorch, gaussian[:scale] or zeros");
        }
    }

    // ------------------------------------------------------------------ data

    /**
     * {@code --data fashion-mnist[:n=N][,test=M]}: the shipped training split (its first N images,
     * or the first {@code --samples}), and with {@code withTest} the test split; without copying
     * the images ({@link FashionMnist.Split#dataset}).
     */
    static Dataset fashionMnist(ProblemOptions o, Mlp model, Loss loss, boolean withTest, String[] desc, Dataset[] test) {
        checkDataOptions(o);
        if (o.samples != null && o.samples <= 0) throw new InputException("--samples must be positive, got " + o.samples);
        FashionMnist.Spec spec = fashionMnistSpec(o.data, model, loss);
        int n = spec.train();
        if (o.samples != null) {
            checkSamples(o.samples, n == FashionMnist.ALL ? FashionMnist.TRAIN_SIZE : n);
            n = o.samples;
        }
        FashionMnist.Spec wanted = new FashionMnist.Spec(n, withTest ? spec.test() : 0);
        java.nio.file.Path dir = FashionMnist.locate();
        List<Object> dirKey = DataCache.fileKey(dir);
        // 60 000 × 784 doubles (376 MB) read once per JVM, not once per command: sweeps run many in one
        DataCache.Entry e = DataCache.get(List.of("fashion-mnist", wanted.train(), wanted.test(), dirKey == null ? List.of(dir.toString()) : dirKey),
                () -> {
                    FashionMnist.Data fm = FashionMnist.load(wanted, dir);
                    return new DataCache.Entry(fm.train().dataset(), fm.test() == null ? null : fm.test().dataset(), "built-in " + fm.describe());
                });
        test[0] = e.test();
        desc[0] = e.description();
        return e.data();
    }

    /**
     * The data set of the options, from this JVM's {@link DataCache} when the same data were loaded
     * before (a sweep runs many commands in one JVM); {@code desc[0]} gets its description.
     */
    static Dataset data(ProblemOptions o, Mlp model, Loss loss, String[] desc) {
        List<Object> key = dataKey(o, model, loss);
        if (key == null) return loadData(o, model, loss, desc);
        DataCache.Entry e = DataCache.get(key, () -> {
            String[] d = new String[1];
            Dataset ds = loadData(o, model, loss, d);
            return new DataCache.Entry(ds, d[0]);
        });
        desc[0] = e.description();
        return e.data();
    }

    /** What the loaded data depend on (see {@link DataCache}); null when a file cannot be read (no caching). */
    private static List<Object> dataKey(ProblemOptions o, Mlp model, Loss loss) {
        List<Object> key = new ArrayList<>();
        key.add(o.samples == null ? -1 : o.samples);
        key.add(loss.id());
        if (o.data != null && o.inputs == null && o.targets == null) {
            key.add("built-in");
            key.add(o.data.trim());
            key.add(o.dataSeed);
            key.add(SyntheticData.modelKey(model, loss));
            return key;
        }
        if (o.data != null || o.inputs == null) return null;   // a usage error: the loader says which
        key.add("files");
        key.add(model.inputDim());
        key.add(model.outputDim());
        key.add(o.targetColumns == null ? List.of() : List.copyOf(o.targetColumns));
        for (Path f : new Path[] {o.inputs, o.targets}) {
            List<Object> fk = DataCache.fileKey(f);
            if (fk == null) return null;
            key.add(fk);
        }
        return key;
    }

    private static Dataset loadData(ProblemOptions o, Mlp model, Loss loss, String[] desc) {
        checkDataOptions(o);
        if (o.samples != null && o.samples <= 0) throw new InputException("--samples must be positive, got " + o.samples);
        if (o.data != null) {
            SyntheticData.Generated g = SyntheticData.generate(SyntheticData.parse(o.data), o.dataSeed, model, loss);
            desc[0] = "built-in " + g.description() + ", data seed " + o.dataSeed;
            Dataset d = g.dataset();
            if (o.samples != null) checkSamples(o.samples, d.size());
            return o.samples == null || o.samples >= d.size() ? d : firstSamples(d, o.samples);
        }
        NdArray x, y;
        byte[] head = DataFiles.readBytes(o.inputs);
        if (DataFiles.detect(o.inputs, head) == DataFiles.Format.CSV) {
            if (o.targets != null) throw new InputException(o.targetsOption + " is not used with a CSV table: name the target column(s) with --target-column");
            Csv.Table t = Csv.parse(new String(head, java.nio.charset.StandardCharsets.UTF_8), o.inputs.toString());
            List<Integer> tcols = new ArrayList<>();
            if (o.targetColumns == null || o.targetColumns.isEmpty()) {
                tcols.add(t.columns().size() - 1);
            } else {
                for (String name : o.targetColumns) {
                    int i = t.index(name.trim());
                    if (i < 0) throw new InputException(o.inputs + ": target column '" + name.trim() + "' is not in the header (columns: " + String.join(", ", t.columns()) + ")");
                    tcols.add(i);
                }
            }
            List<Integer> xcols = new ArrayList<>();
            for (int i = 0; i < t.columns().size(); i++) if (!tcols.contains(i)) xcols.add(i);
            if (xcols.isEmpty()) throw new InputException(o.inputs + ": no input columns left after the target column(s)");
            x = t.select(xcols, "inputs");
            y = t.select(tcols, "targets");
            desc[0] = "csv " + o.inputs + " (targets: " + String.join(",", tcols.stream().map(t.columns()::get).toList()) + ")";
        } else {
            if (o.targets == null) {
                throw new InputException(o.inputsOption + " " + o.inputs + " needs " + o.targetsOption + " FILE (or use a CSV table with --target-column)");
            }
            if (o.targetColumns != null) throw new InputException("--target-column is for CSV tables; " + o.inputs + " is not one");
            x = DataFiles.parseArray(o.inputs, head);
            y = DataFiles.readArray(o.targets);
            if (x.dtype().equals("ubyte")) {   // IDX images: bytes 0..255 scaled to [0, 1]
                double[] v = x.values();
                for (int i = 0; i < v.length; i++) v[i] /= 255.0;
                x = new NdArray(x.source(), x.dtype() + "/255", false, x.shape(), v);
            }
            desc[0] = "files " + o.inputs + " (" + x.dtype() + " " + NdArray.shapeText(x.shape()) + "), " + o.targets + " ("
                    + y.dtype() + " " + NdArray.shapeText(y.shape()) + ")";
        }
        if (o.samples != null) {
            if (x.rank() > 0) checkSamples(o.samples, x.rows());
            x = x.firstRows(o.samples);
            y = y.firstRows(o.samples);
            desc[0] += ", first " + Math.min(o.samples, x.rows()) + " samples";
        }
        return toDataset(x, y, model, loss);
    }

    /**
     * {@code --samples N} above the data's N is refused, as {@code --subsample} is (it kept all the
     * samples in silence).
     */
    static void checkSamples(int asked, int n) {
        if (asked > n) throw Checks.usage("--samples", asked + " samples asked, the data have " + n + "; give at most " + n);
    }

    /** {@code --target-column} names a column of an {@code --inputs} CSV table; a built-in set ignored it in silence. */
    private static void refuseTargetColumn(ProblemOptions o) {
        if (o.targetColumns != null) throw new InputException("--target-column goes with an --inputs CSV table, not with the built-in --data " + o.data);
    }

    static Dataset toDataset(NdArray x, NdArray y, Mlp model, Loss loss) {
        if (x.rank() == 0) throw new InputException(x.source() + ": inputs must have at least one dimension (N samples), found a scalar");
        int n = x.rows();
        int d = x.rank() == 1 ? 1 : x.rowLength();
        if (n == 0) throw new InputException(x.source() + ": no samples (shape " + NdArray.shapeText(x.shape()) + ")");
        if (d != model.inputDim()) {
            throw new InputException(x.source() + ": inputs have d = " + d + " features per sample (shape " + NdArray.shapeText(x.shape())
                    + "), the model " + model.describe() + " expects d0 = " + model.inputDim());
        }
        if (y.rank() == 0 || y.rows() != n) {
            throw new InputException(y.source() + ": targets have " + (y.rank() == 0 ? "no sample axis" : y.rows() + " rows")
                    + ", expected N = " + n + " (the number of inputs in " + x.source() + ")");
        }
        checkFinite(x);
        checkFinite(y);
        int c = model.outputDim();
        if (loss == Loss.CROSS_ENTROPY) {
            int[] labels = new int[n];
            if (y.rank() == 1 || (y.rank() == 2 && y.shape()[1] == 1)) {
                for (int i = 0; i < n; i++) {
                    double v = y.values()[i];
                    if (v != Math.rint(v)) throw new InputException(y.source() + ": cross_entropy needs integer class indices; target at index " + i + " is " + v);
                    if (v < 0 || v >= c) {
                        throw new InputException(y.source() + ": class index at index " + i + " is " + (long) v + ", expected 0.." + (c - 1)
                                + " (the model's output width is " + c + ")");
                    }
                    labels[i] = (int) v;
                }
            } else if (y.rank() == 2 && y.shape()[1] == c) {   // one-hot rows
                for (int i = 0; i < n; i++) {
                    int hot = -1;
                    for (int k = 0; k < c; k++) {
                        double v = y.values()[i * c + k];
                        if (v == 1 && hot < 0) hot = k;
                        else if (v != 0) hot = -2;
                    }
                    if (hot < 0) throw new InputException(y.source() + ": row " + i + " is not one-hot; cross_entropy needs class indices (length N) or one-hot rows");
                    labels[i] = hot;
                }
            } else {
                throw new InputException(y.source() + ": cross_entropy needs class indices of shape (" + n + ",) or one-hot rows (" + n + ", " + c
                        + "), found " + NdArray.shapeText(y.shape()));
            }
            return Dataset.classification(x.values(), n, d, labels, c);
        }
        int cy = y.rank() == 1 ? 1 : y.rowLength();
        if (cy != c) {
            throw new InputException(y.source() + ": targets have C = " + cy + " values per sample (shape " + NdArray.shapeText(y.shape())
                    + "), the model's output width is " + c);
        }
        return Dataset.regression(x.values(), n, d, y.values(), c);
    }

    private static void checkFinite(NdArray a) {
        double[] v = a.values();
        for (int i = 0; i < v.length; i++) {
            if (!Double.isFinite(v[i])) throw new InputException(a.source() + ": value at flat index " + i + " is " + v[i] + "; expected finite numbers");
        }
    }

    /**
     * {@code --subsample N}: N samples drawn without replacement from {@code SplittableRandom(seed)}
     * (a partial Fisher–Yates shuffle of the indices), kept in their original order.
     */
    static Dataset subsample(ProblemOptions o, Dataset d, String[] desc) {
        if (o.subsample == null) return d;
        int n = d.size(), k = o.subsample;
        if (k > n) throw Checks.usage("--subsample", k + " samples asked, the data have " + n + "; give at most " + n);
        int[] idx = new int[n];
        for (int i = 0; i < n; i++) idx[i] = i;
        java.util.SplittableRandom rng = new java.util.SplittableRandom(o.subsampleSeed);
        for (int i = 0; i < k; i++) {
            int j = i + rng.nextInt(n - i);
            int t = idx[i];
            idx[i] = idx[j];
            idx[j] = t;
        }
        int[] pick = Arrays.copyOf(idx, k);
        Arrays.sort(pick);
        desc[0] += ", random subsample of " + k + " of " + n + " samples (seed " + o.subsampleSeed + ")";
        return d.subset(pick);   // copies only the k rows (Dataset.inputs() would copy all N·d0 values on every call)
    }

    private static Dataset firstSamples(Dataset d, int n) {
        double[] x = Arrays.copyOf(d.inputs(), n * d.inputDim());
        if (d.isClassification()) return Dataset.classification(x, n, d.inputDim(), Arrays.copyOf(d.labels(), n), d.numClasses());
        return Dataset.regression(x, n, d.inputDim(), Arrays.copyOf(d.realTargets(), n * d.targetDim()), d.targetDim());
    }
}
