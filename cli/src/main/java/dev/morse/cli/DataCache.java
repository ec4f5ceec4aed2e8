package dev.morse.cli;

import dev.morse.engine.Dataset;
import java.io.IOException;
import java.lang.ref.SoftReference;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * The data sets this JVM has loaded, kept through soft references and reused by every command
 * that asks for the same data. One process per command gains nothing from it; a JVM that runs
 * many commands does: a sweep runs each task's steps in-process inside a Spark executor, and
 * loading Fashion-MNIST (60 000 × 784 doubles, 376 MB) for each of them would cost more than the
 * analyses of small models.
 *
 * <p>The key is everything the loaded {@link Dataset} depends on: for a built-in set, the
 * {@code --data} text, {@code --data-seed}, {@code --samples} and what {@link SyntheticData} reads
 * of the model ({@link SyntheticData#modelKey}); for Fashion-MNIST, the training and test counts
 * and the data folder (path, modification time); for files, each file's absolute path, size and
 * modification time (a rewritten file is read again), {@code --target-column}, {@code --samples},
 * the model's d0 and C and the loss (which decide how targets are read). Datasets are immutable,
 * so sharing one between commands and threads is safe. The garbage collector may drop an entry
 * under memory pressure; it is then loaded again. Two threads asking for the same key at once
 * load it once (the second waits). Loading errors are not cached.
 */
final class DataCache {
    private DataCache() {}

    /** A loaded data set, its held-out split if any (Fashion-MNIST's test images), and its one-line description (for reports). */
    record Entry(Dataset data, Dataset test, String description) {
        Entry(Dataset data, String description) {
            this(data, null, description);
        }
    }

    private static final class Holder {
        private SoftReference<Entry> ref;

        synchronized Entry get(Supplier<Entry> load) {
            Entry e = ref == null ? null : ref.get();
            if (e == null) {
                e = load.get();
                ref = new SoftReference<>(e);
                LOADS.incrementAndGet();
            }
            return e;
        }

        synchronized boolean cleared() {
            return ref != null && ref.get() == null;
        }
    }

    private static final Map<List<Object>, Holder> CACHE = new ConcurrentHashMap<>();
    private static final AtomicLong LOADS = new AtomicLong();

    /** The entry for {@code key}, loaded by {@code load} when absent or collected. */
    static Entry get(List<Object> key, Supplier<Entry> load) {
        if (CACHE.size() > 64) CACHE.values().removeIf(Holder::cleared);   // keys of collected entries
        return CACHE.computeIfAbsent(List.copyOf(key), k -> new Holder()).get(load);
    }

    /** How many times a data set was loaded (not served from the cache) in this JVM: for tests. */
    static long loads() {
        return LOADS.get();
    }

    /** Forgets every entry (tests). */
    static void clear() {
        CACHE.clear();
    }

    /**
     * A file's identity for a key: absolute path, size and modification time; null when the file
     * cannot be read (then the caller loads without the cache, and the loader names the problem).
     */
    static List<Object> fileKey(Path file) {
        if (file == null) return List.of("-");
        try {
            Path abs = file.toAbsolutePath().normalize();
            BasicFileAttributes a = Files.readAttributes(abs, BasicFileAttributes.class);
            List<Object> k = new ArrayList<>();
            k.add(abs.toString());
            k.add(a.size());
            k.add(a.lastModifiedTime().toString());   // full precision
            k.add(a.fileKey() == null ? "" : a.fileKey().toString());
            return k;
        } catch (IOException | SecurityException e) {
            return null;
        }
    }
}
