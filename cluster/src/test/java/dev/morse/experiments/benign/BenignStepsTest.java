package dev.morse.experiments.benign;

import dev.morse.cluster.SweepSpec;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

class BenignStepsTest {
    private static SweepSpec bundled(String scale) throws Exception {
        Path p = Path.of(BenignStepsTest.class.getResource("/experiments/benign-landscape/" + scale + ".json").toURI());
        return SweepSpec.read(p);
    }

    @Test
    void bundledSpecsAreValid() throws Exception {
        SweepSpec quick = bundled("quick");
        new BenignSteps().validate(quick);
        assertEquals(105, quick.size(), "quick: 3 cases × 35 seeds");
        SweepSpec full = bundled("full");
        new BenignSteps().validate(full);
        assertEquals(16 * 4 * 100, full.size(), "full: 16 cases × 4 α × 100 seeds");
    }

    /** A misspelled option in base or grid would run every task with the default: refused, naming it. */
    @Test
    void unknownTaskConfigKeysAreRefused() {
        String spec = """
                {"name": "b",
                 "base": {"setting": "orthogonal", "n": 3, "d": 4, "width": 6, "alpha": 0.5, "init_seed": 1, "data_seed": 2,
                          "teacher_seed": 3%s},
                 "grid": {%s},
                 "steps": [{"benign_run": {}}]}
                """;
        new BenignSteps().validate(SweepSpec.parse(spec.formatted("", "\"lambda\": [1e-3, 1e-2]")));
        var e = assertThrows(IllegalArgumentException.class,
                () -> new BenignSteps().validate(SweepSpec.parse(spec.formatted("", "\"lamda\": [1e-3, 1e-2]"))));
        assertTrue(e.getMessage().startsWith("spec: key 'grid.lamda': step 'benign_run' has no option 'lamda'; its options: ["),
                e.getMessage());
        assertTrue(e.getMessage().contains("lambda"), e.getMessage());
        var b = assertThrows(IllegalArgumentException.class,
                () -> new BenignSteps().validate(SweepSpec.parse(spec.formatted(", \"max_step\": 10", "\"lambda\": [1e-3]"))));
        assertTrue(b.getMessage().startsWith("spec: key 'base.max_step'"), b.getMessage());
    }

    @Test
    void optionsAreCheckedWithMessagesNamingTheKey() {
        Map<String, Object> ok = Map.of("setting", "orthogonal", "n", 3, "d", 4, "width", 6, "alpha", 0.5,
                "init_seed", 1, "data_seed", 2, "teacher_seed", 3);
        BenignSteps.Task t = BenignSteps.Task.from("benign_run", ok, Map.of());
        assertEquals(0.01, t.lambda(), "default λ of the orthogonal setting");
        var e1 = assertThrows(IllegalArgumentException.class, () -> BenignSteps.Task.from("benign_run", ok, Map.of("max_step", 5)));
        assertTrue(e1.getMessage().contains("max_step"));
        var e2 = assertThrows(IllegalArgumentException.class,
                () -> BenignSteps.Task.from("benign_run", Map.of("setting", "orthogonal", "d", 4), Map.of()));
        assertTrue(e2.getMessage().startsWith("n:"), e2.getMessage());
        var e3 = assertThrows(IllegalArgumentException.class,
                () -> BenignSteps.Task.from("benign_run", Map.of("setting", "spiral"), Map.of()));
        assertTrue(e3.getMessage().contains("setting"));
        assertThrows(IllegalArgumentException.class, () -> BenignSteps.Task.from("fit", ok, Map.of()));
        // seeds that longValue would change (1e19 became 2^63 − 1, 2^64 became 0) are refused; exact ones kept
        var e4 = assertThrows(IllegalArgumentException.class, () -> BenignSteps.Task.from("benign_run", ok, Map.of("init_seed", 1e19)));
        assertEquals("init_seed: " + dev.morse.io.Numbers.notExactWhole(1e19), e4.getMessage(), "the sweep check's message");
        // 9007199254740993.0 reads as 2^53, which ran as seed 9007199254740992
        var e6 = assertThrows(IllegalArgumentException.class, () -> BenignSteps.Task.from("benign_run", ok, Map.of("init_seed", 0x1p53)));
        assertEquals("init_seed: " + dev.morse.io.Numbers.notExactWhole(0x1p53), e6.getMessage());
        assertEquals(9007199254740991L, BenignSteps.Task.from("benign_run", ok, Map.of("init_seed", 0x1p53 - 1)).initSeed());
        var e5 = assertThrows(IllegalArgumentException.class, () -> BenignSteps.Task.from("benign_run", ok,
                Map.of("init_seed", java.math.BigInteger.ONE.shiftLeft(64))));
        assertTrue(e5.getMessage().contains("out of the 64-bit range"), e5.getMessage());
        assertEquals(1_000_000_000_000_000L, BenignSteps.Task.from("benign_run", ok, Map.of("init_seed", 1e15)).initSeed());
        assertEquals(Long.MAX_VALUE, BenignSteps.Task.from("benign_run", ok, Map.of("init_seed", Long.MAX_VALUE)).initSeed());
    }

    @Test
    void oneTaskDirectly() {
        Map<String, Object> cfg = Map.of("setting", "orthogonal", "n", 3, "d", 4, "width", 6, "alpha", 0.5,
                "init_seed", 1, "data_seed", 2, "teacher_seed", 3, "max_steps", 500_000);
        BenignSteps.Task t = BenignSteps.Task.from("benign_run", cfg, Map.of());
        BenignSteps.Global g = BenignSteps.Global.of(t);
        Map<String, Object> out = BenignSteps.run(t, g);
        assertEquals(ConvexGlobal.orthonormal(t.data().y(), t.lambda()), (double) out.get("global_value"), 1e-12);
        assertTrue((double) out.get("objective") >= g.lower() - 1e-12);
        assertTrue(Set.of("global", "spurious", "stalled", "unconverged", "undetermined").contains((String) out.get("class")));
        if ((boolean) out.get("converged")) assertTrue((double) out.get("grad_norm") < 1e-8);
        // the tolerance the class was decided with is an output: the verdicts' margins read it (the default here)
        assertEquals(Classification.Tolerances.defaults().global(), (double) out.get("global_tol"));
        assertEquals(1e-6, BenignSteps.Task.from("benign_run", cfg, Map.of("global_tol", 1e-6)).globalTol(), "the step's option wins");
    }

    // The sweep end to end on local Spark: ExperimentsTest#benignLandscapeTiny (one session for every experiment).
}
