package dev.morse.cli;

import java.lang.management.ManagementFactory;
import java.util.Locale;

/**
 * The process CPU clock that {@code morse bench} reads next to the wall clock: CPU time of all of
 * this process's threads, from the C library's clock where it can be called, else summed over the
 * JVM's threads.
 */
final class ProcessCpuTime {

    private ProcessCpuTime() {
    }

    /**
     * This process's CPU time (ns), all threads counted: the engine's workers, the JVM's own (JIT
     * compilers, GC) and native ones (OpenBLAS), as PyTorch's {@code time.process_time()} counts
     * them on the other side of bench/compare. Read from Linux's CLOCK_PROCESS_CPUTIME_ID through
     * the FFM API, which resolves nanoseconds (the JVM's process clock ticks in 10 ms); where that
     * is unavailable, the sum of the live threads' clocks (−1 where the JVM cannot tell), which
     * misses the JVM's own threads. On a shared machine wall times include waiting for a core; CPU
     * time counts the work done, plus the spin of waiting threads (a worker between runs and the
     * caller in a join spin at most {@code -Dmorse.spin.micros}, 100 µs, per hand-off, then park).
     */
    static long nanos() {
        if (ProcessClock.WORKS) return ProcessClock.nanos();   // chosen once: two readings never mix the clocks
        java.lang.management.ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        if (!mx.isThreadCpuTimeSupported() || !mx.isThreadCpuTimeEnabled()) return -1;
        long sum = 0;
        for (long id : mx.getAllThreadIds()) {
            long c = mx.getThreadCpuTime(id);
            if (c > 0) sum += c;
        }
        return sum;
    }

    /** clock_gettime(CLOCK_PROCESS_CPUTIME_ID) from the C library, or −1 where it cannot be called. */
    static final class ProcessClock {
        private static final int CLOCK_PROCESS_CPUTIME_ID = 2;   // Linux
        private static final java.lang.invoke.MethodHandle CLOCK_GETTIME = find();
        private static final java.lang.foreign.MemorySegment TIMESPEC =
                CLOCK_GETTIME == null ? null : java.lang.foreign.Arena.global().allocate(16, 8);   // {long tv_sec; long tv_nsec}

        private static java.lang.invoke.MethodHandle find() {
            if (!System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("linux")) return null;
            try {
                java.lang.foreign.Linker linker = java.lang.foreign.Linker.nativeLinker();
                return linker.defaultLookup().find("clock_gettime").map(f -> linker.downcallHandle(f,
                        java.lang.foreign.FunctionDescriptor.of(java.lang.foreign.ValueLayout.JAVA_INT, java.lang.foreign.ValueLayout.JAVA_INT,
                                java.lang.foreign.ValueLayout.ADDRESS))).orElse(null);
            } catch (RuntimeException | LinkageError e) {   // no native access: the fallback
                return null;
            }
        }

        /** Whether the C library's clock answered at class initialization; then it is the one clock used. */
        static final boolean WORKS = nanos() >= 0;

        static synchronized long nanos() {
            if (CLOCK_GETTIME == null) return -1;
            try {
                int rc = (int) CLOCK_GETTIME.invokeExact(CLOCK_PROCESS_CPUTIME_ID, TIMESPEC);
                if (rc != 0) return -1;
                return TIMESPEC.get(java.lang.foreign.ValueLayout.JAVA_LONG, 0) * 1_000_000_000L + TIMESPEC.get(java.lang.foreign.ValueLayout.JAVA_LONG, 8);
            } catch (Throwable e) {
                return -1;
            }
        }
    }
}
