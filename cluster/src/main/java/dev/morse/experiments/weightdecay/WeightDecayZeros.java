package dev.morse.experiments.weightdecay;

import dev.morse.cluster.StepRunner;
import dev.morse.experiments.Analysis;
import dev.morse.experiments.Charts;
import dev.morse.experiments.Claim;
import dev.morse.experiments.Experiment;
import dev.morse.experiments.ExperimentResults;
import dev.morse.experiments.ExperimentSteps;
import dev.morse.experiments.Markdown;
import dev.morse.experiments.Stats;
import dev.morse.experiments.Verdict;
import dev.morse.experiments.weightdecay.WeightDecayVerdicts.Kind;
import dev.morse.experiments.weightdecay.WeightDecayVerdicts.Point;
import java.awt.Color;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import org.knowm.xchart.XYChart;

/**
 * {@code weight-decay-zeros}: zero Hessian eigenvalues at interpolating minima of one-hidden-layer
 * tanh networks without a regularizer, and their removal by weight decay. Every task fits a
 * network to teacher–student data ({@code fit}: L-BFGS, then Newton until no step lowers ‖∇L_R‖,
 * {@code grad_tol rounding}) and runs the Morse check ({@code morse}); the grid is width × reg
 * (none, l2 with λ from 1e-6 to 1e-1) × seed. Verdicts: {@link WeightDecayVerdicts}.
 */
public final class WeightDecayZeros implements Experiment {

    @Override public String name() { return "weight-decay-zeros"; }

    @Override public String title() { return "zero eigenvalues at interpolating minima, and weight decay"; }

    @Override public String summary() {
        return "One-hidden-layer tanh networks fitted to teacher–student data until the gradient is at rounding level: without a "
                + "regularizer the Hessian at an interpolating minimum has zero eigenvalues (the P − rank G directions the data cannot "
                + "see); with weight decay l2(λ), λ from 1e-6 to 1e-1, it should have none.";
    }

    @Override public String source() {
        return "the first line of research in RESEARCH.md (zero eigenvalues and weight decay)";
    }

    @Override public List<Claim> claims() {
        WeightDecayVerdicts.Config c = WeightDecayVerdicts.Config.defaults();
        return List.of(
                new Claim(WeightDecayVerdicts.ZEROS_WITHOUT_REG,
                        "Without a regularizer the Hessian at an interpolating minimum has zero eigenvalues (nullity > 0), as many as "
                                + "P − rank G.",
                        "Cell: converged minima without a regularizer whose data loss is ≤ " + Markdown.num(c.interpolationTol())
                                + ". Reproduced when the cell has ≥ " + c.minPoints() + " points and every one has nullity > 0; not reproduced "
                                + "when it has ≥ " + c.minPoints() + " and fewer than half do; else inconclusive. Runs that did not reach "
                                + "rounding level are unknowns, saddles are left out."),
                new Claim(WeightDecayVerdicts.L2_REMOVES_ZEROS,
                        "With weight decay l2(λ), λ > 0, the minima are nondegenerate (nullity 0); min|λ|/τ says by how much.",
                        "Not reproduced when any converged minimum at any λ > 0 has nullity > 0; reproduced when none has and every λ of "
                                + "the grid has ≥ " + c.minPerLambda() + " distinct converged minima (seeds that ended at the same minimum, same width and "
                                + "objective to " + Markdown.num(WeightDecayVerdicts.SAME_VALUE_TOL) + " relative, count once); else inconclusive."));
    }

    @Override public StepRunner steps() { return ExperimentSteps.cliOnly(); }

