package dev.morse.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.morse.engine.Dataset;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link FashionMnist}: the specification, the loader on small IDX files written here (gzip and
 * plain), the not-found message, and, when Debian's {@code dataset-fashion-mnist} is installed,
 * the real files (skipped with a message naming the package otherwise).
 */
class FashionMnistTest {

    @Test
    void specifications() {
        assertEquals(new FashionMnist.Spec(FashionMnist.ALL, FashionMnist.ALL), FashionMnist.parseSpec("fashion-mnist"));
        assertEquals(new FashionMnist.Spec(1000, FashionMnist.ALL), FashionMnist.parseSpec("fashion-mnist:n=1000"));
        assertEquals(new FashionMnist.Spec(1000, 500), FashionMnist.parseSpec("Fashion-MNIST:n=1000,test=500"));
        assertEquals(new FashionMnist.Spec(FashionMnist.ALL, 0), FashionMnist.parseSpec("fashion_mnist:test=0"));
        assertEquals(new FashionMnist.Spec(FashionMnist.ALL, 20), FashionMnist.parseSpec("fashion-mnist,test=20"));
        assertEquals(new FashionMnist.Spec(7, 3), FashionMnist.parseSpec(" fashion-mnist:test=3, n=7 "));
        assertEquals("fashion-mnist:n=7,test=3", new FashionMnist.Spec(7, 3).text());
        assertEquals("fashion-mnist", FashionMnist.Spec.all().text());
        assertTrue(FashionMnist.matches("fashion-mnist:n=5"));
        assertFalse(FashionMnist.matches("mnist"));
        assertFalse(FashionMnist.matches("gaussian:n=5"));

        assertMessage("n=0 must be in 1..60000", () -> FashionMnist.parseSpec("fashion-mnist:n=0"));
        assertMessage("n=60001 must be in 1..60000 (the training split has 60000 samples)", () -> FashionMnist.parseSpec("fashion-mnist:n=60001"));
        assertMessage("test=10001 must be in 0..10000", () -> FashionMnist.parseSpec("fashion-mnist:test=10001"));
        assertMessage("n=1e3 is not an integer", () -> FashionMnist.parseSpec("fashion-mnist:n=1e3"));
        assertMessage("unknown parameter 'seed' for fashion-mnist; its parameters are n, test", () -> FashionMnist.parseSpec("fashion-mnist:seed=3"));
        assertMessage("parameter 'n' is not of the form key=value", () -> FashionMnist.parseSpec("fashion-mnist:n"));
        assertMessage("n is given twice", () -> FashionMnist.parseSpec("fashion-mnist:n=3,n=4"));
        assertMessage("not a Fashion-MNIST specification", () -> FashionMnist.parseSpec("mnist:n=3"));
    }

    /** Writes the four files: 5 training and 3 test images whose pixel (r, c) of image i is (i + r + c) mod 256. */
    private static void writeFixture(Path dir, boolean gzip) throws IOException {
        writeIdx(dir, FashionMnist.TRAIN_IMAGES, gzip, images(5));
        writeIdx(dir, FashionMnist.TRAIN_LABELS, gzip, labels(new int[] {9, 0, 0, 3, 7}));
        writeIdx(dir, FashionMnist.TEST_IMAGES, gzip, images(3));
        writeIdx(dir, FashionMnist.TEST_LABELS, gzip, labels(new int[] {1, 2, 8}));
    }

    private static byte[] images(int n) {
        ByteBuffer b = ByteBuffer.allocate(16 + n * 784);
        b.put(new byte[] {0, 0, 0x08, 3}).putInt(n).putInt(28).putInt(28);
        for (int i = 0; i < n; i++) for (int r = 0; r < 28; r++) for (int c = 0; c < 28; c++) b.put((byte) (i + r + c + 200));
        return b.array();
    }

    private static byte[] labels(int[] y) {
        ByteBuffer b = ByteBuffer.allocate(8 + y.length);
        b.put(new byte[] {0, 0, 0x08, 1}).putInt(y.length);
        for (int v : y) b.put((byte) v);
        return b.array();
    }

