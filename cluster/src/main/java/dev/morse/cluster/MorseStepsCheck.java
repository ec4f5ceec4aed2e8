package dev.morse.cluster;

import static dev.morse.cluster.MorseSteps.*;

import dev.morse.io.Numbers;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.StringJoiner;
import java.util.TreeMap;
import picocli.CommandLine.Model.OptionSpec;

/**
 * The driver's checks of a spec of {@link MorseSteps} ({@link MorseSteps#validate(SweepSpec, Set, Set, Set)}),
 * before Spark starts: every key is an option of some step, spelled once, not managed by the sweep,
 * read by some step in some task, of a value its command takes; and every step's command line, for
 * every distinct config the tasks give it, parses as the CLI parses it. What runs in the executors
 * is {@link MorseSteps}'s.
 */
final class MorseStepsCheck {
    private MorseStepsCheck() {}


    /**
     * Which of the task options {@code keys} (normalized) some step of some task reads: its command
     * has the option and, with that task's config, the step's preset and its own options, does not
     * leave it unread ({@link dev.morse.cli.Main#unreadOptions}, which {@link MorseSteps#stepConfig} drops).
     * Each task's config per step is built once, for all keys, and the walk stops once every key is
     * found to be read.
     */
    private static Set<String> readBySomeStep(SweepSpec spec, List<SweepTask> tasks, Set<String> keys) {
        Set<String> unseen = new java.util.HashSet<>(keys);
        for (SweepTask t : tasks) {
            for (SweepSpec.Step s : spec.steps()) {
                if (unseen.isEmpty()) return keys;
                Alias a = alias(s.name());
                if (a == null) continue;   // another runner's step (an experiment's own): its keys are its runner's
                Map<String, Class<?>> opts = commands().get(a.command());
                if (unseen.stream().noneMatch(opts::containsKey)) continue;
                Map<String, Object> cfg = new LinkedHashMap<>();
                t.config().forEach((key, v) -> cfg.put(normalize(key), v));
                a.defaults().forEach((key, v) -> cfg.put(normalize(key), v));
                s.options().forEach((key, v) -> cfg.put(normalize(key), v));
                Set<String> unread = dev.morse.cli.Main.unreadOptions(a.command(), cfg);
                unseen.removeIf(k -> opts.containsKey(k) && !unread.contains(k));
            }
        }
        Set<String> read = new java.util.HashSet<>(keys);
        read.removeAll(unseen);
        return read;
    }

