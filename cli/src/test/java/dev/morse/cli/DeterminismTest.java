package dev.morse.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's promise "results are bit-identical for any thread count", end to end: each
 * matrix-free command, and the Morse check with its LAPACK factorizations and three dsyevd
 * eigendecompositions (P = 369), runs twice with --threads 2 and once with --threads 1, and every
 * number of the JSON reports must agree bit for bit (times, dates and the thread settings aside).
 */
class DeterminismTest {

    @TempDir
    Path dir;

    /** Keys that may differ between runs: when, how long, where written, how many threads. */
    private static final Set<String> IGNORED = Set.of("timings", "created", "outputs", "threads");

    static final String[] PROBLEM = {"-q", "--model", "4-16-16-1", "--data", "teacher:n=300,width=5", "--chunk-rows", "64",
            "--reg", "l2:1e-3"};

    @ParameterizedTest
    @ValueSource(strings = {"spectrum --method lanczos --k 4 --which both --tol 1e-10",
            "density --probes 4 --steps 30 --grid 200",
            "trace --method hutchpp --probes 120",
            "trace --method hutchinson --probes 50",
            "morse --refine none --spectra"})
    void everyNumberIsTheSameTwiceAndForOneOrTwoThreads(String command) {
        Map<String, Object> a = run(command, "a", "2");
        Map<String, Object> b = run(command, "b", "2");
        Map<String, Object> c = run(command, "c", "1");
        List<String> diffs = new ArrayList<>();
        compare("", a, b, diffs);
        if (!diffs.isEmpty()) fail(command + ": two runs with --threads 2 differ at " + diffs.subList(0, Math.min(10, diffs.size())));
        compare("", a, c, diffs);
        if (!diffs.isEmpty()) fail(command + ": --threads 2 and --threads 1 differ at " + diffs.subList(0, Math.min(10, diffs.size())));
    }

    private Map<String, Object> run(String command, String name, String threads) {
        List<String> args = new ArrayList<>(Arrays.asList(command.split(" ")));
        args.addAll(Arrays.asList(PROBLEM));
        Path json = dir.resolve(command.replace(' ', '_') + "-" + name + ".json");
        args.addAll(List.of("--threads", threads, "--json", json.toString()));
        Cli.Result r = Cli.run(args.toArray(new String[0]));
        assertEquals(0, r.code(), r.toString());
        return Cli.json(json);
    }

    /** Structural comparison; doubles by their bits (the writer prints the shortest exact form). */
    static void compare(String path, Object x, Object y, List<String> diffs) {
        if (x instanceof Map<?, ?> mx && y instanceof Map<?, ?> my) {
            if (!mx.keySet().equals(my.keySet())) diffs.add(path + " keys " + mx.keySet() + " vs " + my.keySet());
            for (Object k : mx.keySet()) {
                if (IGNORED.contains((String) k)) continue;
                compare(path + "." + k, mx.get(k), my.get(k), diffs);
            }
        } else if (x instanceof List<?> lx && y instanceof List<?> ly) {
            if (lx.size() != ly.size()) {
                diffs.add(path + " length " + lx.size() + " vs " + ly.size());
                return;
            }
            for (int i = 0; i < lx.size(); i++) compare(path + "[" + i + "]", lx.get(i), ly.get(i), diffs);
        } else if (x instanceof Double dx && y instanceof Double dy) {
            if (Double.doubleToRawLongBits(dx) != Double.doubleToRawLongBits(dy)) diffs.add(path + " " + dx + " vs " + dy);
        } else if (x == null ? y != null : !x.equals(y)) {
            diffs.add(path + " " + x + " vs " + y);
        }
    }
}
