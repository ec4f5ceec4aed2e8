package dev.morse.linalg;

import dev.ludovic.netlib.blas.BLAS;
import dev.ludovic.netlib.lapack.LAPACK;
import dev.morse.simd.KernelProvider;
import dev.morse.simd.Kernels;
import java.util.Arrays;
import java.util.Locale;
import java.util.Objects;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.netlib.util.intW;

/**
 * Dense BLAS/LAPACK for Morse: the only class that calls dev.ludovic.netlib. It knows nothing of
 * neural networks; the engine sees row-major arrays, typed exceptions and nothing else.
 *
 * <h2>Backends</h2>
 * One documented order: native (the bundled OpenBLAS by default, or the system library, through
 * netlib's JNI wrappers: {@code -Dmorse.blas=bundled|system|java} chooses which, see
 * {@link NetlibLoader}) → pure Java (netlib's F2j LAPACK; Morse's own Vector API GEMM from
 * {@link KernelProvider} for {@link #dgemm}, which is faster than netlib's Java
 * BLAS). The system property {@value #PROPERTY} overrides it:
 * <ul>
 *   <li>{@code auto} (default): native if it loads; otherwise one {@code WARNING} naming the fix
 *       ({@link NetlibLoader#FIX}), then Java; with {@code -Dmorse.blas=java}, Java without a
 *       warning (an explicit request);</li>
 *   <li>{@code native}: native or nothing; {@link #get()} throws {@link NativeUnavailableException}
 *       with netlib's reason (an explicit request is never silently downgraded). Next to
 *       {@code -Dmorse.blas=java}, which loads no native library, it is a contradiction, not a
 *       fallback: {@link BackendConfigurationException} ({@link #configurationError()});</li>
 *   <li>{@code java}: the Java fallback. The native library is still loaded (doctor reports it)
 *       unless {@code -Dmorse.blas=java} says not to load any.</li>
 * </ul>
 * The choice is made on the first {@link #get()} and cached for the life of the JVM; nothing
 * fails in a static initializer. {@link #selectionReason()} says what was chosen and why.
 *
 * <h2>Conventions</h2>
 * BLAS methods are row-major with explicit offsets and leading dimensions (distance between
 * consecutive rows, ≥ the row width), translated to netlib's column-major calls without copies.
 * Symmetric LAPACK inputs are dense row-major n×n arrays of exactly n·n doubles; only the LOWER
 * triangle (a[i·n + j], j ≤ i) is referenced, which is LAPACK's {@code UPLO='U'} in its
 * column-major view, and only that triangle must be finite. Eigenvalues come back ascending;
 * eigenvectors as rows (see {@link SymmetricEigen}).
 *
 * <h2>Validation</h2>
 * Every public method validates at the door: negative sizes, short leading dimensions, arrays too
 * short for the described matrix, and NaN/±Inf in LAPACK inputs throw
 * {@link IllegalArgumentException} naming the values (e.g. {@code "lda=3 < n=4"}). BLAS checks are
 * O(1); LAPACK inputs are scanned once (O(n²), negligible beside the O(n³) factorization). Every
 * {@code info != 0} becomes a {@link LapackException}; dense workspaces are checked by
 * {@link MemoryGuard} before they are allocated.
 *
 * <p>Instances are immutable and thread-safe; LAPACK workspaces are allocated per call (measured
 * within 1.05× of a raw netlib call with preallocated workspace for n ≥ 50, so no cache is kept).
 */
public final class Linalg {

    /** System property selecting the backend: {@code auto} | {@code native} | {@code java}. */
    public static final String PROPERTY = "morse.linalg";

    /** Which implementation serves the calls. */
    public enum Backend {
        /** netlib JNI → native BLAS/LAPACK: the bundled OpenBLAS, or the system library ({@code -Dmorse.blas}). */
        NATIVE,
        /** netlib's pure-Java F2j LAPACK plus Morse's Vector API GEMM. */
        JAVA
    }

    private static final Logger LOG = Logger.getLogger(Linalg.class.getName());

    /** Column-major 'U' = the row-major lower triangle (see the class comment). */
    private static final String UPLO = "U";

    private final Backend backend;
    /** Native BLAS, or null for the Java backend (which uses {@link #kernels} instead). */
    private final BLAS blas;
    private final LAPACK lapack;
    /** Morse's GEMM, for the Java backend only (null for native). */
    private final Kernels kernels;
    private final String reason;

    private Linalg(Backend backend, BLAS blas, LAPACK lapack, Kernels kernels, String reason) {
        this.backend = backend;
        this.blas = blas;
        this.lapack = lapack;
        this.kernels = kernels;
        this.reason = reason;
    }

    // ------------------------------------------------------------------------------------------
    // Selection

