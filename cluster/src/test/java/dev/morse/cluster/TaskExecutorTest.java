package dev.morse.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.morse.io.FileSync;
import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The executor's commit without Spark: two attempts of one task, one result. */
class TaskExecutorTest {
    @TempDir Path tmp;

    private Path attempt(String name, String result) throws Exception {
        Path a = Files.createDirectories(tmp.resolve("tasks").resolve(name));
        Files.writeString(a.resolve(TaskExecutor.RESULT), result);
        return a;
    }

    /**
     * The second commit of a task renames onto a non-empty folder: ENOTEMPTY on Linux, which Java
     * throws as a plain FileSystemException. That is a lost race, not an error.
     */
    @Test
    void theSecondCommitOfATaskLosesTheRace() throws Exception {
        Path done = tmp.resolve("tasks").resolve("t1");
        Path first = attempt("t1.tmp-1-a", "{\"attempt\": 1}");
        Path second = attempt("t1.tmp-2-b", "{\"attempt\": 2}");
        assertTrue(TaskExecutor.commit(first, done));
        assertFalse(TaskExecutor.commit(second, done), "the committed result stays; this attempt lost");
        assertEquals("{\"attempt\": 1}", Files.readString(done.resolve(TaskExecutor.RESULT)), "never replaced");
        assertTrue(Files.exists(second.resolve(TaskExecutor.RESULT)), "the loser's folder is left to its caller to delete");
    }

    /** A folder in the way that holds no committed result is not a race: the error stands. */
    @Test
    void aFolderWithoutAResultInTheWayIsAnError() throws Exception {
        Path done = Files.createDirectories(tmp.resolve("tasks").resolve("t2"));
        Files.writeString(done.resolve("stray.txt"), "not a result\n");
        Path attempt = attempt("t2.tmp-1-a", "{}");
        assertThrows(FileSystemException.class, () -> TaskExecutor.commit(attempt, done));
        assertTrue(Files.exists(attempt.resolve(TaskExecutor.RESULT)));
    }

    /**
     * A task folder without result.json (left by a tool, a partial copy) is not a commit: the task
     * runs and commits instead of counting as a lost race forever. An empty one is replaced by the
     * rename; one with files in it is an error that says the next run retires it.
     */
    @Test
    void aTaskFolderWithoutAResultIsNotACommittedTask() throws Exception {
        SweepTask task = SweepSpec.parse(FakeSteps.spec("fake", "{}", 1)).tasks("v").get(0);
        Path done = Files.createDirectories(tmp.resolve(SweepDir.TASKS).resolve(task.id()));
        TaskExecutor ex = new TaskExecutor(tmp, new FakeSteps(), "v");
        assertEquals(TaskExecutor.Kind.DONE, ex.runTask(task).kind());
        assertTrue(Files.exists(done.resolve(TaskExecutor.RESULT)));
        assertEquals(TaskExecutor.Kind.ALREADY_COMMITTED, ex.runTask(task).kind());

        SweepTask other = SweepSpec.parse(FakeSteps.spec("fake", "{}", 1)).tasks("v").get(1);
        Path stray = Files.createDirectories(tmp.resolve(SweepDir.TASKS).resolve(other.id()));
        Files.writeString(stray.resolve("fit.log"), "a partial copy\n");
        FileSystemException e = assertThrows(FileSystemException.class, () -> ex.runTask(other));
        assertTrue(e.getMessage().contains("holds no result.json") && e.getMessage().contains("retired/"), e.getMessage());
        try (var s = Files.list(tmp.resolve(SweepDir.TASKS))) {
            assertEquals(2, s.count(), "the attempt's own folder is removed");
        }
    }

    /**
     * A result.json that is there but unreadable (truncated by a crash, emptied, edited) is damage,
     * not an exception: one such file used to stop every run, status and report of the sweep.
     */
    @Test
    void anUnreadableResultIsDamagedNotAnError() throws Exception {
        Path ok = attempt("good", "{\"task_id\": \"good\", \"status\": \"done\"}");
        attempt("truncated", "{\"task_id\": \"truncated\", \"sta");
        attempt("empty", "");
        attempt("null", "null");
        Files.write(Files.createDirectories(tmp.resolve("tasks").resolve("binary")).resolve(TaskExecutor.RESULT),
                new byte[] {(byte) 0xff, (byte) 0xfe, 0});
        assertEquals("done", SweepDir.result(tmp, "good").orElseThrow().get("status"));
        assertTrue(Files.exists(ok));
        for (String id : new String[] {"truncated", "empty", "null", "binary"}) {
            assertTrue(SweepDir.result(tmp, id).isEmpty(), id);
            SweepDir.Stored s = SweepDir.stored(tmp, id);
            assertNull(s.row(), id);
            assertTrue(s.damage() != null && s.damage().contains(id + "/" + TaskExecutor.RESULT), id + ": " + s.damage());
        }
        SweepDir.Stored none = SweepDir.stored(tmp, "never-ran");
        assertNull(none.row());
        assertNull(none.damage(), "no result is not damage");
    }

    /**
     * A file system that refuses to force folders (Windows cannot open one as a channel; fsync of a
     * folder is EINVAL on some network and FUSE file systems): the task still commits, once, and
     * its outcome carries the warning, which the driver prints once for the job.
     */
    @Test
    void aFileSystemThatRefusesToForceFoldersStillCommitsAndSaysSo() throws Exception {
        List<Path> asked = new ArrayList<>();
        FileSync.FolderForce refuses = d -> {
            asked.add(d);
            throw new IOException("Invalid argument");
        };
        List<SweepTask> tasks = SweepSpec.parse(FakeSteps.spec("fake", "{}", 1)).tasks("v");
        TaskExecutor ex = new TaskExecutor(tmp, new FakeSteps(), "v", refuses);
        List<TaskExecutor.Outcome> outcomes = new ArrayList<>();
        for (SweepTask t : tasks.subList(0, 2)) {
            TaskExecutor.Outcome o = ex.runTask(t);
            outcomes.add(o);
            assertEquals(TaskExecutor.Kind.DONE, o.kind());
            assertEquals("done", SweepDir.result(tmp, t.id()).orElseThrow().get("status"), "committed");
            assertTrue(o.syncWarning().contains("Invalid argument") && o.syncWarning().contains("refused to force"), o.syncWarning());
        }
        assertTrue(asked.contains(tmp.resolve(SweepDir.TASKS)), "the rename's folder was to be forced: " + asked);
        assertEquals(TaskExecutor.Kind.ALREADY_COMMITTED, ex.runTask(tasks.get(0)).kind());

        outcomes.add(new TaskExecutor.Outcome("other", TaskExecutor.Kind.DONE));
        String line = TaskExecutor.syncWarning(outcomes);
        assertTrue(line.startsWith(outcomes.get(0).syncWarning()) && line.contains("in 2 task(s) of this run: their result.json was forced, but"), line);
        assertNull(TaskExecutor.syncWarning(List.of(new TaskExecutor.Outcome("t", TaskExecutor.Kind.DONE))));
        assertNull(new TaskExecutor(tmp, new FakeSteps(), "v").runTask(tasks.get(2)).syncWarning(), "this file system forces folders");
    }
}
