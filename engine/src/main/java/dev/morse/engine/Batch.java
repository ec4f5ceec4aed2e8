package dev.morse.engine;

import java.util.Arrays;

/**
 * Which samples a request covers: all of them (the default), a contiguous range, or an explicit
 * list of sample indices (a minibatch). Every loss, gradient and product over a batch is the mean
 * over its samples (SPEC §2); a batch of size B behaves exactly like a data set holding those B
 * samples in that order. Immutable; create one per minibatch and pass it with each request.
 *
 * <p>A batch may carry a <b>seed</b> ({@link #withSeed}): the training step's seed, from which the
 * penalties of SPEC §11 draw their probes and noise ({@link Penalty}). Same samples and same seed
 * give the same draws, whatever the thread count.
 */
public final class Batch {

    private static final Batch ALL = new Batch(0, -1, null, 0L, false);

    private final int from;
    private final int to;          // −1: to the end of the data
    private final int[] indices;   // null: contiguous
    private final long seed;
    private final boolean seeded;

    private Batch(int from, int to, int[] indices, long seed, boolean seeded) {
        this.from = from;
        this.to = to;
        this.indices = indices;
        this.seed = seed;
        this.seeded = seeded;
    }

    /** Every sample of the data set. */
    public static Batch all() {
        return ALL;
    }

    /** Samples from (inclusive) to to (exclusive). */
    public static Batch range(int from, int to) {
        if (from < 0 || to <= from) throw new IllegalArgumentException("batch range [" + from + ", " + to + ") is empty or negative");
        return new Batch(from, to, null, 0L, false);
    }

    /** The samples with these indices, in this order (repeats allowed, as with sampling with replacement). */
    public static Batch of(int... indices) {
        if (indices == null || indices.length == 0) throw new IllegalArgumentException("a batch needs at least one sample index");
        for (int i = 0; i < indices.length; i++) {
            if (indices[i] < 0) throw new IllegalArgumentException("batch index " + indices[i] + " at position " + i + " is negative");
        }
        return new Batch(0, 0, indices.clone(), 0L, false);
    }

    /**
     * The same samples with a seed: the per-step seed from which penalties draw their probes and
     * noise ({@link Term.Context#seed()}). Requests at the same θ with batches that differ only in
     * their seed share the cached forward passes.
     */
    public Batch withSeed(long seed) {
        return new Batch(from, to, indices, seed, true);
    }

    /** Whether a seed was given ({@link #withSeed}). */
    public boolean hasSeed() {
        return seeded;
    }

    /**
     * The seed given with {@link #withSeed}.
     *
     * @throws IllegalStateException when the batch has none
     */
    public long seed() {
        if (!seeded) {
            throw new IllegalStateException(this + " has no seed: a penalty that draws probes or noise needs one per step "
                    + "(Batch.withSeed(stepSeed)), or explicit probes/noise");
        }
        return seed;
    }

    /** Whether this covers every sample of the data set ({@link #all()}, with or without a seed). */
    public boolean isAll() {
        return indices == null && from == 0 && to < 0;
    }

    /** Whether both batches cover the same samples in the same order (seeds aside; index lists compared by identity). */
    boolean sameSamples(Batch o) {
        return o != null && from == o.from && to == o.to && indices == o.indices;
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
        String s = seeded ? ", seed " + seed : "";
        if (isAll()) return "Batch[all" + s + "]";
        if (indices == null) return "Batch[" + from + ", " + to + ")" + s;
        return "Batch[" + indices.length + " samples: " + Arrays.toString(Arrays.copyOf(indices, Math.min(8, indices.length))) + (indices.length > 8 ? "…" : "") + s + "]";
    }
}
