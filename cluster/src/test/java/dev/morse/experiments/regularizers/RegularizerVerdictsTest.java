package dev.morse.experiments.regularizers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.morse.experiments.Verdict;
import dev.morse.experiments.Verdict.Outcome;
import dev.morse.experiments.regularizers.RegularizerVerdicts.Point;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The verdict rules of morse-regularizers on fabricated critical points, the deduplication, and the orbit arithmetic. */
class RegularizerVerdictsTest {
    private static final RegularizerVerdicts.Config CFG = RegularizerVerdicts.Config.defaults();

    /** A critical point; the spectrum is made from the objective so that equal objectives give equal spectra. */
    private static Point point(String act, String reg, long seed, double objective, int index, int nullity, double dataLoss,
                               int rank, int orbit) {
        String kind = reg.contains(":") ? reg.substring(0, reg.indexOf(':')) : reg;
        double[] spec = {-objective, nullity > 0 ? 0 : 1e-3, 1 + objective};
        return new Point("t" + seed, "3-4-2|" + act + "|" + reg, act, kind, reg, seed, true, objective, dataLoss, index, nullity, 26, 20,
                nullity > 0 ? 1e-6 : 1e5, spec, rank, orbit);
    }

    private static Point unconverged(String act, String reg, long seed) {
        String kind = reg.contains(":") ? reg.substring(0, reg.indexOf(':')) : reg;
        return new Point("u" + seed, "3-4-2|" + act + "|" + reg, act, kind, reg, seed, false, 0.3, 0.2, 2, 0, 26, 20, 1e3, new double[0], -1, -1);
    }

    /**
     * A distinct point of the multiplicative cell on the interpolating set (data loss 1e-33): its
     * objective is 0 there too, so {@code shape} tells the spectra apart.
     */
    private static Point interpolating(String act, long seed, int nullity, double shape) {
        double[] spec = {nullity > 0 ? 0 : 1e-3 * shape, 1, 1 + shape};
        return new Point("i" + seed, "3-4-2|" + act + "|multiplicative:0.05", act, "multiplicative", "multiplicative:0.05", seed, true,
                1e-33, 1e-33, 0, nullity, 26, 26 - nullity, nullity > 0 ? 1e-6 : 1e5, spec, 4, 6);
    }

    private static Verdict find(List<Verdict> vs, String claim) {
        return vs.stream().filter(v -> v.claim().equals(claim)).findFirst().orElseThrow();
    }

    /** Many distinct nondegenerate points for generalized_l2 and nonlinear l2 (minima and saddles), all activations. */
    private static List<Point> morseEverywhere() {
        List<Point> pts = new ArrayList<>();
        long seed = 0;
        for (String act : List.of("tanh", "sigmoid", "softplus", "gelu")) {
            for (int i = 0; i < 5; i++) {
                pts.add(point(act, "l2:0.01", seed++, 0.01 * (i + 1), i % 3, 0, 0.005, 3, 5));
                pts.add(point(act, "generalized_l2:0.01:7", seed++, 0.02 * (i + 1), i % 2, 0, 0.004, 3, 5));
            }
        }
        return pts;
    }

