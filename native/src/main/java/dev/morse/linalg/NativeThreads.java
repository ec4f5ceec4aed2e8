package dev.morse.linalg;

/**
 * The one owner of OpenBLAS's thread count in this process. OpenBLAS keeps a single, global
 * count (its pthreads build has no per-caller setting), while Morse runs two kinds of work:
 *
 * <ul>
 *   <li><b>engine work</b>: Morse's own worker threads each call small BLAS-3 kernels on their
 *       chunk of samples; OpenBLAS must then use one thread per call, or two pools oversubscribe
 *       the cores. This is the process default: the count is set to 1 on first use.
 *   <li><b>dense work</b> (LDLᵀ and Cholesky factorizations, eigendecompositions): big LAPACK/BLAS
 *       calls, while the engine's workers are idle; they should get every core. (dsyevd runs on
 *       one thread even so, see {@link #atOneThread}.)
 * </ul>
 *
 * <p>Dense work opens a {@linkplain #dense(int) scope} (try-with-resources) that raises the count
 * for its duration and restores 1 on close. The policy when several threads (e.g. two
 * evaluators, or Spark task threads in one executor) use OpenBLAS at once:
 * <ol>
 *   <li>A scope raises the count only when no other thread holds a scope and no engine work is
 *       running in another thread; otherwise it runs at 1 thread ({@link Scope#threads()} says
 *       so), because changing the count under another thread's running BLAS call is unsafe and
 *       oversubscribes the cores. A scope that starts while another thread holds a raised one
 *       waits until that one closes, as engine work does (below): it would otherwise run at the
 *       raised count, and that scope's close would lower the count under its call.
 *   <li>Engine work ({@link #enterEngine()} … {@link #exitEngine()}) that starts while another
 *       thread holds a raised scope waits until that scope closes (the scope's dense work: a
 *       factorization, an eigendecomposition, or several of them), so
 *       its workers never run under a raised count. Engine work on the scope's own thread (nested)
 *       lowers the count to 1 for its duration.
 *   <li>Scopes nest on one thread: the outermost decides the count.
 * </ol>
 * Raising and restoring never allocate; engine entry is a lock-free check when no scope is
 * raised. When OpenBLAS is not loaded (Java fallback) the bookkeeping is the same and setting the
 * count does nothing.
 */
public final class NativeThreads {
    private NativeThreads() {}

    private static final Object LOCK = new Object();
    /** Thread holding raised scopes, its nesting depth, and the count it raised to (1: not raised). */
    private static Thread owner;
    private static int ownerDepth;
    private static volatile int raisedTo = 1;
    /** Threads with scopes that run at 1 (not raised), by count. */
    private static int sharedScopes;
    /** Engine runs in progress (all threads). */
    private static int engineRuns;
    private static boolean initialized;
    private static volatile int budget = Runtime.getRuntime().availableProcessors();

    /** A dense-work scope: {@link #threads()} is the count OpenBLAS runs at inside it. */
    public static final class Scope implements AutoCloseable {
        private final int threads;
        private final boolean owning;
        private boolean closed;

        private Scope(int threads, boolean owning) {
            this.threads = threads;
            this.owning = owning;
        }

        /** OpenBLAS threads while this scope is open (1 when it could not raise). */
        public int threads() {
            return threads;
        }

        @Override
        public void close() {
            if (closed) return;
            closed = true;
            synchronized (LOCK) {
                if (owning) {
                    if (--ownerDepth == 0) {
                        owner = null;
                        if (raisedTo != 1) {
                            OpenBlas.setThreads(1);
                            raisedTo = 1;
                        }
                        LOCK.notifyAll();
                    }
                } else {
                    sharedScopes--;
                }
            }
        }
    }

    /** The cores dense work may use: all available processors unless {@link #setBudget} says otherwise. */
    public static int budget() {
        return budget;
    }

    /** Limits dense work to n threads process-wide (e.g. one Spark executor's share of a machine). */
    public static void setBudget(int n) {
        if (n < 1) throw new IllegalArgumentException("native thread budget must be ≥ 1, got " + n);
        budget = n;
    }

