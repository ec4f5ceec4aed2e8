package dev.morse.cli;

import dev.morse.analysis.EigenvalueCounts;
import dev.morse.analysis.MorseReport;
import dev.morse.analysis.Trajectory;
import dev.morse.linalg.BackendReport;
import dev.morse.linalg.Backends;
import dev.morse.json.Json;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * A JSON report (README, "Report schema"): what ran (version, command, the full config, the
 * backend), the problem (model, data, P, N), the point (loss, gradient norm), the results of the
 * command, timings and the files written. Written with {@link Json}, so non-finite numbers are
 * never written as if they were numbers: a missing value is an explicit {@code null}.
 */
final class Report {

    /**
     * Options left out of a recorded config that name no file the command writes (those are
     * marked {@link WritesFiles}, the one place for them: {@link #recorded}): how output is shown
     * or guarded, and where options come from. None changes a number of the run. plot-format and
     * log-scale shape the plots and go with --plots: recorded without it, they made the config fail
     * to rerun ("--log-scale: goes with --plots DIR"); checkpoint-every goes with --checkpoint-dir
     * for the same reason ("--checkpoint-every: needs --checkpoint-dir DIR"), and keep-checkpoints.
     */
    static final Set<String> PRESENTATION_OPTIONS = Set.of("plot-format", "log-scale", "force", "quiet", "config", "checkpoint-every",
            "keep-checkpoints");

    /**
     * Whether a report's config (and a checkpoint's config.json) records the option: not when it
     * names a file the command writes ({@link Main#writesFiles}: a rerun would write over it) nor
     * when it is a presentation option ({@link #PRESENTATION_OPTIONS}).
     */
    static boolean recorded(OptionSpec o) {
        return !Main.writesFiles(o) && !PRESENTATION_OPTIONS.contains(ConfigFile.normalize(o.longestName()));
    }

    final Json j = Json.pretty();

    Report(String command) {
        j.beginObject();
        j.name("morse_version").value(Main.version());
        j.name("command").value(command);
        j.name("created").value(Instant.now().toString());
    }

    /** "config": every option of the command with its effective value (from the command line, a config file or the default). */
    Report config(CommandSpec spec) {
        j.name("config");
        configObject(j, spec);
        return this;
    }

    /** The config as a standalone JSON object ({@code --config FILE} reads it back), e.g. a checkpoint's config.json. */
    static String configText(CommandSpec spec) {
        Json j = Json.pretty();
        configObject(j, spec);
        return j + "\n";
    }

    private static void configObject(Json j, CommandSpec spec) {
        j.beginObject();
        j.name("command").value(spec.name());
        // With --weights, θ does not come from --init: neither it nor --seed where it seeds only --init
        // (Main.unusedWithWeights) is recorded, so that a rerun given --init on the command line is
        // not met by a stale init from the report, and the record is not refused as weights next to a seed.
        // Nor is such a seed next to an --init that draws nothing (Main.unusedWithInit: zeros), which
        // the command left unused when --init came from the command line and the seed from a config.
        boolean weights = spec.findOption("--weights") != null && spec.findOption("--weights").getValue() != null;
        Object init = spec.findOption("--init") == null ? null : spec.findOption("--init").getValue();
        Set<String> unused = weights ? Main.unusedWithWeights(spec) : Main.unusedWithInit(spec, init == null ? null : init.toString());
        for (OptionSpec o : spec.options()) {
            if (o.usageHelp() || o.versionHelp()) continue;
            String key = ConfigFile.normalize(o.longestName());
            if (!recorded(o) || unused.contains(key)) continue;
            Object v = o.getValue();
            if (v == null) continue;
            // Paths absolute, so the report reruns from any folder; keys with underscores (ConfigFile reads both).
            if (v instanceof java.nio.file.Path p) v = p.toAbsolutePath().normalize().toString();
            j.name(key.replace('-', '_'));
            value(j, v);
        }
        j.endObject();
    }

