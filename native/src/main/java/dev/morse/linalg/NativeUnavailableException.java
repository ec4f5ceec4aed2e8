package dev.morse.linalg;

/**
 * The native BLAS/LAPACK backend was requested ({@link Linalg#nativeBackend()} or
 * {@code -Dmorse.linalg=native}) but did not load. The message carries netlib's reason and the
 * fix (the bundled OpenBLAS jar on the class path, or a system OpenBLAS with {@code -Dmorse.blas=system}).
 */
public final class NativeUnavailableException extends LinalgException {

    private static final long serialVersionUID = 1L;

    /** @param message why the native backend is unavailable and how to fix it */
    public NativeUnavailableException(String message) {
        super(message);
    }
}
