package dev.morse.linalg;

/**
 * A dense matrix that the engine assembled itself (the Morse check's H, G and M at θ) holds NaN or
 * an infinity: the loss or its derivatives overflow in float64 at θ, a numerical condition of the
 * run, as a solve that overflows is. The message names the matrix and the first such entry. A
 * caller's operator whose matrix is not finite is an argument error instead
 * ({@code DenseSpectrum.requireFinite}).
 */
public final class NonFiniteMatrixException extends LinalgException {

    private static final long serialVersionUID = 1L;

    /** @param message the matrix, the entry and its value, and why */
    public NonFiniteMatrixException(String message) {
        super(message);
    }
}
