package dev.morse.experiments.weightdecay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.morse.experiments.Verdict;
import dev.morse.experiments.Verdict.Outcome;
import dev.morse.experiments.weightdecay.WeightDecayVerdicts.Kind;
import dev.morse.experiments.weightdecay.WeightDecayVerdicts.Point;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The verdict rules of weight-decay-zeros on fabricated end points. */
class WeightDecayVerdictsTest {
    private static final WeightDecayVerdicts.Config CFG = WeightDecayVerdicts.Config.defaults();
    private static final List<Double> LAMBDAS = List.of(1e-4, 1e-2);

    /** An interpolating minimum without a regularizer: P = 49, rank G = 16. */
    private static Point unregularized(int seed, int nullity) {
        return new Point(12, 49, 0, seed, Kind.MINIMUM, nullity, 16, nullity > 0 ? 1e-7 : 3.0, 1e-20, 6e-13, 1e-33, 1e-33);
    }

    /** A minimum with weight decay; each seed a different one (its own objective value). */
    private static Point regularized(double lambda, int seed, int nullity) {
        return sameMinimum(lambda, seed, nullity, 2 * lambda * (1 + 0.1 * seed));
    }

    /** A minimum with weight decay whose objective is given: seeds with equal objectives ended at the same minimum. */
    private static Point sameMinimum(double lambda, int seed, int nullity, double objective) {
        return new Point(12, 49, lambda, seed, Kind.MINIMUM, nullity, 16, nullity > 0 ? 0.5 : 1e6, 1e-7, 3e-13, lambda, objective);
    }

    private static Point unconverged(double lambda, int seed) {
        return new Point(12, 49, lambda, seed, Kind.UNCONVERGED, -1, -1, Double.NaN, Double.NaN, Double.NaN, 1e-3, 1e-3);
    }

    private static Verdict find(List<Verdict> vs, String claim) {
        return vs.stream().filter(v -> v.claim().equals(claim)).findFirst().orElseThrow();
    }

    @Test
    void reproducedWhenEveryInterpolatingMinimumIsDegenerateAndWeightDecayRemovesAll() {
        List<Point> pts = new ArrayList<>();
        for (int s = 0; s < 4; s++) pts.add(unregularized(s, 33));
        for (double l : LAMBDAS) for (int s = 0; s < 3; s++) pts.add(regularized(l, s, 0));
        pts.add(unconverged(1e-4, 9));   // an unknown: neither side
        List<Verdict> vs = WeightDecayVerdicts.evaluate(pts, LAMBDAS, CFG);
        Verdict zeros = find(vs, WeightDecayVerdicts.ZEROS_WITHOUT_REG);
        assertEquals(Outcome.REPRODUCED, zeros.outcome());
        assertEquals(4, zeros.evidence().get("nullity_equals_P_minus_rank_G"), "33 = 49 − 16 at every point");
        Verdict l2 = find(vs, WeightDecayVerdicts.L2_REMOVES_ZEROS);
        assertEquals(Outcome.REPRODUCED, l2.outcome());
        assertEquals(1, l2.evidence().get("unconverged"));
        assertEquals(1e6, (double) l2.evidence().get("min_abs_over_tau_smallest"));
    }

    @Test
    void notReproducedOnNondegenerateUnregularizedMinimaOrADegenerateRegularizedOne() {
        List<Point> pts = new ArrayList<>();
        for (int s = 0; s < 4; s++) pts.add(unregularized(s, s == 0 ? 33 : 0));
        for (double l : LAMBDAS) for (int s = 0; s < 3; s++) pts.add(regularized(l, s, l == 1e-4 && s == 1 ? 2 : 0));
        List<Verdict> vs = WeightDecayVerdicts.evaluate(pts, LAMBDAS, CFG);
        Verdict zeros = find(vs, WeightDecayVerdicts.ZEROS_WITHOUT_REG);
        assertEquals(Outcome.NOT_REPRODUCED, zeros.outcome(), "3 of 4 interpolating minima nondegenerate");
        assertTrue(zeros.evidence().containsKey("nullity_differs_from_P_minus_rank_G"));
        Verdict l2 = find(vs, WeightDecayVerdicts.L2_REMOVES_ZEROS);
        assertEquals(Outcome.NOT_REPRODUCED, l2.outcome());
        assertEquals(1, l2.evidence().get("degenerate_minima"));
    }

