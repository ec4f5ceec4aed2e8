package dev.morse.experiments.regularizers;

import dev.morse.analysis.Trajectory;
import dev.morse.experiments.Markdown;
import dev.morse.experiments.Rows;
import dev.morse.experiments.Verdict;
import dev.morse.experiments.Verdict.Outcome;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The verdicts of {@code morse-regularizers}, from the critical points its runs found.
 *
 * <h2>Points</h2>
 * A run is {@code unconverged} when its refinement did not reach a critical point (the Morse check
 * exits 3: ‖∇L_R‖ above the tolerance), or reached the SPEC's tolerance but not rounding level
 * ({@link Rows#refinedToRounding}: zeros can only be counted there); {@code critical} otherwise. Only critical points count,
 * and each once: runs of one cell (activation, regularizer) that ended at the same point up to a
 * symmetry are merged ({@link #distinct}). Two points are the same when their objective values agree
 * to {@value #VALUE_TOL} relative, their index and nullity agree, and their Hessian spectra (all
 * eigenvalues when the rows carry them, P ≤ 64; else the eigenvalues nearest zero) agree to
 * {@value #SPECTRUM_TOL}·max(1, max|λ|). Value and spectrum are invariant under every symmetry of
 * the loss that is an isometry of the parameters (permutations of hidden neurons, sign flips of tanh
 * neurons, O(h) rotations of linear networks with weight decay), so symmetric copies merge; two
 * different points with equal value and spectrum would merge too, which can only undercount.
 * A point is <em>degenerate</em> when its nullity (eigenvalues with |λ| ≤ τ) is positive.
 *
 * <h2>Unconverged runs that point at a degenerate point</h2>
 * Newton's refinement ({@code CriticalPoints.newton}) says when the critical point ahead may be
 * degenerate: it stops as {@code degenerate} after linear (not quadratic) convergence, the sign of
 * a singular Hessian at the root ({@link Ahead#DEGENERATE}); and a run that hits the iteration
 * limit crawling, every step held to the trust radius, says that the critical point ahead is far
 * from θ or nearly degenerate ({@link Ahead#CRAWL}: its report's {@code refine.approach} is
 * {@code crawl}). Such a run is unconverged like any other,
 * but it is counted apart ({@code unconverged_degenerate_ahead}, {@code unconverged_crawl}), and a
 * claim that would be reproduced because no degenerate point was found is inconclusive while such
 * runs exist in its cell: the degenerate point may be the one the refinement could not reach.
 *
 * <h2>Rules</h2> see {@link Config} and the claims' texts in {@link MorseRegularizers}.
 */
public final class RegularizerVerdicts {
    private RegularizerVerdicts() {}

    public static final String GENERALIZED_L2 = "generalized-l2-morse";
    public static final String MULTIPLICATIVE = "multiplicative-not-morse";
    public static final String LINEAR_L2 = "linear-l2-not-morse";
    public static final String NONLINEAR_L2 = "nonlinear-l2";

    public static final double VALUE_TOL = 1e-8;
    public static final double SPECTRUM_TOL = 1e-6;

    /**
     * What an unconverged refinement said of the point ahead: nothing ({@code NONE}); linear
     * convergence, so (numerically) degenerate ({@code DEGENERATE}: {@code refine.reason =
     * degenerate}); a crawl at the iteration limit, far or nearly degenerate ({@code CRAWL}:
     * {@code refine.approach = crawl}, {@link dev.morse.analysis.Trajectory.Approach#CRAWL}).
     * Rows of reports written before {@code refine.approach} existed are read as before: a crawl
     * when the run's failure message holds {@link dev.morse.analysis.CriticalPoints#CRAWL_AHEAD},
     * then the only record of one.
     */
    public enum Ahead {
        NONE, DEGENERATE, CRAWL;

        static Ahead of(Map<String, Object> row, String step) {
            if ("degenerate".equals(row.get(step + ".refine.reason"))) return DEGENERATE;
            Object approach = row.get(step + ".refine.approach");
            if (approach != null) return Trajectory.Approach.CRAWL.id().equals(approach) ? CRAWL : NONE;
            Object err = row.get("error");   // an older row: the message is the only record of a crawl
            return err instanceof String s && s.contains(dev.morse.analysis.CriticalPoints.CRAWL_AHEAD) ? CRAWL : NONE;
        }
    }

    /** The nonlinear activations of the conjecture. */
    public static final Set<String> NONLINEAR = Set.of("tanh", "sigmoid", "softplus", "gelu");

    /**
     * One run's end point.
     *
     * @param problem    what the objective is besides the start: model, data, data seed, activation, regularizer
     * @param reg        the regularizer's kind: none, l2, generalized_l2, multiplicative
     * @param regSpec    the regularizer as the spec gives it (l2:0.01)
     * @param critical   whether the refinement reached a critical point
     * @param spectrum   eigenvalues for the signature (all, or those nearest zero), ascending
     * @param orbitDim   the O(h) orbit dimension at the point (−1 when unknown)
     * @param ahead      of an unconverged run: what its refinement said of the point ahead
     */
    public record Point(String taskId, String problem, String activation, String reg, String regSpec, long seed, boolean critical, double objective, double dataLoss,
                        int index, int nullity, int parameters, int ggnRank, double minAbsOverTau, double[] spectrum,
                        int rank, int orbitDim, Ahead ahead) {

        /** A point whose refinement said nothing of the point ahead. */
        public Point(String taskId, String problem, String activation, String reg, String regSpec, long seed, boolean critical, double objective,
                     double dataLoss, int index, int nullity, int parameters, int ggnRank, double minAbsOverTau, double[] spectrum, int rank,
                     int orbitDim) {
            this(taskId, problem, activation, reg, regSpec, seed, critical, objective, dataLoss, index, nullity, parameters, ggnRank,
                    minAbsOverTau, spectrum, rank, orbitDim, Ahead.NONE);
        }

        /** An unconverged run whose refinement pointed at a degenerate point ahead (or a crawl towards one). */
        public boolean flaggedAhead() { return !critical && ahead != Ahead.NONE; }

        public boolean degenerate() { return critical && nullity > 0; }

        public static Point fromRow(Map<String, Object> row) {
            String reg = String.valueOf(row.get("reg"));
            String kind = reg.contains(":") ? reg.substring(0, reg.indexOf(':')) : reg;
            boolean critical = Rows.done(row) && Rows.bool(row, "morse.critical") && Rows.refinedToRounding(row, "morse");
            double[] spec = Rows.array(row, "morse.eigenvalues");
            if (spec.length == 0) spec = Rows.array(row, "morse.nearest_zero");
            spec = spec.clone();
            java.util.Arrays.sort(spec);
            String problem = row.get("model") + " | " + row.get("data") + " | data_seed " + row.get("data_seed") + " | "
                    + row.get("activation") + " | " + reg + " | " + row.get("no_bias");
            return new Point(String.valueOf(row.get("task_id")), problem, String.valueOf(row.get("activation")), kind, reg,
                    Rows.integer(row, "seed", -1), critical, Rows.num(row, "morse.loss"), Rows.num(row, "morse.data_loss"),
                    Rows.integer(row, "morse.index", -1), Rows.integer(row, "morse.nullity", -1), Rows.integer(row, "morse.P", -1),
                    Rows.integer(row, "morse.ggn_rank", -1), Rows.num(row, "morse.min_abs_over_tau"), spec,
                    Rows.integer(row, HiddenRankStep.NAME + ".rank", -1), Rows.integer(row, HiddenRankStep.NAME + ".orbit_dimension", -1),
                    Ahead.of(row, "morse"));
        }
    }

    /** Whether two critical points are the same up to symmetry (see the class comment). */
    public static boolean same(Point a, Point b) {
        if (a.index() != b.index() || a.nullity() != b.nullity()) return false;
        double scale = Math.max(1, Math.max(Math.abs(a.objective()), Math.abs(b.objective())));
        if (!(Math.abs(a.objective() - b.objective()) <= VALUE_TOL * scale)) return false;
        if (a.spectrum().length != b.spectrum().length) return false;
        double big = 1;
        for (double v : a.spectrum()) big = Math.max(big, Math.abs(v));
        for (int i = 0; i < a.spectrum().length; i++) {
            if (!(Math.abs(a.spectrum()[i] - b.spectrum()[i]) <= SPECTRUM_TOL * big)) return false;
        }
        return true;
    }

    /** The critical points of {@code points}, each once per problem (the first run that found it), in order. */
    public static List<Point> distinct(List<Point> points) {
        List<Point> out = new ArrayList<>();
        for (Point p : points) {
            if (!p.critical()) continue;
            boolean seen = false;
            for (Point q : out) {
                if (q.problem().equals(p.problem()) && same(p, q)) { seen = true; break; }
            }
            if (!seen) out.add(p);
        }
        return out;
    }

    /**
     * @param minPoints        least distinct critical points for a "no degenerate point" verdict: in the
     *                         generalized-l2 and multiplicative cells, and per activation for nonlinear-l2
     * @param minLinear        least distinct critical points of the linear-l2 cell
     * @param interpolationTol a point interpolates when its data loss is at most this
     */
    public record Config(int minPoints, int minLinear, double interpolationTol) {
        /** minPoints 5, minLinear 3, interpolationTol 1e-16. */
        public static Config defaults() { return new Config(5, 3, 1e-16); }
    }

    public static List<Verdict> evaluate(List<Point> runs, Config cfg) {
        List<Point> d = distinct(runs);
        return List.of(generalizedL2(runs, d, cfg), multiplicative(runs, d, cfg), linearL2(runs, d, cfg), nonlinearL2(runs, d, cfg));
    }

    /** Counts of a set of runs and their distinct points. */
    private static Map<String, Object> counts(List<Point> runs, List<Point> distinct) {
        Map<String, Object> m = new LinkedHashMap<>();
        int crit = 0;
        for (Point p : runs) if (p.critical()) crit++;
        int deg = 0;
        double worst = Double.POSITIVE_INFINITY;
        Map<Integer, Integer> byIndex = new TreeMap<>();
        for (Point p : distinct) {
            if (p.degenerate()) deg++;
            byIndex.merge(p.index(), 1, Integer::sum);
            if (!p.degenerate() && p.minAbsOverTau() < worst) worst = p.minAbsOverTau();
        }
        m.put("runs", runs.size());
        m.put("unconverged_runs", runs.size() - crit);
        int aheadDeg = 0, crawl = 0;
        for (Point p : runs) {
            if (!p.flaggedAhead()) continue;
            if (p.ahead() == Ahead.DEGENERATE) aheadDeg++;
            else crawl++;
        }
        m.put("unconverged_degenerate_ahead", aheadDeg);
        m.put("unconverged_crawl", crawl);
        m.put("critical_runs", crit);
        m.put("distinct_points", distinct.size());
        m.put("degenerate_points", deg);
        Map<String, Object> idx = new LinkedHashMap<>();
        byIndex.forEach((k, v) -> idx.put(String.valueOf(k), v));
        m.put("distinct_points_by_index", idx);
        m.put("smallest_min_abs_over_tau_of_nondegenerate", Double.isInfinite(worst) ? Double.NaN : worst);
        return m;
    }

    private static List<Point> select(List<Point> l, java.util.function.Predicate<Point> p) {
        List<Point> out = new ArrayList<>();
        for (Point x : l) if (p.test(x)) out.add(x);
        return out;
    }

    private static Map<String, Object> perActivation(List<Point> runs, List<Point> distinct) {
        Map<String, Object> m = new LinkedHashMap<>();
        TreeMap<String, List<Point>> acts = new TreeMap<>();
        for (Point p : runs) acts.computeIfAbsent(p.activation(), k -> new ArrayList<>());
        for (String a : acts.keySet()) {
            m.put(a, counts(select(runs, p -> p.activation().equals(a)), select(distinct, p -> p.activation().equals(a))));
        }
        return m;
    }

    /** The unconverged runs whose refinement flagged the point ahead (at most 20), for the evidence. */
    private static List<String> flaggedList(List<Point> runs) {
        List<String> l = new ArrayList<>();
        for (Point p : runs) {
            if (!p.flaggedAhead()) continue;
            l.add(p.activation() + " " + p.reg() + " seed " + p.seed() + " (task " + p.taskId() + "): "
                    + (p.ahead() == Ahead.DEGENERATE ? "linear Newton convergence, degenerate ahead" : "crawl at the iteration limit, far or nearly degenerate ahead"));
            if (l.size() == 20) break;
        }
        return l;
    }

    /**
     * An outcome decided because no degenerate point was found (reproduced for the claims that a
     * regularizer is Morse, not reproduced for those that it is not) stands only if no unconverged
     * run pointed at one: otherwise inconclusive, naming them.
     */
    private static Outcome unlessFlagged(Outcome o, List<Point> runs, Map<String, Object> ev) {
        int flagged = flagged(ev);
        if (flagged == 0) return o;
        ev.put("flagged_runs", flaggedList(runs));
        ev.put("why_inconclusive", flagged + " unconverged run(s) ended with the refinement pointing at a possibly degenerate critical point "
                + "ahead (" + ev.get("unconverged_degenerate_ahead") + " by linear convergence, " + ev.get("unconverged_crawl")
                + " crawling at the iteration limit): the degenerate point whose absence decided the verdict may be one of those");
        return Outcome.INCONCLUSIVE;
    }

    private static List<String> degenerateList(List<Point> distinct) {
        List<String> l = new ArrayList<>();
        for (Point p : distinct) {
            if (!p.degenerate()) continue;
            l.add(p.activation() + " " + p.reg() + " seed " + p.seed() + " (task " + p.taskId() + "): index " + p.index() + ", nullity "
                    + p.nullity() + ", objective " + Markdown.num(p.objective()) + ", data loss " + Markdown.num(p.dataLoss())
                    + (p.orbitDim() >= 0 ? ", O(h) orbit dimension " + p.orbitDim() : ""));
            if (l.size() == 20) break;
        }
        return l;
    }

    static Verdict generalizedL2(List<Point> all, List<Point> allDistinct, Config cfg) {
        List<Point> runs = select(all, p -> p.reg().equals("generalized_l2"));
        List<Point> d = select(allDistinct, p -> p.reg().equals("generalized_l2"));
        Map<String, Object> ev = counts(runs, d);
        ev.put("per_activation", perActivation(runs, d));
        int deg = (int) ev.get("degenerate_points");
        Outcome o;
        if (deg > 0) {
            o = Outcome.NOT_REPRODUCED;
            ev.put("degenerate", degenerateList(d));
        } else if (d.size() >= cfg.minPoints()) {
            o = unlessFlagged(Outcome.REPRODUCED, runs, ev);
        } else {
            o = Outcome.INCONCLUSIVE;
            ev.put("why_inconclusive", "fewer than " + cfg.minPoints() + " distinct critical points");
        }
        ev.put("summary", deg + " degenerate among " + d.size() + " distinct critical points (indices " + indices(ev) + "; "
                + ev.get("unconverged_runs") + " of " + runs.size() + " runs unconverged" + flaggedNote(ev) + ")");
        return new Verdict(GENERALIZED_L2, o, ev);
    }

    static Verdict multiplicative(List<Point> all, List<Point> allDistinct, Config cfg) {
        List<Point> runs = select(all, p -> p.reg().equals("multiplicative"));
        List<Point> d = select(allDistinct, p -> p.reg().equals("multiplicative"));
        Map<String, Object> ev = counts(runs, d);
        ev.put("per_activation", perActivation(runs, d));
        int interp = 0, interpDeg = 0, interpMatch = 0;
        for (Point p : d) {
            if (!(p.dataLoss() <= cfg.interpolationTol())) continue;
            interp++;
            if (p.degenerate()) interpDeg++;
            if (p.ggnRank() >= 0 && p.nullity() == p.parameters() - p.ggnRank()) interpMatch++;
        }
        ev.put("interpolating_points", interp);
        ev.put("interpolating_degenerate", interpDeg);
        ev.put("interpolating_nullity_equals_P_minus_rank_G", interpMatch);
        int deg = (int) ev.get("degenerate_points");
        if (deg > 0) ev.put("degenerate", degenerateList(d));
        // The claim is about the interpolating set L = 0: critical points off it are generically
        // nondegenerate under the multiplicative regularizer too, so only interpolating points can
        // contradict it (nondegenerate ones, enough of them), and only they can support it.
        Outcome o;
        if (interpDeg > 0) {
            o = Outcome.REPRODUCED;
        } else if (interp >= cfg.minPoints()) {
            o = unlessFlagged(Outcome.NOT_REPRODUCED, runs, ev);
        } else {
            o = Outcome.INCONCLUSIVE;
            ev.put("why_inconclusive", (deg > 0 ? "degenerate points found, but none on the interpolating set (the claimed mechanism); "
                    : "") + "fewer than " + cfg.minPoints() + " distinct interpolating points (data loss ≤ "
                    + Markdown.num(cfg.interpolationTol()) + "), the only ones the claim is about");
        }
        ev.put("summary", interpDeg + " degenerate interpolating points (of " + interp + " interpolating), " + deg + " degenerate among "
                + d.size() + " distinct critical points; " + ev.get("unconverged_runs") + " of " + runs.size() + " runs unconverged");
        return new Verdict(MULTIPLICATIVE, o, ev);
    }

    static Verdict linearL2(List<Point> all, List<Point> allDistinct, Config cfg) {
        List<Point> runs = select(all, p -> p.reg().equals("l2") && p.activation().equals("identity"));
        List<Point> d = select(allDistinct, p -> p.reg().equals("l2") && p.activation().equals("identity"));
        Map<String, Object> ev = counts(runs, d);
        // RESEARCH.md: the Hessian has AT LEAST as many zero eigenvalues as the orbit has dimensions
        // (more where, e.g., λ meets a singular value of the data, or at θ = 0): nullity ≥ orbit
        // dimension supports the claim, nullity < orbit dimension contradicts it
        int equal = 0, excess = 0, below = 0, known = 0;
        List<String> points = new ArrayList<>();
        for (Point p : d) {
            if (p.orbitDim() < 0) continue;
            known++;
            if (p.nullity() == p.orbitDim()) equal++;
            else if (p.nullity() > p.orbitDim()) excess++;
            else below++;
            points.add("index " + p.index() + ", rank " + p.rank() + ": nullity " + p.nullity() + ", orbit dimension " + p.orbitDim());
        }
        int support = equal + excess;
        ev.put("points_with_rank", known);
        ev.put("nullity_at_least_orbit_dimension", support);
        ev.put("nullity_equals_orbit_dimension", equal);
        ev.put("nullity_exceeds_orbit_dimension", excess);
        ev.put("nullity_below_orbit_dimension", below);
        ev.put("points", points);
        int deg = (int) ev.get("degenerate_points");
        Outcome o;
        if (known < cfg.minLinear()) {
            o = Outcome.INCONCLUSIVE;
            ev.put("why_inconclusive", "fewer than " + cfg.minLinear() + " distinct critical points of linear networks with l2");
        } else if (deg >= 1 && 10 * support >= 9 * known) {
            o = Outcome.REPRODUCED;
        } else if (2 * below > known) {
            o = Outcome.NOT_REPRODUCED;   // positive evidence: nullities below the orbit dimension
        } else if (deg == 0) {
            o = unlessFlagged(Outcome.NOT_REPRODUCED, runs, ev);
        } else {
            o = Outcome.INCONCLUSIVE;
            ev.put("why_inconclusive", "the nullity is below the orbit dimension at " + below + " of " + known
                    + " points (the rule asks at least the orbit dimension at 90%)");
        }
        ev.put("summary", deg + " of " + d.size() + " distinct critical points degenerate; nullity ≥ h(h−1)/2 − (h−r)(h−r−1)/2 at "
                + support + " of " + known + " (equal at " + equal + ", above at " + excess + "), below at " + below);
        return new Verdict(LINEAR_L2, o, ev);
    }

    static Verdict nonlinearL2(List<Point> all, List<Point> allDistinct, Config cfg) {
        List<Point> runs = select(all, p -> p.reg().equals("l2") && NONLINEAR.contains(p.activation()));
        List<Point> d = select(allDistinct, p -> p.reg().equals("l2") && NONLINEAR.contains(p.activation()));
        Map<String, Object> ev = counts(runs, d);
        Map<String, Object> per = perActivation(runs, d);
        ev.put("per_activation", per);
        int deg = (int) ev.get("degenerate_points");
        List<String> thin = new ArrayList<>();
        StringBuilder sum = new StringBuilder();
        for (var e : per.entrySet()) {
            @SuppressWarnings("unchecked") Map<String, Object> c = (Map<String, Object>) e.getValue();
            int n = (int) c.get("distinct_points");
            if (n < cfg.minPoints()) thin.add(e.getKey());
            sum.append(sum.length() == 0 ? "" : ", ").append(e.getKey()).append(" ").append(c.get("degenerate_points")).append("/").append(n);
        }
        boolean saddles = false;
        for (Point p : d) saddles |= p.index() > 0;
        Outcome o;
        if (deg > 0) {
            o = Outcome.NOT_REPRODUCED;
            ev.put("degenerate", degenerateList(d));
        } else if (per.isEmpty() || !thin.isEmpty() || !saddles) {
            o = Outcome.INCONCLUSIVE;
            ev.put("why_inconclusive", per.isEmpty() ? "no runs" : !thin.isEmpty()
                    ? "fewer than " + cfg.minPoints() + " distinct critical points for " + String.join(", ", thin)
                    : "no saddle found: the conjecture is about critical points of every index");
        } else {
            o = unlessFlagged(Outcome.REPRODUCED, runs, ev);
        }
        ev.put("summary", "degenerate/distinct critical points per activation: " + sum + " (indices " + indices(ev) + "; "
                + ev.get("unconverged_runs") + " of " + runs.size() + " runs unconverged" + flaggedNote(ev) + ")");
        return new Verdict(NONLINEAR_L2, o, ev);
    }

    /** The unconverged runs the evidence counts as pointing at a possibly degenerate point ahead. */
    private static int flagged(Map<String, Object> ev) {
        return (int) ev.get("unconverged_degenerate_ahead") + (int) ev.get("unconverged_crawl");
    }

    /** ", N of them pointing at a degenerate point ahead" when there are such runs. */
    private static String flaggedNote(Map<String, Object> ev) {
        int n = flagged(ev);
        return n == 0 ? "" : ", " + n + " of them pointing at a possibly degenerate point ahead";
    }

    private static String indices(Map<String, Object> ev) {
        @SuppressWarnings("unchecked") Map<String, Object> idx = (Map<String, Object>) ev.get("distinct_points_by_index");
        if (idx.isEmpty()) return "none";
        List<String> k = new ArrayList<>(idx.keySet());
        return k.size() == 1 ? k.get(0) : k.get(0) + "–" + k.get(k.size() - 1);
    }
}
