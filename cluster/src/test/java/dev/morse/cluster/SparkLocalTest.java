package dev.morse.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
    void jvmOptionsComeFromSparkLauncher() {
        List<String> o = SparkJvm.jvmOptions();
        assertTrue(o.contains("--add-opens=java.base/sun.nio.ch=ALL-UNNAMED"), o.toString());
        assertTrue(o.contains("-Dio.netty.tryReflectionSetAccessible=true"), o.toString());
        assertTrue(o.contains("--sun-misc-unsafe-memory-access=allow"), o.toString());
        // The flags surefire gives this JVM (cluster/pom.xml spark.jvm.flags) are Spark's list, no fewer.
        // Two exceptions: the Vector API module (Morse's own flags add it, spelled with a space) and
        // --add-opens of packages this JDK does not have (sun.security.action is gone in JDK 25).
        String mine = System.getProperty("morse.test.jvm.flags", "");
        for (String f : o) {
            if (f.equals("--add-modules=jdk.incubator.vector")) {
                assertTrue(mine.contains("--add-modules jdk.incubator.vector"), mine);
                continue;
            }
            if (f.startsWith("--add-opens=")) {
                String[] modPkg = f.substring("--add-opens=".length(), f.indexOf('=', "--add-opens=".length())).split("/");
                boolean exists = ModuleLayer.boot().findModule(modPkg[0]).map(m -> m.getPackages().contains(modPkg[1])).orElse(false);
                if (!exists) {
                    assertTrue(!mine.contains(f), f + " names a package this JDK lacks (the JVM warns); leave it out");
                    continue;
                }
            }
            assertTrue(mine.contains(f), "cluster/pom.xml spark.jvm.flags lacks " + f);
        }
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
