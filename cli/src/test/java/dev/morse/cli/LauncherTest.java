package dev.morse.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * bin/morse: its rebuild check (bin/lib/stale.sh) sees every module the CLI is built from, and it
 * hands a command that runs on Spark (--master on the command line or in a --config file) to
 * bin/morse-cluster.
 */
class LauncherTest {

    private static final Path ROOT = Path.of(System.getProperty("maven.multiModuleProjectDirectory", "..")).toAbsolutePath().normalize();

    private static List<String> changedSince(Path stamp, String... modules) throws Exception {
        List<String> cmd = new java.util.ArrayList<>(List.of("bash", "-c", ". bin/lib/stale.sh && morse_changed_sources \"$@\"", "stale",
                ROOT.toString(), stamp.toString()));
        cmd.addAll(List.of(modules));
        Process p = new ProcessBuilder(cmd).directory(ROOT.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor(), out);
        return out.lines().toList();
    }

    /** Regression: edits under simd/ used to be invisible to the check, so bin/morse ran stale jars. */
    @Test
    void everyModuleOfTheCliCountsAndBenchAndClusterDoNot(@TempDir Path dir) throws Exception {
        Path old = Files.createFile(dir.resolve("old-stamp"));
        Files.setLastModifiedTime(old, FileTime.fromMillis(0));
        List<String> all = changedSince(old);
        for (String module : new String[] {"simd/", "native/", "engine/", "cli/"}) {
            assertTrue(all.stream().anyMatch(f -> f.startsWith(module) && f.endsWith(".java")), module + " sources are checked: " + all.size() + " files listed");
        }
        assertTrue(all.contains("pom.xml"), "the root pom is checked");
        assertTrue(all.stream().noneMatch(f -> f.startsWith("bench/")), "bench is not part of the CLI");
        assertTrue(all.stream().noneMatch(f -> f.startsWith("cluster/")), "cluster has its own launcher (bin/morse-cluster)");
        assertTrue(all.stream().noneMatch(f -> f.contains("/target/")), "build outputs are not sources");
        Path fresh = Files.createFile(dir.resolve("new-stamp"));
        Files.setLastModifiedTime(fresh, FileTime.fromMillis(System.currentTimeMillis() + 3_600_000));
        assertTrue(changedSince(fresh).isEmpty(), "nothing is newer than a stamp from the future");
    }

    /** bin/morse-cluster passes its modules: the CLI's and cluster, so an engine edit rebuilds it too. */
    @Test
    void aLauncherNamesItsModules(@TempDir Path dir) throws Exception {
        Path old = Files.createFile(dir.resolve("old-stamp"));
        Files.setLastModifiedTime(old, FileTime.fromMillis(0));
        List<String> cluster = changedSince(old, "engine", "cluster");
        for (String module : new String[] {"engine/", "cluster/"}) {
            assertTrue(cluster.stream().anyMatch(f -> f.startsWith(module) && f.endsWith(".java")), module + " is checked");
        }
        assertTrue(cluster.contains("pom.xml"), "the root pom is checked");
        assertTrue(cluster.stream().noneMatch(f -> f.startsWith("cli/") || f.startsWith("simd/")), "only the modules named");
        Process p = new ProcessBuilder("bash", "-c", ". bin/lib/stale.sh && morse_modules \"$0\"", ROOT.toString())
                .directory(ROOT.toFile()).redirectErrorStream(true).start();
        List<String> modules = new String(p.getInputStream().readAllBytes()).lines().toList();
        assertEquals(0, p.waitFor());
        assertTrue(modules.containsAll(List.of("simd", "native", "engine", "cli", "cluster")), modules.toString());
    }

