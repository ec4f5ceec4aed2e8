package dev.morse.experiments.nme;

import dev.morse.cluster.Json;
import dev.morse.cluster.StepRunner;
import dev.morse.cluster.SweepSpec;
import dev.morse.experiments.Analysis;
import dev.morse.experiments.Charts;
import dev.morse.experiments.Claim;
import dev.morse.experiments.Experiment;
import dev.morse.experiments.ExperimentResults;
import dev.morse.experiments.ExperimentSteps;
import dev.morse.experiments.BundledSpecs;
import dev.morse.experiments.Markdown;
import dev.morse.experiments.Rows;
import dev.morse.experiments.Stats;
import dev.morse.experiments.Verdict;
import dev.morse.experiments.nme.NmeVerdicts.Run;
import dev.morse.io.FashionMnist;
import java.awt.Color;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategorySeries;
import org.knowm.xchart.XYChart;

/**
 * {@code neglected-nme}: training with sharpness penalties on Fashion-MNIST and what the NME
 * explains (Dauphin, Agarwala, Mobahi 2024). Every task is one {@code train} run: an arm
 * (activation, penalty, whether to measure the curvature every epoch) crossed with seeds. Arms:
 * the gradient penalty's ρ sweep for ReLU and GELU, a β-GELU sweep at a fixed ρ, augmented ReLU
 * and diminished GELU at that ρ, weight noise against Hessian-trace and GGN-trace penalties over
 * σ², and the runs without a penalty (measuring ‖M‖_F/‖H‖_F as they train). Verdicts:
 * {@link NmeVerdicts}. Without Fashion-MNIST installed, {@link #prepare} substitutes a synthetic
 * set and says so.
 */
public final class NeglectedNme implements Experiment {

    @Override public String name() { return "neglected-nme"; }

    @Override public String title() { return "the neglected Hessian component and sharpness penalties"; }

    @Override public String summary() {
        return "Small networks trained on Fashion-MNIST with SGD and the penalties of SPEC §11: gradient penalty over ρ for ReLU and GELU, "
                + "a β-GELU sweep, augmented ReLU and diminished GELU, weight noise vs Hessian-trace vs GGN-trace penalties over σ², and "
                + "the NME's share ‖M‖_F/‖H‖_F of the Hessian during training; held-out accuracy averaged over the last epochs and seeds.";
    }

    @Override public String source() {
        return "Dauphin, Agarwala, Mobahi (NeurIPS 2024), \"Neglected Hessian component explains mysteries in sharpness regularization\"";
    }

    @Override public List<Claim> claims() {
        NmeVerdicts.Config c = NmeVerdicts.Config.defaults();
        String rule = " Each run's accuracy is its mean test accuracy over the last " + c.lastEpochs() + " epochs (a diverged run counts "
                + Markdown.num(c.chanceAccuracy()) + "%, chance); contrasts are per seed (paired arms) with a Student-t 95% interval over "
                + "seeds: reproduced when it lies above 0, not reproduced when its upper end is below " + Markdown.num(c.minEffect())
                + " points (smaller than the smallest effect the claim means), inconclusive otherwise or with fewer than two seeds.";
        return List.of(
                new Claim(NmeVerdicts.GP_GELU_NOT_RELU,
                        "The gradient penalty ρ‖∇L‖ helps GELU networks and not ReLU networks (ReLU's σ″ = 0: its NME carries no information).",
                        "Two contrasts, both must be positive: GELU's benefit (mean over the ρ > 0 of the grid of acc(ρ) − acc(0)) and GELU's "
                                + "benefit minus ReLU's." + rule),
                new Claim(NmeVerdicts.GP_BETA,
                        "The gradient penalty's benefit shrinks as β grows in β-GELU x·Φ(βx) (σ″ concentrates at 0 and the network nears ReLU).",
                        "Contrast: benefit at β = 1 (GELU) minus benefit at the largest β, at the fixed ρ of the β sweep (the contrast "
                                + "alone decides: a benefit that is negative at β = 1 and more negative at large β also shrinks; the summary "
                                + "gives both benefits)." + rule),
                new Claim(NmeVerdicts.SIGMA2_INFO,
                        "Second-order information controls the gradient penalty: augmented ReLU (σ″ of a β-GELU added) helps, diminished "
                                + "GELU (σ″ removed) hurts.",
                        "Two contrasts with the gradient penalty at the fixed ρ, both must be positive: acc(augmented ReLU) − acc(ReLU) and "
                                + "acc(GELU) − acc(diminished GELU)." + rule),
                new Claim(NmeVerdicts.GGN_TRACE,
                        "The Gauss–Newton trace penalty holds up at large σ² where the Hessian-trace penalty (NME included) does not.",
                        "Contrast: acc(GGN-trace) − acc(Hessian-trace) at the largest σ² both were run with." + rule));
    }

