package dev.morse.engine;

/** Which curvature operator a product applies (SPEC §5): ∇²L_R = G + M + (terms' part). */
public enum Part {
    /** ∇²L_R v: data Hessian plus the terms' part (regularizers). */
    HESSIAN,
    /** ∇²L v = G v + M v (data term only). */
    DATA_HESSIAN,
    /** G v, the generalized Gauss–Newton product. */
    GGN,
    /** M v, the nonlinear modeling error product. */
    NME,
    /** (∇²L_R − ∇²L) v, the terms' part (the regularizer's Hessian). */
    REGULARIZER;

    /** Lower-case name as in reports: hessian, data_hessian, ggn, nme, regularizer. */
    public String id() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
