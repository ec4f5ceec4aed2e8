package dev.morse.cli;

import dev.morse.analysis.MorseReport;
import dev.morse.engine.Evaluator;
import dev.morse.engine.Part;
import dev.morse.engine.Regularizer;
import dev.morse.json.Json;
import dev.morse.engine.CurvatureOperator;
import dev.morse.spectra.SpectralDensity;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code morse demo}: the README's main job. Fits a small overparameterized tanh network on a
 * built-in teacher–student set to an interpolating minimum, refined to rounding level; runs the
 * Morse check there (degenerate: zero eigenvalues in the directions the data cannot see); refits
 * with weight decay and checks again (nondegenerate); writes reports and plots to a folder.
 */
@Command(name = "demo", mixinStandardHelpOptions = true, sortOptions = false, usageHelpAutoWidth = true,
        description = {"A worked example on built-in data (a few seconds): weight decay and zero eigenvalues.",
                "%nFits a " + DemoCommand.MODEL + " tanh network (P = " + DemoCommand.P + ") to " + DemoCommand.N + " points of a "
                        + "teacher–student regression set, refines the minimum to rounding level, and shows what weight decay does to "
                        + "the Hessian's spectrum: zero eigenvalues (a degenerate minimum) without it, none with l2. Writes demo.json, "
                        + "θ as .npy and plots (PNG, SVG) to --out, and prints a short summary."},
        footer = {"%nThe same by hand:",
                "  M=\"--model " + DemoCommand.MODEL + " --data " + DemoCommand.DATA + "\"",
                "  morse fit   $M --optimizer lbfgs_newton --grad-tol rounding -o theta.npy",
                "  morse morse $M --weights theta.npy",
                "  morse morse $M --weights theta.npy --reg l2:1e-3 --refine lbfgs_newton"})
final class DemoCommand extends BaseCommand {

    static final String MODEL = "2-12-1";
    static final int P = 49;
    static final int N = 16;
    static final String DATA = "teacher:n=16,width=3";

    @WritesFiles

    @Option(names = "--out", paramLabel = "DIR", defaultValue = "morse-out", order = 1,
            description = "Folder for the results (default: ${DEFAULT-VALUE}). If it already holds files, the demo stops unless --force.")
    Path outDir;

    @Option(names = "--l2", converter = Checks.PositiveReal.class, paramLabel = "LAMBDA", defaultValue = "1e-3", order = 2, description = "Weight decay λ of the second fit (default: ${DEFAULT-VALUE}).")
    double lambda;

    @Option(names = "--seed", converter = Checks.Seed.class, paramLabel = "S", defaultValue = "0", order = 3, description = "Seed of the initial θ (PyTorch's nn.Linear init; default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--plot-format", paramLabel = "FMT", defaultValue = "both", order = 4, description = "png, svg or both (default: ${DEFAULT-VALUE}).")
    OutputOptions.PlotFormat plotFormat;

    @Option(names = "--force", order = 5, description = "Write into --out even if it holds files (replacing the demo's own files).")
    boolean force;

    @Option(names = {"-q", "--quiet"}, order = 6, description = "No progress output on stderr.")
    boolean quiet;

    /** Read by {@link Main} (as for every command): a demo report, demo.json, reruns the demo it records. */
    @Option(names = "--config", paramLabel = "FILE.json", order = 7,
            description = "Take options from a JSON object such as {\"l2\": 0.01} (the command line wins). The demo's report, "
                    + "demo.json, works too: it reruns the demo it records (into --out, default morse-out).")
    Path config;

    @Override
    OutputOptions outputs() {
        OutputOptions.WithPlots o = new OutputOptions.WithPlots();
        o.json = outDir.resolve("demo.json");
        o.plots = outDir;
        o.plotFormat = plotFormat;
        o.force = force;
        o.quiet = quiet;
        o.jsonOption = "--out";
        o.plotsOption = "--out";
        return o;
    }

