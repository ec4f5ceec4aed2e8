package dev.morse.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * Dense column blocks ({@link Evaluator#denseColumns}) and the dense chunk plan: equal to the
 * products with explicit identity columns, bit-identical for any thread count, and harmless to
 * the chunk-state cache that products at the same θ rely on.
 */
class DenseColumnsTest {

    /** N = 100 samples in product chunks of 3 rows: the dense plan cuts chunks of 48 (3 of them). */
    static Evaluator multiChunk(Loss loss, Regularizer reg, int threads, boolean cache) {
        int c = loss == Loss.MSE ? 2 : 3;
        Mlp mlp = Mlp.builder(4, 6, 5, c).activation(Activation.TANH).noBias(2).build();
        Dataset data = loss == Loss.MSE ? Problems.regression(100, 4, c, 41) : Problems.classification(100, 4, c, 41);
        return Evaluator.open(Problem.of(mlp, data, loss, reg),
                Evaluator.Settings.defaults().withChunkRows(3).withThreads(threads).withCacheStates(cache));
    }

    @Test
    void columnsEqualProductsWithIdentityColumns() {
        for (Loss loss : Loss.values()) {
            for (Regularizer reg : new Regularizer[] {Regularizer.NONE, Regularizer.l2(1e-2), Regularizer.multiplicative(0.1)}) {
                try (Evaluator e = multiChunk(loss, reg, 2, true)) {
                    int p = e.dim();
                    double[] theta = e.problem().model().initPyTorchDefault(5);
                    int start = 7, k = 11;
                    double[] eye = new double[k * p];
                    for (int j = 0; j < k; j++) eye[j * p + start + j] = 1;
                    for (Part part : Part.values()) {
                        double[] cols = new double[k * p + 3];
                        e.denseColumns(part, theta, start, k, cols, 3);
                        double[] prod = new double[k * p];
                        e.apply(part, theta, eye, prod, k);
                        double scale = Math.max(1e-300, Problems.maxAbs(prod));
                        double diff = Problems.maxAbsDiff(prod, java.util.Arrays.copyOfRange(cols, 3, 3 + k * p));
                        assertTrue(diff <= 1e-13 * scale, loss + ", " + reg.spec() + ", " + part + ": columns vs products differ by " + diff);
                    }
                }
            }
        }
    }

    @Test
    void denseMatricesAreBitIdenticalForAnyThreadCountAndCacheSetting() {
        for (Loss loss : Loss.values()) {
            double[] theta = null;
            double[][] ref = null;
            for (int threads : new int[] {1, 2, 3}) {
                for (boolean cache : new boolean[] {true, false}) {
                    try (Evaluator e = multiChunk(loss, Regularizer.l2(1e-3), threads, cache)) {
                        if (theta == null) theta = e.problem().model().initPyTorchDefault(9);
                        double[][] got = {e.dense(Part.HESSIAN, theta), e.dense(Part.GGN, theta), e.dense(Part.NME, theta)};
                        if (ref == null) {
                            ref = got;
                            continue;
                        }
                        for (int i = 0; i < 3; i++) {
                            assertArrayEquals(ref[i], got[i], 0.0, loss + ": dense part " + i + " with " + threads + " threads, cache " + cache);
                        }
                    }
                }
            }
        }
    }

    @Test
    void productsAfterADenseRequestAtTheSameThetaAreUnchanged() {
        try (Evaluator e = multiChunk(Loss.CROSS_ENTROPY, Regularizer.l2(1e-3), 2, true)) {
            int p = e.dim();
            double[] theta = e.problem().model().initPyTorchDefault(3);
            double[] v = Problems.gaussian(p, 4);
            double[] before = new double[p], after = new double[p], g1 = new double[p], g2 = new double[p];
            e.hvp(theta, v, before);
            double l1 = e.lossAndGradient(theta, g1);
            e.denseColumns(Part.HESSIAN, theta, 0, 5, new double[5 * p], 0);   // the dense plan's chunks cover other samples
            e.hvp(theta, v, after);
            double l2 = e.lossAndGradient(theta, g2);
            assertArrayEquals(before, after, 0.0, "H·v after a dense request: the cache is keyed on the chunk plan");
            assertArrayEquals(g1, g2, 0.0, "gradient after a dense request");
            assertEquals(l1, l2, 0.0);
        }
    }

    /** lowerOnly: column q's entries 0..q equal the full column's; bit-identical for any thread count. */
    @Test
    void lowerTrianglesEqualTheFullColumns() {
        for (Loss loss : Loss.values()) {
            double[][] ref = null;
            for (int threads : new int[] {1, 3}) {
                try (Evaluator e = multiChunk(loss, Regularizer.l2(1e-3), threads, threads == 1)) {
                    int p = e.dim();
                    double[] theta = e.problem().model().initPyTorchDefault(13);
                    double[][] got = new double[3][];
                    Part[] parts = {Part.GGN, Part.NME, Part.DATA_HESSIAN};
                    for (int t = 0; t < 3; t++) {
                        double[] full = new double[p * p], lower = new double[p * p];
                        java.util.Arrays.fill(lower, 7.0);   // what is left unspecified keeps whatever was there
                        for (int start = 0; start < p; start += 13) {
                            int k = Math.min(13, p - start);
                            e.denseColumns(parts[t], theta, start, k, full, start * p);
                            e.denseColumns(parts[t], theta, start, k, lower, start * p, true);
                        }
                        double scale = Problems.maxAbs(full);
                        for (int q = 0; q < p; q++) {
                            for (int i = 0; i <= q; i++) {
                                assertEquals(full[q * p + i], lower[q * p + i], 1e-13 * scale, loss + " " + parts[t] + ": entry (" + q + ", " + i + ")");
                            }
                        }
                        for (int q = 0; q < p; q++) java.util.Arrays.fill(lower, q * p + q + 1, (q + 1) * p, 0.0);   // unspecified part
                        got[t] = lower;
                    }
                    if (ref == null) {
                        ref = got;
                    } else {
                        for (int t = 0; t < 3; t++) assertArrayEquals(ref[t], got[t], 0.0, loss + ": lower triangles bit-identical with " + threads + " threads");
                    }
                }
            }
        }
    }

    /**
     * The first layer's weight columns come from the Kronecker form Σ_s Q_s ⊗ x_s x_sᵀ (lower
     * triangles) and the others from unit-column products: both against full columns of explicit
     * products, for models where the first layer is the only one (Q_s = H_ℓ), has no bias, feeds a
     * ReLU (σ″ = 0: no NME inside) or a GELU, with blocks that straddle the end of W_1, over several
     * dense chunks; and dense() exactly symmetric.
     */
    @Test
    void firstLayerKroneckerColumnsEqualProducts() {
        Mlp[] models = {
            Mlp.builder(5, 3).build(),
            Mlp.builder(4, 6, 5, 3).activation(Activation.TANH).noBias(1).build(),
            Mlp.builder(7, 5, 3).activation(Activation.RELU).build(),
            Mlp.builder(3, 4, 4, 3).activation(Activation.GELU).build(),
        };
        for (Mlp mlp : models) {
            for (Loss loss : Loss.values()) {
                Dataset data = loss == Loss.MSE ? Problems.regression(100, mlp.inputDim(), 3, 43) : Problems.classification(100, mlp.inputDim(), 3, 43);
                for (int threads : new int[] {1, 2}) {
                    try (Evaluator e = Evaluator.open(Problem.of(mlp, data, loss, Regularizer.l2(1e-3)),
                            Evaluator.Settings.defaults().withChunkRows(3).withThreads(threads))) {
                        int p = e.dim();
                        double[] theta = mlp.initPyTorchDefault(17);
                        double[] eye = new double[p * p];
                        for (int j = 0; j < p; j++) eye[j * p + j] = 1;
                        for (Part part : Part.values()) {
                            double[] prod = new double[p * p];
                            e.apply(part, theta, eye, prod, p);
                            double scale = Math.max(1e-300, Problems.maxAbs(prod));
                            double[] lower = new double[p * p];
                            for (int start = 0; start < p; start += 7) {
                                int k = Math.min(7, p - start);
                                e.denseColumns(part, theta, start, k, lower, start * p, true);
                            }
                            double[] dense = e.dense(part, theta);
                            String what = mlp.widths().length + " layers " + java.util.Arrays.toString(mlp.widths()) + ", " + loss + ", " + part + ", " + threads + " threads";
                            for (int q = 0; q < p; q++) {
                                for (int i = 0; i <= q; i++) {
                                    assertEquals(prod[q * p + i], lower[q * p + i], 1e-13 * scale, what + ": lower entry (" + q + ", " + i + ")");
                                    assertEquals(prod[q * p + i], dense[q * p + i], 1e-13 * scale, what + ": dense entry (" + q + ", " + i + ")");
                                    assertEquals(dense[q * p + i], dense[i * p + q], 0.0, what + ": dense() exactly symmetric");
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /**
     * Wide inputs (d_0 > {@link FirstLayerTasks#KRONECKER_ROWS}): each unit's columns split into
     * row blocks of near-even size (515 + 515), aligned at the unit, summed over three dense chunks.
     * The columns agree with explicit products, whether a request covers whole units or cuts a row
     * block; requests cut on block boundaries run the same GEMMs as whole units (the same bits); and
     * the bits are the same for 1 and 2 threads.
     */
    @Test
    void wideInputsSplitIntoRowBlocksAndAgreeWithProducts() {
        assertEquals(784, FirstLayerTasks.kroneckerRows(784));
        assertEquals(1024, FirstLayerTasks.kroneckerRows(1024));
        assertEquals(513, FirstLayerTasks.kroneckerRows(1025));
        assertEquals(1024, FirstLayerTasks.kroneckerRows(3072));
        assertEquals(769, FirstLayerTasks.kroneckerRows(3073));
        Mlp mlp = Mlp.builder(1030, 2, 1).activation(Activation.TANH).build();
        Dataset data = Problems.regression(300, 1030, 1, 61);   // dense chunks of 16 × 8 rows: three
        Problem prob = Problem.of(mlp, data, Loss.MSE, Regularizer.l2(1e-3));
        int p = mlp.numParameters(), w1 = 2 * 1030;
        double[] theta = mlp.initPyTorchDefault(29);
        double[][] lower = new double[2][];
        for (int threads = 1; threads <= 2; threads++) {
            try (Evaluator e = Evaluator.open(prob, Evaluator.Settings.defaults().withChunkRows(8).withThreads(threads))) {
                double[] whole = new double[w1 * p], cut = new double[w1 * p], aligned = new double[w1 * p];
                e.denseColumns(Part.DATA_HESSIAN, theta, 0, w1, whole, 0, true);
                // Cuts at 500 (inside unit 0's first block [0, 515)) and 1300 (inside unit 1's first, [1030, 1545)).
                for (int[] r : new int[][] {{0, 500}, {500, 800}, {1300, w1 - 1300}}) {
                    e.denseColumns(Part.DATA_HESSIAN, theta, r[0], r[1], cut, r[0] * p, true);
                }
                for (int[] r : new int[][] {{0, 515}, {515, 1030}, {1545, w1 - 1545}}) {
                    e.denseColumns(Part.DATA_HESSIAN, theta, r[0], r[1], aligned, r[0] * p, true);
                }
                double[] eye = new double[w1 * p];
                for (int j = 0; j < w1; j++) eye[j * p + j] = 1;
                double[] prod = new double[w1 * p];
                e.apply(Part.DATA_HESSIAN, theta, eye, prod, w1);
                double scale = Problems.maxAbs(prod);
                for (int q = 0; q < w1; q++) {
                    for (int i = 0; i <= q; i++) {
                        assertEquals(prod[q * p + i], whole[q * p + i], 1e-13 * scale, "entry (" + q + ", " + i + "), " + threads + " threads");
                        assertEquals(prod[q * p + i], cut[q * p + i], 1e-13 * scale, "entry (" + q + ", " + i + ") by cut ranges, " + threads + " threads");
                        assertEquals(whole[q * p + i], aligned[q * p + i], 0.0, "entry (" + q + ", " + i + ") by ranges on block boundaries, " + threads + " threads");
                    }
                }
                lower[threads - 1] = whole;
            }
        }
        assertArrayEquals(lower[0], lower[1], 0.0, "the same bits for 1 and 2 threads");
    }

    /**
     * firstLayerDiagonal and firstLayerFrobeniusSquared (Gram tiles) against the dense matrices,
     * with N = 1100 samples: three Gram tiles per side, the last one short; bit-identical for 1 and
     * 3 threads; parts with terms refused.
     */
    @Test
    void firstLayerDiagonalAndFrobeniusNormMatchTheDenseBlock() {
        for (Loss loss : Loss.values()) {
            Mlp mlp = Mlp.builder(5, 4, 3, 3).activation(Activation.GELU).build();
            Dataset data = loss == Loss.MSE ? Problems.regression(1100, 5, 3, 47) : Problems.classification(1100, 5, 3, 47);
            double[] theta = mlp.initPyTorchDefault(19);
            int w1 = 20;
            double[][] ref = null;
            for (int threads : new int[] {1, 3}) {
                try (Evaluator e = Evaluator.open(Problem.of(mlp, data, loss, Regularizer.l2(1e-3)), Evaluator.Settings.defaults().withThreads(threads))) {
                    assertEquals(w1, e.firstLayerWeights());
                    int p = e.dim();
                    double[][] got = new double[3][];
                    Part[] parts = {Part.GGN, Part.NME, Part.DATA_HESSIAN};
                    for (int t = 0; t < 3; t++) {
                        double[] m = e.dense(parts[t], theta);
                        double[] diag = new double[w1];
                        assertTrue(e.firstLayerDiagonal(parts[t], theta, diag));
                        double frob = 0, scale = Problems.maxAbs(m);
                        for (int i = 0; i < w1; i++) {
                            assertEquals(m[i * p + i], diag[i], 1e-13 * scale, loss + " " + parts[t] + ": diagonal entry " + i);
                            for (int j = 0; j < w1; j++) frob += m[i * p + j] * m[i * p + j];
                        }
                        double f = e.firstLayerFrobeniusSquared(parts[t], theta);
                        assertEquals(frob, f, 1e-12 * frob, loss + " " + parts[t] + ": ‖first-layer block‖_F²");
                        got[t] = java.util.Arrays.copyOf(diag, w1 + 1);
                        got[t][w1] = f;
                    }
                    if (ref == null) ref = got;
                    else for (int t = 0; t < 3; t++) assertArrayEquals(ref[t], got[t], 0.0, loss + ": bit-identical with " + threads + " threads");
                    assertThrows(IllegalArgumentException.class, () -> e.firstLayerDiagonal(Part.HESSIAN, theta, new double[w1]));
                    assertThrows(IllegalArgumentException.class, () -> e.firstLayerFrobeniusSquared(Part.REGULARIZER, theta));
                    assertThrows(IllegalArgumentException.class, () -> e.firstLayerDiagonal(Part.GGN, theta, new double[w1 - 1]));
                }
            }
        }
    }

    /**
     * The first layer's Q_s are kept between column blocks keyed on θ's bits: blocks at θ₁, then θ₂
     * (θ₁ changed in place), then θ₁ again equal a fresh evaluator's, bit for bit; and dense() is
     * bit-identical for 1 and 8 threads.
     */
    @Test
    void firstLayerCurvatureFollowsThetaAndBlocksOfAnyWidthAgree() {
        Mlp mlp = Mlp.builder(30, 12, 3).activation(Activation.TANH).build();
        Dataset data = Problems.classification(90, 30, 3, 53);
        Problem prob = Problem.of(mlp, data, Loss.CROSS_ENTROPY, Regularizer.l2(1e-3));
        int p = mlp.numParameters();
        double[] theta1 = mlp.initPyTorchDefault(23), theta = theta1.clone();
        try (Evaluator e = Evaluator.open(prob, Evaluator.Settings.defaults().withChunkRows(8).withThreads(2))) {
            double[] a = new double[40 * p], b = new double[40 * p], c = new double[40 * p];
            e.denseColumns(Part.DATA_HESSIAN, theta, 0, 40, a, 0, true);
            theta[5] += 0.25;   // θ₂: the same array, changed in place
            e.denseColumns(Part.DATA_HESSIAN, theta, 0, 40, b, 0, true);
            theta[5] = theta1[5];
            e.denseColumns(Part.DATA_HESSIAN, theta, 0, 40, c, 0, true);
            double[] fresh = new double[40 * p], fresh2 = new double[40 * p];
            try (Evaluator f = Evaluator.open(prob, Evaluator.Settings.defaults().withChunkRows(8).withThreads(2))) {
                f.denseColumns(Part.DATA_HESSIAN, theta1, 0, 40, fresh, 0, true);
                double[] t2 = theta1.clone();
                t2[5] += 0.25;
                f.releaseDenseCaches();
                f.denseColumns(Part.DATA_HESSIAN, t2, 0, 40, fresh2, 0, true);
            }
            for (int j = 0; j < 40; j++) {
                for (int i = 0; i <= j; i++) {
                    assertEquals(fresh[j * p + i], a[j * p + i], 0.0, "θ₁ entry (" + j + ", " + i + ")");
                    assertEquals(fresh2[j * p + i], b[j * p + i], 0.0, "θ₂ entry (" + j + ", " + i + ")");
                    assertEquals(fresh[j * p + i], c[j * p + i], 0.0, "θ₁ again, entry (" + j + ", " + i + ")");
                }
            }
            assertTrue(Problems.maxAbsDiff(a, b) > 0, "θ₂ gives another matrix");
        }
        double[] one, eight;
        try (Evaluator e = Evaluator.open(prob, Evaluator.Settings.defaults().withThreads(1))) {
            one = e.dense(Part.HESSIAN, theta1);
        }
        try (Evaluator e = Evaluator.open(prob, Evaluator.Settings.defaults().withThreads(8))) {
            assertEquals(Math.min(256, p), e.denseBlockColumns(), "the column block does not depend on the threads");
            eight = e.dense(Part.HESSIAN, theta1);
        }
        assertArrayEquals(one, eight, 0.0, "dense() with 1 and 8 threads");
    }

    /**
     * dense() takes the first layer's weights in whole units, whatever its column block: with
     * d_0 = 300, wider than the block of 256 columns, one unit at a time; 1 and 8 threads give the
     * same bits, and the progress rises to P.
     */
    @Test
    void denseTakesWholeUnitsForAnyColumnBlock() {
        Mlp mlp = Mlp.builder(300, 3, 2).activation(Activation.TANH).build();
        Problem prob = Problem.of(mlp, Problems.classification(40, 300, 2, 67), Loss.CROSS_ENTROPY, Regularizer.l2(1e-3));
        double[] theta = mlp.initPyTorchDefault(31);
        double[][] dense = new double[2][];
        int[] threads = {1, 8};
        for (int t = 0; t < 2; t++) {
            try (Evaluator e = Evaluator.open(prob, Evaluator.Settings.defaults().withThreads(threads[t]))) {
                java.util.List<Long> done = new java.util.ArrayList<>();
                dense[t] = e.dense(Part.HESSIAN, theta, (d, total) -> done.add(d));
                assertTrue(done.contains(300L) && done.contains(900L), "units 0, 1, 2 one by one (d_0 > the column block): " + done);
                assertEquals(e.dim(), done.get(done.size() - 1));
                for (int i = 1; i < done.size(); i++) assertTrue(done.get(i) > done.get(i - 1), "progress rises: " + done);
            }
        }
        assertArrayEquals(dense[0], dense[1], 0.0, "dense() with 1 and 8 threads");
        // H with the multiplicative term has no Kronecker columns: blocks of the column width, not units.
        Problem mult = Problem.of(mlp, Problems.classification(40, 300, 2, 67), Loss.CROSS_ENTROPY, Regularizer.multiplicative(0.05));
        try (Evaluator e = Evaluator.open(mult, Evaluator.Settings.defaults().withThreads(1))) {
            java.util.List<Long> done = new java.util.ArrayList<>();
            e.dense(Part.HESSIAN, theta, (d, total) -> done.add(d));
            assertEquals((long) e.denseBlockColumns(), done.get(0), "unit columns go in blocks: " + done);
        }
    }

    @Test
    void rejectsBadRanges() {
        try (Evaluator e = multiChunk(Loss.MSE, Regularizer.NONE, 1, true)) {
            int p = e.dim();
            double[] theta = e.problem().model().initPyTorchDefault(1);
            assertThrows(IllegalArgumentException.class, () -> e.denseColumns(Part.GGN, theta, p - 1, 2, new double[2 * p], 0), "past P");
            assertThrows(IllegalArgumentException.class, () -> e.denseColumns(Part.GGN, theta, 0, 2, new double[2 * p - 1], 0), "short output");
            assertThrows(IllegalArgumentException.class, () -> e.denseColumns(null, theta, 0, 1, new double[p], 0), "null part");
            e.denseColumns(Part.GGN, theta, 0, 0, new double[0], 0);   // nothing to do
            assertTrue(e.denseBlockColumns() >= 1 && e.denseBlockColumns() <= p);
        }
    }
}
