package dev.morse.io;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.UUID;

/**
 * Atomic file writes, one policy for every writer of whole files above the engine (the CLI's
 * outputs, training checkpoints' {@code latest} and {@code config.json}, the sweeps' and
 * experiments' files and plots; the native layer, below, keeps its own small writer for its cache
 * of measured dgemm ceilings, a file it can always measure again): the
 * bytes go to a hidden part file beside the target, are forced to disk, and the part file then
 * takes the target's name in one step ({@link #place}), so a reader finds the old file or the whole
 * new one, never a half-written one. Two modes:
 *
 * <ul>
 *   <li><b>replace</b>: a rename, which replaces a file of that name (rename(2)).</li>
 *   <li><b>never replace</b>: a hard link under the target's name, which fails
 *       ({@link FileAlreadyExistsException}) when a file has that name, even one that appeared a
 *       moment ago, and then the part file's name is removed. A file system without hard links
 *       (FAT, some network and FUSE mounts) gets a rename after checking that the name is free: a
 *       file there is refused the same way, with a reason that says the check was all there was.
 *       Not a plain rename: on POSIX that silently replaces a file that appeared meanwhile. Only one
 *       appearing between the check and the rename (microseconds) could still be replaced; Java has
 *       no rename that refuses (renameat2's RENAME_NOREPLACE).</li>
 * </ul>
 */
public final class AtomicFiles {
    private AtomicFiles() {}

    /**
     * A short reason for an I/O failure, for a one-line message: "No space left on device",
     * "Read-only file system", "permission denied", … (the CLI's and the cluster module's, alike).
     */
    public static String reason(IOException e) {
        if (e instanceof AccessDeniedException) return "permission denied";
        if (e instanceof NoSuchFileException) return "no such file or folder";
        if (e instanceof FileSystemException fs && fs.getReason() != null) return fs.getReason();
        String m = e.getMessage();
        return m == null ? e.getClass().getSimpleName() : m;
    }

    /** Suffix of the part files of {@link #write} (a random tail follows): hidden, beside the target. */
    public static final String PART = ".morse-part-";

    /** How a hard link is made: {@link Files#createLink}, or in tests a file system without links. */
    @FunctionalInterface
    interface Linker {
        void link(Path link, Path existing) throws IOException;
    }

    static final Linker LINKS = Files::createLink;

    /** {@link #write(Path, byte[], boolean)} of {@code text} in UTF-8. */
    public static void write(Path file, String text, boolean replace) throws IOException {
        write(file, text.getBytes(StandardCharsets.UTF_8), replace);
    }

    /**
     * Writes {@code bytes} to {@code file} atomically: to a hidden part file beside it, forced to
     * disk, then into place ({@link #place}). No part file is left behind, whatever happens.
     *
     * @throws FileAlreadyExistsException when not {@code replace} and {@code file} exists (or
     *                                    appeared while writing)
     */
    public static void write(Path file, byte[] bytes, boolean replace) throws IOException {
        write(file, "", part -> Files.write(part, bytes), replace);
    }

    /** Fills a part file (a library that writes to a file name, such as a chart encoder). */
    @FunctionalInterface
    public interface PartWriter {
        void write(Path part) throws IOException;
    }

    /**
     * As {@link #write(Path, byte[], boolean)}, the part file filled by {@code writer}; its name
     * ends in {@code suffix} (e.g. ".png", for writers that add an extension otherwise).
     */
    public static void write(Path file, String suffix, PartWriter writer, boolean replace) throws IOException {
        Path target = file.toAbsolutePath();
        Path part = target.resolveSibling("." + target.getFileName() + PART + UUID.randomUUID().toString().substring(0, 8) + suffix);
        try {
            writer.write(part);
            FileSync.file(part);
            place(part, target, replace);
        } finally {
            Files.deleteIfExists(part);
        }
    }

    /**
     * Gives the finished file {@code part} the name {@code target} (in the same file system) in one
     * step: with {@code replace} by a rename that replaces, without it never replacing (see the
     * class comment). The part file's name is gone after a success; after a refusal it is the
     * caller's to remove.
     *
     * @throws FileAlreadyExistsException when not {@code replace} and {@code target} exists
     */
    public static void place(Path part, Path target, boolean replace) throws IOException {
        place(part, target, replace, LINKS);
    }

    static void place(Path part, Path target, boolean replace, Linker links) throws IOException {
        if (replace) {
            Files.move(part, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            return;
        }
        try {
            links.link(target, part);   // atomic, and never replaces
        } catch (UnsupportedOperationException | FileSystemException e) {
            // A refusal, a missing part file or a folder we may not write in is an answer, not a missing feature.
            if (e instanceof FileAlreadyExistsException || e instanceof AccessDeniedException || e instanceof NoSuchFileException) throw e;
            // No hard links here (EPERM on FAT, ENOTSUP, or a provider without them): check, then rename.
            if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
                throw new FileAlreadyExistsException(target.toString(), null, "exists (this file system has no hard links, so the name "
                        + "was checked before a rename, and is taken)");
            }
            Files.move(part, target, StandardCopyOption.ATOMIC_MOVE);
            return;
        }
        Files.delete(part);
    }
}
