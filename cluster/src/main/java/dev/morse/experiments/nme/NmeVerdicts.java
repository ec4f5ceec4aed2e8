package dev.morse.experiments.nme;

import dev.morse.experiments.Markdown;
import dev.morse.experiments.Stats;
import dev.morse.experiments.Verdict;
import dev.morse.experiments.Verdict.Outcome;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * The verdicts of {@code neglected-nme}, from each training run's held-out accuracy.
 *
 * <h2>The numbers</h2>
 * A run's accuracy is the mean test accuracy (percent) of its last {@code lastEpochs} epochs: one
 * epoch's accuracy swings by points from epoch to epoch at small scale. A run that diverged
 * (train's {@code failure}) counts as chance accuracy (10% for ten classes): a penalty that blows
 * training up did not "hold up". Runs that failed otherwise (e.g. a penalty this build lacks) are
 * missing. Every contrast is computed <b>per seed</b> (the same seed gives the same initialization
 * and minibatch order in every arm: paired runs) and summarized by its mean and Student-t 95%
 * interval over the seeds that have every arm it needs.
 *
 * <h2>Deciding</h2>
 * A contrast c that the claim says is positive is {@code reproduced} when its interval lies above 0,
 * {@code not_reproduced} when its upper end is below {@code minEffect} (the effect, if any, is
 * smaller than the smallest the claim means: half of the ≈ 1 point reported), and
 * {@code inconclusive} otherwise, or with fewer than two seeds. Claims with two parts need both
 * ({@link Outcome#and}).
 */
public final class NmeVerdicts {
    private NmeVerdicts() {}

    public static final String GP_GELU_NOT_RELU = "gp-helps-gelu-not-relu";
    public static final String GP_BETA = "gp-benefit-shrinks-with-beta";
    public static final String SIGMA2_INFO = "sigma2-info-controls-gp";
    public static final String GGN_TRACE = "ggn-trace-stable";

    /**
     * @param lastEpochs     epochs averaged per run
     * @param minEffect      the smallest effect (percent points) the claims mean
     * @param chanceAccuracy accuracy a diverged run counts as (percent)
     */
    public record Config(int lastEpochs, double minEffect, double chanceAccuracy) {
        /** lastEpochs 3, minEffect 0.5 points, chanceAccuracy 10%. */
        public static Config defaults() { return new Config(3, 0.5, 10.0); }
    }

    /**
     * One training run.
     *
     * @param penalty   the penalty spec, {@code none} without
     * @param accuracy  per epoch, percent (empty when the run failed before its first epoch)
     * @param diverged  training stopped on a non-finite loss
     * @param missing   the run failed for another reason (no number)
     * @param nmeShare  ‖M‖_F/‖H‖_F at the start and after each epoch when measured (else empty)
     */
    public record Run(String activation, String penalty, long seed, double[] accuracy, boolean diverged, boolean missing,
                      double[] nmeShare) {
        public String arm() { return arm(activation, penalty); }

        public static String arm(String activation, String penalty) { return activation + " | " + penalty; }

        /** The run's accuracy for the verdicts: mean of the last epochs, chance when diverged, NaN when missing. */
        public double score(Config cfg) {
            if (missing) return Double.NaN;
            if (diverged) return cfg.chanceAccuracy();
            if (accuracy.length == 0) return Double.NaN;
            int k = Math.min(cfg.lastEpochs(), accuracy.length);
            double s = 0;
            for (int i = accuracy.length - k; i < accuracy.length; i++) s += accuracy[i];
            return s / k;
        }

        /** Mean |accuracy change| between consecutive epochs among the last epochs (NaN with fewer than two). */
        public double swing(Config cfg) {
            if (missing || diverged || accuracy.length < 2) return Double.NaN;
            int k = Math.max(2, Math.min(cfg.lastEpochs(), accuracy.length));
            int from = Math.max(1, accuracy.length - k + 1);
            double s = 0;
            int n = 0;
            for (int i = from; i < accuracy.length; i++) { s += Math.abs(accuracy[i] - accuracy[i - 1]); n++; }
            return s / n;
        }
    }

    /** Scores by arm, then by seed. */
    public static Map<String, Map<Long, Double>> scores(List<Run> runs, Config cfg) {
        Map<String, Map<Long, Double>> m = new TreeMap<>();
        for (Run r : runs) {
            double s = r.score(cfg);
            if (Double.isFinite(s)) m.computeIfAbsent(r.arm(), k -> new TreeMap<>()).put(r.seed(), s);
        }
        return m;
    }

    /** ρ of {@code gradient_norm:ρ[:p]} with the default p = 1, or NaN for another penalty. */
    public static double rho(String penalty) {
        if (penalty == null || !penalty.startsWith("gradient_norm:")) return Double.NaN;
        String[] p = penalty.split(":");
        if (p.length > 3 || (p.length == 3 && !p[2].equals("1"))) return Double.NaN;
        return Double.parseDouble(p[1]);
    }

    /** σ² of {@code kind:σ²[:k]}, or NaN for another penalty. */
    public static double sigma2(String penalty, String kind) {
        if (penalty == null || !penalty.startsWith(kind + ":")) return Double.NaN;
        return Double.parseDouble(penalty.split(":")[1]);
    }

    /** β of {@code beta_gelu:β}; 1 for {@code gelu}; NaN otherwise. */
    public static double beta(String activation) {
        if (activation.equals("gelu")) return 1;
        if (activation.startsWith("beta_gelu:")) return Double.parseDouble(activation.substring("beta_gelu:".length()));
        return Double.NaN;
    }

    public static List<Verdict> evaluate(List<Run> runs, Config cfg) {
        Map<String, Map<Long, Double>> s = scores(runs, cfg);
        Map<String, Object> noise = noise(runs, cfg);
        List<Verdict> out = new ArrayList<>();
        out.add(gpGeluNotRelu(runs, s, cfg, noise));
        out.add(gpBeta(runs, s, cfg, noise));
        out.add(sigma2Info(runs, s, cfg, noise));
        out.add(ggnTrace(runs, s, cfg, noise));
        return out;
    }

    /** The noise floor: epoch-to-epoch swing and the spread over seeds of the runs without a penalty. */
    static Map<String, Object> noise(List<Run> runs, Config cfg) {
        List<Double> swings = new ArrayList<>();
        Map<String, List<Double>> base = new TreeMap<>();
        for (Run r : runs) {
            double w = r.swing(cfg);
            if (Double.isFinite(w)) swings.add(w);
            if (r.penalty().equals("none") && Double.isFinite(r.score(cfg))) base.computeIfAbsent(r.activation(), k -> new ArrayList<>()).add(r.score(cfg));
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("epoch_swing_mean", Stats.mean(Stats.array(swings)));
        List<Double> sds = new ArrayList<>();
        for (List<Double> l : base.values()) {
            double sd = Stats.sd(Stats.array(l));
            if (Double.isFinite(sd)) sds.add(sd);
        }
        m.put("seed_sd_without_penalty", Stats.mean(Stats.array(sds)));
        return m;
    }

    /** The per-seed values of {@code f} over the seeds where it is finite. */
    static double[] perSeed(Map<String, Map<Long, Double>> s, Function<Long, Double> f) {
        TreeSet<Long> seeds = new TreeSet<>();
        for (Map<Long, Double> m : s.values()) seeds.addAll(m.keySet());
        List<Double> out = new ArrayList<>();
        for (long seed : seeds) {
            Double v = f.apply(seed);
            if (v != null && Double.isFinite(v)) out.add(v);
        }
        return Stats.array(out);
    }

    static double get(Map<String, Map<Long, Double>> s, String activation, String penalty, long seed) {
        Map<Long, Double> m = s.get(Run.arm(activation, penalty));
        Double v = m == null ? null : m.get(seed);
        return v == null ? Double.NaN : v;
    }

    /** The decision rule of the class comment for a contrast the claim says is positive. */
    static Outcome decide(Stats.Interval c, Config cfg) {
        if (!c.defined()) return Outcome.INCONCLUSIVE;
        if (c.lo() > 0) return Outcome.REPRODUCED;
        if (c.hi() < cfg.minEffect()) return Outcome.NOT_REPRODUCED;
        return Outcome.INCONCLUSIVE;
    }

    static Map<String, Object> interval(Stats.Interval c) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("mean", c.mean());
        m.put("ci95", new double[] {c.lo(), c.hi()});
        m.put("seeds", c.n());
        return m;
    }

    private static String text(Stats.Interval c) {
        if (!c.defined()) return Markdown.signed(c.mean(), 2) + " pt (" + c.n() + " seed" + (c.n() == 1 ? "" : "s") + ", no interval)";
        return Markdown.signed(c.mean(), 2) + " pt [" + Markdown.signed(c.lo(), 2) + ", " + Markdown.signed(c.hi(), 2) + "]";
    }

    /** The ρ &gt; 0 of gradient_norm penalties run with both activations. */
    static List<Double> rhos(List<Run> runs, String a, String b) {
        TreeSet<Double> ra = new TreeSet<>(), rb = new TreeSet<>();
        for (Run r : runs) {
            double rho = rho(r.penalty());
            if (!(rho > 0)) continue;
            if (r.activation().equals(a)) ra.add(rho);
            if (r.activation().equals(b)) rb.add(rho);
        }
        ra.retainAll(rb);
        return new ArrayList<>(ra);
    }

    static String gn(double rho) {
        return "gradient_norm:" + Markdown.num(rho);
    }

    /** The penalty text of the runs with that activation and ρ (as the spec wrote it). */
    static String penaltyWithRho(List<Run> runs, String activation, double rho) {
        for (Run r : runs) if (r.activation().equals(activation) && rho(r.penalty()) == rho) return r.penalty();
        return gn(rho);
    }

    static Verdict gpGeluNotRelu(List<Run> runs, Map<String, Map<Long, Double>> s, Config cfg, Map<String, Object> noise) {
        List<Double> rhos = rhos(runs, "gelu", "relu");
        Function<String, Function<Long, Double>> benefit = act -> seed -> {
            if (rhos.isEmpty()) return Double.NaN;
            double sum = 0;
            for (double rho : rhos) sum += get(s, act, penaltyWithRho(runs, act, rho), seed);
            return sum / rhos.size() - get(s, act, "none", seed);
        };
        Stats.Interval gelu = Stats.tInterval(perSeed(s, benefit.apply("gelu")));
        Stats.Interval relu = Stats.tInterval(perSeed(s, benefit.apply("relu")));
        Stats.Interval diff = Stats.tInterval(perSeed(s, seed -> benefit.apply("gelu").apply(seed) - benefit.apply("relu").apply(seed)));
        Map<String, Object> ev = new LinkedHashMap<>();
        ev.put("rhos", rhos);
        ev.put("gelu_benefit", interval(gelu));
        ev.put("relu_benefit", interval(relu));
        ev.put("gelu_minus_relu_benefit", interval(diff));
        Map<String, Object> per = new LinkedHashMap<>();
        for (String act : List.of("relu", "gelu")) {
            for (double rho : rhos) {
                String pen = penaltyWithRho(runs, act, rho);
                per.put(Run.arm(act, pen), interval(Stats.tInterval(perSeed(s, seed -> get(s, act, pen, seed) - get(s, act, "none", seed)))));
            }
        }
        ev.put("benefit_per_rho", per);
        ev.putAll(noise);
        Outcome o = rhos.isEmpty() ? Outcome.INCONCLUSIVE : decide(gelu, cfg).and(decide(diff, cfg));
        if (rhos.isEmpty()) ev.put("why_inconclusive", "no gradient_norm runs for both relu and gelu");
        ev.put("summary", "GP benefit (mean over ρ) GELU " + text(gelu) + ", ReLU " + text(relu) + "; GELU − ReLU " + text(diff));
        return new Verdict(GP_GELU_NOT_RELU, o, ev);
    }

    /** The ρ of the gradient_norm runs with beta_gelu activations (the fixed ρ of the β sweep), or NaN. */
    static double fixedRho(List<Run> runs, java.util.function.Predicate<String> activations) {
        TreeSet<Double> r = new TreeSet<>();
        for (Run x : runs) if (activations.test(x.activation()) && rho(x.penalty()) > 0) r.add(rho(x.penalty()));
        return r.size() == 1 ? r.first() : Double.NaN;
    }

    static Verdict gpBeta(List<Run> runs, Map<String, Map<Long, Double>> s, Config cfg, Map<String, Object> noise) {
        double rho = fixedRho(runs, a -> a.startsWith("beta_gelu:"));
        TreeMap<Double, String> betas = new TreeMap<>();
        for (Run r : runs) {
            double b = beta(r.activation());
            if (b > 0) betas.putIfAbsent(b, r.activation());
        }
        Map<String, Object> ev = new LinkedHashMap<>();
        ev.put("rho", rho);
        Map<String, Object> per = new LinkedHashMap<>();
        for (var b : betas.entrySet()) {
            String pen = penaltyWithRho(runs, b.getValue(), rho);
            per.put("beta " + Markdown.num(b.getKey()), interval(Stats.tInterval(perSeed(s, seed -> get(s, b.getValue(), pen, seed)
                    - get(s, b.getValue(), "none", seed)))));
        }
        ev.put("benefit_per_beta", per);
        ev.putAll(noise);
        if (!(rho > 0) || betas.size() < 2 || !betas.containsKey(1.0)) {
            ev.put("why_inconclusive", "needs gradient_norm runs at one ρ for gelu (β = 1) and at least one beta_gelu:β");
            ev.put("summary", "no β sweep in the results");
            return new Verdict(GP_BETA, Outcome.INCONCLUSIVE, ev);
        }
        String small = betas.get(1.0), large = betas.lastEntry().getValue();
        String pSmall = penaltyWithRho(runs, small, rho), pLarge = penaltyWithRho(runs, large, rho);
        Stats.Interval shrink = Stats.tInterval(perSeed(s, seed -> (get(s, small, pSmall, seed) - get(s, small, "none", seed))
                - (get(s, large, pLarge, seed) - get(s, large, "none", seed))));
        ev.put("benefit_beta1_minus_benefit_beta_max", interval(shrink));
        ev.put("beta_max", betas.lastKey());
        Stats.Interval b1 = Stats.tInterval(perSeed(s, seed -> get(s, small, pSmall, seed) - get(s, small, "none", seed)));
        Stats.Interval bMax = Stats.tInterval(perSeed(s, seed -> get(s, large, pLarge, seed) - get(s, large, "none", seed)));
        // the contrast alone decides; the benefits themselves are in the summary so that a "benefit" negative everywhere shows
        ev.put("summary", "GP benefit (ρ = " + Markdown.num(rho) + ") at β = 1 " + text(b1) + ", at β = " + Markdown.num(betas.lastKey()) + " "
                + text(bMax) + "; difference " + text(shrink));
        return new Verdict(GP_BETA, decide(shrink, cfg), ev);
    }

    static Verdict sigma2Info(List<Run> runs, Map<String, Map<Long, Double>> s, Config cfg, Map<String, Object> noise) {
        String aug = null;
        for (Run r : runs) if (r.activation().startsWith("augmented_relu")) { aug = r.activation(); break; }
        double rho = fixedRho(runs, a -> a.startsWith("augmented_relu") || a.equals("diminished_gelu"));
        Map<String, Object> ev = new LinkedHashMap<>();
        ev.put("rho", rho);
        ev.put("augmented", aug);
        ev.putAll(noise);
        if (aug == null || !(rho > 0)) {
            ev.put("why_inconclusive", "needs gradient_norm runs at one ρ for augmented_relu and diminished_gelu");
            ev.put("summary", "no augmented ReLU / diminished GELU runs in the results");
            return new Verdict(SIGMA2_INFO, Outcome.INCONCLUSIVE, ev);
        }
        String a = aug;
        String pAug = penaltyWithRho(runs, a, rho), pRelu = penaltyWithRho(runs, "relu", rho);
        String pDim = penaltyWithRho(runs, "diminished_gelu", rho), pGelu = penaltyWithRho(runs, "gelu", rho);
        Stats.Interval helps = Stats.tInterval(perSeed(s, seed -> get(s, a, pAug, seed) - get(s, "relu", pRelu, seed)));
        Stats.Interval hurts = Stats.tInterval(perSeed(s, seed -> get(s, "gelu", pGelu, seed) - get(s, "diminished_gelu", pDim, seed)));
        ev.put("augmented_relu_minus_relu", interval(helps));
        ev.put("gelu_minus_diminished_gelu", interval(hurts));
        ev.put("summary", "with GP ρ = " + Markdown.num(rho) + ": augmented ReLU − ReLU " + text(helps) + "; GELU − diminished GELU " + text(hurts));
        return new Verdict(SIGMA2_INFO, decide(helps, cfg).and(decide(hurts, cfg)), ev);
    }

    static Verdict ggnTrace(List<Run> runs, Map<String, Map<Long, Double>> s, Config cfg, Map<String, Object> noise) {
        TreeMap<Double, String> h = new TreeMap<>(), g = new TreeMap<>();
        String act = null;
        for (Run r : runs) {
            double sh = sigma2(r.penalty(), "hessian_trace"), sg = sigma2(r.penalty(), "ggn_trace");
            if (sh > 0) { h.put(sh, r.penalty()); act = r.activation(); }
            if (sg > 0) g.put(sg, r.penalty());
        }
        TreeSet<Double> both = new TreeSet<>(h.keySet());
        both.retainAll(g.keySet());
        Map<String, Object> ev = new LinkedHashMap<>();
        int diverged = 0;
        Map<String, Object> div = new LinkedHashMap<>();
        for (Run r : runs) {
            if (r.diverged()) {
                diverged++;
                div.merge(r.arm(), 1, (x, y) -> (Integer) x + (Integer) y);
            }
        }
        ev.put("diverged_runs", div);
        ev.putAll(noise);
        if (both.isEmpty()) {
            ev.put("why_inconclusive", "needs hessian_trace and ggn_trace runs at a common σ²");
            ev.put("summary", "no Hessian-trace / GGN-trace pair in the results");
            return new Verdict(GGN_TRACE, Outcome.INCONCLUSIVE, ev);
        }
        String a = act;
        Map<String, Object> per = new LinkedHashMap<>();
        for (double s2 : both) {
            String ph = h.get(s2), pg = g.get(s2);
            per.put("sigma2 " + Markdown.num(s2), interval(Stats.tInterval(perSeed(s, seed -> get(s, a, pg, seed) - get(s, a, ph, seed)))));
        }
        ev.put("ggn_minus_hessian_trace_per_sigma2", per);
        double top = both.last();
        String ph = h.get(top), pg = g.get(top);
        Stats.Interval c = Stats.tInterval(perSeed(s, seed -> get(s, a, pg, seed) - get(s, a, ph, seed)));
        ev.put("sigma2_max", top);
        ev.put("ggn_minus_hessian_trace_at_sigma2_max", interval(c));
        ev.put("summary", "at σ² = " + Markdown.num(top) + ": GGN-trace − Hessian-trace penalty " + text(c) + (diverged > 0 ? "; " + diverged
                + " runs diverged (counted at chance)" : ""));
        return new Verdict(GGN_TRACE, decide(c, cfg), ev);
    }
}
