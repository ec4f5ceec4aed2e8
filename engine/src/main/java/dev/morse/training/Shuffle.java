package dev.morse.training;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Seeded sample orders and subsets. The order of epoch e is a Fisher–Yates permutation of
 * 0..N−1 drawn from {@link SplittableRandom}({@link Seeds#derive}(seed, SHUFFLE, e)): the same
 * seed gives the same orders on any machine and thread count, and epoch e's order does not
 * depend on the epochs before it (a resumed run draws it afresh).
 */
public final class Shuffle {
    private Shuffle() {}

    /** Writes epoch e's order of 0..out.length−1 into {@code out} (no allocation). */
    public static void epochOrder(int[] out, long seed, int epoch) {
        permutation(out, Seeds.derive(seed, Seeds.SHUFFLE, epoch));
    }

    /** A uniformly random permutation of 0..out.length−1 from {@code streamSeed} (Fisher–Yates, from the end). */
    public static void permutation(int[] out, long streamSeed) {
        for (int i = 0; i < out.length; i++) out[i] = i;
        SplittableRandom rng = new SplittableRandom(streamSeed);
        for (int i = out.length - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int t = out[i];
            out[i] = out[j];
            out[j] = t;
        }
    }

    /**
     * m distinct indices of 0..n−1 chosen uniformly without replacement from {@code streamSeed}
     * (the first m of a permutation), in ascending order.
     */
    public static int[] sample(int n, int m, long streamSeed) {
        if (m < 1 || m > n) throw new IllegalArgumentException("cannot choose " + m + " of " + n + " samples");
        int[] p = new int[n];
        permutation(p, streamSeed);
        int[] s = Arrays.copyOf(p, m);
        Arrays.sort(s);
        return s;
    }
}