    @Override public StepRunner steps() { return ExperimentSteps.cliOnly(); }

    /**
     * The bundled spec; without Fashion-MNIST its {@code data} is replaced by a synthetic set of the
     * same size (Gaussian inputs, classes by a random linear map) with a held-out fraction.
     */
    @Override
    public Prepared prepare(String scale) throws IOException {
        SweepSpec spec = BundledSpecs.bundledSpec(name(), scale);
        String missing = null;
        try {
            FashionMnist.locate();
        } catch (dev.morse.io.InputException e) {
            missing = e.getMessage().lines().findFirst().orElse("not found");
        }
        return prepare(spec, scale, missing);
    }

    /**
     * {@code spec} as it runs on a machine where Fashion-MNIST is installed ({@code missing == null}),
     * or with a synthetic stand-in and a warning when it is not ({@code missing}: why).
     */
    static Prepared prepare(SweepSpec spec, String scale, String missing) {
        Object data = spec.base().get("data");
        if (missing == null || !(data instanceof String d) || !FashionMnist.matches(d)) return new Prepared(spec, List.of());
        FashionMnist.Spec fm = FashionMnist.parseSpec(d);
        int train = fm.train() == FashionMnist.ALL ? FashionMnist.TRAIN_SIZE : fm.train();
        int test = fm.test() == FashionMnist.ALL ? FashionMnist.TEST_SIZE : Math.max(fm.test(), 1);
        Map<String, Object> m = new LinkedHashMap<>(spec.toMap());
        Map<String, Object> base = new LinkedHashMap<>(spec.base());
        String synthetic = "gaussian:n=" + (train + test);
        base.put("data", synthetic);
        base.put("holdout", (double) test / (train + test));
        base.put("holdout_seed", 0);
        m.put("base", base);
        m.put("name", spec.name() + "-synthetic");
        String w = "Fashion-MNIST is not installed (" + missing + "). This run uses a synthetic stand-in instead: " + synthetic
                + " (784 Gaussian inputs, ten classes by a random linear map) with " + test + " held out. Its numbers exercise the "
                + "experiment but say nothing about the claims, which concern Fashion-MNIST: install Debian's dataset-fashion-mnist "
                + "(or set MORSE_FASHION_MNIST_DIR) and run again into a new folder.";
        return new Prepared(SweepSpec.fromMap(m, BundledSpecs.resource("neglected-nme", scale) + " (synthetic data)"), List.of(w));
    }

    /**
     * The data set of the runs when it is not Fashion-MNIST (the synthetic stand-in of {@link #prepare}),
     * else null.
     */
    static String standInData(List<Map<String, Object>> rows) {
        for (Map<String, Object> row : rows) {
            Object d = row.get("data");
            if (!(d instanceof String s) || !FashionMnist.matches(s)) return String.valueOf(d);
        }
        return null;
    }