    @Test
    void reproducedPattern() {
        List<Point> pts = morseEverywhere();
        // multiplicative: an interpolating degenerate point, nullity = P − rank G = 6
        pts.add(point("tanh", "multiplicative:0.05", 100, 1e-33, 0, 6, 1e-33, 4, 6));
        pts.add(point("tanh", "multiplicative:0.05", 101, 0.05, 2, 0, 0.04, 2, 5));
        // linear with l2: nullity equals the orbit dimension (h = 4: r = 1 → 3, r = 2 → 5; the origin r = 0 → 0)
        pts.add(point("identity", "l2:0.01", 200, 0.0285, 3, 3, 0.02, 1, 3));
        pts.add(point("identity", "l2:0.01", 201, 0.0120, 0, 5, 0.01, 2, 5));
        pts.add(point("identity", "l2:0.01", 202, 0.1700, 6, 0, 0.17, 0, 0));
        List<Verdict> vs = RegularizerVerdicts.evaluate(pts, CFG);
        assertEquals(Outcome.REPRODUCED, find(vs, RegularizerVerdicts.GENERALIZED_L2).outcome());
        Verdict mult = find(vs, RegularizerVerdicts.MULTIPLICATIVE);
        assertEquals(Outcome.REPRODUCED, mult.outcome());
        assertEquals(1, mult.evidence().get("interpolating_nullity_equals_P_minus_rank_G"));
        Verdict lin = find(vs, RegularizerVerdicts.LINEAR_L2);
        assertEquals(Outcome.REPRODUCED, lin.outcome());
        assertEquals(3, lin.evidence().get("nullity_equals_orbit_dimension"));
        Verdict non = find(vs, RegularizerVerdicts.NONLINEAR_L2);
        assertEquals(Outcome.REPRODUCED, non.outcome(), "no degenerate point among ≥ 5 per activation, saddles included");
        assertTrue(((String) non.evidence().get("summary")).contains("tanh 0/5"), (String) non.evidence().get("summary"));
    }

    @Test
    void notReproducedPattern() {
        List<Point> pts = morseEverywhere();
        pts.add(point("gelu", "generalized_l2:0.01:7", 300, 0.5, 1, 1, 0.3, 3, 5));      // a degenerate point: contradicts
        pts.add(point("sigmoid", "l2:0.01", 301, 0.6, 2, 1, 0.3, 3, 5));                 // a counterexample candidate
        // five distinct interpolating points with the multiplicative regularizer, all nondegenerate
        for (int i = 0; i < 5; i++) pts.add(interpolating("tanh", 400 + i, 0, i + 1));
        // linear l2 points that are all nondegenerate: the symmetry claim fails
        for (int i = 0; i < 3; i++) pts.add(point("identity", "l2:0.01", 500 + i, 0.2 * (i + 1), i, 0, 0.1, 1, 3));
        List<Verdict> vs = RegularizerVerdicts.evaluate(pts, CFG);
        Verdict gen = find(vs, RegularizerVerdicts.GENERALIZED_L2);
        assertEquals(Outcome.NOT_REPRODUCED, gen.outcome());
        assertTrue(gen.evidence().get("degenerate").toString().contains("gelu"));
        assertEquals(Outcome.NOT_REPRODUCED, find(vs, RegularizerVerdicts.MULTIPLICATIVE).outcome());
        assertEquals(Outcome.NOT_REPRODUCED, find(vs, RegularizerVerdicts.LINEAR_L2).outcome());
        assertEquals(Outcome.NOT_REPRODUCED, find(vs, RegularizerVerdicts.NONLINEAR_L2).outcome());
    }

    @Test
    void inconclusivePattern() {
        List<Point> pts = new ArrayList<>();
        // a few points, many unconverged runs: unconverged runs are never degenerate
        for (int i = 0; i < 3; i++) pts.add(point("tanh", "generalized_l2:0.01:7", i, 0.1 * (i + 1), 1, 0, 0.05, 3, 5));
        for (int i = 0; i < 6; i++) pts.add(unconverged("tanh", "generalized_l2:0.01:7", 10 + i));
        // multiplicative: degenerate only through a symmetry (not interpolating)
        pts.add(point("identity", "multiplicative:0.05", 20, 0.022, 3, 3, 0.02, 1, 3));
        // linear: two points only
        pts.add(point("identity", "l2:0.01", 30, 0.0285, 3, 3, 0.02, 1, 3));
        pts.add(point("identity", "l2:0.01", 31, 0.0120, 0, 5, 0.01, 2, 5));
        // nonlinear l2: enough points but only minima
        for (String act : List.of("tanh", "gelu")) for (int i = 0; i < 5; i++) pts.add(point(act, "l2:0.01", 40 + i, 0.01 * (i + 1), 0, 0, 0.005, 3, 5));
        List<Verdict> vs = RegularizerVerdicts.evaluate(pts, CFG);
        Verdict gen = find(vs, RegularizerVerdicts.GENERALIZED_L2);
        assertEquals(Outcome.INCONCLUSIVE, gen.outcome());
        assertEquals(6, gen.evidence().get("unconverged_runs"));
        assertEquals(Outcome.INCONCLUSIVE, find(vs, RegularizerVerdicts.MULTIPLICATIVE).outcome());
        assertEquals(Outcome.INCONCLUSIVE, find(vs, RegularizerVerdicts.LINEAR_L2).outcome());
        Verdict non = find(vs, RegularizerVerdicts.NONLINEAR_L2);
        assertEquals(Outcome.INCONCLUSIVE, non.outcome());
        assertTrue(((String) non.evidence().get("why_inconclusive")).contains("saddle"));
    }

