package dev.morse.engine;

import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/**
 * One term of an objective, added to the data loss L (SPEC §4, §11): a regularizer such as
 * {@code l2:λ}, or the multiplicative form ε‖θ‖²·L (which is additive too:
 * (1 + ε‖θ‖²)L = L + ε‖θ‖²L), or a training penalty of {@link Penalty} (gradient norm, SAM,
 * weight noise, trace penalties). A term owns its value, its gradient and its Hessian part, each
 * computed from θ and, where it needs them, the data term's loss, gradient and curvature, which
 * the {@link Evaluator} hands it through a {@link Context}.
 *
 * <p><b>Where a new term goes.</b> Write one class implementing this interface, in a file of its own
 * (such as {@link L2Regularizer} or {@link TracePenalty}), with a factory and a form of
 * {@link Regularizer#parse} or {@link Penalty#parse}; nothing else in the engine changes: the
 * evaluator asks every term for its {@link #value}, {@link #addGradient} and {@link #addHvp}, and
 * dense materialization uses {@link #hessianDiagonal} when a term's Hessian part is a constant
 * diagonal. No code outside a term's own file inspects which term it is.
 *
 * <p>Terms are immutable values: {@code equals}/{@code hashCode} by content, serializable, and
 * {@link #hashInto} feeds their identity into a {@link Problem}'s content hash.
 *
 * <p>A term runs inside one of its evaluator's requests, holding the evaluator's lock: it must not
 * call that evaluator (refused with an {@link IllegalStateException}), and must not wait for
 * another thread that calls it: that thread waits for the lock this request holds, which is a
 * deadlock (nothing detects it). A term that needs other results computes them through its
 * {@link Context}, or uses an evaluator of its own.
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

    /**
     * grad += ∇(term) at c.theta(); for a penalty whose update is not the gradient of its value
     * ({@link #gradientIsExact} false: SPEC §11's gradient_norm_ggn and sam) the update direction.
     */
    void addGradient(Context c, double[] grad);

    /**
     * {@link #addGradient} and {@link #value} at once: adds the gradient (or direction) to grad and
     * returns the value. The evaluator's loss-and-gradient requests call this; a term whose value
     * and gradient share work (the trace penalties, SAM, weight noise) overrides it to do the work
     * once.
     */
    default double addValueAndGradient(Context c, double[] grad) {
        double v = value(c);
        addGradient(c, grad);
        return v;
    }

    /**
     * Whether the term's value and gradient REPLACE those of the data term: the objective is then
     * Σ terms (L itself is not added) and the gradient Σ term gradients (∇L is not added, nor
     * computed unless a term asks for it). SPEC §11's {@code sam} (objective L(θ + ρg/‖g‖) + R(θ))
     * and {@code weight_noise} ((1/k)Σ L(θ + σεᵢ) + R(θ)) do: their value is that whole data part,
     * so no work is spent on ∇L(θ) where it is not needed, and nothing is added and subtracted
     * again. At most one term of a {@link Problem} may replace the data term.
     */
    default boolean replacesDataLoss() {
        return false;
    }

    /**
     * Whether this is a training penalty (SPEC §11): computed from the data loss of the request's
     * samples, with no Hessian part defined in Morse ({@link #addHvp} throws). A {@link Problem}
     * keeps its terms in the order regularizers, then penalties; curvature analyses use the
     * objective without penalties ({@link Problem#withoutPenalties()}).
     */
    default boolean isPenalty() {
        return false;
    }

    /**
     * Whether {@link #addGradient} adds the exact gradient of {@link #value} for this model (true for
     * every regularizer). False for update directions that are not gradients (gradient_norm_ggn,
     * sam), and for third- or second-order penalty gradients of models with a modified σ″
     * (augmented_relu, diminished_gelu: SPEC §3), which use the stated σ″ and σ‴.
     */
    default boolean gradientIsExact(Mlp model) {
        return true;
    }

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
     * What a term may read while it is evaluated, at one point θ and over one set of samples (the
     * request's {@link Batch}): the data loss L, its gradient ∇L (when {@link #needsDataGradient()}),
     * and θ; for the penalties of SPEC §11 also the request's seed, products and quadratic forms of
     * the data curvature at θ, the data term at other points θ′ on the same samples, and reusable
     * workspaces. Valid only during the call it is passed to. Everything here is over the request's
     * samples (a minibatch in training): means over them, as every request.
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

        // What the penalties of SPEC §11 need beyond θ, L and ∇L. The Evaluator's context provides all
        // of it; a context that serves regularizers only (e.g. a distributed problem's driver) need
        // not, and a penalty evaluated there fails with the message of unsupported(…).

        /** The number of samples of the request. */
        default int batchSize() {
            throw unsupported("batchSize");
        }

        /** Whether the request's batch carries a seed ({@link Batch#withSeed}). */
        default boolean hasSeed() {
            throw unsupported("hasSeed");
        }

        /**
         * The request's seed ({@link Batch#seed()}): penalties draw their probes or noise from
         * {@code new SplittableRandom(seed ^ salt)}, so a training step's draws depend on its seed
         * only, never on the thread count.
         *
         * @throws IllegalStateException when the batch has no seed
         */
        default long seed() {
            throw unsupported("seed");
        }

        /**
         * out = Op·V for k vectors at θ over the request's samples, Op one of the data parts
         * {@link Part#DATA_HESSIAN} (∇²L = G + M), {@link Part#GGN}, {@link Part#NME}; the data term
         * only, never the terms' parts. vs and out must not be workspaces of the same index.
         */
        default void dataProduct(Part part, double[] vs, double[] out, int k) {
            throw unsupported("dataProduct");
        }

        /**
         * Quadratic forms v_jᵀ·Op·v_j (Op = ∇²L for {@link Part#DATA_HESSIAN}, G for {@link Part#GGN})
         * into forms[0..k) and, when grad is not null, Σ_j ∇_θ(v_jᵀ·Op·v_j) into grad (overwritten):
         * {@link Evaluator#quadraticForms} at the request.
         */
        default void quadraticForms(Part part, double[] vs, int k, double[] forms, double[] grad) {
            throw unsupported("quadraticForms");
        }

        /**
         * L(θ′) at another point θ′ (its first P entries: a workspace may be longer) over the
         * request's samples. Does not disturb the request at θ: the chunk states, data loss and
         * gradient cached for θ stay valid.
         */
        default double dataLossAt(double[] point) {
            throw unsupported("dataLossAt");
        }

        /** L(θ′), with ∇L(θ′) written into grad (length P); like {@link #dataLossAt}, θ's cache stays valid. */
        default double dataLossAndGradientAt(double[] point, double[] grad) {
            throw unsupported("dataLossAndGradientAt");
        }

        /**
         * A reusable array of at least {@code length} doubles owned by the evaluator (indices 0..3),
         * so that terms allocate nothing per request. Its contents are undefined on entry; a term
         * may use it until its call returns. Distinct indices are distinct arrays.
         */
        default double[] workspace(int index, int length) {
            throw unsupported("workspace");
        }

        /** The failure of a context that does not provide {@code what} (one serving regularizers only). */
        private UnsupportedOperationException unsupported(String what) {
            return new UnsupportedOperationException(getClass().getSimpleName() + " does not provide " + what
                    + "(): training penalties (SPEC §11) are evaluated by an Evaluator, not here");
        }
    }
}