    @Test
    void inconclusiveWithTooFewPointsOrAMissingLambdaOrAMixedCell() {
        List<Point> pts = new ArrayList<>();
        for (int s = 0; s < 3; s++) pts.add(unregularized(s, 33));       // 3 < minPoints 4
        pts.add(new Point(12, 49, 0, 7, Kind.SADDLE, 0, 16, 5, 1e-6, 1e-13, 1e-33, 1e-33));   // left out
        pts.add(new Point(12, 49, 0, 8, Kind.MINIMUM, 0, 16, 5, 1e-6, 1e-13, 0.02, 0.02));   // not interpolating
        for (int s = 0; s < 3; s++) pts.add(regularized(1e-2, s, 0));
        pts.add(unconverged(1e-4, 0));
        pts.add(unconverged(1e-4, 1));
        List<Verdict> vs = WeightDecayVerdicts.evaluate(pts, LAMBDAS, CFG);
        Verdict zeros = find(vs, WeightDecayVerdicts.ZEROS_WITHOUT_REG);
        assertEquals(Outcome.INCONCLUSIVE, zeros.outcome());
        assertEquals(1, zeros.evidence().get("saddles_left_out"));
        assertEquals(1, zeros.evidence().get("non_interpolating_minima"));
        Verdict l2 = find(vs, WeightDecayVerdicts.L2_REMOVES_ZEROS);
        assertEquals(Outcome.INCONCLUSIVE, l2.outcome(), "λ = 1e-4 has no converged minimum");
        assertTrue(((String) l2.evidence().get("why_inconclusive")).contains("λ = 1e-4"), (String) l2.evidence().get("why_inconclusive"));

        // half degenerate, half not: neither side
        List<Point> mixed = new ArrayList<>();
        for (int s = 0; s < 4; s++) mixed.add(unregularized(s, s < 2 ? 33 : 0));
        assertEquals(Outcome.INCONCLUSIVE, find(WeightDecayVerdicts.evaluate(mixed, LAMBDAS, CFG), WeightDecayVerdicts.ZEROS_WITHOUT_REG).outcome());
    }

    /**
     * Seeds that ended at the same minimum (same width, same objective value: a copy under a neuron
     * permutation or sign flip) carry one Hessian spectrum between them: at a λ where every run found
     * that one minimum the rule's "≥ 2 minima" is not met, however many seeds found it.
     */
    @Test
    void copiesOfOneMinimumCountOnce() {
        List<Point> pts = new ArrayList<>();
        for (int s = 0; s < 4; s++) pts.add(unregularized(s, 33));
        for (int s = 0; s < 3; s++) pts.add(regularized(1e-2, s, 0));
        for (int s = 0; s < 3; s++) pts.add(sameMinimum(1e-4, s, 0, 2.5e-4 * (1 + 1e-12 * s)));
        Verdict l2 = find(WeightDecayVerdicts.evaluate(pts, LAMBDAS, CFG), WeightDecayVerdicts.L2_REMOVES_ZEROS);
        assertEquals(Outcome.INCONCLUSIVE, l2.outcome(), l2.evidence().toString());
        assertTrue(((String) l2.evidence().get("why_inconclusive")).contains("λ = 1e-4"), (String) l2.evidence().get("why_inconclusive"));
        @SuppressWarnings("unchecked") Map<String, Object> at = (Map<String, Object>) ((Map<String, Object>) l2.evidence().get("per_lambda")).get("1e-4");
        assertEquals(3, at.get("minima"));
        assertEquals(1, at.get("distinct_minima"));

        // a second minimum at λ = 1e-4 (another value, or the same value at another width) is enough
        pts.add(sameMinimum(1e-4, 3, 0, 3.1e-4));
        assertEquals(Outcome.REPRODUCED, find(WeightDecayVerdicts.evaluate(pts, LAMBDAS, CFG), WeightDecayVerdicts.L2_REMOVES_ZEROS).outcome());
        pts.remove(pts.size() - 1);
        pts.add(new Point(24, 97, 1e-4, 3, Kind.MINIMUM, 0, 16, 1e6, 1e-7, 3e-13, 1e-4, 2.5e-4));
        assertEquals(Outcome.REPRODUCED, find(WeightDecayVerdicts.evaluate(pts, LAMBDAS, CFG), WeightDecayVerdicts.L2_REMOVES_ZEROS).outcome());
    }