    /**
     * The multiplicative claim is about the interpolating set L = 0; critical points off it are
     * generically nondegenerate with this regularizer too, so many nondegenerate points that do not
     * interpolate neither support nor refute it: inconclusive, not "not reproduced".
     */
    @Test
    void multiplicativeIsDecidedOnTheInterpolatingSetOnly() {
        List<Point> pts = new ArrayList<>();
        for (int i = 0; i < 8; i++) pts.add(point("tanh", "multiplicative:0.05", 400 + i, 0.1 * (i + 1), i, 0, 0.05, 3, 5));
        Verdict off = find(RegularizerVerdicts.evaluate(pts, CFG), RegularizerVerdicts.MULTIPLICATIVE);
        assertEquals(Outcome.INCONCLUSIVE, off.outcome(), off.evidence().toString());
        assertEquals(8, off.evidence().get("distinct_points"));
        assertEquals(0, off.evidence().get("interpolating_points"));
        assertTrue(((String) off.evidence().get("why_inconclusive")).contains("interpolating"), off.evidence().toString());

        // four nondegenerate interpolating points are not yet enough to refute it; five are
        for (int i = 0; i < 4; i++) pts.add(interpolating("gelu", 500 + i, 0, i + 1));
        assertEquals(Outcome.INCONCLUSIVE, find(RegularizerVerdicts.evaluate(pts, CFG), RegularizerVerdicts.MULTIPLICATIVE).outcome());
        pts.add(interpolating("gelu", 504, 0, 5));
        assertEquals(Outcome.NOT_REPRODUCED, find(RegularizerVerdicts.evaluate(pts, CFG), RegularizerVerdicts.MULTIPLICATIVE).outcome());
        // ... unless an unconverged run pointed at a possibly degenerate point ahead: the refutation
        // rests on finding none, as the Morse claims' support does
        List<Point> flagged = new ArrayList<>(pts);
        flagged.add(new Point("m1", "3-4-2|gelu|multiplicative:0.05", "gelu", "multiplicative", "multiplicative:0.05", 599, false, 0.3, 0.2,
                2, 0, 26, 20, 1e3, new double[0], -1, -1, RegularizerVerdicts.Ahead.CRAWL));
        Verdict held = find(RegularizerVerdicts.evaluate(flagged, CFG), RegularizerVerdicts.MULTIPLICATIVE);
        assertEquals(Outcome.INCONCLUSIVE, held.outcome(), String.valueOf(held.evidence()));
        assertTrue(String.valueOf(held.evidence().get("flagged_runs")).contains("task m1"), String.valueOf(held.evidence()));
        // one degenerate interpolating point reproduces it
        pts.add(interpolating("gelu", 505, 2, 6));
        assertEquals(Outcome.REPRODUCED, find(RegularizerVerdicts.evaluate(pts, CFG), RegularizerVerdicts.MULTIPLICATIVE).outcome());
    }

