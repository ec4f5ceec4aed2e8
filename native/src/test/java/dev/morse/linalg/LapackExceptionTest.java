package dev.morse.linalg;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * The info → exception translation. Convergence failures cannot be provoked reliably from finite
 * input (the routines are backward stable), so the translation is tested directly.
 */
class LapackExceptionTest {

    @Test
    void dsyevdValuesOnlyNonConvergence() {
        LapackException e = LapackInfo.exception("dsyevd", 3, 10, false);
        assertEquals("dsyevd: the algorithm failed to converge; 3 off-diagonal elements of an intermediate"
                + " tridiagonal form did not converge to zero (info=3)", e.getMessage(), "dsyevd JOBZ='N' message");
        assertEquals("dsyevd", e.routine(), "routine()");
        assertEquals(3, e.info(), "info()");
        assertInstanceOf(LinalgException.class, e, "LapackException is a LinalgException");
    }

    @Test
    void dsyevdWithVectorsDecodesTheSubmatrix() {
        int n = 10;
        LapackException e = LapackInfo.exception("dsyevd", 2 * (n + 1) + 5, n, true);
        assertTrue(e.getMessage().contains("rows and columns 2 through 5"),
                "info = 2·(n+1)+5 means rows/columns 2..5, got: " + e.getMessage());
    }

    @Test
    void illegalArgumentNamesIt() {
        LapackException e = LapackInfo.exception("dsyevr", -5, 4, false);
        assertEquals("dsyevr: argument 5 (A) had an illegal value (info=-5)", e.getMessage(), "info < 0 message");
        assertEquals("dsytrf: argument 4 (LDA) had an illegal value (info=-4)",
                LapackInfo.exception("dsytrf", -4, 4, false).getMessage(), "dsytrf info=-4");
        assertTrue(LapackInfo.exception("dfoo", -2, 1, false).getMessage().startsWith("dfoo: argument 2 had an illegal value"),
                "unknown routines still say which argument");
    }

    @Test
    void otherRoutines() {
        assertTrue(LapackInfo.exception("dstevr", 7, 4, true).getMessage().startsWith("dstevr: internal error"),
                "dstevr info > 0 is an internal error");
        assertTrue(LapackInfo.exception("dsytrf", 2, 4, false).getMessage().contains("D(2,2) is exactly zero"),
                "dsytrf info > 0 names the zero pivot");
        assertThrows(IllegalArgumentException.class, () -> LapackInfo.exception("dsyevd", 0, 1, false),
                "info = 0 is not an error");
    }
}
