package dev.morse.linalg;

/**
 * A solve with a factorization of A − σI whose solution overflowed float64 from finite input: a
 * pivot is nonzero (else the solve is refused as singular) but tiny next to the right-hand side,
 * i.e. an eigenvalue of A lies at σ within rounding. A condition of the run, not a bad argument
 * ({@link Linalg#ldltSolve}, {@link Linalg#choleskySolve}); its own type so that a caller can add
 * what the shift meant without taking other failures (a {@link LapackException}) for this one.
 */
public final class SolveOverflowException extends LinalgException {

    private static final long serialVersionUID = 1L;

    /** @param message the routine, the entry of the solution that overflowed, and why */
    public SolveOverflowException(String message) {
        super(message);
    }

    /**
     * @param message the solve in the caller's terms, and what to do
     * @param cause   the solve's own failure
     */
    public SolveOverflowException(String message, Throwable cause) {
        super(message, cause);
    }
}
