package dev.morse.engine;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.StringJoiner;

/**
 * What is analysed: a model, a data set, a loss and the terms added to the data loss (SPEC §2,
 * §4). The objective is
 * <pre>
 *   L_R(θ) = L(θ) + Σ_terms T(θ),   L(θ) = (1/N) Σ_n ℓ(f(x_n), y_n)
 * </pre>
 * (a term may replace L by L at other points: {@link Term#replacesDataLoss()}, SPEC §11's sam and
 * weight noise) and "the Hessian" is ∇²L_R = G + M + Σ_terms (Hessian part of T) (SPEC §5). The terms are
 * regularizers (SPEC §4) and training penalties (SPEC §11, {@link Penalty}), kept in that order:
 * regularizers first, then penalties. Penalties have no Hessian part: curvature analyses use
 * {@link #withoutPenalties()}.
 *
 * <p>A Problem is an immutable value: validated once on construction (data against the model,
 * every term against the model), thread-safe, serializable (so it can be shipped to another JVM),
 * equal to another Problem with the same contents, and identified by {@link #contentHash()}. It
 * computes nothing; an {@link Evaluator} opened on it does (and owns threads and buffers).
 *
 * <pre>{@code
 * Problem p = Problem.of(mlp, data, Loss.MSE, Regularizer.l2(1e-3));
 * try (Evaluator ev = Evaluator.open(p)) {
 *     double loss = ev.lossAndGradient(theta, grad);
 *     ev.hvp(theta, v, hv);
 * }
 * }</pre>
 *
 * <p>New terms: see {@link Term}.
 */
public final class Problem implements java.io.Serializable {

    private static final long serialVersionUID = 1L;

    private final Mlp model;
    private final Dataset data;
    private final Loss loss;
    private final Term[] terms;
    private transient volatile String hash;

    private Problem(Mlp model, Dataset data, Loss loss, Term[] terms) {
        if (model == null || data == null || loss == null) throw new IllegalArgumentException("model, data and loss are required");
        validate(model, data, loss);
        List<Term> kept = new ArrayList<>();
        List<Term> penalties = new ArrayList<>();
        for (Term t : terms) {
            if (t == null) throw new IllegalArgumentException("a term is null");
            if (t.equals(Regularizer.NONE)) continue;
            t.validate(model);
            (t.isPenalty() ? penalties : kept).add(t);
        }
        kept.addAll(penalties);   // regularizers first, then penalties, each in the order given
        checkTermsGoTogether(kept);
        this.model = model;
        this.data = data;
        this.loss = loss;
        this.terms = kept.toArray(new Term[0]);
    }

    /**
     * A problem: the data loss of {@code model} on {@code data}, plus the given terms (none: the
     * bare data loss).
     *
     * <p>SPEC §4 defines one regularizer R; the engine's objective is L + Σ terms, so several
     * regularizers may be given and their values, gradients and Hessian parts add (an extension the
     * CLI, with its one {@code --reg}, does not use). Each term is defined on its own:
     * {@code multiplicative:ε} adds ε‖θ‖²·L, the <em>data</em> loss, so with {@code l2:λ} next to it
     * the objective is (1 + ε‖θ‖²)·L + (λ/2)‖θ‖², not (1 + ε‖θ‖²)·(L + (λ/2)‖θ‖²); two {@code l2}
     * terms are one with the coefficients added. Penalties of one kind are refused
     * ({@link #checkTermsGoTogether}).
     */
    public static Problem of(Mlp model, Dataset data, Loss loss, Term... terms) {
        return new Problem(model, data, loss, terms == null ? new Term[0] : terms.clone());
    }

    /** The same model, data and loss with these terms instead. */
    public Problem withTerms(Term... newTerms) {
        return new Problem(model, data, loss, newTerms == null ? new Term[0] : newTerms.clone());
    }

