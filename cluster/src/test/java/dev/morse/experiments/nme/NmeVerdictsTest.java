package dev.morse.experiments.nme;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.morse.experiments.Verdict;
import dev.morse.experiments.Verdict.Outcome;
import dev.morse.experiments.nme.NmeVerdicts.Run;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The verdict rules of neglected-nme on fabricated training runs. */
class NmeVerdictsTest {
    private static final NmeVerdicts.Config CFG = NmeVerdicts.Config.defaults();
    private static final long[] SEEDS = {0, 1, 2, 3};

    /**
     * Runs of one arm: the seed's baseline level plus the arm's effect, with a seed-dependent wobble
     * common to every arm (paired seeds) and a small arm-specific one of size {@code noise}.
     */
    private static void arm(List<Run> runs, String act, String pen, double effect, double noise) {
        for (long s : SEEDS) {
            double level = 84 + 1.5 * Math.sin(3.0 * s);                      // seed-to-seed spread (shared)
            double own = noise * Math.cos(7.0 * s + Math.floorMod((act + "|" + pen).hashCode(), 97));   // not shared
            double acc = level + effect + own;
            // epoch-to-epoch swings of ±1.5 points around the run's level; the last three average to acc
            double[] epochs = {acc - 6, acc - 2, acc + 1.5, acc - 1.5, acc};
            runs.add(new Run(act, pen, s, epochs, false, false, new double[0]));
        }
    }

    /** The claims' arms with the given effects (points of accuracy). */
    private static List<Run> runs(double geluGp, double reluGp, double beta16Gp, double augmented, double diminished, double ggnOverHessian, double noise) {
        List<Run> r = new ArrayList<>();
        arm(r, "relu", "none", 0, noise);
        arm(r, "gelu", "none", 1, noise);
        for (String rho : List.of("0.01", "0.1")) {
            arm(r, "relu", "gradient_norm:" + rho, reluGp, noise);
            arm(r, "gelu", "gradient_norm:" + rho, 1 + geluGp, noise);
        }
        arm(r, "beta_gelu:16", "none", 0.5, noise);
        arm(r, "beta_gelu:16", "gradient_norm:0.1", 0.5 + beta16Gp, noise);
        arm(r, "augmented_relu:1", "gradient_norm:0.1", reluGp + augmented, noise);
        arm(r, "diminished_gelu", "gradient_norm:0.1", 1 + geluGp - diminished, noise);
        arm(r, "gelu", "hessian_trace:0.1", 0, noise);
        arm(r, "gelu", "ggn_trace:0.1", ggnOverHessian, noise);
        arm(r, "gelu", "weight_noise:0.1", -1, noise);
        return r;
    }

    private static Verdict find(List<Verdict> vs, String claim) {
        return vs.stream().filter(v -> v.claim().equals(claim)).findFirst().orElseThrow();
    }

    /**
     * Runs on the synthetic stand-in for Fashion-MNIST (what {@code prepare} substitutes when the
     * data set is missing) decide nothing, however clear their effects: every verdict is inconclusive
     * and the rule's outcome on the stand-in stays in the evidence.
     */
    @Test
    void runsOnAStandInDataSetDecideNothing(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        List<Run> fabricated = runs(1.2, -0.8, 0.1, 1.0, 1.0, 3.0, 0.1);
        for (String data : List.of("gaussian:n=768", "fashion-mnist:n=512,test=256")) {
            List<Map<String, Object>> rows = new ArrayList<>();
            int k = 0;
            for (Run r : fabricated) {
                String id = data.charAt(0) + "t" + k++;
                Map<String, Object> row = new java.util.HashMap<>(Map.of("task_id", id, "status", "done", "activation", r.activation(),
                        "seed", r.seed(), "data", data));
                if (!r.penalty().equals("none")) row.put("penalty", r.penalty());
                rows.add(row);
                StringBuilder epochs = new StringBuilder();
                for (double a : r.accuracy()) epochs.append(epochs.length() == 0 ? "" : ",").append("{\"test_accuracy\":").append(a / 100).append('}');
                java.nio.file.Path t = dir.resolve("tasks").resolve(id);
                java.nio.file.Files.createDirectories(t);
                java.nio.file.Files.writeString(t.resolve("train.json"), "{\"epochs\":[" + epochs + "]}");
            }
            dev.morse.experiments.ExperimentResults results = new dev.morse.experiments.ExperimentResults(dir, "tiny",
                    dev.morse.experiments.BundledSpecs.bundledSpec("neglected-nme", "tiny"), rows, rows.size(), List.of());
            List<Verdict> vs = new NeglectedNme().analyze(results).verdicts();
            for (Verdict v : vs) {
                if (data.startsWith("fashion")) {
                    assertEquals(Outcome.REPRODUCED, v.outcome(), v.claim() + " on Fashion-MNIST: " + v.evidence());
                    continue;
                }
                assertEquals(Outcome.INCONCLUSIVE, v.outcome(), v.claim() + " on a stand-in: " + v.evidence());
                assertEquals("reproduced", v.evidence().get("verdict_on_stand_in_data"));
                assertEquals("verdict_on_stand_in_data", v.evidence().keySet().iterator().next(), "the rule's answer first");
                assertTrue(((String) v.evidence().get("summary")).startsWith("stand-in data (gaussian:n=768"), v.evidence().toString());
                assertTrue(((String) v.evidence().get("why_inconclusive")).contains("gaussian:n=768"), v.evidence().toString());
            }
        }
    }

