package dev.morse.io;

/**
 * Bad input from a file or a specification: the message names the file (or option), the place
 * (byte offset, line, column or index) and what was expected against what was found. An
 * {@link IllegalArgumentException}, so the command-line tool exits with code 2 for it.
 */
public final class InputException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    public InputException(String message) {
        super(message);
    }

    public InputException(String message, Throwable cause) {
        super(message, cause);
    }
}
