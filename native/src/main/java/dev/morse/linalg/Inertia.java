package dev.morse.linalg;

/**
 * Inertia of a symmetric matrix relative to a shift σ: how many eigenvalues lie below, exactly
 * at, and above σ (Sylvester's law of inertia). Produced by {@link Linalg#inertia}.
 *
 * @param negative number of eigenvalues &lt; σ
 * @param zero     number of exactly singular pivots of A − σI (eigenvalues equal to σ to working
 *                 precision show up here only when a pivot is exactly 0; otherwise they are
 *                 counted as negative or positive)
 * @param positive number of eigenvalues &gt; σ
 */
public record Inertia(int negative, int zero, int positive) {

    /** @throws IllegalArgumentException if a count is negative */
    public Inertia {
        if (negative < 0 || zero < 0 || positive < 0) {
            throw new IllegalArgumentException("inertia counts must be ≥ 0: negative=" + negative
                    + ", zero=" + zero + ", positive=" + positive);
        }
    }

    /** negative + zero + positive, the order n of the matrix. */
    public int total() {
        return negative + zero + positive;
    }
}
