package dev.morse.cli;

import dev.morse.engine.Batch;
import dev.morse.engine.Dataset;
import dev.morse.engine.Evaluator;
import dev.morse.engine.Penalty;
import dev.morse.engine.Problem;
import dev.morse.engine.Term;
import dev.morse.io.FileSync;
import dev.morse.io.InputException;
import dev.morse.json.Json;
import dev.morse.training.CurvatureMonitor;
import dev.morse.training.EpochRecord;
import dev.morse.training.HoldOut;
import dev.morse.training.LearningRateSchedule;
import dev.morse.training.OptimizerConfig;
import dev.morse.training.Seeds;
import dev.morse.training.Shuffle;
import dev.morse.training.Trainer;
import dev.morse.training.TrainingConfig;
import dev.morse.training.TrainingDivergedException;
import dev.morse.training.TrainingState;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code morse train}: minibatch training (SPEC §11) with held-out metrics, checkpoints that resume
 * bit-identically, and curvature along the way. The loop is {@link Trainer}; this command loads
 * the data, builds the evaluators, reports progress, writes checkpoints ({@link Checkpoints}), the
 * JSON log ({@link TrainingLog}) and the plots.
 */
@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false, usageHelpAutoWidth = true, abbreviateSynopsis = true,
        optionListHeading = "%nOptions:%n",
        description = {"Trains the network with minibatches: SGD (momentum, Nesterov), Adam or AdamW with torch.optim's conventions, "
                + "a learning-rate schedule, seeded shuffling; loss and accuracy on held-out data every epoch; checkpoints every K "
                + "epochs that --resume continues bit-identically; curvature every K epochs (λ_max, tr H and tr G with standard errors, "
                + "‖M‖_F/‖H‖_F, where σ″ ≠ 0).",
                "%nThe objective of a step is L_B + R: the minibatch's data loss (mean over its samples) plus the regularizer --reg. "
                        + "Held-out data: --test-inputs/--test-targets, else --holdout FRACTION of the data, else the test split that "
                        + "--data fashion-mnist ships. Plots: train-curves (losses, accuracy) and train-curvature.",
                "%nExit 3 when training diverges: a minibatch objective or θ that is not finite, or an epoch's training loss above "
                        + "10⁶·max(1, |L₀|), L₀ the data loss over the training set at the start (measured then; the report's "
                        + "initial train_loss). The report keeps the epochs run, the diverged one with its loss, and says why in failure."},
        footer = {"%nExamples:",
                "  morse train --data fashion-mnist --model 784-128-10 --activation gelu \\",
                "      --loss cross_entropy --optimizer sgd --lr 0.05 --momentum 0.9 \\",
                "      --batch-size 128 --epochs 5 --seed 0 --json log.json",
                "  morse train --data fashion-mnist:n=10000,test=2000 --model 784-64-10 \\",
                "      --activation beta_gelu:4 --loss cross_entropy --optimizer adamw \\",
                "      --lr 1e-3 --schedule cosine:1 --epochs 10 --curvature-every 2 \\",
                "      --checkpoint-every 2 --checkpoint-dir ckpt --plots plots --json log.json",
                "  # continue an interrupted run:",
                "  morse train --config ckpt/config.json --resume ckpt --json log.json"})
final class TrainCommand extends AnalysisCommand {

    @ArgGroup(validate = false, heading = OutputOptions.HEADING, order = OutputOptions.ORDER)
    OutputOptions.WithPlots outputOptions = new OutputOptions.WithPlots();

    @Override
    OutputOptions outputs() {
        return outputOptions;
    }

    @Option(names = "--optimizer", paramLabel = "OPT", defaultValue = "sgd", order = 1,
            description = "sgd, adam or adamw (torch.optim.SGD / Adam / AdamW). Default: ${DEFAULT-VALUE}.")
    String optimizer;

    @CombinedCheck
    @Option(names = "--lr", converter = Checks.PositiveReal.class, paramLabel = "ETA", defaultValue = "0.001", order = 2,
            description = "Base learning rate lr₀ (the schedule scales it per step). Default: ${DEFAULT-VALUE} (torch.optim's).")
    double lr;

    @CombinedCheck
    @Option(names = "--momentum", converter = Checks.NonNegativeReal.class, paramLabel = "MU", order = 3, description = "sgd: momentum μ (dampening 0, as torch). Default: 0.")
    Double momentum;

    @CombinedCheck
    @Option(names = "--nesterov", order = 4, description = "sgd: Nesterov momentum (needs --momentum > 0).")
    boolean nesterov;

    @Option(names = "--weight-decay", converter = Checks.NonNegativeReal.class, paramLabel = "LAMBDA", order = 5,
            description = "Weight decay λ of the optimizer: sgd and adam add λθ to the gradient (torch's weight_decay); adamw decays "
                    + "θ ← θ(1 − lr·λ) before each step (decoupled). Not part of the objective (use --reg l2:λ for that). "
                    + "Default: 0 for sgd and adam, 0.01 for adamw (torch's defaults).")
    Double weightDecay;

    // Numbers' syntax, as every numeric option: picocli's own Double parsing took 0x1p-1 and 0.999d.
    @Option(names = "--betas", converter = Checks.Beta.class, paramLabel = "B1,B2", split = ",", order = 6, description = "adam/adamw: β₁,β₂. Default: 0.9,0.999.")
    List<Double> betas;

    @CombinedCheck
    @Option(names = "--eps", converter = Checks.NonNegativeReal.class, paramLabel = "EPS", order = 7, description = "adam/adamw: ε, added to √v̂. Default: 1e-8.")
    Double eps;

