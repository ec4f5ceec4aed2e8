package dev.morse.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * A standalone master and two workers on 127.0.0.1, started once for the class: a sweep on it
 * gives the rows of local[2]; a worker killed mid-sweep, the sweep still completes; and
 * local-cluster[2,1,1024]. Tagged {@code cluster} (skip with {@code -DexcludedGroups=cluster}).
 */
@Tag("cluster")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class StandaloneClusterTest {
    /** Under target/, not a JUnit temp folder: SPARK_HOME/jars holds symbolic links, and the logs stay for a look. */
    static final Path tmp = Path.of("target", "standalone-cluster-test").toAbsolutePath();
    static Path stateDir;
    static StandaloneCluster.State cluster;
    static SparkSession spark;

    /** Executors of 512 MB (workers offer 1 GB each): five JVMs on a small shared machine. */
    static final Map<String, String> CONF = Map.of("spark.executor.memory", "512m", "spark.executor.cores", "1");

    @BeforeAll
    static void startCluster() throws Exception {
        SweepDir.deleteTree(tmp);
        Files.createDirectories(tmp);
        stateDir = tmp.resolve("cluster");
        // should this JVM end without @AfterAll (killed build), take the daemons along
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                StandaloneCluster.stop(stateDir);
            } catch (Exception ignored) {
                // best effort
            }
        }));
        long t0 = System.nanoTime();
        cluster = StandaloneCluster.start(stateDir, StandaloneCluster.Options.defaults().withWorkers(2).withCores(1));
        System.err.printf("standalone cluster up in %.1f s: %s%n", (System.nanoTime() - t0) * 1e-9, cluster.masterUrl());
        spark = SparkJvm.session(cluster.masterUrl(), "morse-cluster-test", CONF);
    }

    @AfterAll
    static void stopCluster() throws Exception {
        if (spark != null) spark.stop();
        if (stateDir == null) return;
        StandaloneCluster.State s = StandaloneCluster.read(stateDir).orElse(null);
        assertTrue(StandaloneCluster.stop(stateDir), "a cluster was running");
        assertFalse(StandaloneCluster.stop(stateDir), "stop is idempotent");
        if (s != null) for (StandaloneCluster.Proc p : s.processes()) assertTrue(p.handle().isEmpty(), p + " still alive");
    }

    static SweepRunner.Options opts(PrintStream log) {
        return SweepRunner.Options.defaults().withMorseVersion("test-1").withLog(log);
    }

    @Test
    @Order(1)
    void sweepRunsOnTheStandaloneCluster() throws Exception {
        Map<String, Object> st = StandaloneCluster.masterStatus(cluster);
        assertEquals("ALIVE", st.get("status"));
        assertEquals(2, ((Number) st.get("aliveworkers")).intValue());
        assertTrue(StandaloneCluster.read(stateDir).isPresent());
        assertEquals(cluster.masterUrl(), StandaloneCluster.read(stateDir).get().masterUrl());

        FakeSteps.reset();
        SweepRunner.Result r = SweepRunner.run(spark, SweepSpec.parse(FakeSteps.spec("fake", "{}", 4)),
                tmp.resolve("on-cluster"), new FakeSteps(), opts(null));
        assertEquals(15, r.done());
        assertEquals(1, r.failed());
        assertEquals(0, FakeSteps.CALLS.get(), "the steps ran in the executors' JVMs, not in the driver");
        Set<Object> executors = new HashSet<>();
        for (Map<String, Object> row : SweepReport.load(tmp.resolve("on-cluster")).rows()) executors.add(row.get("executor"));
        assertFalse(executors.contains("driver"), executors.toString());
    }

    @Test
    @Order(2)
    void killedWorkerMidSweepTheSweepStillCompletes() throws Exception {
        Path dir = tmp.resolve("worker-killed");
        SweepSpec spec = SweepSpec.parse(FakeSteps.spec("fake", "{\"sleep_ms\": 800}", 4));
        AtomicReference<Throwable> killerFailed = new AtomicReference<>();
        Thread killer = new Thread(() -> {
            try {
                long deadline = System.nanoTime() + 300_000_000_000L;
                while (committed(dir, spec) < 2 && System.nanoTime() < deadline) Thread.sleep(20);
                StandaloneCluster.killWorker(cluster, 2);
            } catch (Throwable t) {
                killerFailed.set(t);
            }
        }, "worker-killer");
        killer.start();
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        SweepRunner.Result r = SweepRunner.run(spark, spec, dir, new FakeSteps(),
                opts(new PrintStream(log, true, StandardCharsets.UTF_8)));
        killer.join();
        assertNull(killerFailed.get());
        String out = log.toString(StandardCharsets.UTF_8);
        System.err.print(out);
        assertTrue(cluster.workers().get(1).handle().isEmpty(), "worker 2 is dead");
        assertTrue(r.complete(), out);
        assertNull(r.abortedBy(), out);
        assertEquals(15, r.done());
        assertEquals(1, r.failed());
        assertTrue(out.contains("an attempt ended on executor"), "Spark lost a running attempt and ran it again:\n" + out);
        assertTrue(SweepDir.attemptFolders(dir).isEmpty());
        // the rows are those of the undisturbed sweep (configs and outputs; the ids differ by sleep_ms)
        assertEquals(withoutIds(SweepLocalTest.comparableRows(tmp.resolve("on-cluster"))),
                withoutIds(SweepLocalTest.comparableRows(dir)));
    }

    @Test
    @Order(3)
    void localModeGivesTheSameRows() throws Exception {
        spark.stop();
        spark = null;
        FakeSteps.reset();
        try (SparkSession local = SparkJvm.session("local[2]", "morse-local", Map.of())) {
            SweepRunner.run(local, SweepSpec.parse(FakeSteps.spec("fake", "{}", 4)), tmp.resolve("local"),
                    new FakeSteps(), opts(null));
        }
        List<Map<String, Object>> local = SweepLocalTest.comparableRows(tmp.resolve("local"));
        assertEquals(16, local.size());
        assertEquals(local, SweepLocalTest.comparableRows(tmp.resolve("on-cluster")));
    }

    @Test
    @Order(4)
    void localClusterModeRunsExecutorsInTheirOwnJvms() throws Exception {
        FakeSteps.reset();
        try (SparkSession lc = SparkJvm.session("local-cluster[2,1,1024]", "morse-local-cluster", CONF)) {
            SweepRunner.Result r = SweepRunner.run(lc, SweepSpec.parse(FakeSteps.spec("fake", "{}", 1)),
                    tmp.resolve("local-cluster"), new FakeSteps(), opts(null));
            assertEquals(4, r.done());
        }
        assertEquals(0, FakeSteps.CALLS.get(), "steps ran in executor JVMs");
        List<Map<String, Object>> rows = SweepLocalTest.comparableRows(tmp.resolve("local-cluster"));
        List<Map<String, Object>> local = SweepLocalTest.comparableRows(tmp.resolve("local"));
        for (Map<String, Object> row : rows) assertTrue(local.contains(row), row.toString());
    }

    private static List<Map<String, Object>> withoutIds(List<Map<String, Object>> rows) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (Map<String, Object> r : rows) {
            Map<String, Object> c = new java.util.LinkedHashMap<>(r);
            c.remove("task_id");
            out.add(c);
        }
        return out;
    }

    private static int committed(Path dir, SweepSpec spec) {
        int n = 0;
        for (SweepTask t : spec.tasks("test-1")) if (Files.exists(dir.resolve("tasks").resolve(t.id()).resolve("result.json"))) n++;
        return n;
    }
}
