package dev.morse.cluster;

import java.io.Serializable;
import java.nio.file.Path;
import java.util.Map;

/**
 * Runs one step of one task, inside an executor JVM. This is where the analyses plug in: the
 * sweep machinery knows nothing about them.
 *
 * <p>An instance is serialized to every executor with the job (so it must be {@link Serializable}
 * and small: keep heavy state out of its fields). Expensive state (a loaded data set, an
 * evaluator, native buffers) is made once per executor JVM, or once per executor thread, through
 * {@link StepContext#shared} / {@link StepContext#perThread} ({@link ExecutorCache}), and reused
 * by every task that JVM runs.
 *
 * <p>Calls for one task come in the spec's step order, on one thread; calls for different tasks
 * may come concurrently on other threads of the same JVM.
 */
@FunctionalInterface
public interface StepRunner extends Serializable {

    /**
     * Runs {@code step} and returns its outputs. Values may be numbers, booleans, strings, arrays
     * or lists of those, or maps of those (flattened into {@code step.key.sub} columns). Each output
     * {@code k} becomes the column {@code step.k}; arrays become array columns.
     *
     * @param step        the step's name, as in the spec
     * @param taskConfig  the task's options (base then grid point), unmodifiable
     * @param stepOptions this step's options from the spec, unmodifiable
     * @param taskDir     the folder of this attempt's files (e.g. θ as .npy, a JSON report). It is
     *                    renamed to {@code DIR/tasks/<task_id>/} when the task commits, so record
     *                    file names relative to it, never its absolute path.
     * @param ctx         the task (id, config), earlier steps' outputs, and the per-JVM caches
     * @return the outputs (an empty map is fine); any exception marks the task {@code failed}
     *         with its message, and the sweep goes on
     */
    Map<String, ?> run(String step, Map<String, Object> taskConfig, Map<String, Object> stepOptions,
                       Path taskDir, StepContext ctx) throws Exception;

    /**
     * Checks a spec on the driver before any task runs (unknown step names, bad options), so that
     * a mistake stops the sweep at once instead of failing every task. Throws
     * {@link IllegalArgumentException} with a message naming the key. The default accepts all.
     */
    default void validate(SweepSpec spec) {}
}