    /**
     * The verdicts of runs on a stand-in data set: each {@code inconclusive}, with the outcome its
     * rule gave on that data kept in the evidence ({@code verdict_on_stand_in_data}). The claims are
     * about Fashion-MNIST; a synthetic set exercises the experiment, and a "reproduced" or "not
     * reproduced" from it in verdicts.json would read as an answer that it is not.
     */
    static List<Verdict> undecidedOnStandIn(List<Verdict> verdicts, String data) {
        List<Verdict> out = new ArrayList<>();
        for (Verdict v : verdicts) {
            out.add(v.heldInconclusive(Map.of(), "verdict_on_stand_in_data",
                    "the runs used a synthetic stand-in (" + data + ") for Fashion-MNIST, which was not installed: "
                            + "their numbers exercise the experiment and say nothing about the claims",
                    "stand-in data (" + data + "), no verdict; on it: " + v.verdict() + " by the rule"));
        }
        return out;
    }

    /** Reads the runs: accuracy per epoch and the NME share from each task's train.json. */
    static List<Run> runs(ExperimentResults r) throws IOException {
        List<Run> out = new ArrayList<>();
        for (Map<String, Object> row : r.rows()) {
            String act = String.valueOf(row.get("activation"));
            String pen = row.get("penalty") == null ? "none" : String.valueOf(row.get("penalty"));
            long seed = Rows.integer(row, "seed", -1);
            Path log = r.taskDir(row).resolve("train.json");
            if (!Files.exists(log)) {
                out.add(new Run(act, pen, seed, new double[0], false, true, new double[0]));
                continue;
            }
            Map<String, Object> j = Json.readObject(log);
            List<Double> acc = new ArrayList<>(), share = new ArrayList<>();
            if (j.get("initial") instanceof Map<?, ?> init && init.get("curvature") instanceof Map<?, ?> c
                    && c.get("nme_to_hessian_frobenius") instanceof Number n) share.add(n.doubleValue());
            if (j.get("epochs") instanceof List<?> epochs) {
                for (Object o : epochs) {
                    if (!(o instanceof Map<?, ?> e)) continue;
                    if (e.get("test_accuracy") instanceof Number a) acc.add(100 * a.doubleValue());
                    if (e.get("curvature") instanceof Map<?, ?> c && c.get("nme_to_hessian_frobenius") instanceof Number n) share.add(n.doubleValue());
                }
            }
            Object failure = j.get("training") instanceof Map<?, ?> t ? t.get("failure") : null;
            boolean diverged = failure != null;
            boolean missing = !diverged && !Rows.done(row);
            out.add(new Run(act, pen, seed, Stats.array(acc), diverged, missing, Stats.array(share)));
        }
        return out;
    }