    @Override
    int execute() throws Exception {
        if (Files.isDirectory(outDir) && !force) {
            try (Stream<Path> s = Files.list(outDir)) {
                if (s.anyMatch(f -> !f.getFileName().toString().endsWith(OutputFiles.PART))) {   // a killed run's part files do not count
                    throw CliException.usage(outDir + "/ already holds files (an earlier demo?); pass --force to replace the demo's files there, "
                            + "or --out DIR for a fresh folder");
                }
            }
        } else if (Files.exists(outDir) && !Files.isDirectory(outDir)) {
            throw CliException.usage(outDir + " exists and is not a folder; choose another with --out DIR");
        }
        planJson();
        Path thetaFile = files.plan("--out", outDir.resolve("theta.npy"));
        Path thetaL2File = files.plan("--out", outDir.resolve("theta-l2.npy"));
        for (String name : List.of("fit", "eigenvalues", "ggn-nme", "density")) planPlot(name);

        ProblemOptions po = new ProblemOptions();
        po.model = MODEL;
        po.activation = "tanh";
        po.loss = "mse";
        po.data = DATA;
        po.dataSeed = 0;
        po.init = "pytorch";
        po.seed = seed;
        po.reg = "none";
        po.chunkRows = 256;
        Progress.Task lt = progress.start("loading model and data", 0);
        LoadedProblem problem = closeAtEnd(LoadedProblem.load(po));
        time("load", lt.seconds());
        lt.done(problem.model.describe() + ", P = " + problem.parameters() + ", N = " + problem.data.size());
        Evaluator plain = problem.evaluator();
        Regularizer l2 = Regularizer.l2(lambda);
        Evaluator reg = problem.evaluatorWith(l2);

        // 1. Fit without regularization, to rounding level (needed before counting zero eigenvalues).
        long t0 = System.nanoTime();
        Optimize.Settings toRounding = new Optimize.Settings(Optimize.Name.lbfgs_newton, 5000, Double.MIN_VALUE, 0.1, 30, 100);
        Optimize.Run fit = Optimize.run(plain, problem.theta, toRounding, progress, "fit, no regularizer");
        time("fit", (System.nanoTime() - t0) * 1e-9);
        double[] theta = fit.trajectory().theta();
        files.npy(thetaFile, theta);

        // 2. The Morse check at the unregularized minimum.
        Progress.Task mt = progress.start("Morse check, no regularizer", 0);
        MorseReport r0 = MorseReport.at(plain, theta, MorseReport.Options.defaults().withSpectra(true));   // the plots show every eigenvalue
        time("morse", mt.seconds());
        mt.done("index " + r0.index() + ", nullity " + r0.nullity());

        // 3. Refit with weight decay from that minimum, and check again.
        t0 = System.nanoTime();
        Optimize.Run refit = Optimize.run(reg, theta, toRounding, progress, "refit, l2(" + num(lambda) + ")");
        time("fit_l2", (System.nanoTime() - t0) * 1e-9);
        double[] thetaL2 = refit.trajectory().theta();
        files.npy(thetaL2File, thetaL2);
        mt = progress.start("Morse check, l2(" + num(lambda) + ")", 0);
        MorseReport r1 = MorseReport.at(reg, thetaL2, MorseReport.Options.defaults().withSpectra(true));
        time("morse", mt.seconds());
        mt.done("index " + r1.index() + ", nullity " + r1.nullity());

        // 4. SLQ densities of both Hessians (exact quadrature here: the Krylov space is all of R^P).
        Progress.Task dt = progress.start("SLQ densities", 0);
        SpectralDensity.Options so = new SpectralDensity.Options().probes(10).steps(80).gridPoints(800);
        double sigma = 0.01 * Math.max(r0.hessianNorm(), r1.hessianNorm());
        so.sigma(sigma);
        SpectralDensity.Result d0 = SpectralDensity.estimate(CurvatureOperator.hessian(plain, theta), so);
        SpectralDensity.Result d1 = SpectralDensity.estimate(CurvatureOperator.hessian(reg, thetaL2), so);
        time("density", dt.seconds());
        dt.done(d0.products() + d1.products() + " products");

        // 5. Plots.
        Progress.Task pt = progress.start("plots", 0).ticking();
        savePlot("fit",
                Plots.trajectory("Fit without regularizer", fit.trajectory().losses(), fit.trajectory().gradientNorms(), fit.phaseNames(),
                        fit.phaseStarts(), Plots.WIDTH * 3 / 4),
                Plots.trajectory("Refit with l2(" + num(lambda) + ")", refit.trajectory().losses(), refit.trajectory().gradientNorms(), refit.phaseNames(),
                        refit.phaseStarts(), Plots.WIDTH * 3 / 4));
        double tauMin = Math.min(r0.tau(), r1.tau());
        double[] range = Plots.logRange(tauMin, r0.eigenvalues(), r1.eigenvalues());
        savePlot("eigenvalues",
                Plots.eigenvalues("No regularizer: index " + r0.index() + ", nullity " + r0.nullity(), r0.eigenvalues(), r0.tau(), range, Plots.WIDTH * 3 / 4),
                Plots.eigenvalues("l2(" + num(lambda) + "): index " + r1.index() + ", nullity " + r1.nullity(), r1.eigenvalues(), r1.tau(), range,
                        Plots.WIDTH * 3 / 4));
        double[] gm = Plots.logRange(r0.tau(), r0.ggnEigenvalues(), r0.nmeEigenvalues());
        savePlot("ggn-nme",
                Plots.eigenvalues("Gauss–Newton G at the minimum: rank " + dev.morse.analysis.EigenvalueCounts.rank(r0.ggnEigenvalues(), r0.tau()) + " of " + r0.parameters(),
                        r0.ggnEigenvalues(), r0.tau(), gm, Plots.WIDTH * 3 / 4),
                Plots.eigenvalues("NME M at the minimum: ‖M‖_F/‖H‖_F = " + g3(r0.nmeToHessianFrobenius()), r0.nmeEigenvalues(), r0.tau(), gm,
                        Plots.WIDTH * 3 / 4));
        savePlot("density", Plots.density("SLQ density of the Hessian at the minimum (σ = " + g3(sigma) + ", log scale)",
                List.of("no regularizer", "l2(" + num(lambda) + ")"), List.of(d0.grid(), d1.grid()), List.of(d0.density(), d1.density()), true, Plots.WIDTH));
        time("plots", pt.seconds());
        pt.done(null);

        // 6. Report.
        Report report = new Report("demo").config(spec).backend().problem(problem);
        Json j = report.j;
        j.name("fit");
        Report.trajectory(j, fit);
        j.name("unregularized").beginObject();
        j.name("theta_file").value(thetaFile.toString());
        Report.morse(j, r0, fit.trajectory(), true);
        j.endObject();
        j.name("l2").beginObject();
        j.name("lambda").value(lambda);
        j.name("regularizer").value(l2.spec());
        j.name("theta_file").value(thetaL2File.toString());
        j.name("refit");
        Report.trajectory(j, refit);
        Report.morse(j, r1, refit.trajectory(), true);
        j.endObject();
        j.name("density").beginObject();
        for (int k = 0; k < 2; k++) {
            SpectralDensity.Result d = k == 0 ? d0 : d1;
            j.name(k == 0 ? "unregularized" : "l2").beginObject();
            j.name("sigma").value(d.sigma()).name("probes").value(d.probes()).name("steps").value(d.steps());
            j.name("grid");
            Report.array(j, d.grid());
            j.name("density");
            Report.array(j, d.density());
            j.endObject();
        }
        j.endObject();
        writeReport(report);

        printSummary(problem, fit, r0, refit, r1);
        return Main.EXIT_OK;
    }

