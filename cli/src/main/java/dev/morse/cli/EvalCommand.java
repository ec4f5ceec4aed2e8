package dev.morse.cli;

import dev.morse.engine.Batch;
import dev.morse.engine.Evaluator;
import dev.morse.engine.Penalty;
import dev.morse.engine.Problem;
import dev.morse.engine.Term;
import dev.morse.io.InputException;
import dev.morse.io.NdArray;
import dev.morse.io.Npy;
import dev.morse.json.Json;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code morse eval}: the training objective of SPEC §11 at θ (data loss, regularizer, penalties),
 * its gradient or update direction, for checking against other frameworks. Probes and noise come
 * from k × P float64 {@code .npy} files or are drawn from {@code --seed-step}, as a training step
 * would draw them.
 */
@Command(name = "eval", mixinStandardHelpOptions = true, sortOptions = false, usageHelpAutoWidth = true, abbreviateSynopsis = true,
        optionListHeading = "%nOptions:%n",
        description = {"The training objective L + R + penalties at θ (SPEC §11), on the whole data set as one batch, and its "
                + "gradient, for checking against other frameworks.",
                "%nPenalties (--penalty, repeatable; g = ∇L, H and G of the data loss L): gradient_norm:ρ[:p] (ρ‖g‖^p, p = 1 or 2), "
                        + "gradient_norm_ggn:ρ[:p] (same value; the update uses G·g in place of H·g), sam:ρ (objective L(θ+ρg/‖g‖) + R(θ)), "
                        + "weight_noise:σ²[:k] (objective (1/k)Σ L(θ+σεᵢ) + R(θ)), hessian_trace:σ²[:k] ((σ²/2)·mean vᵢᵀHvᵢ), "
                        + "ggn_trace:σ²[:k] ((σ²/2)·mean vᵢᵀGvᵢ).",
                "%nFor gradient_norm_ggn and sam the saved vector is SPEC §11's update DIRECTION, not the gradient of the objective "
                        + "(the report says so in gradient_is_exact). The trace penalties' gradients are exact (third derivatives)."},
        footer = {"%nExamples:",
                "  morse eval --model 4-6-5-3 --activation tanh,gelu --loss cross_entropy \\",
                "      --weights theta.npy --inputs X.npy --targets y.npy \\",
                "      --penalty hessian_trace:0.1:3 --probes V.npy \\",
                "      --json eval.json --save-gradient grad.npy",
                "  morse eval --model 2-16-1 --data teacher:n=64 --reg l2:1e-3 \\",
                "      --penalty sam:0.05 --json -"})
final class EvalCommand extends AnalysisCommand {

    @ArgGroup(validate = false, heading = OutputOptions.HEADING, order = OutputOptions.ORDER)
    OutputOptions.NoPlots outputOptions = new OutputOptions.NoPlots();

    @Override
    OutputOptions outputs() {
        return outputOptions;
    }

    @Option(names = "--penalty", paramLabel = "SPEC", split = ",", order = 1,
            description = "A training penalty (repeatable, or a comma list; one of each kind): " + Penalty.FORMS + ". Default k = 1 and p = 1.")
    List<String> penalties;

    @Option(names = "--probes", paramLabel = "V.npy", order = 2,
            description = "The probes vᵢ of hessian_trace and ggn_trace: a k × P float64 .npy, one probe per row (θ's order). "
                    + "Default: k probes drawn from --seed-step.")
    Path probes;

    @Option(names = "--noise", paramLabel = "E.npy", order = 3,
            description = "The noise εᵢ of weight_noise (θ + σεᵢ, σ = √σ²): a k × P float64 .npy, one vector per row. "
                    + "Default: k vectors drawn from --seed-step.")
    Path noise;

    @Option(names = "--seed-step", converter = Checks.Seed.class, paramLabel = "S", defaultValue = "0", order = 4,
            description = "The step seed probes and noise are drawn from when not given as files (default: ${DEFAULT-VALUE}); refused "
                    + "when no --penalty draws from it. Step t of 'train --seed s' draws from Seeds.derive(s, STEP_PROBES, t), not from t: "
                    + "the README's 'Training penalties' section computes it.")
    long seedStep;

