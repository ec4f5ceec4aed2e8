package dev.morse.linalg;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class SymmetricEigenTest {

    @Test
    void rowsAreVectors() {
        SymmetricEigen e = new SymmetricEigen(2, new double[] {1, 3}, new double[] {1, 0, 0, 1});
        assertArrayEquals(new double[] {0, 1}, e.vector(1), 0.0, "row 1 is the eigenvector for values[1]");
    }

    @Test
    void validatesShapes() {
        assertThrows(IllegalArgumentException.class, () -> new SymmetricEigen(2, new double[3], null), "m > n");
        assertThrows(IllegalArgumentException.class, () -> new SymmetricEigen(2, new double[2], new double[3]), "vectors not m·n");
        assertThrows(IllegalStateException.class, () -> new SymmetricEigen(1, new double[1], null).vector(0), "no vectors");
    }
}
