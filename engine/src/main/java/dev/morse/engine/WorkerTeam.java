package dev.morse.engine;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * A fixed team of worker threads that run one task per slot and wait, without allocating: the
 * caller is slot 0 and the team's daemon threads are slots 1..size−1, woken by
 * {@link LockSupport#unpark} and counted back with an atomic counter. Steady-state products then
 * allocate nothing (a thread pool would allocate futures and queue nodes on every wave).
 *
 * <p>One run at a time (the owning {@link Objective} is not thread-safe). Threads start lazily and
 * end when {@link #close()} is called or the owner becomes unreachable (a Cleaner calls close).
 */
final class WorkerTeam implements AutoCloseable {

    /** Work for one slot. */
    interface SlotTask {
        void run(int slot);
    }

    private final int size;
    private final Thread[] threads;
    private volatile SlotTask task;
    private volatile int participants;
    private volatile int generation;
    private volatile boolean closed;
    private volatile Thread caller;
    private volatile Throwable failure;
    private final AtomicInteger pending = new AtomicInteger();
    private static final AtomicInteger TEAMS = new AtomicInteger();
    private final int id = TEAMS.incrementAndGet();

    WorkerTeam(int size) {
        this.size = size;
        this.threads = new Thread[size];
    }

    /** Name of slot s's thread: morse-worker-TEAM-SLOT. */
    String threadName(int slot) {
        return "morse-worker-" + id + "-" + slot;
    }

    int size() {
        return size;
    }

    /** Runs task(slot) for slots 0..n−1 (n ≤ size) and returns when all are done; rethrows a worker's failure. */
    void run(SlotTask t, int n) {
        if (n == 1) {
            t.run(0);
            return;
        }
        if (closed) throw new IllegalStateException("worker team is closed");
        startThreads(n);
        task = t;
        participants = n;
        failure = null;
        caller = Thread.currentThread();
        pending.set(n - 1);
        generation++;   // volatile write publishes task, participants and failure
        for (int s = 1; s < n; s++) LockSupport.unpark(threads[s]);
        Throwable own = null;
        try {
            t.run(0);
        } catch (Throwable e) {
            own = e;
        }
        while (pending.get() != 0) LockSupport.park(this);
        task = null;   // no reference to the owner's state survives the run
        Throwable f = own != null ? own : failure;
        if (f instanceof RuntimeException re) throw re;
        if (f instanceof Error err) throw err;
        if (f != null) throw new IllegalStateException(f);
    }

    private void startThreads(int n) {
        for (int s = 1; s < n; s++) {
            if (threads[s] == null) {
                final int slot = s;
                final int seen = generation;
                Thread th = new Thread(() -> loop(slot, seen), threadName(s));
                th.setDaemon(true);
                threads[s] = th;
                th.start();
            }
        }
    }

    private void loop(int slot, int seen) {
        while (true) {
            int g;
            while ((g = generation) == seen) {
                if (closed) return;
                LockSupport.park(this);
            }
            seen = g;
            if (closed) return;
            if (slot < participants) {
                try {
                    task.run(slot);
                } catch (Throwable e) {
                    failure = e;
                }
                if (pending.decrementAndGet() == 0) LockSupport.unpark(caller);
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        for (Thread t : threads) if (t != null) LockSupport.unpark(t);
    }
}
