package dev.morse.experiments.benign;

import dev.morse.cluster.StepRunner;
import dev.morse.experiments.Analysis;
import dev.morse.experiments.Charts;
import dev.morse.experiments.Claim;
import dev.morse.experiments.Experiment;
import dev.morse.experiments.ExperimentResults;
import dev.morse.experiments.Markdown;
import dev.morse.experiments.Rows;
import dev.morse.experiments.Verdict;
import dev.morse.experiments.Verdict.Outcome;
import dev.morse.experiments.benign.Classification.Kind;
import java.awt.Color;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.IntFunction;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.XYChart;

/**
 * {@code benign-landscape}: the core of this package ({@link BenignSteps}, {@link BenignVerdicts})
 * as an experiment: the bundled specs, a table of the end points' classes per setting × width × α,
 * plots, and the verdicts of both readings (strict: spurious = a true local minimum above the
 * global value; the authors': every non-global end point). The README beside the specs explains.
 */
public final class BenignLandscape implements Experiment {

    @Override public String name() { return "benign-landscape"; }

    @Override public String title() { return "spurious minima of two-layer ReLU networks with weight decay"; }

    @Override public String summary() {
        return "Two-layer ReLU networks without biases, both layers trained with weight decay, full-batch gradient descent from "
                + "initial scale α, on orthogonal data (widths around the threshold m* = 2^(n+1)) and on the authors' small-initialization "
                + "example: how many end points are spurious local minima, against the exact global value of the convex reformulation.";
    }

    @Override public String source() {
        return "Boursier, Bowditch, Englert, Lazić (2025), \"Benignity of loss landscape with weight decay requires both large "
                + "overparametrization and initialization\"";
    }

    @Override public List<Claim> claims() {
        BenignVerdicts.Config c = BenignVerdicts.Config.defaults();
        IntFunction<String> counting = minRuns -> " Unconverged and undetermined runs are unknowns: the interval is "
                + "[Wilson⁻(spurious/N), Wilson⁺((spurious + unknown)/N)] (95%) over all N runs of the cell; fewer than " + minRuns
                + " runs is inconclusive. Spurious = a true local minimum "
                + "(Clarke stationary, no first-order descent, no negative curvature, no second-order descent through a zero neuron) "
                + "more than global_tol (default " + Markdown.num(Classification.Tolerances.defaults().global())
                + ") above the global value; the authors' reading (every non-global end point) is in the evidence.";
        int common = BenignVerdicts.minRuns(true, c.common(), c), rare = BenignVerdicts.minRuns(false, c.rare(), c);
        return List.of(
                new Claim(BenignVerdicts.SMALL_WIDTH_SPURIOUS,
                        "Below the width threshold spurious local minima are common (orthogonal data).",
                        "Cell: orthogonal data, width ≤ m*(n)/2, α ≥ " + c.largeAlpha() + ". Reproduced when the interval's lower end is ≥ "
                                + c.common() + ", not reproduced when its upper end is < " + c.common() + "." + counting.apply(common)),
                new Claim(BenignVerdicts.LARGE_WIDTH_BENIGN,
                        "With large width and large initialization spurious minima are rare.",
                        "Cell: orthogonal data, width ≥ 2·m*(n), α ≥ " + c.largeAlpha() + ". Reproduced when the upper end is ≤ " + c.rare()
                                + ", not reproduced when the lower end is > " + c.rare() + "." + counting.apply(rare)),
                new Claim(BenignVerdicts.SMALL_INIT_SPURIOUS,
                        "With small initialization gradient descent still ends in spurious minima, even at large width.",
                        "Cell: the small-initialization example (width 100), α ≤ " + c.smallAlpha() + ". Reproduced when the lower end is ≥ "
                                + c.common() + ", not reproduced when the upper end is < " + c.common() + "." + counting.apply(common)));
    }

    @Override public StepRunner steps() { return new BenignSteps(); }

    /** A cell of the table: setting, n, d, width, α. */
    private record Cell(String setting, int n, int d, int width, double alpha) {
        String label() {
            return (setting.equals("orthogonal") ? "orth" : "small-init") + " n=" + n + " m=" + width + " α=" + Markdown.num(alpha);
        }
    }

