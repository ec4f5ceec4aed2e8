package dev.morse.cluster;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.SparkSession;

/**
 * A small command line over this module ({@code bin/morse-cluster}) until {@code morse cluster}
 * and {@code morse sweep} exist in the CLI. Exit codes: 0 success, 1 a sweep with missing tasks
 * or another failure, 2 bad usage or input.
 */
public final class ClusterMain {
    private ClusterMain() {}

    static final String USAGE = """
            usage:
              morse-cluster cluster start [--workers N] [--cores C] [--memory M] [--state DIR]
              morse-cluster cluster stop [--state DIR]
              morse-cluster cluster status [--state DIR]
              morse-cluster sweep run SPEC.json --out DIR [--master local[*]|local[N]|spark://HOST:PORT|cluster]
                                  [--runner CLASS] [--retry-failed] [--tasks-per-partition N] [--conf KEY=VALUE]...
              morse-cluster sweep status DIR
              morse-cluster sweep report DIR [--column C --by AXIS[,AXIS…]] [--pivot C:ROW_AXIS:COL_AXIS]
                                  [--heatmap C:X_AXIS:Y_AXIS[:log] [--png FILE]]

            --state: the cluster's folder (default $MORSE_CLUSTER_DIR or ~/.morse/cluster).
            --master: default local[*], or spark-submit's --master when run through spark-submit;
              cluster: the master that `cluster start` recorded in --state.
            --runner: a StepRunner class with a no-argument constructor (default: dev.morse.cluster.EchoSteps,
              a stand-in until Morse's analyses plug in).
            """;

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    static int run(String[] args, PrintStream out, PrintStream err) {
        try {
            if (args.length < 2) throw new IllegalArgumentException("a command is needed");
            Opts o = new Opts(args, 2);
            switch (args[0] + " " + args[1]) {
                case "cluster start" -> {
                    StandaloneCluster.Options co = StandaloneCluster.Options.defaults()
                            .withWorkers(o.integer("workers", 2)).withCores(o.integer("cores", 1))
                            .withMemory(o.string("memory", "1g"));
                    o.done();
                    StandaloneCluster.State s = StandaloneCluster.start(o.state, co);
                    out.print(StandaloneCluster.describe(s));
                    out.println("stop with: morse-cluster cluster stop" + (o.stateGiven ? " --state " + o.state : ""));
                }
                case "cluster stop" -> {
                    o.done();
                    out.println(StandaloneCluster.stop(o.state) ? "stopped" : "no cluster running (state in " + o.state + ")");
                }
                case "cluster status" -> {
                    o.done();
                    var s = StandaloneCluster.read(o.state);
                    if (s.isEmpty()) {
                        out.println("no cluster (state in " + o.state + ")");
                        return 1;
                    }
                    out.print(StandaloneCluster.describe(s.get()));
                    return s.get().master().handle().isPresent() ? 0 : 1;
                }
                case "sweep run" -> {
                    Path spec = Path.of(o.positional("SPEC.json"));
                    Path dir = Path.of(o.required("out"));
                    // under spark-submit, its --master (the spark.master property) is the default
                    String master = o.string("master", System.getProperty("spark.master", "local[*]"));
                    if (master.equals("cluster")) {
                        master = StandaloneCluster.read(o.state).orElseThrow(() -> new IllegalArgumentException(
                                "--master cluster: no cluster recorded in " + o.state + " (morse-cluster cluster start)")).masterUrl();
                    }
                    String runnerClass = o.string("runner", EchoSteps.class.getName());
                    SweepRunner.Options so = SweepRunner.Options.defaults()
                            .withRetryFailed(o.flag("retry-failed"))
                            .withTasksPerPartition(o.integer("tasks-per-partition", 1));
                    Map<String, String> conf = new LinkedHashMap<>();
                    for (String kv : o.all("conf")) {
                        int eq = kv.indexOf('=');
                        if (eq <= 0) throw new IllegalArgumentException("--conf " + kv + ": expected KEY=VALUE");
                        conf.put(kv.substring(0, eq), kv.substring(eq + 1));
                    }
                    o.done();
                    if (!SparkJvm.isLocalMachine(master) && "127.0.0.1".equals(System.getenv("SPARK_LOCAL_IP"))) {
                        err.println("morse-cluster: warning: SPARK_LOCAL_IP=127.0.0.1 but the master " + master + " is elsewhere;"
                                + " its executors cannot reach this driver. Set SPARK_LOCAL_IP to this machine's address.");
                    }
                    SweepSpec sp = SweepSpec.read(spec);
                    StepRunner runner = (StepRunner) Class.forName(runnerClass).getDeclaredConstructor().newInstance();
                    try (SparkSession spark = SparkJvm.session(master, "morse sweep " + sp.name(), conf)) {
                        SweepRunner.Result r = SweepRunner.run(spark, sp, dir, runner, so);
                        return r.complete() ? 0 : 1;
                    }
                }
                case "sweep status" -> {
                    Path dir = Path.of(o.positional("DIR"));
                    o.done();
                    SweepStatus st = SweepStatus.of(dir);
                    out.print(st.text());
                    return st.complete() ? 0 : 1;
                }
                case "sweep report" -> {
                    Path dir = Path.of(o.positional("DIR"));
                    String column = o.string("column", null);
                    String by = o.string("by", null);
                    String pivot = o.string("pivot", null);
                    String heat = o.string("heatmap", null);
                    String png = o.string("png", null);
                    o.done();
                    SweepReport rep = SweepReport.load(dir);
                    boolean any = false;
                    if (by != null || column != null) {
                        List<String> axes = by == null ? rep.axes() : List.of(by.split(","));
                        out.print(rep.table(axes, column));
                        any = true;
                    }
                    if (pivot != null) {
                        String[] p = pivot.split(":");
                        if (p.length != 3) throw new IllegalArgumentException("--pivot " + pivot + ": expected COLUMN:ROW_AXIS:COL_AXIS");
                        out.print(rep.pivot(p[0], p[1], p[2]));
                        any = true;
                    }
                    if (heat != null) {
                        String[] h = heat.split(":");
                        if (h.length < 3 || h.length > 4 || (h.length == 4 && !h[3].equals("log"))) {
                            throw new IllegalArgumentException("--heatmap " + heat + ": expected COLUMN:X_AXIS:Y_AXIS[:log]");
                        }
                        Path file = png != null ? Path.of(png) : dir.resolve("heatmap-" + h[0].replaceAll("[^A-Za-z0-9_.-]", "_") + ".png");
                        out.println("heat map: " + rep.heatMap(h[0], h[1], h[2], h.length == 4, file));
                        any = true;
                    }
                    if (!any) out.print(rep.text());
                }
                default -> throw new IllegalArgumentException("unknown command '" + args[0] + " " + args[1] + "'");
            }
            return 0;
        } catch (IllegalArgumentException | java.nio.file.NoSuchFileException | ClassNotFoundException e) {
            err.println("morse-cluster: " + (e.getMessage() == null ? e.toString() : e.getMessage()));
            if (e instanceof IllegalArgumentException && e.getMessage() != null && e.getMessage().startsWith("a command")) err.print(USAGE);
            return 2;
        } catch (Exception e) {
            err.println("morse-cluster: " + TaskExecutor.describe(e));
            return 1;
        }
    }

