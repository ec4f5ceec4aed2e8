package dev.morse.experiments;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The verdict on one claim: {@code reproduced}, {@code not_reproduced} or {@code inconclusive},
 * with the numbers it rests on. {@code verdicts.json} is a list of these:
 * {@code {"claim": ID, "verdict": …, "evidence": {…}}}.
 *
 * <p>Evidence values are JSON values: numbers (non-finite ones become {@code null}, as in Morse's
 * reports), strings, booleans, lists, maps; {@code double[]}/{@code int[]} become lists.
 */
public record Verdict(String claim, Outcome outcome, Map<String, Object> evidence) {

    /** The three answers a claim can get. */
    public enum Outcome {
        REPRODUCED, NOT_REPRODUCED, INCONCLUSIVE;

        /** {@code reproduced}, {@code not_reproduced}, {@code inconclusive}. */
        public String label() { return name().toLowerCase(Locale.ROOT); }

        public static Outcome parse(String s) {
            for (Outcome o : values()) if (o.label().equals(s)) return o;
            throw new IllegalArgumentException("unknown verdict '" + s + "' (expected reproduced, not_reproduced or inconclusive)");
        }

        /**
         * Both parts of a claim must hold: reproduced when both are, not reproduced when either is
         * not, inconclusive otherwise.
         */
        public Outcome and(Outcome other) {
            if (this == NOT_REPRODUCED || other == NOT_REPRODUCED) return NOT_REPRODUCED;
            if (this == REPRODUCED && other == REPRODUCED) return REPRODUCED;
            return INCONCLUSIVE;
        }
    }

    public Verdict {
        evidence = Collections.unmodifiableMap(new LinkedHashMap<>(evidence));
    }

    public String verdict() { return outcome.label(); }

    /**
     * This verdict as it stands on an incomplete sweep ({@code committed} of {@code tasks} tasks have
     * a row, {@code done} of them done): {@code inconclusive}, since the missing tasks could turn any
     * rule's answer, with the rule's answer on the rows there are kept as evidence
     * ({@code rule_verdict}) and the counts under {@code incomplete}, first in the evidence.
     */
    public Verdict onIncompleteData(long committed, long done, long tasks) {
        Map<String, Object> inc = new LinkedHashMap<>();
        inc.put("tasks_expected", tasks);
        inc.put("tasks_committed", committed);
        inc.put("tasks_done", done);
        inc.put("tasks_failed", committed - done);
        inc.put("tasks_missing", tasks - committed);
        return heldInconclusive(Map.of("incomplete", inc), "rule_verdict",
                (tasks - committed) + " of " + tasks + " tasks missing: the sweep is incomplete",
                "incomplete sweep (" + committed + " of " + tasks + " tasks): " + outcome.label() + " by the rule on the rows there are");
    }

    /**
     * This verdict made {@code inconclusive} for a reason outside its rule (an incomplete sweep, a
     * stand-in data set), which would otherwise read as an answer that it is not: the evidence opens
     * with {@code lead}, then the rule's answer under {@code ruleKey}, then the rule's evidence;
     * {@code why_inconclusive} is {@code why} followed by the rule's own, the summary {@code summary}
     * followed by the rule's.
     */
    public Verdict heldInconclusive(Map<String, Object> lead, String ruleKey, String why, String summary) {
        Map<String, Object> ev = new LinkedHashMap<>(lead);
        ev.put(ruleKey, outcome.label());
        ev.putAll(evidence);
        Object ruleWhy = evidence.get("why_inconclusive");
        ev.put("why_inconclusive", why + (ruleWhy == null ? "" : "; " + ruleWhy));
        Object s = evidence.get("summary");
        ev.put("summary", summary + (s == null ? "" : "; " + s));
        return new Verdict(claim, Outcome.INCONCLUSIVE, ev);
    }

    /** The JSON object of verdicts.json. */
    public Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("claim", claim);
        m.put("verdict", outcome.label());
        m.put("evidence", jsonValue(evidence));
        return m;
    }

    /** A value as plain JSON: non-finite numbers → null, primitive arrays → lists, maps and lists recursively. */
    public static Object jsonValue(Object v) {
        if (v == null || v instanceof String || v instanceof Boolean) return v;
        if (v instanceof Double || v instanceof Float) {
            double d = ((Number) v).doubleValue();
            return Double.isFinite(d) ? (Object) d : null;
        }
        if (v instanceof Number) return v;
        if (v instanceof double[] a) {
            List<Object> l = new ArrayList<>();
            for (double x : a) l.add(jsonValue(x));
            return l;
        }
        if (v instanceof int[] a) {
            List<Object> l = new ArrayList<>();
            for (int x : a) l.add(x);
            return l;
        }
        if (v instanceof long[] a) {
            List<Object> l = new ArrayList<>();
            for (long x : a) l.add(x);
            return l;
        }
        if (v instanceof Map<?, ?> m) {
            Map<String, Object> out = new LinkedHashMap<>();
            m.forEach((k, x) -> out.put(String.valueOf(k), jsonValue(x)));
            return out;
        }
        if (v instanceof Iterable<?> it) {
            List<Object> l = new ArrayList<>();
            for (Object x : it) l.add(jsonValue(x));
            return l;
        }
        if (v instanceof Enum<?> e) return e.name().toLowerCase(Locale.ROOT);
        return v.toString();
    }
}
