package dev.morse.linalg;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.SymbolLookup;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.AccessDeniedException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.zip.CRC32C;

/**
 * The OpenBLAS that Morse ships: {@value #ARTIFACT} from Maven Central, a resource jar holding
 * {@code libopenblas.so.0} (BLAS and LAPACK in one file, DYNAMIC_ARCH: it picks its kernels for
 * the CPU at load) and the Fortran runtime it links against ({@code libgfortran.so.5},
 * {@code libquadmath.so.0}, {@code libgcc_s.so.1}). Same version, same bits on every machine; no
 * system package needed.
 *
 * <p><b>Extraction.</b> The four files are copied once per user to
 * {@code <cache>/native/}{@link #FOLDER} (cache root: {@link MorseCache}), whose name carries the
 * version and a prefix of the library's SHA-256. A copy is written to a temporary sibling folder,
 * checked against the SHA-256 pinned here, then renamed into place, so a concurrent JVM (another
 * test fork, a Spark executor) sees the folder complete or not at all; writers also take a file
 * lock, so two of them never extract at once. Every later start checks sizes and CRC32C of the
 * cached files (≈ 10 ms for 41 MB); a damaged copy is moved aside and extracted again. When the
 * cache root is unwritable the files go to {@code $java.io.tmpdir/morse-$USER} (owner-only, full
 * SHA-256 check on every start).
 *
 * <p><b>Loading.</b> The runtime libraries are loaded first, each by its full path (the bundled
 * {@code libgfortran.so.5} has no RUNPATH, so its own dependencies would otherwise be searched in
 * the system folders only), then {@code libopenblas.so.0}. {@code libgcc_s.so.1}, part of every
 * Linux system and usually already in the process, is taken from the system when the dynamic
 * linker finds one, so that one process never holds two unwinders. A library of the same soname
 * that is already mapped is used as it is (the dynamic linker would bind to it anyway). netlib's
 * JNI wrappers then {@code dlopen} the very same path (see {@link NetlibLoader}), which returns the
 * handle already loaded: one OpenBLAS in the process, whose threads {@link OpenBlas} controls.
 *
 * <p>Updating the bundle: change {@code openblas.bundle.version} in the parent pom and the pinned
 * sizes and hashes below together ({@code BundledOpenBlasTest} fails with the new values when the
 * jar and the pins disagree).
 */
final class BundledOpenBlas {

    /** The OpenBLAS version inside the bundle. */
    static final String VERSION = "0.3.31";

    /** The Maven artifact the files come from. */
    static final String ARTIFACT = "org.bytedeco:openblas:0.3.31-1.5.13:linux-x86_64";

    /** Class-path folder of the files inside the artifact. */
    static final String RESOURCES = "org/bytedeco/openblas/linux-x86_64/";

    /** The library netlib loads: BLAS and LAPACK. */
    static final String LIBRARY = "libopenblas.so.0";

    /** A file of the bundle, pinned by size, SHA-256 (checked at extraction) and CRC32C (checked at every start). */
    record Pinned(String name, long size, String sha256, int crc32c) {
    }

    /** The files, in load order: dependencies first. */
    static final List<Pinned> FILES = List.of(
            new Pinned("libgcc_s.so.1", 125_488L,
                    "a93ec41b336a895a7f0d7b789d66f6fc816de1a5ad0da37e8cfc428d7e9f8dd4", 0x8666a952),
            new Pinned("libquadmath.so.0", 289_592L,
                    "67d3147512460e56dc805582ed5d32b66a7a199247ba5a27b7cb3054d2b2fef2", 0x6f9d1c65),
            new Pinned("libgfortran.so.5", 2_989_432L,
                    "3ec471016fbfea6ccda4736fbbf2d0098e6386d2c34fb7ae9b15d91fa1b38874", 0x096df7e7),
            new Pinned(LIBRARY, 37_539_016L,
                    "e3a80f7696735e6bcd374fbe6c91e42f83dc8bfb09c5b92a5f73d67c76b55ec1", 0x47854c2b));

    /** The cache folder's name: version, platform and a prefix of the library's SHA-256. */
    static final String FOLDER = "openblas-0.3.31-1.5.13-linux-x86_64-" + FILES.get(3).sha256().substring(0, 12);

    /** Serializes extraction within this JVM (file locks are per process). */
    private static final Object LOCK = new Object();

    private BundledOpenBlas() {
    }

    /** Null when the bundle runs here (Linux x86-64), else why not. */
    static String unsupportedPlatform() {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
        if (!os.contains("linux") || !(arch.equals("amd64") || arch.equals("x86_64"))) {
            return "no bundled OpenBLAS for " + System.getProperty("os.name") + "/" + System.getProperty("os.arch")
                    + " (the bundle is " + ARTIFACT + ")";
        }
        return null;
    }