    /** A report of a --master run, as {@code spectrum --master local[2] --partitions 4 --json r.json} writes it (trimmed). */
    private static final String MASTER_REPORT = """
            {
              "morse_version": "0.1.0-SNAPSHOT",
              "command": "spectrum",
              "created": "2026-01-01T00:00:00Z",
              "config": {
                "command": "spectrum", "model": "3-8-1", "activation": "tanh", "loss": "mse", "init": "pytorch", "seed": 0,
                "data": "gaussian:n=200", "data_seed": 0, "reg": "none", "chunk_rows": 256, "operator": "hessian",
                "method": "lanczos", "k": 3, "which": "largest", "tol": 1.0E-8, "master": "local[2]", "partitions": 4
              },
              "P": 41,
              "N": 200
            }
            """;

    /**
     * Regression: bin/morse looked only at its command line, so the report of a --master run (or a
     * config that gives "master") did not rerun through it, though a report is a config: the CLI
     * refused with exit 2, "products over a Spark data set need the cluster module".
     */
    @Test
    void theCliSaysWhetherAConfigRunsOnSpark(@TempDir Path dir) throws Exception {
        Path report = Files.writeString(dir.resolve("r.json"), MASTER_REPORT);
        assertEquals("cluster", Route.route("--config", report.toString(), "--json", dir.resolve("r2.json").toString()));
        assertEquals("cluster", Route.route("--config=" + report, "--debug"));
        assertEquals("cluster", Route.route("spectrum", "--config", report.toString(), "-q"));
        Path config = Files.writeString(dir.resolve("c.json"), """
                {"command": "trace", "model": "2-3-1", "data": "gaussian:n=20", "master": "local[2]"}""");
        assertEquals("cluster", Route.route("--config", config.toString()));
        // no master: "master" in the file's name, in a value, or null (not given) is no master
        Path plain = Files.writeString(dir.resolve("master.json"), """
                {"command": "spectrum", "model": "2-3-1", "data": "gaussian:n=20", "master": null,
                 "weights": "runs/\\"master\\": \\"local[2]\\".npy"}""");
        assertEquals("cli", Route.route("--config", plain.toString()));
        assertEquals("cluster", Route.route("--config", plain.toString(), "--master", "local[2]"));
        // what the CLI refuses stays there, which says why
        assertEquals("cli", Route.route("--config", dir.resolve("missing.json").toString()));
        assertEquals("cli", Route.route("fit", "--config", report.toString()));   // "master" is no option of fit
        assertEquals("cli", Route.route("--config"));
        // a pipe is read only once, by the command itself: not here (reading it would block)
        Path fifo = dir.resolve("fifo.json");
        Process mk = new ProcessBuilder("mkfifo", fifo.toString()).start();
        assertEquals(0, mk.waitFor());
        assertEquals("cli", assertTimeoutPreemptively(Duration.ofSeconds(20), () -> Route.route("--config", fifo.toString())));
    }

    /** The same, through bin/morse itself: a copy of the launcher whose bin/morse-cluster says what it was given. */
    @Test
    void theLauncherHandsAConfigThatGivesMasterToMorseCluster(@TempDir Path dir) throws Exception {
        Path root = launcherCopy(dir.resolve("root"));
        Path report = Files.writeString(dir.resolve("r.json"), MASTER_REPORT);
        String r2 = dir.resolve("r2.json").toString();
        assertEquals("exit 0: bin/morse-cluster --config " + report + " --json " + r2, launch(root, "--config", report.toString(), "--json", r2));
        assertEquals("exit 0: bin/morse-cluster --config=" + report + " -q", launch(root, "--config=" + report, "-q"));
        Path config = Files.writeString(dir.resolve("c.json"), """
                {"command": "trace", "model": "2-3-1", "data": "gaussian:n=20", "master": "local[2]"}""");
        assertEquals("exit 0: bin/morse-cluster --config " + config, launch(root, "--config", config.toString()));
        // a config without master runs here, and with --master on the command line it goes to Spark
        Path theta = dir.resolve("master.npy");
        Path plain = Files.writeString(dir.resolve("master.json"), """
                {"command": "init", "model": "2-3-1", "master": null, "save": "%s"}""".formatted(theta));
        assertEquals("exit 0: bin/morse-cluster --config " + plain + " --master local[2]",
                launch(root, "--config", plain.toString(), "--master", "local[2]"));
        assertFalse(Files.exists(theta));
        String here = launch(root, "--config", plain.toString(), "-q");
        assertTrue(here.startsWith("exit 0") && !here.contains("morse-cluster"), here);
        assertTrue(Files.size(theta) > 0, "init ran in the CLI");
        // a config the CLI refuses: its message
        String missing = launch(root, "--config", dir.resolve("missing.json").toString());
        assertTrue(missing.startsWith("exit 2") && missing.contains("missing.json: no such file") && !missing.contains("morse-cluster"), missing);
    }

