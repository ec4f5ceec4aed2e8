package dev.morse.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Outputs: checked before any work, claimed exclusively at start, written to part files and
 * renamed at the end, removed on errors and interrupts, and a killed run never blocks its rerun.
 */
class OutputsTest {

    @TempDir
    Path dir;

    String[] tiny;

    @BeforeEach
    void setUp() throws Exception {
        tiny = SpectrumReferenceTest.writeTinyProblem(dir);
    }

    private Cli.Result run(String command, String... extra) {
        List<String> a = new ArrayList<>();
        a.add(command);
        a.addAll(Arrays.asList(tiny));
        a.addAll(Arrays.asList(extra));
        return Cli.run(a.toArray(new String[0]));
    }

    private static void refused(Cli.Result r, String... parts) {
        assertEquals(2, r.code(), r.toString());
        for (String p : parts) assertTrue(r.err().contains(p), "«" + p + "» in: " + r.err());
        assertEquals(1, r.err().strip().lines().count(), "one line: " + r.err());
    }

    /** Names in a folder, part files included. */
    private static List<String> names(Path d) throws IOException {
        if (!Files.isDirectory(d)) return List.of();
        try (Stream<Path> s = Files.list(d)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void locationsAreCheckedBeforeAnyWork() throws Exception {
        // The missing weights file would fail the load: the output checks must come first.
        String[] badWeights = {"spectrum", "-q", "--model", "3-4-1", "--data", "gaussian", "--weights", dir.resolve("missing.npy").toString()};
        refused(Cli.run(concat(badWeights, "--json", "")), "--json: the file name is empty", "'-' for standard output");
        refused(Cli.run(concat(badWeights, "--json", dir.toString())), "--json", "is a folder");
        // "." normalizes to the empty name: the message said "--json:  is a folder"
        refused(Cli.run(concat(badWeights, "--json", ".")), "--json: . is a folder; expected a file name to write");
        Path file = Files.writeString(dir.resolve("afile"), "x");
        refused(Cli.run(concat(badWeights, "--json", file.resolve("r.json").toString())), "--json", "afile is a file, not a folder");
        refused(Cli.run(concat(badWeights, "--plots", file.toString())), "--plots", "is a file, not a folder");
        refused(Cli.run(concat(badWeights, "--plots", "")), "--plots", "empty");
        refused(Cli.run(concat(badWeights, "--json", dir.resolve("r.json").toString(), "--save-vectors", dir.resolve("r.json").toString())),
                "two outputs would go to the same file");
        assertFalse(Files.exists(dir.resolve("r.json")));
        // Passing the checks, the same command fails on its weights, and leaves nothing behind.
        Path fresh = dir.resolve("new/sub");
        Cli.Result r = Cli.run(concat(badWeights, "--json", fresh.resolve("r.json").toString(), "--plots", fresh.resolve("plots").toString()));
        assertEquals(2, r.code(), r.toString());
        assertTrue(r.err().contains("missing.npy: no such file"), r.err());
        assertFalse(Files.exists(dir.resolve("new")), "folders created for the outputs are removed again: " + names(dir));
    }

    /** trace and eval draw no plots: --plots and --plot-format (command line or config) are refused, not silently ignored. */
    @Test
    void commandsWithoutPlotsRefuseThePlotOptions() throws Exception {
        Path plots = dir.resolve("plots"), cfg = dir.resolve("format.json");
        Files.writeString(cfg, "{\"plot_format\": \"png\"}");
        for (String cmd : List.of("trace", "eval")) {
            refused(run(cmd, "--plots", plots.toString(), "--plot-format", "svg"), "--plots: '" + cmd + "' draws no plots", "remove --plots");
            refused(run(cmd, "--plot-format", "png"), "--plot-format: '" + cmd + "' draws no plots", "remove --plot-format");
            refused(run(cmd, "--config", cfg.toString()), "--plot-format: '" + cmd + "' draws no plots");
        }
        assertFalse(Files.exists(plots));
        assertEquals(0, run("trace").code(), "without them trace runs");
    }

    /**
     * --help offers the plot options only where they are accepted: trace's and eval's help listed
     * --plots and --plot-format, which both refuse (above), and the top-level help said every
     * analysis command takes --plots. Each command's help, as a user gets it, against whether it
     * draws plots; and the commands that draw plots do offer them.
     */
    @Test
    void helpOffersThePlotOptionsOnlyWhereTheyAreAccepted() {
        picocli.CommandLine root = new picocli.CommandLine(new Main());
        List<String> without = new ArrayList<>(), with = new ArrayList<>();
        for (var c : root.getSubcommands().entrySet()) {
            if (!(c.getValue().getCommandSpec().userObject() instanceof BaseCommand b) || c.getKey().equals("demo")) continue;   // demo: --out
            Cli.Result help = Cli.run(c.getKey(), "--help");
            assertEquals(0, help.code(), help.toString());
            boolean offers = help.out().contains("--plots=DIR") || help.out().contains("--plot-format=FMT");
            (b.drawsPlots() ? with : without).add(c.getKey());
            assertEquals(b.drawsPlots(), offers, c.getKey() + " --help: " + help.out());
        }
        // init writes θ only: no plot options, and it says so (it used to claim to draw)
        assertEquals(List.of("eval", "init", "trace"), without.stream().sorted().toList());
        assertTrue(with.containsAll(List.of("spectrum", "density", "fit", "train", "morse")), with.toString());
        Cli.Result top = Cli.run("--help");
        assertFalse(top.out().contains("Every analysis command takes --json FILE (a report), --plots"), top.out());
        // the footer names the commands that take --plots (demo writes its plots under --out): it
        // said "all but trace and eval", untrue of init
        String names = String.join(", ", with.subList(0, with.size() - 1)) + " and " + with.get(with.size() - 1);
        assertTrue(top.out().replaceAll("\\s+", " ").contains(names + " take --plots DIR"), names + " in " + top.out());
    }

    @Test
    void unwritableFoldersAreNamed() throws Exception {
        assumeTrue(!"root".equals(System.getProperty("user.name")), "root may write anywhere");
        Path ro = Files.createDirectory(dir.resolve("ro"));
        assumeTrue(ro.toFile().setWritable(false, false));
        try {
            refused(run("spectrum", "--json", ro.resolve("r.json").toString()), "--json", "cannot write in the folder", "permission denied");
        } finally {
            ro.toFile().setWritable(true, false);
        }
    }

    @Test
    void aFullDeviceIsNamed() {
        assumeTrue(Files.exists(Path.of("/dev/full")));
        Cli.Result r = run("spectrum", "--json", "/dev/full");
        assertEquals(2, r.code(), r.toString());
        assertTrue(r.err().contains("--json: /dev/full: cannot write (No space left on device)"), r.err());
        assertEquals(0, run("spectrum", "--json", "/dev/null").code(), "special files are written in place, not refused as existing");
    }

    /**
     * A symbolic link is followed: to a special file (a FIFO, /dev/null) it is written in place; to a
     * regular file, that file is the output (replaced only with --force, by a rename in its own
     * folder), and the link stays a link. Before, every link was "an existing file" and --force
     * renamed the report over the link itself.
     */
    @Test
    void symbolicLinksAreFollowedAndNeverReplaced() throws Exception {
        // A link to a char device.
        Path toNull = Files.createSymbolicLink(dir.resolve("null.json"), Path.of("/dev/null"));
        Cli.Result r = run("spectrum", "--json", toNull.toString());
        assertEquals(0, r.code(), r.toString());
        assertTrue(Files.isSymbolicLink(toNull), "the link to /dev/null is still a link");
        assertEquals(Path.of("/dev/null"), Files.readSymbolicLink(toNull));
        assertEquals(0, run("spectrum", "--json", toNull.toString(), "--force").code(), "and with --force too");
        assertTrue(Files.isSymbolicLink(toNull), "--force does not replace the link to /dev/null");

        // A link to a FIFO: the report goes through the FIFO to its reader.
        Path fifo = dir.resolve("fifo");
        Process mk = new ProcessBuilder("mkfifo", fifo.toString()).start();
        assumeTrue(mk.waitFor(10, TimeUnit.SECONDS) && mk.exitValue() == 0, "mkfifo");
        Path toFifo = Files.createSymbolicLink(dir.resolve("fifo.json"), fifo);
        java.util.concurrent.CompletableFuture<String> read = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
            try {
                return Files.readString(fifo);
            } catch (IOException e) {
                return "read failed: " + e;
            }
        });
        r = run("spectrum", "--json", toFifo.toString());
        assertEquals(0, r.code(), r.toString());
        assertTrue(read.get(60, TimeUnit.SECONDS).contains("\"eigenvalues\""), "the reader of the FIFO got the report");
        assertTrue(Files.isSymbolicLink(toFifo));

        // A link to a regular file in another folder: refused without --force, written through with it.
        Path elsewhere = Files.createDirectory(dir.resolve("elsewhere"));
        Path real = Files.writeString(elsewhere.resolve("real.json"), "old");
        Path link = Files.createSymbolicLink(dir.resolve("link.json"), real);
        refused(run("spectrum", "--json", link.toString()), "--json: refusing to overwrite", "a symbolic link to " + real.toRealPath(), "--force");
        assertEquals("old", Files.readString(real));
        r = run("spectrum", "--json", link.toString(), "--force");
        assertEquals(0, r.code(), r.toString());
        assertTrue(Files.isSymbolicLink(link), "the link stays a link");
        assertEquals(real, Files.readSymbolicLink(link));
        assertTrue(Files.readString(real).contains("\"eigenvalues\""), "the file it names holds the report");
        assertEquals(List.of("real.json"), names(elsewhere), "no part file left beside the target");
        assertFalse(names(dir).stream().anyMatch(n -> n.endsWith(OutputFiles.PART)), names(dir).toString());
        // The link and the file it names are one output.
        refused(run("spectrum", "--json", link.toString(), "--save-vectors", real.toString(), "--force"), "two outputs would go to the same file");

        // A dangling link is refused, and left alone.
        Path dangling = Files.createSymbolicLink(dir.resolve("dangling.json"), dir.resolve("nowhere/x.json"));
        refused(run("spectrum", "--json", dangling.toString(), "--force"), "--json", "is a symbolic link to", "which does not exist");
        assertTrue(Files.isSymbolicLink(dangling));
    }

