package dev.morse.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.morse.engine.Dataset;
import dev.morse.engine.Loss;
import dev.morse.engine.Mlp;
import dev.morse.io.Npy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What sweeps use of the CLI: {@code morse init}, the JVM-wide data cache, and {@code --master}
 * without the cluster module on the class path.
 */
class SweepSupportTest {

    @TempDir
    Path dir;

    @BeforeEach
    void clearCache() {
        DataCache.clear();
    }

    @Test
    void initWritesTheThetaEveryCommandStartsFrom() throws Exception {
        Path theta = dir.resolve("t0.npy");
        Path json = dir.resolve("init.json");
        Cli.Result r = Cli.run("init", "--model", "3-5-2", "--seed", "7", "--save", theta.toString(), "--json", json.toString());
        assertEquals(0, r.code(), r.toString());
        Mlp m = Mlp.builder(3, 5, 2).build();
        assertArrayEquals(m.initPyTorchDefault(7), Npy.read(theta).values(), "bit for bit nn.Linear's init with seed 7");
        Map<String, Object> rep = Cli.json(json);
        assertEquals("init", rep.get("command"));
        assertEquals(32.0, Cli.num(rep, "P"), 0);
        assertEquals(theta.toString(), rep.get("theta_file"));
        double norm = 0;
        for (double t : m.initPyTorchDefault(7)) norm += t * t;
        assertEquals(Math.sqrt(norm), Cli.num(rep, "theta_norm"), 1e-15);

        // fit --weights t0.npy starts exactly where fit --init pytorch --seed 7 starts
        Path a = dir.resolve("a.json"), b = dir.resolve("b.json");
        String[] problem = {"--model", "3-5-2", "--data", "gaussian:n=20", "--max-iter", "3", "--grad-tol", "1e-30"};
        Cli.run(concat(new String[] {"fit", "--weights", theta.toString(), "--json", a.toString()}, problem));
        Cli.run(concat(new String[] {"fit", "--seed", "7", "--json", b.toString()}, problem));
        assertEquals(Cli.json(a).get("trajectory"), Cli.json(b).get("trajectory"));

        Path g = dir.resolve("g.npy");
        assertEquals(0, Cli.run("init", "--model", "3-5-2", "--init", "gaussian:0.5", "--seed", "2", "-o", g.toString(), "-q").code());
        assertArrayEquals(m.initGaussian(0.5, 2), Npy.read(g).values());
        // errors name the option; the file is never overwritten without --force
        Cli.Result bad = Cli.run("init", "--model", "3-5-2", "--init", "uniform", "--save", dir.resolve("u.npy").toString());
        assertEquals(2, bad.code(), bad.toString());
        assertTrue(bad.err().contains("--init uniform"), bad.err());
        Cli.Result none = Cli.run("init", "--model", "3-5-2");
        assertEquals(2, none.code(), none.toString());
        assertTrue(none.err().contains("--save"), none.err());
        Cli.Result again = Cli.run("init", "--model", "3-5-2", "--save", theta.toString());
        assertEquals(2, again.code(), again.toString());
        assertTrue(again.err().contains("refusing to overwrite"), again.err());
    }

    @Test
    void dataLoadedOncePerJvmForEqualSpecsAndAgainWhenAFileChanges() throws Exception {
        ProblemOptions o = options("4-3-1");
        o.data = "teacher:n=30,width=2";
        Mlp m = LoadedProblem.model(o);
        long before = DataCache.loads();
        String[] d1 = new String[1], d2 = new String[1];
        Dataset a = LoadedProblem.data(o, m, Loss.MSE, d1);
        Dataset b = LoadedProblem.data(o, m, Loss.MSE, d2);
        assertSame(a, b, "the second command gets the loaded set");
        assertEquals(d1[0], d2[0]);
        assertEquals(before + 1, DataCache.loads());
        // another hidden width does not change built-in data (teacher depends on d0, C, the activation)
        ProblemOptions wider = options("4-9-1");
        wider.data = o.data;
        assertSame(a, LoadedProblem.data(wider, LoadedProblem.model(wider), Loss.MSE, new String[1]));
        // what does change them
        o.dataSeed = 1;
        Dataset c = LoadedProblem.data(o, m, Loss.MSE, new String[1]);
        assertNotSame(a, c);
        assertTrue(!a.equals(c), "another data seed, other data");
        ProblemOptions relu = options("4-3-1");
        relu.data = "teacher:n=30,width=2";
        relu.activation = "relu";
        assertNotSame(a, LoadedProblem.data(relu, LoadedProblem.model(relu), Loss.MSE, new String[1]));
        o.dataSeed = 0;
        o.samples = 10;
        Dataset first10 = LoadedProblem.data(o, m, Loss.MSE, new String[1]);
        assertEquals(10, first10.size());
        assertEquals(before + 4, DataCache.loads());
        // cached and fresh loads are equal (the cache changes nothing but the time)
        DataCache.clear();
        o.samples = null;
        assertEquals(a, LoadedProblem.data(o, m, Loss.MSE, new String[1]));

        // files: keyed by path, size and modification time
        Path x = dir.resolve("x.npy"), y = dir.resolve("y.npy");
        Npy.write(x, new double[] {1, 2, 3, 4, 5, 6, 7, 8}, 2, 4);
        Npy.write(y, new double[] {0.5, -0.5}, 2, 1);
        ProblemOptions f = options("4-3-1");
        f.inputs = x;
        f.targets = y;
        long n0 = DataCache.loads();
        Dataset fa = LoadedProblem.data(f, m, Loss.MSE, new String[1]);
        assertSame(fa, LoadedProblem.data(f, m, Loss.MSE, new String[1]));
        assertEquals(n0 + 1, DataCache.loads());
        Npy.write(y, new double[] {0.25, -0.5}, 2, 1);   // same size: the modification time tells
        Files.setLastModifiedTime(y, FileTime.fromMillis(Files.getLastModifiedTime(y).toMillis() + 2000));
        Dataset fb = LoadedProblem.data(f, m, Loss.MSE, new String[1]);
        assertEquals(0.25, fb.realTargets()[0]);
        assertEquals(n0 + 2, DataCache.loads());
        // errors are not cached: a missing file fails each time, naming it
        f.targets = dir.resolve("missing.npy");
        for (int i = 0; i < 2; i++) {
            Exception e = org.junit.jupiter.api.Assertions.assertThrows(Exception.class, () -> LoadedProblem.data(f, m, Loss.MSE, new String[1]));
            assertTrue(String.valueOf(e.getMessage()).contains("missing.npy"), e.toString());
        }
    }