    @Override
    public Analysis analyze(ExperimentResults r) throws IOException {
        List<Point> points = new ArrayList<>();
        for (Map<String, Object> row : r.rows()) points.add(Point.fromRow(row));
        TreeSet<Double> lambdas = new TreeSet<>();
        for (Object reg : r.spec().grid().getOrDefault("reg", List.of())) {
            double l = WeightDecayVerdicts.lambdaOf(String.valueOf(reg));
            if (l > 0) lambdas.add(l);
        }
        List<Verdict> verdicts = WeightDecayVerdicts.evaluate(points, new ArrayList<>(lambdas), WeightDecayVerdicts.Config.defaults());

        Markdown md = new Markdown();
        md.h2("Results");
        md.p("One row per width and regularizer (over seeds). *minima*: converged points of index 0 (and how many different "
                + "objective values they have: seeds often end at the same minimum up to symmetry); *unconverged*: runs whose fit or "
                + "refinement did not reach rounding level (unknowns); *nullity*: zero eigenvalues |λ| ≤ τ of the Hessian of L_R; "
                + "*P − rank G*: directions the Gauss–Newton matrix does not see; min|λ|/τ: how far the smallest |eigenvalue| is above "
                + "the zero band.");
        TreeMap<Integer, TreeMap<Double, List<Point>>> cells = new TreeMap<>();
        for (Point p : points) cells.computeIfAbsent(p.width(), k -> new TreeMap<>()).computeIfAbsent(p.lambda(), k -> new ArrayList<>()).add(p);
        List<List<String>> rows = new ArrayList<>();
        for (var w : cells.entrySet()) {
            for (var l : w.getValue().entrySet()) {
                int minima = 0, saddles = 0, unconv = 0;
                int values = WeightDecayVerdicts.distinctMinima(l.getValue()).size();
                List<Double> nul = new ArrayList<>(), def = new ArrayList<>(), ratio = new ArrayList<>(), abs = new ArrayList<>();
                int p = -1;
                for (Point x : l.getValue()) {
                    if (x.parameters() > 0) p = x.parameters();
                    if (x.kind() == Kind.UNCONVERGED) { unconv++; continue; }
                    if (x.kind() == Kind.SADDLE) { saddles++; continue; }
                    minima++;
                    nul.add((double) x.nullity());
                    if (x.deficit() >= 0) def.add((double) x.deficit());
                    ratio.add(x.minAbsOverTau());
                    abs.add(x.minAbs());
                }
                rows.add(List.of(String.valueOf(w.getKey()), p < 0 ? "–" : String.valueOf(p), l.getKey() == 0 ? "none" : "l2:" + WeightDecayVerdicts.lambdaText(l.getKey()),
                        String.valueOf(l.getValue().size()), minima + (minima > 1 ? " (" + values + (values == 1 ? " value)" : " values)") : ""),
                        String.valueOf(saddles), String.valueOf(unconv),
                        range(nul), range(def), rangeSci(ratio), Markdown.num(Stats.median(Stats.array(abs)))));
            }
        }
        md.table(List.of("width", "P", "reg", "tasks", "minima", "saddles", "unconverged", "nullity", "P − rank G", "min|λ|/τ", "median min|λ|"), rows);

        String ratioPlot = plotRatio(r, points, cells);
        md.image("min|λ|/τ against λ", "plots/" + ratioPlot + ".png",
                "Each point is one converged minimum (colour: width); the line joins the medians. Below the dashed line at 1 the "
                        + "smallest eigenvalue would be a zero eigenvalue.");
        String absPlot = plotMinAbs(r, points, cells);
        md.image("min|λ| against λ", "plots/" + absPlot + ".png",
                "The smallest |eigenvalue| against λ, with the line min|λ| = λ for scale: weight decay adds λ to every eigenvalue of "
                        + "the unregularized Hessian, but the NME, no longer zero once the fit stops interpolating, moves the smallest ones.");
        String nullPlot = plotNullity(r, points);
        if (nullPlot != null) {
            md.image("nullity against P − rank G", "plots/" + nullPlot + ".png",
                    "Minima without a regularizer: the nullity against P − rank G (dashed: equality). At an interpolating minimum of a "
                            + "squared loss the NME vanishes and H = G.");
        }
        List<String> caveats = List.of(
                "Zero eigenvalues are counted only at points refined to rounding level (fit --grad-tol rounding): at the SPEC's default "
                        + "tolerance 1e-10 the near-null directions carry eigenvalues of order ‖∇L_R‖, far above τ, and the count would be wrong.",
                "The fit descends (L-BFGS) and then refines with Newton on ∇L_R = 0, which converges to the nearest critical point of any "
                        + "index: a run that ends at a saddle is reported as such and left out of the minima.",
                "Small λ makes the problem ill-conditioned (condition numbers up to ‖H‖/λ): runs that hit an iteration limit before rounding "
                        + "level are unknowns, never counted as degenerate.",
                "One data set (teacher–student, seeded) per scale: the claim is about generic interpolating minima, and a few widths and "
                        + "seeds are evidence, not proof.");
        return new Analysis(verdicts, md.toString(), caveats);
    }