    /**
     * The backend selected by {@value #PROPERTY} (see the class comment), chosen on first call
     * and cached.
     *
     * @throws NativeUnavailableException    if {@code -Dmorse.linalg=native} and native did not load
     * @throws BackendConfigurationException if {@code -Dmorse.linalg=native} comes with {@code -Dmorse.blas=java}
     * @throws LinalgException                if no backend at all could be created
     */
    public static Linalg get() {
        Object s = Selected.RESULT;
        if (s instanceof Linalg l) {
            return l;
        }
        // A fresh exception per call, so each caller's stack trace is its own.
        LinalgException failure = (LinalgException) s;
        if (failure instanceof NativeUnavailableException) {
            throw new NativeUnavailableException(failure.getMessage());
        }
        if (failure instanceof BackendConfigurationException) {
            throw new BackendConfigurationException(failure.getMessage());
        }
        throw new LinalgException(failure.getMessage(), failure.getCause());
    }

    /**
     * Why the backend properties contradict each other, or null when they do not: read from the
     * system properties now, before anything is loaded, so that a command can refuse them at
     * start-up as a usage error instead of failing at its first dense operation. The one
     * contradiction: {@code -Dmorse.linalg=native} with {@code -Dmorse.blas=java} (see
     * {@link BackendConfigurationException}).
     */
    public static String configurationError() {
        return contradiction(System.getProperty(PROPERTY), System.getProperty(NetlibLoader.PROPERTY));
    }

    /**
     * {@link #configurationError()} for given property values (null: unset): {@link #decide}'s answer
     * as if the native library had loaded, so the properties are read by one parser.
     */
    static String contradiction(String linalgProperty, String blasProperty) {
        Decision d = decide(linalgProperty, null, NetlibLoader.mode(blasProperty) == NetlibLoader.Mode.JAVA);
        return d.backend() == null ? d.reason() : null;
    }

    /** Why -Dmorse.linalg=native with -Dmorse.blas=java is refused, and what to drop. */
    private static String contradictionMessage() {
        return "-D" + PROPERTY + "=native (native LAPACK or nothing) contradicts -D" + NetlibLoader.PROPERTY
                + "=java (load no native library): native LAPACK comes only from the native library, so there is no Java BLAS "
                + "with native LAPACK; drop -D" + NetlibLoader.PROPERTY + "=java for native, or -D" + PROPERTY
                + "=native for the pure-Java fallback";
    }

    /**
     * The pure-Java backend, regardless of {@value #PROPERTY}: netlib's F2j LAPACK and Morse's
     * GEMM. Always available when the netlib jars are on the class path.
     */
    public static Linalg javaFallback() {
        return JavaHolder.INSTANCE.get();
    }

    /**
     * The native backend, regardless of {@value #PROPERTY}.
     *
     * @throws NativeUnavailableException with netlib's reason and the fix if it did not load
     */
    public static Linalg nativeBackend() {
        NetlibLoader.State s = NetlibLoader.state();
        if (!s.nativeLoaded()) {
            throw new NativeUnavailableException("native BLAS/LAPACK did not load: " + s.nativeFailure()
                    + ". Fix: " + NetlibLoader.FIX);
        }
        return NativeHolder.INSTANCE;
    }

    /** Which implementation serves this instance's calls. */
    public Backend backend() {
        return backend;
    }

    /** Why this backend was chosen, e.g. {@code "morse.linalg=auto: native BLAS/LAPACK loaded via netlib JNI"}. */
    public String selectionReason() {
        return reason;
    }

    /** Short description of the LAPACK implementation class, e.g. {@code "JNILAPACK"}. */
    String lapackClassName() {
        return lapack.getClass().getSimpleName();
    }

    private static final class NativeHolder {
        static final Linalg INSTANCE = new Linalg(Backend.NATIVE, NetlibLoader.state().nativeBlas(),
                NetlibLoader.state().nativeLapack(), null,
                "native BLAS/LAPACK loaded via dev.ludovic.netlib JNI");
    }

    /** Holds the Java instance, or the reason it cannot exist (never throws while initializing). */
    private static final class JavaHolder {
        static final Lazy INSTANCE = new Lazy();
    }

    private static final class Lazy {
        private final Linalg value;
        private final RuntimeException failure;

        Lazy() {
            Linalg v = null;
            RuntimeException f = null;
            try {
                NetlibLoader.State s = NetlibLoader.state();
                if (s.javaLapack() == null) {
                    f = new LinalgException("Java LAPACK fallback unavailable: " + s.javaFailure());
                } else {
                    v = new Linalg(Backend.JAVA, null, s.javaLapack(), KernelProvider.get(),
                            "pure-Java fallback (netlib F2jLAPACK, Morse GEMM)");
                }
            } catch (RuntimeException e) {
                f = e; // e.g. -Dmorse.simd=vector without the Vector API: KernelProvider's message says so
            }
            value = v;
            failure = f;
        }

        Linalg get() {
            if (value == null) {
                if (failure instanceof LinalgException le) {
                    throw new LinalgException(le.getMessage(), le.getCause());
                }
                throw new LinalgException("Java linear-algebra fallback unavailable: " + failure, failure);
            }
            return value;
        }
    }

    /** The cached result of {@link #select()}: a {@link Linalg} or a {@link LinalgException}. */
    private static final class Selected {
        static final Object RESULT = select();
    }

