package dev.morse.cli;

import dev.morse.analysis.CriticalPoints;
import dev.morse.analysis.Trajectory;
import dev.morse.engine.Evaluator;
import dev.morse.engine.Part;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Runs the engine's optimizers ({@link CriticalPoints}) and joins their phases into one
 * trajectory. Gradient descent carries no state between iterations, so it runs in chunks with a
 * progress bar between them (the chunked run is exactly the unchunked one). L-BFGS and the Newton
 * methods keep state between iterations (curvature pairs, the trust radius), so each runs in one
 * call: Newton reports every iteration through a {@link CriticalPoints.Monitor}, L-BFGS shows the
 * elapsed time.
 */
final class Optimize {
    private Optimize() {}

    static final int GD_CHUNK = 100;
    /** Dense Newton steps (one eigendecomposition per iteration) up to this P, matrix-free Krylov steps above. */
    static final int NEWTON_DENSE_LIMIT = 3000;
    /** Krylov iterations (MINRES, or CG for newton_tr) per matrix-free Newton step. */
    static final int KRYLOV_ITER = 500;

    /**
     * Optimizer names accepted by {@code fit --optimizer}. Lower case: what users type. newton is
     * Newton on ∇L_R = 0 (any critical point); newton_tr is trust-region Newton minimization.
     */
    enum Name { lbfgs, gd, newton, lbfgs_newton, newton_tr }

    /** Settings of one run. {@code gradTol}: Double.MIN_VALUE means "to rounding level". */
    record Settings(Name optimizer, int maxIter, double gradTol, double learningRate, int history, int newtonIter, int newtonDenseLimit,
                    int krylovIter) {
        Settings(Name optimizer, int maxIter, double gradTol, double learningRate, int history, int newtonIter) {
            this(optimizer, maxIter, gradTol, learningRate, history, newtonIter, NEWTON_DENSE_LIMIT, KRYLOV_ITER);
        }
    }

    /**
     * One phase of a run: its optimizer, the iteration of the joined trajectory where it started,
     * its iteration limit (of the option {@link #limitOption} names), its own trajectory, and
     * whether another phase follows it (lbfgs_newton's L-BFGS: its tolerance is where it hands over).
     */
    record Phase(String name, int start, int limit, Trajectory trajectory, boolean handsOver) {}

    /**
     * A finished run: the joined trajectory, its phases, the tolerance used for the verdict, and
     * whether it converged by that tolerance.
     */
    record Run(Trajectory trajectory, List<Phase> phases, double gradTol, boolean converged) {

        /** The optimizer of each phase, in order (plot legends, the report's phases). */
        List<String> phaseNames() {
            return phases.stream().map(Phase::name).toList();
        }

        /** The iteration where each phase started, in order. */
        List<Integer> phaseStarts() {
            return phases.stream().map(Phase::start).toList();
        }

        /**
         * The iteration limits the run ran into, as options, in phase order: {@code --max-iter}
         * for an lbfgs or gd phase that reached its limit, {@code --newton-iter} for a newton or
         * newton_tr one. Empty when no phase stopped at its limit (it converged, stalled, or
         * diverged): raising a limit would change nothing then.
         */
        List<String> exhaustedLimits() {
            List<String> out = new ArrayList<>();
            for (Phase p : phases) {
                if (p.trajectory().reason() != Trajectory.StopReason.MAX_ITERATIONS) continue;
                String option = limitOption(p.name());
                if (!out.contains(option)) out.add(option);
            }
            return out;
        }

        /**
         * The iterations of a run that missed its tolerance, with why it stopped: one phase as
         * "3 iterations (iteration limit reached)", several as {@link #phasesText}. fit's and
         * morse's messages both say it so.
         */
        String stopText() {
            return phases.size() > 1 ? phasesText() : iterations(trajectory.iterations()) + " (" + stopWords(trajectory, false, gradTol) + ")";
        }

        /**
         * The iterations of a run of several phases, each against its own limit: "lbfgs 5000
         * iterations (iteration limit reached: --max-iter 5000), then newton 100 iterations
         * (iteration limit reached: --newton-iter 100)". The sum alone ("after 5100 iterations
         * (iteration limit 100 reached …)") set L-BFGS's and Newton's count against Newton's limit.
         * An L-BFGS phase that reached its tolerance handed over to Newton: it did not converge.
         */
        String phasesText() {
            List<String> out = new ArrayList<>();
            for (Phase p : phases) {
                Trajectory t = p.trajectory();
                String why = stopWords(t, p.handsOver(), gradTol);
                if (t.reason() == Trajectory.StopReason.MAX_ITERATIONS) why += ": " + limitOption(p.name()) + " " + p.limit();
                out.add(p.name() + " " + iterations(t.iterations()) + " (" + why + ")");
            }
            return String.join(", then ", out);
        }
    }