    @Test
    void successLeavesTheOutputsAndNoPartFiles() throws Exception {
        Path out = dir.resolve("out");
        Cli.Result r = run("spectrum", "--json", out.resolve("s.json").toString(), "--plots", out.resolve("plots").toString(),
                "--plot-format", "svg", "--save-vectors", out.resolve("v.npy").toString());
        assertEquals(0, r.code(), r.toString());
        assertEquals(List.of("plots", "s.json", "v.npy"), names(out));
        assertEquals(List.of("spectrum-eigenvalues.svg"), names(out.resolve("plots")));
        assertEquals(21 * 21, dev.morse.io.Npy.read(out.resolve("v.npy")).values().length);
        List<?> outputs = (List<?>) Cli.json(out.resolve("s.json")).get("outputs");
        assertEquals(3, outputs.size(), "the report lists every output: " + outputs);
    }

    @Test
    void aStalePartFileFromAKilledRunIsTakenOverAndOthersAreSwept() throws Exception {
        Path json = dir.resolve("s.json");
        Files.writeString(dir.resolve(".s.json" + OutputFiles.PART), "{\"half\": ");
        Files.writeString(dir.resolve(".other.npy" + OutputFiles.PART), "half");
        assertEquals(0, run("spectrum", "--json", json.toString()).code());
        assertTrue(Files.readString(json).contains("\"eigenvalues\""));
        assertFalse(names(dir).stream().anyMatch(n -> n.endsWith(OutputFiles.PART)), "stale part files removed: " + names(dir));
    }

