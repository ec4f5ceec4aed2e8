package dev.morse.linalg;

/**
 * The backend properties ask for contradictory things: {@code -Dmorse.linalg=native} (native
 * LAPACK or nothing) with {@code -Dmorse.blas=java} (load no native library). Native LAPACK is
 * the native library's, loaded through netlib's JNI, so there is no "Java BLAS with native LAPACK"
 * to give: a configuration error, not a failure of the machine or of the run
 * ({@link Linalg#configurationError()} says so before anything loads; the command-line tool
 * refuses it at start-up with the usage exit code 2).
 */
public final class BackendConfigurationException extends LinalgException {

    private static final long serialVersionUID = 1L;

    /** @param message the properties that contradict each other, and what to drop */
    public BackendConfigurationException(String message) {
        super(message);
    }
}
