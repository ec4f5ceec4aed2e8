package dev.morse.simd;

/**
 * Scalar functions that the kernels map over arrays together with their first, second and third
 * derivatives. The family is parameterised by {@code beta} where it says so; other members
 * ignore it. f''' is needed by the exact gradients of the trace penalties (SPEC §3, §11).
 *
 * <p>These are plain real functions: the engine composes them into network activations (for
 * example "augmented ReLU" takes value and first derivative from {@link #RELU} and the second
 * derivative from {@link #GELU}).
 */
public enum ElementwiseFunction {
    /** f(x) = x; f' = 1; f'' = f''' = 0. */
    IDENTITY,
    /**
     * f(x) = tanh x = t; f' = 1 - t² (formed as (1 - t)(1 + t)); f'' = -2t f'; f''' = 2f'(2 - 3f').
     * All from t, so accurate to ~ε absolutely but not relatively in the tails (1 - |t| loses
     * digits as |x| grows, and the derivatives are exactly 0 once t rounds to ±1, |x| &gt; 19.1).
     */
    TANH,
    /**
     * f(x) = 1/(1+e^-x) = s; f' = s(1-s); f'' = s(1-s)(1-2s); f''' = s(1-s)(1 - 6s(1-s)). With
     * s and c = 1-s both formed from e^{-|x|}, every derivative keeps full relative accuracy in
     * both tails.
     */
    SIGMOID,
    /**
     * f(x) = log(1+e^x) in the stable form max(x,0) + log1p(e^-|x|); f' = sigmoid s; f'' = s(1-s);
     * f''' = s(1-s)(1-2s).
     */
    SOFTPLUS,
    /** f(x) = max(0,x); f'(0) = 0 and f'' = f''' = 0 everywhere (PyTorch's convention). */
    RELU,
    /**
     * β-GELU: f(x) = x Φ(βx), Φ the standard normal CDF computed with erf (not the tanh
     * approximation); with t = βx: f' = Φ(t) + t φ(t); f'' = β φ(t) (2 - t²);
     * f''' = β² φ(t) t (t² - 4). β = 1 is GELU.
     */
    GELU
}