    /**
     * Regression: bin/morse routed by its first argument only, so {@code bin/morse --debug sweep …}
     * stayed in the CLI ("Unmatched arguments from index 0: 'sweep', …"), though --debug goes
     * anywhere: the command is the first word after any --debug, and --debug goes along.
     */
    @Test
    void theLauncherHandsASweepAfterDebugToMorseCluster(@TempDir Path dir) throws Exception {
        Path root = launcherCopy(dir.resolve("root"));
        assertEquals("exit 0: bin/morse-cluster --debug sweep status x", launch(root, "--debug", "sweep", "status", "x"));
        assertEquals("exit 0: bin/morse-cluster --debug --debug experiment list", launch(root, "--debug", "--debug", "experiment", "list"));
        assertEquals("exit 0: bin/morse-cluster cluster status --debug", launch(root, "cluster", "status", "--debug"));
        // other commands stay in the CLI, which takes --debug itself
        String here = launch(root, "--debug", "init", "--model", "2-3-1", "--save", dir.resolve("t.npy").toString(), "-q");
        assertTrue(here.startsWith("exit 0") && !here.contains("morse-cluster"), here);
    }

    /**
     * bin/morse and bin/lib in {@code root}, with a bin/morse-cluster that prints its arguments,
     * and a CLI "built" from this JVM's class path (a jar whose manifest names it, as surefire's
     * booter jar does), so that the launcher neither builds nor needs Spark.
     */
    private static Path launcherCopy(Path root) throws Exception {
        Files.createDirectories(root.resolve("bin/lib"));
        for (String f : List.of("bin/morse", "bin/lib/jdk.sh", "bin/lib/stale.sh")) {
            Files.copy(ROOT.resolve(f), root.resolve(f), StandardCopyOption.COPY_ATTRIBUTES);
        }
        Files.copy(ROOT.resolve("pom.xml"), root.resolve("pom.xml"));
        Files.setLastModifiedTime(root.resolve("pom.xml"), FileTime.fromMillis(0));
        Path cluster = Files.writeString(root.resolve("bin/morse-cluster"), "#!/usr/bin/env bash\necho \"bin/morse-cluster $*\"\n");
        Files.setPosixFilePermissions(cluster, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path lib = Files.createDirectories(root.resolve("cli/target/lib"));
        Manifest m = new Manifest();
        m.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        List<String> cp = new ArrayList<>();
        for (String e : System.getProperty("java.class.path").split(File.pathSeparator)) {
            if (!e.isEmpty()) cp.add(Path.of(e).toAbsolutePath().toUri().toString());
        }
        m.getMainAttributes().put(Attributes.Name.CLASS_PATH, String.join(" ", cp));
        try (JarOutputStream jar = new JarOutputStream(Files.newOutputStream(root.resolve("cli/target/morse-cli.jar")), m)) {
            // the manifest is the jar
        }
        Files.createFile(lib.resolve(".built"));
        return root;
    }

    /** Runs {@code root/bin/morse args}: "exit N: " and its output (stdout and stderr), stripped. */
    private static String launch(Path root, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(root.resolve("bin/morse").toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(root.toFile()).redirectErrorStream(true);
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        pb.environment().remove("MORSE_JAVA_OPTS");
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes()).strip();
        int code = p.waitFor();
        // the JVM's note on the incubating Vector API is no output of the launcher
        out = out.lines().filter(l -> !l.startsWith("WARNING: Using incubator modules")).reduce((a, b) -> a + "\n" + b).orElse("");
        return "exit " + code + ": " + out;
    }
}