    @Override
    public Analysis analyze(ExperimentResults r) throws IOException {
        List<BenignVerdicts.Run> runs = new ArrayList<>();
        Map<Cell, int[]> counts = new LinkedHashMap<>();
        Map<Cell, Map<String, Integer>> stalledWhy = new LinkedHashMap<>();
        Map<Cell, List<double[]>> gaps = new LinkedHashMap<>();
        for (Map<String, Object> row : r.rows()) {
            BenignVerdicts.Run run = BenignVerdicts.Run.fromRow(row, BenignSteps.STEP);
            runs.add(run);
            Cell cell = new Cell(run.setting(), run.n(), Rows.integer(row, "d", -1), run.width(), run.alpha());
            counts.computeIfAbsent(cell, k -> new int[Kind.values().length])[run.kind().ordinal()]++;
            if (run.kind() == Kind.STALLED) stalledWhy.computeIfAbsent(cell, k -> new LinkedHashMap<>()).merge(run.reason(), 1, Integer::sum);
            double gap = Rows.num(row, BenignSteps.STEP + ".gap");
            if (Double.isFinite(gap)) gaps.computeIfAbsent(cell, k -> new ArrayList<>()).add(new double[] {gap, run.kind().ordinal()});
        }
        // the tolerance the runs were classified with (their step's), as the verdicts' evidence states it
        double tol = BenignVerdicts.tolerance(runs);
        boolean mixedTol = !runs.isEmpty() && Double.isNaN(tol);   // the runs used different tolerances: no one line to draw
        String tolText = runs.isEmpty() ? Markdown.num(Classification.Tolerances.defaults().global())
                : mixedTol ? "each run's global_tol" : Markdown.num(tol);
        List<Verdict> verdicts = new ArrayList<>();
        for (BenignVerdicts.Verdict v : BenignVerdicts.evaluate(runs, BenignVerdicts.Config.defaults())) {
            Map<String, Object> ev = new LinkedHashMap<>(v.evidence());
            ev.put("summary", summary(ev));
            verdicts.add(new Verdict(v.claim(), Outcome.parse(v.verdict()), ev));
        }

        Markdown md = new Markdown();
        md.h2("Results");
        md.p("Classes of the end points per cell (setting, n, d, width m, initial scale α), over data sets and initializations. "
                + "*global*: within " + tolText + " of the exact global value; *spurious*: a true local minimum above it; *stalled*: above it "
                + "with a way down (the test that found it in the last column); *unconverged*: the step cap was reached before "
                + "‖∇L‖ < 1e-8; *undetermined*: the tests could not decide. m* = 2^(n+1).");
        List<List<String>> rows = new ArrayList<>();
        for (var e : counts.entrySet()) {
            Cell c = e.getKey();
            int[] k = e.getValue();
            int total = 0;
            for (int x : k) total += x;
            StringBuilder why = new StringBuilder();
            Map<String, Integer> w = stalledWhy.get(c);
            if (w != null) w.forEach((reason, n) -> why.append(why.length() == 0 ? "" : ", ").append(reason).append(" ").append(n));
            rows.add(List.of(String.valueOf(rows.size() + 1), c.setting(), String.valueOf(c.n()), String.valueOf(c.d()), String.valueOf(c.width()),
                    String.valueOf(BenignVerdicts.widthThreshold(c.n())), Markdown.num(c.alpha()), String.valueOf(total),
                    String.valueOf(k[Kind.GLOBAL.ordinal()]), String.valueOf(k[Kind.SPURIOUS.ordinal()]),
                    String.valueOf(k[Kind.STALLED.ordinal()]), String.valueOf(k[Kind.UNCONVERGED.ordinal()]),
                    String.valueOf(k[Kind.UNDETERMINED.ordinal()]), why.length() == 0 ? "–" : why.toString()));
        }
        md.table(List.of("#", "setting", "n", "d", "m", "m*", "α", "runs", "global", "spurious", "stalled", "unconverged", "undetermined",
                "stalled by"), rows);

        if (!counts.isEmpty()) {
            CategoryChart c = Charts.bars("benign-landscape: end points per cell", "cell", "runs",
                    Math.max(760, 160 + 110 * counts.size()), 520, true);
            c.getStyler().setXAxisLabelRotation(counts.size() > 4 ? 30 : 0);
            List<String> labels = new ArrayList<>();
            for (Cell cell : counts.keySet()) labels.add(cell.label());
            Color[] colors = {new Color(44, 160, 44), new Color(214, 39, 40), new Color(255, 127, 14), new Color(127, 127, 127),
                    new Color(148, 103, 189)};
            for (Kind k : Kind.values()) {
                List<Integer> ys = new ArrayList<>();
                for (int[] v : counts.values()) ys.add(v[k.ordinal()]);
                c.addSeries(k.label(), labels, ys).setFillColor(colors[k.ordinal()]);
            }
            Charts.save(c, r.plot("classes"));
            md.image("classes per cell", "plots/classes.png", "End points per cell by class (stacked).");

            XYChart g = Charts.xy("benign-landscape: objective − global value at the end points", "cell (# in the table)",
                    "objective − global (clipped at 1e-16)", Math.max(760, 160 + 90 * counts.size()), 560);
            g.getStyler().setYAxisLogarithmic(true);
            List<Cell> order = new ArrayList<>(counts.keySet());
            Charts.cellAxis(g, order.size());
            for (Kind k : Kind.values()) {
                List<Double> x = new ArrayList<>(), y = new ArrayList<>();
                for (int i = 0; i < order.size(); i++) {
                    List<double[]> l = gaps.get(order.get(i));
                    if (l == null) continue;
                    int j = 0;
                    for (double[] v : l) {
                        if ((int) v[1] != k.ordinal()) continue;
                        x.add(i + 1 + 0.3 * ((j++ % 7) - 3) / 7.0);   // spread points of a cell sideways
                        y.add(Math.max(1e-16, v[0]));
                    }
                }
                if (!x.isEmpty()) Charts.points(g, k.label(), x, y, colors[k.ordinal()]);
            }
            if (order.size() > 0 && tol > 0) Charts.reference(g, "tolerance " + tolText, List.of(0.5, order.size() + 0.5), List.of(tol, tol), Color.GRAY);
            Charts.save(g, r.plot("gaps"));
            md.image("gap to the global value", "plots/gaps.png", "Objective at the end point minus the exact global value, per run "
                    + "(log scale, clipped at 1e-16; x: the cell's # in the table); " + (!mixedTol ? "the dashed line is the tolerance " + tolText
                    + " that separates global from not" : "no dashed line: the runs used different tolerances (each run's benign_run.global_tol "
                    + "separates global from not)") + ". Unconverged runs show the end point of their last iterate.");
        }

        List<String> caveats = List.of(
                "Two readings of \"spurious\": strict (a true local minimum: the verdict) and the authors' (every sampled end point that is "
                        + "not global: `verdict_counting_stalled`). Where they differ, gradient descent ends at bad points although the "
                        + "landscape has no bad local minimum there (see the stalled column and its reasons).",
                "Runs stopped at the step cap are unconverged, never spurious; they widen the intervals. Large widths with α = 1 need "
                        + "10⁶–10⁷ steps: the full scale is sized for that.",
                "The small-initialization example's n and d were not available to us (we use n = d = 4 at quick scale); its spurious end "
                        + "points lie close to the global value (compare with " + (!mixedTol ? "the " + tolText + " tolerance in the gap plot" : "each run's global_tol") + ").",
                "Not checked: higher-order terms along zero-curvature directions (rescalings and splits of neurons); a point passing the "
                        + "tests satisfies the first- and second-order necessary conditions for a local minimum.");
        return new Analysis(verdicts, md.toString(), caveats);
    }

    private static String summary(Map<String, Object> ev) {
        int runs = (int) ev.get("runs");
        if (runs == 0) return "no runs in the cell";
        return String.format(Locale.ROOT, "%d runs: %s global, %s spurious, %s stalled, %s unconverged; counting stalled as spurious "
                        + "(the authors' reading): %s",
                runs, ev.get("global"), ev.get("spurious"), ev.get("stalled"), ev.get("unconverged"), ev.get("verdict_counting_stalled"));
    }
}