    /**
     * The same objective with the model's true Hessian: modified activations (augmented ReLU,
     * diminished GELU) replaced by their exact twins ({@link Mlp#withExactSecondDerivatives}), for
     * Newton steps on ∇L_R = 0. The loss, the regularizers and every gradient stay the same; this
     * problem itself when no activation is modified.
     *
     * @throws IllegalStateException with a penalty: penalties read the model's curvature (or its
     *                               gradient does), so they would change with σ″
     */
    public Problem withExactSecondDerivatives() {
        if (!model.usesModifiedSecondDerivative()) return this;
        if (hasPenalties()) {
            throw new IllegalStateException("a problem with penalties (" + describeTerms() + ") changes with σ″; "
                    + "its exact-Hessian twin would be another objective");
        }
        return new Problem(model.withExactSecondDerivatives(), data, loss, terms);
    }

    /** The same model, loss and terms on other data (e.g. a data partition or a held-out set). */
    public Problem withData(Dataset newData) {
        return new Problem(model, newData, loss, terms);
    }

    private static void validate(Mlp mlp, Dataset data, Loss loss) {
        if (data.inputDim() != mlp.inputDim()) {
            throw new IllegalArgumentException("dims differ: data has d0=" + data.inputDim() + " inputs, model " + mlp.describe() + " expects " + mlp.inputDim());
        }
        if (loss == Loss.CROSS_ENTROPY) {
            if (!data.isClassification()) throw new IllegalArgumentException("cross_entropy needs class-index targets; the data set has real targets");
            if (data.numClasses() != mlp.outputDim()) {
                throw new IllegalArgumentException("dims differ: data has " + data.numClasses() + " classes, model output width is " + mlp.outputDim());
            }
        } else {
            if (data.isClassification()) throw new IllegalArgumentException("mse needs real-valued targets; the data set has class indices");
            if (data.targetDim() != mlp.outputDim()) {
                throw new IllegalArgumentException("dims differ: targets have C=" + data.targetDim() + " columns, model output width is " + mlp.outputDim());
            }
        }
    }

    public Mlp model() {
        return model;
    }

    public Dataset data() {
        return data;
    }

    public Loss loss() {
        return loss;
    }

    /** Whether any term is a training penalty (SPEC §11). */
    public boolean hasPenalties() {
        for (Term t : terms) if (t.isPenalty()) return true;
        return false;
    }

    /** The same problem with its regularizers only (the objective curvature analyses use). */
    public Problem withoutPenalties() {
        if (!hasPenalties()) return this;
        List<Term> kept = new ArrayList<>();
        for (Term t : terms) if (!t.isPenalty()) kept.add(t);
        return new Problem(model, data, loss, kept.toArray(new Term[0]));
    }

    /** The terms added to the data loss: regularizers, then penalties (a copy; never contains {@link Regularizer#NONE}). */
    public List<Term> terms() {
        return List.of(terms);
    }

    /** Whether any term is present (the objective differs from the data loss). */
    public boolean hasTerms() {
        return terms.length > 0;
    }

