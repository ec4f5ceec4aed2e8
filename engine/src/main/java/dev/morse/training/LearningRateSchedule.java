package dev.morse.training;

import java.util.Locale;

/**
 * The learning rate of each step, from the base rate lr₀ (SPEC-free convention, stated here):
 * <ul>
 *   <li>{@code constant}: lr₀.
 *   <li>{@code step:S[:γ]}: lr₀·γ^⌊e/S⌋ in epoch e (0-based), γ = 0.1 by default: torch's
 *       {@code StepLR(step_size=S, gamma=γ)} stepped once per epoch. The power is taken by
 *       repeated multiplication, as torch's scheduler does.
 *   <li>{@code cosine[:W[:lr_min]]}: linear warm-up over the first W_s = round(W·B) steps
 *       (W epochs, B steps per epoch; W = 0 by default), lr₀·(t+1)/W_s at step t &lt; W_s, then
 *       lr_min + (lr₀ − lr_min)·(1 + cos(π (t − W_s)/(T − W_s)))/2 up to the last step T − 1
 *       (T = epochs·B steps; lr_min = 0 by default). Changes every step.
 * </ul>
 * Steps t are counted from 0 over the whole run. Cosine uses {@link StrictMath#cos} (bit-identical
 * in interpreted and compiled code, so a resumed run gets the very same rates).
 */
public final class LearningRateSchedule {

    /** The kinds of schedule. */
    public enum Kind { CONSTANT, STEP, COSINE }

    private final Kind kind;
    private final int stepSize;        // STEP: epochs per decay
    private final double gamma;        // STEP: factor
    private final double warmupEpochs; // COSINE
    private final double minLr;        // COSINE

    private LearningRateSchedule(Kind kind, int stepSize, double gamma, double warmupEpochs, double minLr) {
        this.kind = kind;
        this.stepSize = stepSize;
        this.gamma = gamma;
        this.warmupEpochs = warmupEpochs;
        this.minLr = minLr;
    }

    public static LearningRateSchedule constant() {
        return new LearningRateSchedule(Kind.CONSTANT, 0, 1, 0, 0);
    }

    public static LearningRateSchedule step(int stepSize, double gamma) {
        if (stepSize < 1) throw new IllegalArgumentException("step schedule: step size must be ≥ 1 epoch, got " + stepSize);
        if (!(gamma > 0) || Double.isInfinite(gamma)) throw new IllegalArgumentException("step schedule: gamma must be positive and finite, got " + gamma);
        return new LearningRateSchedule(Kind.STEP, stepSize, gamma, 0, 0);
    }

    public static LearningRateSchedule cosine(double warmupEpochs, double minLr) {
        if (!(warmupEpochs >= 0) || Double.isInfinite(warmupEpochs)) throw new IllegalArgumentException("cosine schedule: warm-up must be finite and ≥ 0 epochs, got " + warmupEpochs);
        if (!(minLr >= 0) || Double.isInfinite(minLr)) throw new IllegalArgumentException("cosine schedule: lr_min must be finite and ≥ 0, got " + minLr);
        return new LearningRateSchedule(Kind.COSINE, 0, 1, warmupEpochs, minLr);
    }

    /** Parses {@code constant}, {@code step:S[:γ]} or {@code cosine[:W[:lr_min]]} (see the class comment). */
    public static LearningRateSchedule parse(String spec) {
        if (spec == null || spec.isBlank()) throw new IllegalArgumentException("schedule is empty; expected constant, step:S[:gamma] or cosine[:warmup_epochs[:lr_min]]");
        String[] p = spec.trim().toLowerCase(Locale.ROOT).split(":", -1);
        try {
            return switch (p[0]) {
                case "constant" -> {
                    if (p.length > 1) throw new IllegalArgumentException("constant takes no parameter");
                    yield constant();
                }
                case "step" -> {
                    if (p.length < 2 || p.length > 3) throw new IllegalArgumentException("expected step:S[:gamma] (S epochs per decay)");
                    yield step(parseInt(p[1], "S"), p.length == 3 ? parseDouble(p[2], "gamma") : 0.1);
                }
                case "cosine" -> {
                    if (p.length > 3) throw new IllegalArgumentException("expected cosine[:warmup_epochs[:lr_min]]");
                    yield cosine(p.length > 1 ? parseDouble(p[1], "warmup_epochs") : 0, p.length > 2 ? parseDouble(p[2], "lr_min") : 0);
                }
                default -> throw new IllegalArgumentException("unknown schedule; expected constant, step:S[:gamma] or cosine[:warmup_epochs[:lr_min]]");
            };
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("schedule '" + spec + "': " + e.getMessage(), e);
        }
    }

    private static int parseInt(String s, String what) {
        try {
            return Integer.parseInt(s.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(what + " '" + s + "' is not an integer");
        }
    }

    private static double parseDouble(String s, String what) {
        try {
            return Double.parseDouble(s.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(what + " '" + s + "' is not a number");
        }
    }

    public Kind kind() {
        return kind;
    }

    /** W, the warm-up of a cosine schedule in epochs (0 otherwise). */
    public double warmupEpochs() {
        return kind == Kind.COSINE ? warmupEpochs : 0;
    }

    /** lr_min, the rate a cosine schedule ends at (0 otherwise). */
    public double minLr() {
        return kind == Kind.COSINE ? minLr : 0;
    }

    /** Whether the rates depend on the total number of epochs (cosine), so that a run cannot be extended. */
    public boolean dependsOnLength() {
        return kind == Kind.COSINE;
    }

    /**
     * The learning rate of global step {@code step} (0-based) in epoch {@code epoch} (0-based), for
     * base rate {@code base}, {@code stepsPerEpoch} steps per epoch and {@code epochs} epochs.
     */
    public double rate(double base, int epoch, long step, long stepsPerEpoch, int epochs) {
        return switch (kind) {
            case CONSTANT -> base;
            case STEP -> {
                double lr = base;
                for (int k = epoch / stepSize; k > 0; k--) lr *= gamma;
                yield lr;
            }
            case COSINE -> {
                long warm = warmupSteps(stepsPerEpoch);
                long total = (long) epochs * stepsPerEpoch;
                if (step < warm) yield base * (step + 1) / warm;
                long span = total - warm;
                if (span <= 0) yield base;
                double progress = Math.min(1.0, (double) (step - warm) / span);
                yield minLr + (base - minLr) * (1 + StrictMath.cos(Math.PI * progress)) / 2;
            }
        };
    }

    /** W_s = round(W·B), the warm-up steps of a cosine schedule (0 otherwise). */
    public long warmupSteps(long stepsPerEpoch) {
        return kind == Kind.COSINE ? Math.round(warmupEpochs * stepsPerEpoch) : 0;
    }

    /** Canonical text, parseable by {@link #parse}: {@code constant}, {@code step:30:0.1}, {@code cosine:1.0:0.0}. */
    public String spec() {
        return switch (kind) {
            case CONSTANT -> "constant";
            case STEP -> "step:" + stepSize + ":" + gamma;
            case COSINE -> "cosine:" + warmupEpochs + ":" + minLr;
        };
    }

    @Override
    public String toString() {
        return spec();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof LearningRateSchedule s && s.spec().equals(spec());
    }

    @Override
    public int hashCode() {
        return spec().hashCode();
    }
}
