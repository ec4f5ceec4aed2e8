package dev.morse.io;

import dev.morse.engine.Dataset;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Fashion-MNIST (Xiao, Rasul, Vollgraf 2017: 28×28 grey images of clothing in 10 classes, 60 000
 * for training and 10 000 for testing) from the IDX files that Debian's package
 * {@value #PACKAGE} installs under {@code /usr/share/datasets/fashion-mnist/}
 * ({@code train-images-idx3-ubyte.gz}, {@code train-labels-idx1-ubyte.gz},
 * {@code t10k-images-idx3-ubyte.gz}, {@code t10k-labels-idx1-ubyte.gz}; uncompressed files with
 * the same names without {@code .gz} are read too). The environment variable {@value #ENV} names
 * another folder; when it is set, only that folder is searched.
 *
 * <p>Images become N × 784 float64 rows (row-major, pixel (r, c) at column 28r + c), the bytes
 * 0..255 divided by 255 (as {@code --inputs} does for IDX images), so values lie in [0, 1];
 * labels are the class indices 0..9. The files are parsed by {@link Idx}.
 *
 * <p>Specification: {@code fashion-mnist[:n=N][,test=M]} (also {@code fashion-mnist:test=M}).
 * {@code n} keeps the <b>first</b> N training samples in the order the files ship them, and
 * {@code test} the first M test samples (default: all of both; {@code test=0} loads no test
 * split). First-N rather than a seeded subsample: the shipped order is already a fixed random
 * permutation with the classes mixed (any prefix of a few hundred is near balanced), first-N is
 * what {@code --samples N} means elsewhere, and it needs no seed to reproduce.
 */
public final class FashionMnist {
    private FashionMnist() {}

    /** The Debian package that ships the files. */
    public static final String PACKAGE = "dataset-fashion-mnist";
    /** Environment variable naming a folder that holds the four IDX files (overrides the default). */
    public static final String ENV = "MORSE_FASHION_MNIST_DIR";
    /** Where {@value #PACKAGE} installs the files. */
    public static final Path DEFAULT_DIR = Path.of("/usr/share/datasets/fashion-mnist");
    /** Name of the data set in a specification. */
    public static final String NAME = "fashion-mnist";

    public static final int SIDE = 28;
    public static final int PIXELS = SIDE * SIDE;
    public static final int CLASSES = 10;
    public static final int TRAIN_SIZE = 60_000;
    public static final int TEST_SIZE = 10_000;
    /** {@link Spec} count meaning "every sample of the split". */
    public static final int ALL = -1;

    static final String TRAIN_IMAGES = "train-images-idx3-ubyte";
    static final String TRAIN_LABELS = "train-labels-idx1-ubyte";
    static final String TEST_IMAGES = "t10k-images-idx3-ubyte";
    static final String TEST_LABELS = "t10k-labels-idx1-ubyte";

    /** Class names in label order (from the data set's README). */
    public static final List<String> CLASS_NAMES = List.of(
            "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot");

    /**
     * What to load: the first {@code train} training and first {@code test} test samples
     * ({@link #ALL} for the whole split; {@code test = 0}: none).
     */
    public record Spec(int train, int test) {
        public Spec {
            if (train != ALL && (train < 1 || train > TRAIN_SIZE)) {
                throw new IllegalArgumentException("train count must be in 1.." + TRAIN_SIZE + " or ALL, got " + train);
            }
            if (test != ALL && (test < 0 || test > TEST_SIZE)) {
                throw new IllegalArgumentException("test count must be in 0.." + TEST_SIZE + " or ALL, got " + test);
            }
        }

        /** Everything as shipped: 60 000 training and 10 000 test samples. */
        public static Spec all() {
            return new Spec(ALL, ALL);
        }

        /** The canonical specification text, parseable by {@link FashionMnist#parseSpec}. */
        public String text() {
            List<String> p = new ArrayList<>();
            if (train != ALL) p.add("n=" + train);
            if (test != ALL) p.add("test=" + test);
            return p.isEmpty() ? NAME : NAME + ":" + String.join(",", p);
        }
    }

    /**
     * One split: {@code images} is size × {@value #PIXELS} row-major in [0, 1], {@code labels} the
     * classes 0..9. (A record over arrays: equality is identity.)
     */
    public record Split(String name, double[] images, int[] labels) {
        public int size() {
            return labels.length;
        }

        /**
         * As an engine data set for {@code cross_entropy} (d0 = 784, 10 classes), <b>sharing</b> this
         * split's arrays ({@link Dataset#wrapClassification}: the 60 000 training images are 376 MB
         * of doubles, not to be held twice). The split's arrays must not be modified afterwards.
         */
        public Dataset dataset() {
            return Dataset.wrapClassification(images, labels.length, PIXELS, labels, CLASSES);
        }
    }

    /** What was loaded: the splits ({@code test} is null for {@code test=0}), the folder, the specification. */
    public record Data(Split train, Split test, Path directory, Spec spec) {
        /** E.g. {@code fashion-mnist:n=1000 (1000 of 60000 training, 10000 of 10000 test samples, /usr/share/…)}. */
        public String describe() {
            return spec.text() + " (" + train.size() + " of " + TRAIN_SIZE + " training, "
                    + (test == null ? 0 : test.size()) + " of " + TEST_SIZE + " test samples, " + directory + ")";
        }
    }

    /** True for a specification that names this data set ({@code fashion-mnist} or {@code fashion_mnist}, any case, with or without parameters). */
    public static boolean matches(String spec) {
        if (spec == null) return false;
        String s = spec.trim().toLowerCase(Locale.ROOT);
        String name = s.substring(0, nameEnd(s));
        return name.equals(NAME) || name.equals("fashion_mnist");
    }

    /** The name ends at the first ':' or ',' (so {@code fashion-mnist,test=M} reads as {@code fashion-mnist:test=M}). */
    private static int nameEnd(String s) {
        int colon = s.indexOf(':');
        int comma = s.indexOf(',');
        if (colon < 0) return comma < 0 ? s.length() : comma;
        return comma < 0 ? colon : Math.min(colon, comma);
    }

    /**
     * Parses {@code fashion-mnist[:n=N][,test=M]} (also {@code fashion-mnist:test=M} and
     * {@code fashion-mnist,test=M}); keys are case-insensitive, each may appear once.
     *
     * @throws InputException naming the specification and the bad part
     */
    public static Spec parseSpec(String spec) {
        if (!matches(spec)) {
            throw new InputException("--data " + spec + ": not a Fashion-MNIST specification; expected fashion-mnist[:n=N][,test=M]");
        }
        String s = spec.trim();
        int end = nameEnd(s);
        int train = ALL;
        int test = ALL;
        if (end < s.length()) {
            String params = s.substring(end + 1);
            boolean seenN = false;
            boolean seenTest = false;
            for (String kv : params.split(",", -1)) {
                int eq = kv.indexOf('=');
                if (eq <= 0) {
                    throw new InputException("--data " + spec + ": parameter '" + kv.trim() + "' is not of the form key=value; expected fashion-mnist[:n=N][,test=M]");
                }
                String key = kv.substring(0, eq).trim().toLowerCase(Locale.ROOT);
                String value = kv.substring(eq + 1).trim();
                switch (key) {
                    case "n" -> {
                        if (seenN) throw new InputException("--data " + spec + ": n is given twice");
                        seenN = true;
                        train = count(spec, key, value, 1, TRAIN_SIZE, "the training split has " + TRAIN_SIZE + " samples");
                    }
                    case "test" -> {
                        if (seenTest) throw new InputException("--data " + spec + ": test is given twice");
                        seenTest = true;
                        test = count(spec, key, value, 0, TEST_SIZE, "the test split has " + TEST_SIZE + " samples");
                    }
                    default -> throw new InputException("--data " + spec + ": unknown parameter '" + key + "' for fashion-mnist; its parameters are n, test");
                }
            }
        }
        return new Spec(train, test);
    }

    private static int count(String spec, String key, String value, int min, int max, String why) {
        int v;
        try {
            v = Integer.parseInt(value);
        } catch (NumberFormatException e) {
            throw new InputException("--data " + spec + ": " + key + "=" + value + " is not an integer");
        }
        if (v < min || v > max) {
            throw new InputException("--data " + spec + ": " + key + "=" + v + " must be in " + min + ".." + max + " (" + why + ")");
        }
        return v;
    }

    /** Loads {@code spec} from the folder {@link #locate()} finds. */
    public static Data load(String spec) {
        return load(parseSpec(spec));
    }

    /** Loads {@code spec} from the folder {@link #locate()} finds. */
    public static Data load(Spec spec) {
        return load(spec, locate());
    }

    /**
     * Loads {@code spec} from {@code dir}, which must hold the four IDX files (each gzip or not).
     *
     * @throws InputException when a file is missing (naming the package) or malformed (naming the file)
     */
    public static Data load(Spec spec, Path dir) {
        List<String> missing = missingFiles(dir);
        if (!missing.isEmpty()) throw notFound(List.of(dir), "missing " + String.join(", ", missing) + " in " + dir);
        Split train = readSplit("train", dir, TRAIN_IMAGES, TRAIN_LABELS, spec.train());
        Split test = spec.test() == 0 ? null : readSplit("test", dir, TEST_IMAGES, TEST_LABELS, spec.test());
        return new Data(train, test, dir, spec);
    }

    /**
     * The folder holding the files: {@value #ENV} when set (and then only it), else
     * {@link #DEFAULT_DIR}.
     *
     * @throws InputException naming the package {@value #PACKAGE} and every folder searched
     */
    public static Path locate() {
        return locate(System.getenv());
    }

    /** {@link #locate()} with an explicit environment (for tests). */
    static Path locate(Map<String, String> env) {
        String override = env.get(ENV);
        List<Path> searched = override != null && !override.isBlank() ? List.of(Path.of(override)) : List.of(DEFAULT_DIR);
        List<String> why = new ArrayList<>();
        for (Path dir : searched) {
            List<String> missing = missingFiles(dir);
            if (missing.isEmpty()) return dir;
            why.add(Files.isDirectory(dir) ? dir + " lacks " + String.join(", ", missing) : dir + " does not exist");
        }
        throw notFound(searched, String.join("; ", why));
    }

    private static InputException notFound(List<Path> searched, String detail) {
        StringBuilder m = new StringBuilder("Fashion-MNIST not found (").append(detail).append("; searched ");
        List<String> dirs = new ArrayList<>();
        for (Path p : searched) dirs.add(p.toString());
        m.append(String.join(", ", dirs)).append("). Install Debian's package ").append(PACKAGE)
                .append(" (apt-get install ").append(PACKAGE).append("), which puts the IDX files in ").append(DEFAULT_DIR)
                .append(", or set ").append(ENV).append(" to a folder holding ")
                .append(String.join(", ", TRAIN_IMAGES, TRAIN_LABELS, TEST_IMAGES, TEST_LABELS)).append(" (each .gz or not).");
        return new InputException(m.toString());
    }

    /** The base names of the four files that {@code dir} lacks (as {@code name[.gz]}). */
    private static List<String> missingFiles(Path dir) {
        List<String> missing = new ArrayList<>();
        for (String f : List.of(TRAIN_IMAGES, TRAIN_LABELS, TEST_IMAGES, TEST_LABELS)) {
            if (file(dir, f) == null) missing.add(f + "[.gz]");
        }
        return missing;
    }

    /** {@code dir/name.gz} or {@code dir/name}, whichever exists (the .gz first), else null. */
    static Path file(Path dir, String name) {
        Path gz = dir.resolve(name + ".gz");
        if (Files.isRegularFile(gz)) return gz;
        Path plain = dir.resolve(name);
        return Files.isRegularFile(plain) ? plain : null;
    }

    private static Split readSplit(String name, Path dir, String imagesName, String labelsName, int count) {
        Path imagesFile = file(dir, imagesName);
        Path labelsFile = file(dir, labelsName);
        NdArray images = Idx.parse(firstRows(DataFiles.readBytes(imagesFile), count), imagesFile.toString());
        NdArray labels = Idx.parse(firstRows(DataFiles.readBytes(labelsFile), count), labelsFile.toString());
        if (!images.dtype().equals("ubyte") || images.rank() != 3 || images.shape()[1] != SIDE || images.shape()[2] != SIDE) {
            throw new InputException(imagesFile + ": expected unsigned-byte images of shape (N, 28, 28), found "
                    + images.dtype() + " " + NdArray.shapeText(images.shape()));
        }
        if (!labels.dtype().equals("ubyte") || labels.rank() != 1) {
            throw new InputException(labelsFile + ": expected unsigned-byte labels of shape (N,), found "
                    + labels.dtype() + " " + NdArray.shapeText(labels.shape()));
        }
        if (images.rows() != labels.rows()) {
            throw new InputException(imagesFile + " has " + images.rows() + " images but " + labelsFile + " has " + labels.rows() + " labels");
        }
        if (count != ALL && images.rows() < count) {
            throw new InputException(imagesFile + ": " + count + " " + name + " samples asked, the file has " + images.rows());
        }
        double[] x = images.values();
        for (int i = 0; i < x.length; i++) x[i] /= 255.0;
        double[] lv = labels.values();
        int[] y = new int[lv.length];
        for (int i = 0; i < y.length; i++) {
            if (lv[i] >= CLASSES) {
                throw new InputException(labelsFile + ": label " + (int) lv[i] + " at index " + i + " is not a class 0.." + (CLASSES - 1));
            }
            y[i] = (int) lv[i];
        }
        return new Split(name, x, y);
    }

    /**
     * The IDX bytes cut to their first {@code count} rows (dimension 0 rewritten in the header), so
     * that a small subset does not widen the whole file to doubles. Unchanged when {@code count}
     * is {@link #ALL}, when the bytes are not an unsigned-byte IDX file (Idx then says what is
     * wrong), or when they hold fewer rows than asked (the caller reports it).
     */
    static byte[] firstRows(byte[] b, int count) {
        if (count == ALL || !Idx.hasMagic(b) || (b[2] & 0xff) != 0x08) return b;
        int dims = b[3] & 0xff;
        int header = 4 + 4 * dims;
        if (b.length < header) return b;
        ByteBuffer buf = ByteBuffer.wrap(b).order(ByteOrder.BIG_ENDIAN);
        int rows = buf.getInt(4);
        long rowBytes = 1;
        for (int i = 1; i < dims; i++) {
            int d = buf.getInt(4 + 4 * i);
            if (d < 0) return b;
            rowBytes *= d;
        }
        long need = header + (long) count * rowBytes;
        if (rows < count || need > b.length) return b;
        byte[] cut = java.util.Arrays.copyOf(b, (int) need);
        ByteBuffer.wrap(cut).order(ByteOrder.BIG_ENDIAN).putInt(4, count);
        return cut;
    }
}
