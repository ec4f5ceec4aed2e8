package dev.morse.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.morse.io.FashionMnist;
import dev.morse.io.InputException;
import dev.morse.io.Npy;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code morse train} end to end: the log and plots, held-out data from --holdout and from
 * files, resumption bit for bit (after a finished half run, and after a JVM killed with SIGKILL
 * in the middle of a run), option errors, the --batch-size → --chunk-rows rename, and
 * --data fashion-mnist (skipped with a message when Debian's dataset-fashion-mnist is absent).
 */
class TrainCommandTest {

    @TempDir
    Path dir;

    /** A small learnable problem: 3 Gaussian classes in 5 dimensions (the built-in gaussian set), 240 samples. */
    static final String[] PROBLEM = {"--model", "5-12-3", "--activation", "tanh", "--loss", "cross_entropy", "--data", "gaussian:n=240",
            "--data-seed", "2", "--seed", "5", "--batch-size", "32", "-q"};

    static String[] args(String[] base, String... extra) {
        List<String> a = new ArrayList<>();
        a.add("train");
        a.addAll(Arrays.asList(base));
        a.addAll(Arrays.asList(extra));
        return a.toArray(new String[0]);
    }

    @SuppressWarnings("unchecked")
    static List<Map<String, Object>> epochs(Map<String, Object> log) {
        return (List<Map<String, Object>>) log.get("epochs");
    }

    @Test
    @SuppressWarnings("unchecked")
    void holdoutRunWritesTheLogCurvatureAndPlots() throws Exception {
        Path log = dir.resolve("log.json"), plots = dir.resolve("plots"), theta = dir.resolve("theta.npy");
        Cli.Result r = Cli.run(args(PROBLEM, "--optimizer", "sgd", "--lr", "0.2", "--momentum", "0.9", "--epochs", "4", "--holdout", "0.25",
                "--reg", "l2:1e-4", "--curvature-every", "2", "--curvature-samples", "50", "--curvature-probes", "4",
                "--json", log.toString(), "--plots", plots.toString(), "--save", theta.toString()));
        assertEquals(0, r.code(), r.toString());
        Map<String, Object> m = Cli.json(log);
        assertEquals("train", m.get("command"));
        assertEquals(180.0, Cli.num(m, "N"), "240 − ⌈0.25·240⌉ training samples");
        List<Map<String, Object>> ep = epochs(m);
        assertEquals(4, ep.size());
        for (int i = 0; i < 4; i++) {
            Map<String, Object> e = ep.get(i);
            assertEquals(i + 1.0, Cli.num(e, "epoch"));
            for (String k : List.of("train_loss", "test_loss", "test_accuracy", "seconds", "train_objective", "learning_rate")) {
                assertTrue(e.get(k) instanceof Number, "epoch entry has " + k + ": " + e);
            }
            assertEquals(60.0, Cli.num(e, "test_samples"));
            assertEquals((i + 1) * 6.0, Cli.num(e, "step"), "⌈180/32⌉ = 6 steps per epoch");
            assertEquals(i % 2 == 1, e.get("curvature") instanceof Map, "curvature every 2 epochs: " + e.keySet());
        }
        Map<String, Object> last = ep.get(3);
        assertEquals(Cli.num(last, "test_accuracy"), Cli.num(m, "test_accuracy"), 0.0, "top-level test_accuracy is the last epoch's");
        assertEquals(Cli.num(last, "test_loss"), Cli.num(m, "test_loss"), 0.0);
        assertTrue(Cli.num(m, "test_accuracy") > 0.8, "a learnable problem is learned: " + Cli.num(m, "test_accuracy"));
        assertTrue(Cli.num(last, "train_objective") > Cli.num(last, "train_loss"), "the objective includes the regularizer");
        Map<String, Object> curv = (Map<String, Object>) last.get("curvature");
        for (String k : List.of("top_eigenvalue", "hessian_trace", "hessian_trace_se", "ggn_trace", "ggn_trace_se", "nme_to_hessian_frobenius",
                "nme_to_hessian_frobenius_se", "sigma2_nonzero_fraction")) {
            assertTrue(curv.get(k) instanceof Number, "curvature has " + k);
        }
        assertEquals(50.0, Cli.num(curv, "samples"));
        Map<String, Object> initial = (Map<String, Object>) m.get("initial");
        assertEquals(0.0, Cli.num(initial, "epoch"));
        assertTrue(initial.get("curvature") instanceof Map, "curvature at the start");
        Map<String, Object> training = (Map<String, Object>) m.get("training");
        assertEquals("sgd(momentum=0.9, nesterov=false, weight_decay=0.0)", training.get("optimizer"));
        assertEquals(Boolean.TRUE, training.get("completed"));
        Map<String, Object> plan = (Map<String, Object>) training.get("chunk_plan");
        assertEquals(32.0, Cli.num(plan, "rows_per_chunk"), "a batch of 32 is one chunk (smallest chunk 64)");
        assertEquals(Npy.read(theta).values().length, (int) Cli.num(m, "P"));
        for (String f : List.of("train-curves.png", "train-curves.svg", "train-curvature.png", "train-curvature.svg")) {
            assertTrue(Files.size(plots.resolve(f)) > 1000, f);
        }
        byte[] png = Files.readAllBytes(plots.resolve("train-curvature.png"));
        assertEquals((byte) 0x89, png[0]);
        assertEquals('P', png[1]);
    }

    @Test
    void testFilesAreTheHeldOutSet() throws Exception {
        double[] x = new double[20 * 5];
        double[] y = new double[20];
        for (int i = 0; i < 20; i++) {
            y[i] = i % 3;
            for (int k = 0; k < 5; k++) x[i * 5 + k] = Math.sin(i + 0.3 * k);
        }
        Path xf = dir.resolve("tx.npy"), yf = dir.resolve("ty.npy"), log = dir.resolve("log.json");
        Npy.write(xf, x, 20, 5);
        Npy.write(yf, y);
        Cli.Result r = Cli.run(args(PROBLEM, "--epochs", "1", "--test-inputs", xf.toString(), "--test-targets", yf.toString(), "--json", log.toString()));
        assertEquals(0, r.code(), r.toString());
        Map<String, Object> m = Cli.json(log);
        assertEquals(240.0, Cli.num(m, "N"));
        assertEquals(20.0, Cli.num(epochs(m).get(0), "test_samples"));
    }

    /** Held-out files without their targets: the message names --test-inputs and --test-targets, not the training data's options. */
    @Test
    void testInputsWithoutTestTargetsNameTheirOptions() throws Exception {
        Path xf = dir.resolve("tx.npy");
        Npy.write(xf, new double[4 * 5], 4, 5);
        Cli.Result r = Cli.run(args(PROBLEM, "--epochs", "1", "--test-inputs", xf.toString()));
        assertEquals(2, r.code(), r.toString());
        assertTrue(r.err().contains("--test-inputs " + xf + " needs --test-targets FILE"), r.err());
        Path csv = Files.writeString(dir.resolve("t.csv"), "a,b,c,d,e,y\n1,2,3,4,5,0\n");
        r = Cli.run(args(PROBLEM, "--epochs", "1", "--test-inputs", csv.toString(), "--test-targets", xf.toString()));
        assertEquals(2, r.code(), r.toString());
        assertTrue(r.err().contains("--test-targets is not used with a CSV table"), r.err());
    }

    /** N epochs straight, and N/2 with checkpoints then --resume to N in a new command: θ and every logged number bit for bit. */
    @Test
    void resumedRunMatchesTheStraightRun() throws Exception {
        String[] run = {"--optimizer", "adam", "--lr", "0.01", "--schedule", "step:2:0.5", "--holdout", "0.2", "--curvature-every", "1",
                "--curvature-samples", "40", "--curvature-probes", "3"};
        Path a = dir.resolve("a.npy"), b = dir.resolve("b.npy"), la = dir.resolve("a.json"), lb = dir.resolve("b.json"), ck = dir.resolve("ck");
        assertEquals(0, Cli.run(args(PROBLEM, concat(run, "--epochs", "4", "--save", a.toString(), "--json", la.toString()))).code());
        Cli.Result half = Cli.run(args(PROBLEM, concat(run, "--epochs", "2", "--checkpoint-dir", ck.toString())));
        assertEquals(0, half.code(), half.toString());
        assertEquals("epoch-0002", Files.readString(ck.resolve("latest")).trim());
        Cli.Result rest = Cli.run("train", "--config", ck.resolve("config.json").toString(), "--resume", ck.toString(), "--epochs", "4",
                "--save", b.toString(), "--json", lb.toString(), "-q");
        assertEquals(0, rest.code(), rest.toString());
        assertArrayEquals(Files.readAllBytes(a), Files.readAllBytes(b), "θ bit for bit");
        assertSameLog(Cli.json(la), Cli.json(lb));
        assertNotNull(((Map<?, ?>) Cli.json(lb).get("training")).get("resumed_from"));
        assertTrue(Files.isDirectory(ck.resolve("epoch-0004")), "the resumed run goes on checkpointing into the resume folder");
    }

    /**
     * --keep-checkpoints N keeps the newest N epoch checkpoints (every one was kept: 335 folders
     * after 334 epochs); the run resumes from the newest to the same θ as a straight run, and
     * keeps pruning. Without a checkpoint folder it is refused.
     */
    @Test
    void keepCheckpointsKeepsTheNewestAndResumeStillWorks() throws Exception {
        String[] run = {"--optimizer", "sgd", "--lr", "0.05", "--momentum", "0.9"};
        Path straight = dir.resolve("straight.npy"), resumed = dir.resolve("resumed.npy"), ck = dir.resolve("ck");
        assertEquals(0, Cli.run(args(PROBLEM, concat(run, "--epochs", "6", "--save", straight.toString()))).code());
        Cli.Result half = Cli.run(args(PROBLEM, concat(run, "--epochs", "4", "--checkpoint-dir", ck.toString(), "--keep-checkpoints", "2")));
        assertEquals(0, half.code(), half.toString());
        assertEquals(List.of("config.json", "epoch-0003", "epoch-0004", "latest"), names(ck));
        Cli.Result rest = Cli.run("train", "--config", ck.resolve("config.json").toString(), "--resume", ck.toString(), "--epochs", "6",
                "--keep-checkpoints", "1", "--save", resumed.toString(), "-q");
        assertEquals(0, rest.code(), rest.toString());
        assertArrayEquals(Files.readAllBytes(straight), Files.readAllBytes(resumed), "θ bit for bit");
        assertEquals(List.of("config.json", "epoch-0006", "latest"), names(ck));
        assertEquals("epoch-0006", Files.readString(ck.resolve("latest")).trim());
        assertFalse(Files.readString(ck.resolve("config.json")).contains("keep"), "an output option: not in the run's config");
        Cli.Result r = Cli.run(args(PROBLEM, "--epochs", "1", "--keep-checkpoints", "2"));
        assertEquals(2, r.code(), r.toString());
        assertTrue(r.err().contains("--keep-checkpoints: needs --checkpoint-dir DIR (or --resume DIR)"), r.err());
        r = Cli.run(args(PROBLEM, "--epochs", "1", "--checkpoint-dir", dir.resolve("ck0").toString(), "--keep-checkpoints", "0"));
        assertEquals(2, r.code(), r.toString());
    }

    /**
     * --resume A --checkpoint-dir B only reads A: a leftover hidden folder there (someone's, perhaps
     * in a shared or read-only folder) is not removed, nor a reason to refuse the run. The cleanup
     * used to run on A too, and a failure to delete ended the run with "A: unreadable" (exit 2).
     */
    @Test
    void resumeFolderIsOnlyRead() throws Exception {
        String[] run = {"--optimizer", "sgd", "--lr", "0.05"};
        Path a = dir.resolve("a"), b = dir.resolve("b");
        assertEquals(0, Cli.run(args(PROBLEM, concat(run, "--epochs", "2", "--checkpoint-dir", a.toString()))).code());
        Process done = new ProcessBuilder("true").start();
        done.waitFor();
        Path leftover = Files.createDirectories(a.resolve(".epoch-0003.tmp-" + done.pid() + "-1"));
        Files.writeString(leftover.resolve("theta.npy"), "half written");
        List<String> before = names(a);
        Cli.Result r = Cli.run("train", "--config", a.resolve("config.json").toString(), "--resume", a.toString(), "--checkpoint-dir", b.toString(),
                "--epochs", "3", "-q");
        assertEquals(0, r.code(), r.toString());
        assertEquals(before, names(a), "the folder resumed from is untouched");
        assertEquals("half written", Files.readString(leftover.resolve("theta.npy")));
        assertFalse(r.err().contains("removed"), r.err());
        assertTrue(Files.isDirectory(b.resolve("epoch-0003")));
    }

    /** What Morse keeps: an epoch folder above the newest (a killed run's, replaced when the run gets there) and other files stay. */
    @Test
    void pruneRemovesOnlyOlderCheckpointsOfMorse() throws Exception {
        Path ck = Files.createDirectories(dir.resolve("ck"));
        for (int e = 1; e <= 5; e++) Files.writeString(Files.createDirectories(ck.resolve(Checkpoints.folderName(e))).resolve("state.json"), "{}");
        Files.writeString(ck.resolve("epoch-0001").resolve("mine.txt"), "the user's");
        Files.writeString(ck.resolve("notes.txt"), "the user's");
        assertEquals(new Checkpoints.Pruned(List.of("epoch-0002"), List.of()), Checkpoints.prune(ck, 4, 2));
        assertEquals(List.of("epoch-0001", "epoch-0003", "epoch-0004", "epoch-0005", "notes.txt"), names(ck));
    }

    /**
     * Only real checkpoints count toward the newest N: an epoch folder without its state.json used
     * to take one of the N places (leaving one checkpoint where two were asked for), and the
     * folder {@code latest} names always stays, even when it is not among the newest.
     */
    @Test
    void pruneCountsOnlyCheckpointsAndKeepsLatest() throws Exception {
        Path ck = Files.createDirectories(dir.resolve("ck"));
        for (int e = 1; e <= 6; e++) Files.writeString(Files.createDirectories(ck.resolve(Checkpoints.folderName(e))).resolve("state.json"), "{}");
        Files.delete(ck.resolve("epoch-0005").resolve("state.json"));
        Files.writeString(ck.resolve("latest"), "epoch-0002\n");
        assertEquals(new Checkpoints.Pruned(List.of("epoch-0005", "epoch-0003", "epoch-0001"), List.of()), Checkpoints.prune(ck, 6, 2));
        assertEquals(List.of("epoch-0002", "epoch-0004", "epoch-0006", "latest"), names(ck));
    }

    /**
     * A removal that fails is named, and the others still go: it used to end the training run with
     * exit 2 after its checkpoint was written.
     */
    @Test
    void aPruneThatFailsIsNamedNotThrown() throws Exception {
        Path ck = Files.createDirectories(dir.resolve("ck"));
        for (int e = 1; e <= 4; e++) Files.writeString(Files.createDirectories(ck.resolve(Checkpoints.folderName(e))).resolve("state.json"), "{}");
        Checkpoints.Pruned p = Checkpoints.prune(ck, 4, 1, f -> {
            if (f.getFileName().toString().startsWith(".epoch-0002.")) throw new java.nio.file.AccessDeniedException(f.toString());
            try (Stream<Path> s = Files.list(f)) {
                for (Path c : s.toList()) Files.delete(c);
            }
            Files.delete(f);
        });
        assertEquals(List.of("epoch-0003", "epoch-0001"), p.removed());
        assertEquals(List.of("epoch-0002 (permission denied)"), p.failed());
        assertTrue(Files.isDirectory(ck.resolve("epoch-0004")));
    }

    /** What is in {@code d} but the hidden lock file of the training runs (Checkpoints.RunLock), which stays. */
    static List<String> names(Path d) throws IOException {
        try (Stream<Path> s = Files.list(d)) {
            return s.map(f -> f.getFileName().toString()).filter(n -> !n.equals(Checkpoints.LOCK)).sorted().toList();
        }
    }

    /**
     * A run killed with SIGKILL (no shutdown hooks, no finally blocks) after some checkpoint:
     * --resume from whatever it left continues to the same θ as an uninterrupted run.
     */
    @Test
    void killedRunResumesBitIdentically() throws Exception {
        String[] run = {"--optimizer", "sgd", "--lr", "0.05", "--momentum", "0.9", "--nesterov", "--epochs", "60", "--schedule", "cosine:2"};
        Path straight = dir.resolve("straight.npy"), resumed = dir.resolve("resumed.npy"), ck = dir.resolve("ck");
        List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
                "--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"), "dev.morse.cli.Main"));
        cmd.addAll(Arrays.asList(args(PROBLEM, concat(run, "--checkpoint-dir", ck.toString()))));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve("child.log").toFile()).start();
        Path latest = ck.resolve("latest");
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
        while (!Files.exists(latest) && p.isAlive() && System.nanoTime() < deadline) Thread.sleep(5);
        p.destroyForcibly();   // SIGKILL
        p.waitFor(1, TimeUnit.MINUTES);
        assertTrue(Files.exists(latest), "the child wrote a checkpoint: " + Files.readString(dir.resolve("child.log")));
        String at = Files.readString(latest).trim();
        assertFalse(at.equals("epoch-0060"), "killed in the middle of the run, not after it");
        // what a kill in the middle of a checkpoint leaves (made here by hand: the kill's moment is chance); nothing removed it
        Path half = Files.createDirectories(ck.resolve(".epoch-0059.tmp-" + p.pid() + "-" + System.nanoTime()));
        Files.writeString(half.resolve("theta.npy"), "half written");
        assertEquals(0, Cli.run(args(PROBLEM, concat(run, "--save", straight.toString()))).code());
        Cli.Result r = Cli.run("train", "--config", ck.resolve("config.json").toString(), "--resume", ck.toString(), "--save", resumed.toString(), "-q");
        assertEquals(0, r.code(), "resumed after the kill at " + at + ": " + r);
        assertFalse(Files.exists(half), "the killed run's unfinished checkpoint is removed by the next run");
        assertTrue(r.err().contains("morse train: note: removed the unfinished checkpoint " + half.getFileName() + " that a killed run left in " + ck)
                || r.err().contains("unfinished checkpoints that a killed run left in " + ck), r.err());
        try (Stream<Path> s = Files.list(ck)) {
            assertTrue(s.noneMatch(f -> f.getFileName().toString().contains(".tmp-")), "no hidden checkpoint folder left");
        }
        assertArrayEquals(Files.readAllBytes(straight), Files.readAllBytes(resumed), "θ bit for bit after a kill at " + at);
        try (Stream<Path> s = Files.list(ck)) {
            assertTrue(s.noneMatch(f -> f.getFileName().toString().startsWith("epoch-") && !Files.exists(f.resolve("state.json"))),
                    "no half-written checkpoint folder under a visible name");
        }
    }

    @Test
    void badOptionsExit2WithTheReason() throws Exception {
        assertUsage("requires a momentum > 0", "--nesterov");
        assertUsage("--betas and --eps are for adam and adamw", "--betas", "0.9,0.99");
        assertUsage("--momentum and --nesterov are for sgd", "--optimizer", "adam", "--momentum", "0.9");
        // --betas: Numbers' syntax (no Java literals), each in [0, 1).
        assertUsage("Invalid value for option '--betas' (B1,B2): expected a finite number ≥ 0 and < 1, got '0x1p-1'", "--optimizer", "adam", "--betas", "0x1p-1,0.999");
        assertUsage("got '0.999d' (decimal notation", "--optimizer", "adam", "--betas", "0.5,0.999d");
        assertUsage("expected a finite number ≥ 0 and < 1, got 1", "--optimizer", "adamw", "--betas", "0.9,1");
        assertUsage("unknown optimizer 'rmsprop'", "--optimizer", "rmsprop");
        assertUsage("--holdout", "--holdout", "1.5");
        assertUsage("expected a finite number > 0 and < 1, got 1.5", "--holdout", "1.5");
        assertUsage("--checkpoint-every: needs --checkpoint-dir", "--checkpoint-every", "2");
        assertUsage("--test-targets: goes with --test-inputs", "--test-targets", "y.npy");
        assertUsage("schedule 'step': expected step:S[:gamma]", "--schedule", "step");
        assertUsage("expected a finite number > 0, got 0", "--lr", "0");
        assertUsage("--penalty: penalty 'gradient_norm:0.1:3': power p must be 1 or 2", "--penalty", "gradient_norm:0.1:3");
        assertUsage("both replace the data loss", "--penalty", "sam:0.1,weight_noise:0.01");
        assertUsage("--curvature-probes: at least 2 probes", "--curvature-every", "1", "--curvature-probes", "1");
        Cli.Result r = Cli.run(args(PROBLEM, "--epochs", "1", "--resume", dir.resolve("nothing").toString()));
        assertEquals(2, r.code(), r.toString());
        assertTrue(r.err().contains("no such folder"), r.err());
        // a file (the folder's config.json) said "no such folder" too
        Path file = java.nio.file.Files.writeString(dir.resolve("config.json"), "{}");
        r = Cli.run(args(PROBLEM, "--epochs", "1", "--resume", file.toString()));
        assertEquals(2, r.code(), r.toString());
        assertTrue(r.err().contains("--resume: " + file + " is a file, not a folder; give the checkpoint folder (" + dir + "?)"), r.err());
    }

    /**
     * A --checkpoint-dir that cannot hold checkpoints is refused before any work: a file there was
     * found only when the first checkpoint was written, after an epoch, and left no log.
     */
    @Test
    void badCheckpointFolderIsRefusedBeforeAnyWork() throws Exception {
        Path file = Files.writeString(dir.resolve("afile"), "x"), log = dir.resolve("log.json");
        for (Path bad : List.of(file, file.resolve("sub"))) {
            Cli.Result r = Cli.run(args(PROBLEM, "--epochs", "1", "--checkpoint-dir", bad.toString(), "--json", log.toString()));
            assertEquals(2, r.code(), r.toString());
            assertTrue(r.err().contains("--checkpoint-dir") && r.err().contains("is a file, not a folder"), r.err());
            assertFalse(Files.exists(log), "refused before the run, not after an epoch");
        }
        // Before the data are read: a missing data file is not reached.
        Cli.Result r = Cli.run("train", "--model", "2-3-1", "--inputs", dir.resolve("missing.npy").toString(), "--targets", dir.resolve("y.npy").toString(),
                "--checkpoint-dir", file.toString(), "-q");
        assertEquals(2, r.code(), r.toString());
        assertTrue(r.err().contains("--checkpoint-dir: " + file + " is a file"), r.err());
        assertEquals("x", Files.readString(file));
    }

    /**
     * A folder merely named like a checkpoint (epoch-0001 holding the user's files) is not a run's
     * checkpoint: it was counted by its name, and --force removed it with its files. Now it is
     * refused, with and without --force, naming the files; a real run's checkpoints still go.
     */
    @Test
    void aUserFolderNamedLikeACheckpointIsNeverRemoved() throws Exception {
        Path ck = dir.resolve("ck3"), mine = Files.createDirectories(ck.resolve("epoch-0001")).resolve("mine.txt");
        Files.writeString(mine, "important");
        for (String[] extra : List.of(new String[] {"--epochs", "2"}, new String[] {"--epochs", "2", "--force"})) {
            Cli.Result r = Cli.run(args(PROBLEM, concat(extra, "--checkpoint-dir", ck.toString())));
            assertEquals(2, r.code(), r.toString());
            assertTrue(r.err().contains("--checkpoint-dir: " + ck + " holds a folder named like checkpoints that hold files Morse does not write: "
                    + "epoch-0001 (mine.txt)") && r.err().contains("not even with --force"), r.err());
            assertEquals("important", Files.readString(mine), "the user's file stays (" + String.join(" ", extra) + ")");
        }
        // Beside a run's real checkpoints, too: --force replaces those, never the foreign one.
        Path ck2 = dir.resolve("ck4");
        assertEquals(0, Cli.run(args(PROBLEM, "--epochs", "2", "--checkpoint-dir", ck2.toString())).code());
        Path notes = Files.writeString(ck2.resolve("epoch-0002").resolve("notes.txt"), "mine too");
        Cli.Result r = Cli.run(args(PROBLEM, "--epochs", "2", "--checkpoint-dir", ck2.toString(), "--force"));
        assertEquals(2, r.code(), r.toString());
        assertTrue(r.err().contains("epoch-0002 (notes.txt)"), r.err());
        assertTrue(Files.exists(notes) && Files.exists(ck2.resolve("epoch-0001").resolve("state.json")), "nothing removed");
        // A checkpoint without its state.json is not counted either (it holds no run to resume).
        Files.delete(notes);
        Files.delete(ck2.resolve("epoch-0002").resolve("state.json"));
        assertEquals(0, Cli.run(args(PROBLEM, "--epochs", "2", "--checkpoint-dir", ck2.toString(), "--force")).code());
    }

    /**
     * A config.json or latest in the checkpoint folder that Morse did not write is the user's: a
     * run there with --force removed and replaced both as another run's checkpoints (without
     * --force it was refused, but as "the checkpoints of a run", which they were not). Now the run
     * is refused before any work, with and without --force, naming the files and why; a run's own
     * config.json and latest are still replaced (aNewRunDoesNotMixItsCheckpointsWithAnotherRuns),
     * and so is a config.json written by hand in exactly the form Morse writes (a train config
     * with only train's options): Morse cannot tell it from its own.
     */
    @Test
    void theUsersConfigJsonAndLatestAreNeverReplaced() throws Exception {
        Path ck = Files.createDirectories(dir.resolve("ck5"));
        Path config = Files.writeString(ck.resolve("config.json"), "{\"my\": \"notes\"}");
        Path latest = Files.writeString(ck.resolve("latest"), "my latest thoughts\n");
        for (String[] extra : List.of(new String[] {"--epochs", "1"}, new String[] {"--epochs", "1", "--force"})) {
            Cli.Result r = Cli.run(args(PROBLEM, concat(extra, "--checkpoint-dir", ck.toString())));
            assertEquals(2, r.code(), r.toString());
            assertTrue(r.err().contains("--checkpoint-dir: " + ck + " holds config.json (not a Morse train config: no \"command\": \"train\" at "
                    + "its top level) and latest (not the name of a checkpoint), which Morse did not write") && r.err().contains("even with --force"),
                    r.err());
            assertEquals("{\"my\": \"notes\"}", Files.readString(config), "the user's config.json stays (" + String.join(" ", extra) + ")");
            assertEquals("my latest thoughts\n", Files.readString(latest), "the user's latest stays (" + String.join(" ", extra) + ")");
        }
        // beside a run's real checkpoints too, and a train config with a key that is no option is not one Morse wrote
        Path ck2 = dir.resolve("ck6");
        assertEquals(0, Cli.run(args(PROBLEM, "--epochs", "1", "--checkpoint-dir", ck2.toString())).code());
        String mine = "{\"command\": \"train\", \"model\": \"5-12-3\", \"notes\": \"mine\"}";
        Files.writeString(ck2.resolve("config.json"), mine);
        Cli.Result r = Cli.run(args(PROBLEM, "--epochs", "1", "--checkpoint-dir", ck2.toString(), "--force"));
        assertEquals(2, r.code(), r.toString());
        assertTrue(r.err().contains("holds config.json (not a Morse train config: \"notes\" is no option of train), which Morse did not write"), r.err());
        assertEquals(mine, Files.readString(ck2.resolve("config.json")));
        assertTrue(Files.exists(ck2.resolve("epoch-0001").resolve("state.json")), "nothing removed");
        // a link named latest is not Morse's either (Morse writes a file there)
        Files.delete(ck2.resolve("config.json"));
        Files.delete(ck2.resolve("latest"));
        Files.createSymbolicLink(ck2.resolve("latest"), ck2.resolve("epoch-0001").resolve("state.json"));
        r = Cli.run(args(PROBLEM, "--epochs", "1", "--checkpoint-dir", ck2.toString(), "--force"));
        assertEquals(2, r.code(), r.toString());
        assertTrue(r.err().contains("holds latest (a symbolic link), which Morse did not write"), r.err());
        assertTrue(Files.isSymbolicLink(ck2.resolve("latest")));

        // a config.json written by hand in exactly train's form counts as Morse's: --force replaces it, as the help says
        Path ck3 = Files.createDirectories(dir.resolve("ck7"));
        String handWritten = "{\"command\": \"train\", \"epochs\": 3}";
        Files.writeString(ck3.resolve("config.json"), handWritten);
        r = Cli.run(args(PROBLEM, "--epochs", "1", "--checkpoint-dir", ck3.toString()));
        assertEquals(2, r.code(), "taken for another run's: " + r);
        assertEquals(0, Cli.run(args(PROBLEM, "--epochs", "1", "--checkpoint-dir", ck3.toString(), "--force")).code());
        assertNotEquals(handWritten, Files.readString(ck3.resolve("config.json")), "replaced by the run's");
        String help = Cli.run("train", "--help").out().replaceAll("\\s+", " ");
        assertTrue(help.contains("Morse did not write is refused even with --force") && help.contains("also one written by hand in that form, "
                + "which a run there replaces"), help);
    }

    /**
     * A new run in a folder that holds another run's checkpoints is refused before any work (it
     * used to mix its checkpoints with them, so neither run could be resumed); --force replaces
     * them, saying so, and the run's own folder still takes --resume.
     */
    @Test
    void aNewRunDoesNotMixItsCheckpointsWithAnotherRuns() throws Exception {
        Path ck = dir.resolve("ck"), log = dir.resolve("log.json");
        assertEquals(0, Cli.run(args(PROBLEM, "--epochs", "3", "--checkpoint-dir", ck.toString())).code());
        String config = Files.readString(ck.resolve("config.json"));
        Cli.Result r = Cli.run(args(PROBLEM, "--epochs", "2", "--lr", "0.01", "--checkpoint-dir", ck.toString(), "--json", log.toString()));
        assertEquals(2, r.code(), r.toString());
        assertTrue(r.err().contains("--checkpoint-dir: " + ck + " already holds the checkpoints of a run (3 checkpoints epoch-0001 … epoch-0003, "
                + "latest epoch-0003, config.json)") && r.err().contains("--resume " + ck) && r.err().contains("--force"), r.err());
        assertFalse(Files.exists(log), "refused before any work");
        assertEquals(config, Files.readString(ck.resolve("config.json")), "the first run's checkpoints are untouched");
        assertEquals("epoch-0003", Files.readString(ck.resolve("latest")).trim());
        // Its own folder: --resume continues there.
        Cli.Result more = Cli.run("train", "--config", ck.resolve("config.json").toString(), "--resume", ck.toString(), "--epochs", "4", "-q");
        assertEquals(0, more.code(), more.toString());
        assertEquals("epoch-0004", Files.readString(ck.resolve("latest")).trim());

        Cli.Result forced = Cli.run(args(PROBLEM, "--epochs", "2", "--lr", "0.01", "--checkpoint-dir", ck.toString(), "--force"));
        assertEquals(0, forced.code(), forced.toString());
        assertTrue(forced.err().contains("--force: this run replaces the checkpoints in " + ck + " (4 checkpoints epoch-0001 … epoch-0004"), forced.err());
        assertEquals(List.of("config.json", "epoch-0001", "epoch-0002", "latest"), names(ck), "only the new run's checkpoints");
        assertTrue(Files.readString(ck.resolve("config.json")).contains("\"lr\": 0.01"), Files.readString(ck.resolve("config.json")));
    }

    /**
     * The report of a run with checkpoints reruns from its config: --checkpoint-every is an output
     * option like --checkpoint-dir (recorded without its folder, the rerun was refused with
     * "--checkpoint-every: needs --checkpoint-dir DIR"), and the rerun gives the same log.
     */
    @Test
    void aReportWithCheckpointsRerunsFromItsConfig() throws Exception {
        Path ck = dir.resolve("ck"), first = dir.resolve("first.json"), second = dir.resolve("second.json");
        Cli.Result r = Cli.run(args(PROBLEM, "--epochs", "3", "--checkpoint-every", "2", "--checkpoint-dir", ck.toString(), "--json", first.toString()));
        assertEquals(0, r.code(), r.toString());
        assertTrue(Files.isDirectory(ck.resolve("epoch-0002")) && Files.isDirectory(ck.resolve("epoch-0003")));
        Map<?, ?> config = (Map<?, ?>) Cli.json(first).get("config");
        assertFalse(config.containsKey("checkpoint_every") || config.containsKey("checkpoint_dir"), "output options are not config: " + config.keySet());
        Cli.Result rerun = Cli.run("train", "--config", first.toString(), "--json", second.toString(), "-q");
        assertEquals(0, rerun.code(), rerun.toString());
        assertSameLog(Cli.json(first), Cli.json(second));
    }

    /** --resume with --epochs below the checkpoint's epoch is refused, naming both (it printed "epochs 3 of 2" and exited 0). */
    @Test
    void resumeWithFewerEpochsThanTheCheckpointIsRefused() throws Exception {
        Path ck = dir.resolve("ck"), log = dir.resolve("log.json");
        assertEquals(0, Cli.run(args(PROBLEM, "--epochs", "3", "--checkpoint-dir", ck.toString())).code());
        Cli.Result r = Cli.run("train", "--config", ck.resolve("config.json").toString(), "--resume", ck.toString(), "--epochs", "2",
                "--json", log.toString(), "-q");
        assertEquals(2, r.code(), r.toString());
        assertTrue(r.err().contains("--epochs: the checkpoint " + ck.resolve("epoch-0003") + " is at epoch 3, past --epochs 2")
                && r.err().contains("give --epochs 3 or more"), r.err());
        assertFalse(Files.exists(log));
        // As many as done: nothing left to do, and the run is complete.
        Cli.Result same = Cli.run("train", "--config", ck.resolve("config.json").toString(), "--resume", ck.toString(), "--json", log.toString(), "-q");
        assertEquals(0, same.code(), same.toString());
        assertEquals(Boolean.TRUE, ((Map<?, ?>) Cli.json(log).get("training")).get("completed"));
    }

    /**
     * A checkpoint of a run with other settings: the refusal names the options that differ, with
     * both values, and suggests --config DIR/config.json only when no --config was given (it
     * suggested it to a command that had given exactly that, naming no option).
     */
    @Test
    void resumeWithOtherSettingsNamesTheOptionsThatDiffer() throws Exception {
        Path ck = dir.resolve("ck");
        assertEquals(0, Cli.run(args(PROBLEM, "--epochs", "1", "--lr", "0.1", "--checkpoint-dir", ck.toString())).code());
        Path cfg = ck.resolve("config.json");
        Cli.Result withConfig = Cli.run("train", "--config", cfg.toString(), "--resume", ck.toString(), "--epochs", "2", "--lr", "0.2",
                "--momentum", "0.5", "-q");
        assertEquals(2, withConfig.code(), withConfig.toString());
        assertTrue(withConfig.err().contains("was written by a run with other settings: --lr 0.2 (the run's: 0.1), --momentum 0.5 (the run's: "
                + "not given) (the run's options are in " + cfg + "); give the run's values"), withConfig.err());
        assertFalse(withConfig.err().contains("--config"), "--config was given: " + withConfig.err());
        assertFalse(withConfig.err().contains("--epochs"), "more epochs of a constant schedule are no difference: " + withConfig.err());
        Cli.Result without = Cli.run(args(PROBLEM, "--epochs", "2", "--lr", "0.3", "--resume", ck.toString()));
        assertEquals(2, without.code(), without.toString());
        assertTrue(without.err().contains("--lr 0.3 (the run's: 0.1)") && without.err().contains("e.g. morse train --config " + cfg + " --resume " + ck),
                without.err());
    }

    /**
     * The refusal names only options that the config hash compares: not θ₀'s --init (the
     * checkpoint's θ replaces it), nor options a config records no longer but an older or
     * hand-written DIR/config.json may hold (--checkpoint-every, --quiet). It named them all, so
     * "give the run's values" asked for values that change nothing.
     */
    @Test
    void resumeWithOtherSettingsNamesOnlyTheOptionsTheHashCompares() throws Exception {
        Path ck = dir.resolve("ck");
        assertEquals(0, Cli.run(args(PROBLEM, "--epochs", "1", "--lr", "0.1", "--checkpoint-dir", ck.toString())).code());
        Path cfg = ck.resolve("config.json");
        String recorded = Files.readString(cfg);
        assertFalse(recorded.contains("checkpoint_every") || recorded.contains("quiet"), recorded);
        Files.writeString(cfg, recorded.replaceFirst("\\{", "{\"checkpoint_every\": 1, \"quiet\": true,"));
        Cli.Result r = Cli.run(args(PROBLEM, "--epochs", "2", "--lr", "0.3", "--init", "gaussian", "--resume", ck.toString()));
        assertEquals(2, r.code(), r.toString());
        assertTrue(r.err().contains("was written by a run with other settings: --lr 0.3 (the run's: 0.1) (the run's options are in " + cfg),
                r.err());
        for (String o : List.of("--init", "--checkpoint-every", "--quiet")) assertFalse(r.err().contains(o), o + ": " + r.err());
        // an --init alone is no difference: the run resumes
        Cli.Result same = Cli.run(args(PROBLEM, "--epochs", "2", "--lr", "0.1", "--init", "gaussian", "--resume", ck.toString()));
        assertEquals(0, same.code(), same.toString());
    }

    private void assertUsage(String message, String... extra) {
        Cli.Result r = Cli.run(args(PROBLEM, concat(new String[] {"--epochs", "1"}, extra)));
        assertEquals(2, r.code(), r.toString());
        assertTrue(r.err().contains(message), "expected '" + message + "' in: " + r.err());
    }

    @Test
    void divergenceExits3AndStillWritesTheLog() throws Exception {
        Path log = dir.resolve("log.json");
        Cli.Result r = Cli.run(args(new String[] {"--model", "5-4-2", "--loss", "mse", "--data", "gaussian:n=40", "-q"},
                "--lr", "1e300", "--epochs", "3", "--json", log.toString()));
        assertEquals(3, r.code(), r.toString());
        assertTrue(r.err().contains("training diverged") && r.err().contains("lower --lr"), r.err());
        @SuppressWarnings("unchecked")
        Map<String, Object> training = (Map<String, Object>) Cli.json(log).get("training");
        assertEquals(Boolean.FALSE, training.get("completed"));
        assertTrue(String.valueOf(training.get("failure")).contains("diverged"));
    }

    /**
     * The summary says the steps that ran: "1 steps of 1000 samples" for N = 64 became "1 step of
     * all 64 samples", and a last batch that keeps the rest is said too.
     */
    @Test
    void theSummarySaysTheStepsThatRan() {
        Cli.Result big = Cli.run("train", "--model", "2-8-1", "--data", "teacher:n=64", "--epochs", "1", "--batch-size", "1000", "-q");
        assertEquals(0, big.code(), big.toString());
        assertTrue(big.out().contains("1 of 1 (1 step of all 64 samples: --batch-size 1000 is above N = 64)"), big.out());
        Cli.Result rest = Cli.run("train", "--model", "2-8-1", "--data", "teacher:n=70", "--epochs", "2", "--batch-size", "16", "-q");
        assertTrue(rest.out().contains("2 of 2 (10 steps: 4 of 16 samples and 1 of 6 each epoch)"), rest.out());
        Cli.Result even = Cli.run("train", "--model", "2-8-1", "--data", "teacher:n=64", "--epochs", "3", "--batch-size", "16", "-q");
        assertTrue(even.out().contains("3 of 3 (12 steps of 16 samples)"), even.out());
        assertEquals("2 steps of all 64 samples, one an epoch", TrainProgressText.stepsText(2, 2, 64, 64));
    }

    /** The summary's files list the checkpoint folder too (it named the θ and the report, not the folder of the checkpoints). */
    @Test
    void theSummarysFilesNameTheCheckpointFolder() {
        Path ck = dir.resolve("ck-files"), theta = dir.resolve("files.npy");
        Cli.Result r = Cli.run(args(PROBLEM, "--epochs", "2", "--checkpoint-dir", ck.toString(), "--save", theta.toString()));
        assertEquals(0, r.code(), r.toString());
        String files = r.out().substring(r.out().indexOf("  files:\n"));
        assertTrue(files.contains("\n    " + theta + "\n"), r.out());
        assertTrue(files.contains("\n    " + ck + "  (the checkpoints, newest epoch-0002)\n"), r.out());
        Cli.Result none = Cli.run(args(PROBLEM, "--epochs", "1"));
        assertFalse(none.out().contains("files:"), "no checkpoints, no files: " + none.out());
    }

    /**
     * An epoch's "✓ T s" was shorter than its "steps S s" ("epoch 2/4 ✓ 0.7 s · … · steps 1.13 s"):
     * the line's clock started after batch 0's step, the record's before it. Both now count from
     * the trainer's one start of the epoch and print with the same rounding, so T ≥ S on every
     * line. One slow step an epoch (all 3000 samples through 256-256-3) made the old line say
     * "✓ 0.0 s" against steps of a tenth of a second or more.
     */
    @Test
    void anEpochsTimeCoversItsSteps() {
        Cli.Result r = Cli.run("train", "--model", "256-256-3", "--activation", "tanh", "--loss", "cross_entropy", "--data", "gaussian:n=3000",
                "--batch-size", "3000", "--epochs", "2", "--seed", "1", "--threads", "1");
        assertEquals(0, r.code(), r.toString());
        java.util.regex.Pattern line = java.util.regex.Pattern.compile("epoch (\\d)/2 ✓ ([0-9.]+) s · .* · steps ([0-9.]+) s");
        int seen = 0;
        for (String l : r.err().split("\n")) {
            java.util.regex.Matcher m = line.matcher(l);
            if (!m.find()) continue;
            seen++;
            assertTrue(Double.parseDouble(m.group(2)) >= Double.parseDouble(m.group(3)), "the epoch's ✓ is at least its steps' time: " + l);
        }
        assertEquals(2, seen, r.err());
    }

    /**
     * --lr 1e6 blew the training loss up to 1.5e150 and exited 0 with failure null: an epoch's
     * training loss above 10⁶·max(1, L₀), L₀ the training loss at the start, is a divergence (exit
     * 3, the failure in the report, the diverged epoch's loss kept), as a non-finite one is.
     */
    @Test
    void anEpochWhoseLossBlowsUpIsADivergence() throws Exception {
        Path log = dir.resolve("blowup.json");
        Cli.Result r = Cli.run("train", "--model", "2-8-1", "--data", "teacher:n=64", "--epochs", "3", "--lr", "1e6", "--batch-size", "16",
                "--json", log.toString(), "-q");
        assertEquals(3, r.code(), r.toString());
        assertTrue(r.err().contains("training diverged in epoch 1: its training loss") && r.err().contains("lower --lr"), r.err());
        Map<String, Object> report = Cli.json(log);
        @SuppressWarnings("unchecked")
        Map<String, Object> training = (Map<String, Object>) report.get("training");
        assertEquals(Boolean.FALSE, training.get("completed"));
        assertTrue(String.valueOf(training.get("failure")).startsWith("training diverged in epoch 1"), String.valueOf(training.get("failure")));
        @SuppressWarnings("unchecked")
        double l0 = Cli.num((Map<String, Object>) report.get("initial"), "train_loss");
        assertTrue(Cli.num(report, "train_loss") > 1e6 * Math.max(1, l0), report.get("train_loss") + " vs L₀ " + l0);
        assertEquals(null, report.get("theta_file"));
        // a sound rate runs on, with L₀ in its initial record
        Path ok = dir.resolve("ok.json");
        assertEquals(0, Cli.run("train", "--model", "2-8-1", "--data", "teacher:n=64", "--epochs", "3", "--lr", "0.1", "--batch-size", "16",
                "--json", ok.toString(), "-q").code());
        @SuppressWarnings("unchecked")
        Map<String, Object> initial = (Map<String, Object>) Cli.json(ok).get("initial");
        assertTrue(initial.get("train_loss") instanceof Number, initial.toString());
    }

    /**
     * After a divergence the summary's losses are in scientific notation (%.6f printed
     * 8086619143682330000…000.000000, 200 digits), and so are the progress lines' outside the usual range.
     */
    @Test
    void aDivergedRunsLossesAreShortNumbers() {
        Cli.Result r = Cli.run("train", "--model", "3-16-1", "--data", "teacher:n=40", "--epochs", "3", "--batch-size", "8", "--lr", "1e10", "-q");
        assertEquals(3, r.code(), r.toString());
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("train loss +(\\S+)").matcher(r.out());
        assertTrue(m.find(), r.out());
        assertTrue(m.group(1).matches("-?\\d\\.\\d{4}e[+-]\\d+|NaN|-?Infinity"), m.group(1));
        assertEquals("8.0866e+33", TrainProgressText.progressLoss(8.08661914368233e33));
        assertEquals("0.3204", TrainProgressText.progressLoss(0.320411));
        assertEquals("1.0000e-07", TrainProgressText.progressLoss(1e-7));
    }

    /** --batch-size was the analysis commands' rows per chunk; it is now --chunk-rows, and the old name says so. */
    @Test
    void batchSizeIsNowChunkRowsOutsideTrain() throws Exception {
        String[] p = {"--model", "3-4-1", "--data", "teacher:n=12", "-q"};
        Cli.Result old = Cli.run("spectrum", p[0], p[1], p[2], p[3], p[4], "--batch-size", "4");
        assertEquals(2, old.code(), old.toString());
        assertTrue(old.err().contains("--batch-size is no option of spectrum: the rows per chunk of the data are now --chunk-rows"), old.err());
        Cli.Result eq = Cli.run("trace", p[0], p[1], p[2], p[3], p[4], "--batch-size=4");
        assertEquals(2, eq.code());
        assertTrue(eq.err().contains("--chunk-rows"), eq.err());
        Path report = dir.resolve("s.json");
        Cli.Result ok = Cli.run("spectrum", p[0], p[1], p[2], p[3], p[4], "--chunk-rows", "4", "--json", report.toString());
        assertEquals(0, ok.code(), ok.toString());
        Map<String, Object> m = Cli.json(report);
        assertEquals(4.0, Cli.num(cast(m.get("problem")), "chunk_rows"));
        assertEquals(4.0, Cli.num(cast(m.get("config")), "chunk_rows"));
        assertFalse(((Map<?, ?>) m.get("problem")).containsKey("batch_size"));
        // An old config or report with "batch_size" for an analysis command is refused with the new name.
        Path cfg = dir.resolve("old.json");
        Files.writeString(cfg, "{\"command\": \"spectrum\", \"model\": \"3-4-1\", \"data\": \"teacher:n=12\", \"batch_size\": 4}");
        Cli.Result c = Cli.run("--config", cfg.toString());
        assertEquals(2, c.code(), c.toString());
        assertTrue(c.err().contains("\"batch_size\" is no option of spectrum: the rows per chunk of the data are now \"chunk_rows\""), c.err());
        // For train it is the minibatch.
        Path tcfg = dir.resolve("train.json");
        Files.writeString(tcfg, "{\"command\": \"train\", \"model\": \"5-4-3\", \"loss\": \"cross_entropy\", \"data\": \"gaussian:n=30\", \"batch_size\": 7, \"epochs\": 1}");
        Path log = dir.resolve("t.json");
        Cli.Result t = Cli.run("--config", tcfg.toString(), "--json", log.toString(), "-q");
        assertEquals(0, t.code(), t.toString());
        assertEquals(7.0, Cli.num(cast(Cli.json(log).get("training")), "batch_size"));
        assertEquals(5.0, Cli.num(cast(Cli.json(log).get("training")), "batches_per_epoch"));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> cast(Object o) {
        return (Map<String, Object>) o;
    }

    @Test
    void fashionMnistForTrainAndTheAnalysisCommands() throws Exception {
        try {
            FashionMnist.locate();
        } catch (InputException e) {
            assumeTrue(false, "skipped: Fashion-MNIST is not installed (apt-get install " + FashionMnist.PACKAGE + "; CI installs it): " + e.getMessage());
        }
        Path log = dir.resolve("log.json");
        Cli.Result r = Cli.run("train", "--data", "fashion-mnist:n=600,test=200", "--model", "784-16-10", "--activation", "relu", "--loss", "cross_entropy",
                "--optimizer", "sgd", "--lr", "0.1", "--momentum", "0.9", "--batch-size", "50", "--epochs", "2", "--json", log.toString(), "-q");
        assertEquals(0, r.code(), r.toString());
        Map<String, Object> m = Cli.json(log);
        assertEquals(600.0, Cli.num(m, "N"));
        assertEquals(200.0, Cli.num(epochs(m).get(1), "test_samples"), "the shipped test split is the held-out set");
        assertTrue(Cli.num(m, "test_accuracy") > 0.4, "learns something in 24 steps (chance: 0.1): " + Cli.num(m, "test_accuracy"));
        assertTrue(String.valueOf(((Map<?, ?>) m.get("training")).get("held_out")).contains("test split"));
        // --holdout takes precedence over the shipped split.
        Path log2 = dir.resolve("log2.json");
        assertEquals(0, Cli.run("train", "--data", "fashion-mnist:n=600", "--model", "784-8-10", "--loss", "cross_entropy", "--epochs", "1",
                "--holdout", "0.5", "--json", log2.toString(), "-q").code());
        assertEquals(300.0, Cli.num(epochs(Cli.json(log2)).get(0), "test_samples"));
        // The analysis commands read the training split (first N) and never the test split.
        Path s = dir.resolve("trace.json");
        Cli.Result t = Cli.run("trace", "--data", "fashion-mnist:n=64", "--model", "784-4-10", "--loss", "cross_entropy", "--probes", "6",
                "--json", s.toString(), "-q");
        assertEquals(0, t.code(), t.toString());
        assertEquals(64.0, Cli.num(Cli.json(s), "N"));
        assertTrue(String.valueOf(((Map<?, ?>) Cli.json(s).get("problem")).get("data")).contains("fashion-mnist"));
        Cli.Result bad = Cli.run("trace", "--data", "fashion-mnist:n=64", "--model", "100-4-10", "--loss", "cross_entropy", "-q");
        assertEquals(2, bad.code());
        assertTrue(bad.err().contains("images have 784 pixels (28×28), the model 100-4-10"), bad.err());
        Cli.Result mse = Cli.run("trace", "--data", "fashion-mnist:n=64", "--model", "784-4-10", "--loss", "mse", "-q");
        assertEquals(2, mse.code());
        assertTrue(mse.err().contains("has class labels: use --loss cross_entropy"), mse.err());
    }

    static String[] concat(String[] a, String... b) {
        String[] c = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }

    /** Every number of two logs' epoch entries (and the starts), timings aside, bit for bit. */
    @SuppressWarnings("unchecked")
    static void assertSameLog(Map<String, Object> a, Map<String, Object> b) {
        List<Map<String, Object>> ea = epochs(a), eb = epochs(b);
        assertEquals(ea.size(), eb.size());
        List<Map<String, Object>> all = new ArrayList<>(ea), other = new ArrayList<>(eb);
        all.add((Map<String, Object>) a.get("initial"));
        other.add((Map<String, Object>) b.get("initial"));
        for (int i = 0; i < all.size(); i++) {
            Map<String, Object> x = all.get(i), y = other.get(i);
            assertEquals(x.keySet(), y.keySet());
            for (String k : x.keySet()) {
                if (k.equals("seconds") || k.equals("eval_seconds")) continue;
                if (k.equals("curvature") && x.get(k) instanceof Map<?, ?> cx) {
                    Map<String, Object> cy = (Map<String, Object>) y.get(k);
                    for (Object ck : cx.keySet()) {
                        if (!ck.equals("seconds")) assertEquals(cx.get(ck), cy.get(ck), "epoch " + x.get("epoch") + " curvature." + ck);
                    }
                    continue;
                }
                assertEquals(x.get(k), y.get(k), "epoch " + x.get("epoch") + " " + k);
            }
        }
        assertEquals(a.get("test_accuracy"), b.get("test_accuracy"));
    }

    /**
     * TrainCommand.NOT_HASHED restates what Trainer.configHash leaves out, and comparedOptions (the
     * options a --resume refusal names) follows from it: each compared option, changed alone, changes
     * the hash, and each NOT_HASHED option, and --epochs under a schedule that does not depend on the
     * run's length, does not. A variant for every compared option is required, so an option added to
     * train (or to the hash) fails here until it is classified: the two lists cannot drift.
     */
    @Test
    void theConfigHashComparesExactlyTheComparedOptions() throws Exception {
        Path x = dir.resolve("x.npy"), x2 = dir.resolve("x2.npy"), y = dir.resolve("y.npy"), y2 = dir.resolve("y2.npy");
        double[] xs = new double[40 * 5], ys = new double[40], ys2 = new double[40];
        for (int i = 0; i < xs.length; i++) xs[i] = Math.sin(i);
        for (int i = 0; i < ys.length; i++) {
            ys[i] = i % 3;
            ys2[i] = (i + 1) % 3;
        }
        Npy.write(x, xs, 40, 5);
        Npy.write(x2, Arrays.stream(xs).map(v -> -v).toArray(), 40, 5);
        Npy.write(y, ys, 40);
        Npy.write(y2, ys2, 40);
        Path csv = dir.resolve("d.csv");
        StringBuilder rows = new StringBuilder("a,b,c,d,e,t,u\n");
        for (int i = 0; i < 40; i++) {
            for (int j = 0; j < 5; j++) rows.append(xs[i * 5 + j]).append(',');
            rows.append(i % 3).append(',').append((i + 1) % 3).append('\n');
        }
        Files.writeString(csv, rows);
        String[] adam = {"--optimizer", "adam"}, curv = {"--curvature-every", "1", "--curvature-samples", "32", "--curvature-probes", "2"};
        String[] holdout = {"--holdout", "0.25"}, test = {"--test-inputs", x.toString(), "--test-targets", y.toString()};
        String[] files = {"--data", null, "--data-seed", null, "--inputs", x.toString(), "--targets", y.toString()};
        String[] table = {"--data", null, "--data-seed", null, "--inputs", csv.toString(), "--model", "6-12-3"};   // 6 features beside the target
        record Change(String[] base, String[] change) {}
        Map<String, Change> compared = new java.util.TreeMap<>();
        compared.put("optimizer", new Change(new String[0], adam));
        compared.put("lr", new Change(new String[0], new String[] {"--lr", "0.01"}));
        compared.put("momentum", new Change(new String[0], new String[] {"--momentum", "0.5"}));
        compared.put("nesterov", new Change(new String[] {"--momentum", "0.5"}, new String[] {"--nesterov"}));
        compared.put("weight-decay", new Change(new String[0], new String[] {"--weight-decay", "0.01"}));
        compared.put("betas", new Change(adam, new String[] {"--betas", "0.8,0.99"}));
        compared.put("eps", new Change(adam, new String[] {"--eps", "1e-6"}));
        compared.put("schedule", new Change(new String[0], new String[] {"--schedule", "step:1:0.5"}));
        compared.put("batch-size", new Change(new String[0], new String[] {"--batch-size", "16"}));
        compared.put("test-inputs", new Change(test, new String[] {"--test-inputs", x2.toString()}));
        compared.put("test-targets", new Change(test, new String[] {"--test-targets", y2.toString()}));
        compared.put("holdout", new Change(new String[0], holdout));
        compared.put("holdout-seed", new Change(holdout, new String[] {"--holdout-seed", "9"}));
        compared.put("curvature-every", new Change(new String[0], new String[] {"--curvature-every", "1"}));
        compared.put("curvature-samples", new Change(curv, new String[] {"--curvature-samples", "16"}));
        compared.put("curvature-probes", new Change(curv, new String[] {"--curvature-probes", "3"}));
        compared.put("curvature-seed", new Change(curv, new String[] {"--curvature-seed", "9"}));
        compared.put("min-chunk-rows", new Change(new String[0], new String[] {"--min-chunk-rows", "8"}));
        compared.put("penalty", new Change(new String[0], new String[] {"--penalty", "gradient_norm:0.01"}));
        compared.put("model", new Change(new String[0], new String[] {"--model", "5-8-3"}));
        compared.put("activation", new Change(new String[0], new String[] {"--activation", "relu"}));
        compared.put("loss", new Change(new String[0], new String[] {"--loss", "mse"}));
        compared.put("no-bias", new Change(new String[0], new String[] {"--no-bias", "1"}));
        compared.put("seed", new Change(new String[0], new String[] {"--seed", "6"}));
        compared.put("data", new Change(new String[0], new String[] {"--data", "gaussian:n=200"}));
        compared.put("data-seed", new Change(new String[0], new String[] {"--data-seed", "3"}));
        compared.put("inputs", new Change(files, new String[] {"--inputs", x2.toString()}));
        compared.put("targets", new Change(files, new String[] {"--targets", y2.toString()}));
        compared.put("target-column", new Change(table, new String[] {"--target-column", "t"}));
        compared.put("samples", new Change(new String[0], new String[] {"--samples", "200"}));
        compared.put("subsample", new Change(new String[0], new String[] {"--subsample", "200"}));
        compared.put("subsample-seed", new Change(new String[] {"--subsample", "200"}, new String[] {"--subsample-seed", "4"}));
        compared.put("reg", new Change(new String[0], new String[] {"--reg", "l2:0.01"}));
        compared.put("chunk-rows", new Change(new String[0], new String[] {"--chunk-rows", "16"}));
        compared.put("epochs", new Change(new String[] {"--schedule", "cosine"}, new String[] {"--epochs", "2"}));
        Path theta = dir.resolve("theta.npy");
        assertEquals(0, Cli.run(args(PROBLEM, "--epochs", "1", "--save", theta.toString())).code());
        Map<String, Change> notHashed = new java.util.TreeMap<>();
        notHashed.put("threads", new Change(new String[0], new String[] {"--threads", "2"}));
        notHashed.put("init", new Change(new String[0], new String[] {"--init", "gaussian:0.5"}));
        notHashed.put("weights", new Change(new String[0], new String[] {"--init", null, "--weights", theta.toString()}));

        picocli.CommandLine.Model.CommandSpec spec = new picocli.CommandLine(new Main()).getSubcommands().get("train").getCommandSpec();
        java.util.Set<String> lengthDependent = TrainCommand.comparedOptions(spec, true);
        assertEquals(lengthDependent, compared.keySet(), "a variant for every option the hash compares (and only those)");
        assertEquals(TrainCommand.NOT_HASHED, notHashed.keySet());
        assertFalse(TrainCommand.comparedOptions(spec, false).contains("epochs"));
        int[] n = {0};
        java.util.function.Function<String[], String> hash = extra -> {
            List<String> a = new ArrayList<>(Arrays.asList(args(PROBLEM, "--epochs", "1")));
            for (int i = 0; i < extra.length; i += 2) {   // an option given again replaces its value; a null value drops it
                if (extra[i].equals("--nesterov")) {
                    a.add(extra[i--]);
                    continue;
                }
                int at = a.indexOf(extra[i]);
                if (at >= 0) {
                    a.remove(at + 1);
                    a.remove(at);
                }
                if (extra[i + 1] != null) a.addAll(List.of(extra[i], extra[i + 1]));
            }
            Path json = dir.resolve("h" + n[0]++ + ".json");
            a.addAll(List.of("--json", json.toString()));
            Cli.Result r = Cli.run(a.toArray(new String[0]));
            assertEquals(0, r.code(), a + ": " + r);
            String h = (String) ((Map<?, ?>) Cli.json(json).get("training")).get("config_hash");
            assertNotNull(h, json.toString());
            return h;
        };
        for (var e : compared.entrySet()) {
            String[] both = Stream.concat(Arrays.stream(e.getValue().base()), Arrays.stream(e.getValue().change())).toArray(String[]::new);
            assertNotEquals(hash.apply(e.getValue().base()), hash.apply(both), "--" + e.getKey() + " is compared, so it changes the hash");
        }
        for (var e : notHashed.entrySet()) {
            assertEquals(hash.apply(new String[0]), hash.apply(e.getValue().change()), "--" + e.getKey() + " is NOT_HASHED");
        }
        assertEquals(hash.apply(new String[0]), hash.apply(new String[] {"--epochs", "3"}), "a constant schedule: --epochs is not compared");
    }
}