    /**
     * Outcome of the pure selection logic.
     *
     * @param backend  the backend to build, or null when the request cannot be met
     * @param reason   the selection reason, or the error message when backend is null
     * @param warning  a message to log once at WARNING, or null
     */
    record Decision(Backend backend, String reason, String warning) {
    }

    /**
     * Selection as a pure function, so tests can drive every branch without breaking the JVM's
     * native library.
     *
     * @param property      value of {@value #PROPERTY}, or null (= auto)
     * @param nativeFailure why native did not load, or null when it did
     */
    static Decision decide(String property, String nativeFailure) {
        return decide(property, nativeFailure, false);
    }

    /**
     * Selection as a pure function (see {@link #decide(String, String)}).
     *
     * @param javaRequested whether {@code -Dmorse.blas=java} asked for no native library (then
     *                      {@code auto} means Java without a warning, and {@code native} is an error)
     */
    static Decision decide(String property, String nativeFailure, boolean javaRequested) {
        String mode = property == null ? "auto" : property.trim().toLowerCase(Locale.ROOT);
        String typo = "";
        switch (mode) {
            case "java":
                return new Decision(Backend.JAVA, PROPERTY + "=java: pure-Java fallback requested", null);
            case "native":
                if (javaRequested) {
                    return new Decision(null, contradictionMessage(), null);
                }
                return nativeFailure == null
                        ? new Decision(Backend.NATIVE, PROPERTY + "=native: native BLAS/LAPACK loaded via netlib JNI", null)
                        : new Decision(null, PROPERTY + "=native but native BLAS/LAPACK did not load: " + nativeFailure
                                + ". Fix: " + NetlibLoader.FIX + " (or run with -D" + PROPERTY + "=auto)", null);
            case "auto", "":
                break;
            default:
                // Like morse.simd: a typo must not crash a run, and it is no explicit request for native.
                typo = "unknown -D" + PROPERTY + "=" + property + " (expected auto, native or java); using auto. ";
        }
        if (javaRequested) {
            return new Decision(Backend.JAVA, PROPERTY + "=auto and -D" + NetlibLoader.PROPERTY
                    + "=java: pure-Java fallback requested", typo.isEmpty() ? null : typo);
        }
        if (nativeFailure == null) {
            return new Decision(Backend.NATIVE, PROPERTY + "=auto: native BLAS/LAPACK loaded via netlib JNI",
                    typo.isEmpty() ? null : typo);
        }
        return new Decision(Backend.JAVA,
                PROPERTY + "=auto: native BLAS/LAPACK unavailable (" + nativeFailure + "); using the pure-Java fallback",
                typo + "Morse native BLAS/LAPACK unavailable (" + nativeFailure + "); using the pure-Java fallback,"
                        + " an order of magnitude slower for dense eigenproblems. Fix: " + NetlibLoader.FIX
                        + " (or set -D" + PROPERTY + "=java to silence this warning).");
    }

    private static Object select() {
        try {
            String property = System.getProperty(PROPERTY);
            NetlibLoader.State state = NetlibLoader.state();
            Decision d = decide(property, state.nativeFailure(), state.javaRequested());
            if (d.warning() != null) {
                LOG.log(Level.WARNING, d.warning());
            }
            if (d.backend() == null) {
                return state.javaRequested() ? new BackendConfigurationException(d.reason()) : new NativeUnavailableException(d.reason());
            }
            Linalg base = d.backend() == Backend.NATIVE ? NativeHolder.INSTANCE : JavaHolder.INSTANCE.get();
            LOG.log(Level.FINE, "Morse linear algebra: {0}", d.reason());
            return new Linalg(base.backend, base.blas, base.lapack, base.kernels, d.reason());
        } catch (LinalgException e) {
            return e;
        } catch (RuntimeException | LinkageError e) {
            return new LinalgException("no linear-algebra backend could be created: " + e, e);
        }
    }

    // ------------------------------------------------------------------------------------------
    // BLAS

    /**
     * Matrix–vector product, row-major: y = alpha·op(A)·x + beta·y with A rows × cols (op(A) = Aᵀ
     * when {@code trans}); x and y contiguous. With beta = 0, y is overwritten. Native: BLAS dgemv
     * on the column-major view Aᵀ (no packing, unlike a GEMM with one column: the matrix is read
     * once, which is what bounds this memory-bound product).
     */
    public void dgemv(boolean trans, int rows, int cols, double alpha, double[] a, int aOff, int lda,
                      double[] x, int xOff, double beta, double[] y, int yOff) {
        Checks.nonNegative("rows", rows);
        Checks.nonNegative("cols", cols);
        Checks.matrix("a", a, aOff, "lda", lda, "rows", rows, "cols", cols);
        int xLen = trans ? rows : cols;
        int yLen = trans ? cols : rows;
        Checks.matrix("x", x, xOff, "1", 1, "length", xLen, "1", 1);
        Checks.matrix("y", y, yOff, "1", 1, "length", yLen, "1", 1);
        if (yLen == 0) {
            return;
        }
        if (xLen == 0) {
            scaleRows(1, yLen, beta, y, yOff, yLen);
            return;
        }
        if (blas != null) {
            // Row-major A is column-major Aᵀ (cols × rows, leading dimension lda): flip the transpose.
            blas.dgemv(trans ? "N" : "T", cols, rows, alpha, a, aOff, lda, x, xOff, 1, beta, y, yOff, 1);
        } else if (trans) {
            kernels.gemm(true, false, cols, 1, rows, alpha, a, aOff, lda, x, xOff, 1, beta, y, yOff, 1);
        } else {
            kernels.gemm(false, false, rows, 1, cols, alpha, a, aOff, lda, x, xOff, 1, beta, y, yOff, 1);
        }
    }