    @Test
    void clearEffectsAreReproduced() {
        List<Verdict> vs = NmeVerdicts.evaluate(runs(1.2, -0.8, 0.1, 1.0, 1.0, 3.0, 0.1), CFG);
        for (Verdict v : vs) assertEquals(Outcome.REPRODUCED, v.outcome(), v.claim() + ": " + v.evidence());
        Map<String, Object> ev = find(vs, NmeVerdicts.GP_GELU_NOT_RELU).evidence();
        assertEquals(List.of(0.01, 0.1), ev.get("rhos"));
        @SuppressWarnings("unchecked") Map<String, Object> diff = (Map<String, Object>) ev.get("gelu_minus_relu_benefit");
        assertEquals(2.0, (double) diff.get("mean"), 0.2);
        assertEquals(4, diff.get("seeds"));
        assertTrue((double) ev.get("epoch_swing_mean") > 1, "the epoch-to-epoch swing is reported as the noise floor");
        assertEquals(16.0, find(vs, NmeVerdicts.GP_BETA).evidence().get("beta_max"));
    }

    @Test
    void effectsTheOtherWayOrNegligibleAreNotReproduced() {
        // GP hurts GELU; β = 16 gains more than GELU; augmented ReLU loses; GGN trace worse than Hessian trace
        List<Verdict> vs = NmeVerdicts.evaluate(runs(-1.0, 0.0, 1.5, -1.0, 1.0, -2.0, 0.1), CFG);
        for (Verdict v : vs) assertEquals(Outcome.NOT_REPRODUCED, v.outcome(), v.claim() + ": " + v.evidence());
    }

    @Test
    void effectsWithinTheNoiseAreInconclusive() {
        // effects of about half a point against arm-specific noise of two points: the intervals straddle 0 and 0.5
        List<Verdict> vs = NmeVerdicts.evaluate(runs(0.6, 0.0, 0.0, 0.6, 0.6, 0.6, 2.0), CFG);
        for (Verdict v : vs) assertEquals(Outcome.INCONCLUSIVE, v.outcome(), v.claim() + ": " + v.evidence());
    }

    @Test
    void oneSeedMissingArmsAndDivergence() {
        List<Run> one = new ArrayList<>();
        for (Run r : runs(1.2, -0.8, 0.1, 1.0, 1.0, 3.0, 0.1)) if (r.seed() == 0) one.add(r);
        for (Verdict v : NmeVerdicts.evaluate(one, CFG)) assertEquals(Outcome.INCONCLUSIVE, v.outcome(), "one seed gives no interval");

        List<Verdict> none = NmeVerdicts.evaluate(List.of(), CFG);
        for (Verdict v : none) {
            assertEquals(Outcome.INCONCLUSIVE, v.outcome());
            assertTrue(v.evidence().containsKey("why_inconclusive") || v.evidence().get("summary").toString().contains("–"), v.toString());
        }

        // Hessian-trace runs that diverge count at chance: the GGN trace holds up
        List<Run> r = new ArrayList<>(runs(0, 0, 0, 0, 0, 0, 0.1));
        r.removeIf(x -> x.penalty().startsWith("hessian_trace"));
        for (long s : SEEDS) r.add(new Run("gelu", "hessian_trace:0.1", s, new double[] {40, 12}, true, false, new double[0]));
        Verdict g = find(NmeVerdicts.evaluate(r, CFG), NmeVerdicts.GGN_TRACE);
        assertEquals(Outcome.REPRODUCED, g.outcome());
        assertTrue(g.evidence().get("summary").toString().contains("4 runs diverged"));
        // runs that failed for another reason are missing, not chance
        Run failed = new Run("gelu", "none", 9, new double[0], false, true, new double[0]);
        assertTrue(Double.isNaN(failed.score(CFG)));
        assertEquals(10.0, new Run("gelu", "x", 9, new double[] {50}, true, false, new double[0]).score(CFG));
    }

    @Test
    void penaltyAndActivationParsing() {
        assertEquals(0.1, NmeVerdicts.rho("gradient_norm:0.1"));
        assertEquals(0.1, NmeVerdicts.rho("gradient_norm:0.1:1"));
        assertTrue(Double.isNaN(NmeVerdicts.rho("gradient_norm:0.1:2")), "p = 2 is another penalty");
        assertTrue(Double.isNaN(NmeVerdicts.rho("gradient_norm_ggn:0.1")));
        assertEquals(0.01, NmeVerdicts.sigma2("ggn_trace:0.01:1", "ggn_trace"));
        assertEquals(1.0, NmeVerdicts.beta("gelu"));
        assertEquals(4.0, NmeVerdicts.beta("beta_gelu:4"));
        assertTrue(Double.isNaN(NmeVerdicts.beta("relu")));
        Run r = new Run("gelu", "none", 0, new double[] {70, 80, 82, 81, 85}, false, false, new double[0]);
        assertEquals((82 + 81 + 85) / 3.0, r.score(CFG), 1e-12);
        assertEquals((1 + 4) / 2.0, r.swing(CFG), 1e-12, "|81 − 82| and |85 − 81| over the last three epochs");
    }
}
