package dev.morse.cluster;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Starts a JVM like this test JVM (same JDK, flags and class path) running another main class. */
final class ChildJvm {
    private ChildJvm() {}

    static Process start(Path log, String main, String... args) throws IOException {
        return start(null, log, main, args);
    }

    /** As {@link #start(Path, String, String...)}, in the working folder {@code dir} (null: this JVM's). */
    static Process start(Path dir, Path log, String main, String... args) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        for (String f : System.getProperty("morse.test.jvm.flags", "").trim().split("\\s+")) if (!f.isEmpty()) cmd.add(f);
        cmd.add("-Xmx1g");
        // the child's temporary files (Spark's spark-* and blockmgr-* in local mode, the native libraries
        // it unpacks) go beside its log, in the test's folder: a child the test kills would leave them in /tmp
        cmd.add("-Djava.io.tmpdir=" + Files.createDirectories(log.toAbsolutePath().getParent().resolve("child-tmp")));
        cmd.add("-cp");
        cmd.add(SparkJvm.join(SparkJvm.classpath()));
        cmd.add(main);
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        if (dir != null) pb.directory(dir.toFile());
        pb.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
        return pb.start();
    }

    static String log(Path log) {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }
}
