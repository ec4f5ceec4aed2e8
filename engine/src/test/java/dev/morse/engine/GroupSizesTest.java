package dev.morse.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The vectors per block-product group: budget, GEMM floor, cap and equal groups. */
class GroupSizesTest {

    @Test
    void equalGroupsNeverLeaveAShortLastOne() {
        assertEquals(43, GroupSizes.equal(256, 1, 50, 1, 50));   // six groups of 43, not five of 50 and one of 6
        assertEquals(16, GroupSizes.equal(16, 1, 1000, 1, 64));
        assertEquals(1, GroupSizes.equal(7, 1000, 10, 1, 64));   // nothing fits: one vector a group
        int max = 200 / 7;   // the budget's vectors, between least (3) and most (40)
        for (int k = 1; k <= 300; k++) {
            int g = GroupSizes.equal(k, 7, 200, 3, 40);
            int fewest = Math.ceilDiv(k, max);
            assertTrue(g >= 1 && g <= max, "k = " + k + ": " + g);
            assertEquals(fewest, Math.ceilDiv(k, g), "k = " + k + ": no more groups than the budget needs");
            // and the smallest groups that keep that count: one vector less would need another group
            if (g > 1) assertTrue(Math.ceilDiv(k, g - 1) > fewest, "k = " + k + ": groups of " + g + " are not equal");
        }
    }

    @Test
    void theFloorWinsOverASmallBudgetAndTheCapOverBoth() {
        assertEquals(5, GroupSizes.equal(10, 1000, 10, 5, 64));    // the budget fits none: least
        assertEquals(8, GroupSizes.equal(16, 1000, 10, 100, 8));   // least above most: most
    }

    @Test
    void denseGroupsOfTheMorseCheckAndOfASmallModel() {
        // 784-12-10, N = 2000 in one dense chunk: one vector's buffers (2000 × 22 doubles) exceed
        // 1 MiB's worth for all but two, so the first layer's GEMM floor (128 rows / 12) decides.
        GroupSizes wide = new GroupSizes(Mlp.of(Activation.TANH, 784, 12, 10));
        assertEquals(11, wide.block(142, 2000, GroupSizes.DENSE_BUDGET));
        // 30-40-40-1, N = 256: the budget decides (2^17 / (256 · 81) = 6).
        GroupSizes small = new GroupSizes(Mlp.of(Activation.TANH, 30, 40, 40, 1));
        assertEquals(6, small.block(256, 256, GroupSizes.DENSE_BUDGET));
        // Products: 100-100-100-10 at 32 rows keep 16 vectors in one group.
        GroupSizes mid = new GroupSizes(Mlp.of(Activation.TANH, 100, 100, 100, 10));
        assertEquals(16, mid.block(16, 32, GroupSizes.PRODUCT_BUDGET));
    }
}
