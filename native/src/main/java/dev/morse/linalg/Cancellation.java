package dev.morse.linalg;

import java.util.concurrent.CancellationException;

/**
 * Cooperative cancellation of long work by {@link Thread#interrupt()}: dense assembly, the Morse
 * check, Lanczos, block Lanczos, SLQ, the trace estimators, MINRES, the refinements and training
 * test the calling thread's interrupt flag where they report progress or start an iteration
 * (between column blocks, Lanczos steps, probes, iterations, minibatch steps) and end with a
 * {@link CancellationException} naming the work, leaving the flag set (so that an executor or the
 * caller still sees it). A test falls between requests to an evaluator, never inside one: the
 * evaluator stays usable, and its next call gives the same bits as it would have.
 *
 * <p>A LAPACK call (an eigendecomposition, a factorization) cannot be interrupted: an interrupt
 * during one takes effect when it returns, at the next test. At P = 10⁴ a dense eigendecomposition
 * takes tens of seconds.
 */
public final class Cancellation {
    private Cancellation() {}

    /**
     * Throws a {@link CancellationException} when the calling thread's interrupt flag is set; the
     * flag stays set.
     *
     * @param what the work, for the message, e.g. {@code "Lanczos"}
     */
    public static void check(String what) {
        if (Thread.currentThread().isInterrupted()) {
            throw new CancellationException(what + " was interrupted (the thread's interrupt flag is set, and left set)");
        }
    }
}
