package dev.morse.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;

/** Spark 4.2 runs in this JDK 25 JVM (local mode) with the options surefire gives it. */
class SparkLocalTest {

    @Test
    void trivialJobRunsInLocalMode() throws Exception {
        assertTrue(Runtime.version().feature() >= 25, "runs on JDK 25");
        try (SparkSession spark = SparkJvm.session("local[2]", "morse-smoke", Map.of())) {
            JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
            List<Integer> xs = IntStream.rangeClosed(1, 100).boxed().toList();
            long sumSquares = jsc.parallelize(xs, 4).map(x -> (long) x * x).reduce(Long::sum);
            assertEquals(338350L, sumSquares);
            // Spark SQL (Catalyst code generation, Janino) too
            assertEquals(50L, spark.range(100).filter("id % 2 = 0").count());
        }
    }

    @Test
    void sparkJvmOptionsFileIsSparksListAndThisJvmHasIt() throws Exception {
        List<String> spark = SparkJvm.jvmOptions();
        assertTrue(spark.contains("--add-opens=java.base/sun.nio.ch=ALL-UNNAMED"), spark.toString());
        assertTrue(spark.contains("-Dio.netty.tryReflectionSetAccessible=true"), spark.toString());
        assertTrue(spark.contains("--sun-misc-unsafe-memory-access=allow"), spark.toString());
        // spark-jvm.options (the @argfile surefire and bin/morse-cluster use) is Spark's list, less
        // the Vector API module (Morse's own flags add it) and --add-opens of packages this JDK lacks
        List<String> file = Files.readAllLines(Path.of("spark-jvm.options")).stream()
                .map(String::strip).filter(l -> !l.isEmpty() && !l.startsWith("#")).toList();
        List<String> expected = SparkJvm.morseJvmOptions().stream()
                .filter(f -> !f.equals("--add-modules=jdk.incubator.vector")).toList();
        assertEquals(expected, file);
        assertTrue(spark.contains("--add-opens=java.base/sun.security.action=ALL-UNNAMED")
                && !file.contains("--add-opens=java.base/sun.security.action=ALL-UNNAMED"));
        // and this JVM was started with them
        List<String> mine = ManagementFactory.getRuntimeMXBean().getInputArguments();
        for (String f : file) assertTrue(mine.contains(f), "this JVM lacks " + f + ": " + mine);
    }

    @Test
    void loopbackMastersAreLocal() {
        assertTrue(SparkJvm.isLocalMachine("local[2]"));
        assertTrue(SparkJvm.isLocalMachine("local-cluster[2,1,1024]"));
        assertTrue(SparkJvm.isLocalMachine("spark://127.0.0.1:7077"));
        assertTrue(!SparkJvm.isLocalMachine("spark://node1:7077"));
        assertTrue(!SparkJvm.isLocalMachine("yarn"));
    }
}
