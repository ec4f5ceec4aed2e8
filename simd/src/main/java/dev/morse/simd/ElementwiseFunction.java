package dev.morse.simd;

/**
 * Scalar functions that the kernels map over arrays together with their first and second
 * derivatives. The family is parameterised by {@code beta} where it says so; other members
 * ignore it.
 *
 * <p>These are plain real functions: the engine composes them into network activations (for
 * example "augmented ReLU" takes value and first derivative from {@link #RELU} and the second
 * derivative from {@link #GELU}).
 */
public enum ElementwiseFunction {
    /** f(x) = x; f' = 1; f'' = 0. */
    IDENTITY,
    /** f(x) = tanh x; f' = 1 - tanh²x; f'' = -2 tanh x (1 - tanh²x). */
    TANH,
    /** f(x) = 1/(1+e^-x) = s; f' = s(1-s); f'' = s(1-s)(1-2s). */
    SIGMOID,
    /** f(x) = log(1+e^x) in the stable form max(x,0) + log1p(e^-|x|); f' = sigmoid; f'' = s(1-s). */
    SOFTPLUS,
    /** f(x) = max(0,x); f'(0) = 0 and f'' = 0 everywhere (PyTorch's convention). */
    RELU,
    /**
     * β-GELU: f(x) = x Φ(βx), Φ the standard normal CDF computed with erf (not the tanh
     * approximation); f' = Φ(βx) + βx φ(βx); f'' = β φ(βx) (2 - β²x²). β = 1 is GELU.
     */
    GELU
}
