package dev.morse.training;

import dev.morse.simd.Ranges;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Adam and AdamW as {@code torch.optim.Adam} / {@code torch.optim.AdamW} (single-tensor path,
 * no amsgrad), per entry at step t = 1, 2, …:
 * <pre>
 *   θ ← θ·(1 − lr·λ)                          (AdamW: decoupled decay)
 *   g ← g + λθ                                (Adam: coupled decay, when λ ≠ 0)
 *   m ← lerp(m, g, 1 − β₁)                    (torch's lerp: m + w(g − m) for w &lt; 0.5, else g − (g − m)(1 − w))
 *   v ← β₂·v + ((1 − β₂)·g)·g
 *   θ ← θ + (−lr/(1 − β₁ᵗ))·m / (√v / √(1 − β₂ᵗ) + ε)
 * </pre>
 * ε is added outside the square root and after the bias correction of v, as torch does. The
 * powers β₁ᵗ, β₂ᵗ use {@link StrictMath#pow}: {@code Math.pow} is an intrinsic whose last bit may
 * differ between the interpreter and compiled code, which would break bit-identical resumption.
 */
public final class Adam implements Optimizer {

    /** torch's names of the first and second moment buffers. */
    public static final String EXP_AVG = "exp_avg";
    public static final String EXP_AVG_SQ = "exp_avg_sq";

    private final OptimizerConfig config;
    private final boolean decoupled;
    private final double beta1, beta2, eps, decay;
    private final double w1, w2;       // 1 − β₁, 1 − β₂
    private final boolean lerpLow;     // the moment update's form (see Update)
    private final double[] m, v;
    private long steps;

    Adam(OptimizerConfig config, int p) {
        this.config = config;
        this.decoupled = config.kind() == OptimizerConfig.Kind.ADAMW;
        this.beta1 = config.beta1();
        this.beta2 = config.beta2();
        this.w1 = 1 - beta1;
        this.w2 = 1 - beta2;
        this.lerpLow = w1 < 0.5;
        this.eps = config.eps();
        this.decay = config.weightDecay();
        this.m = new double[p];
        this.v = new double[p];
    }

    @Override
    public Ranges.Task startStep(double[] theta, double[] grad, double lr) {
        update.checkIdle();
        int p = theta.length;
        if (grad.length < p || m.length != p) throw new IllegalArgumentException("θ, gradient and state lengths differ: " + p + ", " + grad.length + ", " + m.length);
        long t = steps + 1;
        double bc1 = 1 - StrictMath.pow(beta1, t);
        double bc2 = 1 - StrictMath.pow(beta2, t);
        update.mStep = -(lr / bc1);
        update.bc2Sqrt = Math.sqrt(bc2);
        update.shrink = 1 - lr * decay;
        return update.bind(theta, grad);
    }

    @Override
    public boolean finishStep() {
        boolean finite = update.release();
        steps++;
        return finite;
    }

    @Override
    public void abortStep() {
        update.release();
    }

    /** One step's update of a range of entries. */
    private final class Update extends RangeStep {
        double mStep;
        double bc2Sqrt;
        double shrink;

        @Override
        void update(double[] theta, double[] grad, int from, int to) {
            double[] m = Adam.this.m, v = Adam.this.v;
            double mStep = this.mStep, bc2Sqrt = this.bc2Sqrt, shrink = this.shrink;
            double w1 = Adam.this.w1, w2 = Adam.this.w2;
            boolean lerpLow = Adam.this.lerpLow;
            for (int i = from; i < to; i++) {   // no per-element finiteness test here: it kept C2 from vectorizing
                double th = theta[i];
                double g = grad[i];
                if (decoupled) th = th * shrink;
                else if (decay != 0) g = g + decay * th;
                double mi = m[i];
                mi = lerpLow ? mi + w1 * (g - mi) : g - (g - mi) * (1 - w1);
                m[i] = mi;
                double vi = v[i] * beta2 + w2 * g * g;
                v[i] = vi;
                double denom = Math.sqrt(vi) / bc2Sqrt + eps;
                th = th + mStep * mi / denom;
                theta[i] = th;
            }
        }
    }

    private final Update update = new Update();

    @Override
    public long steps() {
        return steps;
    }

    @Override
    public OptimizerState state() {
        Map<String, double[]> b = new LinkedHashMap<>();
        b.put(EXP_AVG, m);
        b.put(EXP_AVG_SQ, v);
        return new OptimizerState(steps, b);
    }

    @Override
    public void restore(OptimizerState s) {
        if (!s.names().equals(java.util.Set.of(EXP_AVG, EXP_AVG_SQ))) {
            throw new IllegalArgumentException("not an Adam state: expected buffers [" + EXP_AVG + ", " + EXP_AVG_SQ + "], found " + s.names());
        }
        s.copyInto(EXP_AVG, m);
        s.copyInto(EXP_AVG_SQ, v);
        steps = s.steps();
    }

    @Override
    public OptimizerConfig config() {
        return config;
    }
}
