package dev.morse.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.morse.linalg.Linalg;
import dev.morse.simd.KernelProvider;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import org.junit.jupiter.api.Test;

/**
 * The doubles the scheduler checks against the heap before workers grow their product buffers
 * ({@link ChunkPass#blockDoubles}, {@link ChunkThirdOrder#thirdDoubles}) are what
 * {@code ensureBlock} and {@code ensureThird} allocate: the arithmetic is written beside the
 * allocation, and this keeps the two in step.
 */
class ChunkPassTest {

    /** The lengths of the named double[] and double[][] fields of o (the buffers a pass allocates). */
    private static java.util.stream.DoubleStream lengths(Object o, String... fields) throws Exception {
        java.util.stream.DoubleStream.Builder b = java.util.stream.DoubleStream.builder();
        for (String f : fields) {
            Field fld = o.getClass().getDeclaredField(f);
            fld.setAccessible(true);
            Object v = fld.get(o);
            if (v instanceof double[] a) b.add(a.length);
            else if (v instanceof double[][] aa) for (double[] a : aa) if (a != null) b.add(a.length);
        }
        return b.build();
    }

    private static final String[] BLOCK = {"bra", "brz", "brg", "brdz", "brgT", "nmeFactor", "vPack", "wTmp", "biasTmp"};

    @Test
    void theCheckedSizesAreTheAllocatedOnes() throws Exception {
        for (int[] widths : new int[][] {{3, 5, 4, 2}, {784, 12, 10}, {2, 7, 1}, {5, 9, 3, 8, 1}}) {
            Mlp mlp = Mlp.of(Activation.TANH, widths);
            for (int rows : new int[] {1, 7, 64}) {
                for (int kg : new int[] {1, 3, 16}) {
                    ChunkPass pass = new ChunkPass(mlp, Loss.MSE, KernelProvider.get(), Linalg.get(), rows);
                    pass.ensureBlock(kg);
                    assertEquals(ChunkPass.blockDoubles(widths, rows, kg),
                            lengths(pass, BLOCK).sum(),
                            java.util.Arrays.toString(widths) + " rows " + rows + " kg " + kg);
                    assertEquals(ChunkPass.largestBlockArray(widths, rows, kg),
                            lengths(pass, BLOCK).max().orElse(0), "the largest array");
                    ChunkThirdOrder third = new ChunkThirdOrder(pass);
                    Method ensure = ChunkThirdOrder.class.getDeclaredMethod("ensureThird", int.class);
                    ensure.setAccessible(true);
                    ensure.invoke(third, kg);
                    assertEquals(ChunkThirdOrder.thirdDoubles(widths, rows, kg), lengths(third, "br2a", "br2z", "br2g", "br2dz", "rowSum", "rowSum2", "s3Tmp").sum(),
                            java.util.Arrays.toString(widths) + " rows " + rows + " kg " + kg + " (third order)");
                }
            }
        }
    }
}