    private static void value(Json j, Object v) {
        if (v instanceof Boolean b) j.value(b);
        else if (v instanceof Integer || v instanceof Long) {
            // JSON readers (ours included) read numbers as doubles, exact only below 2⁵³: a larger
            // long (a seed) goes as a string, which --config hands to the option unchanged.
            long x = ((Number) v).longValue();
            if (dev.morse.io.Numbers.isExactDouble(x)) j.value(x);
            else j.value(Long.toString(x));
        }
        else if (v instanceof Number n) j.valueOrNull(n.doubleValue());
        else if (v instanceof Collection<?> c) {
            j.beginArray();
            for (Object o : c) value(j, o);
            j.endArray();
        } else if (v instanceof Object[] a) {
            j.beginArray();
            for (Object o : a) value(j, o);
            j.endArray();
        } else j.value(v.toString());
    }

    /** "backend": the essentials of {@link Backends#report()}. */
    Report backend() {
        BackendReport b = Backends.report();
        j.name("backend").beginObject();
        j.name("jdk").value(b.jdk());
        j.name("cores").value(b.cores());
        j.name("linalg").value(b.linalgBackend());
        j.name("lapack_native").value(b.lapackNative());
        j.name("lapack").value(b.lapackImplementation());
        j.name("blas").value(b.blasImplementation());
        j.name("blas_source").value(b.blasSource());
        j.name("blas_library").value(b.blasLibrary());
        j.name("vector_bits").value(b.vectorBits());
        j.name("simd").value(b.simdKernel());
        j.name("heap_pages").value(b.heapPages());
        j.endObject();
        return this;
    }

    /** "problem" plus the top-level "P" and "N". */
    Report problem(LoadedProblem p) {
        return problem(p, p.data.size());
    }

    /** As {@link #problem(LoadedProblem)} with N samples (train: those left after a hold-out split). */
    Report problem(LoadedProblem p, int n) {
        j.name("P").value(p.parameters());
        j.name("N").value(n);
        j.name("problem").beginObject();
        j.name("model").value(p.model.describe());
        j.name("widths").beginArray();
        for (int w : p.model.widths()) j.value(w);
        j.endArray();
        j.name("activations").beginArray();
        for (int l = 1; l < p.model.layers(); l++) j.value(p.model.activation(l).name());
        j.endArray();
        j.name("bias").beginArray();
        for (int l = 1; l <= p.model.layers(); l++) j.value(p.model.hasBias(l));
        j.endArray();
        j.name("modified_second_derivative").value(p.model.usesModifiedSecondDerivative());
        j.name("loss_function").value(p.loss.id());
        j.name("regularizer").value(p.regularizer.spec());
        j.name("data").value(p.dataDescription);
        j.name("d0").value(p.data.inputDim());
        j.name("C").value(p.data.targetDim());
        j.name("classification").value(p.data.isClassification());
        j.name("weights").value(p.weightsDescription);
        j.name("threads").value(p.settings.threads());
        j.name("chunk_rows").value(p.settings.chunkRows());
        j.endObject();
        return this;
    }

    /** "loss" (L_R at θ), "data_loss" (L) and "gradient_norm" (‖∇L_R‖₂). */
    Report point(double loss, double dataLoss, double gradNorm) {
        j.name("loss").valueOrNull(loss);
        j.name("data_loss").valueOrNull(dataLoss);
        j.name("gradient_norm").valueOrNull(gradNorm);
        return this;
    }

    Report array(String name, double[] v) {
        j.name(name);
        array(j, v);
        return this;
    }

    static void array(Json j, double[] v) {
        if (v == null) {
            j.nullValue();
            return;
        }
        j.beginArray();
        for (double x : v) j.valueOrNull(x);
        j.endArray();
    }

