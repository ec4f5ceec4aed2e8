package dev.morse.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Config files: hostile nesting is an error with a position, and every key must belong to the command that runs. */
class ConfigTest {

    @TempDir
    Path dir;

    private static void refused(Cli.Result r, String... parts) {
        assertEquals(2, r.code(), r.toString());
        for (String p : parts) assertTrue(r.err().contains(p), "«" + p + "» in: " + r.err());
        assertEquals(1, r.err().strip().lines().count(), "one line: " + r.err());
    }

    @Test
    void deepNestingIsAnErrorNotAStackOverflow() throws Exception {
        Path cfg = dir.resolve("deep.json");
        Files.writeString(cfg, "[".repeat(100_000));
        refused(Cli.run("spectrum", "--config", cfg.toString()), "deep.json line 1, column 257: nesting deeper than 256 levels");
        Files.writeString(cfg, "{\"command\": \"spectrum\", \"model\": " + "[".repeat(300) + "]".repeat(300) + "}");
        refused(Cli.run("--config", cfg.toString()), "deep.json", "nesting deeper");
    }

    @Test
    void keysOfAnotherCommandAreNotIgnored() throws Exception {
        Path cfg = dir.resolve("s.json");
        Files.writeString(cfg, "{\"command\": \"spectrum\", \"model\": \"3-4-1\", \"data\": \"gaussian\", \"optimizer\": \"lbfgs\"}");
        refused(Cli.run("--config", cfg.toString()), "s.json: \"optimizer\" is an option of fit, train, not of spectrum");
        // The command on the command line decides which keys belong.
        Files.writeString(cfg, "{\"command\": \"fit\", \"model\": \"3-4-1\", \"data\": \"gaussian\", \"history\": 5}");
        refused(Cli.run("spectrum", "--config", cfg.toString()), "\"history\" is an option of fit, not of spectrum");
        Files.writeString(cfg, "{\"model\": \"3-4-1\", \"data\": \"gaussian\", \"tau_factor\": 3}");
        refused(Cli.run("trace", "--config", cfg.toString()), "\"tau-factor\" is an option of spectrum, morse, not of trace");
        Files.writeString(cfg, "{\"command\": \"spectrum\", \"modle\": \"3-4-1\"}");
        refused(Cli.run("--config", cfg.toString()), "unknown option \"modle\" for spectrum; known options: ");
        Files.writeString(cfg, "{\"command\": \"spectrun\"}");
        refused(Cli.run("--config", cfg.toString()), "\"spectrun\" is not a morse command");
        Files.writeString(cfg, "{\"command\": \"trace\", \"model\": \"3-4-1\", \"data\": \"gaussian\", \"method\": \"hutchinson\", \"probes\": 4, \"quiet\": true, \"json\": \"-\"}");
        Cli.Result ok = Cli.run("--config", cfg.toString());
        assertEquals(0, ok.code(), "options shared by every analysis command are fine: " + ok);
    }

    @Test
    void malformedConfigsNameTheFileAndPlace() throws Exception {
        Path cfg = dir.resolve("bad.json");
        Files.writeString(cfg, "{\"command\": \"spectrum\",\n \"model\": 01}");
        refused(Cli.run("--config", cfg.toString()), "bad.json line 2, column 11: bad number: a leading zero");
        Files.writeString(cfg, "[\"spectrum\"]");
        refused(Cli.run("--config", cfg.toString()), "bad.json: expected a JSON object at the top level, found an array");
        Files.writeString(cfg, "{\"command\": \"spectrum\", \"model\": {\"a\": 1}}");
        refused(Cli.run("--config", cfg.toString()), "\"model\" has an object value");
    }
}
