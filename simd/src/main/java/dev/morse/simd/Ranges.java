package dev.morse.simd;

/**
 * Elementwise work over the entries [0, n), cut into ranges that may run on several threads. Every
 * entry lies in exactly one range and a task treats its range's entries independently of the
 * others, so the result's bits never depend on the cut: the same for {@link #SERIAL} (one range on
 * the calling thread) and for {@code dev.morse.engine.Evaluator#ranges()} (one range per worker
 * of the evaluator, the one owner of the cores, between its requests). An optimizer step over θ
 * and the thick restart of Lanczos are such work. A task whose sums must not depend on the cut
 * may instead take fixed blocks, those that start in its range (the blocked passes of a Lanczos
 * step): every block is still one task's. It lives here, beside the kernels it runs, so
 * that the generic operator code can take it from any operator without knowing the engine.
 */
@FunctionalInterface
public interface Ranges {

    /**
     * Runs task over ranges that together cover [0, n) once; returns when all are done. What the
     * caller wrote before the call is visible to every task, and what the tasks wrote is visible
     * to the caller after it (an implementation on other threads must establish both).
     */
    void run(int n, Task task);

    /** Work on the entries [from, to). */
    @FunctionalInterface
    interface Task {
        void run(int from, int to);
    }

    /**
     * Entries per block of a task that runs several passes over each block of its range before the
     * next (a sum of parts and the update fused after it, θ's finiteness test, comparison and
     * copy): 4096 doubles, 32 KiB, stay in L1 between the passes.
     */
    int CACHE_BLOCK = 4096;

    /** One range, [0, n), on the calling thread. */
    Ranges SERIAL = (n, task) -> task.run(0, n);
}