    /**
     * The Morse report fields (SPEC §6), shared by {@code morse} and {@code demo}; {@code refinement}
     * (or null) is how θ was reached (the refinement, or the demo's fit): one that ended DEGENERATE adds a warning
     * to the verdict, the counts still decide (see {@link MorseReport#verdict(Trajectory)}).
     */
    static void morse(Json j, MorseReport r, Trajectory refinement, boolean withPoint) {
        j.name("method").value(r.method());
        j.name("counts_exact").value(r.countsExact());
        j.name("index").value(r.index());
        j.name("nullity").value(r.nullity());
        j.name("positive").value(r.positive());
        j.name("nondegenerate").value(r.nondegenerate());
        j.name("verdict").value(r.verdict(refinement));
        j.name("critical").value(r.critical());
        if (withPoint) {   // else the report's top level already has them
            j.name("loss").valueOrNull(r.loss());
            j.name("gradient_norm").valueOrNull(r.gradientNorm());
        }
        j.name("grad_tol").valueOrNull(r.gradTol());
        j.name("tau").valueOrNull(r.tau());
        j.name("tau_inputs").beginObject()
                .name("c").valueOrNull(r.tauFactor())
                .name("P").value(r.parameters())
                .name("eps").value(MorseReport.EPS)
                .name("scale").valueOrNull(r.tauScale())
                .name("scale_source").value(r.tauScaleSource())
                .name("hessian_norm").valueOrNull(r.hessianNorm())
                .name("ggn_norm").valueOrNull(r.ggnNorm())
                .name("nme_norm").valueOrNull(r.nmeNorm())
                .name("regularizer_norm").valueOrNull(r.regularizerNorm())
                .name("norm_source").value(r.normSource())
                .name("absolute_tolerance").valueOrNull(r.absoluteTolerance())
                .endObject();
        j.name("converged").value(r.converged());
        j.name("min_abs_eigenvalue").valueOrNull(r.minAbsEigenvalue());
        j.name("min_abs_over_tau").valueOrNull(r.minAbsOverTau());
        j.name("eigenvalues");
        array(j, r.eigenvalues());
        j.name("extremes");
        array(j, r.extremes());
        j.name("extreme_residuals");
        array(j, r.extremeResiduals());
        j.name("nearest_zero");
        array(j, r.nearestZero());
        j.name("nearest_zero_residuals");
        array(j, r.nearestZeroResiduals());
        j.name("ggn_eigenvalues");
        array(j, r.ggnEigenvalues());
        j.name("nme_eigenvalues");
        array(j, r.nmeEigenvalues());
        j.name("traces").beginObject()
                .name("hessian").valueOrNull(r.traceHessian())
                .name("ggn").valueOrNull(r.traceGgn())
                .name("nme").valueOrNull(r.traceNme())
                .endObject();
        // A count: an integer in the JSON (a double through valueOrNull wrote 14.0), null without the spectra.
        if (r.ggnEigenvalues() == null) j.name("ggn_rank").nullValue();
        else j.name("ggn_rank").value(EigenvalueCounts.rank(r.ggnEigenvalues(), r.tau()));
        j.name("nme_to_hessian_frobenius").valueOrNull(r.nmeToHessianFrobenius());
        j.name("memory_plan").value(r.memoryPlan());
        j.name("materialize_flops").valueOrNull(r.materializeFlops());
        // Its rate (materialize_flops / timings.materialize) is not written: every key outside
        // "timings" is the same on every run and machine, so sweeps can compare reports bit for bit.
        j.name("warning").value(r.warning());
    }

    /** An optimizer trajectory: name(s), reason, iterations, losses and gradient norms per iteration. */
    static void trajectory(Json j, Optimize.Run run) {
        Trajectory t = run.trajectory();
        j.beginObject();
        j.name("optimizer").value(t.optimizer());
        j.name("phases").beginArray();
        for (int i = 0; i < run.phaseNames().size(); i++) {
            j.beginObject().name("optimizer").value(run.phaseNames().get(i)).name("start_iteration").value(run.phaseStarts().get(i)).endObject();
        }
        j.endArray();
        j.name("reason").value(t.reason().name().toLowerCase());
        j.name("approach").value(t.approach().id());   // what the last steps say of the point ahead (Trajectory.Approach)
        j.name("detail").value(t.detail());
        j.name("iterations").value(t.iterations());
        j.name("grad_tol").valueOrNull(run.gradTol());
        j.name("converged").value(run.converged());
        j.name("final_loss").valueOrNull(t.finalLoss());
        j.name("final_gradient_norm").valueOrNull(t.finalGradientNorm());
        j.name("losses");
        array(j, t.losses());
        j.name("gradient_norms");
        array(j, t.gradientNorms());
        j.endObject();
    }

    /** Closes the report with "timings" (seconds per phase and in total) and "outputs" (files written). */
    String finish(Map<String, Double> timings, double totalSeconds, List<Path> outputs) {
        j.name("timings").beginObject();
        for (Map.Entry<String, Double> e : timings.entrySet()) j.name(e.getKey()).valueOrNull(e.getValue());
        j.name("total").valueOrNull(totalSeconds);
        j.endObject();
        j.name("outputs").beginArray();
        for (Path p : outputs) j.value(p.toString());
        j.endArray();
        j.endObject();
        return j.toString() + "\n";
    }
}