    @Override
    public Analysis analyze(ExperimentResults r) throws IOException {
        NmeVerdicts.Config cfg = NmeVerdicts.Config.defaults();
        List<Run> runs = runs(r);
        List<Verdict> verdicts = NmeVerdicts.evaluate(runs, cfg);
        String standIn = standInData(r.rows());
        if (standIn != null) verdicts = undecidedOnStandIn(verdicts, standIn);
        Map<String, Map<Long, Double>> scores = NmeVerdicts.scores(runs, cfg);

        Markdown md = new Markdown();
        md.h2("Results");
        md.p("Per arm (activation, penalty): the runs (seeds), how many diverged or failed, the mean over seeds of each run's test "
                + "accuracy averaged over its last " + cfg.lastEpochs() + " epochs, the standard deviation over seeds, and the mean "
                + "epoch-to-epoch change of accuracy over those epochs (the swing that averaging damps).");
        Map<String, List<Run>> arms = new LinkedHashMap<>();
        for (Run x : runs) arms.computeIfAbsent(x.arm(), k -> new ArrayList<>()).add(x);
        List<List<String>> rows = new ArrayList<>();
        for (var e : arms.entrySet()) {
            List<Double> sc = new ArrayList<>(), sw = new ArrayList<>();
            int div = 0, miss = 0;
            for (Run x : e.getValue()) {
                if (x.diverged()) div++;
                if (x.missing()) miss++;
                if (Double.isFinite(x.score(cfg))) sc.add(x.score(cfg));
                if (Double.isFinite(x.swing(cfg))) sw.add(x.swing(cfg));
            }
            Run first = e.getValue().get(0);
            rows.add(List.of(first.activation(), first.penalty(), String.valueOf(e.getValue().size()), String.valueOf(div), String.valueOf(miss),
                    Markdown.fixed(Stats.mean(Stats.array(sc)), 2), Markdown.fixed(Stats.sd(Stats.array(sc)), 2), Markdown.fixed(Stats.mean(Stats.array(sw)), 2)));
        }
        md.table(List.of("activation", "penalty", "runs", "diverged", "failed", "accuracy % (last epochs, mean)", "sd over seeds", "epoch swing"), rows);
        long missing = runs.stream().filter(Run::missing).count();
        if (missing > 0) {
            Map<String, Object> firstError = null;
            for (Map<String, Object> row : r.rows()) if (!Rows.done(row) && row.get("error") != null) { firstError = row; break; }
            md.p("**" + missing + " runs failed without a number** (not divergence)" + (firstError == null ? "." : "; e.g. `"
                    + firstError.get("error") + "`."));
        }

        plotRho(r, runs, scores, cfg, md);
        plotBeta(r, runs, scores, md);
        plotInfo(r, runs, scores, md);
        plotSigma2(r, runs, scores, md);
        plotNme(r, runs, md);
        plotCurves(r, runs, md);

        List<String> caveats = new ArrayList<>();
        caveats.add("At quick scale (a few thousand images, a few epochs, a few seeds) the effects the paper reports (about a point of "
                + "accuracy) are of the size of the noise: epoch-to-epoch swings and seed-to-seed spread are in the evidence "
                + "(epoch_swing_mean, seed_sd_without_penalty). With few seeds the t intervals are wide, and `inconclusive` is the honest "
                + "verdict; the full scale (more data, epochs and seeds, on a cluster) is where the claims can be decided.");
        caveats.add("Architectures, learning rates and grids are ours (the paper's were not published in a form we could read): one hidden "
                + "layer, SGD with momentum, ρ and σ² grids as in the setup. The claims' shapes, not the paper's numbers, are tested.");
        caveats.add("Penalties are exact (SPEC §11): the gradient penalty's H·g, the trace penalties' third derivatives, probes and noise "
                + "drawn from each step's seed with one probe per step (k = 1, the paper's single-sample estimators).");
        caveats.add("A diverged run counts as chance accuracy; a run that failed for another reason is left out (and said so above).");
        caveats.add("augmented ReLU trains exactly like ReLU without a penalty (σ′ is the same; only the σ″ the penalty's H·g uses differs): "
                + "its run without a penalty is there for the NME share it measures.");
        return new Analysis(verdicts, md.toString(), caveats);
    }

    // ------------------------------------------------------------------ plots

    private record Summary(double mean, double half) {}

    /** Mean over seeds of an arm's scores and the t half-width (0 when undefined). */
    private static Summary summary(Map<String, Map<Long, Double>> scores, String arm) {
        Map<Long, Double> m = scores.get(arm);
        if (m == null || m.isEmpty()) return null;
        Stats.Interval i = Stats.tInterval(Stats.array(new ArrayList<>(m.values())));
        return new Summary(i.mean(), i.defined() ? i.half() : 0);
    }

    private static CategoryChart lines(String title, String x, String y, int w) {
        CategoryChart c = Charts.bars(title, x, y, w, 480, false);
        c.getStyler().setDefaultSeriesRenderStyle(CategorySeries.CategorySeriesRenderStyle.Line);
        c.getStyler().setOverlapped(true);   // every series at its category's position (not side by side)
        c.getStyler().setErrorBarsColorSeriesColor(true);
        c.getStyler().setMarkerSize(7);
        c.getStyler().setYAxisDecimalPattern("0.0");
        return c;
    }

