package dev.morse.cluster;

import java.io.IOException;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A sweep: the same steps run on every point of a grid of options.
 *
 * <pre>{@code
 * {"name": "weight-decay",
 *  "base":  {"model": "2-12-1", "activation": "tanh", "loss": "mse"},
 *  "grid":  {"reg": ["none", "l2:1e-3"], "seed": [0, 1, 2, 3], "width": [8, 16], "lr": [0.1, 0.05]},
 *  "zip":   [["width", "lr"]],
 *  "steps": [{"fit": {"optimizer": "lbfgs_newton"}}, {"morse": {}}]}
 * }</pre>
 *
 * <ul>
 *   <li>{@code name} (required): a label; not part of the task ids.
 *   <li>{@code base}: options every task gets.
 *   <li>{@code grid}: option → non-empty list of values. The tasks are the Cartesian product, the
 *       first axis varying slowest (nested loops in the spec's order). A value listed twice is
 *       refused, also as numbers equal in value ({@code 1} and {@code 1.0}): ids hash values as written.
 *   <li>{@code zip}: groups of grid options whose lists are walked together (equal lengths) instead
 *       of crossed; a group is one axis of the product, at the place of its first option.
 *   <li>{@code steps} (required, non-empty): in order, each a one-key object {@code {step: options}};
 *       a step name appears once.
 * </ul>
 *
 * A task's config is {@code base} then its grid point (insertion order kept for columns). Option
 * names are non-empty, contain no {@code '.'} (result columns {@code step.field} use it), and are
 * none of the row's own columns ({@link #RESERVED}). Values are any JSON. Errors name the key.
 */
public final class SweepSpec implements Serializable {
    private static final long serialVersionUID = 1L;

    /** One step of every task: its name (e.g. {@code fit}, {@code morse}) and its options. */
    public record Step(String name, Map<String, Object> options) implements Serializable {
        public Step {
            options = Collections.unmodifiableMap(new LinkedHashMap<>(options));
        }
    }

    /**
     * The most tasks one sweep may have. The driver holds every task (its config, its id) several
     * times over while it checks the spec and runs it, writes all their ids in {@code sweep.json}
     * and all their rows in {@code results.jsonl} at the end of each run, and gives each a folder: a
     * million tasks took minutes and gigabytes before the first line. The count is the product of
     * the axis sizes, refused before any task is made; a larger study is split into several sweeps.
     */
    public static final int MAX_TASKS = 100_000;

    /** Sweeps of more tasks than this say their count before the steps check them (which takes seconds then). */
    public static final int ANNOUNCE_TASKS = 1_000;

    /** Top-level keys of a spec. */
    public static final List<String> KEYS = List.of("name", "base", "grid", "zip", "steps");
    /** Column names of a result row that options cannot take. */
    public static final Set<String> RESERVED = Set.of("task_id", "status", "error", "error_step", "executor", "attempt");

    private final String name;
    @SuppressWarnings("serial") // values are JSON values: String, Number, Boolean, List, Map (all serializable)
    private final LinkedHashMap<String, Object> base;
    @SuppressWarnings("serial")
    private final LinkedHashMap<String, List<Object>> grid;
    @SuppressWarnings("serial")
    private final List<List<String>> zip;
    @SuppressWarnings("serial")
    private final List<Step> steps;

    /** Where the spec came from (its file's name, or "spec"): what starts every error message about it. */
    private final String source;

    private SweepSpec(String source, String name, LinkedHashMap<String, Object> base, LinkedHashMap<String, List<Object>> grid,
                      List<List<String>> zip, List<Step> steps) {
        this.source = source;
        this.name = name;
        this.base = base;
        this.grid = grid;
        this.zip = zip;
        this.steps = steps;
    }

    public static SweepSpec read(Path file) throws IOException {
        return parse(Files.readString(file), file.toString());
    }

    public static SweepSpec parse(String json) {
        return parse(json, "spec");
    }

    /** Parses and checks a spec; {@code what} (e.g. the file name) starts every error message. */
    public static SweepSpec parse(String json, String what) {
        return fromMap(Json.parseObject(json, what), what);
    }

    @SuppressWarnings("unchecked")
    public static SweepSpec fromMap(Map<String, Object> top, String what) {
        for (String k : top.keySet()) {
            if (!KEYS.contains(k)) throw bad(what, k, "unknown top-level key (known: " + String.join(", ", KEYS) + ")");
        }
        // name
        if (!(top.get("name") instanceof String name) || name.isBlank()) {
            throw bad(what, "name", top.containsKey("name") ? "must be a non-empty string" : "missing (a label for the sweep)");
        }
        // base
        LinkedHashMap<String, Object> base = new LinkedHashMap<>();
        Object b = top.get("base");
        if (b != null) {
            if (!(b instanceof Map<?, ?>)) throw bad(what, "base", "must be an object of options");
            for (Map.Entry<String, Object> e : ((Map<String, Object>) b).entrySet()) {
                checkOption(what, "base." + e.getKey(), e.getKey());
                base.put(e.getKey(), e.getValue());
            }
        }
        // grid
        LinkedHashMap<String, List<Object>> grid = new LinkedHashMap<>();
        Object g = top.get("grid");
        if (g != null) {
            if (!(g instanceof Map<?, ?>)) throw bad(what, "grid", "must be an object: option -> list of values");
            for (Map.Entry<String, Object> e : ((Map<String, Object>) g).entrySet()) {
                String key = "grid." + e.getKey();
                checkOption(what, key, e.getKey());
                if (!(e.getValue() instanceof List<?> values)) throw bad(what, key, "must be a list of values");
                if (values.isEmpty()) throw bad(what, key, "empty list (a grid axis needs at least one value)");
                if (base.containsKey(e.getKey())) {
                    throw bad(what, key, "option '" + e.getKey() + "' is both in base and in grid");
                }
                grid.put(e.getKey(), nullSafe(values));
            }
        }
        // zip
        List<List<String>> zip = new ArrayList<>();
        Object z = top.get("zip");
        if (z != null) {
            if (!(z instanceof List<?> groups)) throw bad(what, "zip", "must be a list of groups (lists of grid options)");
            Set<String> zipped = new HashSet<>();
            for (int i = 0; i < groups.size(); i++) {
                String key = "zip[" + i + "]";
                if (!(groups.get(i) instanceof List<?> group) || group.size() < 2) {
                    throw bad(what, key, "must be a list of at least two grid options");
                }
                List<String> names = new ArrayList<>();
                int len = -1;
                String first = null;
                for (Object o : group) {
                    if (!(o instanceof String opt)) throw bad(what, key, "must list option names (strings), found " + Json.write(o));
                    if (!grid.containsKey(opt)) throw bad(what, key, "'" + opt + "' is not a grid option");
                    if (!zipped.add(opt)) throw bad(what, key, "'" + opt + "' is in more than one zip group (or twice)");
                    int n = grid.get(opt).size();
                    if (len >= 0 && n != len) {
                        throw bad(what, key, "lists differ in length: grid." + first + " has " + len
                                + " values, grid." + opt + " has " + n);
                    }
                    if (len < 0) { len = n; first = opt; }
                    names.add(opt);
                }
                zip.add(List.copyOf(names));
            }
        }
        // the count from the axis sizes, before anything is expanded (a huge grid is refused at once)
        SweepSpec shape = new SweepSpec(what, name, base, grid, List.copyOf(zip), List.of());
        long count = shape.count();
        if (count > MAX_TASKS) {
            String largest = null;
            int most = 0;
            for (List<String> unit : shape.units()) {
                int n = grid.get(unit.get(0)).size();
                if (n > most) { most = n; largest = unit.size() == 1 ? "'" + unit.get(0) + "'" : "zip group " + unit; }
            }
            throw bad(what, "grid", (count == Long.MAX_VALUE ? "more than " + Long.MAX_VALUE : String.valueOf(count)) + " tasks ("
                    + shape.shape() + "): more than a sweep may have (" + MAX_TASKS + "); split it into sweeps of at most "
                    + MAX_TASKS + " tasks, each with its own --out (e.g. one per value, or per range of values, of " + largest + ")");
        }
        // duplicates would be two tasks with one id: per axis of the product (a zip group's tuples).
        // Numbers equal in value but written differently (1 and 1.0) are duplicates too: they run the
        // same task under two ids. They are refused rather than normalized, since normalizing would
        // change the ids (which resume by) of every spec that writes an integral value as 1.0.
        for (List<String> unit : shape.units()) {
            Map<String, Object> seen = new HashMap<>();
            for (int i = 0; i < grid.get(unit.get(0)).size(); i++) {
                List<Object> tuple = new ArrayList<>();
                for (String opt : unit) tuple.add(grid.get(opt).get(i));
                Object value = unit.size() == 1 ? tuple.get(0) : tuple;
                Object earlier = seen.putIfAbsent(Json.canonical(byValue(tuple)), value);
                if (earlier == null) continue;
                String key = unit.size() == 1 ? "grid." + unit.get(0) : "zip" + unit;
                if (Json.canonical(earlier).equals(Json.canonical(value))) {
                    throw bad(what, key, "value " + Json.write(value) + " is listed twice");
                }
                throw bad(what, key, "value " + Json.write(value) + " equals " + Json.write(earlier) + ", listed before it: numbers "
                        + "equal in value are one task (the steps read both alike); list it once");
            }
        }
        // steps
        Object s = top.get("steps");
        if (!(s instanceof List<?> stepList) || stepList.isEmpty()) {
            throw bad(what, "steps", s == null ? "missing (a list of {step: options}, e.g. [{\"fit\": {}}, {\"morse\": {}}])"
                    : "must be a non-empty list of {step: options}");
        }
        List<Step> steps = new ArrayList<>();
        Set<String> stepNames = new HashSet<>();
        for (int i = 0; i < stepList.size(); i++) {
            String key = "steps[" + i + "]";
            if (!(stepList.get(i) instanceof Map<?, ?> one) || one.size() != 1) {
                throw bad(what, key, "must be an object with exactly one key, the step's name: {\"fit\": {...}}");
            }
            Map.Entry<String, Object> e = ((Map<String, Object>) one).entrySet().iterator().next();
            String step = e.getKey();
            if (step.isEmpty() || step.contains(".") || step.equals("time")) {
                throw bad(what, key, "step name '" + step + "' must be non-empty, without '.', and not 'time'");
            }
            if (!stepNames.add(step)) throw bad(what, key, "step '" + step + "' appears twice (its outputs would share columns)");
            Object opts = e.getValue() == null ? Map.of() : e.getValue();
            if (!(opts instanceof Map<?, ?>)) throw bad(what, key + "." + step, "must be an object of options");
            steps.add(new Step(step, (Map<String, Object>) opts));
        }
        return new SweepSpec(what, name, base, grid, List.copyOf(zip), List.copyOf(steps));
    }

    /** A value with each number as its exact decimal value (1, 1.0 and 1e0 alike), for comparing values. */
    private static Object byValue(Object v) {
        return mapLeaves(v, x -> x instanceof Number n ? new java.math.BigDecimal(n.toString()).stripTrailingZeros() : x);
    }

    /** A JSON value with {@code leaf} applied to each value that is neither a list nor an object, in the same structure and order. */
    private static Object mapLeaves(Object v, java.util.function.UnaryOperator<Object> leaf) {
        if (v instanceof List<?> l) {
            List<Object> out = new ArrayList<>(l.size());
            for (Object x : l) out.add(mapLeaves(x, leaf));
            return out;
        }
        if (v instanceof Map<?, ?> m) {
            Map<Object, Object> out = new LinkedHashMap<>();
            m.forEach((k, x) -> out.put(k, mapLeaves(x, leaf)));
            return out;
        }
        return leaf.apply(v);
    }

    private static List<Object> nullSafe(List<?> values) {
        // List.copyOf refuses nulls; JSON null is a legitimate option value here.
        List<Object> l = new ArrayList<>(values);
        return Collections.unmodifiableList(l);
    }

    private static void checkOption(String what, String key, String option) {
        if (option.isEmpty()) throw bad(what, key, "empty option name");
        if (option.contains(".")) throw bad(what, key, "option names cannot contain '.' (result columns use step.field)");
        if (RESERVED.contains(option)) throw bad(what, key, "'" + option + "' is a column of every result row; not an option name");
    }

    private static IllegalArgumentException bad(String what, String key, String message) {
        return new IllegalArgumentException(what + ": key '" + key + "': " + message);
    }

    public String name() { return name; }

    /** Where the spec came from: the file's name ({@link #read}), or "spec". */
    public String source() { return source; }

    /**
     * Checks this spec's steps with {@code runner} ({@link StepRunner#validate}). The checks see no
     * file and start their messages "spec: key …": here that word becomes the spec's {@link #source},
     * so that every error names the spec as the parse's do ("/path/spec.json: key …").
     */
    public void check(StepRunner runner) {
        try {
            runner.validate(this);
        } catch (IllegalArgumentException e) {
            String m = e.getMessage();
            if (m == null || !m.startsWith("spec: ") || source.equals("spec")) throw e;
            throw new IllegalArgumentException(source + m.substring("spec".length()), e);
        }
    }

    /** Options every task gets (insertion order). */
    public Map<String, Object> base() { return Collections.unmodifiableMap(base); }

    /** Grid options and their values, in the spec's order. */
    public Map<String, List<Object>> grid() { return Collections.unmodifiableMap(grid); }

    public List<List<String>> zip() { return zip; }

    public List<Step> steps() { return steps; }

    /** The grid options (the axes of reports), in the spec's order. */
    public List<String> axes() { return List.copyOf(grid.keySet()); }

    /** The spec as a JSON-ready map (what {@link #fromMap} reads back). */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", name);
        m.put("base", base);
        m.put("grid", grid);
        if (!zip.isEmpty()) m.put("zip", zip);
        List<Object> st = new ArrayList<>();
        for (Step s : steps) st.add(Map.of(s.name(), s.options()));
        m.put("steps", st);
        return m;
    }

    /** Number of tasks (grid points); at most {@link #MAX_TASKS}. */
    public int size() {
        return (int) count();
    }

    /** The product of the axis sizes, without expanding it; {@link Long#MAX_VALUE} when it overflows. */
    private long count() {
        long n = 1;
        for (List<String> unit : units()) {
            int k = grid.get(unit.get(0)).size();
            n = n > Long.MAX_VALUE / k ? Long.MAX_VALUE : n * k;
        }
        return n;
    }

    /** The axis sizes as {@code "100 seed × 3 reg"}, in the product's order: what a count is made of. */
    public String shape() {
        List<String> sizes = new ArrayList<>();
        for (List<String> unit : units()) sizes.add(grid.get(unit.get(0)).size() + " " + (unit.size() == 1 ? unit.get(0) : "zip" + unit));
        return String.join(" × ", sizes);
    }

    /** The product's axes: single options, and zip groups at the place of their first option. */
    private List<List<String>> units() {
        Map<String, List<String>> groupOf = new HashMap<>();
        for (List<String> gr : zip) for (String o : gr) groupOf.put(o, gr);
        List<List<String>> units = new ArrayList<>();
        Set<List<String>> placed = new LinkedHashSet<>();
        for (String opt : grid.keySet()) {
            List<String> gr = groupOf.get(opt);
            if (gr == null) units.add(List.of(opt));
            else if (placed.add(gr)) units.add(gr);
        }
        return units;
    }

    /**
     * The tasks in a stable order (the first axis varies slowest), with ids for {@code morseVersion}.
     * Equal specs give equal lists; reordering {@code base} keys does not change any id.
     */
    public List<SweepTask> tasks(String morseVersion) {
        List<List<String>> units = units();
        int n = size();
        List<SweepTask> tasks = new ArrayList<>(n);
        int[] idx = new int[units.size()];
        List<Map<String, Object>> stepList = new ArrayList<>();
        for (Step s : steps) stepList.add(Map.of(s.name(), s.options()));
        for (int t = 0; t < n; t++) {
            LinkedHashMap<String, Object> point = new LinkedHashMap<>();
            Map<String, Object> byOption = new HashMap<>();
            for (int u = 0; u < units.size(); u++) {
                for (String opt : units.get(u)) byOption.put(opt, grid.get(opt).get(idx[u]));
            }
            for (String opt : grid.keySet()) point.put(opt, byOption.get(opt));
            LinkedHashMap<String, Object> config = new LinkedHashMap<>(base);
            config.putAll(point);
            Map<String, Object> identity = new LinkedHashMap<>();
            identity.put("config", config);
            identity.put("steps", stepList);
            identity.put("morse_version", morseVersion);
            String id = Json.hash16(Json.canonical(identity));
            tasks.add(new SweepTask(t, id, config, point, steps));
            // odometer: last unit fastest
            for (int u = units.size() - 1; u >= 0; u--) {
                if (++idx[u] < grid.get(units.get(u).get(0)).size()) break;
                idx[u] = 0;
            }
        }
        return tasks;
    }
}
