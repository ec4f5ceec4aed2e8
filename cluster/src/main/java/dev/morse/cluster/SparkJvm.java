package dev.morse.cluster;

import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.jar.Attributes;
import java.util.jar.JarFile;
import java.util.jar.Manifest;
import org.apache.spark.launcher.JavaModuleOptions;
import org.apache.spark.sql.SparkSession;

/**
 * What a JVM needs to run Spark 4 on JDK 25, and sessions set up for Morse.
 *
 * <ul>
 *   <li>{@link #jvmOptions()}: Spark's own list ({@link JavaModuleOptions}: the {@code --add-opens}
 *       set, {@code -Dio.netty.tryReflectionSetAccessible=true},
 *       {@code --sun-misc-unsafe-memory-access=allow}, {@code --enable-native-access=ALL-UNNAMED},
 *       which already holds Morse's {@code --add-modules jdk.incubator.vector}). The driver's JVM
 *       must be started with them; executors get them from SparkContext itself.
 *   <li>{@code SPARK_LOCAL_IP=127.0.0.1} in the environment where the hostname resolves to an
 *       address nothing listens on (our machines); {@link #session} binds the driver to 127.0.0.1
 *       for local masters either way.
 *   <li>{@code SPARK_HOME} with a {@code jars/} folder and {@code SPARK_SCALA_VERSION=2.13} for a
 *       JVM that launches executors (a standalone Worker, or {@code local-cluster[…]} in the driver).
 * </ul>
 */
public final class SparkJvm {
    private SparkJvm() {}

    /** Spark's JVM options for this Spark version (read from spark-launcher, not copied). */
    public static List<String> jvmOptions() {
        return List.of(JavaModuleOptions.defaultModuleOptionArray());
    }

    /**
     * Spark's options plus Morse's ({@code --add-modules jdk.incubator.vector}, native access),
     * less {@code --add-opens} of packages this JDK does not have (JDK 25 has no
     * {@code sun.security.action}; the JVM would warn at every start).
     */
    public static List<String> morseJvmOptions() {
        List<String> o = new ArrayList<>();
        for (String f : jvmOptions()) if (opensExistingPackage(f)) o.add(f);
        for (String f : List.of("--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED")) {
            if (!o.contains(f)) o.add(f);
        }
        return o;
    }

    private static boolean opensExistingPackage(String flag) {
        if (!flag.startsWith("--add-opens=")) return true;
        String target = flag.substring("--add-opens=".length());
        int eq = target.indexOf('=');
        String[] modPkg = (eq < 0 ? target : target.substring(0, eq)).split("/");
        return modPkg.length == 2 && ModuleLayer.boot().findModule(modPkg[0])
                .map(m -> m.getPackages().contains(modPkg[1])).orElse(false);
    }

    /**
     * This JVM's class path, with the {@code Class-Path} of manifest-only jars expanded (Maven's
     * surefire starts tests that way; {@code java -jar} applications too), entries that exist only.
     */
    public static List<Path> classpath() {
        LinkedHashSet<Path> out = new LinkedHashSet<>();
        for (String e : System.getProperty("java.class.path", "").split(File.pathSeparator)) {
            if (e.isEmpty()) continue;
            if (e.endsWith("*")) {
                Path d = Path.of(e.substring(0, e.length() - 1));
                if (Files.isDirectory(d)) {
                    try (DirectoryStream<Path> ds = Files.newDirectoryStream(d, "*.{jar,JAR}")) {
                        for (Path p : ds) expand(p.toAbsolutePath().normalize(), out, new HashSet<>());
                    } catch (IOException ignored) {
                        // unreadable folder: nothing from it
                    }
                }
                continue;
            }
            expand(Path.of(e).toAbsolutePath().normalize(), out, new HashSet<>());
        }
        return List.copyOf(out);
    }

    private static void expand(Path p, Set<Path> out, Set<Path> visiting) {
        if (!Files.exists(p) || !visiting.add(p)) return;
        out.add(p);
        if (!Files.isRegularFile(p) || !p.toString().toLowerCase(Locale.ROOT).endsWith(".jar")) return;
        try (JarFile jar = new JarFile(p.toFile())) {
            Manifest m = jar.getManifest();
            String cp = m == null ? null : m.getMainAttributes().getValue(Attributes.Name.CLASS_PATH);
            if (cp == null) return;
            URI base = p.getParent().toUri();
            for (String entry : cp.trim().split("\\s+")) {
                if (entry.isEmpty()) continue;
                try {
                    URI u = base.resolve(entry);
                    if ("file".equals(u.getScheme())) expand(Path.of(u).normalize(), out, visiting);
                } catch (IllegalArgumentException ignored) {
                    // not a file URL: not ours to follow
                }
            }
        } catch (IOException ignored) {
            // not a readable jar: keep the entry itself
        }
    }

    /**
     * The string that names the local file {@code p} to Spark and Hadoop. Hadoop's {@code Path}
     * parses its string as scheme, authority and a raw path, and escapes the path itself: a URI
     * ({@code file:/a%20b}) would name the folder {@code a%20b}, so a folder with a space or a
     * {@code %} was written beside itself. The raw absolute path behind {@code file:} is the one
     * spelling it reads back as {@code p} (the scheme keeps a {@code :} in a name from reading as one).
     */
    public static String hadoopPath(Path p) {
        return "file:" + p.toAbsolutePath().normalize();
    }