    /** Whether the bundle's files are on the class path. */
    static boolean onClassPath() {
        return loader().getResource(RESOURCES + LIBRARY) != null;
    }

    /**
     * An extracted, verified bundle folder.
     *
     * @param dir the folder holding the four files
     * @param how how it got there, e.g. {@code "cached"} or {@code "extracted"}
     */
    record Extraction(Path dir, String how) {
        Path library() {
            return dir.resolve(LIBRARY);
        }
    }

    /**
     * The bundle folder under the user's cache root, extracting it when absent or damaged; under
     * the temporary root when the cache root is unwritable.
     *
     * @throws IOException with every location's reason when no location works
     */
    static Extraction ensure() throws IOException {
        List<String> failures = new ArrayList<>();
        Path root = MorseCache.root();
        try {
            return ensure(root, false);
        } catch (IOException | RuntimeException e) {
            failures.add(root + " (" + MorseCache.rootSource() + "): " + describe(e));
        }
        Path tmp = MorseCache.tempRoot();
        try {
            Path own = ownedTempRoot(tmp);
            Extraction x = ensure(own, true);
            return new Extraction(x.dir(), x.how() + " under the temporary folder (cache root unwritable: "
                    + failures.get(0) + ")");
        } catch (IOException | RuntimeException e) {
            failures.add(tmp + ": " + describe(e));
        }
        throw new IOException("could not extract the bundled OpenBLAS: " + String.join("; ", failures));
    }