    @Option(names = "--schedule", paramLabel = "SPEC", defaultValue = "constant", order = 8,
            description = "Learning-rate schedule: constant; step:S[:γ] (lr₀·γ^⌊epoch/S⌋, torch's StepLR; γ = 0.1); "
                    + "cosine[:W[:lr_min]] (linear warm-up over W epochs, then cosine to lr_min, per step). Default: ${DEFAULT-VALUE}.")
    String schedule;

    @Option(names = "--batch-size", converter = Checks.Positive.class, paramLabel = "B", defaultValue = "128", order = 9,
            description = "Samples per minibatch (as PyTorch's DataLoader names it); the last batch of an epoch keeps the rest. "
                    + "Default: ${DEFAULT-VALUE}.")
    int batchSize;

    @CombinedCheck
    @Option(names = "--epochs", converter = Checks.Positive.class, paramLabel = "E", defaultValue = "10", order = 10, description = "Passes over the training data. Default: ${DEFAULT-VALUE}.")
    int epochs;

    @WritesFiles

    @Option(names = {"-o", "--save"}, paramLabel = "FILE.npy", order = 11, description = "Write the final θ here (1-D float64 .npy, PyTorch order).")
    Path save;

    @Option(names = "--test-inputs", paramLabel = "FILE", order = 12,
            description = "Held-out inputs (.npy, IDX or CSV, as --inputs); loss and accuracy on them every epoch.")
    Path testInputs;

    @Option(names = "--test-targets", paramLabel = "FILE", order = 13, description = "Held-out targets (as --targets).")
    Path testTargets;

    @CombinedCheck
    @Option(names = "--holdout", converter = Checks.RelativeTolerance.class, paramLabel = "FRACTION", order = 14,
            description = "Hold out this fraction of the data (drawn by --holdout-seed) when no --test-inputs are given.")
    Double holdout;

    @CombinedCheck
    @Option(names = "--holdout-seed", converter = Checks.Seed.class, paramLabel = "S", order = 15, description = "Seed of the --holdout draw. Default: --seed.")
    Long holdoutSeed;

    @CombinedCheck
    @Option(names = "--checkpoint-every", converter = Checks.NonNegative.class, paramLabel = "K", defaultValue = "0", order = 16,
            description = "Write a checkpoint (θ, optimizer state, counters, log) every K epochs and after the last (0: none; "
                    + "1 when only --checkpoint-dir or --resume is given). An output option like --checkpoint-dir: not in the run's "
                    + "config (a report's, or DIR/config.json), so give it again with --resume.")
    int checkpointEvery;

    @WritesFiles

    @Option(names = "--checkpoint-dir", paramLabel = "DIR", order = 17,
            description = "Folder of the checkpoints (DIR/epoch-NNNN, DIR/latest, DIR/config.json); written atomically. A folder "
                    + "holding another run's checkpoints is refused (--force replaces them). A DIR/latest or DIR/config.json that Morse "
                    + "did not write is refused even with --force: Morse takes latest for its own when it is a file naming a "
                    + "checkpoint, and config.json when it is a train config (a JSON object with \"command\": \"train\" and only "
                    + "train's options), also one written by hand in that form, which a run there replaces.")
    Path checkpointDir;

    @Option(names = "--keep-checkpoints", converter = Checks.Positive.class, paramLabel = "N", order = 17,
            description = "Keep only the newest N epoch checkpoints in the checkpoint folder, removing older ones after each new one "
                    + "(default: all). The newest is always kept, so --resume works. An output option like --checkpoint-every.")
    Integer keepCheckpoints;

    @WritesFiles

    @Option(names = "--resume", paramLabel = "DIR", order = 18,
            description = "Continue the run whose newest checkpoint is in DIR, bit-identically (the options must be the run's: "
                    + "--config DIR/config.json gives them); new checkpoints go to DIR unless --checkpoint-dir says otherwise.")
    Path resume;

    @Option(names = "--curvature-every", converter = Checks.NonNegative.class, paramLabel = "K", defaultValue = "0", order = 19,
            description = "Measure the curvature at the start and every K epochs (0: never): λ_max (Lanczos), tr H and tr G "
                    + "(Hutchinson ± SE), ‖M‖_F/‖H‖_F, fraction of pre-activations with σ″ ≠ 0; on a fixed subset of the training data.")
    int curvatureEvery;

    @Option(names = "--curvature-samples", converter = Checks.Positive.class, paramLabel = "M", defaultValue = "1024", order = 20,
            description = "Size of that subset: M training samples drawn without replacement by --curvature-seed (all when N ≤ M); "
                    + "goes with --curvature-every, as do --curvature-probes and --curvature-seed. Default: ${DEFAULT-VALUE}.")
    int curvatureSamples;

    @Option(names = "--curvature-probes", converter = Checks.Positive.class, paramLabel = "K", defaultValue = "16", order = 21,
            description = "Rademacher probes of the Hutchinson estimates (the same probes at every measurement). Default: ${DEFAULT-VALUE}.")
    int curvatureProbes;

    @Option(names = "--curvature-seed", converter = Checks.Seed.class, paramLabel = "S", order = 22, description = "Seed of the curvature subset, probes and Lanczos start. Default: --seed.")
    Long curvatureSeed;

    @Option(names = "--min-chunk-rows", converter = Checks.Positive.class, paramLabel = "ROWS", defaultValue = "" + Trainer.MIN_CHUNK_ROWS, order = 23,
            description = "Smallest chunk a minibatch is cut into for the engine's workers (a batch of 128: 2 chunks of 64); "
                    + "changes the last bits of sums, never the thread count does. Default: ${DEFAULT-VALUE}.")
    int minChunkRows;

    @Option(names = "--penalty", paramLabel = "SPEC", split = ",", order = 24,
            description = "A penalty of SPEC §11 on each minibatch (repeatable, or a comma list; one of each kind): " + Penalty.FORMS
                    + "; probes and noise drawn from each step's seed. For gradient_norm_ggn and sam the update is SPEC §11's direction, "
                    + "not a gradient. See 'morse eval' to check one step against another framework.")
    List<String> penalties;

