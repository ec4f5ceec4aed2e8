package dev.morse.engine;

import java.util.Locale;

/**
 * Per-sample losses ℓ(f, y) of SPEC §2. The objective is the mean over samples,
 * L(θ) = (1/N) Σ_n ℓ(f(x_n), y_n), matching PyTorch's default {@code reduction='mean'}.
 */
public enum Loss {
    /**
     * ℓ = (1/C) Σ_c (f_c − y_c)²: PyTorch {@code nn.MSELoss()} (mean over N·C entries).
     * ∂ℓ/∂f = (2/C)(f − y); output-space Hessian H_ℓ = (2/C) I.
     */
    MSE("mse"),
    /**
     * ℓ = −log softmax(f)_y with an integer class y: PyTorch {@code nn.CrossEntropyLoss()}.
     * ∂ℓ/∂f = p − e_y; H_ℓ = diag(p) − p pᵀ, p = softmax(f).
     */
    CROSS_ENTROPY("cross_entropy");

    private final String id;

    Loss(String id) {
        this.id = id;
    }

    /** The name used in reports and on the command line. */
    public String id() {
        return id;
    }

    /** Parses {@code mse} or {@code cross_entropy} (also {@code ce}). */
    public static Loss parse(String s) {
        String t = s == null ? "" : s.trim().toLowerCase(Locale.ROOT);
        return switch (t) {
            case "mse" -> MSE;
            case "cross_entropy", "crossentropy", "ce" -> CROSS_ENTROPY;
            default -> throw new IllegalArgumentException("unknown loss '" + s + "'; expected mse or cross_entropy");
        };
    }

    @Override
    public String toString() {
        return id;
    }
}
