package dev.morse.linalg;

/**
 * Base class of the failures the linear-algebra layer and the engine's analyses report as
 * conditions of the run, not of the caller's arguments. Numerical failures: a LAPACK routine that
 * returned {@code info != 0} ({@link LapackException}), a solve with a factorization whose
 * solution overflowed ({@link SolveOverflowException}: a tiny, nonzero pivot), a value computed
 * from finite input that is not finite ({@link NonFiniteValueException}: the loss, gradient or a
 * product at θ; {@link NonFiniteMatrixException}: a matrix assembled at θ). Conditions of the
 * machine: an allocation the heap cannot hold, refused before it is made ({@link MemoryLimitException}:
 * a dense matrix, an evaluator's buffers, θ), a native
 * backend that was requested but did not load ({@link NativeUnavailableException}). And one
 * configuration the caller gave to the JVM rather than to a method: backend properties that
 * contradict each other ({@link BackendConfigurationException}).
 *
 * <p>The rule, across the linear algebra and the engine's analyses: what the caller passed in (a
 * size, an option, θ, a vector or matrix holding NaN or an infinity) and is wrong is an
 * {@link IllegalArgumentException}, thrown before any work: the caller's bug. What a method
 * computed and could not carry on with is one of these. The command-line tool maps them to its
 * exit codes: 4 for memory, 2 for a contradictory configuration, 3 for the others.
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
