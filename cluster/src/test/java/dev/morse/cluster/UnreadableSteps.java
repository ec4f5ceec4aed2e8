package dev.morse.cluster;

import java.io.InvalidObjectException;
import java.io.ObjectInputStream;
import java.nio.file.Path;
import java.util.Map;

/**
 * A runner that every task fails to deserialize: each attempt fails before any step runs, and Spark
 * gives up on the job after {@code spark.task.maxFailures} (1 in {@code local[N]}) with a
 * SparkException, what a job that keeps failing ends with. Not an interrupt.
 */
final class UnreadableSteps implements StepRunner {
    private static final long serialVersionUID = 1L;

    @Override
    public Map<String, ?> run(String step, Map<String, Object> config, Map<String, Object> opts, Path taskDir, StepContext ctx) {
        throw new AssertionError("never deserialized");
    }

    private void readObject(ObjectInputStream in) throws InvalidObjectException {
        throw new InvalidObjectException("fake: this runner cannot be read on an executor");
    }
}