    /** The checks of {@link MorseSteps#validate(SweepSpec, Set, Set, Set)}. */
    static void validate(SweepSpec spec, Set<String> otherSteps, Set<String> otherKeys, Set<String> thetaSteps) {
        List<Map<String, Class<?>>> stepOpts = new ArrayList<>();
        for (int i = 0; i < spec.steps().size(); i++) {
            SweepSpec.Step s = spec.steps().get(i);
            if (otherSteps.contains(s.name())) continue;
            Alias a = alias(s.name());
            if (a == null) {
                throw bad("steps[" + i + "]", "unknown step '" + s.name() + "'; a step is a morse command or an alias: "
                        + String.join(", ", stepNames()));
            }
            Map<String, Class<?>> opts = commands().get(a.command());
            stepOpts.add(opts);
            Map<String, String> spelled = new LinkedHashMap<>();
            for (Map.Entry<String, Object> e : s.options().entrySet()) {
                String key = "steps[" + i + "]." + s.name() + "." + e.getKey();
                String k = normalize(e.getKey());
                oneSpelling(spelled, k, "steps[" + i + "]." + s.name() + ".", e.getKey());
                if (MANAGED.contains(k)) throw bad(key, managed(k));
                if (k.equals(RESUME) && opts.containsKey(k)) throw bad(key, NO_RESUME);
                if (!opts.containsKey(k)) {
                    throw bad(key, "'" + s.name() + "'" + (a.command().equals(s.name()) ? "" : " (morse " + a.command() + ")")
                            + " has no option --" + k + "; its options: " + String.join(", ", opts.keySet()));
                }
                if (outputs(a.command()).contains(k)) checkRelative(key, k, e.getValue());
                else checkValue(key, e.getValue());
                if (integral(a.command(), k)) checkExactIntegers(key, e.getValue());
            }
        }
        Map<String, Object> keys = new LinkedHashMap<>();
        spec.base().forEach((k, v) -> keys.put("base." + k, v));
        spec.grid().forEach((k, v) -> keys.put("grid." + k, v));
        Map<String, String> spelled = new LinkedHashMap<>();
        Map<String, String> taken = new LinkedHashMap<>();   // key → option, of the keys some step takes
        for (Map.Entry<String, Object> e : keys.entrySet()) {
            String name = e.getKey().substring(e.getKey().indexOf('.') + 1);
            String k = normalize(name);
            boolean takes = false;
            for (Map<String, Class<?>> o : stepOpts) takes |= o.containsKey(k);
            if (!takes && otherKeys.contains(name)) continue;   // read by the other runner's steps only: theirs to check
            oneSpelling(spelled, k, "", e.getKey());
            if (MANAGED.contains(k)) throw bad(e.getKey(), managed(k));
            if (k.equals(RESUME) && takes) throw bad(e.getKey(), NO_RESUME);
            if (outputs().contains(k)) {
                throw bad(e.getKey(), "'" + name + "' names a per-step output: give it in a step's options (relative to the task folder)");
            }
            if (!takes) {
                StringJoiner steps = new StringJoiner(", ");
                for (SweepSpec.Step s : spec.steps()) steps.add(s.name());
                throw bad(e.getKey(), "no step takes option --" + k + " (steps: " + steps + "); check the name against "
                        + "'morse <command> --help'");
            }
            if (!otherKeys.contains(name)) taken.put(e.getKey(), k);   // keys the other runner reads are read
            boolean integral = false;
            for (int i = 0; i < spec.steps().size(); i++) {
                Alias a = otherSteps.contains(spec.steps().get(i).name()) ? null : alias(spec.steps().get(i).name());
                integral |= a != null && integral(a.command(), k);
            }
            if (e.getKey().startsWith("grid.")) {
                List<?> values = (List<?>) e.getValue();
                for (int j = 0; j < values.size(); j++) {
                    checkValue(e.getKey() + "[" + j + "]", values.get(j));
                    if (integral) checkExactIntegers(e.getKey() + "[" + j + "]", values.get(j));
                }
            } else {
                checkValue(e.getKey(), e.getValue());
                if (integral) checkExactIntegers(e.getKey(), e.getValue());
            }
        }
        // Once every key is known (a misspelled optimizer key would leave the others unread): a key
        // that no step reads in any task is refused, not dropped from every step.
        List<SweepTask> tasks = spec.tasks("validate");   // built once for both checks below (only their configs are read)
        Set<String> read = taken.isEmpty() ? Set.of() : readBySomeStep(spec, tasks, new java.util.HashSet<>(taken.values()));
        for (Map.Entry<String, String> e : taken.entrySet()) {
            if (!read.contains(e.getValue())) {
                throw bad(e.getKey(), "no step reads option --" + e.getValue() + " in any task: each step that takes it runs an "
                        + "optimizer or refinement that does not read it (fit's --optimizer, morse's --refine), so its values would "
                        + "run the same commands; give it where it is read, or drop it");
            }
        }
        checkCommandLines(spec, tasks, otherSteps, thetaSteps);
    }

    /** Where the value checks put a task: never read or written. */
    private static final Path CHECKED_TASK = Path.of("tasks", "<task>");

