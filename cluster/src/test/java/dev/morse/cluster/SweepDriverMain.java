package dev.morse.cluster;

import java.nio.file.Path;
import java.util.Map;
import org.apache.spark.sql.SparkSession;

/** A sweep driver in its own JVM (for the kill tests): MASTER SPEC DIR VERSION [RUNNER_CLASS (default FakeSteps)]. */
public final class SweepDriverMain {
    public static void main(String[] args) throws Exception {
        StepRunner runner = args.length > 4 ? (StepRunner) Class.forName(args[4]).getDeclaredConstructor().newInstance() : new FakeSteps();
        try (SparkSession spark = SparkJvm.session(args[0], "morse-sweep-driver", Map.of())) {
            SweepRunner.run(spark, SweepSpec.read(Path.of(args[1])), Path.of(args[2]), runner,
                    SweepRunner.Options.defaults().withMorseVersion(args[3]));
        }
    }
}
