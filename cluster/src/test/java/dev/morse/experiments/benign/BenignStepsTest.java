package dev.morse.experiments.benign;

import dev.morse.cluster.Json;
import dev.morse.cluster.SparkJvm;
import dev.morse.cluster.SweepDir;
import dev.morse.cluster.SweepRunner;
import dev.morse.cluster.SweepSpec;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

class BenignStepsTest {
    @TempDir Path tmp;

    private static SweepSpec bundled(String scale) throws Exception {
        Path p = Path.of(BenignStepsTest.class.getResource("/experiments/benign-landscape/" + scale + ".json").toURI());
        return SweepSpec.read(p);
    }

    @Test
    void bundledSpecsAreValid() throws Exception {
        SweepSpec quick = bundled("quick");
        new BenignSteps().validate(quick);
        assertEquals(60, quick.size(), "quick: 3 cases × 20 seeds");
        SweepSpec full = bundled("full");
        new BenignSteps().validate(full);
        assertEquals(16 * 4 * 100, full.size(), "full: 16 cases × 4 α × 100 seeds");
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
    }

    @Test
    void tinySweepEndToEndOnLocalSpark() throws Exception {
        String spec = """
                {"name": "benign-tiny",
                 "base": {"n": 3, "alpha": 0.5, "data_seed": 1, "teacher_seed": 2},
                 "grid": {"setting": ["orthogonal", "small_init_example"], "d": [4, 3], "width": [6, 8], "init_seed": [1, 2]},
                 "zip": [["setting", "d", "width"]],
                 "steps": [{"benign_run": {"max_steps": 300000}}]}""";
        SweepSpec s = SweepSpec.parse(spec);
        new BenignSteps().validate(s);
        Path dir = tmp.resolve("sweep");
        SparkSession spark = SparkJvm.session("local[2]", "benign-test", Map.of());
        try {
            SweepRunner.Result r = SweepRunner.run(spark, s, dir, new BenignSteps(),
                    SweepRunner.Options.defaults().withMorseVersion("test-1").withLog(null));
            assertEquals(4, r.done(), "every task done");
        } finally {
            spark.stop();
        }
        List<BenignVerdicts.Run> runs = new ArrayList<>();
        for (String line : Files.readAllLines(dir.resolve(SweepDir.RESULTS_JSONL))) {
            Map<String, Object> row = Json.parseObject(line, "row");
            assertEquals("done", row.get("status"));
            assertTrue((double) row.get("benign_run.objective") >= (double) row.get("benign_run.global_lower") - 1e-12);
            runs.add(BenignVerdicts.Run.fromRow(row, BenignSteps.STEP));
        }
        assertEquals(4, runs.size());
        List<BenignVerdicts.Verdict> vs = BenignVerdicts.evaluate(runs, BenignVerdicts.Config.defaults());
        assertEquals(3, vs.size());
        for (BenignVerdicts.Verdict v : vs) assertEquals("inconclusive", v.verdict(), "4 runs are too few for any claim");
    }
}
