package dev.morse.linalg;

/**
 * A dense matrix assembled from an operator's products (the Morse check's H, G and M at θ, the
 * Hessian of a Newton step, the matrix of a dense spectrum) holds NaN or an infinity: for the
 * engine's operators the loss or its derivatives overflow in float64 at θ, a numerical condition
 * of the run ({@link NonFiniteValueException}). The message names the matrix and the first such
 * entry. A matrix the caller passes to {@link Linalg} that is not finite is an argument error
 * instead (IllegalArgumentException, from Linalg's input checks).
 */
public final class NonFiniteMatrixException extends NonFiniteValueException {

    private static final long serialVersionUID = 1L;

    /** @param message the matrix, the entry and its value, and why */
    public NonFiniteMatrixException(String message) {
        super(message);
    }
}