    private static void writeIdx(Path dir, String name, boolean gzip, byte[] bytes) throws IOException {
        Path f = dir.resolve(gzip ? name + ".gz" : name);
        try (OutputStream out = gzip ? new GZIPOutputStream(Files.newOutputStream(f)) : Files.newOutputStream(f)) {
            out.write(bytes);
        }
    }

    @Test
    void loadsGzipAndPlainFilesScaledToUnitInterval(@TempDir Path tmp) throws IOException {
        for (boolean gzip : new boolean[] {true, false}) {
            Path dir = Files.createDirectory(tmp.resolve(gzip ? "gz" : "plain"));
            writeFixture(dir, gzip);
            FashionMnist.Data all = FashionMnist.load(FashionMnist.Spec.all(), dir);
            assertEquals(5, all.train().size());
            assertEquals(3, all.test().size());
            assertEquals(5 * 784, all.train().images().length);
            assertArrayEquals(new int[] {9, 0, 0, 3, 7}, all.train().labels());
            assertArrayEquals(new int[] {1, 2, 8}, all.test().labels());
            // image 2, pixel (r, c) = (3, 5) at column 28·3 + 5: byte (2 + 3 + 5 + 200) mod 256 = 210
            assertEquals(210 / 255.0, all.train().images()[2 * 784 + 28 * 3 + 5], 0.0);
            // wrap-around: (4 + 27 + 27 + 200) mod 256 = 2
            assertEquals(2 / 255.0, all.train().images()[5 * 784 - 1], 0.0);
            for (double v : all.train().images()) assertTrue(v >= 0 && v <= 1);

            FashionMnist.Data some = FashionMnist.load(new FashionMnist.Spec(2, 1), dir);
            assertEquals(2, some.train().size());
            assertArrayEquals(java.util.Arrays.copyOf(all.train().images(), 2 * 784), some.train().images());
            assertArrayEquals(new int[] {9, 0}, some.train().labels());
            assertArrayEquals(new int[] {1}, some.test().labels());
            assertNull(FashionMnist.load(new FashionMnist.Spec(2, 0), dir).test(), "test=0 loads no test split");

            Dataset d = some.train().dataset();
            assertEquals(2, d.size());
            assertEquals(784, d.inputDim());
            assertEquals(10, d.numClasses());

            assertMessage("6 train samples asked, the file has 5", () -> FashionMnist.load(new FashionMnist.Spec(6, 1), dir));
        }
    }

    @Test
    void missingFilesNameThePackageAndTheSearchedFolders(@TempDir Path tmp) throws IOException {
        Path empty = Files.createDirectory(tmp.resolve("empty"));
        Path nowhere = tmp.resolve("nowhere");
        InputException e = assertThrows(InputException.class, () -> FashionMnist.locate(Map.of(FashionMnist.ENV, empty.toString())));
        assertTrue(e.getMessage().contains("dataset-fashion-mnist") && e.getMessage().contains(empty.toString())
                && e.getMessage().contains("train-images-idx3-ubyte[.gz]") && e.getMessage().contains(FashionMnist.ENV), e.getMessage());
        InputException e2 = assertThrows(InputException.class, () -> FashionMnist.locate(Map.of(FashionMnist.ENV, nowhere.toString())));
        assertTrue(e2.getMessage().contains(nowhere + " does not exist") && e2.getMessage().contains("apt-get install dataset-fashion-mnist"), e2.getMessage());

        Path partial = Files.createDirectory(tmp.resolve("partial"));
        writeFixture(partial, true);
        Files.delete(partial.resolve(FashionMnist.TEST_LABELS + ".gz"));
        InputException e3 = assertThrows(InputException.class, () -> FashionMnist.load(FashionMnist.Spec.all(), partial));
        assertTrue(e3.getMessage().contains("missing t10k-labels-idx1-ubyte[.gz]") && !e3.getMessage().contains("missing train"), e3.getMessage());

        Path ok = Files.createDirectory(tmp.resolve("ok"));
        writeFixture(ok, false);
        assertEquals(ok, FashionMnist.locate(Map.of(FashionMnist.ENV, ok.toString())));
    }

