package dev.morse.cluster;

import java.nio.file.Path;
import java.util.Map;
import org.apache.spark.sql.SparkSession;

/** A sweep driver in its own JVM (for the kill test): MASTER SPEC DIR VERSION. */
public final class SweepDriverMain {
    public static void main(String[] args) throws Exception {
        try (SparkSession spark = SparkJvm.session(args[0], "morse-sweep-driver", Map.of())) {
            SweepRunner.run(spark, SweepSpec.read(Path.of(args[1])), Path.of(args[2]), new FakeSteps(),
                    SweepRunner.Options.defaults().withMorseVersion(args[3]));
        }
    }
}