    /** Sets OpenBLAS to one thread, once; engines call it when they start. */
    public static void init() {
        synchronized (LOCK) {
            if (!initialized) {
                OpenBlas.setThreads(1);
                initialized = true;
            }
        }
    }

    /** A scope for dense work with up to {@link #budget()} threads. */
    public static Scope dense() {
        return dense(budget);
    }

    /** A scope for dense work with up to n threads (see the class comment for when it can raise). */
    public static Scope dense(int n) {
        if (n < 1) throw new IllegalArgumentException("threads must be ≥ 1, got " + n);
        init();
        Thread me = Thread.currentThread();
        synchronized (LOCK) {
            if (owner == me) {
                ownerDepth++;
                return new Scope(raisedTo, true);
            }
            // The count is global: a scope at 1 opened under another thread's raised one would run at
            // that thread's count, and its close (setThreads(1)) would change it under this call.
            awaitNoRaisedScopeOfAnotherThread(me);
            boolean alone = owner == null && sharedScopes == 0 && engineRuns == 0;
            if (!alone || n == 1) {
                sharedScopes++;
                return new Scope(1, false);
            }
            owner = me;
            ownerDepth = 1;
            int t = Math.min(n, budget);
            if (t != 1) {
                OpenBlas.setThreads(t);   // a no-op on the Java fallback, which is single-threaded anyway
                raisedTo = t;
            }
            return new Scope(raisedTo, true);
        }
    }

    /**
     * Marks the start of engine work on this thread (its workers call BLAS with one thread each).
     * Waits while another thread holds a raised scope; lowers the count to 1 when this thread
     * holds one itself. Pair with {@link #exitEngine()} in a finally block.
     */
    public static void enterEngine() {
        Thread me = Thread.currentThread();
        synchronized (LOCK) {
            awaitNoRaisedScopeOfAnotherThread(me);
            if (owner == me && raisedTo != 1) OpenBlas.setThreads(1);
            engineRuns++;
        }
    }

    /** Waits (holding LOCK) while a thread other than {@code me} holds a raised scope: for that scope's dense work. */
    private static void awaitNoRaisedScopeOfAnotherThread(Thread me) {
        while (owner != null && owner != me && raisedTo != 1) {
            try {
                LOCK.wait();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                // a cancellation, as Cancellation.check gives: nothing of this thread's work has started
                throw new java.util.concurrent.CancellationException("interrupted while waiting for dense LAPACK work of another thread");
            }
        }
    }

    /** Marks the end of engine work started by {@link #enterEngine()}. */
    public static void exitEngine() {
        Thread me = Thread.currentThread();
        synchronized (LOCK) {
            engineRuns--;
            if (owner == me && raisedTo != 1) OpenBlas.setThreads(raisedTo);
        }
    }

    /**
     * Runs a call whose bits depend on OpenBLAS's thread count at one thread: within this thread's
     * raised scope the count is lowered for the call and restored after (no other thread's BLAS
     * runs meanwhile: they wait for the scope). Outside a raised scope of this thread the count is
     * already 1, unless another thread raised it, whose scope a caller of dense work waits for by
     * opening its own ({@link #dense}). For dsyevd, whose multi-threaded reduction gave
     * different last bits with 1 and 2 threads already at n = 300, where SPEC §8 asks for the same
     * bits for any thread count; on 2 vCPUs two threads were no faster at n = 2000.
     */
    static <T> T atOneThread(java.util.function.Supplier<T> call) {
        init();   // OpenBLAS's own default is every core
        boolean lower;
        synchronized (LOCK) {
            lower = owner == Thread.currentThread() && raisedTo != 1;
            if (lower) OpenBlas.setThreads(1);
        }
        try {
            return call.get();
        } finally {
            if (lower) {
                synchronized (LOCK) {
                    OpenBlas.setThreads(raisedTo);
                }
            }
        }
    }

    /** The count OpenBLAS runs at now, as this class set it (1 unless a scope raised it). */
    public static int current() {
        return raisedTo;
    }
}
