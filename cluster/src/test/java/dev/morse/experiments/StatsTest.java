package dev.morse.experiments;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class StatsTest {
    @Test
    void studentQuantilesAndIntervals() {
        assertEquals(12.706, Stats.t975(1));
        assertEquals(2.042, Stats.t975(30));
        assertEquals(2.021, Stats.t975(40), 1e-3, "Cornish–Fisher beyond the table");
        assertEquals(1.984, Stats.t975(100), 1e-3);
        Stats.Interval i = Stats.tInterval(new double[] {1, 2, 3});
        assertEquals(2, i.mean(), 1e-15);
        assertEquals(1, i.sd(), 1e-15);
        assertEquals(4.303 / Math.sqrt(3), i.half(), 1e-12);
        assertTrue(i.defined());
        assertFalse(Stats.tInterval(new double[] {5}).defined(), "one value has no interval");
        assertEquals(2.5, Stats.median(new double[] {4, 1, 3, 2}));
        assertEquals(1.0, Stats.slope(new double[] {1, 2, 3}, new double[] {2, 3, 4}), 1e-15);
        assertTrue(Double.isNaN(Stats.slope(new double[] {1, 1}, new double[] {2, 3})));
    }

    @Test
    void verdictJsonAndOutcomes() {
        assertEquals(Verdict.Outcome.NOT_REPRODUCED, Verdict.Outcome.REPRODUCED.and(Verdict.Outcome.NOT_REPRODUCED));
        assertEquals(Verdict.Outcome.INCONCLUSIVE, Verdict.Outcome.REPRODUCED.and(Verdict.Outcome.INCONCLUSIVE));
        assertEquals(Verdict.Outcome.REPRODUCED, Verdict.Outcome.REPRODUCED.and(Verdict.Outcome.REPRODUCED));
        Verdict v = new Verdict("c", Verdict.Outcome.INCONCLUSIVE, Map.of("x", Double.NaN, "ci", new double[] {1, Double.POSITIVE_INFINITY}));
        Map<String, Object> j = v.toJson();
        assertEquals("inconclusive", j.get("verdict"));
        @SuppressWarnings("unchecked") Map<String, Object> ev = (Map<String, Object>) j.get("evidence");
        assertEquals(null, ev.get("x"), "non-finite numbers are null in JSON");
        assertEquals(java.util.Arrays.asList(1.0, null), ev.get("ci"));
    }

    @Test
    void markdownNumbersAndTables() {
        assertEquals("0.01", Markdown.num(0.01));
        assertEquals("2.5", Markdown.num(2.5));
        assertEquals("1.00e-04", Markdown.num(1e-4));
        assertEquals("33", Markdown.num(33));
        assertEquals("–", Markdown.num(Double.NaN));
        assertEquals("−1.30", Markdown.signed(-1.3, 2));
        String t = new Markdown().table(List.of("a", "b"), List.of(List.of("x|y", "1"))).toString();
        assertTrue(t.contains("x\\|y"), t);
        Map<String, Object> nested = new java.util.LinkedHashMap<>();
        nested.put("a", 0.01);
        nested.put("b", Map.of("c", 1.23e10));
        nested.put("l", List.of(1L, 2.5));
        assertEquals("a: 0.01, b: (c: 1.23e+10), l: [1, 2.5]", ReportWriter.evidenceText(nested));
    }
}