    /**
     * The zero counts state their margins: the largest |λ|/τ counted as a zero and the smallest not
     * counted, from the row's eigenvalues (the whole spectrum, or the nearest-zero ones when they reach
     * past the zeros).
     */
    @Test
    void zeroCountsStateTheirMargins() {
        Map<String, Object> row = new HashMap<>(Map.of("task_id", "a", "status", "done", "model", "2-1-1", "reg", "none", "seed", 1L,
                "morse.P", 4L, "morse.critical", true, "morse.index", 0L, "morse.nullity", 2L));
        row.putAll(Map.of("morse.tau", 1e-12, "morse.data_loss", 1e-33, "morse.loss", 1e-33, "morse.ggn_rank", 2L,
                "morse.eigenvalues", List.of(-3e-13, 9e-13, 5e-12, 2.0)));
        Point p = Point.fromRow(row);
        assertEquals(0.9, p.largestZeroOverTau(), 1e-12, "9e-13 counted as a zero, 0.9 τ");
        assertEquals(5.0, p.smallestNonzeroOverTau(), 1e-12, "5e-12 not counted, 5 τ");
        List<Point> pts = new ArrayList<>();
        for (int s = 0; s < 4; s++) pts.add(unregularized(s, 33));
        pts.add(p);
        Verdict zeros = find(WeightDecayVerdicts.evaluate(pts, LAMBDAS, CFG), WeightDecayVerdicts.ZEROS_WITHOUT_REG);
        assertEquals(0.9, (double) zeros.evidence().get("largest_zero_abs_over_tau"), 1e-12);
        assertEquals(5.0, (double) zeros.evidence().get("smallest_nonzero_abs_over_tau"), 1e-12);
        assertEquals(4, zeros.evidence().get("zero_margins_unknown"), "the fabricated points carry no eigenvalues");
        // nearest-zero eigenvalues that are all zeros cannot tell the margins (more may lie beyond)
        row.remove("morse.eigenvalues");
        row.put("morse.nearest_zero", List.of(-3e-13, 9e-13));
        assertTrue(Double.isNaN(Point.fromRow(row).largestZeroOverTau()));
        row.put("morse.nearest_zero", List.of(-3e-13, 9e-13, 5e-12));
        assertEquals(0.9, Point.fromRow(row).largestZeroOverTau(), 1e-12);
        // with weight decay: the largest zero of a degenerate minimum
        row.put("reg", "l2:1e-4");
        List<Point> reg = new ArrayList<>();
        for (double l : LAMBDAS) for (int s = 0; s < 3; s++) reg.add(regularized(l, s, 0));
        reg.add(Point.fromRow(row));
        Verdict l2 = find(WeightDecayVerdicts.evaluate(reg, LAMBDAS, CFG), WeightDecayVerdicts.L2_REMOVES_ZEROS);
        assertEquals(0.9, (double) l2.evidence().get("largest_zero_abs_over_tau"), 1e-12);
    }

    @Test
    void rowsParse() {
        Map<String, Object> row = new HashMap<>(Map.of("task_id", "a", "status", "done", "model", "2-12-1", "reg", "l2:1e-3", "seed", 2L,
                "morse.P", 49L, "morse.critical", true, "morse.index", 0L, "morse.nullity", 0L));
        row.putAll(Map.of("morse.ggn_rank", 16.0, "morse.min_abs_over_tau", 1e7, "morse.min_abs_eigenvalue", 4e-6, "morse.tau", 3e-13,
                "morse.data_loss", 4e-4));
        Point p = Point.fromRow(row);
        assertEquals(12, p.width());
        assertEquals(1e-3, p.lambda());
        assertEquals(Kind.MINIMUM, p.kind());
        assertEquals(33, p.deficit());
        row.put("morse.refine.reason", "max_iterations");
        assertEquals(Kind.UNCONVERGED, Point.fromRow(row).kind(), "refinement stopped before rounding level: an unknown");
        row.put("morse.refine.reason", "stalled");
        assertEquals(Kind.MINIMUM, Point.fromRow(row).kind());
        row.put("status", "failed");
        assertEquals(Kind.UNCONVERGED, Point.fromRow(row).kind(), "a failed task (fit exit 3) is an unknown");
        row.put("status", "done");
        row.put("morse.index", 2L);
        assertEquals(Kind.SADDLE, Point.fromRow(row).kind());
        assertEquals(0, WeightDecayVerdicts.lambdaOf("none"));
        assertEquals("1e-6", WeightDecayVerdicts.lambdaText(1e-6));
        assertEquals("0.003", WeightDecayVerdicts.lambdaText(3e-3));
        assertThrows(IllegalArgumentException.class, () -> WeightDecayVerdicts.lambdaOf("generalized_l2:1e-3"));
    }
}
