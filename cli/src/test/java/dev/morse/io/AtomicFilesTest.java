package dev.morse.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Atomic writes in their two modes, with and without hard links: never a file replaced that should not be. */
class AtomicFilesTest {
    @TempDir Path tmp;

    /** A file system without hard links, as Java reports it: the provider's way, and link(2)'s EPERM (FAT). */
    private static final List<AtomicFiles.Linker> NO_LINKS = List.of(
            (link, existing) -> { throw new UnsupportedOperationException(); },
            (link, existing) -> { throw new FileSystemException(link.toString(), existing.toString(), "Operation not permitted"); });

    private Path part(String text) throws IOException {
        return Files.writeString(tmp.resolve(".out.txt" + AtomicFiles.PART + "test"), text);
    }

    private List<String> names() throws IOException {
        try (Stream<Path> s = Files.list(tmp)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void replaceAndNeverReplace() throws Exception {
        Path f = tmp.resolve("out.txt");
        AtomicFiles.write(f, "one", false);
        assertEquals("one", Files.readString(f));
        FileAlreadyExistsException e = assertThrows(FileAlreadyExistsException.class, () -> AtomicFiles.write(f, "two", false));
        assertEquals(f.toAbsolutePath().toString(), e.getFile());
        assertEquals("one", Files.readString(f));
        AtomicFiles.write(f, "three", true);
        assertEquals("three", Files.readString(f));
        assertEquals(List.of("out.txt"), names(), "no part file left");
    }

    /** A file that appears while the part file is written is refused at the link, however late it came. */
    @Test
    void aFileThatAppearedMeanwhileIsNeverReplaced() throws Exception {
        Path f = tmp.resolve("out.txt");
        Path part = part("ours");
        AtomicFiles.Linker lateComer = (link, existing) -> {
            Files.writeString(link, "theirs");   // another program, just before our link
            AtomicFiles.LINKS.link(link, existing);
        };
        assertThrows(FileAlreadyExistsException.class, () -> AtomicFiles.place(part, f, false, lateComer));
        assertEquals("theirs", Files.readString(f));
        assertEquals("ours", Files.readString(part), "the part file stays the caller's to remove");
    }

    /**
     * Without hard links the name is checked before the rename: a file there is refused, and the
     * reason says why (Json.writeAtomically renamed over it: on POSIX a rename replaces).
     */
    @Test
    void withoutHardLinksAnExistingFileIsRefusedNotRenamedOver() throws Exception {
        for (AtomicFiles.Linker none : NO_LINKS) {
            Path f = Files.writeString(tmp.resolve("out.txt"), "theirs");
            Path part = part("ours");
            FileAlreadyExistsException e = assertThrows(FileAlreadyExistsException.class, () -> AtomicFiles.place(part, f, false, none));
            assertTrue(e.getReason().contains("no hard links"), e.getReason());
            assertEquals("theirs", Files.readString(f));
            Files.delete(part);
            Files.delete(f);
        }
    }

    @Test
    void withoutHardLinksAFreeNameIsTakenByARename() throws Exception {
        for (AtomicFiles.Linker none : NO_LINKS) {
            Path f = tmp.resolve("out.txt");
            Path part = part("ours");
            AtomicFiles.place(part, f, false, none);
            assertEquals("ours", Files.readString(f));
            assertFalse(Files.exists(part));
            Files.delete(f);
        }
    }

    /** Errors that are answers (no such part file, permission denied) are not taken for a file system without links. */
    @Test
    void aMissingPartFileIsAnError() {
        Path f = tmp.resolve("out.txt");
        assertThrows(java.nio.file.NoSuchFileException.class, () -> AtomicFiles.place(tmp.resolve("gone"), f, false));
        assertFalse(Files.exists(f));
    }
}