    /**
     * Parses the command line of every step (but {@code otherSteps}) for every distinct config of
     * the spec's tasks ({@link SweepSpec#tasks}: the configs the sweep runs), as the CLI would
     * ({@link dev.morse.cli.Main#check}: option types, enum values, specs such as the model and the
     * regularizer), so that a bad value stops the sweep on the driver instead of failing every task
     * with exit 2. Files (θ of earlier steps, data, outputs) need not exist. A step after one that
     * saves θ, a command's --save or one of {@code thetaSteps}, is checked with that θ as its
     * weights, as {@link MorseSteps#run} runs it.
     *
     * <p>Quick for grids of thousands of tasks: per step, only the keys it takes count, and numbers
     * and flags (seeds, iteration counts, rates) are checked value by value, since picocli converts
     * each alone and the commands' own checks ({@code BaseCommand.checkOptions}) check them alone,
     * or combine them with other options only as default or not (method dense next to a k other
     * than its default, a seed other than 0 next to weights or init zeros), except the few they combine by value
     * ({@link MorseSteps#combined}: train's momentum, nesterov and eps with the optimizer, its hold-out and
     * checkpoint numbers with their other options, trace's probes with the method and P, spectrum's basis with k and which). A step's config
     * is parsed when it brings a combination of its other options (strings, enums, paths, lists,
     * those combined numbers and flags, and the others as default or not), or a value of a number or
     * flag checked alone, not seen before: a grid of 1000 seeds × 2 regularizers is parsed about
     * 1000 times per step, not 2000; probes [6, 4] × method [hutchinson, hutchpp] is parsed in all
     * 4 combinations (probes 4 with hutchpp is refused, though 4 and hutchpp were each seen before).
     */
    private static void checkCommandLines(SweepSpec spec, List<SweepTask> tasks, Set<String> otherSteps, Set<String> thetaSteps) {
        List<Set<String>> shapes = new ArrayList<>();
        List<Set<String>> values = new ArrayList<>();
        for (int i = 0; i < spec.steps().size(); i++) {
            shapes.add(new java.util.HashSet<>());
            values.add(new java.util.HashSet<>());
        }
        // One checker (parser) per step: a step's configs all set the same keys, and picocli keeps
        // the value of an option a parse does not set (fit's model leaked into a refine step without one).
        dev.morse.cli.Main.Checker[] checkers = new dev.morse.cli.Main.Checker[spec.steps().size()];
        for (int i = 0; i < checkers.length; i++) checkers[i] = new dev.morse.cli.Main.Checker();
        for (SweepTask task : tasks) {
            Path latest = null;
            for (int i = 0; i < spec.steps().size(); i++) {
                SweepSpec.Step s = spec.steps().get(i);
                if (otherSteps.contains(s.name())) {
                    // as latestTheta at run time: the θ of another runner's step reaches the later ones
                    if (thetaSteps.contains(s.name())) latest = CHECKED_TASK.resolve(s.name() + "-theta.npy");
                    continue;
                }
                Alias a = alias(s.name());
                Map<String, Class<?>> opts = commands().get(a.command());
                Set<String> combined = combined(a.command());
                Map<String, Object> cfg = stepConfig(s.name(), task.config(), s.options(), CHECKED_TASK, latest, 1);
                if (isPath(opts, "save")) latest = Path.of(String.valueOf(cfg.get("save")));
                Map<String, Object> shape = new TreeMap<>();
                boolean fresh = false;
                for (Map.Entry<String, Object> e : cfg.entrySet()) {
                    if (byValue(opts.get(e.getKey())) && !combined.contains(e.getKey())) {
                        fresh |= values.get(i).add(e.getKey() + "=" + Json.canonical(e.getValue()));
                        // the checks combine a number or flag with other options only as default or not
                        shape.put(e.getKey(), dev.morse.cli.Main.isDefault(optionSpec(a.command(), e.getKey()), text(e.getValue()))
                                ? "default" : "given");
                    } else {
                        shape.put(e.getKey(), e.getValue());
                    }
                }
                fresh |= shapes.get(i).add(Json.canonical(shape));
                if (!fresh) continue;
                Path json = isPath(opts, "json") ? CHECKED_TASK.resolve(s.name() + ".json") : null;
                String message = checkers[i].check(configText(a, cfg, CHECKED_TASK),
                        args(a, cfg, CHECKED_TASK.resolve(MorseSteps.configFile(s.name())), json).toArray(new String[0]));
                if (message != null) throw bad(keyOf(spec, i, task, message), message.strip().replaceAll("\\s*\\R\\s*", " "));
            }
        }
    }

    /** Whether an option of this type is checked value by value: numbers and flags. */
    private static boolean byValue(Class<?> type) {
        return type != null && (type.isPrimitive() || Number.class.isAssignableFrom(type) || type == Boolean.class);
    }

