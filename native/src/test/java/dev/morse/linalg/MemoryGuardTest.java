package dev.morse.linalg;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class MemoryGuardTest {

    @Test
    void refusesAMatrixOverTheArrayLimit() {
        MemoryLimitException e = assertThrows(MemoryLimitException.class,
                () -> MemoryGuard.checkDense(60000, 60000, "dense Hessian"), "60000² doubles exceed one Java array");
        String m = e.getMessage();
        assertTrue(m.startsWith("dense Hessian of 60000×60000 needs 26.8 GiB"), "message states the size in GiB: " + m);
        assertTrue(m.contains("3.6e9 doubles") && m.contains("n ≤ 46340"), "message explains the array limit: " + m);
        assertTrue(m.contains("Lanczos"), "message suggests the matrix-free alternative: " + m);
        assertEquals(60000L * 60000 * 8, e.requestedBytes(), "requested bytes");
        assertTrue(e.availableBytes() >= 0, "available bytes are reported");
    }

    @Test
    void refusesWhatTheHeapCannotHold() {
        long max = Runtime.getRuntime().maxMemory();
        long side = 20000; // 3.2 GB per matrix: within the array limit
        double arrays = Math.max(2.0, 4.0 * max / (side * side * 8.0));
        MemoryLimitException e = assertThrows(MemoryLimitException.class,
                () -> MemoryGuard.checkDense(side, side, arrays, "eigh workspace"), "more than 4× the max heap");
        assertTrue(e.getMessage().contains("free of") && e.getMessage().contains("GiB"),
                "message reports free and max heap: " + e.getMessage());
    }

    @Test
    void acceptsAndAllocatesSmallMatrices() {
        assertDoesNotThrow(() -> MemoryGuard.checkDense(100, 100, "small"), "10⁴ doubles fit");
        assertDoesNotThrow(() -> MemoryGuard.checkDense(0, 46341, "empty"), "an empty matrix always fits");
        assertEquals(12, MemoryGuard.allocateDense(3, 4, "tiny").length, "allocateDense returns rows·cols doubles");
    }

    @Test
    void rejectsNonsense() {
        assertThrows(IllegalArgumentException.class, () -> MemoryGuard.checkDense(-1, 3, "x"), "negative rows");
        assertThrows(IllegalArgumentException.class, () -> MemoryGuard.checkDense(3, 3, 0.0, "x"), "zero factor");
        assertThrows(IllegalArgumentException.class, () -> MemoryGuard.checkDense(3, 3, Double.NaN, "x"), "NaN factor");
    }

    @Test
    void eighRefusesBeforeAllocating() {
        MemoryLimitException e = assertThrows(MemoryLimitException.class,
                () -> MemoryGuard.checkWorkspace("eigh (dsyevd) of 40000×40000 with eigenvectors",
                        2L * 40000 * 40000 + 6 * 40000 + 1, 4e10, "n ≤ 32766"),
                "dsyevd's 2n² workspace exceeds one array for n = 40000");
        assertTrue(e.getMessage().contains("n ≤ 32766"), "message names the limit: " + e.getMessage());
    }

    @Test
    void fitsAnswersWithoutThrowing() {
        assertTrue(MemoryGuard.fits(10, 10, 2), "two 10×10 matrices fit");
        assertTrue(!MemoryGuard.fits(46341, 46341, 1), "one array cannot hold 46341² doubles");
        long max = Runtime.getRuntime().maxMemory();
        long n = (long) Math.ceil(Math.sqrt(max / 8.0)) + 1;
        assertTrue(!MemoryGuard.fits(Math.min(n, 46340), Math.min(n, 46340), Math.max(2, 2.0 * max / (8.0 * Math.min(n, 46340) * Math.min(n, 46340)))),
                "more than the heap's maximum does not fit");
        assertThrows(IllegalArgumentException.class, () -> MemoryGuard.fits(3, 3, 0), "zero factor");
    }

    @Test
    void checkRefusesWithTheCallersAdvice() {
        assertDoesNotThrow(() -> MemoryGuard.check("a small plan", 10, 80, "never shown"));
        MemoryLimitException big = assertThrows(MemoryLimitException.class,
                () -> MemoryGuard.check("Lanczos basis", 3e9, 2.4e10, "Lower --k or --basis."));
        assertTrue(big.getMessage().startsWith("Lanczos basis needs 22.4 GiB (one array of 3.0e9 elements"), big.getMessage());
        assertTrue(big.getMessage().endsWith("Lower --k or --basis."), "the caller's advice, not 'use Lanczos': " + big.getMessage());
        double beyondHeap = 4.0 * Runtime.getRuntime().maxMemory();
        MemoryLimitException heap = assertThrows(MemoryLimitException.class, () -> MemoryGuard.check("a grid", 10, beyondHeap, "Use fewer points."));
        assertTrue(heap.getMessage().contains("free of") && heap.getMessage().endsWith("Use fewer points."), heap.getMessage());
        assertEquals("1.0 KiB", MemoryGuard.formatBytes(1024));
    }
}