    private static void plotRho(ExperimentResults r, List<Run> runs, Map<String, Map<Long, Double>> scores, NmeVerdicts.Config cfg, Markdown md) throws IOException {
        TreeSet<Double> rhos = new TreeSet<>();
        for (Run x : runs) if ((x.activation().equals("relu") || x.activation().equals("gelu")) && NmeVerdicts.rho(x.penalty()) > 0) rhos.add(NmeVerdicts.rho(x.penalty()));
        if (rhos.isEmpty()) return;
        CategoryChart c = lines("gradient penalty: test accuracy against ρ", "ρ", "test accuracy % (last epochs, mean ± 95% CI)", 760);
        List<String> xs = new ArrayList<>(List.of("0"));
        for (double rho : rhos) xs.add(Markdown.num(rho));
        int i = 0;
        for (String act : List.of("relu", "gelu")) {
            List<Double> y = new ArrayList<>(), e = new ArrayList<>();
            List<String> xx = new ArrayList<>();
            Summary s0 = summary(scores, Run.arm(act, "none"));
            if (s0 != null) { xx.add("0"); y.add(s0.mean()); e.add(s0.half()); }
            for (double rho : rhos) {
                Summary s = summary(scores, Run.arm(act, NmeVerdicts.penaltyWithRho(runs, act, rho)));
                if (s != null) { xx.add(Markdown.num(rho)); y.add(s.mean()); e.add(s.half()); }
            }
            if (!y.isEmpty()) Charts.colored(c.addSeries(act, xx, y, e), Charts.color(i));
            i++;
        }
        if (c.getSeriesMap().isEmpty()) return;
        Charts.save(c, r.plot("gp-rho"));
        md.image("accuracy against ρ", "plots/gp-rho.png", "Test accuracy (mean over seeds of the last-epochs average, bars: 95% t "
                + "interval of the mean) against the gradient penalty's ρ, for ReLU and GELU. The claim: GELU rises with ρ, ReLU does not.");
    }

    private static void plotBeta(ExperimentResults r, List<Run> runs, Map<String, Map<Long, Double>> scores, Markdown md) throws IOException {
        double rho = NmeVerdicts.fixedRho(runs, a -> a.startsWith("beta_gelu:"));
        if (!(rho > 0)) return;
        TreeMap<Double, String> betas = new TreeMap<>();
        for (Run x : runs) if (NmeVerdicts.beta(x.activation()) > 0) betas.putIfAbsent(NmeVerdicts.beta(x.activation()), x.activation());
        CategoryChart c = lines("β-GELU: accuracy with and without the gradient penalty (ρ = " + Markdown.num(rho) + ")", "β",
                "test accuracy % (mean ± 95% CI)", 760);
        for (int k = 0; k < 2; k++) {
            List<String> xs = new ArrayList<>();
            List<Double> y = new ArrayList<>(), e = new ArrayList<>();
            for (var b : betas.entrySet()) {
                String pen = k == 0 ? "none" : NmeVerdicts.penaltyWithRho(runs, b.getValue(), rho);
                Summary s = summary(scores, Run.arm(b.getValue(), pen));
                if (s == null) continue;
                xs.add(Markdown.num(b.getKey()));
                y.add(s.mean());
                e.add(s.half());
            }
            if (!y.isEmpty()) Charts.colored(c.addSeries(k == 0 ? "no penalty" : "gradient penalty ρ = " + Markdown.num(rho), xs, y, e),
                    Charts.color(k + 2));
        }
        if (c.getSeriesMap().isEmpty()) return;
        Charts.save(c, r.plot("beta"));
        md.image("β sweep", "plots/beta.png", "β-GELU x·Φ(βx) (β = 1 is GELU) with and without the gradient penalty. The claim: the gap "
                + "between the two curves (the penalty's benefit) shrinks as β grows.");
    }