    /**
     * The spec key that gave the option a message names (its first {@code --option} that the step
     * takes): the step's own option, else the grid value of the task, else the base; the step when
     * the message names none.
     */
    private static String keyOf(SweepSpec spec, int stepIndex, SweepTask task, String message) {
        SweepSpec.Step s = spec.steps().get(stepIndex);
        String stepKey = "steps[" + stepIndex + "]." + s.name();
        Map<String, Class<?>> opts = commands().get(alias(s.name()).command());
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("--([a-z0-9][a-z0-9-]*)").matcher(message);
        while (m.find()) {
            String option = m.group(1);
            if (!opts.containsKey(option)) continue;
            for (String k : s.options().keySet()) if (normalize(k).equals(option)) return stepKey + "." + k;
            for (Map.Entry<String, List<Object>> g : spec.grid().entrySet()) {
                if (!normalize(g.getKey()).equals(option)) continue;
                String value = Json.canonical(task.config().get(g.getKey()));
                for (int j = 0; j < g.getValue().size(); j++) {
                    if (Json.canonical(g.getValue().get(j)).equals(value)) return "grid." + g.getKey() + "[" + j + "]";
                }
                return "grid." + g.getKey();
            }
            for (String k : spec.base().keySet()) if (normalize(k).equals(option)) return "base." + k;
            return stepKey;
        }
        return stepKey;
    }

    /**
     * Refuses a second spelling of one option ({@code grad_tol} and {@code grad-tol}): both would
     * reach the command as one option, and one value would be dropped silently.
     */
    private static void oneSpelling(Map<String, String> spelled, String option, String prefix, String key) {
        String first = spelled.putIfAbsent(option, key);
        if (first != null) {
            throw bad(prefix + key, "'" + first + "' and '" + key + "' are both --" + option + " (a key may use '_' or '-'); "
                    + "give the option once");
        }
    }

    private static String managed(String k) {
        return switch (k) {
            case "json" -> "set by the sweep: every step writes <step>.json in its task folder";
            case "master", "partitions" -> "a step runs inside an executor already; --" + k + " is for commands run by hand";
            default -> "--" + k + " is set by the sweep";
        };
    }

    private static void checkValue(String key, Object v) {
        if (v == null || v instanceof String || v instanceof Number || v instanceof Boolean) return;
        if (v instanceof List<?> l) {
            for (Object o : l) {
                if (!(o == null || o instanceof String || o instanceof Number || o instanceof Boolean)) {
                    throw bad(key, "a list of options values must hold strings, numbers or booleans (it becomes a comma list)");
                }
            }
            return;
        }
        throw bad(key, "an option value must be a string, number, boolean or flat list, found " + Json.write(v));
    }

    /** Whether a command's option (normalized name) takes integers, or lists of them: seeds, counts, layers. */
    static boolean integral(String command, String option) {
        OptionSpec o = optionSpec(command, option);
        return o != null && dev.morse.cli.Main.takesIntegers(o);
    }

    /**
     * Refuses a decimal (a JSON number with a point or an exponent, read as a double) of magnitude
     * 2⁵³ or more ({@link Numbers#beyondExactWholes}) for an option that takes integers: such a double is not
     * the integer written (1234567890123456789.0 reads as 1234567890123456768), and its text
     * ("1.2345678901234568E18") is no integer either. Below 2⁵³ {@link MorseSteps#text} writes it exactly.
     */
    private static void checkExactIntegers(String key, Object v) {
        if (v instanceof List<?> l) {
            for (Object o : l) checkExactIntegers(key, o);
            return;
        }
        if (!(v instanceof Double || v instanceof Float)) return;
        double d = ((Number) v).doubleValue();
        if (Numbers.beyondExactWholes(d)) throw bad(key, Numbers.notExactWhole(d));
    }

    private static void checkRelative(String key, String option, Object v) {
        if (option.equals("plots") && v instanceof Boolean) return;
        if (!(v instanceof String s) || s.isBlank()) {
            throw bad(key, "expected a file name relative to the task folder" + (option.equals("plots") ? " (or true)" : ""));
        }
        Path p = Path.of(s).normalize();
        if (p.isAbsolute() || p.startsWith("..") || p.toString().isEmpty()) {
            throw bad(key, "'" + s + "' must stay inside the task folder (a relative name such as fit-theta.npy)");
        }
    }

    private static IllegalArgumentException bad(String key, String message) {
        return new IllegalArgumentException("spec: key '" + key + "': " + message);
    }
}
