package dev.morse.cluster;

/** Sweeps of real steps (tiny models) shared by the local and cluster tests. */
final class RealSpecs {
    private RealSpecs() {}

    /**
     * 2 × 4 × 2 = 16 tasks of init, fit, morse on a 2-4-1 tanh network (P = 17, N = 40). The tasks
     * with {@code max_iter = 2} fail by design: L-BFGS cannot reach ‖∇‖ ≤ 1e-8 in two iterations,
     * fit exits 3 ("numerical"), and the row is failed with fit's message and report. Weight decay
     * keeps the minima nondegenerate, so that morse's Newton refinement reaches rounding level
     * quickly (without it, a degenerate minimum may stop short of the SPEC tolerance: a failed row).
     */
    static String sixteen(String name) {
        return """
                {"name": "%s",
                 "base": {"model": "2-4-1", "activation": "tanh", "loss": "mse", "data": "teacher:n=40,width=2"},
                 "grid": {"reg": ["l2:1e-3", "l2:1e-2"], "seed": [0, 1, 2, 3], "max_iter": [2, 500]},
                 "steps": [{"init": {}}, {"fit": {"optimizer": "lbfgs", "grad_tol": "1e-8"}}, {"morse": {}}]}
                """.formatted(name);
    }
}
