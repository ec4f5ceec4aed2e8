package dev.morse.training;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** Learning-rate schedules by hand, their text forms, and the seeded orders and subsets. */
class SchedulesAndShuffleTest {

    @Test
    void constantAndStep() {
        assertEquals(0.3, LearningRateSchedule.constant().rate(0.3, 7, 1234, 100, 10), 0.0);
        LearningRateSchedule s = LearningRateSchedule.parse("step:3:0.5");
        double[] want = {0.2, 0.2, 0.2, 0.1, 0.1, 0.1, 0.05};
        for (int e = 0; e < want.length; e++) assertEquals(want[e], s.rate(0.2, e, e * 10L, 10, 7), 0.0, "epoch " + e);
        assertEquals(0.01, LearningRateSchedule.parse("step:1").rate(0.1, 1, 0, 1, 3), 1e-17, "default γ = 0.1");
    }

    @Test
    void cosineWithWarmup() {
        // 4 epochs of 10 steps, warm-up 1 epoch (10 steps), lr₀ = 1, lr_min = 0.1.
        LearningRateSchedule s = LearningRateSchedule.parse("cosine:1:0.1");
        assertEquals(10, s.warmupSteps(10));
        for (int t = 0; t < 10; t++) assertEquals((t + 1) / 10.0, s.rate(1, t / 10, t, 10, 4), 1e-15, "warm-up step " + t);
        assertEquals(1.0, s.rate(1, 1, 10, 10, 4), 1e-15, "first cosine step: lr₀");
        assertEquals(0.55, s.rate(1, 2, 25, 10, 4), 1e-15, "half-way (t − W = 15 of 30): (lr₀ + lr_min)/2");
        double last = s.rate(1, 3, 39, 10, 4);
        assertEquals(0.1 + 0.9 * (1 + Math.cos(Math.PI * 29 / 30)) / 2, last, 1e-15);
        assertTrue(last > 0.1 && last < 0.11);
        assertEquals(1.0, LearningRateSchedule.parse("cosine").rate(1, 0, 0, 10, 4), 0.0, "no warm-up: starts at lr₀");
        assertTrue(LearningRateSchedule.parse("cosine").dependsOnLength());
        assertFalse(LearningRateSchedule.parse("step:2").dependsOnLength());
    }

    @Test
    void specsRoundTripAndErrorsNameTheProblem() {
        for (String s : new String[] {"constant", "step:30:0.1", "cosine:0.5:0.001"}) {
            LearningRateSchedule a = LearningRateSchedule.parse(s);
            assertEquals(a, LearningRateSchedule.parse(a.spec()));
        }
        assertEquals("schedule 'step': expected step:S[:gamma] (S epochs per decay)",
                assertThrows(IllegalArgumentException.class, () -> LearningRateSchedule.parse("step")).getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> LearningRateSchedule.parse("linear")).getMessage().contains("unknown schedule"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> LearningRateSchedule.parse("cosine:x")).getMessage().contains("'x' is not a number"));
        assertThrows(IllegalArgumentException.class, () -> LearningRateSchedule.parse("step:0"));
        assertThrows(IllegalArgumentException.class, () -> LearningRateSchedule.parse("cosine:-1"));
    }

    @Test
    void epochOrdersAreSeededPermutations() {
        int n = 1000;
        int[] a = new int[n], b = new int[n], c = new int[n], d = new int[n];
        Shuffle.epochOrder(a, 7, 1);
        Shuffle.epochOrder(b, 7, 1);
        Shuffle.epochOrder(c, 7, 2);
        Shuffle.epochOrder(d, 8, 1);
        assertArrayEquals(a, b, "same seed and epoch, same order");
        assertFalse(Arrays.equals(a, c), "another epoch, another order");
        assertFalse(Arrays.equals(a, d), "another seed, another order");
        int[] sorted = a.clone();
        Arrays.sort(sorted);
        for (int i = 0; i < n; i++) assertEquals(i, sorted[i], "a permutation of 0..N−1");
        // Pinned: the draws are part of the reproducibility contract (SPEC §8); a change must be deliberate.
        int[] small = new int[8];
        Shuffle.epochOrder(small, 0, 1);
        assertArrayEquals(new int[] {6, 3, 0, 1, 7, 5, 2, 4}, small, Arrays.toString(small));
        // Roughly uniform: each value lands in the first half about half the time over many epochs.
        int[] firstHalf = new int[16];
        int[] o = new int[16];
        for (int e = 1; e <= 4000; e++) {
            Shuffle.epochOrder(o, 3, e);
            for (int i = 0; i < 8; i++) firstHalf[o[i]]++;
        }
        for (int v = 0; v < 16; v++) assertEquals(2000, firstHalf[v], 150, "value " + v);
    }

    @Test
    void samplesAndStreams() {
        int[] s = Shuffle.sample(100, 10, 5);
        assertEquals(10, s.length);
        for (int i = 1; i < s.length; i++) assertTrue(s[i] > s[i - 1], "ascending and distinct");
        assertArrayEquals(s, Shuffle.sample(100, 10, 5));
        assertThrows(IllegalArgumentException.class, () -> Shuffle.sample(5, 6, 0));
        assertNotEquals(Seeds.derive(1, Seeds.SHUFFLE, 3), Seeds.derive(1, Seeds.STEP_PROBES, 3));
        assertNotEquals(Seeds.derive(1, Seeds.SHUFFLE, 3), Seeds.derive(1, Seeds.SHUFFLE, 4));
        assertNotEquals(Seeds.derive(1, Seeds.SHUFFLE, 3), Seeds.derive(2, Seeds.SHUFFLE, 3));
    }
}
