package dev.morse.training;

import java.util.Locale;

/**
 * An optimizer as torch.optim configures it (the learning rate comes from the schedule, step by
 * step). Checked like torch.optim checks its arguments.
 *
 * <ul>
 *   <li>{@code sgd}: {@code torch.optim.SGD(momentum, dampening=0, nesterov, weight_decay)};
 *       weight decay is added to the gradient (g + λθ), as torch does.
 *   <li>{@code adam}: {@code torch.optim.Adam(betas, eps, weight_decay)}; weight decay is added
 *       to the gradient before the moments (coupled L2, as torch's Adam).
 *   <li>{@code adamw}: {@code torch.optim.AdamW(betas, eps, weight_decay)}; decoupled decay
 *       θ ← θ(1 − lr·λ) before the Adam step. torch's default λ is 0.01 ({@link #ADAMW_DEFAULT_DECAY}).
 * </ul>
 *
 * <p>The weight decay of an optimizer changes the update, not the objective: the loss reported
 * is L_B + R without it. For decay that is part of the objective (and of its Hessian), use the
 * regularizer {@code l2:λ} instead.
 *
 * @param momentum     SGD momentum μ ≥ 0 (0: plain SGD)
 * @param nesterov     SGD: Nesterov momentum (needs μ &gt; 0)
 * @param weightDecay  λ ≥ 0 as described above
 * @param beta1        Adam(W): β₁ in [0, 1)
 * @param beta2        Adam(W): β₂ in [0, 1)
 * @param eps          Adam(W): ε ≥ 0, added to √v̂ (outside the square root, as torch)
 */
public record OptimizerConfig(Kind kind, double momentum, boolean nesterov, double weightDecay, double beta1, double beta2, double eps) {

    /** torch.optim.AdamW's default weight decay. */
    public static final double ADAMW_DEFAULT_DECAY = 0.01;

    /** The optimizers, by the names users type. */
    public enum Kind {
        SGD, ADAM, ADAMW;

        public String id() {
            return name().toLowerCase(Locale.ROOT);
        }

        /** {@code sgd}, {@code adam} or {@code adamw} (any case). */
        public static Kind parse(String s) {
            if (s != null) {
                for (Kind k : values()) if (k.id().equalsIgnoreCase(s.trim())) return k;
            }
            throw new IllegalArgumentException("unknown optimizer '" + s + "'; expected sgd, adam or adamw");
        }
    }

    public OptimizerConfig {
        if (kind == null) throw new IllegalArgumentException("optimizer kind is null");
        if (!(weightDecay >= 0) || Double.isInfinite(weightDecay)) throw new IllegalArgumentException("weight decay must be finite and ≥ 0, got " + weightDecay);
        if (kind == Kind.SGD) {
            if (!(momentum >= 0) || Double.isInfinite(momentum)) throw new IllegalArgumentException("momentum must be finite and ≥ 0, got " + momentum);
            if (nesterov && momentum == 0) throw new IllegalArgumentException("Nesterov momentum requires a momentum > 0 (torch.optim.SGD's rule)");
        } else {
            if (momentum != 0 || nesterov) throw new IllegalArgumentException(kind.id() + " takes no momentum or nesterov (its moments are β₁, β₂)");
            if (!(beta1 >= 0 && beta1 < 1)) throw new IllegalArgumentException("beta1 must be in [0, 1), got " + beta1);
            if (!(beta2 >= 0 && beta2 < 1)) throw new IllegalArgumentException("beta2 must be in [0, 1), got " + beta2);
            if (!(eps >= 0) || Double.isInfinite(eps)) throw new IllegalArgumentException("eps must be finite and ≥ 0, got " + eps);
        }
    }

    /** SGD with momentum μ (dampening 0), Nesterov or not, and torch's weight decay. */
    public static OptimizerConfig sgd(double momentum, boolean nesterov, double weightDecay) {
        return new OptimizerConfig(Kind.SGD, momentum, nesterov, weightDecay, 0, 0, 0);
    }

    /** Adam (torch.optim.Adam; weight decay coupled into the gradient). torch's defaults: β = (0.9, 0.999), ε = 1e-8, λ = 0. */
    public static OptimizerConfig adam(double beta1, double beta2, double eps, double weightDecay) {
        return new OptimizerConfig(Kind.ADAM, 0, false, weightDecay, beta1, beta2, eps);
    }

    /** AdamW (torch.optim.AdamW; decoupled decay). torch's defaults: β = (0.9, 0.999), ε = 1e-8, λ = 0.01. */
    public static OptimizerConfig adamw(double beta1, double beta2, double eps, double weightDecay) {
        return new OptimizerConfig(Kind.ADAMW, 0, false, weightDecay, beta1, beta2, eps);
    }

    /** A fresh optimizer for P parameters (no state yet). */
    public Optimizer create(int p) {
        if (p <= 0) throw new IllegalArgumentException("P must be positive, got " + p);
        return kind == Kind.SGD ? new Sgd(this, p) : new Adam(this, p);
    }

    /** E.g. {@code sgd(momentum=0.9, nesterov=false, weight_decay=0.0)}: canonical, part of a run's config hash. */
    public String describe() {
        return switch (kind) {
            case SGD -> "sgd(momentum=" + momentum + ", nesterov=" + nesterov + ", weight_decay=" + weightDecay + ")";
            case ADAM, ADAMW -> kind.id() + "(beta1=" + beta1 + ", beta2=" + beta2 + ", eps=" + eps + ", weight_decay=" + weightDecay + ")";
        };
    }
}