    @Test
    void malformedFilesAreNamed(@TempDir Path tmp) throws IOException {
        writeFixture(tmp, true);
        writeIdx(tmp, FashionMnist.TRAIN_LABELS, true, labels(new int[] {9, 0, 10, 3, 7}));
        assertMessage("label 10 at index 2 is not a class 0..9", () -> FashionMnist.load(FashionMnist.Spec.all(), tmp));
        writeIdx(tmp, FashionMnist.TRAIN_LABELS, true, labels(new int[] {9, 0, 1}));
        assertMessage("has 5 images but", () -> FashionMnist.load(FashionMnist.Spec.all(), tmp));
        assertEquals(2, FashionMnist.load(new FashionMnist.Spec(2, FashionMnist.ALL), tmp).train().size());
        writeIdx(tmp, FashionMnist.TRAIN_IMAGES, true, new byte[] {0, 0, 0x08, 1, 0, 0, 0, 1, 7});
        assertMessage("expected unsigned-byte images of shape (N, 28, 28), found ubyte (1,)", () -> FashionMnist.load(FashionMnist.Spec.all(), tmp));
    }

    @Test
    void realFilesFromTheDebianPackage() {
        Path dir;
        try {
            dir = FashionMnist.locate();
        } catch (InputException e) {
            assumeTrue(false, "skipped: Fashion-MNIST is not installed (apt-get install dataset-fashion-mnist, or set MORSE_FASHION_MNIST_DIR): " + e.getMessage());
            return;
        }
        FashionMnist.Data all = FashionMnist.load(FashionMnist.Spec.all(), dir);
        assertEquals(FashionMnist.TRAIN_SIZE, all.train().size());
        assertEquals(FashionMnist.TEST_SIZE, all.test().size());
        assertEquals(FashionMnist.TRAIN_SIZE * 784L, all.train().images().length);
        int[] perClass = new int[10];
        for (int y : all.train().labels()) perClass[y]++;
        for (int c = 0; c < 10; c++) assertEquals(6000, perClass[c], "training images of class " + c);
        int[] perClassTest = new int[10];
        for (int y : all.test().labels()) perClassTest[y]++;
        for (int c = 0; c < 10; c++) assertEquals(1000, perClassTest[c], "test images of class " + c);
        double max = 0;
        for (double v : all.train().images()) {
            assertTrue(v >= 0 && v <= 1);
            max = Math.max(max, v);
        }
        assertEquals(1.0, max, 0.0);
        // The first samples as shipped: labels 9 (ankle boot), 0, 0, 3 for training, 9, 2, 1, 1 for test;
        // the pixel bytes of the first training image sum to 76247.
        assertArrayEquals(new int[] {9, 0, 0, 3}, java.util.Arrays.copyOf(all.train().labels(), 4));
        assertArrayEquals(new int[] {9, 2, 1, 1}, java.util.Arrays.copyOf(all.test().labels(), 4));
        double sum = 0;
        for (int i = 0; i < 784; i++) sum += all.train().images()[i] * 255.0;
        assertEquals(76247, sum, 1e-9);

        FashionMnist.Data some = FashionMnist.load("fashion-mnist:n=1000,test=500");
        assertEquals(1000, some.train().size());
        assertEquals(500, some.test().size());
        assertArrayEquals(java.util.Arrays.copyOf(all.train().images(), 1000 * 784), some.train().images());
        assertArrayEquals(java.util.Arrays.copyOf(all.test().labels(), 500), some.test().labels());
        assertTrue(some.describe().startsWith("fashion-mnist:n=1000,test=500 (1000 of 60000 training, 500 of 10000 test samples, "), some.describe());
    }

    private static void assertMessage(String part, org.junit.jupiter.api.function.Executable run) {
        InputException e = assertThrows(InputException.class, run);
        assertTrue(e.getMessage().contains(part), () -> "expected a message containing '" + part + "', got: " + e.getMessage());
    }
}
