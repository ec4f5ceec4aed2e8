package dev.morse.cli;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * {@link Main.Checker} reuses one parser. picocli keeps an option's value from an earlier parse
 * when a later one does not set it (the option groups' instances survive), so a checker serves one
 * set of options: a sweep step, whose configs all set the same keys, with other values.
 */
class CheckerTest {

    private static String cfg(String command, String model, String activation, String reg) {
        return "{\"command\": \"" + command + "\", \"model\": \"" + model + "\", \"activation\": \"" + activation + "\", \"reg\": \"" + reg
                + "\", \"data\": \"teacher:n=8\"}";
    }

    @Test
    void configsWithTheSameKeysAreCheckedEachOnItsOwnValues() {
        Main.Checker c = new Main.Checker();
        assertNull(c.check(cfg("fit", "2-4-4-1", "tanh,relu", "l2:1e-3"), "fit", "--config", "x.json"));
        assertNull(c.check(cfg("fit", "2-4-1", "tanh", "l2:1e-3"), "fit", "--config", "x.json"), "two activations do not stay");
        String bad = c.check(cfg("fit", "2-4-1", "tanh", "l2:abc"), "fit", "--config", "x.json");
        assertTrue(bad != null && bad.contains("--reg"), "a bad regularizer is refused: " + bad);
        assertNull(c.check(cfg("fit", "2-4-1", "tanh", "l2:1e-3"), "fit", "--config", "x.json"), "and the bad one does not stay");
        String badModel = c.check(cfg("fit", "2-x-1", "tanh", "l2:1e-3"), "fit", "--config", "x.json");
        assertTrue(badModel != null && badModel.contains("'x'"), "a bad model is refused: " + badModel);
    }
}
