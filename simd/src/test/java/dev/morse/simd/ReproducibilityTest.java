package dev.morse.simd;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * SPEC §8: identical inputs give identical bits. Repeats each vector kernel thousands of times,
 * long enough for the JIT to move it from the interpreter through C1 to C2, and requires every
 * result to equal the first bit for bit. (This is what rules out lanewise EXP/TANH/LOG1P, whose
 * compiled and interpreted forms differ in the last bits.)
 */
class ReproducibilityTest {

    private static final int REPEATS = 3000;

    @Test
    void mapIsBitIdenticalAcrossJitTiers() {
        Kernels vector = KernelProvider.vector();
        Random rnd = new Random(8);
        int n = 2003; // full vectors plus a tail; SVML-vs-Math last-bit differences hit ~0.5% of lanes
        double[] x = new double[n];
        for (int i = 0; i < n; i++) {
            x[i] = 6 * rnd.nextGaussian();
        }
        for (ElementwiseFunction f : ElementwiseFunction.values()) {
            double[][] first = {new double[n], new double[n], new double[n], new double[n]};
            vector.map(f, 1.5, n, x, first[0], first[1], first[2], first[3]);
            double[][] again = {new double[n], new double[n], new double[n], new double[n]};
            for (int r = 0; r < REPEATS; r++) {
                vector.map(f, 1.5, n, x, again[0], again[1], again[2], again[3]);
                for (int o = 0; o < 4; o++) {
                    int i = Arrays.mismatch(first[o], again[o]);
                    if (i >= 0) {
                        assertEquals(first[o][i], again[o][i], 0.0,
                                f + " output " + o + " at x=" + x[i] + " must not change between calls (changed on repeat " + r + ")");
                    }
                }
            }
        }
    }

    @Test
    void reductionsAndGemmAreBitIdenticalAcrossJitTiers() {
        Kernels vector = KernelProvider.vector();
        Random rnd = new Random(9);
        int n = 37;
        double[] x = new double[n];
        double[] y = new double[n];
        for (int i = 0; i < n; i++) {
            x[i] = rnd.nextGaussian();
            y[i] = rnd.nextGaussian();
        }
        double[] a = Arrays.copyOf(x, 5 * 7);
        double[] b = Arrays.copyOf(y, 7 * 9);
        double[] c0 = new double[5 * 9];
        vector.gemm(false, true, 5, 9, 7, 1.0, a, 0, 7, b, 0, 7, 0.0, c0, 0, 9);
        double dot = vector.dot(n, x, 0, y, 0);
        double sum = vector.sum(n, x, 0);
        double sq = vector.sumOfSquares(n, x, 0);
        double[] c = new double[c0.length];
        for (int r = 0; r < REPEATS; r++) {
            assertEquals(Double.doubleToRawLongBits(dot), Double.doubleToRawLongBits(vector.dot(n, x, 0, y, 0)), "dot changed on repeat " + r);
            assertEquals(Double.doubleToRawLongBits(sum), Double.doubleToRawLongBits(vector.sum(n, x, 0)), "sum changed on repeat " + r);
            assertEquals(Double.doubleToRawLongBits(sq), Double.doubleToRawLongBits(vector.sumOfSquares(n, x, 0)), "sumOfSquares changed on repeat " + r);
            vector.gemm(false, true, 5, 9, 7, 1.0, a, 0, 7, b, 0, 7, 0.0, c, 0, 9);
            int i = Arrays.mismatch(c0, c);
            if (i >= 0) {
                assertEquals(c0[i], c[i], 0.0, "gemm C[" + i + "] must not change between calls (changed on repeat " + r + ")");
            }
        }
    }
}
