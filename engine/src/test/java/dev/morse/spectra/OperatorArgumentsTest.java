package dev.morse.spectra;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** The combinators refuse out == v (shifted and plus used to compute wrong numbers in place) and bad ranges. */
class OperatorArgumentsTest {

    private static void fails(Executable e, String... fragments) {
        IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, e);
        for (String f : fragments) assertTrue(ex.getMessage().contains(f), "message '" + ex.getMessage() + "' should mention '" + f + "'");
    }

    @Test
    void combinatorsRefuseProductsInPlace() {
        LinearOperator d = Operators.dense(new double[] {2, 1, 0, 1, 3, 1, 0, 1, 4}, 3);
        for (LinearOperator op : List.of(d, d.shifted(1), d.scaled(2), d.plus(d), d.restrict(LinearOperator.range(0, 3)),
                Operators.diagonal(new double[] {1, 2, 3}))) {
            double[] v = {1, 2, 3};
            fails(() -> op.apply(v, v), "same array", "in place");
            fails(() -> op.apply(new double[] {1, 2, 3, 4}, new double[3]), "exactly n = 3");
            fails(() -> op.apply(v, new double[4]), "exactly n = 3");
            double[] vs = {1, 2, 3, 4, 5, 6};
            fails(() -> op.apply(vs, vs, 2), "same array", "in place");   // block products too
        }
        double[] block = new double[6];
        Operators.diagonal(new double[] {1, 2, 3}).apply(new double[] {1, 1, 1, 2, 2, 2}, block, 2);
        assertArrayEquals(new double[] {1, 2, 3, 2, 4, 6}, block);
        double[] out = new double[3];
        d.shifted(1).apply(new double[] {1, 2, 3}, out);
        assertArrayEquals(new double[] {3, 8, 11}, out);
    }

    @Test
    void badRangesAreRefused() {
        fails(() -> LinearOperator.range(5, 2), "[5, 2)");
        fails(() -> LinearOperator.range(-1, 2), "[-1, 2)");
        assertArrayEquals(new int[0], LinearOperator.range(3, 3));
    }
}
