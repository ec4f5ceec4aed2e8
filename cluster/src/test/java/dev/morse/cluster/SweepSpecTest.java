package dev.morse.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Spec parsing, errors that name the key, task order, zip groups and task ids (no Spark). */
class SweepSpecTest {

    static final String SPEC = """
            {"name": "weight-decay",
             "base": {"model": "2-12-1", "activation": "tanh", "loss": "mse", "data": "teacher:n=16,width=3"},
             "grid": {"reg": ["none", "l2:1e-3"], "seed": [0, 1, 2, 3]},
             "steps": [{"fit": {"optimizer": "lbfgs_newton", "grad_tol": "rounding"}}, {"morse": {}}]}
            """;

    /** A spec with numbers of every kind in canonical forms (integers, decimals, exponents, lists). */
    static final String PINNED = """
            {"name": "pinned",
             "base": {"model": "2-4-1", "data": "teacher:n=16,width=3", "lr": 0.05, "weight": 1e-3, "max_iter": 5000},
             "grid": {"seed": [0, 7], "epochs": [30], "widths": [[1, 2.5]]},
             "steps": [{"train": {"batch_size": 16, "momentum": 0.9}}, {"morse": {"tau": 1e-8}}]}
            """;

    /**
     * Ids are stable across versions of the code (morse_version aside): existing sweep folders
     * resume only if their tasks hash as before. Computed with the id code of 2026-12-03.
     */
    @Test
    void idsOfCanonicalSpecsArePinned() {
        assertEquals(List.of("4359c8914409dece", "dc6d994ece74775a"),
                SweepSpec.parse(PINNED).tasks("1.0").stream().map(SweepTask::id).toList());
        assertEquals("7396d3021a563211", SweepSpec.parse(SPEC).tasks("1.0").get(5).id());
    }

    /** A JSON list of the integers 0..n-1. */
    static String range(int n) {
        StringBuilder b = new StringBuilder("[");
        for (int i = 0; i < n; i++) b.append(i == 0 ? "" : ",").append(i);
        return b.append(']').toString();
    }