    private Path checkpoints;
    /** The newest checkpoint this run wrote (null: none), for the summary's files. */
    private Path newestCheckpoint;
    /** This run's hold on its checkpoint folder for its life (Checkpoints.RunLock): the others' cleanup leaves its hidden folders alone. */
    private Checkpoints.RunLock runLock;
    /** Another run's checkpoints in the folder, replaced with --force (removed at this run's first checkpoint); null when none. */
    private List<Path> replacedCheckpoints;
    private int effectiveCheckpointEvery;
    /** What {@link #checkOptions} parsed: the optimizer, the schedule and the penalty terms. */
    private OptimizerConfig opt;
    private LearningRateSchedule sched;
    private List<Term> penaltyTerms;

    /**
     * Combinations of options, the schedule, the optimizer's settings and the penalties, which read
     * no file (each number is checked where it is parsed, by its Checks converter); the checkpoint
     * folders are checked in {@link #execute} ({@link #checkCheckpointFolders}).
     */
    @Override
    void checkOptions() {
        super.checkOptions();
        if (curvatureProbes < 2) throw Checks.usage("--curvature-probes", "at least 2 probes are needed for a standard error, got " + curvatureProbes);
        Checks.specNumbers("--schedule", schedule);
        if (testTargets != null && testInputs == null) throw Checks.usage("--test-targets", "goes with --test-inputs");
        if (testInputs != null && holdout != null) throw Checks.usage("--holdout", "give either --test-inputs or --holdout, not both");
        if (holdoutSeed != null && holdout == null) throw Checks.usage("--holdout-seed", "goes with --holdout");
        if (curvatureEvery == 0) {
            // the curvature's settings, ignored in silence without a measurement to set
            for (String o : List.of("--curvature-samples", "--curvature-probes", "--curvature-seed")) {
                if (given(o)) {
                    throw Checks.usage(o, "goes with --curvature-every K (K > 0: the curvature is measured every K epochs); without it "
                            + "no curvature is measured, so " + o + " " + spec.findOption(o).getValue() + source(o) + " would be ignored");
                }
            }
        }
        checkpoints = checkpointDir != null ? checkpointDir : resume;
        effectiveCheckpointEvery = checkpointEvery == 0 && checkpoints != null ? 1 : checkpointEvery;
        if (effectiveCheckpointEvery > 0 && checkpoints == null) throw Checks.usage("--checkpoint-every", "needs --checkpoint-dir DIR (or --resume DIR)");
        if (keepCheckpoints != null && checkpoints == null) throw Checks.usage("--keep-checkpoints", "needs --checkpoint-dir DIR (or --resume DIR)");
        penaltyTerms = penaltyTerms();
        opt = optimizerConfig();
        try {
            sched = LearningRateSchedule.parse(schedule);
        } catch (IllegalArgumentException e) {
            throw CliException.usage("--schedule: " + e.getMessage());
        }
        checkCosine();
    }

    /**
     * A cosine schedule against --lr and --epochs, whose values it was accepted with in silence:
     * lr_min above lr₀ (the "decay" would raise the rate), and a warm-up W, in epochs as the schedule
     * counts it, that lasts the whole run or longer (the rate would only rise, and never reach the
     * cosine part). W_s = round(W·B) steps against T = E·B, where B is known only with the data, is
     * checked again in {@link #execute}.
     */
    private void checkCosine() {
        if (sched.kind() != LearningRateSchedule.Kind.COSINE) return;
        String s = "--schedule " + schedule + source("--schedule");
        if (sched.minLr() > lr) {
            throw Checks.usage("--schedule", s + ": lr_min " + num(sched.minLr()) + " is above the base rate --lr " + num(lr) + source("--lr")
                    + ", so the cosine would raise the rate rather than lower it; give lr_min ≤ lr₀ (0 by default), or a higher --lr");
        }
        if (sched.warmupEpochs() >= epochs) {
            throw Checks.usage("--schedule", s + ": the warm-up of " + num(sched.warmupEpochs()) + " epochs lasts the whole run (--epochs "
                    + epochs + source("--epochs") + "), so the rate would only rise and the cosine never run; give a warm-up W below "
                    + "--epochs (in epochs), or more --epochs");
        }
    }

    /**
     * Fashion-MNIST's test split is train's held-out set unless --test-inputs or --holdout gives
     * one: then its ",test=M" would be ignored.
     */
    @Override
    String usesShippedTestSplit() {
        if (testInputs != null) return "--test-inputs " + testInputs + " gives the held-out set here";
        if (holdout != null) return "--holdout " + holdout + " gives the held-out set here";
        return null;
    }

    /**
     * The seed also shuffles the minibatches (every epoch, whatever the batch size) and draws the
     * held-out split and the curvature probes: --weights, or --init zeros, leaves it work.
     */
    @Override
    boolean seedDrawsOnlyTheta() {
        return false;
    }

    @Override
    int execute() throws Exception {
        try {
            return train();
        } finally {
            if (runLock != null) {
                try {
                    runLock.close();   // the kernel releases the lock at exit anyway: never the run's own error's replacement
                } catch (IOException e) {
                    err.println("morse train: warning: could not release " + Checkpoints.LOCK + " (" + OutputFiles.reason(e) + ")");
                }
            }
        }
    }

