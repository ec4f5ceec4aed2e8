package dev.morse.io;

import java.io.IOException;
import java.io.Serializable;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Forcing to disk for atomic writes (write a temporary, force it, rename it into place, force the
 * folder), one policy for every writer that renames: training checkpoints ({@code morse train})
 * and the commits of sweep tasks ({@code morse-cluster}).
 *
 * <p>A file's force is the durability of its bytes: its errors are errors ({@link #file}). A
 * folder's force is the durability of its entries (files created in it, renames into it) across a
 * crash of the machine, and some platforms and file systems refuse it: opening a folder as a
 * channel fails on Windows, and fsync of a folder fails with EINVAL on some network and FUSE file
 * systems (and on /proc). What was written is there all the same, only not promised to outlive
 * such a crash, so a refusal is no reason to fail the write or to lose it: {@link #folder} returns
 * it as a warning for the writer to show once, through its own messages, saying what a crash may
 * cost there. Which files a writer forced is the writer's to say (a checkpoint forces all of its
 * files, a sweep task only its result.json), not this warning's.
 */
public final class FileSync {
    private FileSync() {}

    /**
     * How a folder's entries are forced to disk: {@link #PLATFORM}, or in tests one that refuses
     * as some file systems do. Serializable: sweep executors get theirs with the job.
     */
    @FunctionalInterface
    public interface FolderForce extends Serializable {
        void force(Path dir) throws IOException;
    }

    /** The platform's: opens the folder to read and fsyncs it (Linux and macOS allow that). */
    public static final FolderForce PLATFORM = dir -> {
        try (FileChannel c = FileChannel.open(dir, StandardOpenOption.READ)) {
            c.force(true);
        }
    };

    /** Forces a file's bytes and metadata to disk; every error is thrown. */
    public static void file(Path f) throws IOException {
        try (FileChannel c = FileChannel.open(f, StandardOpenOption.WRITE)) {
            c.force(true);
        }
    }

    /**
     * Forces the entries of {@code dir} (the renames in it) to disk with {@code how}: null when
     * done, else a warning that names the folder and why the file system refused. An interrupt is
     * thrown ({@link ClosedByInterruptException}): it stops the writer, and is no answer of the
     * file system.
     */
    public static String folder(Path dir, FolderForce how) throws ClosedByInterruptException {
        try {
            how.force(dir);
            return null;
        } catch (ClosedByInterruptException e) {
            throw e;
        } catch (IOException | UnsupportedOperationException e) {
            String why = e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage().strip());
            return "the file system refused to force the entries of the folder " + dir + " to disk (" + why + "), so it does"
                    + " not guarantee that the files created or renamed into it survive a crash of the machine";
        }
    }
}
