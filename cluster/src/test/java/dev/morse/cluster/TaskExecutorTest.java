package dev.morse.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
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
}