    /**
     * RESEARCH.md: the Hessian has AT LEAST orbit-dimension zero eigenvalues. Points with extra zero
     * modes (θ = 0 with λ at a singular value of the data, coincidences at small sizes) support the
     * claim; only a nullity below the orbit dimension contradicts it.
     */
    @Test
    void linearL2NullityAboveTheOrbitDimensionSupportsTheClaim() {
        List<Point> pts = new ArrayList<>();
        pts.add(point("identity", "l2:0.01", 200, 0.0285, 3, 3, 0.02, 1, 3));   // equal
        pts.add(point("identity", "l2:0.01", 201, 0.0120, 0, 7, 0.01, 2, 5));   // 2 extra zeros
        pts.add(point("identity", "l2:0.01", 202, 0.1700, 6, 2, 0.17, 0, 0));   // the origin with a coincidence
        pts.add(point("identity", "l2:0.01", 203, 0.0410, 1, 4, 0.03, 1, 3));   // 1 extra zero
        Verdict lin = find(RegularizerVerdicts.evaluate(pts, CFG), RegularizerVerdicts.LINEAR_L2);
        assertEquals(Outcome.REPRODUCED, lin.outcome(), lin.evidence().toString());
        assertEquals(4, lin.evidence().get("nullity_at_least_orbit_dimension"));
        assertEquals(1, lin.evidence().get("nullity_equals_orbit_dimension"));
        assertEquals(3, lin.evidence().get("nullity_exceeds_orbit_dimension"));
        assertEquals(0, lin.evidence().get("nullity_below_orbit_dimension"));

        // fewer zeros than the orbit has dimensions contradicts the theorem: at most of the points, not reproduced
        List<Point> below = new ArrayList<>();
        below.add(point("identity", "l2:0.01", 300, 0.0285, 3, 1, 0.02, 1, 3));
        below.add(point("identity", "l2:0.01", 301, 0.0120, 0, 2, 0.01, 2, 5));
        below.add(point("identity", "l2:0.01", 302, 0.0410, 1, 3, 0.03, 1, 3));
        Verdict no = find(RegularizerVerdicts.evaluate(below, CFG), RegularizerVerdicts.LINEAR_L2);
        assertEquals(Outcome.NOT_REPRODUCED, no.outcome(), no.evidence().toString());
        assertEquals(2, no.evidence().get("nullity_below_orbit_dimension"));
        assertEquals(1, no.evidence().get("nullity_at_least_orbit_dimension"));

        // below at one point of three: neither 90% support nor a majority against
        below.set(1, point("identity", "l2:0.01", 301, 0.0120, 0, 6, 0.01, 2, 5));
        Verdict mixed = find(RegularizerVerdicts.evaluate(below, CFG), RegularizerVerdicts.LINEAR_L2);
        assertEquals(Outcome.INCONCLUSIVE, mixed.outcome(), mixed.evidence().toString());
        assertTrue(((String) mixed.evidence().get("why_inconclusive")).contains("below the orbit dimension at 1 of 3"));
    }

    @Test
    void runsEndingAtTheSamePointUpToSymmetryCountOnce() {
        Point a = point("tanh", "l2:0.01", 1, 0.0105674405758021, 1, 0, 0.005, 3, 5);
        Point b = point("tanh", "l2:0.01", 2, 0.0105674405758023, 1, 0, 0.005, 3, 5);   // the same value to rounding
        Point c = point("tanh", "l2:0.01", 3, 0.0209822698456379, 4, 0, 0.005, 3, 5);
        Point d = point("tanh", "generalized_l2:0.01:7", 4, 0.0105674405758021, 1, 0, 0.005, 3, 5);   // another problem
        assertTrue(RegularizerVerdicts.same(a, b));
        assertFalse(RegularizerVerdicts.same(a, c));
        List<Point> distinct = RegularizerVerdicts.distinct(List.of(a, b, c, d, unconverged("tanh", "l2:0.01", 5)));
        assertEquals(List.of(a, c, d), distinct);
        // a spectrum that differs beyond the tolerance makes another point
        Point e = new Point("t9", a.problem(), "tanh", "l2", "l2:0.01", 9, true, a.objective(), 0.005, 1, 0, 26, 20, 1e5,
                new double[] {-a.objective(), 2e-3, 1 + a.objective()}, 3, 5);
        assertFalse(RegularizerVerdicts.same(a, e));
    }

