package dev.morse.engine;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * A fixed team of worker threads that run one task per slot and wait, without allocating: the
 * caller is slot 0 and the team's daemon threads are slots 1..size−1, handed a run by a volatile
 * write and an {@link LockSupport#unpark} (which wakes a parked thread and costs a spinning one
 * little) and counted back with an atomic counter. Steady-state products then
 * allocate nothing (a thread pool would allocate futures and queue nodes on every wave).
 *
 * <p><b>Publishing a run.</b> A run is (generation, participants, task). The generation and the
 * number of participants travel in one volatile {@code long}, written after the task, so a
 * worker that reads it sees a consistent pair and the task of that very run: a worker woken
 * late (or spuriously) can never pair one run's generation with the next run's participants.
 * The next run cannot be published while a participant of this one is still running (the caller
 * waits for all of them), so the task a participant reads is the one of the generation it saw.
 *
 * <p><b>Spinning before parking.</b> A product is a few team runs in a row (its chunks' waves, the
 * sums between them), so a thread that has finished its part is usually needed again within
 * microseconds. Parking it at once costs a futex sleep and wake-up per hand-off, and on a VM the
 * wake-up of an idle vCPU can take far longer; so a waiting thread (a worker between runs, the
 * caller in {@link #join}) first spins for {@code morse.spin.micros} µs (default
 * {@value #DEFAULT_SPIN_MICROS}; 0 parks at once), then parks; a worker's spin restarts only after
 * a run it took part in. Spinning threads hold their cores: with more engine threads than cores
 * (or several busy evaluators in one JVM), 0 is the setting. Measured on 2 vCPUs of an AMD EPYC:
 * the 784-256-256-10 gradient 11.05–11.4 ms median against 11.7–13.7 parking at once, the H·v
 * of 100-100-100-10 and 20-50-50-1 0.62–0.81 ms against 0.73–0.93 (bench/RESULTS.md, "Machine C").
 *
 * <p>One run at a time (the owning {@link Evaluator} serializes its requests): {@link #start}
 * hands slots 1..n−1 to the team, the caller runs slot 0 itself and {@link #join}s ({@link #run}
 * does the three). Threads start lazily and end when {@link #close()} is called.
 */
final class WorkerTeam implements AutoCloseable {

    /** Work for one slot. */
    interface SlotTask {
        void run(int slot);
    }

    /** Microseconds a waiting thread spins before it parks, unless {@code morse.spin.micros} says otherwise. */
    static final long DEFAULT_SPIN_MICROS = 100;
    /** The longest spin a team accepts (1 s). */
    static final long MAX_SPIN_MICROS = 1_000_000;
    /** The system property that sets the spin (µs, 0..{@value #MAX_SPIN_MICROS}). */
    static final String SPIN_PROPERTY = "morse.spin.micros";

    private final int size;
    private final long spinNanos;
    private final Thread[] threads;
    private SlotTask task;                 // published by the volatile write of `run`
    private volatile long run;             // generation << 16 | participants
    private volatile boolean closed;
    private volatile Thread caller;
    private volatile Throwable failure;
    private final AtomicInteger pending = new AtomicInteger();
    private static final AtomicInteger TEAMS = new AtomicInteger();
    private final int id = TEAMS.incrementAndGet();
    /** Test hook: a delay (ns) a worker sleeps between reading the run and acting on it; 0 in production. */
    volatile long testDelayNanos;

    /** A team of {@code size} slots that spins as {@value #SPIN_PROPERTY} says. */
    WorkerTeam(int size) {
        this(size, spinMicros());
    }

    /** A team of {@code size} slots whose waiting threads spin {@code spinMicros} µs before parking. */
    WorkerTeam(int size, long spinMicros) {
        if (size < 1 || size > 0xFFFF) throw new IllegalArgumentException("team size must be in 1..65535, got " + size);
        if (spinMicros < 0 || spinMicros > MAX_SPIN_MICROS) {
            throw new IllegalArgumentException("spin must be in 0.." + MAX_SPIN_MICROS + " µs, got " + spinMicros);
        }
        this.size = size;
        this.spinNanos = spinMicros * 1000;
        this.threads = new Thread[size];
    }

    /** The spin before parking, from {@value #SPIN_PROPERTY}: a whole number of µs in 0..{@value #MAX_SPIN_MICROS}; unset or blank: the default. */
    static long spinMicros() {
        String v = System.getProperty(SPIN_PROPERTY);
        if (v == null || v.isBlank()) return DEFAULT_SPIN_MICROS;
        long us;
        try {
            us = Long.parseLong(v.strip());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("-D" + SPIN_PROPERTY + "=" + v + ": expected a whole number of microseconds (0 parks at once)");
        }
        if (us < 0 || us > MAX_SPIN_MICROS) {
            throw new IllegalArgumentException("-D" + SPIN_PROPERTY + "=" + v + ": must be in 0.." + MAX_SPIN_MICROS + " µs (0 parks at once)");
        }
        return us;
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
        start(t, n);
        Throwable own = null;
        try {
            t.run(0);
        } catch (Throwable e) {
            own = e;
        }
        join(own);
    }

    /**
     * Starts task(slot) for slots 1..n−1 (n ≤ size) on the team's threads and returns at once: the
     * caller runs slot 0 itself, then calls {@link #join}. Nothing is published when n = 1.
     */
    void start(SlotTask t, int n) {
        if (n < 1 || n > size) throw new IllegalArgumentException("participants " + n + " not in 1.." + size);
        if (closed) throw new IllegalStateException("worker team is closed");
        failure = null;
        if (n == 1) return;
        startThreads(n);
        caller = Thread.currentThread();
        pending.set(n - 1);
        task = t;
        long gen = (run >>> 16) + 1;
        run = gen << 16 | n;   // one volatile write publishes generation, participants and task
        for (int s = 1; s < n; s++) LockSupport.unpark(threads[s]);
    }

    /** Whether the current thread is one of this team's workers (slots 1 …). */
    boolean isWorker() {
        Thread me = Thread.currentThread();
        for (Thread t : threads) {
            if (t == me) return true;
        }
        return false;
    }

    /**
     * Waits until the slots {@link #start} gave the team are done, then rethrows the caller's own
     * failure in slot 0 ({@code own}, or null) or else a worker's. Must follow every start, also
     * when slot 0 failed, so that no run overlaps the next.
     */
    void join(Throwable own) {
        long spinUntil = System.nanoTime() + spinNanos;
        while (pending.get() != 0) spinOrPark(spinUntil);
        task = null;   // no reference to the owner's state survives the run
        Throwable f = own != null ? own : failure;
        failure = null;
        if (f instanceof RuntimeException re) throw re;
        if (f instanceof Error err) throw err;
        if (f != null) throw new IllegalStateException(f);
    }

    private void startThreads(int n) {
        for (int s = 1; s < n; s++) {
            if (threads[s] == null) {
                final int slot = s;
                final long seen = run >>> 16;
                Thread th = new Thread(() -> loop(slot, seen), threadName(s));
                th.setDaemon(true);
                threads[s] = th;
                th.start();
            }
        }
    }

    private void loop(int slot, long seen) {
        // The spin's deadline restarts only after a run this slot took part in: a slot left out of
        // a stream of narrower runs (a last wave, fewer tasks than threads) parks after its spin
        // instead of spinning for as long as the stream lasts.
        long spinUntil = System.nanoTime() + spinNanos;
        while (true) {
            if (closed) {
                // Closed during a run this slot belongs to (the run read after `closed`, so a run
                // published before the close is seen): fail it, so that the caller's join returns
                // with the failure instead of waiting for this slot forever.
                long r = run;
                if ((r >>> 16) != seen && slot < (int) (r & 0xFFFF)) finish(new IllegalStateException("worker team closed during a run"));
                return;
            }
            long r = run;
            if ((r >>> 16) == seen) {
                spinOrPark(spinUntil);
                continue;
            }
            seen = r >>> 16;
            long delay = testDelayNanos;
            if (delay > 0) LockSupport.parkNanos(delay);
            if (slot < (int) (r & 0xFFFF)) {
                Throwable failed = null;
                try {
                    task.run(slot);
                } catch (Throwable e) {
                    failed = e;
                }
                finish(failed);
                spinUntil = System.nanoTime() + spinNanos;
            }
        }
    }

    /** One step of a wait: a spin hint until {@code spinUntil} (System.nanoTime), a park after it (until an unpark). */
    private void spinOrPark(long spinUntil) {
        if (System.nanoTime() - spinUntil < 0) Thread.onSpinWait();
        else LockSupport.park(this);
    }

    /** A participant's end of a run: records its failure (or null) and counts it back to the caller. */
    private void finish(Throwable failed) {
        if (failed != null) failure = failed;
        if (pending.decrementAndGet() == 0) LockSupport.unpark(caller);
    }

    @Override
    public void close() {
        closed = true;
        for (Thread t : threads) if (t != null) LockSupport.unpark(t);
    }
}
