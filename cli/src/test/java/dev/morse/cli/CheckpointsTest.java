package dev.morse.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.morse.io.FileSync;
import dev.morse.training.EpochRecord;
import dev.morse.training.OptimizerState;
import dev.morse.training.TrainingState;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Checkpoints on a file system that refuses to force folders: written all the same, with a warning. */
class CheckpointsTest {
    @TempDir Path tmp;

    private static TrainingState state() {
        EpochRecord start = new EpochRecord(0, 0, Double.NaN, Double.NaN, Double.NaN, null, null, 0, 0);
        EpochRecord one = new EpochRecord(1, 3, 0.1, 0.5, 0.5, null, null, 0.01, 0);
        return new TrainingState("hash", 1, 3, new double[] {1, 2, 3}, new OptimizerState(3, Map.of("momentum_buffer", new double[] {4, 5, 6})),
                start, List.of(one));
    }

    @Test
    void aRefusedFolderForceKeepsTheCheckpointAndSaysSo() throws Exception {
        Path dir = tmp.resolve("ck");
        Checkpoints.Written w = Checkpoints.write(dir, state(), "sgd", "{}\n", Set.of(), d -> { throw new IOException("Invalid argument"); });
        assertEquals(dir.resolve("epoch-0001"), w.folder());
        assertTrue(w.syncWarning().contains("Invalid argument") && w.syncWarning().contains("folder " + dir + " to disk"), w.syncWarning());
        assertFalse(w.syncWarning().contains(".tmp"), "names DIR, not the hidden folder that the rename removed: " + w.syncWarning());
        assertEquals("epoch-0001", Files.readString(dir.resolve(Checkpoints.LATEST)).trim(), "latest names it");
        Checkpoints.Loaded back = Checkpoints.read(dir, 3, 0);
        assertArrayEquals(new double[] {1, 2, 3}, back.state().theta());
        assertEquals(1, back.state().epoch());

        assertNull(Checkpoints.write(tmp.resolve("ok"), state(), "sgd", "{}\n", Set.of(), FileSync.PLATFORM).syncWarning());
    }

    /**
     * The hidden folder's entries are forced before it is renamed to epoch-NNNN, and DIR's after:
     * only DIR was forced, so after a crash the rename (and then `latest`) could be on disk without
     * the folder's state.json. A refusal of the first force is the warning too.
     */
    @Test
    void theCheckpointsFolderIsForcedBeforeItsRename() throws Exception {
        Path dir = tmp.resolve("ck");
        List<String> forced = new ArrayList<>();
        Checkpoints.Written w = Checkpoints.write(dir, state(), "sgd", "{}\n", Set.of(), d -> {
            List<String> names = new ArrayList<>();
            try (var s = Files.list(d)) {
                s.forEach(f -> names.add(f.getFileName().toString()));
            }
            names.sort(null);
            forced.add((d.equals(dir) ? "DIR" : d.getParent().equals(dir) && d.getFileName().toString().startsWith(".epoch-0001.tmp") ? "hidden"
                    : d.toString()) + " " + names);
        });
        assertNull(w.syncWarning());
        assertEquals(List.of("hidden [optimizer-momentum_buffer.npy, state.json, theta.npy]", "DIR [config.json, epoch-0001]"), forced,
                "the hidden folder with its files, then DIR with the renamed folder (before latest)");

        Path other = tmp.resolve("other");
        w = Checkpoints.write(other, state(), "sgd", "{}\n", Set.of(), d -> {
            if (!d.equals(other)) throw new IOException("Invalid argument");
        });
        assertTrue(w.syncWarning() != null && w.syncWarning().contains(other.resolve(".epoch-0001.tmp").toString()), w.syncWarning());
        assertEquals(1, Checkpoints.read(other, 3, 0).state().epoch(), "written all the same");
    }
    /**
     * SIGTERM or Ctrl-C while a checkpoint is written: the JVM ends without the writer's finally,
     * and the hidden .epoch-NNNN.tmp-* folder stayed in DIR for good. The shutdown hook's work
     * ({@link Checkpoints.InFlight#close}), run here while the files are being forced, removes it,
     * and the rename that would follow is refused: no epoch-NNNN, no latest.
     */
    @Test
    void anInterruptDuringAWriteRemovesTheHiddenFolder() throws Exception {
        Path dir = tmp.resolve("ck");
        Checkpoints.InFlight inFlight = new Checkpoints.InFlight(false);
        java.io.InterruptedIOException e = org.junit.jupiter.api.Assertions.assertThrows(java.io.InterruptedIOException.class,
                () -> Checkpoints.write(dir, state(), "sgd", "{}\n", Set.of(), d -> {
                    if (!d.equals(dir)) inFlight.close();   // the signal comes while the hidden folder is forced
                }, inFlight));
        assertTrue(e.getMessage().contains("epoch-0001 not written"), e.getMessage());
        try (var s = Files.list(dir)) {
            assertEquals(List.of("config.json"), s.map(f -> f.getFileName().toString()).toList());
        }
        org.junit.jupiter.api.Assertions.assertThrows(java.io.InterruptedIOException.class,
                () -> Checkpoints.write(tmp.resolve("ck2"), state(), "sgd", "{}\n", Set.of(), FileSync.PLATFORM, inFlight), "none starts after it");
    }

