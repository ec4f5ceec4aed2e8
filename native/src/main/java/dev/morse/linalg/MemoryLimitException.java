package dev.morse.linalg;

/**
 * A dense allocation was refused before it was attempted, because it cannot fit in one Java array
 * or in what the heap can still provide. Thrown by {@link MemoryGuard}; the message says how much
 * was asked for, how much is free, and suggests the matrix-free alternative.
 */
public final class MemoryLimitException extends LinalgException {

    private static final long serialVersionUID = 1L;

    private final long requestedBytes;
    private final long availableBytes;

    /**
     * @param message        the full explanation
     * @param requestedBytes bytes the operation needs
     * @param availableBytes bytes the heap could still provide when the check ran
     *                       ({@code maxMemory − used})
     */
    public MemoryLimitException(String message, long requestedBytes, long availableBytes) {
        super(message);
        this.requestedBytes = requestedBytes;
        this.availableBytes = availableBytes;
    }

    /** Bytes the refused operation needs. */
    public long requestedBytes() {
        return requestedBytes;
    }

    /** Bytes the heap could still provide when the check ran ({@code maxMemory − used}). */
    public long availableBytes() {
        return availableBytes;
    }
}
