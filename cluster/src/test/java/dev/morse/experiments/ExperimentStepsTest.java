package dev.morse.experiments;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.morse.cluster.StepContext;
import dev.morse.cluster.SweepSpec;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * {@link ExperimentSteps#validate} checks the tasks the sweep runs: zip groups walk their lists
 * together, so values of two zipped options that are never in one task are never checked together.
 */
class ExperimentStepsTest {

    /** An own step that reads {@code setting} and records the settings it was checked with. */
    static final class Probe implements ExperimentSteps.OwnStep {
        final List<Object> checked = new ArrayList<>();

        @Override public String name() { return "probe"; }
        @Override public Set<String> taskKeys() { return Set.of("setting"); }

        @Override
        public void check(Map<String, Object> taskConfig, Map<String, Object> stepOptions) {
            checked.add(taskConfig.get("setting") + "/" + taskConfig.get("model"));
        }

        @Override
        public Map<String, ?> run(Map<String, Object> taskConfig, Map<String, Object> stepOptions, Path taskDir, StepContext ctx) {
            return Map.of();
        }
    }

    /** An own step that saves θ (its outputs hold a theta_file), or one that says it does not. */
    static class Maker implements ExperimentSteps.OwnStep {
        final boolean theta;

        Maker(boolean theta) { this.theta = theta; }

        @Override public String name() { return "make"; }
        @Override public boolean producesTheta() { return theta; }

        @Override
        public Map<String, ?> run(Map<String, Object> taskConfig, Map<String, Object> stepOptions, Path taskDir, StepContext ctx) {
            return theta ? Map.of("theta_file", "make-theta.npy") : Map.of();
        }
    }

    private static SweepSpec spec(String grid, String zip, String steps) {
        return SweepSpec.parse("{\"name\": \"z\", \"base\": {\"loss\": \"mse\", \"data\": \"teacher:n=40,width=2\"},"
                + " \"grid\": " + grid + ", \"zip\": " + zip + ", \"steps\": " + steps + "}");
    }

    /**
     * One activation per hidden layer, zipped with the model: each row is valid, the crossed pair
     * (2-4-1 with two activations) is not, and no task has it. It used to be refused.
     */
    @Test
    void zippedOptionsAreCheckedPerRowNotCrossed() {
        SweepSpec s = spec("{\"model\": [\"2-4-1\", \"2-4-4-1\"], \"activation\": [\"tanh\", \"tanh,relu\"], \"seed\": [0, 1]}",
                "[[\"model\", \"activation\"]]", "[{\"fit\": {}}]");
        assertEquals(4, s.size());
        ExperimentSteps.cliOnly().validate(s);

        // with an own step too (its key taken out of what the CLI's steps see)
        Probe probe = new Probe();
        SweepSpec withOwn = spec("{\"setting\": [\"a\", \"b\"], \"model\": [\"2-4-1\", \"2-4-4-1\"], \"activation\": [\"tanh\", \"tanh,relu\"]}",
                "[[\"setting\", \"model\", \"activation\"]]", "[{\"probe\": {}}, {\"fit\": {}}]");
        new ExperimentSteps(List.of(probe)).validate(withOwn);
        assertEquals(List.of("a/2-4-1", "b/2-4-4-1"), probe.checked, "the own step checks each task once");
    }

    /**
     * A CLI step after an own step that saves θ runs on that θ (--weights, without the task's init
     * and seed), and validation checks it so: it checked the step with the task's init instead, so a
     * step's own seed next to that θ (refused by the command: it draws nothing there) passed the
     * driver and failed every task with exit 2.
     */
    @Test
    void aCliStepAfterAnOwnStepThatSavesThetaIsCheckedOnThatTheta() {
        SweepSpec ownSeed = spec("{\"model\": [\"2-3-1\"], \"seed\": [0, 1]}", "[]", "[{\"make\": {}}, {\"morse\": {\"seed\": 3}}]");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new ExperimentSteps(List.of(new Maker(true))).validate(ownSeed));
        assertTrue(e.getMessage().startsWith("spec: key 'steps[1].morse.seed': ") && e.getMessage().contains("θ comes from --weights")
                && e.getMessage().contains("make-theta.npy"), e.getMessage());
        // without θ from the own step the morse step draws its own θ with that seed: fine
        new ExperimentSteps(List.of(new Maker(false))).validate(ownSeed);
        // the task's init and seed go to no step on that θ: not refused
        new ExperimentSteps(List.of(new Maker(true))).validate(spec("{\"model\": [\"2-3-1\"], \"seed\": [0, 1], \"init\": [\"zeros\", \"pytorch\"]}",
                "[]", "[{\"make\": {}}, {\"morse\": {}}]"));
    }

    /** An own step that returns a theta_file without saying so is stopped: validation checked the later steps without that θ. */
    @Test
    void anOwnStepThatSavesThetaWithoutSayingSoIsStopped() throws Exception {
        ExperimentSteps.OwnStep silent = new Maker(true) {
            @Override public boolean producesTheta() { return false; }
        };
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> new ExperimentSteps(List.of(silent)).run("make", Map.of(), Map.of(), Path.of("."), null));
        assertTrue(e.getMessage().contains("producesTheta"), e.getMessage());
        assertEquals(Map.of("theta_file", "make-theta.npy"), new ExperimentSteps(List.of(new Maker(true))).run("make", Map.of(), Map.of(), Path.of("."), null));
    }

    /**
     * A zip group with an own option whose other members repeat a tuple (two settings, one model):
     * the CLI's part of the tasks repeats, which is no duplicate task.
     */
    @Test
    void aZipRowThatDiffersOnlyInAnOwnOptionIsNoDuplicate() {
        SweepSpec s = spec("{\"setting\": [\"a\", \"b\", \"c\"], \"model\": [\"2-4-1\", \"2-4-1\", \"2-4-4-1\"],"
                        + " \"activation\": [\"tanh\", \"tanh\", \"tanh,relu\"]}",
                "[[\"setting\", \"model\", \"activation\"]]", "[{\"probe\": {}}, {\"fit\": {}}]");
        new ExperimentSteps(List.of(new Probe())).validate(s);
    }

    /**
     * A row that is invalid on its own is still refused, naming the key and its place in the spec as
     * written (not in a list with its repeats taken out), and a step by its place among all the steps.
     */
    @Test
    void aBadRowIsRefusedNamingTheSpecsKeys() {
        SweepSpec s = spec("{\"setting\": [\"a\", \"b\", \"c\"], \"model\": [\"2-4-1\", \"2-4-1\", \"2-4-1\"],"
                        + " \"activation\": [\"tanh\", \"tanh\", \"tanh,relu\"]}",
                "[[\"setting\", \"model\", \"activation\"]]", "[{\"probe\": {}}, {\"fit\": {}}]");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new ExperimentSteps(List.of(new Probe())).validate(s));
        assertTrue(e.getMessage().startsWith("spec: key 'grid.activation[2]': ") && e.getMessage().contains("2 activations for 1 hidden"),
                e.getMessage());

        // a CLI step after an own one is named by its place in the spec's steps
        SweepSpec badOption = spec("{\"setting\": [\"a\", \"b\"], \"model\": [\"2-4-1\", \"2-4-4-1\"], \"activation\": [\"tanh\", \"tanh,relu\"]}",
                "[[\"setting\", \"model\", \"activation\"]]", "[{\"probe\": {}}, {\"fit\": {\"no_such\": 1}}]");
        IllegalArgumentException o = assertThrows(IllegalArgumentException.class,
                () -> new ExperimentSteps(List.of(new Probe())).validate(badOption));
        assertTrue(o.getMessage().startsWith("spec: key 'steps[1].fit.no_such': "), o.getMessage());
    }
}