    /**
     * What a SIGKILL leaves (a hidden .epoch-NNNN.tmp-PID-TIME folder) goes at the next run, and
     * only that: not a live process's, not one holding other files, not other names.
     */
    @Test
    void leftoversOfAKilledRunAreRemovedAndNothingElse() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("ck"));
        Process done = new ProcessBuilder("true").start();
        done.waitFor();
        long dead = done.pid(), live = ProcessHandle.current().parent().map(ProcessHandle::pid).orElse(1L);
        Path killed = Files.createDirectories(dir.resolve(".epoch-0003.tmp-" + dead + "-12345"));
        Files.writeString(killed.resolve("theta.npy"), "half");
        Path writing = Files.createDirectories(dir.resolve(".epoch-0003.tmp-" + live + "-12345"));
        Path mine = Files.createDirectories(dir.resolve(".epoch-0004.tmp-" + dead + "-1"));
        Files.writeString(mine.resolve("notes.txt"), "mine");
        Path other = Files.createDirectories(dir.resolve(".epoch-0004.tmp-x"));
        Files.writeString(dir.resolve(".epoch-0005.tmp-" + dead + "-1"), "a file, not a folder");
        // the process ids decide only where the file system has no locks
        assertEquals(List.of(killed), removeLeftovers(dir, Checkpoints.Others.BY_PID).removed());
        assertFalse(Files.exists(killed));
        for (Path kept : List.of(writing, mine, other, dir.resolve(".epoch-0005.tmp-" + dead + "-1"))) assertTrue(Files.exists(kept), kept + " kept");
        assertEquals(new Checkpoints.Cleanup(List.of(), List.of()), removeLeftovers(dir, Checkpoints.Others.BY_PID));
        assertEquals(new Checkpoints.Cleanup(List.of(), List.of()), new Checkpoints.RunLock(tmp.resolve("absent")).takeAndClean());
        assertFalse(Files.exists(tmp.resolve("absent")), "no folder made for the lock before a checkpoint");
    }

    private static Checkpoints.Cleanup removeLeftovers(Path dir, Checkpoints.Others others) throws IOException {
        return Checkpoints.removeLeftovers(dir, others, new Checkpoints.InFlight(false), f -> {
            try (java.util.stream.Stream<Path> s = Files.list(f)) {
                for (Path c : s.toList()) Files.delete(c);
            }
            Files.delete(f);
        });
    }

    /**
     * Liveness by DIR's lock, not by process id: a process id says nothing across PID namespaces
     * (containers sharing a volume: the same pid may be a live stranger) or hosts. While another
     * process holds DIR (a child JVM here), no hidden folder is removed, not even one whose
     * process id is dead; once it is gone, even one whose process id is live (this test's parent)
     * is a leftover, and this run's own folder being written stays.
     */
    /**
     * A lock file this run cannot open (another user's in a shared folder; here a folder of that
     * name) is no reason to end the run: nothing is removed (who else is live cannot be told), and
     * the hold before the first checkpoint goes on. It used to end the run after its first epoch,
     * exit 2. Two spellings of one folder (a link) share one hold in this JVM.
     */
    @Test
    void aLockFileThatCannotBeOpenedRemovesNothingAndEndsNothing() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("shared"));
        Files.createDirectories(dir.resolve(Checkpoints.LOCK));
        Path leftover = Files.createDirectories(dir.resolve(".epoch-0003.tmp-" + deadPid() + "-1"));
        try (Checkpoints.RunLock lock = new Checkpoints.RunLock(dir)) {
            assertEquals(new Checkpoints.Cleanup(List.of(), List.of()), lock.takeAndClean());
            assertTrue(lock.unopened() != null, "the reason is kept for the run's warning");
            lock.hold();
        }
        assertTrue(Files.exists(leftover), "nothing is removed where the lock cannot be read");
        // the command says so, and runs
        Cli.Result r = Cli.run(TrainCommandTest.args(TrainCommandTest.PROBLEM, "--epochs", "1", "--checkpoint-dir", dir.toString(), "--force"));
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.err().contains("morse train: warning: could not open " + dir.resolve(Checkpoints.LOCK)) && r.err().contains("would not be noticed"),
                r.err());
        Path real = Files.createDirectories(tmp.resolve("real"));
        Path link = Files.createSymbolicLink(tmp.resolve("link"), real);
        try (Checkpoints.RunLock a = new Checkpoints.RunLock(real); Checkpoints.RunLock b = new Checkpoints.RunLock(link)) {
            a.hold();
            b.hold();   // the same file: one channel (a second would throw OverlappingFileLockException)
        }
    }

    @Test
    void leftoversAreJudgedByTheRunLock() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("ck"));
        long dead = deadPid(), live = ProcessHandle.current().parent().map(ProcessHandle::pid).orElse(1L);
        Path killed = Files.createDirectories(dir.resolve(".epoch-0003.tmp-" + dead + "-1"));
        Path samePid = Files.createDirectories(dir.resolve(".epoch-0004.tmp-" + live + "-1"));
        Process holder = new ProcessBuilder(ProcessHandle.current().info().command().orElse("java"), "-cp", System.getProperty("java.class.path"),
                LockHolder.class.getName(), dir.toString()).redirectErrorStream(true).start();
        try {
            java.io.BufferedReader out = new java.io.BufferedReader(new java.io.InputStreamReader(holder.getInputStream()));
            String line;
            do line = out.readLine(); while (line != null && !line.equals("held"));   // past the JVM's own warnings
            assertEquals("held", line);
            try (Checkpoints.RunLock lock = new Checkpoints.RunLock(dir)) {
                assertEquals(new Checkpoints.Cleanup(List.of(), List.of()), lock.takeAndClean());
            }
            assertTrue(Files.exists(killed) && Files.exists(samePid), "another live run holds the folder");
        } finally {
            holder.getOutputStream().close();   // it ends
            holder.waitFor(1, java.util.concurrent.TimeUnit.MINUTES);
        }
        Checkpoints.InFlight inFlight = new Checkpoints.InFlight(false);
        Path mine = inFlight.create(dir, "epoch-0005");
        try (Checkpoints.RunLock lock = new Checkpoints.RunLock(dir)) {
            Checkpoints.Cleanup c = lock.takeAndClean(inFlight, f -> {
                try (java.util.stream.Stream<Path> s = Files.list(f)) {
                    for (Path x : s.toList()) Files.delete(x);
                }
                Files.delete(f);
            });
            assertEquals(List.of(killed, samePid), c.removed());
            assertTrue(Files.exists(mine), "this run's own, being written");
            assertTrue(Files.exists(dir.resolve(Checkpoints.LOCK)));
            // a later run in this JVM while this one holds the folder: live, nothing removed
            Path another = Files.createDirectories(dir.resolve(".epoch-0006.tmp-" + dead + "-1"));
            try (Checkpoints.RunLock second = new Checkpoints.RunLock(dir)) {
                assertEquals(List.of(), second.takeAndClean().removed());
            }
            assertTrue(Files.exists(another));
        }
    }

    /**
     * A second live run in the folder of one that is writing checkpoints there is refused before any
     * work (exit 2): both would write the same epoch-NNNN and replace each other's, and with --force
     * delete them. It used to go ahead.
     */
    @Test
    void aSecondLiveRunInTheFolderIsRefused() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("busy"));
        Process holder = new ProcessBuilder(ProcessHandle.current().info().command().orElse("java"), "-cp", System.getProperty("java.class.path"),
                LockHolder.class.getName(), dir.toString()).redirectErrorStream(true).start();
        try {
            java.io.BufferedReader out = new java.io.BufferedReader(new java.io.InputStreamReader(holder.getInputStream()));
            String line;
            do line = out.readLine(); while (line != null && !line.equals("held"));
            assertEquals("held", line);
            Cli.Result r = Cli.run(TrainCommandTest.args(TrainCommandTest.PROBLEM, "--epochs", "1", "--checkpoint-dir", dir.toString(), "--force"));
            assertEquals(2, r.code(), r.toString());
            assertTrue(r.err().contains("--checkpoint-dir: " + dir + ": another morse train run is writing checkpoints here now (it holds "
                    + Checkpoints.LOCK + "); wait for it to end, or give another folder"), r.err());
        } finally {
            holder.getOutputStream().close();
            holder.waitFor(1, java.util.concurrent.TimeUnit.MINUTES);
        }
        Cli.Result ok = Cli.run(TrainCommandTest.args(TrainCommandTest.PROBLEM, "--epochs", "1", "--checkpoint-dir", dir.toString(), "--force"));
        assertEquals(0, ok.code(), "once the other run has ended: " + ok);
    }

    /** Holds the run lock of the folder args[0] until its standard input closes (another live run, in another process). */
    public static final class LockHolder {
        public static void main(String[] args) throws Exception {
            try (Checkpoints.RunLock lock = new Checkpoints.RunLock(Path.of(args[0]))) {
                lock.hold();
                System.out.println("held");
                System.out.flush();
                while (System.in.read() >= 0) {
                    // until the parent closes it
                }
            }
        }
    }

    /**
     * System.nanoTime() may be negative: the hidden name was ".epoch-0003.tmp-PID--123", which the
     * leftover pattern's "-\d+" never matched, so a killed run's folder of that name stayed for good.
     * The time is now written unsigned, and names of the old form are still recognised.
     */
    @Test
    void hiddenNamesWithANegativeTimeAreRecognised() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("ck"));
        long dead = deadPid();
        String name = Checkpoints.tmpName("epoch-0003", dead, -123L);
        assertFalse(name.contains("--"), name);
        Path fresh = Files.createDirectories(dir.resolve(name));
        Path old = Files.createDirectories(dir.resolve(".epoch-0004.tmp-" + dead + "--123"));
        assertEquals(List.of(fresh, old).stream().sorted().toList(), removeLeftovers(dir, Checkpoints.Others.BY_PID).removed());
    }

    /**
     * A leftover that cannot be removed (someone's, in a folder this run may not change) stays and
     * is named with the reason; the others still go, and nothing is thrown: it used to end the run
     * with "unreadable" (exit 2).
     */
    @Test
    void aLeftoverThatCannotBeRemovedIsNamedNotThrown() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("ck"));
        long dead = deadPid();
        Path stuck = Files.createDirectories(dir.resolve(".epoch-0001.tmp-" + dead + "-1"));
        Path gone = Files.createDirectories(dir.resolve(".epoch-0002.tmp-" + dead + "-1"));
        Checkpoints.Cleanup c = Checkpoints.removeLeftovers(dir, Checkpoints.Others.NONE, new Checkpoints.InFlight(false), f -> {
            if (f.equals(stuck)) throw new java.nio.file.AccessDeniedException(f.toString());
            Files.delete(f);
        });
        assertEquals(List.of(gone), c.removed());
        assertEquals(List.of(stuck.getFileName() + " (permission denied)"), c.failed());
        assertTrue(Files.exists(stuck));
    }

    private static long deadPid() throws Exception {
        Process done = new ProcessBuilder("true").start();
        done.waitFor();
        return done.pid();
    }
}
