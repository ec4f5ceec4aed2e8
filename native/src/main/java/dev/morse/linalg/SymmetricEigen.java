package dev.morse.linalg;

import java.util.Arrays;

/**
 * Eigenvalues, and optionally eigenvectors, of a real symmetric n×n matrix: A·vⱼ = λⱼ·vⱼ.
 *
 * <p>Conventions: {@link #values()} holds the {@link #count()} = m computed eigenvalues in
 * ascending order; {@link #vectors()} is a row-major m×n array whose ROW j (elements
 * {@code [j·n, (j+1)·n)}) is the unit eigenvector for {@code values()[j]}. That layout is
 * exactly LAPACK's column-major n×m output, which is why no transpose or copy is needed. Signs of
 * eigenvectors are arbitrary (each is determined up to ±1, and up to a rotation within a repeated
 * eigenvalue's eigenspace).
 *
 * <p>The arrays are returned as is (no defensive copies; they can be large). The result owns
 * them: callers may read or overwrite them, but should not expect the object to notice.
 */
public final class SymmetricEigen {

    private final int n;
    private final double[] values;
    private final double[] vectors;

    /**
     * @param n       order of the matrix
     * @param values  m eigenvalues in ascending order (m ≤ n)
     * @param vectors null, or m·n doubles: row j is the eigenvector for values[j]
     * @throws IllegalArgumentException if n &lt; 0, values.length &gt; n, or vectors has the wrong
     *                                  length
     */
    public SymmetricEigen(int n, double[] values, double[] vectors) {
        if (n < 0) {
            throw new IllegalArgumentException("n=" + n + " < 0");
        }
        if (values == null) {
            throw new IllegalArgumentException("values is null");
        }
        if (values.length > n) {
            throw new IllegalArgumentException("values.length=" + values.length + " > n=" + n);
        }
        if (vectors != null && vectors.length != (long) values.length * n) {
            throw new IllegalArgumentException("vectors.length=" + vectors.length + " != m·n = "
                    + values.length + "·" + n + " = " + (long) values.length * n);
        }
        this.n = n;
        this.values = values;
        this.vectors = vectors;
    }

    /** Order n of the decomposed matrix (the length of each eigenvector). */
    public int n() {
        return n;
    }

    /** Number m of eigenpairs computed (n for a full decomposition, fewer for a range). */
    public int count() {
        return values.length;
    }

    /** The m eigenvalues, ascending. */
    public double[] values() {
        return values;
    }

    /** Row-major m×n eigenvectors (row j ↔ values()[j]), or null when only values were computed. */
    public double[] vectors() {
        return vectors;
    }

    /** Whether eigenvectors were computed. */
    public boolean hasVectors() {
        return vectors != null;
    }

    /**
     * A copy of eigenvector j (row j of {@link #vectors()}).
     *
     * @throws IllegalStateException     if only eigenvalues were computed
     * @throws IndexOutOfBoundsException if j is not in [0, count())
     */
    public double[] vector(int j) {
        if (vectors == null) {
            throw new IllegalStateException("eigenvectors were not computed (vectors=false)");
        }
        java.util.Objects.checkIndex(j, values.length);
        return Arrays.copyOfRange(vectors, j * n, (j + 1) * n);
    }

    @Override
    public String toString() {
        int shown = Math.min(values.length, 6);
        StringBuilder sb = new StringBuilder("SymmetricEigen[n=").append(n).append(", m=").append(values.length)
                .append(", vectors=").append(vectors != null).append(", values=[");
        for (int i = 0; i < shown; i++) {
            sb.append(i == 0 ? "" : ", ").append(values[i]);
        }
        return sb.append(values.length > shown ? ", …]]" : "]]").toString();
    }
}
