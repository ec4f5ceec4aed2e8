package dev.morse.linalg;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** The in-place symmetric completions of {@link DenseMatrices}, on sizes that cut the 64 × 64 tiles unevenly. */
class DenseMatricesTest {

    @Test
    void mirrorLowerCopiesTheLowerTriangleUp() {
        for (int n : new int[] {0, 1, 2, 63, 64, 65, 130}) {
            Random r = new Random(n);
            double[] m = new double[n * n];
            for (int i = 0; i < m.length; i++) m[i] = r.nextGaussian();
            double[] before = m.clone();
            DenseMatrices.mirrorLower(m, n);
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < n; j++) {
                    double want = j <= i ? before[i * n + j] : before[j * n + i];
                    assertEquals(want, m[i * n + j], 0.0, "n=" + n + ", (" + i + ", " + j + ")");
                }
            }
        }
        assertThrows(IllegalArgumentException.class, () -> DenseMatrices.mirrorLower(new double[3], 2));
    }

    @Test
    void mirrorLowerOnRangesGivesTheSameMatrixForAnyCut() {
        // Cuts at uneven places, run last to first; and one range per "worker" of three.
        dev.morse.simd.Ranges uneven = (len, task) -> {
            int[] cuts = {0, len / 7 + 3, len / 2 + 1, len - 5, len};
            for (int i = 0; i < cuts.length; i++) cuts[i] = Math.max(0, Math.min(cuts[i], len));
            java.util.Arrays.sort(cuts);
            for (int i = cuts.length - 2; i >= 0; i--) task.run(cuts[i], cuts[i + 1]);
        };
        dev.morse.simd.Ranges thirds = (len, task) -> {
            for (int w = 2; w >= 0; w--) task.run((int) ((long) len * w / 3), (int) ((long) len * (w + 1) / 3));
        };
        for (int n : new int[] {0, 1, 2, 63, 64, 65, 130, 300}) {
            Random r = new Random(n);
            double[] m = new double[n * n];
            for (int i = 0; i < m.length; i++) m[i] = r.nextGaussian();
            double[] serial = m.clone(), a = m.clone(), b = m.clone();
            DenseMatrices.mirrorLower(serial, n);
            DenseMatrices.mirrorLower(a, n, uneven);
            DenseMatrices.mirrorLower(b, n, thirds);
            org.junit.jupiter.api.Assertions.assertArrayEquals(serial, a, 0.0, "n=" + n + ", uneven cuts");
            org.junit.jupiter.api.Assertions.assertArrayEquals(serial, b, 0.0, "n=" + n + ", thirds");
        }
        // Each tile row with work goes to exactly one range, for any cut (copies are idempotent, so
        // the matrices above could not tell a tile row done twice).
        long[] start = {0, 2016, 10208, 10208, 22496};   // tile row 2 without work: it shares its start with row 3
        for (int[] cuts : new int[][] {{0, 22496}, {0, 1, 22496}, {0, 2016, 10208, 22496}, {0, 2017, 10207, 10209, 22495, 22496},
                {0, 0, 5000, 5000, 22496}}) {
            int[] owners = new int[4];
            for (int i = 0; i + 1 < cuts.length; i++) {
                int[] b = DenseMatrices.tileRows(start, 4, cuts[i], cuts[i + 1]);
                for (int r = b[0]; r < b[1]; r++) owners[r]++;
            }
            for (int r = 0; r < 4; r++) assertEquals(1, owners[r], "tile row " + r + ", cuts " + java.util.Arrays.toString(cuts));
        }
    }

    /** The average of two finite entries whose sum overflows is finite (0.5·(x + y) gave ∞ above ~9e307). */
    @Test
    void symmetrizeOfHugeFiniteEntriesStaysFinite() {
        double[] m = {0, 1e308, 1.7e308, 0};
        DenseMatrices.symmetrize(m, 2);
        assertEquals(1.35e308, m[1], 1e293);
        assertEquals(m[1], m[2]);
        double[] inf = {0, Double.POSITIVE_INFINITY, 1, 0};
        DenseMatrices.symmetrize(inf, 2);
        assertEquals(Double.POSITIVE_INFINITY, inf[1], "an infinite entry stays infinite");
    }

    @Test
    void symmetrizeAveragesBothTriangles() {
        int n = 70;
        Random r = new Random(1);
        double[] m = new double[n * n];
        for (int i = 0; i < m.length; i++) m[i] = r.nextGaussian();
        double[] before = m.clone();
        DenseMatrices.symmetrize(m, n);
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) assertEquals(0.5 * (before[i * n + j] + before[j * n + i]), m[i * n + j], 1e-15);
        }
    }
}