    @WritesFiles

    @Option(names = "--save-gradient", paramLabel = "G.npy", order = 5,
            description = "Write the gradient of the objective (for gradient_norm_ggn and sam: the update direction) as a 1-D "
                    + "float64 .npy of length P, in θ's order.")
    Path saveGradient;

    /** The penalties of --penalty (parsed by {@link #checkOptions}). */
    private List<Penalty> parsed;

    @Override
    void checkOptions() {
        super.checkOptions();
        parsed = new ArrayList<>();
        try {
            for (String s : penalties == null ? List.<String>of() : penalties) parsed.add(Penalty.parse(s));
            Problem.checkTermsGoTogether(parsed);   // two that replace L: here, not after the data are loaded
        } catch (IllegalArgumentException e) {
            throw new InputException("--penalty: " + e.getMessage());
        }
        unusedVectors(probes, "--probes", "probes", parsed, true);
        unusedVectors(noise, "--noise", "noise", parsed, false);
        if (given("--seed-step") && !drawsFromSeed()) {
            // as given: before the files are read, a parsed spec would name the default k, not the files' rows
            String specs = penalties == null ? "" : String.join(",", penalties);
            String penaltiesGiven = parsed.isEmpty() ? "no --penalty is given"
                    : parsed.stream().anyMatch(Penalty::drawsFromSeed) ? "the probes and noise of --penalty " + specs + " come from the files given"
                    : parsed.stream().anyMatch(pen -> pen.draws() > 0) ? "--penalty " + specs + " draws no probes or noise (σ² = 0: nothing to draw)"
                    : "--penalty " + specs + " draws no probes or noise";
            throw Checks.usage("--seed-step", "goes with a --penalty that draws probes or noise (hessian_trace, ggn_trace, weight_noise) "
                    + "without a --probes or --noise file; " + penaltiesGiven + ", so --seed-step " + seedStep + source("--seed-step")
                    + " would be ignored");
        }
    }

    /**
     * Whether some penalty draws its probes or noise from --seed-step: it draws (σ² ≠ 0), and no
     * --probes or --noise file gives them.
     */
    private boolean drawsFromSeed() {
        for (Penalty pen : parsed) {
            if (pen.drawsFromSeed() && !(pen.usesProbes() && probes != null) && !(pen.usesNoise() && noise != null)) return true;
        }
        return false;
    }

    /** Refuses a file of probes or noise that no --penalty uses (before any file is read). */
    private static void unusedVectors(Path file, String option, String what, List<Penalty> penalties, boolean forProbes) {
        if (file == null) return;
        boolean used = false;
        for (Penalty pen : penalties) used |= forProbes ? pen.usesProbes() : pen.usesNoise();
        if (!used) {
            throw new InputException(option + " " + file + ": no --penalty uses " + what + " (they are for "
                    + (forProbes ? "hessian_trace and ggn_trace" : "weight_noise") + ")");
        }
    }

