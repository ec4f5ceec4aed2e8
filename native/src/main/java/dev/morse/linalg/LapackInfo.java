package dev.morse.linalg;

import java.util.Map;

/**
 * Turns a LAPACK {@code INFO} code into a {@link LapackException} whose message explains it in
 * the words of the routine's documentation. Package-private; tests call it directly because the
 * failures it describes (non-convergence) cannot be provoked reliably from finite input.
 */
final class LapackInfo {

    /** Argument names in LAPACK order, so info = −i can name argument i. */
    private static final Map<String, String[]> ARGUMENTS = Map.of(
            "dsyevd", new String[] {"JOBZ", "UPLO", "N", "A", "LDA", "W", "WORK", "LWORK", "IWORK", "LIWORK", "INFO"},
            "dsyevr", new String[] {"JOBZ", "RANGE", "UPLO", "N", "A", "LDA", "VL", "VU", "IL", "IU", "ABSTOL", "M",
                "W", "Z", "LDZ", "ISUPPZ", "WORK", "LWORK", "IWORK", "LIWORK", "INFO"},
            "dstevr", new String[] {"JOBZ", "RANGE", "N", "D", "E", "VL", "VU", "IL", "IU", "ABSTOL", "M", "W", "Z",
                "LDZ", "ISUPPZ", "WORK", "LWORK", "IWORK", "LIWORK", "INFO"},
            "dsytrf", new String[] {"UPLO", "N", "A", "LDA", "IPIV", "WORK", "LWORK", "INFO"},
            "dsytrs", new String[] {"UPLO", "N", "NRHS", "A", "LDA", "IPIV", "B", "LDB", "INFO"},
            "dpotrf", new String[] {"UPLO", "N", "A", "LDA", "INFO"},
            "dpotrs", new String[] {"UPLO", "N", "NRHS", "A", "LDA", "B", "LDB", "INFO"});

    private LapackInfo() {
    }

    /**
     * @param routine lower-case routine name
     * @param info    the non-zero INFO
     * @param n       order of the problem (needed to decode dsyevd's info with JOBZ='V')
     * @param vectors whether eigenvectors were requested (JOBZ='V')
     */
    static LapackException exception(String routine, int info, int n, boolean vectors) {
        if (info == 0) {
            throw new IllegalArgumentException("info=0 is success, not an error");
        }
        return new LapackException(routine, info, routine + ": " + explain(routine, info, n, vectors)
                + " (info=" + info + ")");
    }

    private static String explain(String routine, int info, int n, boolean vectors) {
        if (info < 0) {
            String[] names = ARGUMENTS.get(routine);
            int arg = -info;
            String name = names != null && arg <= names.length ? " (" + names[arg - 1] + ")" : "";
            return "argument " + arg + name + " had an illegal value";
        }
        return switch (routine) {
            case "dsyevd" -> vectors
                    ? "the algorithm failed to compute an eigenvalue while working on the submatrix lying in rows"
                            + " and columns " + info / (n + 1) + " through " + info % (n + 1)
                    : "the algorithm failed to converge; " + info + " off-diagonal elements of an intermediate"
                            + " tridiagonal form did not converge to zero";
            case "dsyevr", "dstevr" -> "internal error in LAPACK's MRRR/bisection eigensolver; the full"
                    + " decomposition (eigh, dsyevd) uses a different algorithm and may succeed";
            case "dsytrf" -> "D(" + info + "," + info + ") is exactly zero: the factorization was completed, but"
                    + " the block diagonal matrix D is exactly singular";
            case "dpotrf" -> "the leading minor of order " + info + " is not positive definite";
            default -> "LAPACK reported failure";
        };
    }
}
