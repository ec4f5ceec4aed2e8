package dev.morse.experiments;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.morse.experiments.Verdict.Outcome;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A verdict held inconclusive for a reason outside its rule (an incomplete sweep, stand-in data): one shape of evidence. */
class VerdictTest {

    private static Verdict ruled(Outcome o, String why) {
        Map<String, Object> ev = new LinkedHashMap<>();
        ev.put("runs", 20);
        if (why != null) ev.put("why_inconclusive", why);
        ev.put("summary", "20 runs");
        return new Verdict("claim", o, ev);
    }

    @Test
    void anIncompleteSweepKeepsTheRulesAnswerAndCountsFirst() {
        Verdict v = ruled(Outcome.REPRODUCED, null).onIncompleteData(8, 7, 10);
        assertEquals(Outcome.INCONCLUSIVE, v.outcome());
        assertEquals(List.of("incomplete", "rule_verdict", "runs", "summary", "why_inconclusive"), List.copyOf(v.evidence().keySet()));
        assertEquals(Map.of("tasks_expected", 10L, "tasks_committed", 8L, "tasks_done", 7L, "tasks_failed", 1L, "tasks_missing", 2L),
                v.evidence().get("incomplete"));
        assertEquals("reproduced", v.evidence().get("rule_verdict"));
        assertEquals("2 of 10 tasks missing: the sweep is incomplete", v.evidence().get("why_inconclusive"));
        assertEquals("incomplete sweep (8 of 10 tasks): reproduced by the rule on the rows there are; 20 runs", v.evidence().get("summary"));
    }

    /** The rule's own reason stays after the one that holds the verdict. */
    @Test
    void theRulesOwnReasonFollows() {
        Verdict v = ruled(Outcome.INCONCLUSIVE, "fewer than 20 runs in the cell")
                .heldInconclusive(Map.of(), "verdict_on_stand_in_data", "stand-in data", "stand-in data, no verdict");
        assertEquals(List.of("verdict_on_stand_in_data", "runs", "why_inconclusive", "summary"), List.copyOf(v.evidence().keySet()));
        assertEquals("stand-in data; fewer than 20 runs in the cell", v.evidence().get("why_inconclusive"));
        assertEquals("stand-in data, no verdict; 20 runs", v.evidence().get("summary"));
    }
}