    /** "1 iteration", "3 iterations". */
    static String iterations(int n) {
        return n + (n == 1 ? " iteration" : " iterations");
    }

    /**
     * A phase's stop in words, the one wording of the progress line, fit's summary and a missed
     * tolerance. handsOver: a phase followed by another (lbfgs_newton's L-BFGS), whose tolerance
     * is where it hands over, not convergence. tol: the verdict tolerance (a stall below it is
     * the rounding level, not a failure).
     */
    static String stopWords(Trajectory t, boolean handsOver, double tol) {
        return switch (t.reason()) {
            case CONVERGED -> handsOver ? "handed over" : "converged";
            case MAX_ITERATIONS -> "iteration limit reached";
            case STALLED -> t.finalGradientNorm() <= tol ? "at rounding level: no step lowers ‖∇‖" : "stalled: no step makes progress";
            case DEGENERATE -> "stopped near a degenerate critical point: linear convergence";
            case DIVERGED -> "diverged";
        };
    }

    /** The option that limits a phase's iterations: --newton-iter for newton and newton_tr, --max-iter for lbfgs and gd. */
    static String limitOption(String phaseName) {
        return phaseName.startsWith("newton") ? "--newton-iter" : "--max-iter";
    }

    /**
     * The first things to try when a run misses its tolerance: raise the iteration limits it ran
     * into ({@link Run#exhaustedLimits}: raising another one changes nothing), then
     * {@code alternative} (null: none, e.g. when it is what ran). fit and morse add their own last resort.
     */
    static List<String> tries(Run run, String alternative) {
        List<String> tries = new ArrayList<>();
        List<String> limits = run.exhaustedLimits();
        if (!limits.isEmpty()) tries.add("raise " + String.join(" and ", limits));
        if (alternative != null) tries.add(alternative);
        return tries;
    }

    /** "a", "a or b", "a, b, or c". */
    static String either(List<String> items) {
        if (items.size() <= 2) return String.join(" or ", items);
        return String.join(", ", items.subList(0, items.size() - 1)) + ", or " + items.get(items.size() - 1);
    }

    /** Parses {@code --grad-tol}: a positive number, 0 or "spec" (SPEC default), or "rounding". */
    static double parseGradTol(String s) {
        String t = s.trim().toLowerCase(Locale.ROOT);
        if (t.equals("rounding") || t.equals("machine")) return Double.MIN_VALUE;
        if (t.equals("spec") || t.equals("default")) return 0;
        double v;
        try {
            v = dev.morse.io.Numbers.parseDouble(t);
        } catch (NumberFormatException e) {
            throw CliException.usage("--grad-tol " + s + ": expected a number, 'spec' (1e-10·max(1,|L_R|)) or 'rounding'");
        }
        if (!(v >= 0) || Double.isInfinite(v)) throw CliException.usage("--grad-tol " + s + ": must be finite and ≥ 0");
        return v;
    }

    /** The tolerance a verdict uses: the given one, or the SPEC default at this loss when 0 or "rounding". */
    static double verdictTol(double gradTol, double loss) {
        return gradTol > Double.MIN_VALUE ? gradTol : CriticalPoints.defaultGradTol(loss);
    }

    static Run run(Evaluator obj, double[] theta0, Settings s, Progress progress, String label) {
        List<Phase> parts = new ArrayList<>();
        double[] theta = theta0;
        switch (s.optimizer()) {
            case gd -> theta = phase(obj, theta, "gd", s.maxIter(), false, s, progress, label, parts);
            case lbfgs -> theta = phase(obj, theta, "lbfgs", s.maxIter(), false, s, progress, label, parts);
            case newton -> theta = phase(obj, theta, "newton", s.newtonIter(), false, s, progress, label, parts);
            case newton_tr -> theta = phase(obj, theta, "newton_tr", s.newtonIter(), false, s, progress, label, parts);
            case lbfgs_newton -> {
                // L-BFGS gets to the basin (to the SPEC tolerance at least), Newton finishes quadratically.
                Settings first = new Settings(s.optimizer(), s.maxIter(), s.gradTol() <= Double.MIN_VALUE ? 0 : s.gradTol(),
                        s.learningRate(), s.history(), s.newtonIter());
                theta = phase(obj, theta, "lbfgs", s.maxIter(), true, first, progress, label, parts);
                theta = phase(obj, theta, "newton", s.newtonIter(), false, s, progress, label, parts);
            }
        }
        Trajectory joined = join(parts.stream().map(Phase::trajectory).toList(), theta, String.join("+", parts.stream().map(Phase::name).toList()));
        boolean diverged = joined.reason() == Trajectory.StopReason.DIVERGED;
        // The SPEC tolerance 1e-10·max(1, |L_R|) scales with the loss: at the blown-up loss of a
        // diverged run it means nothing (gd at --lr 1e6 reported a tolerance of 58.5), so a
        // diverged run is judged, and reported, at the tolerance of its starting loss. It is not
        // converged whatever the tolerance.
        double tol = verdictTol(s.gradTol(), diverged ? joined.losses()[0] : joined.finalLoss());
        return new Run(joined, List.copyOf(parts), tol, !diverged && joined.finalGradientNorm() <= tol);
    }

