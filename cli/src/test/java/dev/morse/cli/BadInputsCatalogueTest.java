package dev.morse.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.morse.io.Npy;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The catalogue of bad inputs, {@code docs/bad-inputs.md}: each row's command runs in-process and
 * must give the row's exit code and first line of standard error. With
 * {@code -Dmorse.catalogue.write=true} the test writes what it observes into the last two
 * columns instead (then review the diff).
 */
class BadInputsCatalogueTest {

    @TempDir
    Path dir;

    static Path catalogue() {
        Path base = Path.of(System.getProperty("basedir", ".")).toAbsolutePath();
        Path doc = base.resolveSibling("docs").resolve("bad-inputs.md");
        if (!Files.exists(doc)) doc = base.resolve("docs").resolve("bad-inputs.md");
        return doc;
    }

    @Test
    void everyRowGivesItsExitCodeAndMessage() throws Exception {
        fixtures();
        Path doc = catalogue();
        List<String> lines = Files.readAllLines(doc, StandardCharsets.UTF_8);
        boolean write = Boolean.getBoolean("morse.catalogue.write");
        List<String> out = new ArrayList<>();
        List<String> failures = new ArrayList<>();
        int rows = 0;
        for (String line : lines) {
            if (!isRow(line)) {
                out.add(line);
                continue;
            }
            List<String> cells = cells(line);
            String command = cells.get(0).substring(1, cells.get(0).length() - 1);   // without the backticks
            Cli.Result r = runRow(command);
            String message = normalize(firstLine(r.err()));
            rows++;
            if (write) {
                out.add("| `" + command + "` | " + r.code() + " | " + message.replace("|", "\\|") + " |");
                continue;
            }
            String expectedExit = cells.get(1);
            String expectedMessage = cells.get(2).replace("\\|", "|");
            if (!expectedExit.equals(Integer.toString(r.code())) || !expectedMessage.equals(message)) {
                failures.add(command + "\n    expected: exit " + expectedExit + ", «" + expectedMessage + "»\n    actual:   exit " + r.code()
                        + ", «" + message + "»");
            }
        }
        assertTrue(rows > 50, "the catalogue has its rows: " + rows);
        if (write) {
            Files.write(doc, out, StandardCharsets.UTF_8);
            return;
        }
        assertTrue(failures.isEmpty(), failures.size() + " row(s) of " + doc + " disagree (regenerate with -Dmorse.catalogue.write=true "
                + "after checking):\n" + String.join("\n", failures));
    }

    @Test
    void noRowEndsInAnInternalError() throws Exception {
        for (String line : Files.readAllLines(catalogue(), StandardCharsets.UTF_8)) {
            if (!isRow(line)) continue;
            List<String> cells = cells(line);
            assertFalse(cells.get(1).equals("1"), "exit 1 is a bug: " + line);
            assertFalse(cells.get(2).isBlank(), "every refusal says why: " + line);
        }
    }

    /** A row the test runs: a command line, or one with JVM properties before it ({@code MORSE_JAVA_OPTS="-Dk=v …" morse …}). */
    private static boolean isRow(String line) {
        return line.startsWith("| `morse ") || line.startsWith("| `" + JVM_OPTIONS);
    }

    private static final String JVM_OPTIONS = "MORSE_JAVA_OPTS=\"";

