package dev.morse.experiments.regularizers;

import dev.morse.cluster.StepRunner;
import dev.morse.experiments.Analysis;
import dev.morse.experiments.Charts;
import dev.morse.experiments.Claim;
import dev.morse.experiments.Experiment;
import dev.morse.experiments.ExperimentResults;
import dev.morse.experiments.ExperimentSteps;
import dev.morse.experiments.Markdown;
import dev.morse.experiments.Verdict;
import dev.morse.experiments.regularizers.RegularizerVerdicts.Point;
import java.awt.Color;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.XYChart;

/**
 * {@code morse-regularizers}: which regularizers make the loss Morse. Every task draws a random
 * θ ({@code init}), refines it to the nearest critical point of any index with Newton on
 * ∇L_R = 0 and runs the Morse check ({@code morse}), then measures the hidden layer's rank and its
 * O(h) orbit ({@link HiddenRankStep}); the grid is activation × regularizer × seed on a small
 * network and teacher–student data. Verdicts: {@link RegularizerVerdicts}.
 */
public final class MorseRegularizers implements Experiment {

    static final List<String> REG_ORDER = List.of("none", "l2", "generalized_l2", "multiplicative");

    @Override public String name() { return "morse-regularizers"; }

    @Override public String title() { return "which regularizers make the loss Morse"; }

    @Override public String summary() {
        return "Critical points of every index (minima and saddles, from many random starts refined by Newton on ∇L_R = 0) of small "
                + "networks with the activations tanh, sigmoid, softplus, gelu and identity, and the regularizers none, l2, generalized_l2 "
                + "and multiplicative: how many are degenerate (a zero Hessian eigenvalue), and for linear networks whether the nullity "
                + "is the dimension of the O(h) orbit.";
    }

    @Override public String source() {
        return "Bottman, Cooper, Lerario (2023), \"How regularization affects the geometry of loss functions\"";
    }

    @Override public List<Claim> claims() {
        RegularizerVerdicts.Config c = RegularizerVerdicts.Config.defaults();
        String points = " Only critical points count (refined until ‖∇L_R‖ is at rounding level; runs whose refinement fails are "
                + "unconverged, never degenerate), each once up to symmetry (same objective to 1e-8, index, nullity and spectrum to 1e-6).";
        String ahead = " Unconverged runs whose Newton refinement pointed at a degenerate point ahead (it stopped on linear convergence, or "
                + "crawled to the iteration limit towards a point 'far from θ or nearly degenerate') are counted apart "
                + "(unconverged_degenerate_ahead, unconverged_crawl) and named (flagged_runs).";
        return List.of(
                new Claim(RegularizerVerdicts.GENERALIZED_L2,
                        "With a generalized L2 regularizer (one generic coefficient per parameter) the loss is Morse: no degenerate critical point.",
                        "Cell: generalized_l2, every activation. Not reproduced when a degenerate point is found; reproduced when none is among "
                                + "≥ " + c.minPoints() + " distinct points and no unconverged run pointed at a degenerate point ahead; else "
                                + "inconclusive." + points + ahead),
                new Claim(RegularizerVerdicts.MULTIPLICATIVE,
                        "A multiplicative regularizer (1 + ε‖θ‖²)·L does not make the loss Morse: the interpolating set L = 0 stays critical "
                                + "and degenerate.",
                        "Cell: multiplicative, every activation. Reproduced when a degenerate point with data loss ≤ "
                                + Markdown.num(c.interpolationTol()) + " is found; not reproduced when none of ≥ "
                                + c.minPoints() + " distinct interpolating points is degenerate (points off the interpolating set are "
                                + "not what the claim is about); else inconclusive." + points),
                new Claim(RegularizerVerdicts.LINEAR_L2,
                        "For linear networks plain L2 does not make the loss Morse: at a critical point of hidden rank r the nullity is at "
                                + "least the dimension h(h−1)/2 − (h−r)(h−r−1)/2 of the O(h) orbit.",
                        "Cell: identity activation with l2 (r from the point: the numerical rank of [W₁ | b₁ | W₂ᵀ]). Reproduced when a "
                                + "degenerate point is found and the nullity is at least the orbit dimension (equal, or above where λ meets a "
                                + "singular value of the data) at ≥ 90% of ≥ " + c.minLinear() + " distinct points; not reproduced when none is "
                                + "degenerate or the nullity is below the orbit dimension at more than half; else inconclusive."
                                + points),
                new Claim(RegularizerVerdicts.NONLINEAR_L2,
                        "Open conjecture: for nonlinear networks plain L2 makes the loss Morse. Reported: how many degenerate critical points "
                                + "were found among how many, per activation.",
                        "Cell: tanh, sigmoid, softplus, gelu with l2. `not_reproduced` (a counterexample candidate) when a degenerate point "
                                + "is found; `reproduced` (consistent with the conjecture; numbers cannot prove it) when none is, every activation "
                                + "has ≥ " + c.minPoints() + " distinct points, some saddle (index > 0) was found and no unconverged run pointed at a "
                                + "degenerate point ahead; else inconclusive." + points + ahead));
    }

