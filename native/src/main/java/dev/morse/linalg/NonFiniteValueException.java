package dev.morse.linalg;

/**
 * A value that a method computed from finite input holds NaN or an infinity: the loss or gradient
 * at θ, an operator's product with a vector the method built, or a matrix assembled from such
 * products ({@link NonFiniteMatrixException}). For the engine's operators this is overflow in
 * float64 at θ (weights or coefficients too large there), a numerical condition of the run, as a
 * solve that overflows is ({@link SolveOverflowException}); a method cannot tell it from an
 * operator of the caller's that returns NaN, and names the operator and the entry so that either
 * can be found. What the caller passes in (θ, a vector, a matrix, an option) and is not finite is
 * an {@link IllegalArgumentException} instead, before any work.
 */
public class NonFiniteValueException extends LinalgException {

    private static final long serialVersionUID = 1L;

    /** @param message the value, where it was computed, and why it is likely not finite */
    public NonFiniteValueException(String message) {
        super(message);
    }
}
