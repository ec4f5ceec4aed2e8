package dev.morse.training;

import dev.morse.engine.Dataset;
import java.util.Arrays;

/**
 * A held-out split of a data set: ⌈f·N⌉ samples drawn without replacement by the seed
 * ({@link Shuffle#sample} on stream {@link Seeds#HOLDOUT}) are held out, the others train; both
 * keep the data's order. At least one sample goes to each side.
 *
 * @param train           the training samples
 * @param heldOut         the held-out samples
 * @param heldOutIndices  which samples of the original set were held out (ascending)
 */
public record HoldOut(Dataset train, Dataset heldOut, int[] heldOutIndices) {

    public static HoldOut split(Dataset data, double fraction, long seed) {
        if (!(fraction > 0 && fraction < 1)) throw new IllegalArgumentException("hold-out fraction must be in (0, 1), got " + fraction);
        int n = data.size();
        int m = (int) Math.ceil(fraction * n);
        if (m >= n) throw new IllegalArgumentException("hold-out fraction " + fraction + " of N = " + n + " leaves no training sample");
        int[] held = Shuffle.sample(n, m, Seeds.derive(seed, Seeds.HOLDOUT, 0));
        int[] rest = new int[n - m];
        boolean[] out = new boolean[n];
        for (int i : held) out[i] = true;
        int k = 0;
        for (int i = 0; i < n; i++) if (!out[i]) rest[k++] = i;
        return new HoldOut(data.subset(rest), data.subset(held), held);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof HoldOut h && h.train.equals(train) && h.heldOut.equals(heldOut) && Arrays.equals(h.heldOutIndices, heldOutIndices);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(heldOutIndices);
    }
}
