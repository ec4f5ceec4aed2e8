package dev.morse.linalg;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * Morse's per-user cache folder, shared by every JVM of the user: the extracted native libraries
 * ({@code native/}) and the measured dgemm ceilings ({@code ceiling/}).
 *
 * <p>The root is {@code -D}{@value #PROPERTY} when set, else {@code $XDG_CACHE_HOME/morse} when
 * {@code XDG_CACHE_HOME} is an absolute path, else {@code ~/.cache/morse}. Everything written
 * there is written atomically (a temporary file or folder in the same parent, then a rename), so a
 * concurrent JVM sees either nothing or a complete entry.
 */
final class MorseCache {

    /** System property overriding the cache root. */
    static final String PROPERTY = "morse.cache.dir";

    private MorseCache() {
    }

    /** The cache root (not created here). */
    static Path root() {
        String p = System.getProperty(PROPERTY);
        if (p != null && !p.isBlank()) {
            return Path.of(p.trim()).toAbsolutePath();
        }
        String xdg = System.getenv("XDG_CACHE_HOME");
        if (xdg != null && !xdg.isBlank() && Path.of(xdg).isAbsolute()) {
            return Path.of(xdg, "morse");
        }
        return Path.of(System.getProperty("user.home", "."), ".cache", "morse").toAbsolutePath();
    }

    /** Where the root came from, for reports. */
    static String rootSource() {
        String p = System.getProperty(PROPERTY);
        if (p != null && !p.isBlank()) {
            return "-D" + PROPERTY;
        }
        String xdg = System.getenv("XDG_CACHE_HOME");
        if (xdg != null && !xdg.isBlank() && Path.of(xdg).isAbsolute()) {
            return "$XDG_CACHE_HOME/morse";
        }
        return "~/.cache/morse";
    }

    /** The fallback root when {@link #root()} is unwritable: {@code $java.io.tmpdir/morse-$USER}. */
    static Path tempRoot() {
        String user = System.getProperty("user.name", "user").replaceAll("[^A-Za-z0-9._-]", "_");
        return Path.of(System.getProperty("java.io.tmpdir", "/tmp"), "morse-" + user).toAbsolutePath();
    }

    /** Writes bytes to file atomically (temporary sibling, then rename over the target). */
    static void writeAtomically(Path file, byte[] bytes) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, "." + file.getFileName() + ".", ".tmp");
        try {
            Files.write(tmp, bytes);
            try {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** Deletes a file or folder tree; missing entries are not an error. */
    static void deleteRecursively(Path p) throws IOException {
        if (!Files.exists(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        Files.walkFileTree(p, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                delete(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
                if (e != null) {
                    throw e;
                }
                delete(d);
                return FileVisitResult.CONTINUE;
            }
        });
    }

    private static void delete(Path p) throws IOException {
        try {
            Files.delete(p);
        } catch (NoSuchFileException e) {
            // removed concurrently: fine
        }
    }
}
