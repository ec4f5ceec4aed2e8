package dev.morse.cli;

import java.io.BufferedOutputStream;
import java.io.FileOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The files a command writes, so that nothing is lost and nothing is left half-written.
 *
 * <ul>
 *   <li><b>Checked before any work</b> ({@link #plan}): the name is not empty, not a folder, its
 *       parent is a folder (created if missing) that we can write in, and an existing file is
 *       never replaced without {@code --force}. Every message names the option and the file.</li>
 *   <li><b>Claimed at start, exclusively</b>: each planned file {@code F} gets its temporary file
 *       {@code .F.morse-part} beside it, created and locked (an OS file lock, which the kernel
 *       drops when the process dies, even by SIGKILL). A second run planning the same file finds
 *       the lock held and refuses at once. The lock is the claim, so a leftover part file from a
 *       killed run is recognised as stale (unlocked) and taken over or removed by the next run:
 *       a kill never makes the rerun refuse.</li>
 *   <li><b>Written to the part file, renamed when the command has finished</b>
 *       ({@link #commit}): all outputs appear together at the end, each complete; the report
 *       last ({@link dev.morse.io.AtomicFiles#place}). Without {@code --force} the rename is a hard link that fails rather
 *       than replace a file that appeared meanwhile. On an error, or SIGINT/SIGTERM (a shutdown hook), the part
 *       files are removed ({@link #abort}) and so are the folders this run created.</li>
 *   <li>Existing special files ({@code /dev/null}, {@code /dev/stdout}, a FIFO), and symbolic links
 *       to them, are written in place, not renamed over. A symbolic link to a regular file is
 *       followed: the file it names is the output (replaced only with {@code --force}, by a rename
 *       in that file's folder), and the link stays a link. A rename never replaces a link.</li>
 * </ul>
 */
final class OutputFiles {

    /** Suffix of the temporary (part) files; the prefix is a dot, so they are hidden. */
    static final String PART = ".morse-part";

    /** Part files claimed by runs in this JVM (tests run commands in-process). */
    private static final Set<Path> CLAIMED = ConcurrentHashMap.newKeySet();

    /** One planned output: its final name, its part file and the lock on it. */
    private static final class Claim {
        final String option;
        final Path shown;      // as the user gave it (normalized), for messages and the report
        final Path target;     // absolute
        final Path part;       // absolute; null for special files
        FileChannel channel;
        FileChannel witness;   // second channel on the part path, kept open (closing it would drop the lock)
        FileLock lock;
        boolean written;
        boolean renamed;       // the part file has its final name: its old name is no longer ours

        Claim(String option, Path shown, Path target, Path part) {
            this.option = option;
            this.shown = shown;
            this.target = target;
            this.part = part;
        }
    }

    private final boolean force;
    private final Map<Path, Claim> claims = new LinkedHashMap<>();
    private final List<Path> written = new ArrayList<>();
    private final List<Path> createdDirs = new ArrayList<>();
    private final Set<Path> swept = new java.util.HashSet<>();
    private Thread hook;
    private boolean finished;

    /** Where an interrupt is reported: the command's standard error, or null for the process's. */
    private final java.io.PrintWriter err;

    OutputFiles(boolean force) {
        this(force, null);
    }

    /**
     * {@code err}: the command's standard error, where an interrupt that removes its part files is
     * reported (a sweep step's is its log, not the sweep's terminal); null for the process's.
     */
    OutputFiles(boolean force, java.io.PrintWriter err) {
        this.force = force;
        this.err = err;
    }

    /**
     * Declares that {@code file} (given with {@code option}) will be written: checks its location,
     * creates missing parent folders and claims it. Returns the name to pass to the write methods.
     */
    synchronized Path plan(String option, Path file) {
        if (file == null || file.toString().isEmpty()) {
            throw Checks.usage(option, "the file name is empty; give a file name" + (option.equals("--json") ? ", or '-' for standard output" : ""));
        }
        Path shown = file.normalize();
        if (shown.toString().isEmpty()) shown = file;   // "." normalizes to the empty name: say what was typed
        Path target = file.toAbsolutePath().normalize();
        if (target.getFileName() == null) throw Checks.usage(option, file + " is a folder; expected a file name to write");
        if (claims.containsKey(target)) throw Checks.usage(option, "two outputs would go to the same file " + shown);
        if (Files.isDirectory(target)) throw Checks.usage(option, shown + " is a folder; expected a file name to write");
        Path given = target;
        String via = "";
        if (Files.isSymbolicLink(target)) {
            // Follow the link: the file it names is the output, and the link itself is never renamed over.
            if (!Files.exists(target)) {
                throw Checks.usage(option, shown + " is a symbolic link to " + linkTarget(target) + ", which does not exist; "
                        + "give the file name itself, or remove the link");
            }
            if (Files.isRegularFile(target)) {
                Path real;
                try {
                    real = target.toRealPath();
                } catch (IOException e) {
                    throw Checks.usage(option, shown + ": cannot follow the symbolic link (" + reason(e) + ")");
                }
                if (throughDescriptor(target)) {
                    // /dev/stdout redirected to a file: renaming over (or truncating) the file the shell
                    // opened would lose what the stream holds; the stream itself is '-'.
                    throw Checks.usage(option, shown + " is an open file descriptor of this process, redirected to the file " + real
                            + "; give " + (option.equals("--json") ? "'-' for standard output, or " : "") + "the file name " + real + " itself");
                }
                via = " (a symbolic link to " + real + ")";
                target = real;
            }
        }
        boolean exists = Files.exists(target, LinkOption.NOFOLLOW_LINKS);
        if (exists && !Files.isRegularFile(target)) {
            // A device, FIFO or socket (/dev/null, /dev/stdout, a FIFO), or a link to one: written in place
            // at the end (the kernel follows the link), never renamed over.
            claims.put(given, new Claim(option, shown, given, null));
            return shown;
        }
        Path resolved = target;
        if (claims.values().stream().anyMatch(c -> c.part != null && c.target.equals(resolved))) {
            throw Checks.usage(option, "two outputs would go to the same file " + shown + via);
        }
        if (exists && !force) {
            throw Checks.usage(option, "refusing to overwrite " + shown + via + " (it exists; pass --force to replace it, or choose another name)");
        }
        folder(option, shown, target.getParent());
        Path part = target.resolveSibling("." + target.getFileName() + PART);
        installHook();   // first: an interrupt from now on waits for this method (synchronized), then cleans up
        sweep(target.getParent());
        Claim c = new Claim(option, shown, target, part);
        claim(c, true);
        claims.put(given, c);
        return shown;
    }

    /** What a symbolic link points to, as written in it (for messages). */
    private static String linkTarget(Path link) {
        try {
            return Files.readSymbolicLink(link).toString();
        } catch (IOException e) {
            return "a missing file";
        }
    }

    /**
     * Whether the chain of links from {@code p} passes through a file descriptor's entry
     * ({@code /dev/stdout} → {@code /proc/self/fd/1}, {@code /dev/fd/N}, {@code /proc/PID/fd/N}).
     */
    private static boolean throughDescriptor(Path p) {
        Path at = p.toAbsolutePath().normalize();
        for (int hop = 0; hop < 40; hop++) {
            String s = at.toString();
            if (s.matches("/proc/[^/]+/fd/[^/]+") || s.matches("/dev/fd/[^/]+")) return true;
            if (!Files.isSymbolicLink(at)) return false;
            try {
                Path next = Files.readSymbolicLink(at);
                at = (next.isAbsolute() ? next : at.resolveSibling(next)).normalize();
            } catch (IOException e) {
                return false;
            }
        }
        return false;
    }

    /** Checks (and creates) the folder a planned file goes to. */
    private void folder(String option, Path shown, Path dir) {
        Path existing = dir;
        List<Path> missing = new ArrayList<>();
        while (existing != null && !Files.exists(existing)) {
            missing.add(0, existing);
            existing = existing.getParent();
        }
        if (existing != null && !Files.isDirectory(existing)) {
            throw Checks.usage(option, shown + ": " + existing + " is a file, not a folder");
        }
        for (Path d : missing) {
            try {
                Files.createDirectory(d);
                createdDirs.add(d);
            } catch (FileAlreadyExistsException e) {
                if (!Files.isDirectory(d)) throw Checks.usage(option, shown + ": " + d + " is a file, not a folder");
            } catch (IOException e) {
                throw Checks.usage(option, shown + ": cannot create the folder " + d + " (" + reason(e) + ")");
            }
        }
    }

    /**
     * Takes the part file of {@code c}: opens (or creates) it, locks it, and makes sure the lock is
     * on the file that is at that name now (another run may have renamed or removed the file we
     * opened before we locked it).
     */
    private void claim(Claim c, boolean takeOver) {
        if (!CLAIMED.add(c.part)) throw busy(c);
        boolean ok = false;
        try {
            for (int attempt = 0; attempt < 5 && !ok; attempt++) {
                FileChannel ch;
                try {
                    ch = FileChannel.open(c.part, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.READ,
                            LinkOption.NOFOLLOW_LINKS);
                } catch (AccessDeniedException e) {
                    throw Checks.usage(c.option, c.shown + ": cannot write in the folder " + c.target.getParent() + " (permission denied)");
                } catch (IOException e) {
                    throw Checks.usage(c.option, c.shown + ": cannot create a file in " + c.target.getParent() + " (" + reason(e) + ")");
                }
                FileLock lock;
                try {
                    lock = ch.tryLock();
                } catch (OverlappingFileLockException e) {
                    close(ch);
                    throw busy(c);
                } catch (IOException e) {
                    // The file system has no locks (some network mounts): no exclusivity, but still atomic.
                    c.channel = ch;
                    ok = true;
                    break;
                }
                if (lock == null) {
                    close(ch);
                    throw busy(c);
                }
                // Is the file at c.part the one we locked? A second channel on the path must find the
                // lock held by this JVM (same file); it is kept open, since closing it would drop our lock.
                FileChannel witness = null;
                boolean same = false;
                try {
                    witness = FileChannel.open(c.part, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);
                    FileLock other = witness.tryLock();
                    if (other != null) other.release();   // another file, unlocked: not ours
                } catch (OverlappingFileLockException e) {
                    same = true;
                } catch (IOException e) {
                    // gone, or another file locked by another process: not ours
                }
                if (same) {
                    c.channel = ch;
                    c.witness = witness;
                    c.lock = lock;
                    ok = true;
                } else {
                    close(witness);
                    close(ch);
                }
            }
            if (!ok) throw busy(c);
            if (!takeOver) return;
            try {
                c.channel.truncate(0);   // a stale part file from a killed run
            } catch (IOException e) {
                throw Checks.usage(c.option, c.shown + ": cannot write " + c.part + " (" + reason(e) + ")");
            }
        } finally {
            if (!ok) CLAIMED.remove(c.part);
        }
    }

    private static CliException busy(Claim c) {
        return Checks.usage(c.option, "another morse run is writing " + c.shown + " now (its temporary file " + c.part.getFileName()
                + " is locked); wait for it to finish, or choose another name");
    }

    /**
     * Removes part files left in {@code dir} by killed runs: those whose lock is free. Each is
     * claimed like an output (so a run that is just taking it cannot lose it), then deleted.
     */
    private void sweep(Path dir) {
        if (dir == null || !swept.add(dir)) return;
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir, ".*" + PART)) {
            for (Path p : s) {
                if (CLAIMED.contains(p) || !Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) continue;
                String name = p.getFileName().toString();
                Path target = p.resolveSibling(name.substring(1, name.length() - PART.length()));
                if (claims.values().stream().anyMatch(o -> target.equals(o.target))) continue;
                Claim c = new Claim("--sweep", p, target, p);
                try {
                    claim(c, false);   // never truncates: without OS locks it may be a live run's file
                } catch (CliException busyOrUnwritable) {
                    continue;
                }
                try {
                    if (c.lock != null) Files.deleteIfExists(p);
                } catch (IOException e) {
                    // leave it
                } finally {
                    release(c);
                }
            }
        } catch (IOException | RuntimeException e) {
            // sweeping is a courtesy; never a reason to fail
        }
    }

    /** What a writer does with the stream of one output. */
    interface Content {
        void writeTo(OutputStream out) throws IOException;
    }

    /** Writes a planned file (to its part file; it gets its name at {@link #commit}). Failures name the file. */
    synchronized void write(Path planned, Content content) {
        Claim c = claims.get(planned.toAbsolutePath().normalize());
        if (c == null) throw new IllegalStateException(planned + " was not planned");
        try {
            if (c.part == null) {
                try (OutputStream os = new BufferedOutputStream(new FileOutputStream(c.target.toFile()), 1 << 16)) {
                    content.writeTo(os);
                }
            } else {
                c.channel.truncate(0);
                c.channel.position(0);
                OutputStream os = new BufferedOutputStream(new FilterOutputStream(Channels.newOutputStream(c.channel)) {
                    @Override
                    public void write(byte[] b, int off, int len) throws IOException {
                        out.write(b, off, len);
                    }

                    @Override
                    public void close() throws IOException {
                        flush();   // the channel stays open: closing it would drop the claim
                    }
                }, 1 << 16);
                content.writeTo(os);
                os.flush();
                c.channel.force(false);
            }
        } catch (IOException e) {
            throw Checks.usage(c.option, c.shown + ": cannot write (" + reason(e) + ")");
        }
        if (!c.written) written.add(c.shown);
        c.written = true;
    }

    void writeText(Path planned, String text) {
        write(planned, os -> os.write(text.getBytes(StandardCharsets.UTF_8)));
    }

    /** Writes a float64 .npy file (numpy.save's bytes). */
    void npy(Path planned, double[] values, int... shape) {
        write(planned, os -> dev.morse.io.Npy.write(os, values, shape));
    }

    /** The files written so far (they appear under these names at {@link #commit}). */
    List<Path> written() {
        return written;
    }

    /**
     * Gives every written file its name (the report, {@code last}, after the others), then
     * releases the claims; planned files that were not written leave nothing behind.
     */
    synchronized void commit(Path last) {
        if (finished) return;
        List<Claim> order = new ArrayList<>();
        Claim lastClaim = last == null ? null : claims.get(last.toAbsolutePath().normalize());
        for (Claim c : claims.values()) if (c != lastClaim) order.add(c);
        if (lastClaim != null) order.add(lastClaim);
        try {
            for (Claim c : order) {
                if (c.part == null || !c.written) continue;
                if (Files.isSymbolicLink(c.target)) {
                    // A link appeared at the name while this run was working: a rename would replace the link.
                    throw Checks.usage(c.option, "refusing to replace " + c.target + ": it became a symbolic link while this run was "
                            + "working; give the file it points to, or choose another name");
                }
                try {
                    // without --force a hard link, which fails rather than replace a file that appeared meanwhile
                    dev.morse.io.AtomicFiles.place(c.part, c.target, force);
                    c.renamed = true;
                } catch (FileAlreadyExistsException e) {
                    throw Checks.usage(c.option, "refusing to overwrite " + c.shown + ": it appeared while this run was working "
                            + "(pass --force to replace it, or choose another name)");
                } catch (IOException e) {
                    throw Checks.usage(c.option, c.shown + ": cannot give the finished file its name (" + reason(e) + ")");
                }
            }
        } finally {
            finish(true);
        }
    }

    /** Removes every part file and the folders this run created (an error, or an interrupt). */
    synchronized void abort() {
        finish(false);
    }

    private void finish(boolean committed) {
        if (finished) return;
        finished = true;
        for (Claim c : claims.values()) {
            if (c.part == null || c.channel == null) continue;
            try {
                // Delete before unlocking, so that nobody can take the file in between; a renamed part
                // file is left alone (its old name may already belong to another run).
                if (!c.renamed) Files.deleteIfExists(c.part);
            } catch (IOException e) {
                // a file that cannot be removed stays; the next run in this folder removes it
            }
            release(c);
        }
        if (!committed) {
            for (int i = createdDirs.size() - 1; i >= 0; i--) {
                try {
                    Files.deleteIfExists(createdDirs.get(i));   // only when empty
                } catch (IOException e) {
                    break;
                }
            }
        }
        if (hook != null && Thread.currentThread() != hook) {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException e) {
                // shutting down
            }
        }
    }

    private static void release(Claim c) {
        close(c.witness);
        close(c.channel);   // releases the lock
        c.witness = null;
        c.channel = null;
        CLAIMED.remove(c.part);
    }

    private void installHook() {
        if (hook != null) return;
        hook = new Thread(() -> {
            boolean any;
            synchronized (this) {
                any = !finished && claims.values().stream().anyMatch(c -> c.part != null);
            }
            abort();
            if (any) {
                String line = "morse: interrupted; the outputs were not written (temporary files removed)";
                if (err == null) {
                    System.err.println(line);
                } else {
                    err.println(line);
                    err.flush();
                }
            }
        }, "morse-output-cleanup");
        try {
            Runtime.getRuntime().addShutdownHook(hook);
        } catch (IllegalStateException e) {
            // already shutting down
        }
    }

    private static void close(java.io.Closeable c) {
        if (c == null) return;
        try {
            c.close();
        } catch (IOException e) {
            // nothing to do
        }
    }

    /** A short reason for an I/O failure: "No space left on device", "permission denied", … */
    static String reason(IOException e) {
        return dev.morse.io.AtomicFiles.reason(e);
    }
}
