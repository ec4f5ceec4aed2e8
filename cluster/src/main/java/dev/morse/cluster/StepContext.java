package dev.morse.cluster;

import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * What a step sees of its task besides its own options: the task's id and config, the outputs of
 * the steps before it (e.g. {@code fit}'s θ file name, read by {@code morse}), the attempt's folder,
 * and the per-JVM caches.
 */
public final class StepContext {
    private final SweepTask task;
    private final Path taskDir;
    private final String morseVersion;
    private final int attempt;
    private final Map<String, Map<String, Object>> outputs = new LinkedHashMap<>();

    StepContext(SweepTask task, Path taskDir, String morseVersion, int attempt) {
        this.task = task;
        this.taskDir = taskDir;
        this.morseVersion = morseVersion;
        this.attempt = attempt;
    }

    public String taskId() { return task.id(); }

    /** The task's place in the spec's order. */
    public int taskIndex() { return task.index(); }

    /** Base options then the grid point. */
    public Map<String, Object> config() { return task.config(); }

    /** The grid options of this task alone. */
    public Map<String, Object> gridPoint() { return task.point(); }

    /** This attempt's folder (renamed to {@code DIR/tasks/<task_id>/} on commit). */
    public Path taskDir() { return taskDir; }

    /** A file in this attempt's folder: {@code ctx.file("theta.npy")}. */
    public Path file(String name) { return taskDir.resolve(name); }

    public String morseVersion() { return morseVersion; }

    /** Spark's attempt number of this task (0 on the first try). */
    public int attempt() { return attempt; }

    /** Whether {@code step} ran before this one (in this task). */
    public boolean hasOutputs(String step) { return outputs.containsKey(step); }

    /**
     * The outputs an earlier step returned, as it returned them (before normalization), unmodifiable.
     *
     * @throws IllegalStateException if {@code step} has not run in this task (a spec that puts
     *         {@code morse} before {@code fit}, say): the message names both
     */
    public Map<String, Object> outputs(String step) {
        Map<String, Object> o = outputs.get(step);
        if (o == null) {
            throw new IllegalStateException("no outputs of step '" + step + "' in this task (steps so far: "
                    + outputs.keySet() + "); put '" + step + "' earlier in the spec's steps");
        }
        return o;
    }

    /** All earlier steps' outputs, in step order. */
    public Map<String, Map<String, Object>> allOutputs() { return Collections.unmodifiableMap(outputs); }

    /** {@link ExecutorCache#shared}: one value per executor JVM. */
    public <T> T shared(String key, Supplier<? extends T> factory) { return ExecutorCache.shared(key, factory); }

    /** {@link ExecutorCache#perThread}: one value per executor thread. */
    public <T> T perThread(String key, Supplier<? extends T> factory) { return ExecutorCache.perThread(key, factory); }

    void record(String step, Map<String, ?> out) {
        outputs.put(step, Collections.unmodifiableMap(new LinkedHashMap<>(out)));
    }
}
