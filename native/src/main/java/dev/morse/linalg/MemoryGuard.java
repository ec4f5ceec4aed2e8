package dev.morse.linalg;

import java.util.Locale;

/**
 * Refuses dense allocations that cannot succeed, before they are attempted, with a message that
 * says what was asked for, what the heap has, and what to do instead.
 *
 * <p>Two limits apply. (1) One Java array holds at most {@value #MAX_ARRAY_LENGTH} elements
 * (2³¹−1 minus the few header words HotSpot reserves), so a row-major rows×cols matrix in one
 * {@code double[]} needs rows·cols ≤ {@value #MAX_ARRAY_LENGTH}; for a square matrix that is
 * n ≤ 46340. (2) The bytes must fit in what the heap can still provide,
 * {@code maxMemory − (totalMemory − freeMemory)}. Because "used" includes garbage that a
 * collection would reclaim, a request that fails (2) but fits in {@code maxMemory} triggers one
 * {@link System#gc()} and a second measurement before it is refused; the GC happens only on the
 * path that would otherwise throw, never on successful checks.
 *
 * <p>The estimate counts 8 bytes per double and ignores array headers (16 bytes).
 */
public final class MemoryGuard {

    /** Largest array length HotSpot allocates reliably (the JDK's own {@code ArraysSupport} limit). */
    public static final long MAX_ARRAY_LENGTH = Integer.MAX_VALUE - 8;

    /** Largest n with n·n ≤ {@link #MAX_ARRAY_LENGTH}. */
    public static final int MAX_SQUARE_ORDER = 46340;

    private static final double GIB = 1024.0 * 1024 * 1024;

    private MemoryGuard() {
    }

    /**
     * Checks that one rows×cols {@code double[]} can be allocated.
     *
     * @param rows number of rows (≥ 0)
     * @param cols number of columns (≥ 0)
     * @param what what the matrix is, for the message, e.g. {@code "dense Hessian"}
     * @throws MemoryLimitException     if rows·cols exceeds the array limit or the free heap
     * @throws IllegalArgumentException if rows or cols is negative
     */
    public static void checkDense(long rows, long cols, String what) {
        checkDense(rows, cols, 1.0, what);
    }

    /**
     * Checks that an operation holding {@code arrays} matrices of rows×cols doubles at once
     * (the matrix itself counts as 1; e.g. 3 for a copy plus a 2n² LAPACK workspace) fits in the
     * heap, and that one rows×cols matrix fits in a Java array.
     *
     * @param rows   number of rows (≥ 0)
     * @param cols   number of columns (≥ 0)
     * @param arrays workspace factor: total bytes = arrays · rows · cols · 8 (finite, &gt; 0)
     * @param what   what the matrix is, for the message
     * @throws MemoryLimitException     if the request cannot be met
     * @throws IllegalArgumentException if an argument is out of range
     */
    public static void checkDense(long rows, long cols, double arrays, String what) {
        if (rows < 0 || cols < 0) {
            throw new IllegalArgumentException("rows=" + rows + ", cols=" + cols + ": both must be ≥ 0");
        }
        if (!(arrays > 0) || Double.isInfinite(arrays)) {
            throw new IllegalArgumentException("workspace factor arrays=" + arrays + " must be finite and > 0");
        }
        double elements = (double) rows * cols; // double: rows·cols may overflow a long
        double bytes = arrays * elements * Double.BYTES;
        String shape = rows + "×" + cols;
        String arraysText = arrays == 1.0 ? "" : " (" + trim(arrays) + " arrays of " + shape + " doubles)";
        if (elements > MAX_ARRAY_LENGTH) {
            String limit = rows == cols ? "n ≤ " + MAX_SQUARE_ORDER : "rows·cols ≤ " + MAX_ARRAY_LENGTH;
            throw refuse(what + " of " + shape + " needs " + formatBytes(bytes) + " (one array of "
                    + scientific(elements) + " doubles, over Java's 2^31-1 element limit; " + limit + ")",
                    bytes);
        }
        checkHeap(what + " of " + shape + " needs " + formatBytes(bytes) + arraysText, bytes);
    }

    /**
     * Checks, then allocates one zero-filled row-major rows×cols matrix.
     *
     * @return a new {@code double[rows·cols]}
     * @throws MemoryLimitException if {@link #checkDense(long, long, String)} refuses, or if the
     *                              JVM still runs out of memory (the error is translated)
     */
    public static double[] allocateDense(long rows, long cols, String what) {
        checkDense(rows, cols, what);
        try {
            return new double[(int) (rows * cols)];
        } catch (OutOfMemoryError e) {
            // Another thread may have taken the memory between the check and the allocation.
            double bytes = (double) rows * cols * Double.BYTES;
            MemoryLimitException ex = refuse(what + " of " + rows + "×" + cols + " needs " + formatBytes(bytes)
                    + " (allocation failed after the check passed)", bytes);
            ex.initCause(e);
            throw ex;
        }
    }

    /**
     * Checks a LAPACK workspace: the largest single array has {@code largestArray} elements and
     * all arrays together take {@code totalBytes}.
     */
    static void checkWorkspace(String what, long largestArray, double totalBytes, String limitHint) {
        if (largestArray > MAX_ARRAY_LENGTH) {
            throw refuse(what + " needs " + formatBytes(totalBytes) + " (one array of " + scientific(largestArray)
                    + " elements, over Java's 2^31-1 element limit; " + limitHint + ")", totalBytes);
        }
        checkHeap(what + " needs " + formatBytes(totalBytes), totalBytes);
    }

