package dev.morse.simd;

/**
 * Child-JVM probe for {@link JitInliningTest}: selects the kernels, prints the selection reason,
 * then runs the tanh, sigmoid and softplus maps for the seconds given (default 3), long enough
 * for C2 to compile them on a quiet machine (run with {@code -XX:+PrintInlining}, whose lines the
 * test reads).
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
        int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 3;
        long until = System.nanoTime() + seconds * 1_000_000_000L;   // C2 alone compiles after ~10⁴ interpreted iterations
        while (System.nanoTime() < until) {
            for (ElementwiseFunction f : new ElementwiseFunction[] {ElementwiseFunction.TANH, ElementwiseFunction.SIGMOID, ElementwiseFunction.SOFTPLUS}) {
                k.map(f, 1.0, n, x, v, d1, null);
                sum += v[7] + d1[11];
            }
        }
        System.out.println("done " + sum);
    }
}