    /** {@code entries} joined with the platform's separator. */
    public static String join(List<Path> entries) {
        List<String> s = new ArrayList<>();
        for (Path p : entries) s.add(p.toString());
        return String.join(File.pathSeparator, s);
    }

    /**
     * Makes {@code home} a minimal {@code SPARK_HOME}: a {@code jars/} folder with a symbolic link to
     * every jar of {@code classpath} (folders on the class path cannot go there; drivers on this
     * machine add them through {@code spark.executor.extraClassPath}, see {@link #session}).
     * Existing links are replaced. Returns {@code home}.
     */
    public static Path prepareSparkHome(Path home, List<Path> classpath) throws IOException {
        Path jars = home.resolve("jars");
        Files.createDirectories(jars);
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(jars)) {
            for (Path p : ds) if (Files.isSymbolicLink(p)) Files.delete(p);
        }
        Set<String> names = new HashSet<>();
        for (Path p : classpath) {
            if (!Files.isRegularFile(p) || !p.getFileName().toString().endsWith(".jar")) continue;
            String name = p.getFileName().toString();
            for (int i = 2; !names.add(name); i++) name = i + "-" + p.getFileName();
            Files.createSymbolicLink(jars.resolve(name), p);
        }
        Files.createDirectories(home.resolve("conf"));
        return home;
    }

    /** Whether {@code master} runs executors on this machine only ({@code local…}, or a spark:// URL on loopback). */
    public static boolean isLocalMachine(String master) {
        if (master.startsWith("local")) return true;
        if (!master.startsWith("spark://")) return false;
        String hosts = master.substring("spark://".length());
        for (String hp : hosts.split(",")) {
            String h = hp.contains(":") ? hp.substring(0, hp.lastIndexOf(':')) : hp;
            if (!(h.equals("127.0.0.1") || h.equals("localhost") || h.equals("[::1]"))) return false;
        }
        return true;
    }

    /**
     * A Spark session for Morse. For masters on this machine ({@link #isLocalMachine}) the driver
     * binds to 127.0.0.1 and executors get the driver's whole class path through
     * {@code spark.executor.extraClassPath} (so classes from folders, e.g. a build's
     * {@code target/classes}, reach them); for {@code local-cluster[…]} the empty
     * {@code $SPARK_HOME/jars} folder Spark's launcher insists on is created. The Spark UI is off
     * unless {@code conf} turns it on. {@code conf} entries win over all of this.
     */
    public static SparkSession session(String master, String appName, Map<String, String> conf) throws IOException {
        SparkSession.Builder b = SparkSession.builder().master(master).appName(appName)
                .config("spark.ui.enabled", "false")
                .config("spark.ui.showConsoleProgress", "false")
                // result tables have a column per output (100+): no warning that their plans print truncated
                .config("spark.sql.debug.maxToStringFields", "10000");
        if (isLocalMachine(master)) {
            b.config("spark.driver.host", "127.0.0.1").config("spark.driver.bindAddress", "127.0.0.1");
            if (!master.equals("local") && !master.startsWith("local[")) {
                b.config("spark.executor.extraClassPath", join(classpath()));
            }
            if (master.startsWith("local-cluster")) {
                String home = System.getenv("SPARK_HOME");
                if (home == null || System.getenv("SPARK_SCALA_VERSION") == null) {
                    throw new IllegalStateException(master + " launches executors: set SPARK_HOME (any folder) and"
                            + " SPARK_SCALA_VERSION=2.13 in the environment of this JVM");
                }
                Files.createDirectories(Path.of(home, "jars"));
            }
        }
        conf.forEach(b::config);
        quietOnShutdown();
        return b.getOrCreate();
    }

    private static final java.util.concurrent.atomic.AtomicBoolean QUIET_HOOK = new java.util.concurrent.atomic.AtomicBoolean();

    /**
     * Once per JVM: when it shuts down at Ctrl-C or SIGTERM (not at a System.exit), Spark says nothing more. Its shutdown hook
     * stops the session under a running job, and its scheduler, local executor and futures then
     * report every task they can no longer launch (RejectedExecutionException of a pool shutting
     * down, with stack traces: log4j errors, and Scala's default reporter on System.err): not news
     * to whoever stopped it. So Spark's and Hadoop's loggers are turned off, and System.err, which
     * is looked up at each use, becomes a sink; Morse's own lines go on through the streams its
     * commands took at their start (ClusterMain, the CLI's Main: "interrupted").
     */
    static void quietOnShutdown() {
        if (!QUIET_HOOK.compareAndSet(false, true)) return;
        try {
            dev.morse.cli.Signals.watch();
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                // a System.exit, or Spark's own end: its errors are news, and stay
                if (!dev.morse.cli.Signals.received()) return;
                System.setErr(new java.io.PrintStream(java.io.OutputStream.nullOutputStream()));
                try {
                    org.apache.logging.log4j.core.config.Configurator.setLevel("org.apache.spark", org.apache.logging.log4j.Level.OFF);
                    org.apache.logging.log4j.core.config.Configurator.setLevel("org.apache.hadoop", org.apache.logging.log4j.Level.OFF);
                } catch (RuntimeException | LinkageError e) {
                    // another logging back end: its messages stay
                }
            }, "morse-quiet-spark-on-shutdown"));
        } catch (IllegalStateException e) {
            // already shutting down
        }
    }
}
