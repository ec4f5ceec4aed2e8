package dev.morse.bench;

import dev.morse.analysis.MorseReport;
import dev.morse.engine.Activation;
import dev.morse.engine.Evaluator;
import dev.morse.engine.Loss;
import dev.morse.engine.Mlp;
import dev.morse.engine.Part;
import dev.morse.engine.Problem;
import dev.morse.engine.Regularizer;
import dev.morse.engine.Workload;
import dev.morse.linalg.NativeThreads;
import java.util.Arrays;
import java.util.Locale;

/**
 * Two thread-ownership figures of issue 9, in one JVM, alternating (medians over rounds):
 * <ol>
 *   <li>the dense Hessian of a 256-sample problem (30-40-40-1 tanh, mse; P = 2921) with 1 and 2
 *       engine threads: before the redesign a data set of at most 256 rows was one chunk and ran on
 *       one thread whatever was asked;
 *   <li>the Morse report with full spectra (`--spectra`) at P ≈ 5000 (50-60-30-1 tanh, mse, l2, N = 512) with the native budget at
 *       1 thread (as before: the report's three P×P eigendecompositions ran on OpenBLAS's single
 *       thread) and at every core (now: {@link Evaluator#nativeScope()}).
 * </ol>
 * <pre>{@code java --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -cp bench/target/benchmarks.jar dev.morse.bench.ThreadScaling [ROUNDS]}</pre>
 */
public final class ThreadScaling {
    private ThreadScaling() {}

    public static void main(String[] args) {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 3;
        int cores = Runtime.getRuntime().availableProcessors();
        Problem dense = Workload.parse("30-40-40-1:tanh:mse:256").problem();
        Problem morse = new Workload(Mlp.of(Activation.TANH, 50, 60, 30, 1), Loss.MSE, 512, Workload.DEFAULT_SEED).problem()
                .withTerms(Regularizer.l2(1e-3));
        double[] thetaD = dense.model().initPyTorchDefault(1), thetaM = morse.model().initPyTorchDefault(1);
        double[][] tDense = new double[2][rounds], tMorse = new double[2][rounds];
        try (Evaluator one = Evaluator.open(dense, Evaluator.Settings.defaults().withThreads(1));
             Evaluator two = Evaluator.open(dense, Evaluator.Settings.defaults().withThreads(2));
             Evaluator m = Evaluator.open(morse, Evaluator.Settings.defaults().withThreads(cores))) {
            one.dense(Part.HESSIAN, thetaD);   // warm-up (JIT)
            two.dense(Part.HESSIAN, thetaD);
            for (int r = 0; r < rounds; r++) {
                tDense[0][r] = time(() -> one.dense(Part.HESSIAN, thetaD));
                tDense[1][r] = time(() -> two.dense(Part.HESSIAN, thetaD));
                for (int b = 0; b < 2; b++) {
                    int budget = b == 0 ? 1 : cores;
                    NativeThreads.setBudget(budget);
                    tMorse[b][r] = time(() -> MorseReport.at(m, thetaM, MorseReport.Options.defaults().withSpectra(true)));
                }
            }
            NativeThreads.setBudget(cores);
        }
        double d1 = median(tDense[0]), d2 = median(tDense[1]), m1 = median(tMorse[0]), mAll = median(tMorse[1]);
        System.out.printf(Locale.ROOT, "dense Hessian, 30-40-40-1 N = 256 (P = %d): 1 thread %.3f s, 2 threads %.3f s: %.2fx%n", dense.dim(), d1, d2, d1 / d2);
        System.out.printf(Locale.ROOT, "Morse report, 50-60-30-1 N = 512 l2 (P = %d): LAPACK on 1 thread %.2f s, on %d %.2f s: %.2fx%n", morse.dim(), m1, cores, mAll, m1 / mAll);
        System.out.printf(Locale.ROOT, "{\"dense_hessian\": {\"P\": %d, \"one_thread_s\": %.4f, \"two_threads_s\": %.4f}, \"morse_report\": {\"P\": %d, \"lapack_one_thread_s\": %.3f, \"lapack_all_cores_s\": %.3f, \"cores\": %d}}%n",
                dense.dim(), d1, d2, morse.dim(), m1, mAll, cores);
    }

    private static double time(Runnable r) {
        long t0 = System.nanoTime();
        r.run();
        return (System.nanoTime() - t0) * 1e-9;
    }

    private static double median(double[] a) {
        double[] s = a.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : 0.5 * (s[s.length / 2 - 1] + s[s.length / 2]);
    }
}