    /**
     * Whether {@code arrays} matrices of rows×cols doubles (total bytes arrays·rows·cols·8) could be
     * allocated now without refusal by {@link #checkDense(long, long, double, String)}: for plans
     * that choose between a faster and a leaner path (keep a copy, or recompute). Same rules as
     * {@code checkDense}, including one collection before answering no; never throws for memory.
     */
    public static boolean fits(long rows, long cols, double arrays) {
        if (rows < 0 || cols < 0 || !(arrays > 0) || Double.isInfinite(arrays)) {
            throw new IllegalArgumentException("rows=" + rows + ", cols=" + cols + ", arrays=" + arrays + ": expected ≥ 0, ≥ 0, finite > 0");
        }
        double elements = (double) rows * cols;
        if (elements > MAX_ARRAY_LENGTH) {
            return false;
        }
        double bytes = arrays * elements * Double.BYTES;
        if (bytes <= availableBytes()) {
            return true;
        }
        if (bytes > Runtime.getRuntime().maxMemory()) {
            return false;
        }
        System.gc();
        return bytes <= availableBytes();
    }

    /**
     * Checks an allocation plan described by the caller: {@code bytes} in all, the largest single
     * array holding {@code largestArray} elements. Refuses with the caller's {@code advice} (what
     * to change for this command) instead of the generic "use a matrix-free method", which is
     * wrong advice for the matrix-free methods themselves.
     *
     * @param what         what needs the memory, with its sizes, e.g. {@code "Lanczos basis (m+1 = 41 vectors of length P = 1e6)"}
     * @param largestArray elements of the largest single array (doubles or bytes, as counted by the caller)
     * @param bytes        total bytes of the plan
     * @param advice       one sentence: what to do instead
     * @throws MemoryLimitException if one array exceeds Java's limit or the bytes exceed the free heap
     */
    public static void check(String what, double largestArray, double bytes, String advice) {
        if (!(bytes >= 0) || !(largestArray >= 0)) {
            throw new IllegalArgumentException("bytes=" + bytes + ", largestArray=" + largestArray + ": both must be ≥ 0");
        }
        if (largestArray > MAX_ARRAY_LENGTH) {
            throw refuse(what + " needs " + formatBytes(bytes) + " (one array of " + scientific(largestArray)
                    + " elements, over Java's 2^31-1 element limit)", bytes, advice);
        }
        checkHeap(what + " needs " + formatBytes(bytes), bytes, advice);
    }

    /** Bytes the heap can still provide now: maxMemory − (totalMemory − freeMemory). */
    public static long availableBytes() {
        Runtime rt = Runtime.getRuntime();
        long max = rt.maxMemory();
        if (max == Long.MAX_VALUE) {
            return Long.MAX_VALUE; // no -Xmx limit reported
        }
        return Math.max(0, max - (rt.totalMemory() - rt.freeMemory()));
    }

    private static void checkHeap(String needs, double bytes) {
        checkHeap(needs, bytes, DEFAULT_ADVICE);
    }

    /** Returns when the heap can give {@code bytes} (after one collection if need be); else refuses with the advice. */
    private static void checkHeap(String needs, double bytes, String advice) {
        if (bytes <= availableBytes()) {
            return;
        }
        if (bytes <= Runtime.getRuntime().maxMemory()) {
            // "used" counts garbage; one collection tells whether the space is really taken.
            System.gc();
            if (bytes <= availableBytes()) {
                return;
            }
        }
        throw refuse(needs, bytes, advice);
    }

    private static final String DEFAULT_ADVICE = "Use a matrix-free method (Lanczos) instead, or raise -Xmx if the size is intended.";

    private static MemoryLimitException refuse(String needs, double bytes) {
        return refuse(needs, bytes, DEFAULT_ADVICE);
    }

    private static MemoryLimitException refuse(String needs, double bytes, String advice) {
        long available = availableBytes();
        long max = Runtime.getRuntime().maxMemory();
        String heap = max == Long.MAX_VALUE
                ? "the heap has no reported maximum"
                : "the heap has " + formatBytes(available) + " free of " + formatBytes(max) + " max";
        return new MemoryLimitException(needs + "; " + heap + ". " + advice,
                bytes >= Long.MAX_VALUE ? Long.MAX_VALUE : (long) bytes, available);
    }

    /** Human-readable size: "26.8 GiB", "512.0 MiB", "3.0 KiB", "12 bytes". */
    public static String formatBytes(double bytes) {
        if (bytes >= GIB) {
            return String.format(Locale.ROOT, "%.1f GiB", bytes / GIB);
        }
        if (bytes >= 1024 * 1024) {
            return String.format(Locale.ROOT, "%.1f MiB", bytes / (1024 * 1024));
        }
        if (bytes >= 1024) {
            return String.format(Locale.ROOT, "%.1f KiB", bytes / 1024);
        }
        return (long) bytes + " bytes";
    }

    /** "3.6e9" rather than Java's "3.6e+09". */
    private static String scientific(double x) {
        if (x < 1e6) {
            return Long.toString((long) x);
        }
        int exp = (int) Math.floor(Math.log10(x));
        double mantissa = x / Math.pow(10, exp);
        if (mantissa >= 9.95) { // rounding to one decimal would print "10.0e8"
            mantissa /= 10;
            exp++;
        }
        return String.format(Locale.ROOT, "%.1fe%d", mantissa, exp);
    }

    private static String trim(double x) {
        return x == Math.rint(x) ? Long.toString((long) x) : Double.toString(x);
    }
}