    @Test
    void jsonTakesAFileOrDashForStandardOutputInEveryCommand() throws Exception {
        // A bare --json (no FILE) is '-': standard output, for bench and doctor as before.
        Cli.Result bare = run("trace", "--json");
        assertEquals(0, bare.code(), bare.toString());
        assertTrue(dev.morse.io.DataFiles.parseJson(bare.out(), "stdout") instanceof java.util.Map, "stdout is the JSON report only");
        Cli.Result dash = Cli.run("doctor", "--json", "-");
        assertEquals(0, dash.code());
        assertTrue(dev.morse.io.DataFiles.parseJson(dash.out(), "stdout") instanceof java.util.Map);
        Path doctor = dir.resolve("doctor.json");
        assertEquals(0, Cli.run("doctor", "--json", doctor.toString()).code());
        assertTrue(Cli.json(doctor).containsKey("lapack"));
        refused(Cli.run("doctor", "--json", doctor.toString()), "--json: refusing to overwrite");
        Path bench = dir.resolve("bench.json");
        String[] b = {"bench", "--model", "2-3-2", "--batch", "4", "--reps", "1", "--warmup", "0", "--warmup-seconds", "0",
                "--products", "gradient", "--json", bench.toString()};
        java.io.PrintStream stdout = System.out;
        java.io.ByteArrayOutputStream captured = new java.io.ByteArrayOutputStream();
        System.setOut(new java.io.PrintStream(captured, true));
        try {
            assertEquals(0, Cli.run(b).code());
            assertTrue(captured.toString().contains("gradient"), "the table still goes to stdout: " + captured);
            refused(Cli.run(b), "--json: refusing to overwrite");
            b[b.length - 1] = "-";
            captured.reset();
            assertEquals(0, Cli.run(b).code());
        } finally {
            System.setOut(stdout);
        }
        assertTrue(Cli.json(bench).containsKey("results") || Cli.json(bench).size() > 2, Files.readString(bench));
        assertTrue(dev.morse.io.DataFiles.parseJson(captured.toString(), "stdout") instanceof java.util.Map, captured.toString());
    }

