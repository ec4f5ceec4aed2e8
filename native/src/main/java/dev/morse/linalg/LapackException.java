package dev.morse.linalg;

/**
 * A LAPACK routine returned {@code info != 0}. Error codes are turned into this exception at the
 * native boundary (in {@link Linalg}) so that no caller can forget to check them.
 *
 * <p>{@code info < 0}: argument {@code -info} had an illegal value (a bug in Morse, since every
 * argument is validated before the call). {@code info > 0}: a numerical failure whose meaning
 * depends on the routine; the message spells it out, e.g.
 * {@code "dsyevd: the algorithm failed to converge; 3 off-diagonal elements of an intermediate
 * tridiagonal form did not converge to zero (info=3)"}.
 */
public final class LapackException extends LinalgException {

    private static final long serialVersionUID = 1L;

    private final String routine;
    private final int info;

    /**
     * @param routine LAPACK routine name in lower case, e.g. {@code "dsyevd"}
     * @param info    the routine's {@code INFO} output (non-zero)
     * @param message the full sentence, starting with the routine name
     */
    public LapackException(String routine, int info, String message) {
        super(message);
        this.routine = routine;
        this.info = info;
    }

    /** The LAPACK routine that failed, e.g. {@code "dsyevd"}. */
    public String routine() {
        return routine;
    }

    /** The routine's {@code INFO} output; never 0. */
    public int info() {
        return info;
    }
}
