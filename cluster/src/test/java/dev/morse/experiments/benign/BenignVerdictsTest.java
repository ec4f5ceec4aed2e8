package dev.morse.experiments.benign;

import dev.morse.cluster.SweepSpec;
import dev.morse.cluster.SweepTask;
import dev.morse.experiments.Experiments;
import dev.morse.experiments.benign.BenignVerdicts.Run;
import dev.morse.experiments.benign.BenignVerdicts.Verdict;
import dev.morse.experiments.benign.Classification.Kind;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class BenignVerdictsTest {
    private static final BenignVerdicts.Config CFG = BenignVerdicts.Config.defaults();

    /** count runs of one kind in a cell. */
    private static void add(List<Run> runs, String setting, int n, int width, double alpha, Kind kind, String reason, int count) {
        for (int i = 0; i < count; i++) runs.add(new Run(setting, n, width, alpha, kind, reason));
    }

    private static Verdict find(List<Verdict> vs, String claim) {
        return vs.stream().filter(v -> v.claim().equals(claim)).findFirst().orElseThrow();
    }

    @Test
    void reproducedWhenTheIntervalsClearTheThresholds() {
        List<Run> runs = new ArrayList<>();
        // n = 4: threshold 32; small widths ≤ 16, large ≥ 64.
        add(runs, "orthogonal", 4, 10, 1.0, Kind.SPURIOUS, "local_minimum_conditions_hold", 30);
        add(runs, "orthogonal", 4, 10, 1.0, Kind.GLOBAL, "within_tolerance", 20);
        add(runs, "orthogonal", 4, 64, 1.0, Kind.GLOBAL, "within_tolerance", 60);
        add(runs, "small_init_example", 4, 100, 1e-6, Kind.SPURIOUS, "local_minimum_conditions_hold", 25);
        add(runs, "small_init_example", 4, 100, 1e-6, Kind.GLOBAL, "within_tolerance", 5);
        add(runs, "small_init_example", 4, 100, 0.5, Kind.GLOBAL, "within_tolerance", 7);
        List<Verdict> vs = BenignVerdicts.evaluate(runs, CFG);
        assertEquals("reproduced", find(vs, BenignVerdicts.SMALL_WIDTH_SPURIOUS).verdict());
        assertEquals("reproduced", find(vs, BenignVerdicts.LARGE_WIDTH_BENIGN).verdict());
        Verdict si = find(vs, BenignVerdicts.SMALL_INIT_SPURIOUS);
        assertEquals("reproduced", si.verdict());
        Map<String, Object> ev = si.evidence();
        assertEquals(30, ev.get("runs"));
        assertEquals(25, ev.get("spurious"));
        assertEquals(7, ev.get("large_alpha_runs"), "the large-α contrast of the same setting is reported");
        double[] iv = (double[]) ev.get("spurious_interval");
        assertTrue(iv[0] > 0.6 && iv[1] < 0.95, "Wilson interval of 25/30");
    }

    @Test
    void notReproducedWhenTheIntervalsClearTheThresholdTheOtherWay() {
        List<Run> runs = new ArrayList<>();
        add(runs, "orthogonal", 4, 16, 1.0, Kind.GLOBAL, "within_tolerance", 60);
        add(runs, "orthogonal", 4, 128, 1.0, Kind.SPURIOUS, "local_minimum_conditions_hold", 20);
        add(runs, "orthogonal", 4, 128, 1.0, Kind.GLOBAL, "within_tolerance", 20);
        List<Verdict> vs = BenignVerdicts.evaluate(runs, CFG);
        assertEquals("not_reproduced", find(vs, BenignVerdicts.SMALL_WIDTH_SPURIOUS).verdict());
        assertEquals("not_reproduced", find(vs, BenignVerdicts.LARGE_WIDTH_BENIGN).verdict());
        assertEquals("inconclusive", find(vs, BenignVerdicts.SMALL_INIT_SPURIOUS).verdict(), "no runs at all");
    }

    @Test
    void stalledPointsAreNotSpuriousButTheAuthorsReadingIsReported() {
        List<Run> runs = new ArrayList<>();
        add(runs, "orthogonal", 4, 10, 1.0, Kind.STALLED, "first_order_descent", 30);
        add(runs, "orthogonal", 4, 10, 1.0, Kind.GLOBAL, "within_tolerance", 30);
        Verdict v = find(BenignVerdicts.evaluate(runs, CFG), BenignVerdicts.SMALL_WIDTH_SPURIOUS);
        assertEquals("not_reproduced", v.verdict(), "stalled end points are not local minima");
        assertEquals("reproduced", v.evidence().get("verdict_counting_stalled"));
        assertEquals(30, v.evidence().get("stalled"));
    }

    @Test
    void unconvergedRunsAndSmallCellsMakeItInconclusive() {
        List<Run> runs = new ArrayList<>();
        // 1 spurious of 40 with 10 unconverged: [Wilson⁻(1/40), Wilson⁺(11/40)] straddles 0.2.
        add(runs, "orthogonal", 6, 32, 1.0, Kind.SPURIOUS, "local_minimum_conditions_hold", 1);
        add(runs, "orthogonal", 6, 32, 1.0, Kind.GLOBAL, "within_tolerance", 29);
        add(runs, "orthogonal", 6, 32, 1.0, Kind.UNCONVERGED, "max_steps", 10);
        // Too few runs at large width.
        add(runs, "orthogonal", 6, 640, 1.0, Kind.GLOBAL, "within_tolerance", 19);
        List<Verdict> vs = BenignVerdicts.evaluate(runs, CFG);
        Verdict small = find(vs, BenignVerdicts.SMALL_WIDTH_SPURIOUS);
        assertEquals("inconclusive", small.verdict());
        assertEquals(10, small.evidence().get("unconverged"));
        assertTrue(((String) small.evidence().get("why_inconclusive")).contains("threshold"));
        Verdict large = find(vs, BenignVerdicts.LARGE_WIDTH_BENIGN);
        assertEquals("inconclusive", large.verdict());
        assertTrue(((String) large.evidence().get("why_inconclusive")).contains("fewer than 35"));
        // Without the unconverged runs the same spurious count is decidable: Wilson⁺(1/30) < 0.2.
        List<Run> clean = new ArrayList<>(runs.subList(0, 30));
        assertEquals("not_reproduced", find(BenignVerdicts.evaluate(clean, CFG), BenignVerdicts.SMALL_WIDTH_SPURIOUS).verdict());
    }

    /**
     * "Rare" needs the Wilson upper end ≤ 0.1; with 0 spurious of N it is z²/(N + z²), 0.161 at N = 20
     * and ≤ 0.1 only from N = 35 on: 20 runs are too few to decide, whatever they show.
     */
    @Test
    void rareNeedsThirtyFiveRunsAndSaysSo() {
        assertTrue(BenignVerdicts.wilson(0, 34, CFG.z(), 1) > CFG.rare());
        assertTrue(BenignVerdicts.wilson(0, 35, CFG.z(), 1) <= CFG.rare());
        assertEquals(35, BenignVerdicts.minRuns(false, CFG.rare(), CFG));
        assertEquals(20, BenignVerdicts.minRuns(true, CFG.common(), CFG), "common decides both ways from 16 runs: minRuns rules");

        List<Run> runs = new ArrayList<>();
        add(runs, "orthogonal", 4, 64, 1.0, Kind.GLOBAL, "within_tolerance", 20);
        Verdict twenty = find(BenignVerdicts.evaluate(runs, CFG), BenignVerdicts.LARGE_WIDTH_BENIGN);
        assertEquals("inconclusive", twenty.verdict());
        assertEquals(35, twenty.evidence().get("min_runs"));
        String why = (String) twenty.evidence().get("why_inconclusive");
        assertTrue(why.contains("fewer than 35 runs") && why.contains("can decide"), why);

        add(runs, "orthogonal", 4, 64, 1.0, Kind.GLOBAL, "within_tolerance", 15);
        Verdict enough = find(BenignVerdicts.evaluate(runs, CFG), BenignVerdicts.LARGE_WIDTH_BENIGN);
        assertEquals("reproduced", enough.verdict(), enough.evidence().toString());
    }

    /** The quick scale gives every cell enough runs that each claim can be decided either way. */
    @Test
    void theQuickScaleCanDecideEveryClaim() throws Exception {
        SweepSpec spec = Experiments.byName("benign-landscape").prepare("quick").spec();
        List<Run> allGlobal = new ArrayList<>(), allSpurious = new ArrayList<>();
        for (SweepTask t : spec.tasks("test")) {
            Map<String, Object> row = new HashMap<>(t.config());
            row.put("benign_run.class", "global");
            allGlobal.add(Run.fromRow(row, "benign_run"));
            row.put("benign_run.class", "spurious");
            allSpurious.add(Run.fromRow(row, "benign_run"));
        }
        for (Verdict v : BenignVerdicts.evaluate(allGlobal, CFG)) {
            assertTrue((int) v.evidence().get("runs") >= (int) v.evidence().get("min_runs"), v.toString());
            assertNotEquals("inconclusive", v.verdict(), v.toString());
        }
        assertEquals("reproduced", find(BenignVerdicts.evaluate(allGlobal, CFG), BenignVerdicts.LARGE_WIDTH_BENIGN).verdict());
        for (Verdict v : BenignVerdicts.evaluate(allSpurious, CFG)) assertNotEquals("inconclusive", v.verdict(), v.toString());
    }

    @Test
    void cellsFollowTheWidthThresholdAndAlpha() {
        assertEquals(32, BenignVerdicts.widthThreshold(4));
        assertEquals(128, BenignVerdicts.widthThreshold(6));
        List<Run> runs = new ArrayList<>();
        add(runs, "orthogonal", 6, 64, 1.0, Kind.SPURIOUS, "local_minimum_conditions_hold", 25);   // small for n = 6
        add(runs, "orthogonal", 6, 65, 1.0, Kind.SPURIOUS, "local_minimum_conditions_hold", 25);   // neither
        add(runs, "orthogonal", 6, 64, 0.01, Kind.SPURIOUS, "local_minimum_conditions_hold", 25);  // small α: not in the cell
        assertEquals(25, find(BenignVerdicts.evaluate(runs, CFG), BenignVerdicts.SMALL_WIDTH_SPURIOUS).evidence().get("runs"));
    }

    /**
     * Global or not turns on an absolute tolerance: the evidence states how close each side came
     * (small-init-spurious at the quick scale: every run stalled 1.83e-7 above the global value,
     * against 1e-7).
     */
    @Test
    void theGlobalToleranceMarginsAreStated() {
        List<Run> runs = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            Run r = Run.fromRow(Map.of("setting", "small_init_example", "n", 4, "width", 100L, "alpha", 0.001,
                    "benign_run.class", i < 15 ? "stalled" : "global", "benign_run.reason", "x",
                    "benign_run.objective", 1.0 + (i < 15 ? 1.83e-7 + i * 1e-9 : 4e-8),
                    "benign_run.global_lower", 1.0 - 1e-12, "benign_run.global_upper", 1.0 + 1e-12), "benign_run");
            runs.add(r);
        }
        Map<String, Object> ev = find(BenignVerdicts.evaluate(runs, CFG), BenignVerdicts.SMALL_INIT_SPURIOUS).evidence();
        assertEquals(1e-7, (double) ev.get("global_tol"));
        assertEquals(1.83e-7 - 1e-12, (double) ev.get("non_global_gap_min"), 1e-15);
        assertEquals(1.83 - 1e-5, (double) ev.get("non_global_gap_min_over_tol"), 1e-8);
        assertEquals(0.4 + 1e-5, (double) ev.get("global_gap_max_over_tol"), 1e-8);
        // a spec's own global_tol is the one compared
        Run own = Run.fromRow(Map.of("setting", "small_init_example", "n", 4, "width", 100L, "alpha", 0.001, "global_tol", 1e-6,
                "benign_run.class", "stalled", "benign_run.objective", 1.0 + 2e-6, "benign_run.global_lower", 1.0,
                "benign_run.global_upper", 1.0), "benign_run");
        assertEquals(1e-6, own.globalTol());
        Map<String, Object> ev1 = find(BenignVerdicts.evaluate(List.of(own), CFG), BenignVerdicts.SMALL_INIT_SPURIOUS).evidence();
        assertEquals(2.0, (double) ev1.get("non_global_gap_min_over_tol"), 1e-9);
        assertTrue(Double.isNaN((double) ev1.get("global_gap_max_over_tol")), "no global run");
    }

    /**
     * The tolerance compared is the one the step used, which it outputs: a step option (no config
     * column) was read as the default 1e-7, and a failed task in the cell (no distances, the default
     * tolerance) made the cell's tolerance "mixed", so global_tol was missing from the evidence.
     */
    @Test
    void theMarginsUseTheToleranceTheStepUsed() {
        Run own = Run.fromRow(Map.of("setting", "small_init_example", "n", 4, "width", 100L, "alpha", 0.001,
                "benign_run.class", "stalled", "benign_run.global_tol", 1e-6, "benign_run.objective", 1.0 + 2e-6,
                "benign_run.global_lower", 1.0, "benign_run.global_upper", 1.0), "benign_run");
        assertEquals(1e-6, own.globalTol(), "the step's option, not a config column");
        Run failed = Run.fromRow(Map.of("setting", "small_init_example", "n", 4, "width", 100L, "alpha", 0.001), "benign_run");
        Map<String, Object> ev = find(BenignVerdicts.evaluate(List.of(failed, own), CFG), BenignVerdicts.SMALL_INIT_SPURIOUS).evidence();
        assertEquals(1e-6, (double) ev.get("global_tol"), "a failed task was compared with no tolerance");
        assertEquals(2.0, (double) ev.get("non_global_gap_min_over_tol"), 1e-9);
        assertEquals(1e-6, BenignVerdicts.tolerance(List.of(failed, own)));
        assertEquals(Classification.Tolerances.defaults().global(), BenignVerdicts.tolerance(List.of(failed)), "no run compared: its own");
        assertTrue(Double.isNaN(BenignVerdicts.tolerance(List.of())));
    }

    @Test
    void rowsOfTheSweepParse() {
        Run r = Run.fromRow(Map.of("setting", "orthogonal", "n", 4, "width", 10L, "alpha", 1.0,
                "benign_run.class", "stalled", "benign_run.reason", "zero_neuron_descent"), "benign_run");
        assertEquals(new Run("orthogonal", 4, 10, 1.0, Kind.STALLED, "zero_neuron_descent"), r);
        Run failed = Run.fromRow(Map.of("setting", "orthogonal", "n", 4, "width", 10L, "alpha", 1.0), "benign_run");
        assertEquals(Kind.UNCONVERGED, failed.kind(), "a failed task counts as unknown");
    }
}