    @Test
    void orbitDimensionsAndHiddenRank() {
        assertEquals(0, HiddenRankStep.orbitDimension(4, 0));
        assertEquals(3, HiddenRankStep.orbitDimension(4, 1));
        assertEquals(5, HiddenRankStep.orbitDimension(4, 2));
        assertEquals(6, HiddenRankStep.orbitDimension(4, 3));
        assertEquals(6, HiddenRankStep.orbitDimension(4, 4), "r = h − 1 and r = h give all of O(h)");
        // singular values of a rank-2 matrix with an exact zero direction: the small one at rounding level
        double[][] m = {{3, 0, 0, 1}, {0, 2, 0, 0}, {6, 0, 0, 2}, {0, 0, 0, 0}};
        double[] sv = HiddenRankStep.singularValues(m);
        assertEquals(Math.sqrt(50), sv[0], 1e-12);
        assertEquals(2, sv[1], 1e-12);
        assertTrue(sv[2] < 1e-14 * sv[0] && sv[3] < 1e-14 * sv[0], java.util.Arrays.toString(sv));
        // θ of a 2-3-2 network (W₁ 3×2, b₁ 3, W₂ 2×3, b₂ 2): hidden neurons 1 and 2 proportional → rank 2
        double[] theta = {1, 0, 2, 0, 0, 1, /* b1 */ 0.5, 1, 0, /* W2 */ 1, 2, 0, 0, 0, 0, /* b2 */ 3, 4};
        HiddenRankStep.Rank r = HiddenRankStep.rank(theta, new int[] {2, 3, 2}, new boolean[] {true, true});
        assertEquals(2, r.rank(), java.util.Arrays.toString(r.singularValues()));
        double[] twoNeurons = {1, 0, 2, 0, 0, 0, /* b1 */ 0.5, 1, 0, /* W2 */ 1, 2, 0, 0, 0, 0, /* b2 */ 3, 4};
        assertEquals(1, HiddenRankStep.rank(twoNeurons, new int[] {2, 3, 2}, new boolean[] {true, true}).rank(), "neuron 2 = 2·neuron 1, neuron 3 = 0");
        double[] biasesOnly = {1e-40, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0.3, 0.1};
        assertEquals(0, HiddenRankStep.rank(biasesOnly, new int[] {2, 3, 2}, new boolean[] {true, true}).rank(),
                "rounding noise at W = 0 is rank 0, not rank 1");
        assertArrayEquals(new boolean[] {true, true}, HiddenRankStep.biases(null, 2));
        assertArrayEquals(new boolean[] {false, false}, HiddenRankStep.biases("all", 2));
        assertArrayEquals(new boolean[] {false, true}, HiddenRankStep.biases(List.of(1L), 2));
        // as the command reads --no-bias: a layer written as a decimal (2.0), alone or in a list, is that layer
        assertArrayEquals(new boolean[] {true, false}, HiddenRankStep.biases(List.of(2.0), 2));
        assertArrayEquals(new boolean[] {true, false}, HiddenRankStep.biases(2.0, 2));
        assertArrayEquals(new boolean[] {false, false}, HiddenRankStep.biases(List.of(1L, 2.0), 2));
    }

