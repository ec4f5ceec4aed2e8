package dev.morse.cluster;

import dev.morse.io.AtomicFiles;
import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A Spark standalone cluster on this machine, for trying and testing: one Master and N Workers
 * bound to 127.0.0.1, started as child Java processes from this JVM's class path (the Maven
 * artifacts, nothing to install), and stopped by a later call, from any process, through a state
 * file.
 *
 * <p>{@code stateDir} holds {@code cluster.json} (master URL, ports, the processes' pids and start
 * times), {@code spark-home/} (a {@code SPARK_HOME} whose {@code jars/} links to the class path's
 * jars, which Workers need to launch executors), {@code logs/} (one file per daemon) and
 * {@code work/} (the Workers' folders: executor logs per application). {@link #stop} kills the
 * processes it recorded, and only them (a pid is matched with its start time), and is idempotent.
 *
 * <p>Executors are launched by the Workers with {@code $SPARK_HOME/jars/*} plus the application's
 * {@code spark.executor.extraClassPath} ({@link SparkJvm#session} sets it to the driver's class
 * path for loopback masters), and with Spark's JVM options (SparkContext adds them).
 */
public final class StandaloneCluster {
    private StandaloneCluster() {}

    public static final String STATE_FILE = "cluster.json";
    private static final String HOST = "127.0.0.1";
    private static final Pattern MEMORY = Pattern.compile("\\d+[kKmMgGtT]?");

    /**
     * @param workers      Worker processes
     * @param cores        cores each Worker offers
     * @param memory       memory each Worker offers to executors ({@code 1g}, {@code 512m}); an
     *                     application's {@code spark.executor.memory} (default 1g) must fit in it
     * @param daemonMemory heap of the Master and Worker JVMs themselves
     * @param timeout      how long to wait for the master and all workers to be up
     */
    public record Options(int workers, int cores, String memory, String daemonMemory, Duration timeout) {
        public Options {
            if (workers < 1) throw new IllegalArgumentException("workers must be >= 1");
            if (cores < 1) throw new IllegalArgumentException("cores must be >= 1");
            if (!MEMORY.matcher(memory).matches()) throw new IllegalArgumentException("memory: expected e.g. 1g or 512m, got " + memory);
            if (!MEMORY.matcher(daemonMemory).matches()) throw new IllegalArgumentException("daemonMemory: expected e.g. 512m, got " + daemonMemory);
        }

        /** 2 workers × 1 core × 1g, daemons with 256m heaps, 120 s to come up. */
        public static Options defaults() {
            return new Options(2, 1, "1g", "256m", Duration.ofSeconds(120));
        }

        public Options withWorkers(int n) { return new Options(n, cores, memory, daemonMemory, timeout); }
        public Options withCores(int c) { return new Options(workers, c, memory, daemonMemory, timeout); }
        public Options withMemory(String m) { return new Options(workers, cores, m, daemonMemory, timeout); }
    }

    /** A daemon this cluster started: its role ({@code master}, {@code worker-1}, …), pid and start time. */
    public record Proc(String role, long pid, String started, Path log, int webUiPort) {
        /** The live process, if it is still the one we started (pids are reused). */
        public Optional<ProcessHandle> handle() {
            return ProcessHandle.of(pid).filter(h -> h.isAlive() && (started == null || h.info().startInstant()
                    .map(i -> i.toString().equals(started)).orElse(true)));
        }
    }

    /** What {@code cluster.json} holds. */
    public record State(String masterUrl, String masterWebUi, Path stateDir, Path sparkHome, int cores,
                        String memory, List<Proc> processes, String startedAt) {
        public Proc master() { return processes.get(0); }

        public List<Proc> workers() { return processes.subList(1, processes.size()); }
    }

    /** {@code $MORSE_CLUSTER_DIR}, else {@code ~/.morse/cluster}. */
    public static Path defaultStateDir() {
        String env = System.getenv("MORSE_CLUSTER_DIR");
        return env != null && !env.isBlank() ? Path.of(env) : Path.of(System.getProperty("user.home"), ".morse", "cluster");
    }

    /** Starts a cluster from this JVM's class path ({@link SparkJvm#classpath()}). */
    public static State start(Path stateDir, Options o) throws IOException, InterruptedException {
        return start(stateDir, o, SparkJvm.classpath());
    }

    /**
     * Starts a master and {@code o.workers()} workers, waits until the master reports them all
     * alive, and writes the state file. Refuses if {@code stateDir} records a cluster that still
     * runs. On failure (timeout, a daemon exits) kills what it started and says which log to read.
     */
    public static State start(Path stateDir, Options o, List<Path> classpath) throws IOException, InterruptedException {
        stateDir = stateDir.toAbsolutePath().normalize();
        Optional<State> old = read(stateDir);
        if (old.isPresent() && old.get().master().handle().isPresent()) {
            throw new IllegalStateException("a cluster is already running (" + old.get().masterUrl() + ", state in "
                    + stateDir.resolve(STATE_FILE) + "); stop it first");
        }
        if (old.isPresent()) stop(stateDir); // leftovers of a dead one: kill any live workers, forget it
        Files.createDirectories(stateDir);
        Path home = SparkJvm.prepareSparkHome(stateDir.resolve("spark-home"), classpath);
        Path logs = Files.createDirectories(stateDir.resolve("logs"));
        String cp = SparkJvm.join(classpath);

        int port = freePort();
        int webUi = freePort();
        String url = "spark://" + HOST + ":" + port;
        List<Proc> procs = new ArrayList<>();
        List<Process> started = new ArrayList<>();
        try {
            Process m = launch(home, cp, o.daemonMemory(), logs.resolve("master.log"), "org.apache.spark.deploy.master.Master",
                    "--host", HOST, "--port", String.valueOf(port), "--webui-port", String.valueOf(webUi));
            started.add(m);
            procs.add(proc("master", m, logs.resolve("master.log"), webUi));
            for (int i = 1; i <= o.workers(); i++) {
                int wUi = freePort();
                Path log = logs.resolve("worker-" + i + ".log");
                Path work = Files.createDirectories(stateDir.resolve("work").resolve("worker-" + i));
                Process w = launch(home, cp, o.daemonMemory(), log, "org.apache.spark.deploy.worker.Worker",
                        "--host", HOST, "--webui-port", String.valueOf(wUi), "--cores", String.valueOf(o.cores()),
                        "--memory", o.memory(), "--work-dir", work.toString(), url);
                started.add(w);
                procs.add(proc("worker-" + i, w, log, wUi));
            }
            State s = new State(url, "http://" + HOST + ":" + webUi, stateDir, home, o.cores(), o.memory(),
                    List.copyOf(procs), Instant.now().toString());
            write(s); // before waiting: a stop from elsewhere can already find them
            awaitWorkers(s, o.workers(), o.timeout(), started);
            return s;
        } catch (IOException | InterruptedException | RuntimeException e) {
            for (Process p : started) killTree(p.toHandle(), Duration.ofSeconds(5));
            Files.deleteIfExists(stateDir.resolve(STATE_FILE));
            throw e;
        }
    }

    /** The recorded cluster in {@code stateDir}, if any (alive or not: check {@link Proc#handle}). */
    public static Optional<State> read(Path stateDir) throws IOException {
        Path f = stateDir.resolve(STATE_FILE);
        if (!Files.exists(f)) return Optional.empty();
        Map<String, Object> m = Json.readObject(f);
        List<Proc> procs = new ArrayList<>();
        for (Object o : (List<?>) m.get("processes")) {
            Map<?, ?> p = (Map<?, ?>) o;
            procs.add(new Proc((String) p.get("role"), ((Number) p.get("pid")).longValue(), (String) p.get("started"),
                    Path.of((String) p.get("log")), ((Number) p.get("web_ui_port")).intValue()));
        }
        return Optional.of(new State((String) m.get("master_url"), (String) m.get("master_web_ui"), stateDir,
                Path.of((String) m.get("spark_home")), ((Number) m.get("cores")).intValue(), (String) m.get("memory"),
                List.copyOf(procs), (String) m.get("started_at")));
    }

    /**
     * Stops the cluster recorded in {@code stateDir}: workers (and the executors they launched),
     * then the master; SIGTERM, then SIGKILL after 10 s. Removes the state file. Idempotent:
     * returns whether anything was running.
     */
    public static boolean stop(Path stateDir) throws IOException {
        Optional<State> s = read(stateDir);
        if (s.isEmpty()) return false;
        boolean any = false;
        List<Proc> order = new ArrayList<>(s.get().workers());
        order.add(s.get().master());
        for (Proc p : order) {
            Optional<ProcessHandle> h = p.handle();
            if (h.isPresent()) {
                any = true;
                killTree(h.get(), Duration.ofSeconds(10));
            }
        }
        Files.deleteIfExists(stateDir.resolve(STATE_FILE));
        return any;
    }

    /** Kills worker {@code i} (1-based) and its executors at once (SIGKILL): a lost machine, for tests. */
    public static void killWorker(State s, int i) {
        Proc w = s.workers().get(i - 1);
        w.handle().ifPresent(h -> killTree(h, Duration.ZERO));
    }

    /**
     * The master's own JSON status ({@code /json/}: status, aliveworkers, cores, activeapps, …). An
     * answer that is not that JSON is an IOException, as no answer is: while the master starts, its
     * web server can answer before the status page is mounted (an HTML page; seen once in about
     * thirty test runs), and {@link #start} then waits on.
     */
    public static Map<String, Object> masterStatus(State s) throws IOException {
        String where = s.masterWebUi() + "/json/";
        HttpURLConnection c = (HttpURLConnection) URI.create(where).toURL().openConnection();
        c.setConnectTimeout(2000);
        c.setReadTimeout(5000);
        String body;
        try (InputStream in = c.getInputStream()) {
            body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } finally {
            c.disconnect();
        }
        try {
            return Json.parseObject(body, where);
        } catch (IllegalArgumentException e) {
            throw new IOException("not the master's JSON status (still starting?): " + e.getMessage(), e);
        }
    }

    /** One line per daemon: role, pid, alive, web UI. */
    public static String describe(State s) {
        StringBuilder sb = new StringBuilder("master " + s.masterUrl() + "  (web UI " + s.masterWebUi() + ")\n");
        for (Proc p : s.processes()) {
            sb.append(String.format("  %-9s pid %-7d %-5s http://%s:%d  log %s%n", p.role(), p.pid(),
                    p.handle().isPresent() ? "up" : "DOWN", HOST, p.webUiPort(), p.log()));
        }
        return sb.toString();
    }

    // ---------------------------------------------------------------------------------------------

    private static Process launch(Path sparkHome, String cp, String heap, Path log, String main, String... args)
            throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(SparkJvm.morseJvmOptions());
        cmd.add("-Xmx" + heap);
        cmd.add("-cp");
        cmd.add(cp);
        cmd.add(main);
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        Map<String, String> env = pb.environment();
        env.put("SPARK_HOME", sparkHome.toString());
        env.put("SPARK_CONF_DIR", sparkHome.resolve("conf").toString());
        env.put("SPARK_SCALA_VERSION", "2.13");
        env.put("SPARK_LOCAL_IP", HOST);
        env.put("JAVA_HOME", System.getProperty("java.home")); // executors: same JDK as the daemons
        env.remove("SPARK_WORKER_INSTANCES");
        pb.redirectErrorStream(true).redirectOutput(log.toFile()).redirectInput(ProcessBuilder.Redirect.from(nullFile()));
        pb.directory(sparkHome.toFile());
        return pb.start();
    }

    private static java.io.File nullFile() {
        return new java.io.File(System.getProperty("os.name").startsWith("Windows") ? "NUL" : "/dev/null");
    }

    private static Proc proc(String role, Process p, Path log, int webUi) {
        String start = p.toHandle().info().startInstant().map(Instant::toString).orElse(null);
        return new Proc(role, p.pid(), start, log, webUi);
    }

    private static void write(State s) throws IOException {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("master_url", s.masterUrl());
        m.put("master_web_ui", s.masterWebUi());
        m.put("spark_home", s.sparkHome().toString());
        m.put("cores", s.cores());
        m.put("memory", s.memory());
        m.put("started_at", s.startedAt());
        List<Object> ps = new ArrayList<>();
        for (Proc p : s.processes()) {
            Map<String, Object> pm = new LinkedHashMap<>();
            pm.put("role", p.role());
            pm.put("pid", p.pid());
            pm.put("started", p.started());
            pm.put("log", p.log().toString());
            pm.put("web_ui_port", p.webUiPort());
            ps.add(pm);
        }
        m.put("processes", ps);
        AtomicFiles.write(s.stateDir().resolve(STATE_FILE), Json.writePretty(m) + "\n", true);
    }

    private static void awaitWorkers(State s, int workers, Duration timeout, List<Process> started)
            throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        String last = "no answer from " + s.masterWebUi();
        while (System.nanoTime() < deadline) {
            for (int i = 0; i < started.size(); i++) {
                if (!started.get(i).isAlive()) {
                    Proc p = s.processes().get(i);
                    throw new IOException(p.role() + " exited with code " + started.get(i).exitValue()
                            + " while the cluster started; see " + p.log() + tail(p.log()));
                }
            }
            try {
                Map<String, Object> st = masterStatus(s);
                Object alive = st.get("aliveworkers");
                last = "master " + st.get("status") + ", " + alive + " of " + workers + " workers alive";
                if ("ALIVE".equals(st.get("status")) && alive instanceof Number n && n.intValue() >= workers) return;
            } catch (IOException e) {
                last = "no status from " + s.masterWebUi() + ": " + e.getMessage();   // not listening, or not answering with it, yet
            }
            Thread.sleep(250);
        }
        throw new IOException("cluster not up after " + timeout.toSeconds() + " s (" + last + "); logs in "
                + s.master().log().getParent());
    }

    private static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log);
            return ":\n  " + String.join("\n  ", lines.subList(Math.max(0, lines.size() - 15), lines.size()));
        } catch (IOException e) {
            return "";
        }
    }

    /** SIGTERM (or SIGKILL at once when {@code grace} is zero) to a process, SIGKILL to what is left with its children. */
    private static void killTree(ProcessHandle h, Duration grace) {
        List<ProcessHandle> children = h.descendants().toList(); // before the parent dies and they are re-parented
        if (grace.isZero()) {
            h.destroyForcibly();
        } else {
            h.destroy();
            try {
                h.onExit().get(grace.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
            } catch (Exception e) {
                h.destroyForcibly();
            }
        }
        for (ProcessHandle c : children) c.destroyForcibly();
        try {
            h.onExit().get(10, java.util.concurrent.TimeUnit.SECONDS);
        } catch (Exception ignored) {
            // reported by the caller's next status
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName(HOST))) {
            s.setReuseAddress(true);
            return s.getLocalPort();
        }
    }
}