    /** --name value options, --flag switches and positionals after the two command words. */
    private static final class Opts {
        private final List<String> positionals = new ArrayList<>();
        private final Map<String, List<String>> named = new LinkedHashMap<>();
        final Path state;
        final boolean stateGiven;

        Opts(String[] args, int from) {
            for (int i = from; i < args.length; i++) {
                String a = args[i];
                if (a.startsWith("--")) {
                    String name = a.substring(2);
                    String value = null;
                    int eq = name.indexOf('=');
                    if (eq >= 0) {
                        value = name.substring(eq + 1);
                        name = name.substring(0, eq);
                    } else if (!name.equals("retry-failed")) {
                        if (i + 1 >= args.length) throw new IllegalArgumentException("--" + name + " needs a value");
                        value = args[++i];
                    }
                    named.computeIfAbsent(name, k -> new ArrayList<>()).add(value);
                } else {
                    positionals.add(a);
                }
            }
            String s = string("state", null);
            stateGiven = s != null;
            state = s != null ? Path.of(s) : StandaloneCluster.defaultStateDir();
        }

        String string(String name, String dflt) {
            List<String> v = named.remove(name);
            if (v == null) return dflt;
            if (v.size() > 1) throw new IllegalArgumentException("--" + name + " given twice");
            return v.get(0);
        }

        List<String> all(String name) {
            List<String> v = named.remove(name);
            return v == null ? List.of() : v;
        }

        String required(String name) {
            String v = string(name, null);
            if (v == null) throw new IllegalArgumentException("--" + name + " is required");
            return v;
        }

        int integer(String name, int dflt) {
            String v = string(name, null);
            try {
                return v == null ? dflt : Integer.parseInt(v);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--" + name + ": expected an integer, got " + v);
            }
        }

        boolean flag(String name) {
            return named.remove(name) != null;
        }

        String positional(String what) {
            if (positionals.isEmpty()) throw new IllegalArgumentException(what + " is required");
            return positionals.remove(0);
        }

        void done() {
            if (!named.isEmpty()) throw new IllegalArgumentException("unknown option --" + named.keySet().iterator().next());
            if (!positionals.isEmpty()) throw new IllegalArgumentException("unexpected argument " + positionals.get(0));
        }
    }
}
