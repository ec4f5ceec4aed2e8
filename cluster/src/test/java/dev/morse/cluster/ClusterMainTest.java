package dev.morse.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** bin/morse-cluster's commands: a sweep of the stand-in steps, its status and report; usage errors. */
class ClusterMainTest {
    @TempDir Path tmp;
    final ByteArrayOutputStream out = new ByteArrayOutputStream();
    final ByteArrayOutputStream err = new ByteArrayOutputStream();

    int run(String... args) {
        out.reset();
        err.reset();
        return ClusterMain.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    String out() { return out.toString(StandardCharsets.UTF_8); }

    String err() { return err.toString(StandardCharsets.UTF_8); }

    @Test
    void sweepRunStatusReport() throws Exception {
        Path spec = tmp.resolve("s.json");
        Files.writeString(spec, """
                {"name": "echo", "base": {"model": "2-4-1"}, "grid": {"width": [4, 8], "reg": ["none", "l2:1e-3"]},
                 "steps": [{"fit": {}}, {"morse": {"fail_above": 0.999999}}]}
                """);
        Path dir = tmp.resolve("out");
        assertEquals(0, run("sweep", "run", spec.toString(), "--out", dir.toString(), "--master", "local[2]"), err());
        assertEquals(4, Files.readAllLines(dir.resolve(SweepDir.RESULTS_JSONL)).size());
        assertEquals(0, run("sweep", "status", dir.toString()), err());
        assertTrue(out().contains("4 tasks: 4 done, 0 failed, 0 missing"), out());
        assertEquals(0, run("sweep", "report", dir.toString()), err());
        assertTrue(out().contains("mean morse.value"), out());
        assertEquals(0, run("sweep", "report", dir.toString(), "--pivot", "fit.value:reg:width",
                "--heatmap", "fit.value:width:reg:log"), err());
        assertTrue(out().contains("reg \\ width"), out());
        assertTrue(Files.size(dir.resolve("heatmap-fit.value.png")) > 1000);
    }

    @Test
    void usageErrorsExitWith2() {
        assertEquals(2, run());
        assertTrue(err().contains("usage:"), err());
        assertEquals(2, run("sweep", "fly"));
        assertTrue(err().contains("unknown command 'sweep fly'"), err());
        assertEquals(2, run("sweep", "run", "x.json"));
        assertTrue(err().contains("--out is required"), err());
        assertEquals(2, run("sweep", "status", tmp.toString(), "--bogus", "1"));
        assertTrue(err().contains("unknown option --bogus"), err());
        assertEquals(2, run("sweep", "status", tmp.toString()));
        assertTrue(err().contains("not a sweep folder"), err());
        assertEquals(1, run("cluster", "status", "--state", tmp.resolve("none").toString()));
        assertTrue(out().contains("no cluster"), out());
        assertEquals(0, run("cluster", "stop", "--state", tmp.resolve("none").toString()));
        assertTrue(out().contains("no cluster running"), out());
    }
}