    /**
     * Runs a row's command: in this JVM, or, for a row with JVM properties, in a fresh JVM started
     * with them (as bin/morse passes MORSE_JAVA_OPTS). The backend properties are read once, when a
     * JVM first needs linear algebra, so that setting them around an in-process command could not
     * show what they do: 'doctor --strict' with -Dmorse.blas=java passed here, with native LAPACK
     * already loaded.
     */
    private Cli.Result runRow(String command) throws Exception {
        if (!command.startsWith(JVM_OPTIONS)) return Cli.run(arguments(command.substring("morse ".length())));
        int end = command.indexOf('"', JVM_OPTIONS.length());
        List<String> jvm = new ArrayList<>();
        jvm.add(ProcessHandle.current().info().command().orElseThrow());
        for (String a : java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (!a.startsWith("-javaagent")) jvm.add(a);   // surefire's flags (modules, native access), not coverage agents
        }
        jvm.addAll(Arrays.asList(command.substring(JVM_OPTIONS.length(), end).split(" ")));
        jvm.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName()));
        jvm.addAll(Arrays.asList(arguments(command.substring(end + 1).strip().substring("morse ".length()))));
        Path out = dir.resolve("row.out"), err = dir.resolve("row.err");
        Process p = new ProcessBuilder(jvm).directory(dir.toFile()).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        int code = p.waitFor();
        // the JVM's own warnings (incubator modules) come before the command's first line
        String e = String.join("\n", Files.readAllLines(err, StandardCharsets.UTF_8).stream().filter(l -> !l.startsWith("WARNING: ")).toList());
        return new Cli.Result(code, Files.readString(out, StandardCharsets.UTF_8), e);
    }

    /** The cells of a table row, split at unescaped '|'. */
    static List<String> cells(String line) {
        List<String> cells = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        for (int i = 1; i < line.length(); i++) {
            char c = line.charAt(i);
            if (c == '\\' && i + 1 < line.length() && line.charAt(i + 1) == '|') {
                cur.append("\\|");
                i++;
            } else if (c == '|') {
                cells.add(cur.toString().strip());
                cur.setLength(0);
            } else {
                cur.append(c);
            }
        }
        return cells;
    }

    /** Splits a command at spaces, with "…" quoting (so "" is an empty argument), expanding the placeholders. */
    String[] arguments(String command) {
        String expanded = command.replace("$TINY", "--model 3-4-1 --weights $D/theta.npy --inputs $D/X.npy --targets $D/y.npy -q")
                .replace("$HUGE", "--model 3-4-1 --weights $D/huge.npy --inputs $D/X.npy --targets $D/y.npy -q")
                .replace("$D", dir.toString());
        List<String> args = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        boolean quoted = false, any = false;
        for (char c : expanded.toCharArray()) {
            if (c == '"') {
                quoted = !quoted;
                any = true;
            } else if (c == ' ' && !quoted) {
                if (any || cur.length() > 0) args.add(cur.toString());
                cur.setLength(0);
                any = false;
            } else {
                cur.append(c);
            }
        }
        if (any || cur.length() > 0) args.add(cur.toString());
        return args.toArray(new String[0]);
    }

    static String firstLine(String s) {
        String t = s.strip();
        int nl = t.indexOf('\n');
        return nl < 0 ? t : t.substring(0, nl).strip();
    }

    /** The scratch folder as $D, heap sizes as … (they depend on the machine). */
    String normalize(String message) {
        return message.replace(dir.toString(), "$D")
                .replaceAll("the heap has [0-9.]+ [KMGT]?i?B free of [0-9.]+ [KMGT]?i?B max", "the heap has … free of … max");
    }

    // ------------------------------------------------------------------ the files the rows name

    private void fixtures() throws Exception {
        SpectrumReferenceTest.writeTinyProblem(dir);
        double[] huge = new double[21];
        Arrays.fill(huge, 1e200);
        Npy.write(dir.resolve("huge.npy"), huge);
        double[] overflowing = new double[21];
        for (int k = 0; k < 3; k++) {
            overflowing[k] = 0.1 * (k + 1);
            overflowing[3 + k] = 0.1 * (k + 1);
        }
        overflowing[16] = 1e160;
        overflowing[17] = -1e160;
        Npy.write(dir.resolve("overflowing.npy"), overflowing);
        Files.writeString(dir.resolve("not-numpy.npy"), "not numpy at all");
        byte[] theta = Files.readAllBytes(dir.resolve("theta.npy"));
        Files.write(dir.resolve("cut.npy"), Arrays.copyOf(theta, theta.length - 16));
        Files.write(dir.resolve("c8.npy"), new String(theta, StandardCharsets.ISO_8859_1).replace("<f8", "<c8").getBytes(StandardCharsets.ISO_8859_1));
        Npy.write(dir.resolve("short.npy"), new double[20]);
        Npy.write(dir.resolve("matrix.npy"), new double[21], 21, 1);
        Files.write(dir.resolve("fortran.npy"), new String(theta, StandardCharsets.ISO_8859_1).replace("False", "True ").getBytes(StandardCharsets.ISO_8859_1));
        Files.write(dir.resolve("overflow.npy"), dev.morse.io.NpyTestAccess.header("{'descr': '<f8', 'fortran_order': False, 'shape': (65536, 65536, 65536, 65536), }"));
        Files.write(dir.resolve("empty-shape.npy"), dev.morse.io.NpyTestAccess.header("{'descr': '<f8', 'fortran_order': False, 'shape': (,), }"));
        double[] nan = new double[21];
        nan[4] = Double.NaN;
        Npy.write(dir.resolve("nan.npy"), nan);
        Files.write(dir.resolve("bomb.npy.gz"), gzip(new byte[0], 64L << 20));
        Files.write(dir.resolve("declared.npy.gz"),
                gzip(dev.morse.io.NpyTestAccess.header("{'descr': '<f8', 'fortran_order': False, 'shape': (1000000000,), }"), 16L << 20));
        byte[] gz = gzip(theta, 0);
        Files.write(dir.resolve("damaged.npy.gz"), Arrays.copyOf(gz, gz.length - 12));
        Npy.write(dir.resolve("y5.npy"), new double[5]);
        Files.writeString(dir.resolve("java.csv"), "a,b,c,label\n1,2,3,0\n1d,2,3,1\n");
        Files.writeString(dir.resolve("ragged.csv"), "a,b,c,y\n1,2,3,4\n1,2,3\n");
        Files.writeString(dir.resolve("headerless.csv"), "1,2,3,4\n5,6,7,8\n");
        Files.writeString(dir.resolve("table.csv"), "a,b,c,label\n1,2,3,0\n");
        ByteBuffer idx = ByteBuffer.allocate(16 + 6 * 784);
        idx.put(new byte[] {0, 0, 0x08, 3}).putInt(6).putInt(28).putInt(28);
        Files.write(dir.resolve("images-idx3-ubyte"), Arrays.copyOf(idx.array(), 16 + 5 * 784));
        Files.write(dir.resolve("labels-idx1-ubyte"), new byte[] {0, 0, 0x08, 1, 0, 0, 0, 6, 0, 1, 0, 1, 1, 0, 'G', 'A', 'R', 'B', 'A', 'G', 'E'});
        Npy.write(dir.resolve("probes2.npy"), new double[42], 2, 21);
        Npy.writeFloat32(dir.resolve("probes-f4.npy"), new double[42], 2, 21);
        Files.writeString(dir.resolve("deep.json"), "[".repeat(100_000));
        Files.writeString(dir.resolve("other-command.json"), "{\"command\": \"spectrum\", \"model\": \"3-4-1\", \"data\": \"gaussian\", \"optimizer\": \"lbfgs\"}");
        Files.writeString(dir.resolve("two-spellings.json"), "{\"command\": \"spectrum\", \"no_bias\": true, \"no-bias\": false}");
        Files.writeString(dir.resolve("models.json"), "{\"command\": \"spectrum\", \"model\": [\"3-4-1\", \"2-2-1\"], \"data\": \"gaussian\"}");
        Files.writeString(dir.resolve("fit-config.json"), "{\"command\": \"fit\", \"model\": \"3-4-1\", \"data\": \"gaussian\"}");
        Files.writeString(dir.resolve("typo.json"), "{\"command\": \"spectrum\", \"modle\": \"3-4-1\"}");
        Files.writeString(dir.resolve("array.json"), "[\"spectrum\", \"--model\", \"3-4-1\"]");
        Files.writeString(dir.resolve("bad-number.json"), "{\"command\": \"spectrum\",\n \"k\": 010}");
        Files.writeString(dir.resolve("no-command.json"), "{\"model\": \"3-4-1\"}");
        Files.writeString(dir.resolve("big-seed.json"), "{\"command\": \"spectrum\", \"model\": \"3-4-1\", \"seed\": 9007199254740993}");
        Files.writeString(dir.resolve("nan-sigma.json"), "{\"command\": \"density\", \"model\": \"3-4-1\", \"data\": \"gaussian\", \"sigma\": \"NaN\"}");
        Files.writeString(dir.resolve("afile"), "a file, not a folder");
        Files.writeString(dir.resolve("existing.json"), "{}");
    }

    private static byte[] gzip(byte[] head, long zeros) throws Exception {
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        try (OutputStream gz = new GZIPOutputStream(bos)) {
            gz.write(head);
            byte[] block = new byte[1 << 16];
            for (long w = 0; w < zeros; w += block.length) gz.write(block, 0, (int) Math.min(block.length, zeros - w));
        }
        return bos.toByteArray();
    }

    @Test
    void argumentsSplitLikeAShell() {
        assertEquals(List.of("spectrum", "--json", "", "-q"), List.of(arguments("spectrum --json \"\" -q")));
    }
}
