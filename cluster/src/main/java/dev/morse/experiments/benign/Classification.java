package dev.morse.experiments.benign;

/**
 * What a run ended at. Decided in this order:
 * <ol>
 *   <li>{@code global} with reason {@code value_bound}: the run stopped when its objective, decreasing at
 *       every step, fell within the tolerance of the global value ({@link PreactivationGd.Status#VALUE_BOUND});</li>
 *   <li>{@code unconverged}: the run hit its step cap or diverged (never counted as spurious);</li>
 *   <li>{@code global}: L(θ*) − G_lower ≤ {@code global} tolerance (10⁻⁷, the authors'), with
 *       [G_lower, G_upper] the certified interval of the global value; {@code undetermined} if
 *       neither this nor L(θ*) − G_upper &gt; tolerance holds (the interval straddles the threshold);</li>
 *   <li>above the global value: {@code stalled} if any test of {@link EndPointAnalysis} finds a way
 *       down — not Clarke stationary ({@code clarkeNorm} &gt; {@code stationary}), a first-order
 *       descent direction ({@code descentRate} &gt; {@code descent}), certified negative curvature
 *       ({@code curvatureCertificate} &lt; −{@code curvature}), or second-order descent at a zero
 *       neuron ({@code zeroNeuronRatio} &gt; 1 + {@code zeroNeuron}); {@code undetermined} when only the
 *       curvature lower bound is below −{@code curvature} without a certificate; otherwise
 *       {@code spurious}: a true local minimum by every test, above the global value.</li>
 * </ol>
 */
public record Classification(Kind kind, String reason, Kind provisional) {

    public enum Kind {
        GLOBAL, SPURIOUS, STALLED, UNCONVERGED, UNDETERMINED;

        public String label() { return name().toLowerCase(java.util.Locale.ROOT); }

        public static Kind parse(String s) {
            for (Kind k : values()) if (k.label().equals(s)) return k;
            throw new IllegalArgumentException("unknown end-point class '" + s + "' (expected global, spurious, stalled, unconverged or undetermined)");
        }
    }

    /** Tolerances of the classification (see the class comment); {@link #defaults()} documents the values used. */
    public record Tolerances(double global, double stationary, double descent, double curvature, double zeroNeuron) {
        /** global 1e-7 (the authors'), stationary 1e-7, descent 1e-7, curvature 1e-6, zero-neuron ratio 1e-6. */
        public static Tolerances defaults() { return new Tolerances(1e-7, 1e-7, 1e-7, 1e-6, 1e-6); }
    }

    public static Classification of(PreactivationGd.Status status, EndPointAnalysis an, ConvexGlobal.Bounds global, Tolerances tol) {
        Classification point = ofPoint(an, global, tol);
        return switch (status) {
            case CONVERGED -> point;
            // The run stopped because its objective certified a global limit (see PreactivationGd.Status).
            case VALUE_BOUND -> new Classification(Kind.GLOBAL, "value_bound", Kind.GLOBAL);
            case MAX_STEPS -> new Classification(Kind.UNCONVERGED, "max_steps", point.kind());
            case DIVERGED -> new Classification(Kind.UNCONVERGED, "diverged", Kind.UNDETERMINED);
        };
    }

    /** The class of the point itself, as if the run had converged. */
    public static Classification ofPoint(EndPointAnalysis an, ConvexGlobal.Bounds global, Tolerances tol) {
        double obj = an.objective();
        if (obj - global.lower() <= tol.global()) return point(Kind.GLOBAL, "within_tolerance");
        if (!(obj - global.upper() > tol.global())) return point(Kind.UNDETERMINED, "global_value_not_certified_to_tolerance");
        if (!(an.clarkeNorm() <= tol.stationary())) return point(Kind.STALLED, "not_clarke_stationary");
        if (an.descentRate() > tol.descent()) return point(Kind.STALLED, "first_order_descent");
        if (an.curvatureCertificate() < -tol.curvature()) return point(Kind.STALLED, "negative_curvature");
        if (an.zeroNeurons() > 0 && an.zeroNeuronRatio() > 1 + tol.zeroNeuron()) return point(Kind.STALLED, "zero_neuron_descent");
        if (an.curvatureLowerBound() < -tol.curvature()) return point(Kind.UNDETERMINED, "curvature_inconclusive");
        return point(Kind.SPURIOUS, "local_minimum_conditions_hold");
    }

    private static Classification point(Kind k, String reason) { return new Classification(k, reason, k); }
}
