package dev.morse.cluster;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A step that ran to its end but failed (a command's non-zero exit code), with the outputs it
 * still produced: the task's row is {@code failed} with this message as its {@code error}, and
 * carries these outputs (e.g. {@code fit.exit_code = 3} and {@code fit.gradient_norm}, how far
 * from critical the fit stopped). Later steps of the task do not run.
 */
public final class StepFailedException extends Exception {
    private static final long serialVersionUID = 1L;

    @SuppressWarnings("serial") // JSON values only
    private final Map<String, Object> outputs;
    private final String detail;

    /**
     * @param message one line for the row's {@code error} column
     * @param outputs what the step produced, as {@link StepRunner#run} would return it
     * @param detail  more text for the task's {@code error.txt} (e.g. the command's full output), or null
     */
    public StepFailedException(String message, Map<String, ?> outputs, String detail) {
        super(message);
        this.outputs = Collections.unmodifiableMap(new LinkedHashMap<>(outputs));
        this.detail = detail;
    }

    public Map<String, Object> outputs() {
        return outputs;
    }

    /** More text for {@code error.txt}, or null. */
    public String detail() {
        return detail;
    }
}