    // ------------------------------------------------------------------ other processes

    private static String[] concat(String[] a, String... b) {
        String[] r = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }

    /** A slow run in another JVM: Hutchinson with many probes on a mid-sized model. */
    private Process slowRun(Path json, Path vectors) throws IOException {
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> cmd = new ArrayList<>(List.of(java, "--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
                "-Djava.awt.headless=true", "-cp", System.getProperty("java.class.path"), "dev.morse.cli.Main",
                "trace", "-q", "--model", "20-200-200-1", "--data", "gaussian:n=2000", "--method", "hutchinson", "--probes", "40000",
                "--threads", "1", "--json", json.toString()));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve("slow.log").toFile());
        return pb.start();
    }

    private static void waitFor(Path p, Process proc) throws Exception {
        for (int i = 0; i < 600 && !Files.exists(p); i++) {
            if (!proc.isAlive()) throw new AssertionError("the slow run ended early (exit " + proc.exitValue() + ")");
            Thread.sleep(50);
        }
        assertTrue(Files.exists(p), p + " claimed by the slow run");
    }

    @Test
    void aSecondRunWithTheSameOutputRefusesAtOnceAndAKilledRunDoesNotBlockTheRerun() throws Exception {
        Path json = dir.resolve("r.json");
        Path part = dir.resolve(".r.json" + OutputFiles.PART);
        Process slow = slowRun(json, null);
        try {
            waitFor(part, slow);
            long t0 = System.nanoTime();
            Cli.Result second = run("spectrum", "--json", json.toString());
            refused(second, "--json", "another morse run is writing", "r.json");
            assertTrue(System.nanoTime() - t0 < 20_000_000_000L, "refused at once");
            refused(run("spectrum", "--json", json.toString(), "--force"), "another morse run is writing");
        } finally {
            slow.destroyForcibly();   // SIGKILL: no shutdown hook runs
            slow.waitFor(30, TimeUnit.SECONDS);
        }
        assertFalse(Files.exists(json), "a killed run leaves no report");
        Cli.Result rerun = run("spectrum", "--json", json.toString());
        assertEquals(0, rerun.code(), "the rerun is not refused: " + rerun);
        assertTrue(Files.readString(json).contains("\"eigenvalues\""));
        assertFalse(Files.exists(part), "the stale part file was taken over and renamed");
    }

    @Test
    void anInterruptedRunRemovesItsPartFiles() throws Exception {
        Path json = dir.resolve("t.json");
        Path part = dir.resolve(".t.json" + OutputFiles.PART);
        Process slow = slowRun(json, null);
        try {
            waitFor(part, slow);
            slow.destroy();   // SIGTERM: the shutdown hook runs, as for SIGINT (Ctrl-C)
            assertTrue(slow.waitFor(30, TimeUnit.SECONDS));
        } finally {
            slow.destroyForcibly();
        }
        assertFalse(Files.exists(part), "part file removed: " + names(dir));
        assertFalse(Files.exists(json));
        assertTrue(Files.readString(dir.resolve("slow.log")).contains("interrupted; the outputs were not written"), Files.readString(dir.resolve("slow.log")));
    }
}
