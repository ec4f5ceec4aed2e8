package dev.morse.experiments;

import dev.morse.cluster.MorseSteps;
import dev.morse.cluster.StepContext;
import dev.morse.cluster.StepRunner;
import dev.morse.cluster.SweepSpec;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * An experiment's steps: its own ({@link OwnStep}, by name) composed with the CLI's commands
 * ({@link MorseSteps}) for every other step name. θ flows as in any sweep: an own step may read the
 * θ file an earlier CLI step wrote ({@code ctx.outputs("morse").get("theta_file")}), and a
 * {@code theta_file} output of its own reaches later CLI steps as their {@code --weights}.
 *
 * <p>Validation: the task options that only own steps read ({@link OwnStep#taskKeys()}) are taken
 * out before {@link MorseSteps#validate} checks the rest, so a key that neither reads is still
 * refused, naming it.
 */
public final class ExperimentSteps implements StepRunner {
    private static final long serialVersionUID = 1L;

    /** A step that is not a CLI command. */
    public interface OwnStep extends java.io.Serializable {
        /** The step's name in specs. */
        String name();

        /** Task-config keys this step reads (e.g. {@code setting}, {@code width}); none by default. */
        default Set<String> taskKeys() { return Set.of(); }

        /** Step options it accepts. */
        default Set<String> options() { return Set.of(); }

        /** More checks of one task's config and the step's options (driver, before anything runs). */
        default void check(Map<String, Object> taskConfig, Map<String, Object> stepOptions) {}

        Map<String, ?> run(Map<String, Object> taskConfig, Map<String, Object> stepOptions, Path taskDir, StepContext ctx) throws Exception;
    }

    private final Map<String, OwnStep> own;
    private final MorseSteps cli = new MorseSteps();

    public ExperimentSteps(List<? extends OwnStep> steps) {
        Map<String, OwnStep> m = new LinkedHashMap<>();
        for (OwnStep s : steps) {
            if (m.put(s.name(), s) != null) throw new IllegalArgumentException("own step '" + s.name() + "' given twice");
        }
        this.own = Collections.unmodifiableMap(m);
    }

    /** Only the CLI's commands. */
    public static ExperimentSteps cliOnly() { return new ExperimentSteps(List.of()); }

    @Override
    public Map<String, ?> run(String step, Map<String, Object> taskConfig, Map<String, Object> stepOptions, Path taskDir,
                              StepContext ctx) throws Exception {
        OwnStep s = own.get(step);
        if (s != null) return s.run(taskConfig, stepOptions, taskDir, ctx);
        return cli.run(step, taskConfig, stepOptions, taskDir, ctx);
    }

    @Override
    public void validate(SweepSpec spec) {
        Set<String> ownKeys = new TreeSet<>();
        List<Map<String, Object>> cliSteps = new ArrayList<>();
        List<SweepSpec.Step> ownSteps = new ArrayList<>();
        for (int i = 0; i < spec.steps().size(); i++) {
            SweepSpec.Step st = spec.steps().get(i);
            OwnStep s = own.get(st.name());
            if (s == null) {
                cliSteps.add(Map.of(st.name(), st.options()));
                continue;
            }
            ownSteps.add(st);
            ownKeys.addAll(s.taskKeys());
            for (String k : st.options().keySet()) {
                if (!s.options().contains(k)) {
                    throw new IllegalArgumentException("spec: key 'steps[" + i + "]." + st.name() + "." + k + "': step '" + st.name()
                            + "' has no option '" + k + "'" + (s.options().isEmpty() ? "" : "; its options: " + new TreeSet<>(s.options())));
                }
            }
        }
        if (!cliSteps.isEmpty()) {
            // The CLI's steps see the spec without the keys only own steps read.
            Map<String, Object> m = new LinkedHashMap<>(spec.toMap());
            Map<String, Object> base = new LinkedHashMap<>(spec.base());
            Map<String, Object> grid = new LinkedHashMap<>(spec.grid());
            Set<String> cliKeys = cliKeys(cliSteps);
            base.keySet().removeIf(k -> ownKeys.contains(k) && !cliKeys.contains(MorseSteps.normalize(k)));
            grid.keySet().removeIf(k -> ownKeys.contains(k) && !cliKeys.contains(MorseSteps.normalize(k)));
            m.put("base", base);
            m.put("grid", grid);
            m.put("steps", cliSteps);
            // Validation checks keys and values, not the product: the grid's lists, deduplicated, without zip
            // (a zip group that lost its own-step members could list a tuple twice).
            cli.validate(SweepSpec.fromMap(withoutGridDuplicates(m), "spec"));
        } else {
            for (String k : spec.base().keySet()) if (!ownKeys.contains(k)) throw unknownKey("base." + k);
            for (String k : spec.grid().keySet()) if (!ownKeys.contains(k)) throw unknownKey("grid." + k);
        }
        if (!ownSteps.isEmpty()) {
            for (var task : spec.tasks("validate")) {
                for (SweepSpec.Step st : ownSteps) own.get(st.name()).check(task.config(), st.options());
            }
        }
    }

    private IllegalArgumentException unknownKey(String key) {
        return new IllegalArgumentException("spec: key '" + key + "': no step takes this option (steps: " + own.keySet() + ")");
    }

    /** The options of the CLI commands named by these steps (normalized). */
    private static Set<String> cliKeys(List<Map<String, Object>> steps) {
        Set<String> keys = new TreeSet<>();
        for (Map<String, Object> s : steps) keys.addAll(MorseSteps.stepOptions(s.keySet().iterator().next()));
        return keys;
    }

    /** The map with every grid list reduced to its distinct values (for validation only). */
    @SuppressWarnings("unchecked")
    private static Map<String, Object> withoutGridDuplicates(Map<String, Object> m) {
        Map<String, Object> out = new LinkedHashMap<>(m);
        Map<String, Object> grid = new LinkedHashMap<>();
        ((Map<String, Object>) m.get("grid")).forEach((k, v) -> {
            List<Object> distinct = new ArrayList<>();
            Set<String> seen = new java.util.HashSet<>();
            for (Object o : (List<Object>) v) if (seen.add(dev.morse.cluster.Json.canonical(o))) distinct.add(o);
            grid.put(k, distinct);
        });
        out.put("grid", grid);
        out.remove("zip");
        return out;
    }
}