    private static String plotRatio(ExperimentResults r, List<Point> points, TreeMap<Integer, TreeMap<Double, List<Point>>> cells) throws IOException {
        XYChart c = Charts.xy("weight-decay-zeros: min|λ|/τ at the minima", "λ (weight decay)", "min |λ| / τ", 820, 480);
        c.getStyler().setXAxisLogarithmic(true);
        c.getStyler().setYAxisLogarithmic(true);
        int i = 0;
        double lo = Double.POSITIVE_INFINITY, hi = 0;
        for (var w : cells.entrySet()) {
            Color col = Charts.color(i++);
            List<Double> x = new ArrayList<>(), y = new ArrayList<>(), mx = new ArrayList<>(), my = new ArrayList<>();
            for (var l : w.getValue().entrySet()) {
                if (l.getKey() <= 0) continue;
                List<Double> vals = new ArrayList<>();
                for (Point p : l.getValue()) {
                    if (p.kind() != Kind.MINIMUM || !(p.minAbsOverTau() > 0)) continue;
                    x.add(l.getKey());
                    y.add(p.minAbsOverTau());
                    vals.add(p.minAbsOverTau());
                }
                if (!vals.isEmpty()) {
                    mx.add(l.getKey());
                    my.add(Stats.median(Stats.array(vals)));
                }
                lo = Math.min(lo, l.getKey());
                hi = Math.max(hi, l.getKey());
            }
            if (!x.isEmpty()) {
                Charts.points(c, "width " + w.getKey(), x, y, col).setShowInLegend(false);
                Charts.line(c, "width " + w.getKey() + " (median)", mx, my, col);
            }
        }
        if (hi > 0) Charts.reference(c, "min|λ| = τ", List.of(lo, hi), List.of(1.0, 1.0), Color.GRAY);
        if (c.getSeriesMap().isEmpty()) Charts.reference(c, "no converged minima with λ > 0", List.of(1e-6, 1e-1), List.of(1.0, 1.0), Color.GRAY);
        Charts.save(c, r.plot("min-abs-over-tau"));
        return "min-abs-over-tau";
    }

    private static String plotMinAbs(ExperimentResults r, List<Point> points, TreeMap<Integer, TreeMap<Double, List<Point>>> cells) throws IOException {
        XYChart c = Charts.xy("weight-decay-zeros: smallest |eigenvalue| at the minima", "λ (weight decay)", "min |λ|", 820, 480);
        c.getStyler().setXAxisLogarithmic(true);
        c.getStyler().setYAxisLogarithmic(true);
        int i = 0;
        TreeSet<Double> ls = new TreeSet<>();
        for (var w : cells.entrySet()) {
            Color col = Charts.color(i++);
            List<Double> x = new ArrayList<>(), y = new ArrayList<>();
            for (var l : w.getValue().entrySet()) {
                if (l.getKey() <= 0) continue;
                ls.add(l.getKey());
                for (Point p : l.getValue()) {
                    if (p.kind() != Kind.MINIMUM || !(p.minAbs() > 0)) continue;
                    x.add(l.getKey());
                    y.add(p.minAbs());
                }
            }
            if (!x.isEmpty()) Charts.points(c, "width " + w.getKey(), x, y, col);
        }
        if (!ls.isEmpty()) Charts.reference(c, "min|λ| = λ", List.of(ls.first(), ls.last()), List.of(ls.first(), ls.last()), Color.GRAY);
        Charts.save(c, r.plot("min-abs-eigenvalue"));
        return "min-abs-eigenvalue";
    }

    private static String plotNullity(ExperimentResults r, List<Point> points) throws IOException {
        XYChart c = Charts.xy("weight-decay-zeros: nullity without a regularizer", "P − rank G", "nullity (|λ| ≤ τ)", 720, 480);
        TreeMap<Integer, List<double[]>> byWidth = new TreeMap<>();
        double max = 0;
        for (Point p : points) {
            if (p.lambda() != 0 || p.kind() != Kind.MINIMUM || p.deficit() < 0) continue;
            byWidth.computeIfAbsent(p.width(), k -> new ArrayList<>()).add(new double[] {p.deficit(), p.nullity()});
            max = Math.max(max, Math.max(p.deficit(), p.nullity()));
        }
        if (byWidth.isEmpty()) return null;
        int i = 0;
        for (var e : byWidth.entrySet()) {
            List<Double> x = new ArrayList<>(), y = new ArrayList<>();
            for (double[] v : e.getValue()) { x.add(v[0]); y.add(v[1]); }
            Charts.points(c, "width " + e.getKey(), x, y, Charts.color(i++));
        }
        Charts.reference(c, "nullity = P − rank G", List.of(0.0, max * 1.05), List.of(0.0, max * 1.05), Color.GRAY);
        Charts.save(c, r.plot("nullity-vs-deficit"));
        return "nullity-vs-deficit";
    }

    private static String range(List<Double> v) {
        if (v.isEmpty()) return "–";
        double lo = Stats.min(Stats.array(v)), hi = Stats.max(Stats.array(v));
        return lo == hi ? Markdown.num(lo) : Markdown.num(lo) + "–" + Markdown.num(hi);
    }

    private static String rangeSci(List<Double> v) {
        if (v.isEmpty()) return "–";
        double lo = Stats.min(Stats.array(v)), hi = Stats.max(Stats.array(v));
        return lo == hi ? Markdown.num(lo) : Markdown.num(lo) + " – " + Markdown.num(hi);
    }
}
