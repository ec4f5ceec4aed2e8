package dev.morse.json;

/**
 * Malformed JSON: what was expected against what was found, and where (line and column, both
 * from 1, and the character offset from 0). {@link #getMessage()} reads
 * {@code "line 2, column 11: unexpected ']', expected a value"}; callers that know the file put its
 * name in front.
 */
public final class JsonException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final int line;
    private final int column;
    private final int offset;
    private final String reason;

    JsonException(String reason, int line, int column, int offset) {
        super("line " + line + ", column " + column + ": " + reason);
        this.reason = reason;
        this.line = line;
        this.column = column;
        this.offset = offset;
    }

    /** Line of the error, from 1. */
    public int line() {
        return line;
    }

    /** Column of the error (characters), from 1. */
    public int column() {
        return column;
    }

    /** Character offset of the error in the text, from 0. */
    public int offset() {
        return offset;
    }

    /** What was wrong, without the position. */
    public String reason() {
        return reason;
    }
}