    /**
     * hidden_rank reads --no-bias with the command's own parse and message (it had its own:
     * Integer.parseInt, which threw a bare NumberFormatException or ArrayIndexOutOfBounds), and
     * finds it as the command did: in the config the θ step ran with (the task's no_bias or
     * no-bias, or that step's own option), not the task key no_bias alone.
     */
    @Test
    void hiddenRankReadsNoBiasAsTheCommandDoes(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        var far = org.junit.jupiter.api.Assertions.assertThrows(dev.morse.io.InputException.class, () -> HiddenRankStep.biases("3", 2));
        assertEquals("--no-bias: layer 3 out of range 1..2", far.getMessage());
        var word = org.junit.jupiter.api.Assertions.assertThrows(dev.morse.io.InputException.class, () -> HiddenRankStep.biases("x", 2));
        assertEquals("--no-bias: 'x' is not a layer number (1..2) or 'all'", word.getMessage());
        assertArrayEquals(new boolean[] {false, false}, HiddenRankStep.biases("ALL", 2), "as the command: any case");

        java.nio.file.Path none = dir.resolve("morse-config.json");
        assertEquals("1", HiddenRankStep.noBias(Map.of("no-bias", "1"), none), "either spelling of the task's key");
        assertEquals("2", HiddenRankStep.noBias(Map.of("no_bias", "2"), none));
        assertEquals(null, HiddenRankStep.noBias(Map.of("model", "2-3-1"), none));
        // the θ step's config (its own no_bias over the task's): what the command ran with
        java.nio.file.Files.writeString(dir.resolve("fit-config.json"), "{\"command\": \"fit\", \"no_bias\": \"all\"}");
        assertEquals("all", HiddenRankStep.noBias(Map.of("no_bias", "2"), dir.resolve("fit-config.json")));
        java.nio.file.Files.writeString(dir.resolve("morse-config.json"), "{\"command\": \"morse\"}");
        assertEquals(null, HiddenRankStep.noBias(Map.of("model", "2-3-1"), dir.resolve("morse-config.json")));
    }

    /**
     * Unconverged runs whose refinement pointed at a degenerate point ahead are counted apart, and
     * a claim reproduced because no degenerate point was found is inconclusive while they exist.
     */
    @Test
    void runsFlaggingADegeneratePointAheadKeepAbsenceClaimsInconclusive() {
        List<Point> pts = morseEverywhere();
        Point plain = unconverged("tanh", "generalized_l2:0.01:7", 300);
        pts.add(new Point("g1", plain.problem(), "tanh", "generalized_l2", "generalized_l2:0.01:7", 301, false, 0.3, 0.2, 2, 0, 26, 20,
                1e3, new double[0], -1, -1, RegularizerVerdicts.Ahead.DEGENERATE));
        pts.add(plain);
        pts.add(new Point("n1", "3-4-2|gelu|l2:0.01", "gelu", "l2", "l2:0.01", 302, false, 0.3, 0.2, 2, 0, 26, 20, 1e3, new double[0],
                -1, -1, RegularizerVerdicts.Ahead.CRAWL));
        List<Verdict> vs = RegularizerVerdicts.evaluate(pts, CFG);
        Verdict gen = find(vs, RegularizerVerdicts.GENERALIZED_L2);
        assertEquals(Outcome.INCONCLUSIVE, gen.outcome(), String.valueOf(gen.evidence()));
        assertEquals(2, gen.evidence().get("unconverged_runs"));
        assertEquals(1, gen.evidence().get("unconverged_degenerate_ahead"));
        assertEquals(0, gen.evidence().get("unconverged_crawl"));
        assertTrue(String.valueOf(gen.evidence().get("flagged_runs")).contains("task g1"), String.valueOf(gen.evidence()));
        Verdict non = find(vs, RegularizerVerdicts.NONLINEAR_L2);
        assertEquals(Outcome.INCONCLUSIVE, non.outcome(), String.valueOf(non.evidence()));
        assertEquals(1, non.evidence().get("unconverged_crawl"));
        assertTrue(String.valueOf(non.evidence().get("flagged_runs")).contains("task n1"), String.valueOf(non.evidence()));
        // a plain unconverged run (iteration limit, nothing said of the point ahead) does not hold a claim back
        List<Point> plainOnly = morseEverywhere();
        plainOnly.add(plain);
        assertEquals(Outcome.REPRODUCED, find(RegularizerVerdicts.evaluate(plainOnly, CFG), RegularizerVerdicts.GENERALIZED_L2).outcome());
    }

