package dev.morse.io;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.channels.ClosedByInterruptException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A file system that refuses to force a folder gives a warning; errors on files stay errors. */
class FileSyncTest {
    @TempDir Path tmp;

    @Test
    void aFolderIsForcedOnThisFileSystem() throws Exception {
        assertNull(FileSync.folder(tmp, FileSync.PLATFORM));
        Path f = Files.writeString(tmp.resolve("f"), "x");
        FileSync.file(f);
    }

    /** Windows cannot open a folder as a channel; some file systems answer fsync of a folder with EINVAL. */
    @Test
    void aRefusalIsAWarningNamingTheFolderAndTheReason() throws Exception {
        String w = FileSync.folder(tmp, d -> { throw new AccessDeniedException(d.toString()); });
        assertTrue(w.contains(tmp.toString()) && w.contains("AccessDeniedException") && w.contains("refused"), w);
        w = FileSync.folder(tmp, d -> { throw new IOException("Invalid argument"); });
        assertTrue(w.contains("IOException: Invalid argument"), w);
        w = FileSync.folder(tmp, d -> { throw new UnsupportedOperationException(); });
        assertTrue(w.contains("UnsupportedOperationException"), w);
        // which files were forced is the caller's to say: a sweep forces only result.json, not its step
        // reports, logs or θ files, and the warning said "(the files themselves were forced)" for it too
        assertTrue(w.endsWith("does not guarantee that the files created or renamed into it survive a crash of the machine"), w);
        assertFalse(w.contains("forced)"), w);
    }

    /** A real one: Linux's /proc answers fsync of a folder with EINVAL. */
    @Test
    void procRefuses() throws Exception {
        assumeTrue(Files.isDirectory(Path.of("/proc/self")));
        String w = FileSync.folder(Path.of("/proc"), FileSync.PLATFORM);
        assertTrue(w != null && w.contains("/proc"), String.valueOf(w));
    }

    /** An interrupt stops the writer: no warning. A missing file is an error. */
    @Test
    void interruptsAndFileErrorsAreThrown() {
        assertThrows(ClosedByInterruptException.class, () -> FileSync.folder(tmp, d -> { throw new ClosedByInterruptException(); }));
        assertThrows(NoSuchFileException.class, () -> FileSync.file(tmp.resolve("missing")));
    }
}