    private void printSummary(LoadedProblem p, Optimize.Run fit, MorseReport r0, Optimize.Run refit, MorseReport r1) {
        int n = p.data.size();
        int rank = dev.morse.analysis.EigenvalueCounts.rank(r0.ggnEigenvalues(), r0.tau());
        var t = fit.trajectory();
        var t1 = refit.trajectory();
        out.println("Morse demo · a " + p.model.describe() + " network (P = " + p.parameters() + ") fitted to N = " + n
                + " points of a teacher–student regression set (mse)");
        out.println();
        out.println(String.format(Locale.ROOT, "  fit        %s, %d iterations: loss %.2e → %.2e, ‖∇L‖ %.1e (%s)", t.optimizer(), t.iterations(),
                t.losses()[0], t.finalLoss(), t.finalGradientNorm(), t.reason() == dev.morse.analysis.Trajectory.StopReason.STALLED ? "rounding level" : t.reason().name().toLowerCase(Locale.ROOT)));
        out.println(String.format(Locale.ROOT, "  no reg     index %d, nullity %d (|λ| ≤ τ = %.1e), %d positive; rank G = %d", r0.index(), r0.nullity(), r0.tau(),
                r0.positive(), rank));
        out.println("             " + r0.verdict(t));
        out.println(String.format(Locale.ROOT, "  l2 %-7s refit %s, %d iterations: loss %.2e, ‖∇L_R‖ %.1e", num(lambda), t1.optimizer(), t1.iterations(), t1.finalLoss(),
                t1.finalGradientNorm()));
        out.println(String.format(Locale.ROOT, "             index %d, nullity %d (τ = %.1e), min |λ| = %.2e", r1.index(), r1.nullity(), r1.tau(), r1.minAbsEigenvalue()));
        out.println("             " + r1.verdict(t1));
        out.println();
        if (r0.nullity() > 0 && r1.nullity() == 0) {
            String why = r0.nullity() == p.parameters() - rank
                    ? r0.nullity() + " = P − rank G = " + p.parameters() + " − " + rank + " flat%n  directions that the " + n + " data points cannot see."
                    : r0.nullity() + " flat directions.";
            out.println(String.format("  Without a regularizer the minimum is degenerate: " + why));
            out.println("  Weight decay l2(" + num(lambda) + ") lifts them off zero: the smallest |λ| is now " + g3(r1.minAbsEigenvalue()));
            out.println("  = " + g3(r1.minAbsOverTau()) + "·τ, so the minimum is nondegenerate (Morse).");
        } else {
            out.println("  Nullity without regularizer: " + r0.nullity() + "; with l2(" + num(lambda) + "): " + r1.nullity() + ".");
        }
        out.println();
        String ext = plotFormat == OutputOptions.PlotFormat.both ? ".png and .svg" : "." + plotFormat.name();
        out.println("  files in " + outDir + "/: demo.json (report), theta.npy and theta-l2.npy (θ),");
        out.println("    plots fit, eigenvalues, ggn-nme and density (" + ext + ")");
        out.println("  next: bin/morse morse --model " + MODEL + " --data " + DATA + " \\");
        out.println("          --weights " + outDir.resolve("theta.npy") + " --plots " + outDir.resolve("plots"));
    }
}