    @Test
    void rowsParse() {
        Map<String, Object> row = new java.util.HashMap<>(Map.of("task_id", "x", "status", "done", "activation", "identity",
                "reg", "l2:0.01", "model", "3-4-2", "data", "teacher:n=12,width=3", "data_seed", 1L, "seed", 3L,
                "morse.critical", true, "morse.index", 3L));
        row.putAll(Map.of("morse.nullity", 3L, "morse.loss", 0.0285, "morse.data_loss", 0.02, "morse.P", 26L, "morse.ggn_rank", 20.0,
                "morse.min_abs_over_tau", 1e-5, "morse.eigenvalues", List.of(2.0, -1.0, 0.0), "hidden_rank.rank", 1L,
                "hidden_rank.orbit_dimension", 3L));
        Point p = Point.fromRow(row);
        assertEquals("l2", p.reg());
        assertEquals("l2:0.01", p.regSpec());
        assertArrayEquals(new double[] {-1, 0, 2}, p.spectrum(), "sorted");
        assertTrue(p.degenerate());
        assertEquals(3, p.orbitDim());
        row.put("morse.refine.reason", "max_iterations");
        assertFalse(Point.fromRow(row).critical(), "critical by the SPEC tolerance but not at rounding level: zeros not countable");
        row.put("morse.refine.reason", "stalled");
        assertTrue(Point.fromRow(row).critical());
        row.put("status", "failed");
        assertFalse(Point.fromRow(row).critical());
        assertFalse(Point.fromRow(row).flaggedAhead());
        // what the refinement said of the point ahead: linear convergence, or a crawl (only its message says so)
        row.put("morse.refine.reason", "degenerate");
        assertEquals(RegularizerVerdicts.Ahead.DEGENERATE, Point.fromRow(row).ahead());
        assertTrue(Point.fromRow(row).flaggedAhead());
        row.put("morse.refine.reason", "max_iterations");
        row.put("error", "exit 3 (numerical failure): morse morse: refinement did not reach a critical point: ‖∇L_R‖ = 5.87e-05 > grad_tol "
                + "1.00e-10 after 200 iterations (iteration limit 200 reached at ‖∇L_R‖ = 5.87e-05; the last 198 steps were all held to the "
                + "trust radius (last 1e-3, the Newton step 2 long) and the last 30 lowered ‖∇L_R‖ only from 6e-05: the model ∇L_R + HΔ "
                + "holds only near θ, so the critical point ahead is far from θ or nearly degenerate); raise --newton-iter");
        assertEquals(RegularizerVerdicts.Ahead.CRAWL, Point.fromRow(row).ahead(), "a row without refine.approach (an older report): by the text");
        // a report with refine.approach: the field decides, whatever any message says
        row.put("morse.refine.approach", "steady");
        assertEquals(RegularizerVerdicts.Ahead.NONE, Point.fromRow(row).ahead(), "the field, not the text");
        row.remove("error");
        row.put("morse.refine.approach", "crawl");
        assertEquals(RegularizerVerdicts.Ahead.CRAWL, Point.fromRow(row).ahead(), "a crawl without any message");
        assertTrue(Point.fromRow(row).flaggedAhead());
        row.put("morse.refine.approach", "linear");
        assertEquals(RegularizerVerdicts.Ahead.NONE, Point.fromRow(row).ahead(), "linear but not stopped as degenerate (it reached grad_tol)");
        row.put("morse.refine.reason", "degenerate");
        assertEquals(RegularizerVerdicts.Ahead.DEGENERATE, Point.fromRow(row).ahead());
    }
}
