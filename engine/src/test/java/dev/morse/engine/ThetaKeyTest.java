package dev.morse.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.morse.simd.KernelProvider;
import dev.morse.simd.Ranges;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The scan of θ that starts every request ({@link ThetaKey}): a change of any bit of θ at any
 * place (first block, a block boundary, the last partial block, −0.0 for 0.0), of the batch or of
 * the rows is seen; a NaN or infinity anywhere fails the scan and invalidates the key; the same
 * answers whether the scan runs in one range or in uneven ranges.
 */
class ThetaKeyTest {

    /** Runs [0, n) as uneven ranges, in order, on the calling thread. */
    private static final Ranges UNEVEN = (n, task) -> {
        int[] cuts = {0, Math.min(n, 1), Math.min(n, 5000), Math.min(n, 5001), Math.min(n, n / 2 + 3), n};
        for (int i = 0; i + 1 < cuts.length; i++) if (cuts[i] < cuts[i + 1]) task.run(cuts[i], cuts[i + 1]);
    };

    /** The same ranges, last first: a later range may find the difference before an earlier one compares. */
    private static final Ranges REVERSED = (n, task) -> {
        int[] cuts = {0, Math.min(n, 1), Math.min(n, 5000), Math.min(n, 5001), Math.min(n, n / 2 + 3), n};
        for (int i = cuts.length - 2; i >= 0; i--) if (cuts[i] < cuts[i + 1]) task.run(cuts[i], cuts[i + 1]);
    };

    @Test
    void seesEveryChangeAndEveryBadEntry() {
        int p = 3 * Ranges.CACHE_BLOCK + 77;
        double[] theta = new double[p];
        SplittableRandom r = new SplittableRandom(3);
        for (int i = 0; i < p; i++) theta[i] = r.nextGaussian();
        theta[10] = 0.0;
        Batch batch = Batch.range(0, 10);
        for (Ranges ranges : new Ranges[] {Ranges.SERIAL, UNEVEN, REVERSED}) {
            ThetaKey key = new ThetaKey(p, KernelProvider.get());
            assertEquals(ThetaKey.Scan.CHANGED, key.scan(theta, batch, 8, true, ranges), "a new key");
            assertEquals(ThetaKey.Scan.SAME, key.scan(theta.clone(), batch, 8, true, ranges), "the same bits");
            for (int at : new int[] {0, Ranges.CACHE_BLOCK - 1, Ranges.CACHE_BLOCK, 2 * Ranges.CACHE_BLOCK + 5, p - 1}) {
                double[] t = theta.clone();
                t[at] = Math.nextUp(t[at]);
                assertEquals(ThetaKey.Scan.CHANGED, key.scan(t, batch, 8, true, ranges), "one ulp at " + at);
                assertEquals(ThetaKey.Scan.SAME, key.scan(t, batch, 8, true, ranges), "the key is the new θ, " + at);
                assertEquals(ThetaKey.Scan.CHANGED, key.scan(theta, batch, 8, true, ranges), "back, " + at);
            }
            double[] negZero = theta.clone();
            negZero[10] = -0.0;
            assertEquals(ThetaKey.Scan.CHANGED, key.scan(negZero, batch, 8, true, ranges), "−0.0 is other bits than 0.0");
            assertEquals(ThetaKey.Scan.CHANGED, key.scan(theta, batch, 8, true, ranges));
            assertEquals(ThetaKey.Scan.SAME, key.scan(theta, Batch.range(0, 10), 8, true, ranges), "another batch object, the same samples");
            assertEquals(ThetaKey.Scan.CHANGED, key.scan(theta, Batch.range(0, 11), 8, true, ranges), "other samples");
            assertEquals(ThetaKey.Scan.CHANGED, key.scan(theta, batch, 8, true, ranges), "and back");
            assertEquals(ThetaKey.Scan.CHANGED, key.scan(theta, batch, 9, true, ranges), "other rows per chunk");
            for (int at : new int[] {0, Ranges.CACHE_BLOCK, p - 1}) {
                for (double bad : new double[] {Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY}) {
                    double[] t = theta.clone();
                    t[at] = bad;
                    assertEquals(ThetaKey.Scan.NOT_FINITE, key.scan(t, batch, 9, true, ranges), bad + " at " + at);
                    assertEquals(ThetaKey.Scan.CHANGED, key.scan(theta, batch, 9, true, ranges), "the key was invalidated, " + at);
                    assertEquals(ThetaKey.Scan.NOT_FINITE, key.scan(t, batch, 9, false, ranges), "unkeyed: " + bad + " at " + at);
                }
            }
            assertEquals(ThetaKey.Scan.CHANGED, key.scan(theta, batch, 9, false, ranges), "unkeyed: always new");
        }
    }

    /** A scan that throws part-way (a worker failing) leaves the key invalid, not half-copied and valid. */
    @Test
    void aFailedScanInvalidatesTheKey() {
        int p = 3 * Ranges.CACHE_BLOCK;
        double[] theta = new double[p];
        java.util.Arrays.fill(theta, 1.0);
        Batch batch = Batch.range(0, 10);
        ThetaKey key = new ThetaKey(p, KernelProvider.get());
        assertEquals(ThetaKey.Scan.CHANGED, key.scan(theta, batch, 8, true, Ranges.SERIAL));
        double[] next = theta.clone();
        java.util.Arrays.fill(next, 2.0);
        Ranges failing = (n, task) -> {
            task.run(0, Ranges.CACHE_BLOCK);   // the first block copied, then a failure
            throw new IllegalStateException("worker failed");
        };
        org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class, () -> key.scan(next, batch, 8, true, failing));
        assertEquals(ThetaKey.Scan.CHANGED, key.scan(next, batch, 8, true, Ranges.SERIAL), "not SAME: the key was half the new θ");
        assertEquals(ThetaKey.Scan.SAME, key.scan(next, batch, 8, true, Ranges.SERIAL));
    }
}
