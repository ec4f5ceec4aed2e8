package dev.morse.analysis;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.morse.engine.Activation;
import dev.morse.engine.CurvatureOperator;
import dev.morse.engine.Dataset;
import dev.morse.engine.Evaluator;
import dev.morse.engine.Loss;
import dev.morse.engine.Mlp;
import dev.morse.engine.Problem;
import dev.morse.engine.Term;
import dev.morse.linalg.Linalg;
import dev.morse.linalg.NonFiniteValueException;
import dev.morse.spectra.BlockLanczos;
import dev.morse.spectra.DenseSpectrum;
import dev.morse.spectra.Lanczos;
import dev.morse.spectra.LinearOperator;
import dev.morse.spectra.SpectralDensity;
import dev.morse.spectra.TraceEstimator;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * Non-finite products are refused by the analyses with a message about the operator's output, not
 * passed on as NaN estimates or as "V contains NaN", naming a vector the caller never passed. A
 * value computed from finite input (a product, a matrix assembled from products, the loss or
 * gradient at θ) is a numerical failure of the run, a NonFiniteValueException (exit 3 in the CLI);
 * only what the caller passes in is an IllegalArgumentException (the package comments' rule).
 */
class NonFiniteProductsTest {

    /** A caller's bad argument: an IllegalArgumentException, and no numerical failure. */
    private static void fails(Executable e, String... fragments) {
        IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, e);
        for (String f : fragments) assertTrue(ex.getMessage().contains(f), "message '" + ex.getMessage() + "' should mention '" + f + "'");
        assertFalse(ex.getMessage().contains("V contains"), ex.getMessage());
    }

    /** A non-finite value computed in the run (a product, the loss or gradient): a numerical failure, not an argument error. */
    private static void computed(Executable e, String... fragments) {
        var ex = assertThrows(NonFiniteValueException.class, e);
        for (String f : fragments) assertTrue(ex.getMessage().contains(f), "message '" + ex.getMessage() + "' should mention '" + f + "'");
        assertFalse(ex.getMessage().contains("V contains"), ex.getMessage());
    }

    private static void overflows(Executable e, String... fragments) {
        var ex = assertThrows(dev.morse.linalg.NonFiniteMatrixException.class, e);
        for (String f : fragments) assertTrue(ex.getMessage().contains(f), "message '" + ex.getMessage() + "' should mention '" + f + "'");
    }

    /** A user operator whose products are NaN at index 2. */
    private static final LinearOperator NAN_OP = new LinearOperator() {
        @Override
        public int dim() {
            return 6;
        }

        @Override
        public void apply(double[] v, double[] out) {
            for (int i = 0; i < 6; i++) out[i] = (i + 1) * v[i];
            out[2] = Double.NaN;
        }

        @Override
        public String describe() {
            return "nan-op";
        }
    };

    @Test
    void spectralMethodsRefuseANonFiniteProduct() {
        computed(() -> TraceEstimator.hutchinson(NAN_OP, 4, 1), "nan-op", "returned NaN at index 2", "probe 0 of Hutchinson");
        computed(() -> TraceEstimator.hutchPlusPlus(NAN_OP, 6, 1), "nan-op", "returned NaN at index 2");
        computed(() -> Lanczos.run(NAN_OP, new Lanczos.Options().k(1)), "nan-op", "returned NaN at index 2", "Lanczos");
        computed(() -> SpectralDensity.estimate(NAN_OP, new SpectralDensity.Options().probes(2).steps(3)), "returned NaN at index 2", "SLQ probe 0");
        computed(() -> BlockLanczos.largestMagnitude(NAN_OP, 1, 2, 1e-8, 6, 1), "returned NaN at index 2");
    }

    @Test
    void overflowingWeightsAreRefusedNamingTheOverflow() {
        int n = 6;
        double[] x = new double[3 * n], y = new double[n];
        for (int i = 0; i < x.length; i++) x[i] = Math.sin(i + 1);
        for (int i = 0; i < n; i++) y[i] = Math.cos(i + 1);
        Mlp mlp = Mlp.of(Activation.TANH, 3, 4, 1);
        try (Evaluator e = Evaluator.open(Problem.of(mlp, Dataset.regression(x, n, 3, y, 1), Loss.MSE), Evaluator.Settings.defaults().withThreads(1))) {
            for (double big : new double[] {1e200, 1e160}) {
                double[] theta = new double[mlp.numParameters()];
                Arrays.fill(theta, big);
                // computed at a finite θ: numerical failures of the run (exit 3), not the caller's bad arguments (exit 1 in the CLI)
                computed(() -> MorseReport.at(e, theta, MorseReport.Options.defaults()), "non-finite loss or gradient at θ", "overflow");
                computed(() -> TraceEstimator.hutchinson(CurvatureOperator.hessian(e, theta), 4, 1), "returned", "overflow");
                computed(() -> Lanczos.run(CurvatureOperator.hessian(e, theta), new Lanczos.Options().k(2)), "returned", "overflow");
                overflows(() -> DenseSpectrum.eigen(CurvatureOperator.hessian(e, theta), false), "the dense matrix of the operator hessian", "overflow");
                // the refinement refuses such a start before any step, naming the overflow (gradient descent called it
                // DIVERGED, "lower the learning rate", where no step had been taken)
                computed(() -> CriticalPoints.newton(e, theta, 5, 0, 1000), "non-finite loss or gradient at θ");
                computed(() -> CriticalPoints.newton(e, theta, 5, 0, 0), "non-finite loss or gradient at θ");
                computed(() -> CriticalPoints.newtonTrustRegion(e, theta, 5, 0, 1000), "non-finite loss or gradient at θ");
                computed(() -> CriticalPoints.lbfgs(e, theta, 5, 5, 0), "non-finite loss or gradient at θ");
                computed(() -> CriticalPoints.gradientDescent(e, theta, 0.1, 5, 0), "non-finite loss or gradient at θ");
            }
            // what the caller passes in is still an argument error: a θ holding NaN
            double[] nan = new double[mlp.numParameters()];
            nan[3] = Double.NaN;
            fails(() -> MorseReport.at(e, nan, MorseReport.Options.defaults()));
            fails(() -> CriticalPoints.newton(e, nan, 5, 0, 1000));
            // the evaluator itself returns IEEE results (training's divergence test reads them)
            double[] theta = new double[mlp.numParameters()];
            Arrays.fill(theta, 1e200);
            double[] g = new double[theta.length];
            assertFalse(Double.isFinite(e.lossAndGradient(theta, g)));
        }
    }

    /** A symmetric user operator, diag(1, …, 6) with +∞ at (1, 4) and (4, 1): its dense matrix is not finite. */
    private static final LinearOperator INF_ENTRY_OP = new LinearOperator() {
        @Override
        public int dim() {
            return 6;
        }

        @Override
        public void apply(double[] v, double[] out) {
            for (int i = 0; i < 6; i++) out[i] = (i + 1) * v[i];
            if (v[4] != 0) out[1] = Double.POSITIVE_INFINITY;
            if (v[1] != 0) out[4] = Double.POSITIVE_INFINITY;
        }

        @Override
        public String describe() {
            return "inf-op";
        }
    };

    /**
     * A finite operator whose entries are near the largest double is not blamed: its symmetrized
     * matrix stays finite (0.5·(x + y) overflowed to ∞ for x = y = 1e308, and requireFinite then
     * refused "the operator" for an Infinity it never produced).
     */
    @Test
    void denseSpectraOfHugeFiniteEntriesAreNotRefused() {
        LinearOperator huge = dev.morse.spectra.Operators.dense(new double[] {0, 1e308, 1e308, 0}, 2);
        double[] ev = DenseSpectrum.eigen(huge, false).values();
        org.junit.jupiter.api.Assertions.assertArrayEquals(new double[] {-1e308, 1e308}, ev, 1e293);
        dev.morse.linalg.Inertia in = DenseSpectrum.inertia(huge, 0);
        org.junit.jupiter.api.Assertions.assertEquals(1, in.negative());
        org.junit.jupiter.api.Assertions.assertEquals(1, in.positive());
    }

    /**
     * The dense paths refuse a non-finite matrix before LAPACK, naming the operator and the entry
     * by row and column; they used to pass it on to LAPACK's input check, whose message names an
     * index of LAPACK's own array.
     */
    @Test
    void denseSpectraRefuseANonFiniteMatrix() {
        // the lower triangle is scanned, the one LAPACK reads: (A + Aᵀ)/2 carries the upper one's entries there
        // the matrix is computed from the operator's products: a numerical failure, as a non-finite product is
        overflows(() -> DenseSpectrum.eigen(INF_ENTRY_OP, false), "the dense matrix of the operator inf-op", "Infinity at row 4, column 1");
        overflows(() -> DenseSpectrum.inertia(INF_ENTRY_OP, 0.5), "inf-op", "row 4, column 1");
        overflows(() -> DenseSpectrum.countInInterval(INF_ENTRY_OP, 0, 3), "inf-op", "row 4, column 1");
        overflows(() -> DenseSpectrum.eigen(NAN_OP, true), "nan-op", "NaN at row 2, column 0");   // row 2's NaN is column 2's too
        // a matrix the caller passes to Linalg is an argument
        double[] m = {1, Double.NaN, 2, 3};   // the upper triangle is not read (lower only)
        Linalg.get().eigh(m, 2, false);
        fails(() -> Linalg.get().eigh(new double[] {1, 2, Double.NaN, 3}, 2, false), "row 1, column 0", "LAPACK needs finite input");
    }

    /**
     * A term whose Hessian part is NaN at (ROW, COLUMN) and (COLUMN, ROW), seen only by products with
     * the unit vectors of those coordinates (the dense assembly's), not by the random vectors of
     * Lanczos: the loss, the gradient and every Lanczos run of the Morse check are finite.
     */
    private record NanEntry(int row, int column) implements Term {
        public String spec() {
            return "nan-entry";
        }

        public double value(Context c) {
            return 0;
        }

        public void addGradient(Context c, double[] g) {}

        public void addHvp(Context c, double[] vs, double[] d, double[] o, int k) {
            int p = c.theta().length;
            for (int j = 0; j < k; j++) {
                if (unit(vs, j * p, p, column)) o[j * p + row] = Double.NaN;
                if (unit(vs, j * p, p, row)) o[j * p + column] = Double.NaN;
            }
        }

        private static boolean unit(double[] vs, int off, int p, int i) {
            for (int q = 0; q < p; q++) if (vs[off + q] != (q == i ? 1 : 0)) return false;
            return true;
        }
    }

    private static final Mlp MLP_3_4_1 = Mlp.of(Activation.TANH, 3, 4, 1);   // P = 21; W_1 is θ[0, 12): (18, 14) lies past it

    /** 3-4-1 tanh, mse, six samples, with a term whose Hessian entry (18, 14) is NaN (seen only by unit vectors). */
    private static Problem nanAt18And14() {
        int n = 6;
        double[] x = new double[3 * n], y = new double[n];
        for (int i = 0; i < x.length; i++) x[i] = Math.sin(i + 1);
        for (int i = 0; i < n; i++) y[i] = Math.cos(i + 1);
        return Problem.of(MLP_3_4_1, Dataset.regression(x, n, 3, y, 1), Loss.MSE, new NanEntry(18, 14));
    }

    /** The Morse check's dense paths (LDLᵀ/Cholesky inertia, and --spectra's dsyevd) refuse a non-finite H naming the entry. */
    @Test
    void theMorseChecksDenseHessianIsRefusedWhenNotFinite() {
        try (Evaluator e = Evaluator.open(nanAt18And14(), Evaluator.Settings.defaults().withThreads(1))) {
            double[] theta = MLP_3_4_1.initPyTorchDefault(3);
            // overflow at θ is a numerical condition of the run (a LinalgException: exit 3 in the CLI), not an argument error (exit 1)
            overflows(() -> MorseReport.at(e, theta, MorseReport.Options.defaults()), "the dense matrix of H at θ for the Morse check", "hessian of",
                    "NaN at row 18, column 14");
            overflows(() -> MorseReport.at(e, theta, MorseReport.Options.defaults().withSpectra(true)), "the dense matrix of H at θ", "NaN at row 18, column 14");
        }
    }

    /** The dense Newton steps (newton, newton_tr) refuse a non-finite H as the Morse check does, before LAPACK. */
    @Test
    void denseNewtonStepsRefuseANonFiniteHessian() {
        try (Evaluator e = Evaluator.open(nanAt18And14(), Evaluator.Settings.defaults().withThreads(1))) {
            double[] theta = MLP_3_4_1.initPyTorchDefault(3);
            overflows(() -> CriticalPoints.newton(e, theta, 5, 0, 1000), "the dense matrix of H at θ for a Newton step", "NaN at row 18, column 14");
            overflows(() -> CriticalPoints.newtonTrustRegion(e, theta, 5, 0, 1000), "the dense matrix of H at θ for a Newton step", "NaN at row 18, column 14");
        }
    }

    /** A term whose Hessian products are NaN in entry 0 for every vector (the loss and gradient stay finite). */
    private record NanProducts() implements Term {
        public String spec() {
            return "nan-products";
        }

        public double value(Context c) {
            return 0;
        }

        public void addGradient(Context c, double[] g) {}

        public void addHvp(Context c, double[] vs, double[] d, double[] o, int k) {
            int p = c.theta().length;
            for (int j = 0; j < k; j++) o[j * p] = Double.NaN;
        }
    }

    /**
     * The matrix-free Newton steps (MINRES and Steihaug's CG on H·v) refuse a non-finite product. They
     * used to run MINRES on NaN to its product budget and stop "STALLED" with a reason that was untrue
     * ("H·∇L_R ≈ 0", "the quadratic model predicts no decrease").
     */
    @Test
    void matrixFreeNewtonStepsRefuseANonFiniteProduct() {
        int n = 6;
        double[] x = new double[3 * n], y = new double[n];
        for (int i = 0; i < x.length; i++) x[i] = Math.sin(i + 1);
        for (int i = 0; i < n; i++) y[i] = Math.cos(i + 1);
        Problem problem = Problem.of(MLP_3_4_1, Dataset.regression(x, n, 3, y, 1), Loss.MSE, new NanProducts());
        try (Evaluator e = Evaluator.open(problem, Evaluator.Settings.defaults().withThreads(1))) {
            double[] theta = MLP_3_4_1.initPyTorchDefault(3);
            computed(() -> CriticalPoints.newton(e, theta.clone(), 5, 0, 0), "returned NaN at index 0", "the Newton step of iteration 1");
            computed(() -> CriticalPoints.newtonTrustRegion(e, theta.clone(), 5, 0, 0), "returned NaN at index 0", "the Newton step of iteration 1");
        }
    }
}
