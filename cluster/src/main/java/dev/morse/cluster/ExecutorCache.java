package dev.morse.cluster;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * State that outlives a task: made once per executor JVM ({@link #shared}) or once per executor
 * thread ({@link #perThread}), then reused by every task that JVM or thread runs.
 *
 * <p>Spark runs the tasks of one executor on a pool of threads that it reuses from task to task,
 * and keeps the JVM for the whole application (here: the whole sweep). So:
 * <ul>
 *   <li>{@link #shared}: one value per key per JVM; it must be thread-safe (several tasks run at
 *       once). Immutable things: a parsed data set, a {@code Problem}.
 *   <li>{@link #perThread}: one value per key per thread; need not be thread-safe. Mutable
 *       workspaces: an {@code Evaluator} with its buffers. When a pool thread has ended (Spark
 *       retires idle ones after a minute), its values are closed on the next call from any thread.
 * </ul>
 * Values that are {@link AutoCloseable} are closed at JVM exit (a shutdown hook), by
 * {@link #clear()}, or when their thread's entries are dropped. Keys name what the value is
 * (include anything that tells two values apart, e.g. a hash of the problem's config); a key
 * holds one type. In local mode the driver is the executor, so the caches live in the driver JVM.
 */
public final class ExecutorCache {
    private ExecutorCache() {}

    private static final Logger LOG = Logger.getLogger(ExecutorCache.class.getName());

    /** A value made at most once, without holding a map lock while the factory runs. */
    private static final class Slot {
        private Object value;
        private boolean made;

        synchronized Object get(Supplier<?> factory) {
            if (!made) {
                value = factory.get();
                made = true;
            }
            return value;
        }

        synchronized Object peek() {
            return made ? value : null;
        }
    }

    private static final ConcurrentHashMap<String, Slot> SHARED = new ConcurrentHashMap<>();
    private static final ConcurrentHashMap<Thread, Map<String, Object>> PER_THREAD = new ConcurrentHashMap<>();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(ExecutorCache::clear, "morse-executor-cache-close"));
    }

    /** The JVM's value for {@code key}, made by {@code factory} on first use (once, even under races). */
    @SuppressWarnings("unchecked")
    public static <T> T shared(String key, Supplier<? extends T> factory) {
        return (T) SHARED.computeIfAbsent(key, k -> new Slot()).get(factory);
    }

    /** This thread's value for {@code key}, made by {@code factory} on this thread's first use. */
    @SuppressWarnings("unchecked")
    public static <T> T perThread(String key, Supplier<? extends T> factory) {
        dropDeadThreads();
        Map<String, Object> mine = PER_THREAD.computeIfAbsent(Thread.currentThread(), t -> new ConcurrentHashMap<>());
        Object v = mine.get(key);
        if (v == null) {
            v = factory.get();
            mine.put(key, v);
        }
        return (T) v;
    }

    /** Closes and forgets every value (all threads). For tests, and at JVM exit. */
    public static void clear() {
        List<Object> values = new ArrayList<>();
        for (Slot s : SHARED.values()) values.add(s.peek());
        SHARED.clear();
        for (Map<String, Object> m : PER_THREAD.values()) values.addAll(m.values());
        PER_THREAD.clear();
        values.forEach(ExecutorCache::close);
    }

    /** Number of live values (shared plus per-thread): a check for tests. */
    public static int size() {
        int n = SHARED.size();
        for (Map<String, Object> m : PER_THREAD.values()) n += m.size();
        return n;
    }

    private static void dropDeadThreads() {
        for (Thread t : PER_THREAD.keySet()) {
            if (!t.isAlive()) {
                Map<String, Object> gone = PER_THREAD.remove(t);
                if (gone != null) gone.values().forEach(ExecutorCache::close);
            }
        }
    }

    private static void close(Object v) {
        if (v instanceof AutoCloseable c) {
            try {
                c.close();
            } catch (Exception e) {
                LOG.log(Level.WARNING, "closing a cached " + v.getClass().getName() + " failed", e);
            }
        }
    }
}
