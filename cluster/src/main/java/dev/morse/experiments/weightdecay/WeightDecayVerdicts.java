package dev.morse.experiments.weightdecay;

import dev.morse.experiments.Markdown;
import dev.morse.experiments.Rows;
import dev.morse.experiments.Stats;
import dev.morse.experiments.Verdict;
import dev.morse.experiments.Verdict.Outcome;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The verdicts of {@code weight-decay-zeros}, from the points its tasks ended at. Rules (fixed in
 * advance, {@link Config#defaults()}):
 * <ul>
 *   <li>{@code zeros-without-reg}: the cell is every converged <em>interpolating minimum</em>
 *       without a regularizer (index 0, data loss ≤ {@code interpolationTol}). Reproduced when it
 *       holds at least {@code minPoints} points and every one has nullity &gt; 0; not reproduced when
 *       at least {@code minPoints} and fewer than half have; inconclusive otherwise. The evidence
 *       says how many have nullity = P − rank G (at an interpolating minimum of a squared loss H = G,
 *       so the two must agree: a check of the counting).</li>
 *   <li>{@code l2-removes-zeros}: the cells are the converged minima at each λ &gt; 0. Not reproduced
 *       when any has nullity &gt; 0 (a degenerate minimum with weight decay); reproduced when none has
 *       and every λ of the grid has at least {@code minPerLambda} distinct minima ({@link #sameMinimum}:
 *       seeds that ended at the same minimum count once); inconclusive otherwise.</li>
 * </ul>
 * Runs that did not reach a critical point at rounding level (the fit's or the refinement's tolerance
 * not met, or the refinement stopped by its iteration limit: {@link Rows#refinedToRounding}) are
 * unknowns: never counted as degenerate or nondegenerate. Saddles (index &gt; 0) are not minima and
 * are left out of both cells (counted in the evidence).
 */
public final class WeightDecayVerdicts {
    private WeightDecayVerdicts() {}

    public static final String ZEROS_WITHOUT_REG = "zeros-without-reg";
    public static final String L2_REMOVES_ZEROS = "l2-removes-zeros";

    /** How a task ended. */
    public enum Kind { MINIMUM, SADDLE, UNCONVERGED }

    /**
     * One task's end point.
     *
     * @param lambda              0 without a regularizer
     * @param largestZeroOverTau  the largest |λ|/τ counted as a zero (NaN: none, or unknown; {@link Rows#zeroMargins})
     * @param smallestNonzeroOverTau the smallest |λ|/τ not counted (NaN: unknown)
     */
    public record Point(int width, int parameters, double lambda, long seed, Kind kind, int nullity, int ggnRank,
                        double minAbsOverTau, double minAbs, double tau, double dataLoss, double objective,
                        double largestZeroOverTau, double smallestNonzeroOverTau) {

        /** A point without the margins of its zero count. */
        public Point(int width, int parameters, double lambda, long seed, Kind kind, int nullity, int ggnRank,
                     double minAbsOverTau, double minAbs, double tau, double dataLoss, double objective) {
            this(width, parameters, lambda, seed, kind, nullity, ggnRank, minAbsOverTau, minAbs, tau, dataLoss, objective, Double.NaN, Double.NaN);
        }

        /** The point of a result row (the steps {@code fit} then {@code morse}). */
        public static Point fromRow(Map<String, Object> row) {
            String model = String.valueOf(row.get("model"));
            String[] w = model.split("-");
            int width = w.length >= 3 ? Integer.parseInt(w[1]) : -1;
            double lambda = lambdaOf(String.valueOf(row.get("reg")));
            long seed = Rows.integer(row, "seed", -1);
            int p = Rows.integer(row, "morse.P", Rows.integer(row, "fit.P", -1));
            if (!Rows.done(row) || !Rows.bool(row, "morse.critical") || !Rows.refinedToRounding(row, "morse")) {
                return new Point(width, p, lambda, seed, Kind.UNCONVERGED, -1, -1, Double.NaN, Double.NaN, Double.NaN,
                        Rows.num(row, "fit.data_loss"), Rows.num(row, "fit.loss"));
            }
            int index = Rows.integer(row, "morse.index", -1);
            double[] margins = Rows.zeroMargins(row, "morse");
            return new Point(width, p, lambda, seed, index == 0 ? Kind.MINIMUM : Kind.SADDLE,
                    Rows.integer(row, "morse.nullity", -1), Rows.integer(row, "morse.ggn_rank", -1),
                    Rows.num(row, "morse.min_abs_over_tau"), Rows.num(row, "morse.min_abs_eigenvalue"), Rows.num(row, "morse.tau"),
                    Rows.num(row, "morse.data_loss"), Rows.num(row, "morse.loss"), margins[0], margins[1]);
        }

        /** P − rank G, or −1 when rank G is unknown. */
        public int deficit() { return ggnRank < 0 || parameters < 0 ? -1 : parameters - ggnRank; }
    }

    /** Objective values of one width and λ that agree to this (relative) are taken for one minimum. */
    public static final double SAME_VALUE_TOL = 1e-9;

    /**
     * Whether two minima are the same point up to the loss's symmetries (hidden-neuron permutations,
     * tanh sign flips): the same width and λ, and objective values that agree to {@value #SAME_VALUE_TOL}
     * relative. Different seeds often end there; such copies add no evidence about the Hessian, whose
     * spectrum is the same at every copy. Two different minima of equal value merge too, which can
     * only undercount.
     */
    public static boolean sameMinimum(Point a, Point b) {
        return a.width() == b.width() && a.lambda() == b.lambda()
                && Math.abs(a.objective() - b.objective()) <= SAME_VALUE_TOL * Math.max(1e-9, Math.abs(a.objective()));
    }

    /** The minima among {@code points}, each once ({@link #sameMinimum}), in order. */
    public static List<Point> distinctMinima(List<Point> points) {
        List<Point> out = new ArrayList<>();
        for (Point p : points) {
            if (p.kind() != Kind.MINIMUM) continue;
            boolean seen = false;
            for (Point q : out) seen |= sameMinimum(p, q);
            if (!seen) out.add(p);
        }
        return out;
    }

    /** λ as a spec writes it: 1e-6 for powers of ten, else the tables' number format. */
    public static String lambdaText(double l) {
        long k = Math.round(Math.log10(l));
        return l == Double.parseDouble("1e" + k) ? "1e" + k : Markdown.num(l);
    }

    /** λ of {@code none} (0) or {@code l2:λ[:…]}. */
    public static double lambdaOf(String reg) {
        if (reg == null || reg.equals("none") || reg.equals("null")) return 0;
        String[] p = reg.split(":");
        if (!p[0].equals("l2") || p.length < 2) throw new IllegalArgumentException("reg '" + reg + "': expected none or l2:λ");
        return Double.parseDouble(p[1]);
    }

    /**
     * @param minPoints        least interpolating minima without a regularizer for a decision
     * @param minPerLambda     least distinct minima at every λ &gt; 0 for "reproduced"
     * @param interpolationTol a minimum interpolates when its data loss is at most this
     */
    public record Config(int minPoints, int minPerLambda, double interpolationTol) {
        /** minPoints 4, minPerLambda 2, interpolationTol 1e-16. */
        public static Config defaults() { return new Config(4, 2, 1e-16); }
    }

    /** @param lambdas the λ &gt; 0 of the grid (each needs minima for "reproduced") */
    public static List<Verdict> evaluate(List<Point> points, List<Double> lambdas, Config cfg) {
        return List.of(zerosWithoutReg(points, cfg), l2RemovesZeros(points, lambdas, cfg));
    }

    static Verdict zerosWithoutReg(List<Point> points, Config cfg) {
        int minima = 0, interp = 0, positive = 0, match = 0, saddles = 0, unconverged = 0, total = 0;
        int nullMin = Integer.MAX_VALUE, nullMax = -1;
        // the count's margins over the interpolating minima: how close a counted zero came to τ, and a
        // counted nonzero to it from above; marginsUnknown: points whose eigenvalues do not tell
        double largestZero = Double.NaN, smallestNonzero = Double.NaN;
        int marginsUnknown = 0;
        List<String> mismatches = new ArrayList<>();
        for (Point p : points) {
            if (p.lambda() != 0) continue;
            total++;
            switch (p.kind()) {
                case UNCONVERGED -> unconverged++;
                case SADDLE -> saddles++;
                case MINIMUM -> {
                    minima++;
                    if (!(p.dataLoss() <= cfg.interpolationTol())) break;
                    interp++;
                    if (p.nullity() > 0) positive++;
                    if (p.nullity() == p.deficit()) match++;
                    else mismatches.add("width " + p.width() + " seed " + p.seed() + ": nullity " + p.nullity() + ", P − rank G "
                            + (p.deficit() < 0 ? "unknown (no ggn_rank: the morse step needs \"spectra\": true)" : p.deficit()));
                    nullMin = Math.min(nullMin, p.nullity());
                    nullMax = Math.max(nullMax, p.nullity());
                    if ((p.nullity() > 0 && Double.isNaN(p.largestZeroOverTau())) || Double.isNaN(p.smallestNonzeroOverTau())) marginsUnknown++;
                    largestZero = Stats.nanMax(largestZero, p.largestZeroOverTau());
                    smallestNonzero = Stats.nanMin(smallestNonzero, p.smallestNonzeroOverTau());
                }
            }
        }
        Map<String, Object> ev = new LinkedHashMap<>();
        ev.put("tasks", total);
        ev.put("minima", minima);
        ev.put("interpolating_minima", interp);
        ev.put("with_nullity_above_0", positive);
        ev.put("nullity_equals_P_minus_rank_G", match);
        ev.put("nullity_min", interp == 0 ? null : nullMin);
        ev.put("nullity_max", interp == 0 ? null : nullMax);
        ev.put("largest_zero_abs_over_tau", largestZero);
        ev.put("smallest_nonzero_abs_over_tau", smallestNonzero);
        ev.put("zero_margins_unknown", marginsUnknown);
        ev.put("non_interpolating_minima", minima - interp);
        ev.put("saddles_left_out", saddles);
        ev.put("unconverged", unconverged);
        if (!mismatches.isEmpty()) ev.put("nullity_differs_from_P_minus_rank_G", mismatches);
        Outcome o;
        if (interp < cfg.minPoints()) {
            o = Outcome.INCONCLUSIVE;
            ev.put("why_inconclusive", "fewer than " + cfg.minPoints() + " interpolating minima without a regularizer");
        } else if (positive == interp) {
            o = Outcome.REPRODUCED;
        } else if (2 * positive < interp) {
            o = Outcome.NOT_REPRODUCED;
        } else {
            o = Outcome.INCONCLUSIVE;
            ev.put("why_inconclusive", "some interpolating minima have nullity 0, but not most");
        }
        ev.put("summary", interp == 0 ? "no interpolating minimum without a regularizer converged (" + unconverged + " unconverged)"
                : positive + " of " + interp + " interpolating minima have nullity > 0 (nullity " + range(nullMin, nullMax) + "); "
                + match + " of " + interp + " have nullity = P − rank G");
        return new Verdict(ZEROS_WITHOUT_REG, o, ev);
    }

    static Verdict l2RemovesZeros(List<Point> points, List<Double> lambdas, Config cfg) {
        Map<Double, List<Point>> byLambda = new TreeMap<>();
        for (double l : lambdas) if (l > 0) byLambda.put(l, new ArrayList<>());
        for (Point p : points) if (p.lambda() > 0) byLambda.computeIfAbsent(p.lambda(), k -> new ArrayList<>()).add(p);
        Map<String, Object> perLambda = new LinkedHashMap<>();
        int degenerate = 0, minimaAll = 0, distinctAll = 0, unconvergedAll = 0, saddlesAll = 0;
        double worst = Double.POSITIVE_INFINITY, largestZero = Double.NaN;
        List<String> thin = new ArrayList<>();
        List<String> degenerateAt = new ArrayList<>();
        List<Double> logL = new ArrayList<>(), logM = new ArrayList<>();
        for (Map.Entry<Double, List<Point>> e : byLambda.entrySet()) {
            int minima = 0, deg = 0, unconv = 0, saddles = 0;
            List<Double> ratio = new ArrayList<>(), minAbs = new ArrayList<>();
            for (Point p : e.getValue()) {
                switch (p.kind()) {
                    case UNCONVERGED -> unconv++;
                    case SADDLE -> saddles++;
                    case MINIMUM -> {
                        minima++;
                        if (p.nullity() > 0) {
                            deg++;
                            largestZero = Stats.nanMax(largestZero, p.largestZeroOverTau());
                            degenerateAt.add("λ " + lambdaText(e.getKey()) + ", width " + p.width() + ", seed " + p.seed()
                                    + ": nullity " + p.nullity() + ", min|λ|/τ " + Markdown.num(p.minAbsOverTau()));
                        }
                        ratio.add(p.minAbsOverTau());
                        minAbs.add(p.minAbs());
                    }
                }
            }
            int distinct = distinctMinima(e.getValue()).size();
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("minima", minima);
            m.put("distinct_minima", distinct);
            m.put("degenerate", deg);
            m.put("saddles_left_out", saddles);
            m.put("unconverged", unconv);
            double[] r = Stats.array(ratio);
            m.put("min_abs_over_tau_min", Stats.min(r));
            m.put("min_abs_over_tau_median", Stats.median(r));
            double medAbs = Stats.median(Stats.array(minAbs));
            m.put("min_abs_eigenvalue_median", medAbs);
            perLambda.put(lambdaText(e.getKey()), m);
            degenerate += deg;
            minimaAll += minima;
            distinctAll += distinct;
            unconvergedAll += unconv;
            saddlesAll += saddles;
            if (ratio.size() > 0) worst = Math.min(worst, Stats.min(r));
            // copies of one minimum (seeds that ended at the same point) count once
            if (distinct < cfg.minPerLambda()) thin.add(lambdaText(e.getKey()));
            if (medAbs > 0) {
                logL.add(Math.log10(e.getKey()));
                logM.add(Math.log10(medAbs));
            }
        }
        Map<String, Object> ev = new LinkedHashMap<>();
        ev.put("minima", minimaAll);
        ev.put("distinct_minima", distinctAll);
        ev.put("degenerate_minima", degenerate);
        ev.put("unconverged", unconvergedAll);
        ev.put("saddles_left_out", saddlesAll);
        // the margins of the zero count: min|λ|/τ > 1 at every minimum means no zero; at a degenerate
        // minimum, how far below τ its largest counted zero lies
        ev.put("min_abs_over_tau_smallest", Double.isInfinite(worst) ? Double.NaN : worst);
        ev.put("largest_zero_abs_over_tau", largestZero);
        ev.put("slope_log_min_abs_vs_log_lambda", logL.size() >= 2 ? Stats.slope(Stats.array(logL), Stats.array(logM)) : Double.NaN);
        ev.put("per_lambda", perLambda);
        if (!degenerateAt.isEmpty()) ev.put("degenerate_at", degenerateAt);
        Outcome o;
        if (degenerate > 0) {
            o = Outcome.NOT_REPRODUCED;
        } else if (byLambda.isEmpty() || !thin.isEmpty()) {
            o = Outcome.INCONCLUSIVE;
            ev.put("why_inconclusive", byLambda.isEmpty() ? "no λ > 0 in the grid"
                    : "fewer than " + cfg.minPerLambda() + " distinct converged minima at λ = " + String.join(", ", thin)
                    + " (runs that ended at the same minimum count once)");
        } else {
            o = Outcome.REPRODUCED;
        }
        ev.put("summary", degenerate + " of " + minimaAll + " minima (" + distinctAll + " distinct) with weight decay (" + byLambda.size() + (byLambda.size() == 1 ? " value" : " values") + " of λ) are degenerate"
                + (Double.isInfinite(worst) ? "" : "; smallest min|λ|/τ " + Markdown.num(worst))
                + (unconvergedAll > 0 ? "; " + unconvergedAll + " runs unconverged" : ""));
        return new Verdict(L2_REMOVES_ZEROS, o, ev);
    }

    private static String range(int lo, int hi) {
        if (hi < 0) return "–";
        return lo == hi ? String.valueOf(lo) : lo + "–" + hi;
    }
}