    /**
     * Regression: a grid of a million tasks (100 × 100 × 100) was accepted, and sweep run spent
     * minutes and gigabytes expanding it before saying anything. The count is the product of the axis
     * sizes, refused at parse beyond MAX_TASKS with the count, the axes and what to do; a product
     * past the range of a long is refused alike (not an overflow).
     */
    @Test
    void aGridOfMoreThanMaxTasksIsRefusedFromItsAxisSizes() {
        String huge = "{\"name\": \"huge\", \"base\": {\"model\": \"2-4-1\"}, \"grid\": {\"seed\": " + range(100)
                + ", \"lr\": " + range(100) + ", \"max_iter\": " + range(100) + "}, \"steps\": [{\"fit\": {}}]}";
        // refused from the axis sizes: a million tasks made first took minutes and GBs (no timing asserted here)
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SweepSpec.parse(huge, "/x/huge.json"));
        assertEquals("/x/huge.json: key 'grid': 1000000 tasks (100 seed × 100 lr × 100 max_iter): more than a sweep may have (100000); "
                + "split it into sweeps of at most 100000 tasks, each with its own --out (e.g. one per value, or per range of values, of 'seed')",
                e.getMessage());
        String r = range(1000);
        String overflow = "{\"name\": \"o\", \"grid\": {\"a\": " + r + ", \"b\": " + r + ", \"c\": " + r + ", \"d\": " + r + ", \"e\": " + r
                + ", \"f\": " + r + ", \"g\": " + r + "}, \"steps\": [{\"fit\": {}}]}";
        assertTrue(assertThrows(IllegalArgumentException.class, () -> SweepSpec.parse(overflow)).getMessage()
                .startsWith("spec: key 'grid': more than 9223372036854775807 tasks (1000 a × "));
        // at the limit: accepted, and counted without expanding
        String most = "{\"name\": \"m\", \"grid\": {\"a\": " + range(100) + ", \"b\": " + r + "}, \"steps\": [{\"fit\": {}}]}";
        SweepSpec s = SweepSpec.parse(most);
        assertEquals(SweepSpec.MAX_TASKS, s.size());
        assertEquals("100 a × 1000 b", s.shape());
    }

    @Test
    void cartesianProductInStableOrder() {
        SweepSpec s = SweepSpec.parse(SPEC);
        List<SweepTask> t = s.tasks("1.0");
        assertEquals(8, t.size());
        assertEquals(8, s.size());
        assertEquals(List.of("reg", "seed"), s.axes());
        // first axis slowest
        List<String> points = new ArrayList<>();
        for (SweepTask x : t) points.add(x.point().get("reg") + "/" + x.point().get("seed"));
        assertEquals(List.of("none/0", "none/1", "none/2", "none/3", "l2:1e-3/0", "l2:1e-3/1", "l2:1e-3/2", "l2:1e-3/3"), points);
        // config: base then grid, in order
        assertEquals(List.of("model", "activation", "loss", "data", "reg", "seed"), List.copyOf(t.get(0).config().keySet()));
        assertEquals(List.of("fit", "morse"), t.get(0).steps().stream().map(SweepSpec.Step::name).toList());
        for (int i = 0; i < t.size(); i++) assertEquals(i, t.get(i).index());
    }

    @Test
    void idsAreStableDistinctAndDependOnVersionAndStepsOnly() {
        List<SweepTask> a = SweepSpec.parse(SPEC).tasks("1.0");
        List<SweepTask> b = SweepSpec.parse(SPEC).tasks("1.0");
        assertEquals(a.stream().map(SweepTask::id).toList(), b.stream().map(SweepTask::id).toList());
        assertEquals(8, new HashSet<>(a.stream().map(SweepTask::id).toList()).size());
        assertTrue(a.get(0).id().matches("[0-9a-f]{16}"), a.get(0).id());
        // another Morse version: other ids
        assertNotEquals(a.get(0).id(), SweepSpec.parse(SPEC).tasks("1.1").get(0).id());
        // another step option: other ids
        assertNotEquals(a.get(0).id(), SweepSpec.parse(SPEC.replace("rounding", "spec")).tasks("1.0").get(0).id());
        // the name, the order of base keys and 1e-3 vs 0.001 spelled differently do not matter
        String reordered = """
                {"name": "other-name",
                 "base": {"loss": "mse", "data": "teacher:n=16,width=3", "model": "2-12-1", "activation": "tanh"},
                 "grid": {"reg": ["none", "l2:1e-3"], "seed": [0, 1, 2, 3]},
                 "steps": [{"fit": {"grad_tol": "rounding", "optimizer": "lbfgs_newton"}}, {"morse": {}}]}
                """;
        assertEquals(a.get(5).id(), SweepSpec.parse(reordered).tasks("1.0").get(5).id());
        assertEquals(SweepSpec.parse("{\"name\":\"x\",\"grid\":{\"lambda\":[0.001]},\"steps\":[{\"a\":{}}]}").tasks("v").get(0).id(),
                SweepSpec.parse("{\"name\":\"x\",\"grid\":{\"lambda\":[1e-3]},\"steps\":[{\"a\":{}}]}").tasks("v").get(0).id());
        // a grid value moved to base gives the same task
        assertEquals(SweepSpec.parse("{\"name\":\"x\",\"base\":{\"w\":4},\"grid\":{\"s\":[1]},\"steps\":[{\"a\":{}}]}").tasks("v").get(0).id(),
                SweepSpec.parse("{\"name\":\"x\",\"grid\":{\"w\":[4],\"s\":[1]},\"steps\":[{\"a\":{}}]}").tasks("v").get(0).id());
    }

    @Test
    void zipGroupsWalkTogether() {
        SweepSpec s = SweepSpec.parse("""
                {"name": "z", "grid": {"width": [8, 16, 8], "seed": [0, 1], "lr": [0.1, 0.05, 0.2]},
                 "zip": [["width", "lr"]], "steps": [{"fit": {}}]}
                """);
        List<SweepTask> t = s.tasks("v");
        assertEquals(6, t.size());
        List<String> p = t.stream().map(x -> x.point().get("width") + "," + x.point().get("lr") + "," + x.point().get("seed")).toList();
        assertEquals(List.of("8,0.1,0", "8,0.1,1", "16,0.05,0", "16,0.05,1", "8,0.2,0", "8,0.2,1"), p);
        // grid order is kept in the point (width, seed, lr) even though the group is one axis
        assertEquals(List.of("width", "seed", "lr"), List.copyOf(t.get(0).point().keySet()));
    }

    @Test
    void noGridIsOneTask() {
        SweepSpec s = SweepSpec.parse("{\"name\": \"one\", \"base\": {\"model\": \"2-3-1\"}, \"steps\": [{\"fit\": null}]}");
        assertEquals(1, s.tasks("v").size());
        assertEquals(Map.of(), s.steps().get(0).options());
    }

    @Test
    void roundTripsThroughToMap() {
        SweepSpec s = SweepSpec.parse("""
                {"name": "z", "base": {"m": "a"}, "grid": {"width": [8, 16], "lr": [0.1, 0.05], "x": [[1, 2], null]},
                 "zip": [["width", "lr"]], "steps": [{"fit": {"o": 1}}, {"morse": {}}]}
                """);
        SweepSpec back = SweepSpec.parse(Json.write(s.toMap()));
        assertEquals(s.tasks("v").stream().map(SweepTask::id).toList(), back.tasks("v").stream().map(SweepTask::id).toList());
    }

    private static void refused(String json, String... fragments) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SweepSpec.parse(json, "s.json"));
        for (String f : fragments) assertTrue(e.getMessage().contains(f), "message '" + e.getMessage() + "' lacks '" + f + "'");
        assertTrue(e.getMessage().startsWith("s.json"), e.getMessage());
    }

    @Test
    void badSpecsNameTheKey() {
        String steps = "\"steps\": [{\"fit\": {}}]";
        refused("{\"name\": \"x\", \"gird\": {}, " + steps + "}", "'gird'", "unknown top-level key");
        refused("{\"base\": {}, " + steps + "}", "'name'", "missing");
        refused("{\"name\": \"\", " + steps + "}", "'name'");
        refused("{\"name\": \"x\", \"grid\": {\"seed\": []}, " + steps + "}", "'grid.seed'", "empty list");
        refused("{\"name\": \"x\", \"grid\": {\"seed\": 3}, " + steps + "}", "'grid.seed'", "list");
        refused("{\"name\": \"x\", \"grid\": {\"seed\": [1, 2, 1]}, " + steps + "}", "'grid.seed'", "twice");
        // numbers equal in value but typed differently would be two tasks (two ids) running the same thing
        refused("{\"name\": \"x\", \"grid\": {\"seed\": [0, 1, 1.0]}, " + steps + "}", "'grid.seed'", "value 1.0 equals 1",
                "list it once");
        refused("{\"name\": \"x\", \"grid\": {\"lr\": [0.5, 5e-1]}, " + steps + "}", "'grid.lr'", "0.5");
        // tuples that differ in one member are two tasks, however the numbers are written
        assertEquals(2, SweepSpec.parse("{\"name\": \"x\", \"grid\": {\"a\": [1, 2.0], \"b\": [[3, 4], [3.0, 4]]}, \"zip\": [[\"a\", \"b\"]], "
                + steps + "}").size());
        // ids keep hashing the values as written (resuming an existing sweep finds its tasks): 1.0 is
        // not rewritten to 1. (Rewriting them changed 70 of the 105 ids of benign-landscape's quick
        // spec, whose alpha grid holds 1.0, and made its folders unresumable: reverted.)
        assertNotEquals(SweepSpec.parse("{\"name\": \"x\", \"grid\": {\"s\": [1.0]}, " + steps + "}").tasks("v").get(0).id(),
                SweepSpec.parse("{\"name\": \"x\", \"grid\": {\"s\": [1]}, " + steps + "}").tasks("v").get(0).id());
        refused("{\"name\": \"x\", \"grid\": {\"a\": [2, 2.0], \"b\": [[3, 4], [3.0, 4]]}, \"zip\": [[\"a\", \"b\"]], " + steps + "}",
                "'zip[a, b]'", "equals [2,[3,4]]");
        refused("{\"name\": \"x\", \"base\": {\"seed\": 1}, \"grid\": {\"seed\": [1, 2]}, " + steps + "}",
                "'grid.seed'", "both in base and in grid");
        refused("{\"name\": \"x\", \"grid\": {\"a\": [1, 2], \"b\": [1, 2, 3]}, \"zip\": [[\"a\", \"b\"]], " + steps + "}",
                "'zip[0]'", "differ in length", "grid.a has 2", "grid.b has 3");
        refused("{\"name\": \"x\", \"grid\": {\"a\": [1, 2]}, \"zip\": [[\"a\", \"c\"]], " + steps + "}", "'zip[0]'", "'c' is not a grid option");
        refused("{\"name\": \"x\", \"grid\": {\"a\": [1], \"b\": [2], \"c\": [3]}, \"zip\": [[\"a\", \"b\"], [\"b\", \"c\"]], " + steps + "}",
                "'zip[1]'", "more than one");
        refused("{\"name\": \"x\", \"grid\": {\"a\": [1, 1], \"b\": [2, 2]}, \"zip\": [[\"a\", \"b\"]], " + steps + "}", "twice");
        refused("{\"name\": \"x\"}", "'steps'", "missing");
        refused("{\"name\": \"x\", \"steps\": []}", "'steps'");
        refused("{\"name\": \"x\", \"steps\": [{\"fit\": {}, \"morse\": {}}]}", "'steps[0]'", "exactly one key");
        refused("{\"name\": \"x\", \"steps\": [{\"fit\": {}}, {\"fit\": {}}]}", "'steps[1]'", "twice");
        refused("{\"name\": \"x\", \"steps\": [{\"fit\": 3}]}", "'steps[0].fit'", "object");
        refused("{\"name\": \"x\", \"base\": {\"fit.x\": 1}, " + steps + "}", "'base.fit.x'", "'.'");
        refused("{\"name\": \"x\", \"base\": {\"status\": 1}, " + steps + "}", "'base.status'", "column");
        refused("{\"name\": \"x\", \"name\": \"y\", " + steps + "}", "Duplicate field 'name'");
        refused("{\"name\": \"x\", " + steps, "not a JSON object");
    }
}
