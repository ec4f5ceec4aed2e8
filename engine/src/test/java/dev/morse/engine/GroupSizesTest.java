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
        assertEquals(1, GroupSizes.equal(10, 1000, 10, 0, 64));    // nothing fits and no floor: one vector a group
        assertEquals(1, GroupSizes.equal(10, 1000, 10, 5, 0));     // a cap of nothing still makes groups
    }

    @Test
    void theFloorStretchesTheBuffersBoundedly() {
        // d_1 = 2 asks for 64 vectors, but a vector's buffers (4096 rows × 8194 units) are far above
        // the budget: the floor may take FLOOR_STRETCH budgets, which hold none, so one vector.
        GroupSizes tall = new GroupSizes(Mlp.of(Activation.TANH, 3, 2, 8192));
        assertEquals(1, tall.block(40, 4096, GroupSizes.DENSE_BUDGET));
        // d_1 = 4 asks for 32 vectors: with 2048 rows (2^14 doubles a vector, 8 in a budget) it gets
        // them; with 16384 rows a vector fills a budget, and 8 budgets hold 8.
        GroupSizes narrow = new GroupSizes(Mlp.of(Activation.TANH, 3, 4, 4));
        assertEquals(32, narrow.block(64, 2048, GroupSizes.DENSE_BUDGET));
        assertEquals(8, narrow.block(64, 16384, GroupSizes.DENSE_BUDGET));
    }

    @Test
    void denseGroupsOfTheMorseCheckAndOfASmallModel() {
        // 784-12-10, N = 2000 in one dense chunk: the budget holds two vectors (2000 × 22 doubles
        // each), the first layer's GEMM floor asks for 11 (128 rows / 12), within 8 budgets.
        GroupSizes wide = new GroupSizes(Mlp.of(Activation.TANH, 784, 12, 10));
        assertEquals(11, wide.block(142, 2000, GroupSizes.DENSE_BUDGET));
        // 30-40-40-1, N = 256: the budget decides (2^17 / (256 · 81) = 6).
        GroupSizes small = new GroupSizes(Mlp.of(Activation.TANH, 30, 40, 40, 1));
        assertEquals(6, small.block(256, 256, GroupSizes.DENSE_BUDGET));
        // Products: 100-100-100-10 at N = 256 (chunks of 64 rows) keep 16 vectors in one group.
        GroupSizes mid = new GroupSizes(Mlp.of(Activation.TANH, 100, 100, 100, 10));
        assertEquals(16, mid.block(16, 64, GroupSizes.PRODUCT_BUDGET));
        // The first layer's 12 units of 784-12-10 in its curvature pass: at most 11, so two groups of 6.
        assertEquals(6, wide.block(12, 2000, GroupSizes.DENSE_BUDGET));
    }
}
