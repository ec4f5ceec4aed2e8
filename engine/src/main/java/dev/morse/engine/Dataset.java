package dev.morse.engine;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * Inputs X (N × d0, row-major) with targets: real-valued (N × C, row-major, for {@link Loss#MSE})
 * or integer class indices (N, for {@link Loss#CROSS_ENTROPY}). Validated on construction
 * (shapes, finiteness, class range); the arrays are copied so later changes by the caller cannot
 * alter results. Immutable, serializable and value-equal; {@link #contentHash()} identifies the
 * contents (SHA-256 of the shapes and the bits of every value).
 *
 * <p>Large data sets (Fashion-MNIST's 60 000 × 784 inputs are 376 MB of doubles) need not be
 * held twice: {@link #wrapClassification} and {@link #wrapRegression} validate the same way but
 * take the caller's arrays without copying them, and {@link #subset} copies only the rows it
 * keeps.
 */
public final class Dataset implements java.io.Serializable {

    private static final long serialVersionUID = 1L;

    private final double[] inputs;
    private final int n;
    private final int inputDim;
    private final double[] realTargets;   // N × C, or null
    private final int targetDim;
    private final int[] labels;           // N, or null
    private final int numClasses;
    private transient volatile String hash;

    private Dataset(double[] inputs, int n, int inputDim, double[] realTargets, int targetDim, int[] labels, int numClasses) {
        this.inputs = inputs;
        this.n = n;
        this.inputDim = inputDim;
        this.realTargets = realTargets;
        this.targetDim = targetDim;
        this.labels = labels;
        this.numClasses = numClasses;
    }

    /** A regression set: x is n × d row-major, y is n × c row-major. */
    public static Dataset regression(double[] x, int n, int d, double[] y, int c) {
        checkRegression(x, n, d, y, c);
        return new Dataset(x.clone(), n, d, y.clone(), c, null, 0);
    }

    /** A classification set: x is n × d row-major, labels in [0, numClasses). */
    public static Dataset classification(double[] x, int n, int d, int[] labels, int numClasses) {
        checkClassification(x, n, d, labels, numClasses);
        return new Dataset(x.clone(), n, d, null, numClasses, labels.clone(), numClasses);
    }

    private static void checkRegression(double[] x, int n, int d, double[] y, int c) {
        checkInputs(x, n, d);
        if (c <= 0) throw new IllegalArgumentException("target dimension must be positive, got " + c);
        if (y == null) throw new IllegalArgumentException("targets are null");
        if (y.length != (long) n * c) {
            throw new IllegalArgumentException("targets have " + y.length + " values, expected N·C = " + n + "·" + c + " = " + ((long) n * c));
        }
        checkFinite(y, "targets", c);
    }

    private static void checkClassification(double[] x, int n, int d, int[] labels, int numClasses) {
        checkInputs(x, n, d);
        if (numClasses < 2) throw new IllegalArgumentException("classification needs at least 2 classes, got " + numClasses);
        if (labels == null) throw new IllegalArgumentException("labels are null");
        if (labels.length != n) throw new IllegalArgumentException("labels have length " + labels.length + ", expected N = " + n);
        for (int i = 0; i < n; i++) {
            if (labels[i] < 0 || labels[i] >= numClasses) {
                throw new IllegalArgumentException("class index out of range at sample " + i + ": " + labels[i] + " not in [0, " + numClasses + ")");
            }
        }
    }

    /**
     * As {@link #classification}, but the data set takes the arrays over <b>without copying
     * them</b>: for large inputs that the caller built for this purpose and will not touch again
     * (a loader's freshly decoded images). The caller must not modify {@code x} or {@code labels}
     * afterwards: results, {@link #contentHash()} and equality all assume they never change.
     */
    public static Dataset wrapClassification(double[] x, int n, int d, int[] labels, int numClasses) {
        checkClassification(x, n, d, labels, numClasses);
        return new Dataset(x, n, d, null, numClasses, labels, numClasses);
    }

    /** As {@link #regression}, taking the arrays over without copying them (see {@link #wrapClassification}). */
    public static Dataset wrapRegression(double[] x, int n, int d, double[] y, int c) {
        checkRegression(x, n, d, y, c);
        return new Dataset(x, n, d, y, c, null, 0);
    }

    /**
     * A new data set holding the samples at {@code indices}, in that order (repeats allowed):
     * only those rows are copied. For held-out splits and evaluation subsets.
     */
    public Dataset subset(int[] indices) {
        if (indices == null || indices.length == 0) throw new IllegalArgumentException("a subset needs at least one sample index");
        int m = indices.length;
        double[] x = new double[Math.multiplyExact(m, inputDim)];
        for (int i = 0; i < m; i++) {
            int k = indices[i];
            if (k < 0 || k >= n) throw new IllegalArgumentException("subset index " + k + " at position " + i + " out of range for N = " + n);
            System.arraycopy(inputs, k * inputDim, x, i * inputDim, inputDim);
        }
        if (labels != null) {
            int[] y = new int[m];
            for (int i = 0; i < m; i++) y[i] = labels[indices[i]];
            return new Dataset(x, m, inputDim, null, numClasses, y, numClasses);
        }
        double[] y = new double[Math.multiplyExact(m, targetDim)];
        for (int i = 0; i < m; i++) System.arraycopy(realTargets, indices[i] * targetDim, y, i * targetDim, targetDim);
        return new Dataset(x, m, inputDim, y, targetDim, null, 0);
    }

    private static void checkInputs(double[] x, int n, int d) {
        if (n <= 0) throw new IllegalArgumentException("data set is empty (N = " + n + ")");
        if (d <= 0) throw new IllegalArgumentException("input dimension must be positive, got " + d);
        if (x == null) throw new IllegalArgumentException("inputs are null");
        if (x.length != (long) n * d) {
            throw new IllegalArgumentException("inputs have " + x.length + " values, expected N·d0 = " + n + "·" + d + " = " + ((long) n * d));
        }
        checkFinite(x, "inputs", d);
    }

    static void checkFinite(double[] a, String what, int rowLength) {
        for (int i = 0; i < a.length; i++) {
            if (!Double.isFinite(a[i])) {
                throw new IllegalArgumentException(what + " contain " + a[i] + " at index " + i
                        + " (row " + (i / rowLength) + ", column " + (i % rowLength) + ")");
            }
        }
    }

    /** N. */
    public int size() {
        return n;
    }

    /** d0. */
    public int inputDim() {
        return inputDim;
    }

    /** C: the target width (regression) or number of classes (classification). */
    public int targetDim() {
        return targetDim;
    }

    public boolean isClassification() {
        return labels != null;
    }

    public int numClasses() {
        return numClasses;
    }

    /** A copy of X. */
    public double[] inputs() {
        return inputs.clone();
    }

    /** A copy of Y (regression), or null. */
    public double[] realTargets() {
        return realTargets == null ? null : realTargets.clone();
    }

    /** A copy of the labels (classification), or null. */
    public int[] labels() {
        return labels == null ? null : labels.clone();
    }

    /** SHA-256 (hex) of N, d0, C, the kind of targets and every value's bits: equal contents, equal hash. */
    public String contentHash() {
        String h = hash;
        if (h == null) {
            MessageDigest md = sha256();
            ByteBuffer head = ByteBuffer.allocate(13).putInt(n).putInt(inputDim).putInt(targetDim).put((byte) (labels != null ? 1 : 0));
            md.update(head.array());
            update(md, inputs);
            if (realTargets != null) update(md, realTargets);
            if (labels != null) {
                ByteBuffer b = ByteBuffer.allocate(4 * labels.length);
                for (int v : labels) b.putInt(v);
                md.update(b.array());
            }
            h = hash = HexFormat.of().formatHex(md.digest());
        }
        return h;
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required by every Java platform", e);
        }
    }

    private static void update(MessageDigest md, double[] a) {
        ByteBuffer b = ByteBuffer.allocate(8 * Math.min(a.length, 1 << 16));
        for (int i = 0; i < a.length; ) {
            b.clear();
            int end = Math.min(a.length, i + (1 << 16));
            for (; i < end; i++) b.putLong(Double.doubleToLongBits(a[i]));
            md.update(b.array(), 0, b.position());
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Dataset d && d.n == n && d.inputDim == inputDim && d.targetDim == targetDim
                && Arrays.equals(d.inputs, inputs) && Arrays.equals(d.realTargets, realTargets) && Arrays.equals(d.labels, labels);
    }

    @Override
    public int hashCode() {
        return contentHash().hashCode();
    }

    @Override
    public String toString() {
        return "Dataset[N=" + n + ", d0=" + inputDim + (labels != null ? ", classes=" + numClasses : ", C=" + targetDim) + "]";
    }

    // Direct access for the engine (no copies in hot paths).
    double[] x() {
        return inputs;
    }

    double[] y() {
        return realTargets;
    }

    int[] classes() {
        return labels;
    }
}