    @Override public StepRunner steps() { return new ExperimentSteps(List.of(new HiddenRankStep())); }

    @Override
    public Analysis analyze(ExperimentResults r) throws IOException {
        List<Point> runs = new ArrayList<>();
        for (Map<String, Object> row : r.rows()) runs.add(Point.fromRow(row));
        RegularizerVerdicts.Config cfg = RegularizerVerdicts.Config.defaults();
        List<Verdict> verdicts = RegularizerVerdicts.evaluate(runs, cfg);
        List<Point> distinct = RegularizerVerdicts.distinct(runs);

        List<String> acts = new ArrayList<>();
        for (Object a : r.spec().grid().getOrDefault("activation", List.of(r.spec().base().getOrDefault("activation", "tanh")))) acts.add(String.valueOf(a));
        Map<String, Map<String, List<Point>>> cellRuns = new LinkedHashMap<>();
        for (String a : acts) cellRuns.put(a, new TreeMap<>(MorseRegularizers::order));
        for (Point p : runs) cellRuns.computeIfAbsent(p.activation(), k -> new TreeMap<>(MorseRegularizers::order))
                .computeIfAbsent(p.regSpec(), k -> new ArrayList<>()).add(p);

        Markdown md = new Markdown();
        md.h2("Results");
        md.p("Per activation and regularizer: *runs* (random starts), *unconverged* (the refinement did not reach a critical point at "
                + "rounding level: ‖∇L_R‖ above the tolerance, or stopped by its iteration limit while still decreasing, where the "
                + "near-null eigenvalues are of order ‖∇L_R‖ and zeros cannot be counted), "
                + "*distinct* critical points (runs ending at the same point up to symmetry merged), how many of each index, how many "
                + "*degenerate* (nullity > 0), and the smallest min|λ|/τ among the nondegenerate ones (how far from the zero band the "
                + "closest call was).");
        List<List<String>> rows = new ArrayList<>();
        List<String> labels = new ArrayList<>();
        List<Integer> nondeg = new ArrayList<>(), deg = new ArrayList<>(), unconv = new ArrayList<>();
        for (var a : cellRuns.entrySet()) {
            for (var g : a.getValue().entrySet()) {
                List<Point> cr = g.getValue();
                List<Point> cd = new ArrayList<>();
                for (Point p : distinct) if (p.activation().equals(a.getKey()) && p.regSpec().equals(g.getKey())) cd.add(p);
                int u = 0;
                for (Point p : cr) if (!p.critical()) u++;
                TreeMap<Integer, Integer> byIndex = new TreeMap<>();
                int dg = 0;
                double worst = Double.POSITIVE_INFINITY;
                List<String> nullities = new ArrayList<>();
                for (Point p : cd) {
                    byIndex.merge(p.index(), 1, Integer::sum);
                    if (p.degenerate()) {
                        dg++;
                        nullities.add(String.valueOf(p.nullity()));
                    } else {
                        worst = Math.min(worst, p.minAbsOverTau());
                    }
                }
                StringBuilder idx = new StringBuilder();
                byIndex.forEach((k, v) -> idx.append(idx.length() == 0 ? "" : ", ").append(k).append(": ").append(v));
                rows.add(List.of(String.valueOf(rows.size() + 1), a.getKey(), g.getKey(), String.valueOf(cr.size()), String.valueOf(u), String.valueOf(cd.size()),
                        idx.length() == 0 ? "–" : idx.toString(), dg == 0 ? "0" : dg + " (nullity " + String.join(", ", nullities) + ")",
                        Double.isInfinite(worst) ? "–" : Markdown.num(worst)));
                labels.add(a.getKey() + " " + g.getKey());
                nondeg.add(cd.size() - dg);
                deg.add(dg);
                unconv.add(u);
            }
        }
        md.table(List.of("#", "activation", "reg", "runs", "unconverged", "distinct", "by index (index: count)", "degenerate", "smallest min|λ|/τ"), rows);

        if (!labels.isEmpty()) {
            CategoryChart c = Charts.bars("morse-regularizers: critical points per activation and regularizer", "", "count",
                    Math.max(900, 120 + 48 * labels.size()), 560, true);
            c.getStyler().setXAxisLabelRotation(60);
            c.addSeries("nondegenerate (distinct)", labels, nondeg).setFillColor(new Color(44, 160, 44));
            c.addSeries("degenerate (distinct)", labels, deg).setFillColor(new Color(214, 39, 40));
            c.addSeries("unconverged (runs)", labels, unconv).setFillColor(new Color(180, 180, 180));
            Charts.save(c, r.plot("points"));
            md.image("critical points per cell", "plots/points.png",
                    "Distinct critical points per cell, nondegenerate and degenerate, and the runs whose refinement did not converge.");
            plotRatios(r, distinct, labels);
            md.image("min|λ|/τ per point", "plots/min-abs-over-tau.png",
                    "min|λ|/τ of every distinct critical point (log scale; x: the cell's # in the table; colour: the regularizer). Below the dashed line at 1 "
                            + "the point has a zero eigenvalue. Points with no nonzero eigenvalue near zero sit far above it.");
        }

        md.h3("Linear networks: nullity and the O(h) orbit");
        List<List<String>> lin = new ArrayList<>();
        for (Point p : distinct) {
            if (!p.activation().equals("identity")) continue;
            lin.add(List.of(p.reg(), String.valueOf(p.index()), p.rank() < 0 ? "–" : String.valueOf(p.rank()),
                    p.orbitDim() < 0 ? "–" : String.valueOf(p.orbitDim()), String.valueOf(p.nullity()),
                    p.ggnRank() < 0 ? "–" : String.valueOf(p.parameters() - p.ggnRank()), Markdown.num(p.objective()), Markdown.num(p.dataLoss())));
        }
        if (lin.isEmpty()) md.p("No critical point of a linear network converged.");
        else {
            md.p("Each distinct critical point of the identity network: its hidden rank r, the orbit dimension h(h−1)/2 − (h−r)(h−r−1)/2, "
                    + "the nullity, and P − rank G for comparison (the interpolating points' flat directions).");
            md.table(List.of("reg", "index", "rank r", "orbit dim", "nullity", "P − rank G", "objective", "data loss"), lin);
        }

        List<String> caveats = List.of(
                "Numerical evidence finds points, it cannot prove that none of another kind exists: a `reproduced` for the nonlinear-l2 "
                        + "conjecture means no counterexample among the points found.",
                "Newton on ∇L_R = 0 from random starts converges to critical points near the start, of any index; which points are found "
                        + "depends on the starts (Gaussian, seeded) and on the small architectures and data of this scale.",
                "A degenerate critical point is approached only linearly by Newton, so some runs at degenerate points end unconverged "
                        + "(the iteration limit); they are reported as unconverged, not as degenerate, which can only hide degeneracy. Those whose "
                        + "refinement said so (linear convergence, or a crawl towards a point far or nearly degenerate) are counted apart "
                        + "and keep generalized-l2-morse and nonlinear-l2 from `reproduced`.",
                "Distinct points are merged by (objective, index, nullity, spectrum): invariant under the loss's isometric symmetries, so "
                        + "symmetric copies merge; different points with equal value and spectrum would merge too (undercounting).",
                "Without a regularizer and with the multiplicative one, points near the interpolating set may not reach rounding level "
                        + "(Newton converges slowly along its flat directions): they appear as unconverged runs.");
        return new Analysis(verdicts, md.toString(), caveats);
    }

