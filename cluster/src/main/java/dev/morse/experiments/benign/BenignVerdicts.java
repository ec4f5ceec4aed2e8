package dev.morse.experiments.benign;

import dev.morse.experiments.benign.Classification.Kind;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The verdicts of the experiment's three claims, from the classified runs. Thresholds are fixed in
 * advance ({@link Config#defaults()}); the README states them.
 *
 * <h2>Cells</h2>
 * The width threshold for n points with d ≥ n is the number of non-empty (pattern, output sign)
 * pairs a neuron can take, m*(n) = 2^(n+1) (the authors' 4·Σ_{i&lt;d} C(n−1, i) at d ≥ n).
 * <ul>
 *   <li>{@code small-width-spurious}: orthogonal data, m ≤ m*(n)/2, α ≥ {@code largeAlpha};
 *       the claim is that spurious minima are <em>common</em> there (fraction ≥ {@code common});</li>
 *   <li>{@code large-width-large-init-benign}: orthogonal data, m ≥ 2·m*(n), α ≥ {@code largeAlpha};
 *       spurious minima <em>rare</em> (fraction ≤ {@code rare});</li>
 *   <li>{@code small-init-spurious}: the small-initialization example, α ≤ {@code smallAlpha};
 *       spurious minima <em>common</em>.</li>
 * </ul>
 *
 * <h2>Counting honestly</h2>
 * "Spurious" is a true local minimum above the global value ({@link Classification}). Runs that did
 * not converge, or whose class is undetermined, are unknown: the fraction's interval is
 * [Wilson⁻(spurious, N), Wilson⁺(spurious + unknown, N)] at 95% over all N runs of the cell, so an
 * unknown run can push the verdict to {@code inconclusive} but never to a side. "Common" is
 * {@code reproduced} when the lower end is ≥ {@code common} and {@code not_reproduced} when the upper
 * end is below it; "rare" is {@code reproduced} when the upper end is ≤ {@code rare} and
 * {@code not_reproduced} when the lower end is above it; anything else, or fewer runs than
 * {@link #minRuns} (at least {@code minRuns}, more where the rule could not otherwise go both ways:
 * 35 for "rare"), is {@code inconclusive}.
 *
 * <p>The authors count every sampled stationary point that is not global as spurious. The evidence
 * gives that reading too ({@code verdict_counting_stalled}: the same rule with stalled end points
 * counted as spurious), so a reader sees whether the verdict turns on the difference.
 *
 * <p>Whether an end point is global turns on an absolute tolerance ({@code global_tol}, 1e-7): the
 * evidence states the margins, {@code global_gap_max_over_tol} (the largest (L − global lower
 * bound)/tol of the global runs, ≤ 1) and {@code non_global_gap_min_over_tol} (the smallest
 * (L − global upper bound)/tol of the spurious and stalled runs, &gt; 1), with their absolute values,
 * so a reader sees how close the classes came to trading places.
 */
public final class BenignVerdicts {
    private BenignVerdicts() {}

    public static final String SMALL_WIDTH_SPURIOUS = "small-width-spurious";
    public static final String LARGE_WIDTH_BENIGN = "large-width-large-init-benign";
    public static final String SMALL_INIT_SPURIOUS = "small-init-spurious";

    /**
     * One classified run; {@code reason} is {@link Classification#reason()} (for stalled runs: which test
     * found the way down); {@code aboveLower}, {@code aboveUpper}: the objective minus the certified
     * lower and upper bounds of the global value (NaN when unknown), what {@link Classification}
     * compares with {@code globalTol}.
     */
    public record Run(String setting, int n, int width, double alpha, Kind kind, String reason, double aboveLower, double aboveUpper,
                      double globalTol) {

        /** A run without its distances to the global value. */
        public Run(String setting, int n, int width, double alpha, Kind kind, String reason) {
            this(setting, n, width, alpha, kind, reason, Double.NaN, Double.NaN, Classification.Tolerances.defaults().global());
        }

        /**
         * A row of the sweep's results: config columns {@code setting}, {@code n}, {@code width},
         * {@code alpha}; outputs {@code <step>.class}, {@code <step>.reason}, {@code <step>.global_tol},
         * {@code <step>.objective} and the bounds of the global value.
         */
        public static Run fromRow(Map<String, Object> row, String step) {
            Object cls = row.get(step + ".class");
            if (cls == null) {
                // A failed task has no class: it is an unknown, like an unconverged run.
                cls = "unconverged";
            }
            Object reason = row.getOrDefault(step + ".reason", "task_failed");
            double obj = dev.morse.experiments.Rows.num(row, step + ".objective");
            // the tolerance the step used (its output: the step's option wins over a config column, neither
            // may be there); results of a step that did not output it: the config column, else the default
            double tol = dev.morse.experiments.Rows.num(row, step + ".global_tol");
            if (!(tol > 0)) tol = dev.morse.experiments.Rows.num(row, "global_tol");
            return new Run(String.valueOf(row.get("setting")), ((Number) row.get("n")).intValue(),
                    ((Number) row.get("width")).intValue(), ((Number) row.get("alpha")).doubleValue(),
                    Kind.parse(String.valueOf(cls)), String.valueOf(reason),
                    obj - dev.morse.experiments.Rows.num(row, step + ".global_lower"),
                    obj - dev.morse.experiments.Rows.num(row, step + ".global_upper"),
                    tol > 0 ? tol : Classification.Tolerances.defaults().global());
        }
    }

    public record Verdict(String claim, String verdict, Map<String, Object> evidence) {}

    /**
     * @param largeAlpha smallest α counted as a large initialization
     * @param smallAlpha largest α counted as a small initialization
     * @param common     "common": at least this fraction
     * @param rare       "rare": at most this fraction
     * @param minRuns    fewer runs in a cell is inconclusive (a rule may need more: {@link #minRuns})
     * @param z          normal quantile of the intervals (1.96: 95%)
     */
    public record Config(double largeAlpha, double smallAlpha, double common, double rare, int minRuns, double z) {
        public Config {
            if (!(common > 0 && common < 1) || !(rare > 0 && rare < 1)) {
                throw new IllegalArgumentException("common and rare are fractions in (0, 1), got " + common + " and " + rare);
            }
            if (!(z > 0) || minRuns < 1) throw new IllegalArgumentException("need z > 0 and minRuns >= 1, got " + z + " and " + minRuns);
        }

        /** largeAlpha 0.1, smallAlpha 0.01, common 0.2, rare 0.1, minRuns 20, z 1.96. */
        public static Config defaults() { return new Config(0.1, 0.01, 0.2, 0.1, 20, 1.96); }
    }

    public static int widthThreshold(int n) { return 1 << (n + 1); }

    public static List<Verdict> evaluate(List<Run> runs, Config cfg) {
        List<Verdict> out = new ArrayList<>();
        List<Run> small = new ArrayList<>(), large = new ArrayList<>(), smallInit = new ArrayList<>(), smallInitLarge = new ArrayList<>();
        for (Run r : runs) {
            if (r.setting().equals("orthogonal") && r.alpha() >= cfg.largeAlpha()) {
                if (2 * r.width() <= widthThreshold(r.n())) small.add(r);
                if (r.width() >= 2 * widthThreshold(r.n())) large.add(r);
            } else if (r.setting().equals("small_init_example")) {
                if (r.alpha() <= cfg.smallAlpha()) smallInit.add(r);
                if (r.alpha() >= cfg.largeAlpha()) smallInitLarge.add(r);
            }
        }
        out.add(verdict(SMALL_WIDTH_SPURIOUS, small, true, cfg,
                "orthogonal data, width ≤ 2^(n+1)/2, alpha ≥ " + cfg.largeAlpha(), null));
        out.add(verdict(LARGE_WIDTH_BENIGN, large, false, cfg,
                "orthogonal data, width ≥ 2·2^(n+1), alpha ≥ " + cfg.largeAlpha(), null));
        out.add(verdict(SMALL_INIT_SPURIOUS, smallInit, true, cfg,
                "small-initialization example, alpha ≤ " + cfg.smallAlpha(), smallInitLarge));
        return out;
    }

    private static Verdict verdict(String claim, List<Run> cell, boolean common, Config cfg, String cellText, List<Run> contrast) {
        Map<String, Object> ev = new LinkedHashMap<>();
        ev.put("cell", cellText);
        Counts c = Counts.of(cell);
        c.into(ev, "");
        double threshold = common ? cfg.common() : cfg.rare();
        ev.put("claim_rule", common ? "spurious fraction ≥ " + threshold : "spurious fraction ≤ " + threshold);
        double[] strict = interval(c.spurious, c.spurious + c.unknown(), c.total, cfg.z());
        ev.put("spurious_fraction", c.total == 0 ? Double.NaN : (double) c.spurious / c.total);
        ev.put("spurious_interval", strict);
        String v = decide(strict, c.total, common, threshold, cfg);
        double[] loose = interval(c.spurious + c.stalled, c.spurious + c.stalled + c.unknown(), c.total, cfg.z());
        ev.put("non_global_fraction", c.total == 0 ? Double.NaN : (double) (c.spurious + c.stalled) / c.total);
        ev.put("non_global_interval", loose);
        ev.put("verdict_counting_stalled", decide(loose, c.total, common, threshold, cfg));
        // Stalled points whose only way down is through a zero (dead) neuron: local minima of the
        // network without its dead neurons, saddles of the full network.
        int zeroOnly = 0;
        for (Run r : cell) if (r.kind() == Kind.STALLED && "zero_neuron_descent".equals(r.reason())) zeroOnly++;
        ev.put("stalled_only_through_zero_neurons", zeroOnly);
        margins(cell, ev);
        int need = minRuns(common, threshold, cfg);
        ev.put("min_runs", need);
        if (c.total < need) {
            ev.put("why_inconclusive", "fewer than " + need + " runs in the cell" + (need > cfg.minRuns()
                    ? " (the fewest with which this rule can decide either way at z = " + cfg.z() + ")" : ""));
        } else if (v.equals("inconclusive")) {
            ev.put("why_inconclusive", "the interval contains the threshold " + threshold);
        }
        if (contrast != null) Counts.of(contrast).into(ev, "large_alpha_");
        return new Verdict(claim, v, ev);
    }

    /**
     * The margins of the global/non-global split (see the class comment): the largest distance above
     * the global value's lower bound among global runs and the smallest above its upper bound among
     * spurious and stalled runs, absolute and over the tolerance; NaN where the cell has none.
     */
    private static void margins(List<Run> cell, Map<String, Object> ev) {
        double globalMax = Double.NaN, globalMaxRatio = Double.NaN, nonMin = Double.NaN, nonMinRatio = Double.NaN;
        for (Run r : cell) {
            if (r.kind() == Kind.GLOBAL && Double.isFinite(r.aboveLower())
                    && (Double.isNaN(globalMaxRatio) || r.aboveLower() / r.globalTol() > globalMaxRatio)) {
                globalMax = r.aboveLower();
                globalMaxRatio = r.aboveLower() / r.globalTol();
            }
            if ((r.kind() == Kind.SPURIOUS || r.kind() == Kind.STALLED) && Double.isFinite(r.aboveUpper())
                    && (Double.isNaN(nonMinRatio) || r.aboveUpper() / r.globalTol() < nonMinRatio)) {
                nonMin = r.aboveUpper();
                nonMinRatio = r.aboveUpper() / r.globalTol();
            }
        }
        ev.put("global_tol", tolerance(cell));
        ev.put("global_gap_max", globalMax);
        ev.put("global_gap_max_over_tol", globalMaxRatio);
        ev.put("non_global_gap_min", nonMin);
        ev.put("non_global_gap_min_over_tol", nonMinRatio);
    }

    /**
     * The global tolerance of {@code runs}: the one of the runs that have a distance to the global
     * value (a failed task has none, and no tolerance it was compared with), NaN when they differ
     * (then the ratios say it run by run); when none has one, the first run's (NaN for no runs).
     */
    public static double tolerance(List<Run> runs) {
        double tol = Double.NaN;
        boolean any = false;
        for (Run r : runs) {
            if (Double.isNaN(r.aboveLower()) && Double.isNaN(r.aboveUpper())) continue;
            if (!any) tol = r.globalTol();
            else if (tol != r.globalTol()) tol = Double.NaN;
            any = true;
        }
        if (!any) return runs.isEmpty() ? Double.NaN : runs.get(0).globalTol();
        return tol;
    }

    static String decide(double[] interval, int total, boolean common, double threshold, Config cfg) {
        if (total < minRuns(common, threshold, cfg)) return "inconclusive";
        return rule(interval, common, threshold);
    }

    /**
     * The fewest runs a cell needs: {@link Config#minRuns()}, or more where fewer runs could not
     * reach one of the verdicts. A Wilson interval of N runs is never narrower than its ends at
     * 0 of N (upper end z²/(N + z²)) and N of N (lower end N/(N + z²)), so "rare" (upper end ≤ t)
     * needs N ≥ z²(1 − t)/t: 35 runs for t = 0.1 at 95%, not 20; refuting "common" (upper end &lt; t)
     * needs N &gt; z²(1 − t)/t, 16 for t = 0.2. With fewer the verdict says "too few runs" instead
     * of implying the cell was big enough and the data undecided.
     */
    static int minRuns(boolean common, double threshold, Config cfg) {
        double z2 = cfg.z() * cfg.z();
        int n = (int) Math.max(1, Math.ceil(Math.max(z2 * (1 - threshold) / threshold, z2 * threshold / (1 - threshold))));
        // the closed form's rounding against the rule itself (< versus ≤ at an exact bound)
        while (n > 1 && bothReachable(n - 1, common, threshold, cfg.z())) n--;
        while (!bothReachable(n, common, threshold, cfg.z())) n++;
        return Math.max(cfg.minRuns(), n);
    }

    /** Whether N runs can give both verdicts: N of N spurious one, 0 of N the other. */
    private static boolean bothReachable(int total, boolean common, double threshold, double z) {
        return !rule(interval(0, 0, total, z), common, threshold).equals("inconclusive")
                && !rule(interval(total, total, total, z), common, threshold).equals("inconclusive");
    }

    private static String rule(double[] interval, boolean common, double threshold) {
        if (common) {
            if (interval[0] >= threshold) return "reproduced";
            if (interval[1] < threshold) return "not_reproduced";
        } else {
            if (interval[1] <= threshold) return "reproduced";
            if (interval[0] > threshold) return "not_reproduced";
        }
        return "inconclusive";
    }

    /** [Wilson lower bound of kLow/N, Wilson upper bound of kHigh/N]. */
    static double[] interval(int kLow, int kHigh, int total, double z) {
        if (total == 0) return new double[] {0, 1};
        return new double[] {wilson(kLow, total, z, -1), wilson(kHigh, total, z, 1)};
    }

    /** Wilson score interval end for k successes in N trials (side −1: lower, +1: upper). */
    static double wilson(int k, int total, double z, int side) {
        double p = (double) k / total, z2 = z * z;
        double center = (p + z2 / (2.0 * total)) / (1 + z2 / total);
        double half = z * Math.sqrt(p * (1 - p) / total + z2 / (4.0 * total * total)) / (1 + z2 / total);
        return Math.min(1, Math.max(0, center + side * half));
    }

    private record Counts(int total, int global, int spurious, int stalled, int unconverged, int undetermined) {
        int unknown() { return unconverged + undetermined; }

        static Counts of(List<Run> runs) {
            int[] k = new int[Kind.values().length];
            for (Run r : runs) k[r.kind().ordinal()]++;
            return new Counts(runs.size(), k[Kind.GLOBAL.ordinal()], k[Kind.SPURIOUS.ordinal()], k[Kind.STALLED.ordinal()],
                    k[Kind.UNCONVERGED.ordinal()], k[Kind.UNDETERMINED.ordinal()]);
        }

        void into(Map<String, Object> ev, String prefix) {
            ev.put(prefix + "runs", total);
            ev.put(prefix + "global", global);
            ev.put(prefix + "spurious", spurious);
            ev.put(prefix + "stalled", stalled);
            ev.put(prefix + "unconverged", unconverged);
            ev.put(prefix + "undetermined", undetermined);
        }
    }
}
