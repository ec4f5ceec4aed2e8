/**
 * The analyses at a point θ: the Morse check ({@link dev.morse.analysis.MorseReport}), the
 * refinement to a critical point ({@link dev.morse.analysis.CriticalPoints}) and the eigenvalues
 * nearest zero ({@link dev.morse.analysis.NearestZero}).
 *
 * <h2>Errors: the caller's arguments against the run's numbers</h2>
 * One rule, as in {@link dev.morse.spectra} and {@link dev.morse.linalg}: what the caller passes
 * in and is wrong (θ of the wrong length or holding NaN or an infinity, an option out of range) is
 * an {@link java.lang.IllegalArgumentException}, thrown before any work (a null argument: a
 * {@link java.lang.NullPointerException} naming it, by the rule of {@link dev.morse.spectra}). A value computed from
 * finite input that is not finite, the loss or gradient at θ, a curvature product, or a matrix
 * assembled at θ (the weights or coefficients overflow float64 there), is a numerical failure of
 * the run: a {@link dev.morse.linalg.NonFiniteValueException} (its subclass
 * {@link dev.morse.linalg.NonFiniteMatrixException} for a matrix), like the other
 * {@link dev.morse.linalg.LinalgException}s the analyses pass on (a LAPACK failure, a solve that
 * overflowed). The command-line tool exits with 2 for the former (when its own checks let one
 * through, 1: a bug) and 3 for the latter.
 */
package dev.morse.analysis;
