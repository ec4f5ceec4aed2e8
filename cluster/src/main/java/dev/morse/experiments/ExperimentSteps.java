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
 * {@code theta_file} output of its own reaches later CLI steps as their {@code --weights} (such a
 * step says so, {@link OwnStep#producesTheta}, for validation).
 *
 * <p>Validation: {@link MorseSteps#validate(SweepSpec, Set, Set)} checks the CLI's steps on the spec
 * as it is (the tasks the sweep runs, zip groups included), leaving out the own steps and the task
 * options that only they read ({@link OwnStep#taskKeys()}), so a key that neither reads is still
 * refused, naming it, and a CLI step after an own step that produces θ is checked as it runs, with
 * that θ as its weights; each own step checks every task ({@link OwnStep#check}).
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

        /**
         * Whether the step's outputs hold a {@code theta_file} (θ it saved): later CLI steps then get it
         * as {@code --weights}, without the task's init and seed, and validation checks them so. False
         * by default: a step that returns a {@code theta_file} must say true, or the driver checks the
         * later steps' command lines with the task's init where they will run with weights.
         */
        default boolean producesTheta() { return false; }

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
        if (s == null) return cli.run(step, taskConfig, stepOptions, taskDir, ctx);
        Map<String, ?> out = s.run(taskConfig, stepOptions, taskDir, ctx);
        if (out != null && out.containsKey("theta_file") && !s.producesTheta()) {
            // validation checked the later CLI steps without this θ: their checks would not hold
            throw new IllegalStateException("step '" + step + "' returned a theta_file but does not say producesTheta()");
        }
        return out;
    }

    @Override
    public void validate(SweepSpec spec) {
        Set<String> ownKeys = new TreeSet<>();
        List<SweepSpec.Step> ownSteps = new ArrayList<>();
        Set<String> thetaSteps = new TreeSet<>();
        boolean cliSteps = false;
        for (int i = 0; i < spec.steps().size(); i++) {
            SweepSpec.Step st = spec.steps().get(i);
            OwnStep s = own.get(st.name());
            if (s == null) {
                cliSteps = true;
                continue;
            }
            ownSteps.add(st);
            ownKeys.addAll(s.taskKeys());
            if (s.producesTheta()) thetaSteps.add(st.name());
            for (String k : st.options().keySet()) {
                if (!s.options().contains(k)) {
                    throw new IllegalArgumentException("spec: key 'steps[" + i + "]." + st.name() + "." + k + "': step '" + st.name()
                            + "' has no option '" + k + "'" + (s.options().isEmpty() ? "" : "; its options: " + new TreeSet<>(s.options())));
                }
            }
        }
        if (cliSteps) {
            // The CLI's steps are checked on this spec as it is, so on the tasks it runs (zip groups walked
            // together, not crossed) and with messages naming its keys; the keys only own steps read are theirs.
            cli.validate(spec, own.keySet(), ownKeys, thetaSteps);
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
}