    private int train() throws Exception {
        checkCheckpointFolders();
        planJson();
        boolean plots = planPlot("train-curves");
        boolean curvaturePlot = curvatureEvery > 0 && planPlot("train-curvature");
        if (save != null) files.plan("--save", save);

        loadProblemWithTestSplit();
        List<Term> terms = new ArrayList<>(problem.problem.terms());
        terms.addAll(penaltyTerms);
        Dataset all = problem.data;
        Dataset train = all, heldOut = null;
        String heldOutSource = "none";
        if (testInputs != null) {
            String[] desc = new String[1];
            heldOut = testData(desc);
            heldOutSource = "--test-inputs: " + desc[0];
        } else if (holdout != null) {
            long seed = holdoutSeed != null ? holdoutSeed : problemOptions.seed;
            HoldOut split;
            try {
                split = HoldOut.split(all, holdout, seed);
            } catch (IllegalArgumentException e) {
                throw CliException.usage("--holdout " + holdout + ": " + e.getMessage());
            }
            train = split.train();
            heldOut = split.heldOut();
            heldOutSource = "--holdout " + holdout + " (seed " + seed + "): " + heldOut.size() + " of " + all.size() + " samples";
        } else if (problem.shippedTest != null) {
            heldOut = problem.shippedTest;
            heldOutSource = "the test split of " + problemOptions.data + " (" + heldOut.size() + " samples)";
        }
        Problem trainProblem;
        try {
            trainProblem = Problem.of(problem.model, train, problem.loss, terms.toArray(new Term[0]));
        } catch (IllegalArgumentException e) {
            throw new InputException(e.getMessage());
        }
        if (heldOut != null) {
            try {
                Problem.of(problem.model, heldOut, problem.loss);
            } catch (IllegalArgumentException e) {
                throw new InputException("held-out data (" + heldOutSource + "): " + e.getMessage());
            }
        }

        Evaluator.Settings base = problem.settings;
        Evaluator trainEv = closeAtEnd(Evaluator.open(trainProblem, Trainer.settings(base).withMinChunkRows(minChunkRows)));
        Evaluator heldOutEv = heldOut == null ? null : closeAtEnd(Evaluator.open(trainProblem.withData(heldOut).withTerms(), base.withCacheStates(false)));
        CurvatureMonitor monitor = null;
        long curvSeed = curvatureSeed != null ? curvatureSeed : problemOptions.seed;
        int curvN = Math.min(curvatureSamples, train.size());
        if (curvatureEvery > 0) {
            Dataset subset = curvN == train.size() ? train : train.subset(Shuffle.sample(train.size(), curvN, Seeds.derive(curvSeed, Seeds.CURVATURE, 0)));
            // H of the objective SPEC §5 names: data loss on the subset plus the regularizer, not the penalties.
            Evaluator curvEv = closeAtEnd(Evaluator.open(Problem.of(problem.model, subset, problem.loss, problem.regularizer), base));
            monitor = new CurvatureMonitor(curvEv, new CurvatureMonitor.Options(curvatureProbes, curvSeed, 1e-6, 100));
        }

        TrainingConfig config = new TrainingConfig(epochs, batchSize, problemOptions.seed, lr, sched, opt, effectiveCheckpointEvery, curvatureEvery);
        Trainer trainer = new Trainer(trainEv, heldOutEv, monitor, config);
        long warm = sched.warmupSteps(trainer.batchesPerEpoch()), total = (long) epochs * trainer.batchesPerEpoch();
        if (sched.kind() == LearningRateSchedule.Kind.COSINE && warm >= total) {
            throw Checks.usage("--schedule", "--schedule " + schedule + source("--schedule") + ": the warm-up of " + num(sched.warmupEpochs())
                    + " epochs is " + warm + " steps (" + trainer.batchesPerEpoch() + " an epoch, rounded), the whole run of " + total
                    + " steps, so the rate would only rise and the cosine never run; give a shorter warm-up, or more --epochs");
        }

        Listener listener = new Listener(trainer.batchesPerEpoch(), opt.describe());
        TrainingState start;
        Path resumedFrom = null;
        if (resume != null) {
            Checkpoints.Loaded loaded = Checkpoints.read(resume, trainEv.dim(), curvatureProbes);
            if (!loaded.state().configHash().equals(trainer.configHash())) {
                throw CliException.usage(resumeMismatch(loaded.folder().getFileName().toString(), loaded.state().configHash(),
                        trainer.configHash()));
            }
            // --epochs counts from the run's start: fewer than done used to "finish" at once, "epochs 5 of 2", exit 0.
            if (loaded.state().epoch() > epochs) {
                throw Checks.usage("--epochs", "the checkpoint " + loaded.folder() + " is at epoch " + loaded.state().epoch() + ", past --epochs " + epochs
                        + " (the run's epochs counted from its start, not those still to do); give --epochs " + loaded.state().epoch()
                        + " or more to continue the run");
            }
            start = loaded.state();
            resumedFrom = loaded.folder();
            progress.note("resuming from " + loaded.folder() + " (epoch " + start.epoch() + " of " + epochs + ", step " + start.step() + ")");
        } else {
            Progress.Task t = progress.start("measuring the start (training loss" + (heldOutEv != null ? ", held-out set" : "")
                    + (monitor != null ? ", curvature" : "") + ")", 0).ticking();
            start = trainer.start(problem.theta, listener);
            time("held_out", start.initial().evalSeconds());
            if (start.initial().curvature() != null) time("curvature", start.initial().curvature().seconds());
            t.done(TrainProgressText.summary(start.initial()));
        }

        Trainer.Result result = null;
        String failure = null;
        TrainingState last = start;
        try {
            result = trainer.run(start, listener);
            last = result.state();
        } catch (TrainingDivergedException e) {
            listener.abort();
            failure = e.getMessage();
            last = e.lastState();
            if (e.step() == 0 && resume == null) failure = startFailure(trainEv, problem.theta, problemOptions.seed, failure);
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
        double[] theta = result != null ? result.theta() : last.theta();

        if (save != null && failure == null) files.npy(save, theta);
        if (plots) {
            Progress.Task pt = progress.start("plots", 0).ticking();
            savePlots(last, curvaturePlot, curvN);
            time("plots", pt.seconds());
            pt.done(null);
        }
        writeReport(report(trainer, trainEv, last, heldOutSource, curvN, curvSeed, resumedFrom, failure, train.size(), heldOut == null ? 0 : heldOut.size()));

        EpochRecord fin = last.epochs().isEmpty() ? last.initial() : last.epochs().get(last.epochs().size() - 1);
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"optimizer", opt.describe() + ", lr " + num(lr) + ", schedule " + sched.spec()});
        rows.add(new String[] {"epochs", last.epoch() + " of " + epochs + " (" + TrainProgressText.stepsText(last.step(), last.epoch(), train.size(), batchSize) + ")"});
        rows.add(new String[] {"train loss", fin.epoch() > 0 ? sci(fin.trainLoss())
                : Double.isNaN(fin.trainLoss()) ? "—" : sci(fin.trainLoss()) + " (at the start; no epoch completed)"});
        if (fin.heldOut() != null) {
            rows.add(new String[] {"test loss", sci(fin.heldOut().loss())});
            if (Double.isFinite(fin.heldOut().accuracy())) {
                rows.add(new String[] {"test accuracy", String.format(Locale.ROOT, "%.2f%% (%d of %d)", 100 * fin.heldOut().accuracy(), fin.heldOut().correct(), fin.heldOut().samples())});
            }
        }
        rows.add(new String[] {"time", String.format(Locale.ROOT, "%.1f s training, %.1f s in all", timings.getOrDefault("train", 0.0), elapsed())});
        rows.add(new String[] {"θ", save == null ? "not saved (use --save FILE.npy)" : failure == null ? "saved to " + save : "not saved (diverged)"});
        printTable("train · " + problem.model.describe() + ", " + problem.loss.id() + ", reg " + problem.regularizer.spec() + " · P = "
                + problem.parameters() + ", N = " + train.size(), rows.toArray(new String[0][]));
        // The checkpoint folder is written by Checkpoints, not through the planned files: the list left it out.
        printOutputs(newestCheckpoint == null ? List.of()
                : List.of(checkpoints + "  (the checkpoints, newest " + newestCheckpoint.getFileName() + ")"));
        if (failure != null) {
            err.println("morse train: " + failure);
            return Main.EXIT_NUMERICAL;
        }
        return Main.EXIT_OK;
    }

    /** The folders of --resume and the checkpoints (after {@link #checkOptions}): they must be folders that can hold this run's. */
    private void checkCheckpointFolders() {
        if (resume != null && !java.nio.file.Files.isDirectory(resume)) {
            Path parent = resume.toAbsolutePath().normalize().getParent();
            throw Checks.usage("--resume", java.nio.file.Files.exists(resume)
                    ? resume + " is a file, not a folder; give the checkpoint folder" + (parent == null ? "" : " (" + parent + "?)")
                    : resume + ": no such folder (expected a checkpoint folder)");
        }
        if (checkpoints != null) {
            String option = checkpointDir != null ? "--checkpoint-dir" : "--resume";
            Checkpoints.checkFolder(option, checkpoints);
            // only the folder this run writes: a --resume folder it only reads (perhaps shared, or read-only) is left as it is
            runLock = new Checkpoints.RunLock(checkpoints);
            removeLeftovers(checkpoints);
            if (runLock.anotherRunHolds()) {
                // two runs would write the same epoch-NNNN and each replace the other's (with --force, delete them): before any of that
                throw Checks.usage(option, checkpoints + ": another morse train run is writing checkpoints here now (it holds "
                        + Checkpoints.LOCK + "); wait for it to end, or give another folder");
            }
            checkOtherRun(option);
        }
    }

    /**
     * Removes the hidden folders of checkpoints a killed run left in {@code d} (nothing else ever
     * would), saying so; one that cannot be removed is named in a warning, and the run goes on.
     */
    private void removeLeftovers(Path d) {
        Checkpoints.Cleanup c;
        try {
            c = runLock.takeAndClean();
        } catch (IOException e) {
            err.println("morse train: warning: could not look for unfinished checkpoints in " + d + " (" + OutputFiles.reason(e) + ")");
            return;
        }
        List<Path> gone = c.removed();
        if (!gone.isEmpty()) {
            err.println("morse train: note: removed " + (gone.size() == 1 ? "the unfinished checkpoint " + gone.get(0).getFileName()
                    : gone.size() + " unfinished checkpoints") + " that a killed run left in " + d);
        }
        for (String f : c.failed()) err.println("morse train: warning: could not remove " + f);
        if (runLock.unopened() != null) {
            err.println("morse train: warning: could not open " + d.resolve(Checkpoints.LOCK) + " (" + runLock.unopened() + "): unfinished "
                    + "checkpoints of killed runs are left there, and another run writing there would not be noticed");
        }
    }

    /**
     * Refuses a checkpoint folder that holds another run's checkpoints (unless it is the folder
     * this run resumes): a new run's checkpoints would mix with them (its config.json and latest
     * over the old run's, epoch folders of both), leaving neither run resumable. With --force the
     * old run's checkpoints are replaced: removed just before this run writes its first one, so a
     * run that fails earlier leaves them.
     */
    private void checkOtherRun(String option) {
        // A folder merely named like a checkpoint is the user's: --force (perhaps given for --json) must not remove it.
        List<String> foreign = Checkpoints.foreign(checkpoints);
        if (!foreign.isEmpty()) {
            throw Checks.usage(option, checkpoints + " holds " + (foreign.size() == 1 ? "a folder" : foreign.size() + " folders")
                    + " named like checkpoints that hold files Morse does not write: " + String.join("; ", foreign)
                    + "; they are not checkpoints, and Morse does not remove them, not even with --force: move them, or give another folder");
        }
        // config.json and latest that Morse did not write: a run here would replace them, --force remove them.
        List<String> others = Checkpoints.othersFiles(checkpoints, trainOptions());
        if (!others.isEmpty()) {
            boolean one = others.size() == 1;
            throw Checks.usage(option, checkpoints + " holds " + String.join(" and ", others) + ", which Morse did not write; a run there would "
                    + "replace " + (one ? "it" : "them") + ", so Morse refuses, even with --force: move " + (one ? "it" : "them")
                    + ", or give another folder");
        }
        List<Path> held = Checkpoints.entries(checkpoints, trainOptions());
        if (held.isEmpty()) return;
        try {
            if (resume != null && java.nio.file.Files.isSameFile(resume, checkpoints)) return;
        } catch (IOException e) {
            throw Checks.usage(option, checkpoints + ": unreadable (" + e.getMessage() + ")");
        }
        String what = Checkpoints.describe(held);
        if (!output.force) {
            throw Checks.usage(option, checkpoints + " already holds the checkpoints of a run (" + what + "); a new run would mix its own with "
                    + "them and leave neither resumable: continue that run with --resume " + checkpoints + ", give another folder, or pass "
                    + "--force to replace them");
        }
        replacedCheckpoints = held;
        err.println("morse train: --force: this run replaces the checkpoints in " + checkpoints + " (" + what
                + "); they are removed before its first checkpoint is written");
    }

    /** train's options as config files name them: a config.json with others is not one Morse wrote. */
    private java.util.Set<String> trainOptions() {
        return ConfigFile.options(spec.commandLine());
    }

    /** Loads model, data and θ; the shipped test split only when it will be the held-out set. */
    private void loadProblemWithTestSplit() {
        Progress.Task t = progress.start("loading model and data", 0).ticking();
        problem = closeAtEnd(LoadedProblem.load(problemOptions, testInputs == null && holdout == null));
        time("load", t.seconds());
        t.done(problem.model.describe() + ", P = " + problem.parameters() + ", N = " + problem.data.size()
                + (problem.shippedTest != null ? " (+ " + problem.shippedTest.size() + " test)" : ""));
    }

    private Dataset testData(String[] desc) {
        ProblemOptions t = new ProblemOptions();
        t.inputs = testInputs;
        t.targets = testTargets;
        t.inputsOption = "--test-inputs";   // messages name the options given ("--inputs X needs --targets" named the training data's)
        t.targetsOption = "--test-targets";
        t.targetColumns = problemOptions.targetColumns;
        return LoadedProblem.data(t, problem.model, problem.loss, desc);
    }

    /**
     * The penalty terms of {@code --penalty} ({@link Penalty#parse}): more terms of the training
     * Problem, whose value and update the Trainer's {@code lossAndGradient} returns; the Trainer's
     * batches carry the per-step seed they draw probes and noise from.
     */
    private List<Term> penaltyTerms() {
        List<Term> out = new ArrayList<>();
        if (penalties == null) return out;
        try {
            for (String s : penalties) out.add(Penalty.parse(s));
            Problem.checkTermsGoTogether(out);   // two that replace L: here, not after the data are loaded
        } catch (IllegalArgumentException e) {
            throw new InputException("--penalty: " + e.getMessage());
        }
        return out;
    }

    private OptimizerConfig optimizerConfig() {
        OptimizerConfig.Kind kind;
        try {
            kind = OptimizerConfig.Kind.parse(optimizer);
        } catch (IllegalArgumentException e) {
            throw CliException.usage("--optimizer: " + e.getMessage());
        }
        try {
            if (kind == OptimizerConfig.Kind.SGD) {
                if (betas != null || eps != null) throw CliException.usage("--betas and --eps are for adam and adamw, not sgd");
                return OptimizerConfig.sgd(momentum == null ? 0 : momentum, nesterov, weightDecay == null ? 0 : weightDecay);
            }
            if (momentum != null || nesterov) throw CliException.usage("--momentum and --nesterov are for sgd; " + kind.id() + " has --betas");
            if (betas != null && betas.size() != 2) throw CliException.usage("--betas takes two numbers B1,B2, got " + betas);
            double b1 = betas == null ? 0.9 : betas.get(0), b2 = betas == null ? 0.999 : betas.get(1);
            double e = eps == null ? 1e-8 : eps;
            return kind == OptimizerConfig.Kind.ADAM ? OptimizerConfig.adam(b1, b2, e, weightDecay == null ? 0 : weightDecay)
                    : OptimizerConfig.adamw(b1, b2, e, weightDecay == null ? OptimizerConfig.ADAMW_DEFAULT_DECAY : weightDecay);
        } catch (IllegalArgumentException e) {
            throw CliException.usage("--optimizer " + kind.id() + ": " + e.getMessage());
        }
    }

    /**
     * The refusal of a checkpoint written with other settings (its config hash is not this run's):
     * the options that differ between the run's recorded config (DIR/config.json) and this one's,
     * each with both values, and --config DIR/config.json as the way to give the run's options only
     * when no --config was given (it said "give the run's options, e.g. morse train --config
     * ck/config.json", naming no option, also to a command that had given exactly that). When the
     * recorded options match (or DIR/config.json cannot be read), the hashes, and what else they cover.
     */
    private String resumeMismatch(String checkpoint, String runHash, String thisHash) {
        Path recorded = resume.resolve(Checkpoints.CONFIG);
        List<String> differ = null;
        try {
            differ = differingOptions(ConfigFile.load(recorded), ConfigFile.parse(Report.configText(spec), Path.of("this run")),
                    comparedOptions(spec, sched.dependsOnLength()));
        } catch (RuntimeException e) {
            // no readable record: the hashes alone
        }
        String head = "--resume " + resume + ": the checkpoint " + checkpoint + " was written by a run with other settings";
        String hashes = "config hash " + runHash.substring(0, 12) + "…, this run " + thisHash.substring(0, 12) + "…";
        String how = configFile() == null ? ", e.g. morse train --config " + recorded + " --resume " + resume : "";
        if (differ != null && !differ.isEmpty()) {
            return head + ": " + String.join(", ", differ) + " (the run's options are in " + recorded + "); give the run's values" + how;
        }
        return head + " (" + hashes + ")" + (differ != null ? "; its recorded options (" + recorded + ") match this run's, so what "
                + "they name differs: the data files, or the engine's chunking of the data" : "")
                + "; give the run's options" + how;
    }

    /**
     * Recorded options that the config hash ({@link Trainer#configHash}) does not cover: the thread
     * counts change no bit, and θ₀ (--init, --weights) is replaced by the checkpoint's θ.
     */
    static final java.util.Set<String> NOT_HASHED = java.util.Set.of("threads", "init", "weights");

    /**
     * The options that the config hash compares, as config files name them: train's options that
     * a config records ({@link Report#recorded}: no outputs, no presentation options, which an
     * older or hand-written DIR/config.json may still hold), but {@link #NOT_HASHED}, and --epochs
     * only when the schedule depends on the run's length (a run may be resumed with more epochs
     * otherwise).
     */
    static java.util.Set<String> comparedOptions(picocli.CommandLine.Model.CommandSpec spec, boolean lengthDependent) {
        java.util.Set<String> out = new java.util.TreeSet<>();
        for (picocli.CommandLine.Model.OptionSpec o : spec.options()) {
            if (o.usageHelp() || o.versionHelp() || !Report.recorded(o)) continue;
            String k = ConfigFile.normalize(o.longestName());
            if (NOT_HASHED.contains(k) || k.equals("epochs") && !lengthDependent) continue;
            out.add(k);
        }
        return out;
    }

    /**
     * The options of {@code compared} ({@link #comparedOptions}) whose values differ between a
     * run's recorded config and this run's, as "--lr 0.5 (the run's: 0.1)", in the recorded order,
     * then this run's own. Only those: the list named --init, --weights and a recorded
     * --checkpoint-every too, which do not take part in the comparison and so differ harmlessly.
     */
    static List<String> differingOptions(ConfigFile run, ConfigFile now, java.util.Set<String> compared) {
        java.util.Set<String> keys = new java.util.LinkedHashSet<>(run.values.keySet());
        keys.addAll(now.values.keySet());
        List<String> out = new ArrayList<>();
        for (String k : keys) {
            if (!compared.contains(k)) continue;
            String a = run.values.get(k), b = now.values.get(k);
            if (java.util.Objects.equals(a, b)) continue;
            out.add((b == null ? "no --" + k : "--" + k + " " + b) + " (the run's: " + (a == null ? "not given" : a) + ")");
        }
        return out;
    }

    /**
     * Why the first step of a run failed when the start θ₀ itself is the cause: the objective that
     * train minimizes (L + R + the penalties) or its gradient over the training set is not finite
     * there (θ₀ of size 1e200 with --reg l2 said "training diverged in epoch 1 at step 0 … lower
     * --lr", though no step had been taken and no learning rate could help). Then the cause, as fit
     * and eval name it for the same θ ({@link AnalysisCommand#nonFinite}); otherwise the step's own
     * message. The penalties draw their probes and noise from step 0's seed, as that step did
     * (without a seed, hessian_trace:1e308 made this check an internal error). Only on this failure
     * path: one pass over the training set.
     */
    static String startFailure(Evaluator ev, double[] theta0, long seed, String stepFailure) {
        try {
            checkGradient(ev, Batch.all().withSeed(Seeds.derive(seed, Seeds.STEP_PROBES, 0)), theta0);
        } catch (CliException c) {
            return "cannot train from the start θ₀ (before any step, so --lr is not the cause): " + c.getMessage();
        }
        return stepFailure;
    }

    /** Progress per epoch, timings, and the checkpoints. */
    private final class Listener implements Trainer.Listener {
        private final int batches;
        private final String optimizerText;
        private Progress.Task task;
        private long lastUpdate;
        private boolean syncWarned;   // the file system's refusal to force the checkpoint folder: said once a run
        private boolean pruneWarned;   // an old checkpoint --keep-checkpoints could not remove: said once a run, which goes on

        Listener(int batches, String optimizerText) {
            this.batches = batches;
            this.optimizerText = optimizerText;
        }

        @Override
        public void epochStarted(int epoch, long startNanos) {
            // Timed from the trainer's own start of the epoch: its ✓ then covers the steps' seconds and more, never less.
            task = progress.start("epoch " + epoch + "/" + epochs, batches, startNanos);
        }

        @Override
        public boolean afterStep(Trainer.Step s) {
            long now = System.nanoTime();
            // The bar redraws at most every 100 ms: no text is formatted on the other steps.
            if (now - lastUpdate >= 100_000_000L || s.batch() == 0 || s.batch() == batches - 1) {
                task.update(s.batch() + 1, "loss " + TrainProgressText.progressLoss(s.dataLoss()));
                lastUpdate = now;
            }
            return true;
        }

        @Override
        public void phase(String name, int epoch) {
            if (task != null && epoch > 0) task.update(batches, name);
        }

        @Override
        public void epochDone(EpochRecord r, TrainingState state) {
            time("train", r.seconds());
            time("held_out", r.evalSeconds());
            if (r.curvature() != null) time("curvature", r.curvature().seconds());
            if (task != null) task.done(TrainProgressText.summary(r));
            task = null;
        }

        @Override
        public void checkpoint(TrainingState state) {
            long t0 = System.nanoTime();
            try {
                if (replacedCheckpoints != null) {
                    Checkpoints.remove(replacedCheckpoints, trainOptions());
                    replacedCheckpoints = null;
                }
                runLock.hold();
                Checkpoints.Written w = Checkpoints.write(checkpoints, state, optimizerText, Report.configText(spec), trainOptions(), FileSync.PLATFORM);
                progress.note("checkpoint " + w.folder());
                newestCheckpoint = w.folder();
                if (keepCheckpoints != null) prune(state.epoch());
                if (w.syncWarning() != null && !syncWarned) {
                    syncWarned = true;
                    err.println("morse train: warning: " + w.syncWarning()
                            + "; each checkpoint's files were forced, but a crash of the machine may lose the newest checkpoints");
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            time("checkpoints", (System.nanoTime() - t0) * 1e-9);
        }

        /** --keep-checkpoints after a checkpoint is written: a removal that fails is said once, and the run goes on. */
        private void prune(int upTo) {
            List<String> failed;
            try {
                failed = Checkpoints.prune(checkpoints, upTo, keepCheckpoints).failed();
            } catch (IOException e) {
                failed = List.of(checkpoints + " (" + OutputFiles.reason(e) + ")");
            }
            if (!failed.isEmpty() && !pruneWarned) {
                pruneWarned = true;
                err.println("morse train: warning: --keep-checkpoints: could not remove " + String.join(", ", failed)
                        + "; training goes on, keeping more checkpoints than asked (said once a run)");
            }
        }

        void abort() {
            if (task != null) task.done("diverged");
            task = null;
        }
    }

    private void savePlots(TrainingState s, boolean curvature, int curvN) {
        String title = problem.model.describe() + ", " + opt.kind().id() + " lr " + num(lr) + ", B = " + batchSize;
        savePlot("train-curves", TrainPlots.curves(s, title, problem.loss.id()));
        if (curvature) savePlot("train-curvature", 2, TrainPlots.curvature(s, curvN));
    }

    private Report report(Trainer trainer, Evaluator trainEv, TrainingState s, String heldOutSource, int curvN, long curvSeed, Path resumedFrom,
                          String failure, int trainSamples, int heldOutSamples) {
        Report report = new Report("train").config(spec).backend().problem(problem, trainSamples);
        Json j = report.j;
        TrainingConfig c = trainer.config();
        j.name("training").beginObject();
        j.name("optimizer").value(c.optimizer().describe());
        j.name("learning_rate").value(c.learningRate());
        j.name("schedule").value(c.schedule().spec());
        j.name("batch_size").value(c.batchSize());
        j.name("epochs").value(c.epochs());
        j.name("seed").value(c.seed());
        j.name("batches_per_epoch").value(trainer.batchesPerEpoch());
        j.name("epochs_completed").value(s.epoch());
        j.name("steps").value(s.step());
        j.name("completed").value(failure == null && s.epoch() == c.epochs());
        j.name("failure").value(failure);
        j.name("config_hash").value(trainer.configHash());
        j.name("train_samples").value(trainSamples);
        j.name("held_out").value(heldOutSource);
        j.name("held_out_samples").value(heldOutSamples);
        int rows = trainEv.chunkRows(Math.min(c.batchSize(), trainSamples));
        j.name("chunk_plan").beginObject()
                .name("chunk_rows").value(trainEv.chunkRows())
                .name("min_chunk_rows").value(trainEv.minChunkRows())
                .name("rows_per_chunk").value(rows)
                .name("chunks_per_batch").value((Math.min(c.batchSize(), trainSamples) + rows - 1) / rows)
                .endObject();
        j.name("penalties").beginArray();
        for (Term t : trainEv.problem().terms()) if (t.isPenalty()) j.value(t.spec());
        j.endArray();
        if (c.curvatureEvery() > 0) {
            j.name("curvature").beginObject()
                    .name("every").value(c.curvatureEvery())
                    .name("operator").value("H = ∇²(L_S + R) = G + M + R'' on the subset S (no penalties)")
                    .name("samples").value(curvN)
                    .name("subset").value(curvN == trainSamples ? "all training samples"
                            : curvN + " training samples drawn without replacement, stream (seed " + curvSeed + ", curvature, 0)")
                    .name("seed").value(curvSeed)
                    .name("probes").value(curvatureProbes)
                    .name("probe_kind").value("rademacher")
                    .name("frobenius_estimator").value("sqrt(mean_i ||M z_i||^2 / mean_i ||H z_i||^2), same probes; SE by the delta method")
                    .name("lanczos_tol").value(1e-6)
                    .endObject();
        } else {
            j.name("curvature").nullValue();
        }
        j.name("resumed_from").value(resumedFrom == null ? null : resumedFrom.toAbsolutePath().toString());
        j.name("checkpoint_dir").value(checkpoints == null || effectiveCheckpointEvery == 0 ? null : checkpoints.toAbsolutePath().toString());
        j.endObject();
        j.name("initial");
        TrainingLog.write(j, s.initial());
        j.name("epochs").beginArray();
        for (EpochRecord r : s.epochs()) TrainingLog.write(j, r);
        j.endArray();
        EpochRecord fin = s.epochs().isEmpty() ? s.initial() : s.epochs().get(s.epochs().size() - 1);
        j.name("train_loss").valueOrNull(fin.trainLoss());
        j.name("test_loss").valueOrNull(fin.heldOut() == null ? Double.NaN : fin.heldOut().loss());
        j.name("test_accuracy").valueOrNull(fin.heldOut() == null ? Double.NaN : fin.heldOut().accuracy());
        j.name("theta_file").value(save == null || failure != null ? null : save.toString());
        return report;
    }
}
