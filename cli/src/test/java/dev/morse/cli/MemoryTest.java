package dev.morse.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.morse.io.DataFiles;
import dev.morse.io.InputException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Large allocations are estimated before the work and refused (exit 4) with the estimate and
 * advice that fits the command; budgets whose exact answer is cheaper are capped; compressed
 * inputs are read no further than their header declares.
 */
class MemoryTest {

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

    /** Exit 4, one line, the estimate in bytes and the given advice; never the generic matrix-free advice when it does not fit. */
    private static void refused(Cli.Result r, String... parts) {
        assertEquals(4, r.code(), r.toString());
        assertTrue(r.err().contains("needs") && r.err().matches("(?s).*\\d(\\.\\d)? [KMGT]iB.*"), "an estimate: " + r.err());
        for (String p : parts) assertTrue(r.err().contains(p), "«" + p + "» in: " + r.err());
        assertEquals(1, r.err().strip().lines().count(), "one line: " + r.err());
    }

    @Test
    void lanczosBasisIsEstimatedWithLanczosAdvice() {
        Cli.Result r = Cli.run("spectrum", "-q", "--model", "1-100000-1", "--data", "gaussian:n=2", "--method", "lanczos", "--k", "100000");
        refused(r, "Lanczos", "Lower --k (100000) or --basis");
        assertFalse(r.err().contains("Use a matrix-free method"), "Lanczos is the matrix-free method: " + r.err());
        Cli.Result b = run("spectrum", "--method", "lanczos", "--k", "5", "--basis", "5");
        assertEquals(2, b.code(), b.toString());
        assertTrue(b.err().contains("--basis: 5 must exceed the 5 wanted Ritz values"), b.err());
    }

    @Test
    void densityGridIsEstimated() {
        refused(run("density", "--grid", "2000000000"), "Lower --grid (2000000000)");
        refused(run("density", "--probes", "2147483647", "--json", dir.resolve("d.json").toString()), "--probes (2147483647)");
        assertFalse(Files.exists(dir.resolve("d.json")));
    }

    @Test
    void lbfgsHistoryIsCappedByTheIterationsAndEstimated() {
        // The history beyond the iteration limit can hold nothing: it is capped, and the run is unchanged.
        Cli.Result capped = run("fit", "--history", "2147483647", "--max-iter", "5");
        assertEquals(3, capped.code(), "not converged in 5 iterations, but no memory failure: " + capped);
        refused(run("fit", "--history", "2147483647", "--max-iter", "2147483647"), "L-BFGS", "Lower --history");
    }

    @Test
    void builtInDataAreEstimated() {
        refused(Cli.run("spectrum", "-q", "--model", "3-4-1", "--data", "gaussian:n=2000000000"), "Lower n in --data gaussian:n=2000000000");
        refused(Cli.run("spectrum", "-q", "--model", "3-4-1", "--data", "teacher:n=1500000000"), "teacher:n=1500000000");
    }

    @Test
    void theMorseReportSuggestsTheDenseLimit() {
        refused(Cli.run("morse", "-q", "--model", "1-20000-1", "--data", "gaussian:n=2", "--no-refine", "--dense-limit", "100000"),
                "Lower --dense-limit below P = 60001");
    }

    @Test
    void exactTracesStayWithinTheDenseLimit() {
        Cli.Result r = Cli.run("trace", "-q", "--model", "1-2000-1", "--data", "gaussian:n=2", "--method", "exact");
        assertEquals(2, r.code(), r.toString());
        assertTrue(r.err().contains("--method exact: P = 6001 is above the dense limit"), r.err());
        Cli.Result p = Cli.run("trace", "-q", "--model", "1-2000-1", "--data", "gaussian:n=2", "--probes", "7000");
        assertEquals(2, p.code(), p.toString());
        assertTrue(p.err().contains("--probes: 7000 products are more than the exact trace costs"), p.err());
    }

    // ------------------------------------------------------------------ compressed inputs

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
    void aGzipBombAsWeightsIsExit2NamingTheFile() throws Exception {
        Path bomb = dir.resolve("bomb.npy.gz");
        Files.write(bomb, gzip(new byte[0], 200L << 20));   // 200 MiB of zeros in about 200 KiB
        Cli.Result r = Cli.run("spectrum", "-q", "--model", "3-4-1", "--data", "gaussian", "--weights", bomb.toString());
        assertEquals(2, r.code(), r.toString());
        assertTrue(r.err().contains("bomb.npy.gz: not a .npy file"), r.err());

        // A valid header declaring 10⁹ elements, then zeros: refused from the header, before any data.
        byte[] header = dev.morse.io.NpyTestAccess.header("{'descr': '<f8', 'fortran_order': False, 'shape': (1000000000,), }");
        Path declared = dir.resolve("declared.npy.gz");
        Files.write(declared, gzip(header, 100L << 20));
        long t0 = System.nanoTime();
        Cli.Result d = Cli.run("spectrum", "-q", "--model", "3-4-1", "--data", "gaussian", "--weights", declared.toString());
        assertEquals(2, d.code(), d.toString());
        assertTrue(d.err().contains("declared.npy.gz: weights have length 1000000000, expected P = 21"), d.err());
        assertTrue(System.nanoTime() - t0 < 10_000_000_000L, "without decompressing the 100 MiB");
    }

    @Test
    void decompressionStopsWhereTheHeaderSaysTheDataEnd() throws Exception {
        byte[] header = dev.morse.io.NpyTestAccess.header("{'descr': '<f8', 'fortran_order': False, 'shape': (3,), }");
        byte[] gz = gzip(header, 1L << 30);   // 24 bytes of data declared, 1 GiB follows
        byte[] b = DataFiles.read(new ByteArrayInputStream(gz), "x.npy.gz", -1, null);
        assertEquals(header.length + 24, b.length, "read to the end of the declared data, no further");

        byte[] text = gzip("a,b\n".getBytes(), 0);
        assertEquals(4, DataFiles.read(new ByteArrayInputStream(text), "t.csv.gz", -1, null).length);
        byte[] damaged = Arrays.copyOf(gzip("a,b\n1,2\n".getBytes(), 100000), 60);
        InputException e = org.junit.jupiter.api.Assertions.assertThrows(InputException.class,
                () -> DataFiles.read(new ByteArrayInputStream(damaged), "t.csv.gz", -1, null));
        assertTrue(e.getMessage().startsWith("t.csv.gz: a damaged gzip file"), e.getMessage());
    }

    @Test
    void outOfMemoryAdviceFollowsThePhase() {
        Estimates.reset();
        assertTrue(Estimates.advice().contains("MORSE_JAVA_OPTS=-Xmx"));
        Estimates.lanczos(1000, 10, false, 0, false);
        assertTrue(Estimates.advice().startsWith("Lower --k (10) or --basis"), Estimates.advice());
        Estimates.density(1000, 10, 80, 1000, true);
        assertTrue(Estimates.advice().startsWith("Lower --grid"), Estimates.advice());
        Estimates.morseDense(1000, 46340, true);
        assertTrue(Estimates.advice().contains("lower --dense-limit below P = 1000 (and leave out --spectra) for the extreme eigenvalues only"),
                "above --dense-limit --spectra is refused: " + Estimates.advice());
    }
}
