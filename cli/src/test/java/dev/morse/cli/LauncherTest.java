package dev.morse.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** bin/morse's rebuild check (bin/lib/stale.sh) sees every module the CLI is built from. */
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
}
