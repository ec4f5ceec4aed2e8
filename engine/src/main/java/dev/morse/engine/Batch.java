package dev.morse.engine;

import java.util.Arrays;

/**
 * Which samples a request covers: all of them (the default), a contiguous range, or an explicit
 * list of sample indices (a minibatch). Every loss, gradient and product over a batch is the mean
 * over its samples (SPEC §2); a batch of size B behaves exactly like a data set holding those B
 * samples in that order. Immutable; create one per minibatch and pass it with each request.
 */
public final class Batch {

    private static final Batch ALL = new Batch(0, -1, null);

    private final int from;
    private final int to;          // −1: to the end of the data
    private final int[] indices;   // null: contiguous

    private Batch(int from, int to, int[] indices) {
        this.from = from;
        this.to = to;
        this.indices = indices;
    }

    /** Every sample of the data set. */
    public static Batch all() {
        return ALL;
    }

    /** Samples from (inclusive) to to (exclusive). */
    public static Batch range(int from, int to) {
        if (from < 0 || to <= from) throw new IllegalArgumentException("batch range [" + from + ", " + to + ") is empty or negative");
        return new Batch(from, to, null);
    }

    /** The samples with these indices, in this order (repeats allowed, as with sampling with replacement). */
    public static Batch of(int... indices) {
        if (indices == null || indices.length == 0) throw new IllegalArgumentException("a batch needs at least one sample index");
        for (int i = 0; i < indices.length; i++) {
            if (indices[i] < 0) throw new IllegalArgumentException("batch index " + indices[i] + " at position " + i + " is negative");
        }
        return new Batch(0, 0, indices.clone());
    }

    /** Whether this is {@link #all()}. */
    public boolean isAll() {
        return this == ALL;
    }

    /** The number of samples for a data set of n. */
    public int size(int n) {
        if (indices != null) return indices.length;
        return (to < 0 ? n : to) - from;
    }

    /** Checks the batch against a data set of n samples. */
    void check(int n) {
        if (indices != null) {
            for (int i = 0; i < indices.length; i++) {
                if (indices[i] >= n) throw new IllegalArgumentException("batch index " + indices[i] + " at position " + i + " out of range for N = " + n);
            }
        } else if ((to < 0 ? n : to) > n) {
            throw new IllegalArgumentException("batch range [" + from + ", " + to + ") exceeds N = " + n);
        }
    }

    /** First sample of a contiguous batch. */
    int first() {
        return from;
    }

    /** The sample indices, or null when contiguous (do not modify). */
    int[] indices() {
        return indices;
    }

    @Override
    public String toString() {
        if (this == ALL) return "Batch[all]";
        if (indices == null) return "Batch[" + from + ", " + to + ")";
        return "Batch[" + indices.length + " samples: " + Arrays.toString(Arrays.copyOf(indices, Math.min(8, indices.length))) + (indices.length > 8 ? "…]" : "]");
    }
}