    @Test
    void fashionMnistIsReadOncePerJvm() {
        try {
            dev.morse.io.FashionMnist.locate();
        } catch (dev.morse.io.InputException e) {
            org.junit.jupiter.api.Assumptions.assumeTrue(false, "skipped: Fashion-MNIST is not installed: " + e.getMessage());
        }
        ProblemOptions o = options("784-8-10");
        o.loss = "cross_entropy";
        o.data = "fashion-mnist:n=600";
        long before = DataCache.loads();
        try (LoadedProblem a = LoadedProblem.load(o); LoadedProblem b = LoadedProblem.load(o)) {
            assertSame(a.data, b.data, "the second command reads no file");
            assertEquals(600, a.data.size());
            assertEquals(a.dataDescription, b.dataDescription);
        }
        assertEquals(before + 1, DataCache.loads());
        o.samples = 100;   // another count: another entry
        try (LoadedProblem c = LoadedProblem.load(o)) {
            assertEquals(100, c.data.size());
        }
        assertEquals(before + 2, DataCache.loads());
    }

    @Test
    void concurrentCommandsLoadOneDataSetOnce() throws Exception {
        ProblemOptions o = options("4-3-1");
        o.data = "gaussian:n=5000";
        Mlp m = LoadedProblem.model(o);
        long before = DataCache.loads();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<Dataset>> f = new java.util.ArrayList<>();
            for (int i = 0; i < 8; i++) f.add(pool.submit(() -> LoadedProblem.data(o, m, Loss.MSE, new String[1])));
            Dataset first = f.get(0).get();
            for (Future<Dataset> x : f) assertSame(first, x.get());
        } finally {
            pool.shutdown();
        }
        assertEquals(before + 1, DataCache.loads());
    }

    @Test
    void masterWithoutTheClusterModuleSaysWhatToDo() {
        Cli.Result r = Cli.run("spectrum", "--model", "2-3-1", "--data", "teacher:n=8", "--master", "local[2]");
        assertEquals(2, r.code(), r.toString());
        assertTrue(r.err().contains("--master local[2]") && r.err().contains("bin/morse-cluster"), r.err());
        Cli.Result p = Cli.run("trace", "--model", "2-3-1", "--data", "teacher:n=8", "--partitions", "4");
        assertEquals(2, p.code(), p.toString());
        assertTrue(p.err().contains("--partitions: goes with --master"), p.err());
    }

    /**
     * The exact-Hessian twin that Newton steps run on (a modified activation) is released once the
     * refinement is done (morse --refine, fit's Newton optimizers): it held its workers and state
     * cache until the problem closed, through the dense Morse check. The main evaluator stays open.
     */
    @Test
    void theNewtonTwinIsReleasedAndTheMainEvaluatorStays() {
        ProblemOptions o = options("2-4-1");
        o.activation = "augmented_relu:0.5";
        o.data = "teacher:n=8";
        try (LoadedProblem p = LoadedProblem.load(o)) {
            var main = p.evaluator();
            var twin = p.newtonEvaluator();
            assertNotSame(main, twin, "a modified activation gets its exact-Hessian twin");
            assertEquals(2, p.openEvaluators());
            p.release(twin);
            assertEquals(1, p.openEvaluators(), "the twin is closed");
            p.release(twin);   // released before: nothing
            p.release(main);   // the main evaluator: stays open
            assertEquals(1, p.openEvaluators());
            assertSame(main, p.evaluator());
            assertTrue(Double.isFinite(main.loss(p.theta)), "the main evaluator still evaluates");
        }
        o.activation = "tanh";
        try (LoadedProblem p = LoadedProblem.load(o)) {
            var main = p.evaluator();
            assertSame(main, p.newtonEvaluator(), "tanh: Newton runs on the main evaluator");
            p.release(main);
            assertEquals(1, p.openEvaluators());
        }
    }

    private static ProblemOptions options(String model) {
        ProblemOptions o = new ProblemOptions();
        o.model = model;
        o.activation = "tanh";
        o.loss = "mse";
        o.init = "pytorch";
        o.reg = "none";
        o.chunkRows = 256;
        return o;
    }

    private static String[] concat(String[] a, String[] b) {
        String[] r = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }
}