    /** Regularizer specs in the order none, l2, generalized_l2, multiplicative, then by their text. */
    private static int order(String x, String y) {
        int c = Integer.compare(kindOrder(x), kindOrder(y));
        return c != 0 ? c : x.compareTo(y);
    }

    private static int kindOrder(String reg) {
        int i = REG_ORDER.indexOf(reg.contains(":") ? reg.substring(0, reg.indexOf(':')) : reg);
        return i < 0 ? REG_ORDER.size() : i;
    }

    private static void plotRatios(ExperimentResults r, List<Point> distinct, List<String> labels) throws IOException {
        XYChart c = Charts.xy("morse-regularizers: min|λ|/τ at each distinct critical point", "cell (# in the table)", "min |λ| / τ",
                Math.max(900, 120 + 40 * labels.size()), 560);
        c.getStyler().setYAxisLogarithmic(true);
        Charts.cellAxis(c, labels.size());
        Map<String, List<Double>> xs = new LinkedHashMap<>(), ys = new LinkedHashMap<>();
        for (String reg : REG_ORDER) { xs.put(reg, new ArrayList<>()); ys.put(reg, new ArrayList<>()); }
        // colours by the regularizer's kind
        double floor = Double.POSITIVE_INFINITY;
        for (Point p : distinct) if (p.minAbsOverTau() > 0) floor = Math.min(floor, p.minAbsOverTau());
        floor = Double.isInfinite(floor) ? 1e-3 : Math.min(1e-3, floor / 10);
        for (Point p : distinct) {
            int cell = labels.indexOf(p.activation() + " " + p.regSpec());
            if (cell < 0) continue;
            xs.computeIfAbsent(p.reg(), k -> new ArrayList<>()).add(cell + 1.0 + 0.25 * (Math.floorMod(p.seed(), 5) - 2) / 2.0);
            ys.computeIfAbsent(p.reg(), k -> new ArrayList<>()).add(p.minAbsOverTau() > 0 ? p.minAbsOverTau() : floor);
        }
        int i = 0;
        for (String reg : xs.keySet()) {
            Color col = Charts.color(i++);
            if (!xs.get(reg).isEmpty()) Charts.points(c, reg, xs.get(reg), ys.get(reg), col);
        }
        Charts.reference(c, "min|λ| = τ", List.of(0.5, labels.size() + 0.5), List.of(1.0, 1.0), Color.GRAY);
        Charts.save(c, r.plot("min-abs-over-tau"));
    }
}
