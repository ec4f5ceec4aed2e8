/**
 * Dense linear algebra for Morse: BLAS and LAPACK through {@link dev.morse.linalg.Linalg} (native
 * OpenBLAS via dev.ludovic.netlib JNI, or a pure-Java fallback), heap checks before dense
 * allocations ({@link dev.morse.linalg.MemoryGuard}), OpenBLAS thread control
 * ({@link dev.morse.linalg.OpenBlas}) and a backend report ({@link dev.morse.linalg.Backends}, as
 * JSON through {@code dev.morse.json}).
 *
 * <p>This package knows nothing of neural networks: it sees row-major {@code double[]} matrices.
 * {@link dev.morse.linalg.Linalg} is the only class that calls netlib.
 */
package dev.morse.linalg;
