/**
 * Spectral methods on any {@link dev.morse.spectra.LinearOperator}: dense spectra and inertia
 * through LAPACK ({@link dev.morse.spectra.DenseSpectrum}), Lanczos and block Lanczos for a few
 * eigenvalues, stochastic Lanczos quadrature ({@link dev.morse.spectra.SpectralDensity}) and
 * trace estimators ({@link dev.morse.spectra.TraceEstimator}).
 *
 * <h2>Errors: the caller's arguments against the run's numbers</h2>
 * What the caller passes in and is wrong (a size, a tolerance, a vector of the wrong length, a
 * matrix holding NaN given to {@link dev.morse.linalg.Linalg}) is an
 * {@link java.lang.IllegalArgumentException}, thrown before any work. The methods feed the
 * operator finite vectors of their own; a product that comes back with NaN or an infinity, or a
 * matrix materialized from the products that does, is a value computed in the run, a
 * {@link dev.morse.linalg.NonFiniteValueException} ({@link dev.morse.linalg.NonFiniteMatrixException}
 * for the matrix) naming the operator, the entry and the input: for the engine's curvature
 * operators, overflow in float64 at θ. A method cannot tell that from an operator of the caller's
 * that returns NaN, and does not guess: the message names the operator either way.
 *
 * <p>A null argument (an operator, options, an evaluator, a listener, θ or another array) to a
 * public entry point of this package or of {@link dev.morse.analysis} is a
 * {@link java.lang.NullPointerException} whose message is the argument's name
 * ({@code Objects.requireNonNull(a, "operator")}), thrown before any work. Arguments documented
 * as nullable (a {@code Progress}, a Newton {@code Monitor}) are the exceptions.
 *
 * <h2>Interrupts</h2>
 * The long methods here and in {@link dev.morse.analysis} and {@code dev.morse.training} (dense
 * matrices, Lanczos, block Lanczos, SLQ, the trace estimators, MINRES, the Morse check, the
 * refinements, training) test the calling thread's interrupt flag between their steps and end
 * with a {@link java.util.concurrent.CancellationException}, the flag left set, the evaluator
 * usable ({@link dev.morse.linalg.Cancellation}). A LAPACK call (a dense eigendecomposition or
 * factorization) cannot be interrupted: the interrupt takes effect when it returns.
 */
package dev.morse.spectra;