    /**
     * General matrix product, row-major: C = alpha·op(A)·op(B) + beta·C, where op(A) is m×k
     * (A is m×k, or k×m when transA) and op(B) is k×n (B is k×n, or n×k when transB). With
     * beta = 0, C is overwritten (NaN or garbage in C does not propagate), as in BLAS. Same
     * semantics as {@link Kernels#gemm}. C must not overlap A or B.
     *
     * <p>Native: row-major C = op(A)·op(B) is column-major Cᵀ = op(B)ᵀ·op(A)ᵀ, so netlib's
     * column-major dgemm is called with A and B (and m and n) swapped; no copies.
     *
     * @param lda distance between rows of A as stored (≥ max(1, stored width))
     * @throws IllegalArgumentException on negative sizes, a short leading dimension, a negative
     *                                  offset or an array too short for its matrix
     */
    public void dgemm(boolean transA, boolean transB, int m, int n, int k,
                      double alpha, double[] a, int aOff, int lda,
                      double[] b, int bOff, int ldb,
                      double beta, double[] c, int cOff, int ldc) {
        Checks.nonNegative("m", m);
        Checks.nonNegative("n", n);
        Checks.nonNegative("k", k);
        if (transA) {
            Checks.matrix("a", a, aOff, "lda", lda, "k", k, "m", m);
        } else {
            Checks.matrix("a", a, aOff, "lda", lda, "m", m, "k", k);
        }
        if (transB) {
            Checks.matrix("b", b, bOff, "ldb", ldb, "n", n, "k", k);
        } else {
            Checks.matrix("b", b, bOff, "ldb", ldb, "k", k, "n", n);
        }
        Checks.matrix("c", c, cOff, "ldc", ldc, "m", m, "n", n);
        if (m == 0 || n == 0) {
            return;
        }
        if (k == 0) {
            // op(A)·op(B) is the zero matrix; netlib's own index check would misfire on k-1 < 0.
            scaleRows(m, n, beta, c, cOff, ldc);
            return;
        }
        if (blas != null) {
            blas.dgemm(transB ? "T" : "N", transA ? "T" : "N", n, m, k, alpha, b, bOff, ldb, a, aOff, lda,
                    beta, c, cOff, ldc);
        } else {
            kernels.gemm(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
        }
    }

    /** C = beta·C on an m×n block; beta = 0 writes zeros (NaN does not propagate, as in BLAS). */
    private static void scaleRows(int m, int n, double beta, double[] c, int cOff, int ldc) {
        for (int i = 0; i < m; i++) {
            int row = cOff + i * ldc;
            if (beta == 0) {
                Arrays.fill(c, row, row + n, 0.0);
            } else if (beta != 1) {
                for (int j = 0; j < n; j++) {
                    c[row + j] *= beta;
                }
            }
        }
    }

    // ------------------------------------------------------------------------------------------
    // Symmetric eigenproblems

    /**
     * All eigenvalues (and optionally eigenvectors) of the symmetric n×n matrix a, by LAPACK's
     * divide and conquer {@code dsyevd}. a is not modified (a copy is decomposed).
     *
     * @param a       row-major n×n, exactly n·n finite doubles; only the lower triangle is read
     * @param n       order (≥ 0)
     * @param vectors whether to compute eigenvectors
     * @return n ascending eigenvalues; with vectors, row j of {@link SymmetricEigen#vectors()} is
     *         the unit eigenvector for value j
     * @throws IllegalArgumentException if n &lt; 0, a.length != n·n, or a's lower triangle has a NaN/Inf
     * @throws MemoryLimitException     if the copy and LAPACK workspace do not fit in the heap
     * @throws LapackException          if dsyevd fails to converge
     */
    public SymmetricEigen eigh(double[] a, int n, boolean vectors) {
        Checks.square("a", a, n);
        Checks.finiteLowerTriangle("a", a, n);
        guardDsyevd(n, vectors, true);
        return dsyevd(a.clone(), n, vectors);
    }

    /**
     * Like {@link #eigh} but decomposes a in place: with vectors, a is overwritten by the
     * eigenvectors and returned as {@link SymmetricEigen#vectors()} (the same array, no copy);
     * without, a's lower triangle is destroyed.
     */
    public SymmetricEigen eighInPlace(double[] a, int n, boolean vectors) {
        Checks.square("a", a, n);
        Checks.finiteLowerTriangle("a", a, n);
        guardDsyevd(n, vectors, false);
        return dsyevd(a, n, vectors);
    }

    /** Checks the copy (if any) and dsyevd's documented minimum workspace against the heap. */
    private static void guardDsyevd(int n, boolean vectors, boolean copy) {
        // LWORK ≥ 1 + 6n + 2n² with eigenvectors, 2n + 1 without; LIWORK ≥ 3 + 5n (or 1).
        long lwork = vectors ? 1 + 6L * n + 2L * n * n : 2L * n + 1;
        double bytes = 8.0 * (lwork + n + (copy ? (long) n * n : 0)) + 4.0 * (3 + 5L * n);
        MemoryGuard.checkWorkspace("eigh (dsyevd) of " + n + "×" + n + (vectors ? " with eigenvectors" : ""),
                lwork, bytes, "dsyevd with eigenvectors needs n ≤ 32766; use Lanczos");
    }

    private SymmetricEigen dsyevd(double[] a, int n, boolean vectors) {
        if (n == 0) {
            return new SymmetricEigen(0, new double[0], vectors ? new double[0] : null);
        }
        String jobz = vectors ? "V" : "N";
        double[] w = new double[n];
        intW info = new intW(0);
        double[] workQuery = new double[1];
        int[] iworkQuery = new int[1];
        lapack.dsyevd(jobz, UPLO, n, a, 0, n, w, 0, workQuery, 0, -1, iworkQuery, 0, -1, info);
        check("dsyevd", info, n, vectors);
        // Never below the documented minimum, whatever the query says.
        int lwork = Math.max((int) workQuery[0], vectors ? 1 + 6 * n + 2 * n * n : 2 * n + 1);
        int liwork = Math.max(iworkQuery[0], vectors ? 3 + 5 * n : 1);
        double[] work = new double[lwork];
        int[] iwork = new int[liwork];
        // One OpenBLAS thread: the same bits for any thread count (SPEC §8; see NativeThreads.atOneThread).
        NativeThreads.atOneThread(() -> {
            lapack.dsyevd(jobz, UPLO, n, a, 0, n, w, 0, work, 0, lwork, iwork, 0, liwork, info);
            return null;
        });
        check("dsyevd", info, n, vectors);
        return new SymmetricEigen(n, w, vectors ? a : null);
    }

    // ------------------------------------------------------------------------------------------
    // Symmetric tridiagonal eigenproblems (Lanczos)

    /**
     * All eigenvalues (and optionally eigenvectors) of the symmetric tridiagonal matrix T with
     * diagonal {@code diag} (length n) and off-diagonal {@code offDiag} (length n−1; T[i][i+1] =
     * T[i+1][i] = offDiag[i]), by LAPACK's {@code dstevr} (MRRR). The inputs are not modified.
     * Typical use: Ritz values and vectors of a Lanczos tridiagonal.
     *
     * @return n ascending eigenvalues; with vectors, row j is the unit eigenvector for value j
     * @throws IllegalArgumentException if offDiag.length != max(0, n−1) or an entry is NaN/Inf
     */
    public SymmetricEigen tridiagonalEigen(double[] diag, double[] offDiag, boolean vectors) {
        int n = checkTridiagonal(diag, offDiag);
        return dstevr(diag, offDiag, n, vectors);
    }

    private static int checkTridiagonal(double[] diag, double[] offDiag) {
        if (diag == null || offDiag == null) {
            throw new IllegalArgumentException(diag == null ? "diag is null" : "offDiag is null");
        }
        int n = diag.length;
        if (offDiag.length != Math.max(0, n - 1)) {
            throw new IllegalArgumentException("offDiag.length=" + offDiag.length + " != diag.length-1 = "
                    + Math.max(0, n - 1));
        }
        Checks.finiteVector("diag", diag, n);
        Checks.finiteVector("offDiag", offDiag, offDiag.length);
        return n;
    }

    /** All eigenvalues (RANGE='A'), and with vectors all eigenvectors, of the tridiagonal (diag, offDiag). */
    private SymmetricEigen dstevr(double[] diag, double[] offDiag, int n, boolean vectors) {
        if (n == 0) {
            return new SymmetricEigen(0, new double[0], vectors ? new double[0] : null);
        }
        // dstevr has no Java-side checks in netlib, so only LAPACK's contract applies:
        // Z is LDZ × max(1,M) with LDZ ≥ n when JOBZ='V', and is not referenced otherwise.
        int ldz = vectors ? n : 1;
        long zLength = vectors ? (long) n * n : 1;
        double bytes = 8.0 * (zLength + 24L * n) + 4.0 * 12L * n;
        MemoryGuard.checkWorkspace("dstevr of order " + n + (vectors ? " with " + n + " eigenvectors" : ""),
                zLength, bytes, "n ≤ " + MemoryGuard.MAX_SQUARE_ORDER);
        String jobz = vectors ? "V" : "N";
        double[] d = diag.clone();
        double[] e = Arrays.copyOf(offDiag, n); // length n: the MRRR code may use E(N) as scratch
        double[] w = new double[n];
        double[] z = new double[(int) zLength];
        int[] isuppz = new int[2 * n];
        intW m = new intW(0);
        intW info = new intW(0);
        double abstol = Double.MIN_NORMAL;
        double[] workQuery = new double[1];
        int[] iworkQuery = new int[1];
        lapack.dstevr(jobz, "A", n, d, 0, e, 0, 0, 0, 0, 0, abstol, m, w, 0, z, 0, ldz, isuppz, 0,
                workQuery, 0, -1, iworkQuery, 0, -1, info);
        check("dstevr", info, n, vectors);
        int lwork = Math.max((int) workQuery[0], Math.max(1, 20 * n));
        int liwork = Math.max(iworkQuery[0], Math.max(1, 10 * n));
        double[] work = new double[lwork];
        int[] iwork = new int[liwork];
        lapack.dstevr(jobz, "A", n, d, 0, e, 0, 0, 0, 0, 0, abstol, m, w, 0, z, 0, ldz, isuppz, 0,
                work, 0, lwork, iwork, 0, liwork, info);
        check("dstevr", info, n, vectors);
        return rangeResult(n, m.val, w, vectors ? z : null);
    }

    /** The first {@code count} eigenpairs that dstevr wrote into w and z (row j = vector j). */
    private static SymmetricEigen rangeResult(int n, int count, double[] w, double[] z) {
        double[] values = count == n ? w : Arrays.copyOf(w, count);
        double[] vecs = z == null || z.length == (long) count * n ? z : Arrays.copyOf(z, count * n);
        return new SymmetricEigen(n, values, vecs);
    }

    // ------------------------------------------------------------------------------------------
    // Inertia

    /**
     * Counts the eigenvalues of the symmetric matrix a below, at, and above {@code shift}
     * without computing them: A − shift·I = P·U·D·Uᵀ·Pᵀ (Bunch–Kaufman, {@code dsytrf}) has the
     * inertia of D by Sylvester's law, and D is block diagonal with 1×1 and 2×2 blocks. A 1×1
     * block counts by its sign; a 2×2 block has one negative and one positive eigenvalue when
     * its determinant is &lt; 0, otherwise both have the sign of its trace. Cost: n³/3 flops,
     * about a tenth of {@link #eigh}. a is not modified (a copy is factored; use
     * {@link #ldltInPlace} to factor without the copy).
     *
     * <p>"zero" counts exactly singular pivots; an eigenvalue equal to the shift up to rounding
     * is usually counted as negative or positive instead.
     *
     * @throws IllegalArgumentException for the reasons of {@link #eigh}, or a non-finite shift
     */
    public Inertia inertia(double[] a, int n, double shift) {
        checkShifted(a, n, shift);
        if (n == 0) {
            return new Inertia(0, 0, 0);
        }
        MemoryGuard.checkDense(n, n, 1.1, "inertia (dsytrf) copy of A − shift·I");
        return factor(a.clone(), n, shift).inertia();
    }

    /**
     * Factors A − shift·I = P·U·D·Uᵀ·Pᵀ in place (Bunch–Kaufman, {@code dsytrf}): on return a
     * holds the factor (its lower triangle in this class's row-major convention; the upper
     * triangle is left as it was, except that the diagonal has been shifted), and the result holds
     * the pivots, the inertia of A − shift·I (Sylvester's law, as in {@link #inertia}) and can
     * solve with the factor ({@link LdltFactorization#solve}). No n×n copy: the only workspace is
     * dsytrf's n·nb doubles (nb ≈ 64), so a matrix as large as one Java array can be factored.
     * Cost n³/3 flops, BLAS-3 in LAPACK's blocked code.
     *
     * <p>An exactly zero pivot (dsytrf's INFO &gt; 0) is not an error: the factorization is
     * complete, the zero is counted in the inertia, and {@link LdltFactorization#singular()}
     * says so (solves are then refused).
     *
     * @param a     row-major n×n, exactly n·n finite doubles; only the lower triangle is read
     * @param n     order (≥ 0)
     * @param shift σ (finite); 0 factors A itself
     * @throws IllegalArgumentException if n &lt; 0, a.length != n·n, a has a NaN/Inf or the shift
     *                                  is not finite
     * @throws MemoryLimitException     if dsytrf's workspace does not fit in the heap
     */
    public LdltFactorization ldltInPlace(double[] a, int n, double shift) {
        checkShifted(a, n, shift);
        return factor(a, n, shift);
    }

    private LdltFactorization factor(double[] f, int n, double shift) {
        int[] ipiv = new int[n];
        if (n == 0) {
            return new LdltFactorization(this, f, ipiv, 0, shift, new Inertia(0, 0, 0), 0);
        }
        subtractShift(f, n, shift);
        intW info = new intW(0);
        double[] workQuery = new double[1];
        lapack.dsytrf(UPLO, n, f, 0, n, ipiv, 0, workQuery, 0, -1, info);
        check("dsytrf", info, n, false);
        int lwork = Math.max(1, (int) workQuery[0]);
        MemoryGuard.checkWorkspace("dsytrf workspace for n=" + n, lwork, 8.0 * lwork + 4.0 * n, "n ≤ " + MemoryGuard.MAX_SQUARE_ORDER);
        lapack.dsytrf(UPLO, n, f, 0, n, ipiv, 0, new double[lwork], 0, lwork, info);
        if (info.val < 0) {
            // info > 0 only reports an exactly zero pivot: the factorization is complete and the
            // zero is part of the answer (counted below), not an error.
            throw LapackInfo.exception("dsytrf", info.val, n, false);
        }
        return new LdltFactorization(this, f, ipiv, n, shift, blockInertia(f, ipiv, n), info.val);
    }

    /**
     * Solves (A − σI)·X = B with the factorization f ({@code dsytrs}), in place: B holds
     * {@code nrhs} right-hand sides one after another from {@code off} (b[off + j·n + i] is
     * entry i of right-hand side j, LAPACK's column-major n×nrhs with LDB = n), and is
     * overwritten by the solutions. About 2n² flops per right-hand side; the factor is read once
     * per call, so blocks of right-hand sides amortize the memory traffic.
     *
     * @throws IllegalArgumentException if f is null or was made by another backend, nrhs &lt; 0,
     *                                  off &lt; 0, b is too short, or b has a NaN/Inf
     * @throws IllegalStateException    if f is singular (an exactly zero pivot: the solution does
     *                                  not exist or is not unique)
     * @throws LinalgException          if the solution is not finite (a pivot so small next to b
     *                                  that the solve overflows float64)
     */
    public void ldltSolve(LdltFactorization f, double[] b, int off, int nrhs) {
        checkSolve(f, b, off, nrhs);
        int n = f.n();
        if (f.singular()) {
            throw new IllegalStateException("A − σI (σ = " + f.shift() + ") is singular: D(" + f.zeroPivot() + "," + f.zeroPivot()
                    + ") is exactly zero, so (A − σI)x = b has no unique solution; factor at another shift");
        }
        checkFiniteRightHandSides(b, off, n, nrhs);
        if (n == 0 || nrhs == 0) {
            return;
        }
        intW info = new intW(0);
        lapack.dsytrs(UPLO, n, nrhs, f.factor(), 0, n, f.ipiv(), 0, b, off, n, info);
        check("dsytrs", info, n, false);
        requireFiniteSolution("dsytrs", f, b, off, n, nrhs);
    }

    /**
     * Factors A − shift·I = LLᵀ in place (Cholesky, {@code dpotrf}; OpenBLAS's own parallel
     * version on the native backend) when it is positive definite. No copy, no workspace. A
     * breakdown (INFO &gt; 0: the leading minor of that order is not positive definite) is an
     * answer, not an error: the result says so ({@link CholeskyFactorization#positiveDefinite()}),
     * and a holds a partial factor. Row-major lower triangle in, as {@link #ldltInPlace}.
     *
     * @throws IllegalArgumentException for the reasons of {@link #ldltInPlace}
     */
    public CholeskyFactorization choleskyInPlace(double[] a, int n, double shift) {
        checkShifted(a, n, shift);
        if (n == 0) {
            return new CholeskyFactorization(this, a, 0, shift, 0);
        }
        subtractShift(a, n, shift);
        intW info = new intW(0);
        lapack.dpotrf(UPLO, n, a, 0, n, info);
        if (info.val < 0) {
            throw LapackInfo.exception("dpotrf", info.val, n, false);
        }
        return new CholeskyFactorization(this, a, n, shift, info.val);
    }

    /**
     * Solves (A − σI)·X = B with a positive definite Cholesky factorization ({@code dpotrs}), in
     * place, with B laid out as in {@link #ldltSolve}.
     *
     * @throws IllegalArgumentException if f is null or made by another backend, or for the
     *                                  reasons of {@link #ldltSolve}
     * @throws IllegalStateException    if the factorization broke down
     * @throws LinalgException          if the solution is not finite (see {@link #ldltSolve})
     */
    public void choleskySolve(CholeskyFactorization f, double[] b, int off, int nrhs) {
        checkSolve(f, b, off, nrhs);
        int n = f.n();
        if (!f.positiveDefinite()) {
            throw new IllegalStateException("A − σI (σ = " + f.shift() + ") is not positive definite (leading minor " + f.failedAt()
                    + "): its Cholesky factorization broke down and cannot solve");
        }
        checkFiniteRightHandSides(b, off, n, nrhs);
        if (n == 0 || nrhs == 0) {
            return;
        }
        intW info = new intW(0);
        lapack.dpotrs(UPLO, n, nrhs, f.factor(), 0, n, b, off, n, info);
        check("dpotrs", info, n, false);
        requireFiniteSolution("dpotrs", f, b, off, n, nrhs);
    }

    /**
     * A solve from finite input that overflowed: a pivot of the factor is nonzero (else the solve is
     * refused as singular) but so small next to the right-hand side that x = D⁻¹·… exceeds float64,
     * and the back substitution turns the infinity into NaN (0·∞) in other entries. That is a condition of the run, not a bad
     * argument (the caller passed finite B and a factorization that says it can solve): a
     * {@link SolveOverflowException} (a LinalgException), so that the CLI reports a numerical failure
     * (exit 3) rather than a bug. One SIMD scan ({@link Kernels#firstNonFinite}) of the solutions.
     */
    private static void requireFiniteSolution(String routine, ShiftedFactorization f, double[] b, int off, int n, int nrhs) {
        int len = n * nrhs;
        int i = KernelProvider.get().firstNonFinite(len, b, off);
        if (i < 0) return;
        double x = b[off + i];
        throw new SolveOverflowException(routine + ": the solution of (A − σI)·x = b (σ = " + f.shift() + ", n = " + n + ") holds " + x + " at entry "
                + i % n + " of right-hand side " + i / n + ": A − σI is numerically singular (a pivot of its factor is tiny next to b, "
                + "so the solve overflows float64)");
    }

    /** The checks of a shifted factorization's input: a square n×n and finite, the shift finite. */
    private static void checkShifted(double[] a, int n, double shift) {
        Checks.square("a", a, n);
        if (!Double.isFinite(shift)) {
            throw new IllegalArgumentException("shift=" + shift + " must be finite");
        }
        Checks.finiteLowerTriangle("a", a, n);
    }

    /** a ← a − shift·I (row-major n×n), in place. */
    private static void subtractShift(double[] a, int n, double shift) {
        if (shift != 0) {
            for (int i = 0; i < n; i++) {
                a[i * n + i] -= shift;
            }
        }
    }

    /** The checks a solve with a factorization starts with: f made by this backend, nrhs ≥ 0 and B's n × nrhs layout from off. */
    private void checkSolve(ShiftedFactorization f, double[] b, int off, int nrhs) {
        if (f == null) {
            throw new IllegalArgumentException("factorization is null");
        }
        Linalg madeBy = f.linalg();
        if (madeBy.backend != backend) {
            throw new IllegalArgumentException("factorization made by the " + madeBy.backend + " backend, solved with " + backend);
        }
        int n = f.n();
        Checks.nonNegative("nrhs", nrhs);
        Checks.matrix("b", b, off, "n", Math.max(1, n), "nrhs", nrhs, "n", n);
    }

    /** Refuses a NaN or infinity among the nrhs right-hand sides of length n stored from b[off]. */
    private static void checkFiniteRightHandSides(double[] b, int off, int n, int nrhs) {
        for (int i = 0; i < n * nrhs; i++) {
            double x = b[off + i];
            if (x - x != 0) {
                throw new IllegalArgumentException("b[" + (off + i) + "] = " + x + " (entry " + i % n + " of right-hand side " + i / n
                        + "): LAPACK needs finite input");
            }
        }
    }

    /**
     * Inertia of the block-diagonal D left by dsytrf with UPLO='U' in column-major storage
     * (element (i,j) at f[i + j·n]): ipiv[k] &gt; 0 marks a 1×1 block D(k,k); ipiv[k] =
     * ipiv[k+1] &lt; 0 marks the 2×2 block D(k:k+1, k:k+1), whose off-diagonal is D(k,k+1).
     */
    static Inertia blockInertia(double[] f, int[] ipiv, int n) {
        int neg = 0;
        int zero = 0;
        int pos = 0;
        int k = 0;
        while (k < n) {
            double dkk = f[k + k * n];
            if (ipiv[k] > 0 || k == n - 1) {
                if (dkk < 0) {
                    neg++;
                } else if (dkk > 0) {
                    pos++;
                } else {
                    zero++;
                }
                k += 1;
            } else {
                double d22 = f[(k + 1) + (k + 1) * n];
                double d12 = f[k + (k + 1) * n];
                // Scale first so the determinant cannot overflow or underflow to a wrong sign.
                double s = Math.max(Math.abs(dkk), Math.max(Math.abs(d22), Math.abs(d12)));
                if (s == 0) {
                    zero += 2;
                } else {
                    double x = dkk / s;
                    double y = d22 / s;
                    double o = d12 / s;
                    double det = x * y - o * o;
                    double trace = x + y;
                    if (det < 0) {
                        neg++;
                        pos++;
                    } else if (det > 0) {
                        if (trace < 0) {
                            neg += 2;
                        } else {
                            pos += 2;
                        }
                    } else {
                        zero++; // one zero eigenvalue; the other equals the trace
                        if (trace < 0) {
                            neg++;
                        } else if (trace > 0) {
                            pos++;
                        } else {
                            zero++;
                        }
                    }
                }
                k += 2;
            }
        }
        return new Inertia(neg, zero, pos);
    }

    private static void check(String routine, intW info, int n, boolean vectors) {
        if (info.val != 0) {
            throw LapackInfo.exception(routine, info.val, n, vectors);
        }
    }

    @Override
    public String toString() {
        return "Linalg[" + backend + ": " + Objects.requireNonNullElse(reason, "") + "]";
    }
}
