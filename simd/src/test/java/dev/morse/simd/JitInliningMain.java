package dev.morse.simd;

/**
 * Child-JVM probe for {@link JitInliningTest}: selects the kernels, prints the selection reason,
 * then runs the tanh, sigmoid and softplus maps until C2 has compiled them (run with
 * {@code -XX:+PrintInlining}, whose lines the test reads).
 */
public final class JitInliningMain {

    private JitInliningMain() {
    }

    public static void main(String[] args) {
        Kernels k = KernelProvider.get();
        System.out.println("selection: " + KernelProvider.selectionReason());
        int n = 4096;
        double[] x = new double[n], v = new double[n], d1 = new double[n];
        for (int i = 0; i < n; i++) {
            x[i] = (i % 97) * 0.07 - 3.4;
        }
        double sum = 0;
        long until = System.nanoTime() + 3_000_000_000L;   // C2 alone compiles after ~10⁴ interpreted iterations
        while (System.nanoTime() < until) {
            for (ElementwiseFunction f : new ElementwiseFunction[] {ElementwiseFunction.TANH, ElementwiseFunction.SIGMOID, ElementwiseFunction.SOFTPLUS}) {
                k.map(f, 1.0, n, x, v, d1, null);
                sum += v[7] + d1[11];
            }
        }
        System.out.println("done " + sum);
    }
}