    private static double[] phase(Evaluator obj, double[] theta, String name, int maxIter, boolean handsOver, Settings s, Progress progress, String label,
                                  List<Phase> parts) {
        int start = 0;
        for (Phase p : parts) start += p.trajectory().iterations();
        Progress.Task task = progress.start(label + " (" + name + ")", name.equals("lbfgs") ? 0 : maxIter);
        if (name.equals("lbfgs")) task.ticking();
        List<Trajectory> chunks = new ArrayList<>();
        CriticalPoints.Monitor monitor = (k, loss, g) -> task.update(k, String.format(Locale.ROOT, "loss %.3e, ‖∇‖ %.2e", loss, g));
        CriticalPoints.NewtonOptions newton = new CriticalPoints.NewtonOptions(maxIter, s.gradTol(), s.newtonDenseLimit(), s.krylovIter(), 0);
        // L-BFGS keeps at most as many pairs as it iterates: a longer history changes nothing but the memory.
        int history = Math.min(s.history(), Math.max(1, maxIter));
        if (name.equals("lbfgs")) Estimates.lbfgs(obj.dim(), history);
        if (name.startsWith("newton") && obj.dim() <= s.newtonDenseLimit()) Estimates.denseNewton(obj.dim());
        switch (name) {
            case "lbfgs" -> chunks.add(CriticalPoints.lbfgs(obj, theta, history, maxIter, s.gradTol()));
            case "newton" -> chunks.add(CriticalPoints.newton(obj, theta, newton, monitor));
            case "newton_tr" -> chunks.add(CriticalPoints.newtonTrustRegion(obj, theta, newton, monitor));
            default -> {
                int done = 0;
                Trajectory last;
                do {
                    last = CriticalPoints.gradientDescent(obj, theta, s.learningRate(), Math.min(maxIter - done, GD_CHUNK), s.gradTol());
                    chunks.add(last);
                    theta = last.theta();
                    done += last.iterations();
                    task.update(done, String.format(Locale.ROOT, "loss %.3e, ‖∇‖ %.2e", last.finalLoss(), last.finalGradientNorm()));
                } while (last.reason() == Trajectory.StopReason.MAX_ITERATIONS && last.iterations() > 0 && done < maxIter);
            }
        }
        theta = chunks.get(chunks.size() - 1).theta();
        Trajectory t = join(chunks, theta, name);
        parts.add(new Phase(name, start, maxIter, t, handsOver));
        String why = stopWords(t, handsOver, verdictTol(s.gradTol(), t.finalLoss()));
        task.done(t.iterations() + " iterations, " + why
                + String.format(Locale.ROOT, ", loss %.3e, ‖∇‖ %.2e", t.finalLoss(), t.finalGradientNorm()));
        return theta;
    }

    /** Joins consecutive trajectories (each starts where the previous ended; its first entry is dropped). */
    static Trajectory join(List<Trajectory> parts, double[] theta, String name) {
        int total = 1;
        for (Trajectory t : parts) total += t.iterations();
        double[] losses = new double[total], norms = new double[total];
        int k = 0;
        for (int p = 0; p < parts.size(); p++) {
            Trajectory t = parts.get(p);
            for (int i = p == 0 ? 0 : 1; i < t.losses().length; i++) {
                losses[k] = t.losses()[i];
                norms[k] = t.gradientNorms()[i];
                k++;
            }
        }
        Trajectory.StopReason reason = parts.isEmpty() ? Trajectory.StopReason.MAX_ITERATIONS : parts.get(parts.size() - 1).reason();
        String detail = parts.isEmpty() ? null : parts.get(parts.size() - 1).detail();
        Trajectory.Approach approach = parts.isEmpty() ? Trajectory.Approach.STEADY : parts.get(parts.size() - 1).approach();
        return new Trajectory(name, theta, java.util.Arrays.copyOf(losses, k), java.util.Arrays.copyOf(norms, k), reason, k - 1, detail, approach);
    }
}