    /**
     * The bundle folder under {@code root/native}, extracted when absent or damaged.
     *
     * @param root   the cache root
     * @param strict check full SHA-256 of a cached copy (not only sizes and CRC32C)
     */
    static Extraction ensure(Path root, boolean strict) throws IOException {
        Path parent = root.resolve("native");
        Path dir = parent.resolve(FOLDER);
        if (verify(dir, strict) == null) {
            return new Extraction(dir, "cached");
        }
        Files.createDirectories(parent);
        synchronized (LOCK) {
            try (FileChannel ch = FileChannel.open(parent.resolve("." + FOLDER + ".lock"),
                    StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
                FileLock lock = lock(ch);
                try {
                    return extractLocked(parent, dir, strict, lock != null);
                } finally {
                    if (lock != null) {
                        lock.release();
                    }
                }
            }
        }
    }

    private static Extraction extractLocked(Path parent, Path dir, boolean strict, boolean locked) throws IOException {
        String bad = verify(dir, strict);
        if (bad == null) {
            return new Extraction(dir, "cached (extracted by another process)");
        }
        String how = "extracted";
        if (Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
            // Damaged: move it aside atomically (a reader sees the old folder or none), then delete.
            Path aside = parent.resolve("." + FOLDER + ".damaged-" + Long.toHexString(System.nanoTime()));
            try {
                Files.move(dir, aside, StandardCopyOption.ATOMIC_MOVE);
                MorseCache.deleteRecursively(aside);
            } catch (NoSuchFileException e) {
                // moved by a writer that could not lock: fine
            }
            how = "extracted again (the cached copy was damaged: " + bad + ")";
        }
        if (locked) {
            deleteLeftovers(parent); // temporary folders of writers that died mid-extraction
        }
        Path tmp = Files.createTempDirectory(parent, "." + FOLDER + ".tmp-");
        try {
            for (Pinned f : FILES) {
                copyVerified(f, tmp.resolve(f.name()));
            }
            try {
                Files.move(tmp, dir, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                throw new IOException("cannot rename within " + parent + " atomically: " + e.getMessage(), e);
            } catch (IOException e) {
                // Another writer (on a file system without locks) was faster: Linux's rename onto its
                // non-empty folder fails with ENOTEMPTY, which Java reports as a plain
                // FileSystemException, not always as FileAlreadyExists/DirectoryNotEmpty. Its copy is
                // as good as ours if it verifies; otherwise the move's failure is the error.
                if (!Files.isDirectory(dir) || verify(dir, true) != null) throw e;
                how = "cached (extracted concurrently)";
            }
        } finally {
            MorseCache.deleteRecursively(tmp);
        }
        String after = verify(dir, true);
        if (after != null) {
            throw new IOException("extracted bundle in " + dir + " does not verify: " + after);
        }
        return new Extraction(dir, how);
    }

    /** An exclusive lock on ch, or null where the file system has none (then the atomic rename alone guards). */
    private static FileLock lock(FileChannel ch) {
        try {
            return ch.lock();
        } catch (IOException | OverlappingFileLockException | UnsupportedOperationException e) {
            return null;
        }
    }

    private static void deleteLeftovers(Path parent) {
        try (var entries = Files.list(parent)) {
            for (Path p : (Iterable<Path>) entries::iterator) {
                String n = p.getFileName().toString();
                if (n.startsWith("." + FOLDER + ".tmp-") || n.startsWith("." + FOLDER + ".damaged-")) {
                    try {
                        MorseCache.deleteRecursively(p);
                    } catch (IOException e) {
                        // best effort
                    }
                }
            }
        } catch (IOException e) {
            // best effort
        }
    }

    /** Copies one file from the class path, checking size and SHA-256 against the pins. */
    private static void copyVerified(Pinned f, Path target) throws IOException {
        MessageDigest sha = sha256();
        long size = 0;
        try (InputStream in = loader().getResourceAsStream(RESOURCES + f.name())) {
            if (in == null) {
                throw new IOException(ARTIFACT + " is not on the class path (no resource " + RESOURCES + f.name() + ")");
            }
            try (OutputStream out = Files.newOutputStream(target, StandardOpenOption.CREATE_NEW)) {
                byte[] buf = new byte[1 << 16];
                for (int r; (r = in.read(buf)) > 0; ) {
                    sha.update(buf, 0, r);
                    out.write(buf, 0, r);
                    size += r;
                }
            }
        }
        String got = HexFormat.of().formatHex(sha.digest());
        if (size != f.size() || !got.equals(f.sha256())) {
            throw new IOException("the class path's " + RESOURCES + f.name() + " is not the pinned file (size " + size
                    + ", SHA-256 " + got + "; pinned " + f.size() + ", " + f.sha256() + "): another version of "
                    + ARTIFACT + "?");
        }
        try {
            Files.setPosixFilePermissions(target, PosixFilePermissions.fromString("r-xr-xr-x"));
        } catch (UnsupportedOperationException e) {
            // not POSIX: leave as created
        }
    }

    /**
     * Null when dir holds every pinned file intact, else what is wrong ({@code "absent"} when the
     * folder does not exist).
     *
     * @param strict also check SHA-256 (else sizes and CRC32C)
     */
    static String verify(Path dir, boolean strict) {
        if (!Files.isDirectory(dir)) {
            return "absent";
        }
        for (Pinned f : FILES) {
            Path p = dir.resolve(f.name());
            try {
                if (!Files.isRegularFile(p)) {
                    return f.name() + " missing";
                }
                long size = Files.size(p);
                if (size != f.size()) {
                    return f.name() + " has " + size + " bytes, not " + f.size();
                }
                if (strict) {
                    String got = sha256(p);
                    if (!got.equals(f.sha256())) {
                        return f.name() + " SHA-256 " + got + " ≠ pinned " + f.sha256();
                    }
                } else {
                    int got = crc32c(p);
                    if (got != f.crc32c()) {
                        return f.name() + " CRC32C " + Integer.toHexString(got) + " ≠ pinned " + Integer.toHexString(f.crc32c());
                    }
                }
            } catch (IOException | RuntimeException e) {
                return f.name() + " unreadable: " + describe(e);
            }
        }
        return null;
    }

    /**
     * A folder under the temporary root that only this user can write: the shared
     * {@code morse-$USER} folder when it is ours, else a fresh one.
     */
    private static Path ownedTempRoot(Path tmp) throws IOException {
        try {
            Files.createDirectories(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        } catch (UnsupportedOperationException e) {
            Files.createDirectories(tmp);
        }
        String me = System.getProperty("user.name", "");
        try {
            if (Files.getOwner(tmp, LinkOption.NOFOLLOW_LINKS).getName().equals(me)
                    && !Files.isSymbolicLink(tmp)
                    && !Files.getPosixFilePermissions(tmp, LinkOption.NOFOLLOW_LINKS).contains(PosixFilePermission.GROUP_WRITE)
                    && !Files.getPosixFilePermissions(tmp, LinkOption.NOFOLLOW_LINKS).contains(PosixFilePermission.OTHERS_WRITE)) {
                return tmp;
            }
        } catch (UnsupportedOperationException e) {
            return tmp;
        }
        return Files.createTempDirectory("morse-");
    }

    // ------------------------------------------------------------------------------------------
    // Loading

    /**
     * The loaded bundle.
     *
     * @param library the loaded {@code libopenblas.so.0}
     * @param runtime where each runtime library came from, e.g. {@code "libgcc_s.so.1: system"}
     */
    record Loaded(Path library, List<String> runtime) {
    }

    /**
     * Loads the runtime libraries and then OpenBLAS from dir, through the FFM linker (a
     * {@code dlopen} that stays for the life of the process).
     *
     * @throws IllegalStateException with the dynamic linker's message when a file does not load
     */
    static Loaded load(Path dir) {
        List<String> runtime = new ArrayList<>();
        List<Path> mapped = mappedFiles();
        for (Pinned f : FILES) {
            if (f.name().equals(LIBRARY)) {
                continue;
            }
            Path already = mappedWithSoname(mapped, f.name());
            if (already != null) {
                runtime.add(f.name() + ": already in the process (" + already + ")");
                continue;
            }
            if (f.name().startsWith("libgcc_s")) {
                try {
                    SymbolLookup.libraryLookup(f.name(), Arena.global());
                    Path sys = mappedWithSoname(mappedFiles(), f.name());
                    runtime.add(f.name() + ": system (" + (sys == null ? "found by the dynamic linker" : sys) + ")");
                    continue;
                } catch (IllegalArgumentException e) {
                    // none on this system: the bundled one
                }
            }
            Path p = dir.resolve(f.name());
            try {
                SymbolLookup.libraryLookup(p, Arena.global());
            } catch (IllegalArgumentException e) {
                throw new IllegalStateException("cannot load " + p + ": " + e.getMessage(), e);
            }
            runtime.add(f.name() + ": bundled");
        }
        Path lib = dir.resolve(LIBRARY);
        SymbolLookup lookup;
        try {
            lookup = SymbolLookup.libraryLookup(lib, Arena.global());
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException("cannot load " + lib + ": " + e.getMessage(), e);
        }
        for (String symbol : List.of("openblas_get_config", "dgemm_", "dsyevd_")) {
            if (lookup.find(symbol).isEmpty()) {
                throw new IllegalStateException(lib + " has no " + symbol);
            }
        }
        return new Loaded(lib, List.copyOf(runtime));
    }

    /** Files mapped into this process ({@code /proc/self/maps}); empty where there is none. */
    static List<Path> mappedFiles() {
        Path maps = Path.of("/proc/self/maps");
        if (!Files.isReadable(maps)) {
            return new ArrayList<>();
        }
        try {
            return mappedFiles(maps);
        } catch (IOException | RuntimeException e) {
            return new ArrayList<>();   // report nothing rather than fail
        }
    }

    /** The distinct files a maps file ({@code /proc/PID/maps}) lists, in map order, without deleted ones. */
    static List<Path> mappedFiles(Path maps) throws IOException {
        Set<Path> found = new LinkedHashSet<>();
        for (String line : Files.readAllLines(maps)) {
            // address perms offset dev inode pathname — the pathname starts at the first '/'.
            int slash = line.indexOf('/');
            if (slash < 0) {
                continue;
            }
            String file = line.substring(slash).trim();
            if (!file.endsWith(" (deleted)")) {
                found.add(Path.of(file));
            }
        }
        return new ArrayList<>(found);
    }

    /** A mapped file whose name is soname or a versioned form of it ({@code libgfortran.so.5.0.0}). */
    private static Path mappedWithSoname(List<Path> mapped, String soname) {
        for (Path p : mapped) {
            Path n = p.getFileName();
            if (n != null && (n.toString().equals(soname) || n.toString().startsWith(soname + "."))) {
                return p;
            }
        }
        return null;
    }

    // ------------------------------------------------------------------------------------------

    private static ClassLoader loader() {
        ClassLoader l = BundledOpenBlas.class.getClassLoader();
        return l != null ? l : ClassLoader.getSystemClassLoader();
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 unavailable", e);
        }
    }

    static String sha256(Path p) throws IOException {
        MessageDigest sha = sha256();
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ)) {
            ByteBuffer buf = ByteBuffer.allocateDirect(1 << 20);
            while (ch.read(buf) > 0) {
                buf.flip();
                sha.update(buf);
                buf.clear();
            }
        }
        return HexFormat.of().formatHex(sha.digest());
    }

    static int crc32c(Path p) throws IOException {
        CRC32C crc = new CRC32C();
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ)) {
            ByteBuffer buf = ByteBuffer.allocateDirect(1 << 20);
            while (ch.read(buf) > 0) {
                buf.flip();
                crc.update(buf);
                buf.clear();
            }
        }
        return (int) crc.getValue();
    }

    private static String describe(Throwable e) {
        if (e instanceof AccessDeniedException a) {
            return "permission denied (" + a.getFile() + ")";
        }
        String m = e.getMessage();
        return m == null ? e.toString() : e.getClass().getSimpleName() + ": " + m;
    }
}