    /**
     * Refuses terms that cannot share one objective: at most one may replace the data loss
     * ({@link Term#replacesDataLoss()}: sam and weight_noise evaluate L at other points), and at
     * most one penalty of each kind ({@link Penalty#name()}): two of a kind that draw share their
     * probes or noise (both draw from the step's seed with their kind's salt), so
     * {@code hessian_trace:0.1} next to {@code hessian_trace:0.2} was {@code hessian_trace:0.3} in
     * silence; two gradient norms of one power are one with the coefficients added, and of two
     * powers a combination no penalty of SPEC §11 is (the message says so only where it holds). Needs no model or data, so a command can check its
     * options before loading anything.
     *
     * @throws IllegalArgumentException naming the two terms
     */
    public static void checkTermsGoTogether(List<? extends Term> terms) {
        Term replacing = null;
        java.util.Map<String, Penalty> kinds = new java.util.HashMap<>();
        for (Term t : terms) {
            if (t.replacesDataLoss()) {
                if (replacing != null) {
                    throw new IllegalArgumentException("terms " + replacing.spec() + " and " + t.spec() + " both replace the data loss "
                            + "(their objectives are L at other points); an objective can have at most one of them");
                }
                replacing = t;
            }
            if (!(t instanceof Penalty p)) continue;
            Penalty earlier = kinds.putIfAbsent(p.name(), p);
            if (earlier != null) {
                // one term with the coefficients added only where their other parameters agree
                // (gradient_norm:0.1:1 next to gradient_norm:0.2:2 is not one term; still refused)
                boolean oneTerm = sameButCoefficient(earlier.spec(), p.spec());
                String draws = p.usesProbes() ? "probes" : "noise";
                String why;
                if (p.draws() > 0) {
                    why = oneTerm ? "they would draw the same " + draws + " from each step's seed, one " + p.name() + " term with the coefficients added"
                            : "both would draw their " + draws + " from each step's seed";
                } else {
                    why = oneTerm ? "with one power p they are one " + p.name() + " term with the coefficients added" : null;
                }
                throw new IllegalArgumentException("penalties " + earlier.spec() + " and " + p.spec() + " are both " + p.name()
                        + (why == null ? "" : " (" + why + ")") + "; give each kind of penalty at most once");
            }
        }
    }

    /** Whether two penalty specs ({@code name:coefficient[:more]}) differ at most in their coefficient. */
    private static boolean sameButCoefficient(String a, String b) {
        String[] x = a.split(":", -1);
        String[] y = b.split(":", -1);
        if (x.length != y.length) return false;
        for (int i = 0; i < x.length; i++) if (i != 1 && !x[i].equals(y[i])) return false;
        return true;
    }

    /** Whether a term replaces the data loss in the objective ({@link Term#replacesDataLoss()}: sam, weight_noise). */
    public boolean replacesDataLoss() {
        for (Term t : terms) if (t.replacesDataLoss()) return true;
        return false;
    }

    /** The terms as text: {@code none}, or their specs joined by {@code +} (regularizers, then penalties). */
    public String describeTerms() {
        if (terms.length == 0) return "none";
        StringJoiner j = new StringJoiner("+");
        for (Term t : terms) j.add(t.spec());
        return j.toString();
    }

    /** P, the number of parameters. */
    public int dim() {
        return model.numParameters();
    }

    /** N, the number of samples. */
    public int size() {
        return data.size();
    }

    /**
     * The sum of the terms' Hessian parts when every one is a constant diagonal (length P; zeros
     * when there are no terms), or null when some term's part is not (then only products give it).
     */
    public double[] termsHessianDiagonal() {
        double[] d = new double[dim()];
        for (Term t : terms) {
            double[] td = t.hessianDiagonal(model);
            if (td == null) return null;
            for (int i = 0; i < d.length; i++) d[i] += td[i];
        }
        return d;
    }

    /**
     * SHA-256 (hex) of the model (widths, activations, biases), the loss, the terms and the data's
     * {@link Dataset#contentHash()}: equal problems have equal hashes, on any JVM.
     */
    public String contentHash() {
        String h = hash;
        if (h == null) {
            MessageDigest md = Dataset.sha256();
            md.update(("morse-problem-v1\0" + model.describe() + "\0" + loss.id() + "\0").getBytes(StandardCharsets.UTF_8));
            ByteBuffer w = ByteBuffer.allocate(4 * (model.layers() + 1));
            for (int i = 0; i <= model.layers(); i++) w.putInt(model.width(i));
            md.update(w.array());
            for (Term t : terms) t.hashInto(md);
            md.update(("\0" + data.contentHash()).getBytes(StandardCharsets.UTF_8));
            h = hash = HexFormat.of().formatHex(md.digest());
        }
        return h;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Problem p && p.model.equals(model) && p.loss == loss && Arrays.equals(p.terms, terms) && p.data.equals(data);
    }

    @Override
    public int hashCode() {
        return contentHash().hashCode();
    }

    @Override
    public String toString() {
        return "Problem[" + model.describe() + ", " + loss.id() + ", " + describeTerms() + ", " + data + "]";
    }
}
