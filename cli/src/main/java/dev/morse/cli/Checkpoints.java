package dev.morse.cli;

import dev.morse.io.AtomicFiles;
import dev.morse.io.DataFiles;
import dev.morse.io.FileSync;
import dev.morse.io.InputException;
import dev.morse.io.NdArray;
import dev.morse.io.Npy;
import dev.morse.json.Json;
import dev.morse.training.EpochRecord;
import dev.morse.training.OptimizerState;
import dev.morse.training.TrainingState;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Checkpoints of {@code morse train}, one folder per checkpoint in the checkpoint folder DIR:
 * <pre>
 *   DIR/config.json            the run's options (rerun or resume with --config DIR/config.json)
 *   DIR/latest                 the name of the newest complete checkpoint, e.g. epoch-0004
 *   DIR/epoch-0004/state.json  format, config hash, epoch, step, the log so far, file names and SHA-256
 *   DIR/epoch-0004/theta.npy   θ (1-D float64, PyTorch order: loads with --weights)
 *   DIR/epoch-0004/optimizer-exp_avg.npy …   the optimizer's buffers, torch's names
 * </pre>
 * <b>Atomic:</b> a checkpoint is written into a hidden temporary folder in DIR, every file forced
 * to disk, then renamed into place (one rename), and only then is {@code latest} replaced (a
 * temporary file renamed over it). A run killed at any moment leaves either the previous
 * checkpoint or the new one, never half of one; a half-written temporary folder is ignored. The
 * files' SHA-256 are checked on reading. Every checkpoint is kept (a few P-long arrays each),
 * or the newest N with {@code --keep-checkpoints N} ({@link #prune}).
 * <b>Temporary folders:</b> SIGTERM or Ctrl-C during a write removes the hidden folder
 * ({@link InFlight}); one that a SIGKILL or a crash left is removed by the next run in DIR
 * ({@link #removeLeftovers}) when no live run holds DIR ({@link RunLock}).
 */
final class Checkpoints {
    private Checkpoints() {}

    static final String FORMAT = "morse-train-checkpoint-v1";
    static final String LATEST = "latest";
    static final String CONFIG = "config.json";
    /** The hidden file whose OS lock the live training runs in DIR hold ({@link RunLock}); it stays (see there why). */
    static final String LOCK = ".morse-train.lock";
    private static final Pattern NAME = Pattern.compile("epoch-(\\d{4,})");
    /** The hidden folder of a checkpoint being written ({@link #tmpName}): the writer's process id, then a time. */
    // "-?": runs before the time was written unsigned left names with a negative System.nanoTime()
    private static final Pattern TMP_NAME = Pattern.compile("\\.epoch-\\d{4,}\\.tmp-(\\d{1,18})--?\\d+");

    /**
     * The hidden folders of the checkpoints this JVM is writing. A shutdown hook (SIGTERM, Ctrl-C)
     * removes them: the JVM ends without the writer's {@code finally}, and each such folder was left
     * in DIR for good. The rename into epoch-NNNN is made under the same lock, and refused once the
     * hook ran, so the hook never removes files from a folder in the middle of its rename (which
     * could leave an epoch-NNNN, and then a {@code latest} naming it, without its files).
     */
    static final class InFlight {
        /** This JVM's, with the shutdown hook. */
        static final InFlight JVM = new InFlight(true);

        private final boolean hooked;
        private final Set<Path> folders = new java.util.HashSet<>();
        private boolean closed;
        private Thread hook;

        InFlight(boolean hooked) {
            this.hooked = hooked;
        }

        /** Creates the hidden folder of checkpoint {@code name} in {@code dir}; refused once {@link #close}d. */
        synchronized Path create(Path dir, String name) throws IOException {
            if (closed) throw new java.io.InterruptedIOException("shutting down: checkpoint " + name + " not started");
            if (hooked && hook == null) {
                hook = new Thread(this::close, "morse-checkpoint-cleanup");
                try {
                    Runtime.getRuntime().addShutdownHook(hook);
                } catch (IllegalStateException e) {
                    closed = true;   // already shutting down
                    throw new java.io.InterruptedIOException("shutting down: checkpoint " + name + " not started");
                }
            }
            Path tmp = Files.createDirectory(dir.resolve(tmpName(name)));   // not createTempDirectory: that one is private (0700)
            folders.add(tmp);
            return tmp;
        }

        /** Renames the finished hidden folder {@code tmp} to {@code target}; refused once {@link #close}d. */
        synchronized void rename(Path tmp, Path target) throws IOException {
            if (closed) throw new java.io.InterruptedIOException("shutting down: " + target.getFileName() + " not written");
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
            folders.remove(tmp);
        }

        /** Removes {@code tmp} if it is still there (the writer's end, whatever happened). */
        synchronized void discard(Path tmp) throws IOException {
            folders.remove(tmp);
            if (Files.exists(tmp, LinkOption.NOFOLLOW_LINKS)) deleteTree(tmp);
        }

        /** Whether {@code tmp} is being written by this JVM. */
        synchronized boolean holds(Path tmp) {
            return folders.contains(tmp);
        }

        /**
         * The hook's work: no checkpoint starts or is renamed from now on, and each hidden folder
         * goes. The writer may still add a file while the folder is being emptied: a few tries.
         */
        synchronized void close() {
            closed = true;
            for (Path tmp : folders) {
                for (int attempt = 0; attempt < 20 && Files.exists(tmp, LinkOption.NOFOLLOW_LINKS); attempt++) {
                    try {
                        deleteTree(tmp);
                    } catch (IOException e) {
                        Thread.onSpinWait();   // a file appeared, or vanished, while emptying: again
                    }
                }
            }
            folders.clear();
        }
    }

    /** What {@link #removeLeftovers} did: the folders it removed (sorted), and those it could not, as "NAME (REASON)". */
    record Cleanup(List<Path> removed, List<String> failed) {}

    /** Removes a folder and what it holds ({@link #deleteTree}; another in tests, to make a removal fail). */
    interface Remover {
        void remove(Path folder) throws IOException;
    }

    /** Who else may be writing hidden folders in DIR, as {@link RunLock} found: decides which are leftovers. */
    enum Others {
        /** DIR's lock was taken exclusively: no other live run holds the folder, so only this JVM's are being written. */
        NONE,
        /** Another live run holds DIR's lock: any hidden folder may be its, so none is removed. */
        LIVE,
        /** The file system has no locks: a folder is a leftover when its process id names no live process (wrong across PID namespaces and hosts). */
        BY_PID
    }

    /**
     * Removes the hidden folders of checkpoints that a killed run (SIGKILL, a crash) left in
     * {@code dir}, the folder this run writes its checkpoints to (never one it only reads): only
     * names of the form {@link #tmpName} gives, only folders (not links) holding only the files
     * Morse writes, and only when no live run may be writing them ({@code others}; this JVM's own
     * are never removed). A folder that cannot be removed stays, named in {@link Cleanup#failed}:
     * it is a courtesy, never a reason to refuse the run. Throws only when {@code dir} cannot be listed.
     */
    static Cleanup removeLeftovers(Path dir, Others others, InFlight inFlight, Remover remover) throws IOException {
        List<Path> removed = new ArrayList<>();
        List<String> failed = new ArrayList<>();
        if (!Files.isDirectory(dir) || others == Others.LIVE) return new Cleanup(removed, failed);
        long self = ProcessHandle.current().pid();
        List<Path> candidates = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path f : ds) {
                Matcher m = TMP_NAME.matcher(f.getFileName().toString());
                if (!m.matches() || !Files.isDirectory(f, LinkOption.NOFOLLOW_LINKS) || !foreignFiles(f).isEmpty()) continue;
                long pid = Long.parseLong(m.group(1));
                boolean writing = inFlight.holds(f)
                        || others == Others.BY_PID && pid != self && ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
                if (!writing) candidates.add(f);
            }
        }
        candidates.sort(null);
        for (Path f : candidates) {
            try {
                remover.remove(f);
                removed.add(f);
            } catch (IOException e) {
                failed.add(f.getFileName() + " (" + OutputFiles.reason(e) + ")");
            }
        }
        return new Cleanup(removed, failed);
    }

    /**
     * A training run's hold on its checkpoint folder DIR, for the run's life: a shared OS lock on
     * DIR/{@value #LOCK}, which every live run in DIR holds. Whether a hidden temporary folder is a
     * killed run's is decided by taking the lock exclusively first: the kernel grants it only when
     * no live run holds the folder, across PID namespaces (containers sharing a volume, where a
     * process id may be anyone's) and hosts whose file system has locks, which a process id test
     * is not. The lock file is never removed: a run could otherwise lock a new file of that name
     * while another still holds the old one. Where the file system has no locks, the process id
     * decides ({@link Others#BY_PID}).
     */
    static final class RunLock implements AutoCloseable {
        /**
         * One channel per lock file in this JVM (tests run commands in-process): closing a second
         * channel on the file would drop every lock this process holds on it.
         */
        private static final Map<Path, Holder> HELD = new HashMap<>();

        private static final class Holder {
            FileChannel channel;
            int users;
        }

        private final Path dir;
        private Path file;   // the lock file this run holds (one user of its Holder); null until then
        private boolean noLocks;
        private boolean anotherRun;   // another live run held DIR when this one joined
        private String unopened;      // why DIR's lock file could not be opened, or null

        /** Why DIR's lock file could not be opened (nothing was removed, and another run would not be seen), or null. */
        String unopened() {
            return unopened;
        }

        /** Whether another live run (of this JVM or another process) held DIR's lock when this run took it. */
        boolean anotherRunHolds() {
            return anotherRun;
        }

        RunLock(Path dir) {
            this.dir = dir;
        }

        /**
         * Takes the hold on DIR when it exists and removes what killed runs left there
         * ({@link #removeLeftovers}), judged by the lock. A folder not yet there holds nothing yet.
         */
        Cleanup takeAndClean() throws IOException {
            return takeAndClean(InFlight.JVM, Checkpoints::deleteTree);
        }

        Cleanup takeAndClean(InFlight inFlight, Remover remover) throws IOException {
            if (!Files.isDirectory(dir)) return new Cleanup(List.of(), List.of());
            Cleanup[] done = {null};
            Others others = take(() -> done[0] = removeLeftovers(dir, Others.NONE, inFlight, remover));
            return done[0] != null ? done[0] : removeLeftovers(dir, others, inFlight, remover);
        }

        /** Holds DIR before a checkpoint is written into it (creating it), if not held yet. */
        void hold() throws IOException {
            if (file != null || noLocks) return;
            Files.createDirectories(dir);
            take(null);
        }

        /** Work done under DIR's exclusive lock: no other live run holds the folder meanwhile, nor can join. */
        private interface Alone {
            void run() throws IOException;
        }

        /**
         * Joins the holders of DIR's lock and says who else holds it. With {@code alone}, first
         * tries the lock exclusively and, when granted, runs it before taking the shared lock: a
         * run starting meanwhile waits for the shared lock before its first checkpoint, so none of
         * its folders can be taken for a leftover.
         */
        private Others take(Alone alone) throws IOException {
            Path f = dir.toRealPath().resolve(LOCK);   // one key per file, whatever the spelling (links) of DIR
            synchronized (HELD) {
                Holder h = HELD.get(f);
                if (h != null) {   // another run of this JVM holds it: it is live
                    h.users++;
                    file = f;
                    anotherRun = true;
                    return Others.LIVE;
                }
                FileChannel ch;
                try {
                    ch = FileChannel.open(f, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);
                } catch (IOException e) {
                    // A lock file this run cannot open (another user's in a shared folder, a link, a folder):
                    // who else is live cannot be told, so nothing of anyone's is removed, and the run goes on (saying so).
                    noLocks = true;
                    unopened = OutputFiles.reason(e);
                    return Others.LIVE;
                }
                boolean kept = false;
                try {
                    Others others = Others.LIVE;
                    FileLock exclusive;
                    try {
                        exclusive = alone == null ? null : ch.tryLock(0, Long.MAX_VALUE, false);
                        if (alone == null) ch.lock(0, Long.MAX_VALUE, true);
                    } catch (java.nio.channels.ClosedChannelException e) {
                        throw e;
                    } catch (IOException e) {
                        noLocks = true;   // the file system has no locks (some network mounts): the process ids decide
                        return Others.BY_PID;
                    }
                    if (alone != null) {
                        anotherRun = exclusive == null;   // refused: another process holds DIR
                        if (exclusive != null) {
                            others = Others.NONE;
                            try {
                                alone.run();
                            } finally {
                                exclusive.release();
                            }
                        }
                        ch.lock(0, Long.MAX_VALUE, true);   // waits only while another run holds it exclusively (its cleanup)
                    }
                    h = new Holder();
                    h.channel = ch;
                    h.users = 1;
                    HELD.put(f, h);
                    file = f;
                    kept = true;
                    return others;
                } catch (OverlappingFileLockException e) {
                    throw new IllegalStateException("the lock on " + f + " is held in this JVM outside RunLock", e);
                } finally {
                    if (!kept) ch.close();
                }
            }
        }

        /** Leaves the holders: the last one of this JVM closes the channel, which releases the lock. */
        @Override
        public void close() throws IOException {
            if (file == null) return;
            synchronized (HELD) {
                Holder h = HELD.get(file);
                if (h != null && --h.users == 0) {
                    HELD.remove(file);
                    h.channel.close();
                }
                file = null;
            }
        }
    }

    /** A checkpoint read back: its folder and state. */
    record Loaded(Path folder, TrainingState state) {}

    /** The epoch of a checkpoint folder named by {@link #folderName}. */
    private static long epochOf(Path folder) {
        return Long.parseLong(folder.getFileName().toString().substring("epoch-".length()));
    }

    static String folderName(int epoch) {
        return String.format("epoch-%04d", epoch);
    }

    /**
     * Checks, before any work, that checkpoints can be written to {@code dir} (given with
     * {@code option}): an existing folder we can write in, or a name whose nearest existing
     * ancestor is such a folder (the folder is created by the first checkpoint). A file there
     * used to be found only at the first checkpoint, after an epoch of work, and without a log.
     */
    static void checkFolder(String option, Path dir) {
        if (dir.toString().isEmpty()) throw Checks.usage(option, "the folder name is empty; give a folder for the checkpoints");
        Path abs = dir.toAbsolutePath().normalize();
        if (Files.exists(abs)) {
            if (!Files.isDirectory(abs)) throw Checks.usage(option, dir + " is a file, not a folder; give a folder for the checkpoints");
            if (!Files.isWritable(abs)) throw Checks.usage(option, dir + ": cannot write in this folder (permission denied)");
            return;
        }
        Path existing = abs.getParent();
        while (existing != null && !Files.exists(existing)) existing = existing.getParent();
        if (existing == null) return;
        if (!Files.isDirectory(existing)) throw Checks.usage(option, dir + ": " + existing + " is a file, not a folder");
        if (!Files.isWritable(existing)) throw Checks.usage(option, dir + ": cannot create the folder in " + existing + " (permission denied)");
    }

    /**
     * The checkpoints of a run already in {@code dir}: its epoch-NNNN folders, {@code latest} and
     * {@code config.json} (sorted; empty when there are none or no folder). Hidden temporary
     * folders of a killed run and files of other programs are not a run's, nor are a
     * {@code latest} or {@code config.json} that Morse did not write ({@link #notMorses}).
     * {@code trainOptions}: the options of train, as config files name them.
     */
    static List<Path> entries(Path dir, Set<String> trainOptions) {
        List<Path> found = new ArrayList<>();
        if (!Files.isDirectory(dir)) return found;
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path f : ds) {
                String n = f.getFileName().toString();
                boolean own = n.equals(LATEST) || n.equals(CONFIG) ? notMorses(f, trainOptions) == null : NAME.matcher(n).matches() && isCheckpoint(f);
                if (own) found.add(f);
            }
        } catch (IOException e) {
            throw new InputException(dir + ": unreadable (" + e.getMessage() + ")");
        }
        found.sort(Comparator.comparing(f -> f.getFileName().toString()));
        return found;
    }

    /** The files Morse writes into a checkpoint's folder: state.json, theta.npy and the optimizer's buffers. */
    private static final Pattern OWN_FILE = Pattern.compile("state\\.json|theta\\.npy|optimizer-[A-Za-z0-9_]+\\.npy");

    /** Whether {@code folder} is a checkpoint: a folder (not a link) with a state.json and only the files Morse writes. */
    static boolean isCheckpoint(Path folder) {
        return Files.isDirectory(folder, LinkOption.NOFOLLOW_LINKS) && Files.isRegularFile(folder.resolve("state.json"), LinkOption.NOFOLLOW_LINKS)
                && foreignFiles(folder).isEmpty();
    }

    /**
     * What in an epoch-NNNN entry Morse does not write (sorted names; empty for a checkpoint's
     * folder, or one holding nothing else): files of other names, folders, links. A link or a
     * file named epoch-NNNN is itself foreign.
     */
    static List<String> foreignFiles(Path folder) {
        List<String> foreign = new ArrayList<>();
        if (!Files.isDirectory(folder, LinkOption.NOFOLLOW_LINKS)) {
            if (Files.exists(folder, LinkOption.NOFOLLOW_LINKS)) foreign.add(Files.isSymbolicLink(folder) ? "a symbolic link" : "a file");
            return foreign;
        }
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(folder)) {
            for (Path f : ds) {
                String n = f.getFileName().toString();
                if (!OWN_FILE.matcher(n).matches() || !Files.isRegularFile(f, LinkOption.NOFOLLOW_LINKS)) foreign.add(n);
            }
        } catch (IOException e) {
            foreign.add("(unreadable: " + e.getMessage() + ")");
        }
        foreign.sort(null);
        return foreign;
    }

    /**
     * The epoch-NNNN entries of {@code dir} that are not Morse's checkpoints, with what they hold
     * that Morse does not write ("epoch-0001 (mine.txt)"): never counted as a run's checkpoints,
     * never removed, not even with --force.
     */
    static List<String> foreign(Path dir) {
        List<String> found = new ArrayList<>();
        if (!Files.isDirectory(dir)) return found;
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path f : ds) {
                if (!NAME.matcher(f.getFileName().toString()).matches()) continue;
                List<String> other = foreignFiles(f);
                if (!other.isEmpty()) found.add(f.getFileName() + " (" + String.join(", ", other.subList(0, Math.min(5, other.size())))
                        + (other.size() > 5 ? ", … " + other.size() + " in all" : "") + ")");
            }
        } catch (IOException e) {
            throw new InputException(dir + ": unreadable (" + e.getMessage() + ")");
        }
        found.sort(null);
        return found;
    }

    /**
     * DIR/latest and DIR/config.json when Morse did not write them, with why ("config.json (not a
     * Morse train config: …)"): a run in DIR replaces both and --force removes them, so such a
     * file is refused, never replaced or removed, not even with --force. Empty when both are
     * Morse's or absent.
     */
    static List<String> othersFiles(Path dir, Set<String> trainOptions) {
        List<String> found = new ArrayList<>();
        for (String n : List.of(CONFIG, LATEST)) {
            String why = notMorses(dir.resolve(n), trainOptions);
            if (why != null) found.add(n + " (" + why + ")");
        }
        return found;
    }

    /** The most bytes of a config.json Morse writes: a few kilobytes of options. */
    private static final long CONFIG_BYTES = 1 << 20;

    /**
     * Why DIR/latest or DIR/config.json ({@code f}) is not what {@link #write} leaves there, or null
     * when it is (or is absent). Morse's {@code latest} is a file holding a checkpoint's name;
     * its {@code config.json} a file holding a train config ({@link Report#configText}): a JSON
     * object with "command": "train" and only train's options (a config written by hand in that form
     * counts as one). Links and folders are never Morse's.
     */
    static String notMorses(Path f, Set<String> trainOptions) {
        if (!Files.exists(f, LinkOption.NOFOLLOW_LINKS)) return null;
        if (Files.isSymbolicLink(f)) return "a symbolic link";
        if (!Files.isRegularFile(f, LinkOption.NOFOLLOW_LINKS)) return Files.isDirectory(f, LinkOption.NOFOLLOW_LINKS) ? "a folder" : "not a file";
        boolean latest = f.getFileName().toString().equals(LATEST);
        String text;
        try {
            if (Files.size(f) > (latest ? 64 : CONFIG_BYTES)) return latest ? "not the name of a checkpoint" : "not a Morse train config: too large";
            text = Files.readString(f, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "unreadable: " + e.getMessage();
        }
        if (latest) return NAME.matcher(text.trim()).matches() ? null : "not the name of a checkpoint";
        try {
            if (!(DataFiles.parseJson(text, f.toString()) instanceof Map<?, ?> top) || !"train".equals(top.get("command"))
                    || top.containsKey("morse_version")) {
                return "not a Morse train config: no \"command\": \"train\" at its top level";
            }
            for (String k : ConfigFile.parse(text, f).values.keySet()) {
                if (!trainOptions.contains(k)) return "not a Morse train config: \"" + k + "\" is no option of train";
            }
            return null;
        } catch (InputException e) {
            return "not a Morse train config: " + e.getMessage();
        }
    }

    /** {@link #entries} in words: "3 checkpoints epoch-0001 … epoch-0003, latest epoch-0003, config.json". */
    static String describe(List<Path> entries) {
        List<String> epochs = new ArrayList<>();
        String latest = null;
        boolean config = false;
        for (Path f : entries) {
            String n = f.getFileName().toString();
            if (n.equals(CONFIG)) config = true;
            else if (!n.equals(LATEST)) epochs.add(n);
            else {
                try {
                    latest = Files.readString(f, StandardCharsets.UTF_8).trim();
                } catch (IOException e) {
                    latest = "unreadable";
                }
            }
        }
        List<String> parts = new ArrayList<>();
        if (epochs.size() == 1) parts.add("1 checkpoint " + epochs.get(0));
        else if (!epochs.isEmpty()) parts.add(epochs.size() + " checkpoints " + epochs.get(0) + " … " + epochs.get(epochs.size() - 1));
        if (latest != null) parts.add(LATEST + " " + latest);
        if (config) parts.add(CONFIG);
        return String.join(", ", parts);
    }

    /**
     * Removes {@link #entries} of a run that a new one replaces ({@code --force}): {@code latest}
     * first, so that no pointer is left to a removed folder if this is interrupted. Each is checked
     * again (files put there since the check are the user's).
     */
    static void remove(List<Path> entries, Set<String> trainOptions) throws IOException {
        List<Path> order = new ArrayList<>(entries);
        order.sort(Comparator.comparing(f -> !f.getFileName().toString().equals(LATEST)));
        for (Path f : order) {
            if (NAME.matcher(f.getFileName().toString()).matches()) refuseForeign(f);
            else refuseOthers(f, trainOptions);
            deleteTree(f);
        }
    }

    /** Throws when DIR/latest or DIR/config.json about to be removed or replaced is not Morse's ({@link #notMorses}). */
    static void refuseOthers(Path f, Set<String> trainOptions) {
        String why = notMorses(f, trainOptions);
        if (why != null) {
            throw new InputException(f + ": " + why + "; Morse did not write it, and does not replace or remove it: move it, or give "
                    + "another --checkpoint-dir");
        }
    }

    /** Throws when a checkpoint folder about to be removed or replaced holds files Morse does not write. */
    private static void refuseForeign(Path folder) {
        List<String> other = foreignFiles(folder);
        if (!other.isEmpty()) {
            throw new InputException(folder + " holds " + String.join(", ", other) + ", which Morse does not write; it is not a checkpoint, "
                    + "and Morse does not remove it: move those files, or give another --checkpoint-dir");
        }
    }

    /**
     * A checkpoint written: its folder, and the warning of {@link FileSync#folder} when the file
     * system refused to force the checkpoint's folder or the rename into DIR (DIR's when both
     * were refused; null when neither was).
     */
    record Written(Path folder, String syncWarning) {}

    /**
     * Writes {@code state} as DIR/epoch-NNNN atomically, then points {@code latest} at it: each
     * file and then the hidden folder's entries are forced before the rename, DIR's entries after
     * it and before {@code latest} names the folder, both with {@code folders}
     * ({@link FileSync#PLATFORM}), so that a crash cannot leave {@code latest} naming an epoch-NNNN
     * without its state.json. A
     * {@code config.json} or {@code latest} there that Morse did not write is refused
     * ({@link #refuseOthers}), not replaced.
     */
    static Written write(Path dir, TrainingState state, String optimizer, String configJson, Set<String> trainOptions,
                         FileSync.FolderForce folders) throws IOException {
        return write(dir, state, optimizer, configJson, trainOptions, folders, InFlight.JVM);
    }

    static Written write(Path dir, TrainingState state, String optimizer, String configJson, Set<String> trainOptions,
                         FileSync.FolderForce folders, InFlight inFlight) throws IOException {
        Files.createDirectories(dir);
        refuseOthers(dir.resolve(CONFIG), trainOptions);
        refuseOthers(dir.resolve(LATEST), trainOptions);
        AtomicFiles.write(dir.resolve(CONFIG), configJson, true);
        String name = folderName(state.epoch());
        Path tmp = inFlight.create(dir, name);
        try {
            Json j = Json.pretty();
            j.beginObject();
            j.name("format").value(FORMAT);
            j.name("morse_version").value(Main.version());
            j.name("created").value(Instant.now().toString());
            j.name("config_hash").value(state.configHash());
            j.name("epoch").value(state.epoch());
            j.name("step").value(state.step());
            j.name("theta");
            array(j, tmp, "theta.npy", state.theta());
            OptimizerState o = state.optimizer();
            j.name("optimizer").beginObject();
            j.name("description").value(optimizer);
            j.name("steps").value(o.steps());
            j.name("buffers").beginObject();
            for (String b : o.names()) {
                j.name(b);
                array(j, tmp, "optimizer-" + b + ".npy", o.buffer(b));
            }
            j.endObject().endObject();
            j.name("initial");
            TrainingLog.write(j, state.initial());
            j.name("epochs").beginArray();
            for (EpochRecord r : state.epochs()) TrainingLog.write(j, r);
            j.endArray();
            j.endObject();
            writeForced(tmp.resolve("state.json"), (j + "\n").getBytes(StandardCharsets.UTF_8));
            // the folder's entries (its files) on disk before the rename makes it epoch-NNNN: forcing only
            // DIR could make the renamed folder durable without them (as TaskExecutor forces its attempt folder)
            String filesWarning = FileSync.folder(tmp, folders);
            Path target = dir.resolve(name);
            // The same epoch again (a run resumed before this checkpoint): its state is the same, bit for bit.
            if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
                refuseForeign(target);
                deleteTree(target);
            }
            inFlight.rename(tmp, target);
            // the rename on disk before `latest` names it; a file system that refuses cannot promise that
            String renameWarning = FileSync.folder(dir, folders);
            AtomicFiles.write(dir.resolve(LATEST), name + "\n", true);
            // DIR's refusal first: the hidden folder's name is gone once it is renamed
            return new Written(target, renameWarning != null ? renameWarning : filesWarning);
        } finally {
            inFlight.discard(tmp);
        }
    }

    /** What {@link #prune} did: the folders it removed, and those it could not, as "NAME (REASON)". */
    record Pruned(List<String> removed, List<String> failed) {}

    /**
     * Keeps the newest {@code keep} (≥ 1) checkpoints up to epoch {@code upTo}, the one just written
     * and named by {@code latest}, and removes the older ones (--keep-checkpoints). Only real
     * checkpoints ({@link #isCheckpoint}) count toward the {@code keep}; the folder {@code latest}
     * names always stays. Only Morse's epoch-NNNN folders go ({@link #foreignFiles} empty; also one a
     * killed removal left without its state.json); those above {@code upTo}, left by a killed run
     * that this one resumed, are replaced as it gets there. Each goes by a rename to a hidden name
     * first, so that a kill in the middle leaves no epoch-NNNN folder without its files, only what
     * the next run removes ({@link #removeLeftovers}). A folder that cannot be renamed or removed
     * is named in {@link Pruned#failed} and the others still go: the checkpoint is written, and
     * pruning is never a reason to end the run. Throws only when {@code dir} cannot be listed.
     */
    static Pruned prune(Path dir, int upTo, int keep) throws IOException {
        return prune(dir, upTo, keep, Checkpoints::deleteTree);
    }

    static Pruned prune(Path dir, int upTo, int keep, Remover remover) throws IOException {
        if (keep < 1) throw new IllegalArgumentException("keep " + keep + " < 1");
        List<Path> own = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path f : ds) {
                Matcher m = NAME.matcher(f.getFileName().toString());
                if (m.matches() && Files.isDirectory(f, LinkOption.NOFOLLOW_LINKS) && foreignFiles(f).isEmpty()
                        && Long.parseLong(m.group(1)) <= upTo) own.add(f);
            }
        }
        own.sort(Comparator.comparingLong(Checkpoints::epochOf).reversed());
        Set<Path> kept = new java.util.HashSet<>();
        for (Path f : own) if (kept.size() < keep && isCheckpoint(f)) kept.add(f);
        String latest = latestName(dir);
        if (latest != null) kept.add(dir.resolve(latest));
        List<String> removed = new ArrayList<>();
        List<String> failed = new ArrayList<>();
        for (Path f : own) {
            if (kept.contains(f)) continue;
            String name = f.getFileName().toString();
            try {
                Path hidden = dir.resolve(tmpName(name));
                Files.move(f, hidden, StandardCopyOption.ATOMIC_MOVE);
                remover.remove(hidden);
                removed.add(name);
            } catch (IOException e) {
                failed.add(name + " (" + OutputFiles.reason(e) + ")");
            }
        }
        return new Pruned(removed, failed);
    }

    /** The name {@code latest} holds when it is Morse's form (epoch-NNNN), else null. */
    private static String latestName(Path dir) {
        try {
            String name = Files.readString(dir.resolve(LATEST), StandardCharsets.UTF_8).trim();
            return NAME.matcher(name).matches() ? name : null;
        } catch (IOException e) {
            return null;
        }
    }

    private static void array(Json j, Path folder, String file, double[] values) throws IOException {
        Path f = folder.resolve(file);
        Npy.write(f, values);
        FileSync.file(f);
        j.beginObject().name("file").value(file).name("length").value(values.length).name("sha256").value(sha256(f)).endObject();
    }

    /**
     * Reads the newest checkpoint in {@code dir} ({@code latest}, or the highest epoch-NNNN folder
     * with a state.json when {@code latest} is missing), checking format, files, hashes and lengths.
     */
    @SuppressWarnings("unchecked")
    static Loaded read(Path dir, int p, int probes) {
        if (!Files.isDirectory(dir)) throw new InputException("--resume " + dir + ": no such folder");
        Path folder = latest(dir);
        Path stateFile = folder.resolve("state.json");
        String src = stateFile.toString();
        if (!(DataFiles.readJson(stateFile) instanceof Map<?, ?> top)) throw new InputException(src + ": expected a JSON object");
        Map<String, Object> m = (Map<String, Object>) top;
        if (!FORMAT.equals(m.get("format"))) throw new InputException(src + ": not a Morse training checkpoint (format " + m.get("format") + ", expected " + FORMAT + ")");
        double[] theta = readArray(folder, (Map<String, Object>) m.get("theta"), p, src);
        Map<String, Object> om = (Map<String, Object>) m.get("optimizer");
        if (om == null) throw new InputException(src + ": \"optimizer\" is missing");
        Map<String, double[]> buffers = new LinkedHashMap<>();
        for (Map.Entry<String, Object> e : ((Map<String, Object>) om.get("buffers")).entrySet()) {
            buffers.put(e.getKey(), readArray(folder, (Map<String, Object>) e.getValue(), p, src));
        }
        OptimizerState opt = new OptimizerState((long) TrainingLog.num(om, "steps", src), buffers);
        if (!(m.get("initial") instanceof Map<?, ?> init)) throw new InputException(src + ": \"initial\" is missing");
        List<EpochRecord> epochs = new ArrayList<>();
        for (Object o : (List<Object>) m.get("epochs")) epochs.add(TrainingLog.read((Map<String, Object>) o, probes, src));
        try {
            TrainingState s = new TrainingState((String) m.get("config_hash"), (int) TrainingLog.num(m, "epoch", src), (long) TrainingLog.num(m, "step", src),
                    theta, opt, TrainingLog.read((Map<String, Object>) init, probes, src), epochs);
            return new Loaded(folder, s);
        } catch (IllegalArgumentException e) {
            throw new InputException(src + ": inconsistent checkpoint: " + e.getMessage());
        }
    }

    private static Path latest(Path dir) {
        Path pointer = dir.resolve(LATEST);
        if (Files.isRegularFile(pointer)) {
            String name;
            try {
                name = Files.readString(pointer, StandardCharsets.UTF_8).trim();
            } catch (IOException e) {
                throw new InputException(pointer + ": unreadable (" + e.getMessage() + ")");
            }
            if (!NAME.matcher(name).matches()) throw new InputException(pointer + ": expected a checkpoint name such as epoch-0004, found '" + name + "'");
            Path f = dir.resolve(name);
            if (!Files.isRegularFile(f.resolve("state.json"))) throw new InputException(pointer + " names " + name + ", but " + f + " holds no state.json");
            return f;
        }
        List<Path> found = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path f : ds) {
                Matcher mm = NAME.matcher(f.getFileName().toString());
                if (mm.matches() && Files.isRegularFile(f.resolve("state.json"))) found.add(f);
            }
        } catch (IOException e) {
            throw new InputException(dir + ": unreadable (" + e.getMessage() + ")");
        }
        return found.stream().max(Comparator.comparingLong(Checkpoints::epochOf))
                .orElseThrow(() -> new InputException("--resume " + dir + ": no checkpoint there (no '" + LATEST + "' file and no epoch-NNNN folder with a state.json)"));
    }

    private static double[] readArray(Path folder, Map<String, Object> m, int p, String src) {
        if (m == null || !(m.get("file") instanceof String name)) throw new InputException(src + ": an array entry lacks its \"file\"");
        if (name.contains("/") || name.contains("\\") || name.startsWith(".")) throw new InputException(src + ": bad array file name '" + name + "'");
        Path f = folder.resolve(name);
        String want = String.valueOf(m.get("sha256"));
        try {
            if (!sha256(f).equals(want)) throw new InputException(f + ": SHA-256 differs from the one recorded in " + src + " (damaged or replaced)");
        } catch (IOException e) {
            throw new InputException(f + ": unreadable (" + e.getMessage() + ")");
        }
        NdArray a = DataFiles.readArray(f);
        if (a.rank() != 1 || a.values().length != p || !a.dtype().equals("<f8")) {
            throw new InputException(f + ": expected a 1-D float64 array of length P = " + p + ", found " + a.dtype() + " " + NdArray.shapeText(a.shape()));
        }
        return a.values();
    }

    static String sha256(Path f) throws IOException {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(f)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required by every Java platform", e);
        }
    }

    /** A hidden name beside the target, unique to this process and moment (several JVMs may write into one folder). */
    private static String tmpName(String name) {
        return tmpName(name, ProcessHandle.current().pid(), System.nanoTime());
    }

    /** The time unsigned: System.nanoTime() may be negative, and "-" + a negative number would not be a name {@link #TMP_NAME} matches. */
    static String tmpName(String name, long pid, long nanoTime) {
        return "." + name + ".tmp-" + pid + "-" + Long.toUnsignedString(nanoTime);
    }

    private static void writeForced(Path f, byte[] bytes) throws IOException {
        Files.write(f, bytes);
        FileSync.file(f);
    }

    private static void deleteTree(Path p) throws IOException {
        if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {   // a link is removed, never what it points to
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(p)) {
                for (Path c : ds) deleteTree(c);
            }
        }
        Files.deleteIfExists(p);
    }
}
