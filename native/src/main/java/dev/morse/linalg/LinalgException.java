package dev.morse.linalg;

/**
 * Base class of the failures the linear-algebra layer reports: a LAPACK routine that returned
 * {@code info != 0} ({@link LapackException}), a dense allocation the heap cannot hold
 * ({@link MemoryLimitException}), a native backend that was requested but did not load
 * ({@link NativeUnavailableException}), or a solve with a factorization whose solution overflowed
 * ({@link SolveOverflowException}: a tiny, nonzero pivot), or a matrix
 * the engine assembled at θ that overflowed ({@link NonFiniteMatrixException}). Argument errors are {@link IllegalArgumentException}s,
 * not subclasses of this type: they are the caller's bug, these are conditions of the run.
 */
public class LinalgException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** @param message what failed and, where there is one, what to do about it */
    public LinalgException(String message) {
        super(message);
    }

    /**
     * @param message what failed
     * @param cause   the underlying failure
     */
    public LinalgException(String message, Throwable cause) {
        super(message, cause);
    }
}
