package dev.morse.cli;

/** A failure with a chosen exit code and a one-line message (printed as "morse: message"). */
final class CliException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    final int exitCode;

    CliException(int exitCode, String message) {
        super(message);
        this.exitCode = exitCode;
    }

    /** Exit 3: a numerical failure (no convergence, LAPACK). */
    static CliException numerical(String message) {
        return new CliException(Main.EXIT_NUMERICAL, message);
    }

    /** Exit 2: bad usage or input. */
    static CliException usage(String message) {
        return new CliException(Main.EXIT_USAGE, message);
    }
}
