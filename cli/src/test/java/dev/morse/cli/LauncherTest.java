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

    private static List<String> changedSince(Path stamp) throws Exception {
        Process p = new ProcessBuilder("bash", "-c", ". bin/lib/stale.sh && morse_changed_sources \"$0\" \"$1\"", ROOT.toString(), stamp.toString())
                .directory(ROOT.toFile()).redirectErrorStream(true).start();
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
}