    @Override
    int execute() throws Exception {
        planJson();
        Path gradientFile = saveGradient == null ? null : files.plan("--save-gradient", saveGradient);
        List<String> specs = penalties == null ? List.of() : penalties;
        loadProblem();
        int p = problem.parameters();
        List<Term> terms = new ArrayList<>(problem.problem.terms());   // the regularizer
        NdArray v = vectors(probes, "probes", p);
        NdArray e = vectors(noise, "noise", p);
        List<Penalty> built = new ArrayList<>();
        for (int i = 0; i < parsed.size(); i++) {
            Penalty pen = parsed.get(i);
            NdArray given = pen.usesProbes() ? v : pen.usesNoise() ? e : null;
            if (given != null) {
                String[] fields = specs.get(i).trim().split(":");
                if (fields.length == 3 && pen.draws() != given.rows()) {
                    throw new InputException(given.source() + ": " + given.rows() + (pen.usesProbes() ? " probes" : " noise vectors")
                            + " (rows), but --penalty " + specs.get(i) + " asks for k = " + pen.draws() + "; give k = " + given.rows()
                            + " or leave k out to use every row");
                }
                pen = pen.withVectors(given.values(), given.rows());
            }
            terms.add(pen);
            built.add(pen);
        }
        Problem prob;
        try {
            prob = problem.problem.withTerms(terms.toArray(new Term[0]));
        } catch (IllegalArgumentException ex) {   // a penalty that does not fit the model (two that replace L: checkOptions)
            throw new InputException("--penalty: " + ex.getMessage());
        }
        Evaluator ev = problem.evaluatorFor(prob);
        Batch batch = Batch.all().withSeed(seedStep);

        Progress.Task t = progress.start("objective and gradient", 0).ticking();
        double[] grad = new double[p];
        double objective = ev.lossAndGradient(batch, problem.theta, grad);
        double loss = ev.dataLoss(batch, problem.theta);
        double[] values = ev.termValues(batch, problem.theta);
        time("gradient", t.seconds());
        t.done(null);
        checkFinite(ev, batch, objective, loss, values, grad, prob.terms());
        double gradNorm = 0;
        for (double x : grad) gradNorm += x * x;
        gradNorm = Math.sqrt(gradNorm);
        List<Term> all = prob.terms();
        double reg = 0, penalty = 0;
        boolean exact = true;
        double[] added = new double[all.size()];   // what each term adds to L + R: sam and weight_noise replace L
        for (int i = 0; i < all.size(); i++) {
            added[i] = values[i] - (all.get(i).replacesDataLoss() ? loss : 0.0);
            // The total penalty is the sum of the values listed, in their order: as objective − loss − R it
            // differed from a single penalty's own value by the rounding of that cancellation (a few ulp).
            if (all.get(i).isPenalty()) penalty += added[i];
            else reg += values[i];
            exact &= all.get(i).gradientIsExact(prob.model());
        }
        if (gradientFile != null) files.npy(gradientFile, grad);

        Report report = new Report("eval").config(spec).backend().problem(problem);
        Json j = report.j;
        j.name("objective").valueOrNull(objective);
        j.name("loss").valueOrNull(loss);
        j.name("regularizer_value").valueOrNull(reg);
        j.name("penalty").valueOrNull(penalty);   // Σ penalties[].value: objective − loss − regularizer (the PyTorch reference's definition) up to rounding
        j.name("gradient_norm").valueOrNull(gradNorm);
        j.name("gradient_is_exact").value(exact);
        j.name("gradient_meaning").value(exact ? "the gradient of objective"
                : "the update direction of SPEC §11 (gradient_norm_ggn: G·g in place of H·g; sam: ∇L(θ+ρg/‖g‖) + ∇R(θ); modified σ″: "
                        + "the stated σ″ and σ‴), not the gradient of objective");
        j.name("terms").value(prob.describeTerms());
        j.name("seed_step").value(seedStep);
        // The problem keeps the regularizer first, then the penalties in the order given.
        int first = all.size() - built.size();
        j.name("penalties").beginArray();
        for (int i = first; i < all.size(); i++) {
            Penalty pen = built.get(i - first);
            j.beginObject();
            j.name("spec").value(pen.spec());
            j.name("name").value(pen.name());
            j.name("formula").value(pen.formula());
            j.name("value").valueOrNull(added[i]);
            j.name("replaces_loss").value(pen.replacesDataLoss());
            j.name("gradient_is_exact").value(pen.gradientIsExact(prob.model()));
            if (pen.draws() > 0) {
                j.name("k").value(pen.draws());
                Path file = pen.usesProbes() ? probes : noise;
                if (pen.hasExplicitVectors()) j.name("vectors").value("file " + file.toAbsolutePath().normalize());
                else if (pen.drawsFromSeed()) j.name("vectors").value("drawn from seed_step " + seedStep);
                else j.name("vectors").value("none drawn (σ² = 0)");
            }
            j.endObject();
        }
        j.endArray();
        j.name("gradient_file").value(saveGradient == null ? null : saveGradient.toString());
        writeReport(report);

        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"objective", sci(objective) + "  (L + R + penalties)"});
        rows.add(new String[] {"loss L", sci(loss)});
        rows.add(new String[] {"regularizer R", sci(reg) + "  (" + problem.regularizer.spec() + ")"});
        for (int i = first; i < all.size(); i++) {
            Penalty pen = built.get(i - first);
            rows.add(new String[] {pen.name(), sci(added[i]) + "  (" + pen.formula() + (pen.replacesDataLoss() ? "; shown: that minus L(θ)" : "") + ")"});
        }
        rows.add(new String[] {exact ? "‖∇ objective‖₂" : "‖direction‖₂", sci(gradNorm) + (exact ? "" : "  (an update direction, not a gradient)")});
        rows.add(new String[] {"gradient", saveGradient == null ? "not saved (use --save-gradient G.npy)" : "saved to " + saveGradient});
        printTable("eval · " + problem.model.describe() + ", " + problem.loss.id() + ", " + prob.describeTerms() + " · P = " + p
                + ", N = " + problem.data.size() + (parsed.isEmpty() ? "" : String.format(Locale.ROOT, " · seed step %d", seedStep)),
                rows.toArray(new String[0][]));
        String note = modifiedNote();
        if (note != null) println("  " + note);
        printOutputs();
        return Main.EXIT_OK;
    }

    /**
     * Exit 3, as the other commands' {@link #evaluatePoint} and before anything is written, when
     * the objective, the data loss, a term or the gradient is not finite at θ: eval used to exit 0
     * with "objective Infinity" and save a NaN gradient. The message names the culprit
     * ({@link AnalysisCommand#nonFinite(String, String, Evaluator, double[])}).
     */
    private void checkFinite(Evaluator ev, Batch batch, double objective, double loss, double[] values, double[] grad, List<Term> terms) {
        if (!Double.isFinite(objective)) throw nonFinite("objective", "L + R + penalties = " + objective, ev, batch, problem.theta);
        if (!Double.isFinite(loss)) throw nonFinite("loss", "L(θ) = " + loss, ev, batch, problem.theta);
        for (int i = 0; i < values.length; i++) {
            if (!Double.isFinite(values[i])) throw nonFinite("term", terms.get(i).spec() + " = " + values[i], ev, batch, problem.theta);
        }
        for (int i = 0; i < grad.length; i++) {
            if (!Double.isFinite(grad[i])) throw nonFinite("gradient", "component " + i + " of the gradient (or update direction) = " + grad[i], ev, batch,
                    problem.theta);
        }
    }

    /**
     * The k × P float64 array of {@code file} (null when not given), checked: a .npy of float64,
     * two axes, P columns, finite ({@link #checkOptions} made sure some penalty uses it).
     */
    private static NdArray vectors(Path file, String what, int p) {
        if (file == null) return null;
        NdArray a = Npy.read(file);
        if (!a.dtype().endsWith("f8")) {
            throw new InputException(file + ": " + what + " must be float64 (<f8), found dtype " + a.dtype() + " (numpy: V.astype(np.float64))");
        }
        if (a.rank() != 2 || a.shape()[1] != p || a.shape()[0] < 1) {
            throw new InputException(file + ": " + what + " must have shape (k, P) = (k, " + p + "), one vector per row in θ's order, found "
                    + NdArray.shapeText(a.shape()) + (a.rank() == 1 && a.shape()[0] == p ? " (one vector: reshape it to (1, " + p + "))" : ""));
        }
        double[] x = a.values();
        for (int i = 0; i < x.length; i++) {
            if (!Double.isFinite(x[i])) {
                throw new InputException(file + ": " + what + " value at row " + i / p + ", column " + i % p + " is " + x[i] + "; expected finite numbers");
            }
        }
        return a;
    }
}