    private static void plotInfo(ExperimentResults r, List<Run> runs, Map<String, Map<Long, Double>> scores, Markdown md) throws IOException {
        double rho = NmeVerdicts.fixedRho(runs, a -> a.startsWith("augmented_relu") || a.equals("diminished_gelu"));
        if (!(rho > 0)) return;
        List<String> acts = new ArrayList<>();
        for (Run x : runs) if (!acts.contains(x.activation()) && (x.activation().startsWith("augmented_relu") || x.activation().equals("diminished_gelu"))) acts.add(x.activation());
        List<String> order = new ArrayList<>(List.of("relu"));
        for (String a : acts) if (a.startsWith("augmented")) order.add(a);
        order.add("gelu");
        if (acts.contains("diminished_gelu")) order.add("diminished_gelu");
        List<String> xs = new ArrayList<>();
        List<Double> y = new ArrayList<>(), e = new ArrayList<>();
        for (String a : order) {
            Summary s = summary(scores, Run.arm(a, NmeVerdicts.penaltyWithRho(runs, a, rho)));
            if (s == null) continue;
            xs.add(a);
            y.add(s.mean());
            e.add(s.half());
        }
        if (y.isEmpty()) return;
        CategoryChart c = Charts.bars("second-order information with the gradient penalty (ρ = " + Markdown.num(rho) + ")", "activation",
                "test accuracy % (mean ± 95% CI)", 760, 480, false);
        c.getStyler().setErrorBarsColorSeriesColor(false);
        c.getStyler().setErrorBarsColor(Color.BLACK);
        c.getStyler().setLegendVisible(false);
        double lo = Double.POSITIVE_INFINITY, hi = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < y.size(); i++) { lo = Math.min(lo, y.get(i) - e.get(i)); hi = Math.max(hi, y.get(i) + e.get(i)); }
        c.getStyler().setYAxisMin(Math.floor(lo - 1));
        c.getStyler().setYAxisMax(Math.ceil(hi + 1));
        c.getStyler().setYAxisDecimalPattern("0.0");
        c.addSeries("accuracy", xs, y, e).setFillColor(Charts.color(4));
        Charts.save(c, r.plot("sigma2-info"));
        md.image("augmented ReLU and diminished GELU", "plots/sigma2-info.png", "Accuracy with the gradient penalty at ρ = " + Markdown.num(rho)
                + ": ReLU against augmented ReLU (σ″ added), GELU against diminished GELU (σ″ removed). The claim: adding σ″ helps, removing it hurts.");
    }

    private static void plotSigma2(ExperimentResults r, List<Run> runs, Map<String, Map<Long, Double>> scores, Markdown md) throws IOException {
        Map<String, TreeMap<Double, String>> kinds = new LinkedHashMap<>();
        String act = null;
        for (String k : List.of("weight_noise", "hessian_trace", "ggn_trace")) kinds.put(k, new TreeMap<>());
        for (Run x : runs) {
            for (String k : kinds.keySet()) {
                double s2 = NmeVerdicts.sigma2(x.penalty(), k);
                if (s2 > 0) { kinds.get(k).put(s2, x.penalty()); act = x.activation(); }
            }
        }
        if (act == null) return;
        TreeSet<Double> all = new TreeSet<>();
        for (TreeMap<Double, String> m : kinds.values()) all.addAll(m.keySet());
        CategoryChart c = lines("weight noise, Hessian-trace and GGN-trace penalties against σ² (" + act + ")", "σ²",
                "test accuracy % (mean ± 95% CI)", 800);
        Summary base = summary(scores, Run.arm(act, "none"));
        int[] colors = {3, 4, 2};
        int i = 0;
        for (var k : kinds.entrySet()) {
            List<String> xs = new ArrayList<>();
            List<Double> y = new ArrayList<>(), e = new ArrayList<>();
            if (base != null) { xs.add("0"); y.add(base.mean()); e.add(base.half()); }
            for (double s2 : all) {
                String pen = k.getValue().get(s2);
                Summary s = pen == null ? null : summary(scores, Run.arm(act, pen));
                if (s == null) continue;
                xs.add(Markdown.num(s2));
                y.add(s.mean());
                e.add(s.half());
            }
            if (y.size() > (base == null ? 0 : 1)) Charts.colored(c.addSeries(k.getKey(), xs, y, e), Charts.color(colors[i]));
            i++;
        }
        if (c.getSeriesMap().isEmpty()) return;
        Charts.save(c, r.plot("sigma2-penalties"));
        md.image("penalties against σ²", "plots/sigma2-penalties.png", "Accuracy against σ² for weight noise (the gradient at a perturbed "
                + "point), the Hessian-trace penalty (σ²/2)·vᵀHv and the GGN-trace penalty (σ²/2)·vᵀGv (σ² = 0: no penalty; diverged "
                + "runs at chance). The claim: the GGN-trace penalty holds up at large σ² where the Hessian-trace one does not.");
    }

    private static void plotNme(ExperimentResults r, List<Run> runs, Markdown md) throws IOException {
        Map<String, List<double[]>> shares = new LinkedHashMap<>();
        for (Run x : runs) if (x.nmeShare().length > 1) shares.computeIfAbsent(x.arm(), k -> new ArrayList<>()).add(x.nmeShare());
        if (shares.isEmpty()) return;
        XYChart c = Charts.xy("NME share ‖M‖_F / ‖H‖_F during training", "epoch (0: at initialization)", "‖M‖_F / ‖H‖_F (mean over seeds)", 820, 480);
        List<List<String>> rows = new ArrayList<>();
        int i = 0;
        for (var e : shares.entrySet()) {
            int len = Integer.MAX_VALUE;
            for (double[] v : e.getValue()) len = Math.min(len, v.length);
            List<Double> x = new ArrayList<>(), y = new ArrayList<>();
            for (int k = 0; k < len; k++) {
                double s = 0;
                for (double[] v : e.getValue()) s += v[k];
                x.add((double) k);
                y.add(s / e.getValue().size());
            }
            Charts.line(c, e.getKey(), x, y, Charts.color(i++));
            rows.add(List.of(e.getKey(), String.valueOf(e.getValue().size()), Markdown.num(y.get(0)), Markdown.num(y.get(y.size() - 1)),
                    Markdown.num(Stats.mean(Stats.array(y.subList(1, y.size()))))));
        }
        Charts.save(c, r.plot("nme-share"));
        md.h3("The NME during training");
        md.p("‖M‖_F/‖H‖_F measured on a fixed subset of the training data (Hutchinson with the same probes at every measurement) for the "
                + "arms that measure curvature. ReLU's σ″ = 0 removes the activation's own second-order term from the NME, not the NME: "
                + "the products of first derivatives across layers (∂²f/∂W₂∂W₁) remain. The modified activations measure their modified "
                + "operators (augmented ReLU: σ″ of β-GELU added).");
        md.table(List.of("arm", "runs", "at start", "after last epoch", "mean over epochs"), rows);
        md.image("NME share", "plots/nme-share.png", "‖M‖_F/‖H‖_F per epoch (mean over seeds).");
    }

    private static void plotCurves(ExperimentResults r, List<Run> runs, Markdown md) throws IOException {
        XYChart c = Charts.xy("test accuracy per epoch without a penalty (each seed)", "epoch", "test accuracy %", 820, 480);
        int i = 0;
        boolean any = false;
        for (String act : List.of("relu", "gelu")) {
            Color col = Charts.color(i++);
            boolean first = true;
            for (Run x : runs) {
                if (!x.activation().equals(act) || !x.penalty().equals("none") || x.accuracy().length == 0) continue;
                List<Double> xs = new ArrayList<>(), ys = new ArrayList<>();
                for (int k = 0; k < x.accuracy().length; k++) { xs.add(k + 1.0); ys.add(x.accuracy()[k]); }
                Charts.line(c, first ? act + " (one line per seed)" : act + " seed " + x.seed(), xs, ys, col).setShowInLegend(first);
                first = false;
                any = true;
            }
        }
        if (!any) return;
        Charts.save(c, r.plot("accuracy-curves"));
        md.image("accuracy per epoch", "plots/accuracy-curves.png", "The noise floor: held-out accuracy per epoch of the runs without a "
                + "penalty, one line per seed. The verdicts average the last epochs of each run and compare arms seed by seed.");
    }
}
