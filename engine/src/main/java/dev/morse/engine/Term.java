package dev.morse.engine;

import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/**
 * One term of an objective, added to the data loss L (SPEC §4, §11): a regularizer such as
 * {@code l2:λ}, or the multiplicative form ε‖θ‖²·L (which is additive too:
 * (1 + ε‖θ‖²)L = L + ε‖θ‖²L). A term owns its value, its gradient and its Hessian part, each
 * computed from θ and, where it needs them, the data term's loss, gradient and curvature, which
 * the {@link Evaluator} hands it through a {@link Context}.
 *
 * <p><b>Where a new term goes.</b> Write one class implementing this interface (regularizers live
 * in {@link Regularizer}, one file, with their parser); nothing else in the engine changes: the
 * evaluator asks every term for its {@link #value}, {@link #addGradient} and {@link #addHvp}, and
 * dense materialization uses {@link #hessianDiagonal} when a term's Hessian part is a constant
 * diagonal. No code outside a term's own file inspects which term it is.
 *
 * <p>Terms are immutable values: {@code equals}/{@code hashCode} by content, serializable, and
 * {@link #hashInto} feeds their identity into a {@link Problem}'s content hash.
 */
public interface Term extends Serializable {

    /** Canonical text form, e.g. {@code l2:0.001}; parseable where the term has a parser. */
    String spec();

    /** Checks that the term fits the model (e.g. the length of explicit coefficients); throws IllegalArgumentException otherwise. */
    default void validate(Mlp model) {}

    /** Whether {@link #addHvp} needs the data term's Hessian product ∇²L·V (computed once per request and shared). */
    default boolean needsDataCurvature() {
        return false;
    }

    /** Whether {@link #value}, {@link #addGradient} or {@link #addHvp} read {@link Context#dataGradient()}. */
    default boolean needsDataGradient() {
        return false;
    }

    /** The term's value at c.theta(). */
    double value(Context c);

    /** grad += ∇(term) at c.theta(). */
    void addGradient(Context c, double[] grad);

    /**
     * out += (Hessian part of the term)·V for k vectors stored one after another (V[j·P + i]).
     * {@code dataHv} holds ∇²L·V (same layout) when {@link #needsDataCurvature()}, else null.
     */
    void addHvp(Context c, double[] vs, double[] dataHv, double[] out, int k);

    /**
     * The Hessian part as a constant diagonal (length P), or null when it is not one. Dense
     * materialization then adds it to the diagonal instead of forming identity columns, and the
     * Morse check assembles H = G + M + diag (SPEC §6: τ's scale is then ‖G‖₂ + ‖M‖₂ + ‖R″‖₂).
     */
    default double[] hessianDiagonal(Mlp model) {
        return null;
    }

    /** Feeds the term's identity into a content hash; the default uses {@link #spec()}. */
    default void hashInto(MessageDigest md) {
        md.update(spec().getBytes(StandardCharsets.UTF_8));
        md.update((byte) 0);
    }

    /**
     * What a term may read while it is evaluated, at one point θ and over one set of samples:
     * the data loss L, its gradient ∇L (when {@link #needsDataGradient()}), and θ. Valid only
     * during the call it is passed to.
     */
    interface Context {
        /** The model. */
        Mlp model();

        /** θ (read-only). */
        double[] theta();

        /** L(θ), the data loss (mean over the samples). */
        double dataLoss();

        /** ∇L(θ) (read-only); only for terms that declare {@link #needsDataGradient()}. */
        double[] dataGradient();
    }
}
