package dev.morse.analysis;

import static dev.morse.analysis.MorseReport.LANCZOS_TOL;

import dev.morse.analysis.MorseReport.Listener;
import dev.morse.analysis.MorseReport.Options;
import dev.morse.engine.CurvatureOperator;
import dev.morse.engine.Evaluator;
import dev.morse.engine.Part;
import dev.morse.linalg.CholeskyFactorization;
import dev.morse.linalg.Inertia;
import dev.morse.linalg.LdltFactorization;
import dev.morse.linalg.Linalg;
import dev.morse.linalg.MemoryGuard;
import dev.morse.linalg.NativeThreads;
import dev.morse.linalg.NonFiniteValueException;
import dev.morse.linalg.ShiftedFactorization;
import dev.morse.spectra.DenseSpectrum;
import dev.morse.spectra.Lanczos;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;

/**
 * How {@link MorseReport#at} computes a report: the gradient test at θ, then one of the three
 * methods of {@link MorseReport}'s class comment (inertia, dense, lanczos), with the Lanczos runs
 * they share (‖H‖₂, ‖G‖₂, ‖M‖₂, the extremes, the eigenvalues nearest zero by shift-invert) and τ
 * from the norms. Kept apart from the record, which says what a report holds and means; this is
 * the procedure that fills it, phase by phase (the {@link Listener}'s phases and the timings).
 */
final class MorseCheck {


    private MorseCheck() {}

    /**
     * The report at θ ({@link MorseReport#at(Evaluator, double[], Options, Listener)});
     * {@code twoBuffers} overrides the memory plan of the inertia method (null: as the heap allows).
     */
    static MorseReport at(Evaluator ev, double[] theta, Options o, Listener listener, Boolean twoBuffers) {
        int p = ev.dim();
        checkDenseMemory(p, o);   // P is all the estimate needs: refuse before the gradient and Lanczos, not after
        dev.morse.linalg.Cancellation.check("the Morse check");
        Clock clock = new Clock();
        double[] g = new double[p];
        double loss = ev.lossAndGradient(theta, g);
        requireFinite(loss, g, theta);
        double gn = CriticalPoints.norm(g);
        double gradTol = o.gradTol() > 0 ? o.gradTol() : CriticalPoints.defaultGradTol(loss);
        boolean critical = gn <= gradTol;
        clock.lap("gradient");
        Point pt = new Point(loss, gn, gradTol, critical, critical ? null
                : "θ is not a critical point (‖∇L_R‖ = " + MorseReport.fmt(gn) + " > grad_tol = " + MorseReport.fmt(gradTol)
                        + "); the Morse test is about critical points: refine first.");
        if (p > o.denseLimit()) return lanczosOnly(ev, theta, o, pt, listener, clock);
        if (o.spectra()) return spectra(ev, theta, o, pt, listener, clock);
        return inertia(ev, theta, o, pt, listener, clock, twoBuffers);
    }

    /**
     * Refuses a dense report (P ≤ the dense limit) whose matrices the heap cannot hold, before any
     * work: one P×P buffer for the counts (a second one, for speed, only when it fits; with the
     * column blocks about 1.05 P² doubles), three for the full spectra. The advice names what a
     * report user can change: the dense limit ({@link Options#withDenseLimit}, the CLI's
     * {@code --dense-limit}) that takes the matrix-free path, or the heap.
     */
    static void checkDenseMemory(int p, Options o) {
        if (p > o.denseLimit()) return;
        String limit = "the dense limit below P = " + p + " (MorseReport.Options.withDenseLimit, the CLI's --dense-limit) for the "
                + "matrix-free report (Lanczos's extreme eigenvalues; no counts), or raise -Xmx.";
        if (o.spectra()) {
            MemoryGuard.check("Morse check with full spectra: dense H, G and M (P=" + p + ")", (double) p * p, MorseReport.denseBytes(p, true),
                    "Leave out the spectra (Options.withSpectra(false): the counts need one P×P matrix), lower " + limit);
        } else {
            MemoryGuard.check("Morse check: dense Hessian (P=" + p + ")", (double) p * p, MorseReport.denseBytes(p, false), "Lower " + limit);
        }
    }


    /**
     * Refuses a point where L_R or ∇L_R is not finite (the loss overflows in float64 there, e.g.
     * weights of 1e200): the curvature is not finite either, and the methods below would fail later
     * naming one of their own vectors. θ itself is finite (the evaluator refuses it otherwise, an
     * argument error): these values were computed from it, so their overflow is a numerical
     * failure of the run ({@link NonFiniteValueException}, exit 3 in the CLI), not a bad argument.
     */
    static void requireFinite(double loss, double[] g, double[] theta) {
        String what = null;
        if (!Double.isFinite(loss)) what = "L_R(θ) = " + loss;
        int i = what == null ? dev.morse.simd.KernelProvider.get().firstNonFinite(g.length, g, 0) : -1;
        if (i >= 0) what = "∂L_R/∂θ_" + i + " = " + g[i];
        if (what == null) return;
        double big = 0;
        for (double t : theta) big = Math.max(big, Math.abs(t));
        throw new NonFiniteValueException("non-finite loss or gradient at θ: " + what + " (the largest |θ_i| is " + MorseReport.fmt(big)
                + "); the loss or its derivatives overflow in float64 at this θ, so its curvature is not finite either: "
                + "check the weights and the regularizer's coefficients");
    }

    /** L_R, ‖∇L_R‖, grad_tol, criticality and the warning at θ. */
    private record Point(double loss, double gradientNorm, double gradTol, boolean critical, String warning) {}

    /** Seconds per phase, in order. */
    private static final class Clock {
        final Map<String, Double> laps = new LinkedHashMap<>();
        long last = System.nanoTime();

        void lap(String name) {
            long now = System.nanoTime();
            laps.merge(name, (now - last) * 1e-9, Double::sum);
            last = now;
        }

        Map<String, Double> done() {
            return Collections.unmodifiableMap(new LinkedHashMap<>(laps));
        }
    }

    /** ‖·‖₂ estimates from Lanczos on the products: extremes of H (k at each end), ‖G‖₂, ‖M‖₂. */
    private record Norms(double[] extremes, double[] residuals, double h, double g, double m, double r, boolean converged) {}

    /**
     * ‖H‖₂, ‖G‖₂, ‖M‖₂ by Lanczos (the largest |λ| of each: fast, the dominant end). With
     * {@code extremes} (above the dense limit, where they are all the report has) also the k
     * extreme eigenvalues of H at each end, which takes longer: near a minimum the bottom of the
     * spectrum is a cluster next to zero, relative to ‖H‖.
     */
    private static Norms lanczosNorms(Evaluator ev, double[] theta, Options o, Listener listener, boolean extremes) {
        int p = ev.dim();
        listener.phase(extremes ? "Lanczos: extreme eigenvalues of H, ‖G‖₂ and ‖M‖₂ (exact products)" : "Lanczos: ‖H‖₂, ‖G‖₂ and ‖M‖₂ (exact products)");
        Lanczos.Result h = Lanczos.run(CurvatureOperator.hessian(ev, theta), new Lanczos.Options().k(extremes ? Math.min(o.nearest(), p) : 1)
                .which(extremes ? Lanczos.Which.BOTH : Lanczos.Which.MAGNITUDE).tol(LANCZOS_TOL).maxRestarts(o.lanczosRestarts()));
        Lanczos.Result gl = Lanczos.run(CurvatureOperator.ggn(ev, theta), new Lanczos.Options().k(1).which(Lanczos.Which.MAGNITUDE)
                .tol(LANCZOS_TOL).maxRestarts(o.lanczosRestarts()));
        Lanczos.Result ml = Lanczos.run(CurvatureOperator.nme(ev, theta), new Lanczos.Options().k(1).which(Lanczos.Which.MAGNITUDE)
                .tol(LANCZOS_TOL).maxRestarts(o.lanczosRestarts()));
        double[] diag = ev.problem().termsHessianDiagonal();
        return new Norms(h.ritzValues(), h.residuals(), EigenvalueCounts.spectralNorm(h.ritzValues()), EigenvalueCounts.spectralNorm(gl.ritzValues()),
                EigenvalueCounts.spectralNorm(ml.ritzValues()), diag == null ? Double.NaN : EigenvalueCounts.spectralNorm(diag),
                h.allConverged() && gl.allConverged() && ml.allConverged());
    }

    /** The extremes of the inertia method: values ascending, residuals, and whether Lanczos converged. */
    private record Extremes(double[] values, double[] residuals, boolean converged) {}

    /**
     * The {@link MorseReport#INERTIA_EXTREMES} largest eigenvalues of H by Lanczos (fast: the top end is well
     * separated), and the smallest: at a point of index 0 they are the eigenvalues nearest zero,
     * already known from shift-invert (plain Lanczos would crawl through the cluster next to zero);
     * otherwise the most negative ones, by Lanczos, within a bounded budget of restarts (they are
     * for reading, the counts do not use them).
     */
    private static Extremes extremes(Evaluator ev, double[] theta, Options o, int index, double[] near, double[] nearRes) {
        int p = ev.dim();
        int k = Math.min(MorseReport.INERTIA_EXTREMES, p);
        int restarts = Math.min(o.lanczosRestarts(), 30);
        Lanczos.Result top = Lanczos.run(CurvatureOperator.hessian(ev, theta), new Lanczos.Options().k(k).which(Lanczos.Which.LARGEST)
                .tol(LANCZOS_TOL).maxRestarts(restarts));
        double[] bottom, bottomRes;
        boolean converged = top.allConverged();
        if (index == 0 && near.length > 0) {
            Integer[] order = new Integer[near.length];
            for (int i = 0; i < order.length; i++) order[i] = i;
            Arrays.sort(order, (a, b) -> Double.compare(near[a], near[b]));
            int m = Math.min(k, near.length);
            bottom = new double[m];
            bottomRes = new double[m];
            for (int i = 0; i < m; i++) {
                bottom[i] = near[order[i]];
                bottomRes[i] = nearRes[order[i]];
            }
        } else {
            Lanczos.Result low = Lanczos.run(CurvatureOperator.hessian(ev, theta), new Lanczos.Options().k(k).which(Lanczos.Which.SMALLEST)
                    .tol(LANCZOS_TOL).maxRestarts(restarts));
            bottom = low.ritzValues();
            bottomRes = low.residuals();
            converged &= low.allConverged();
        }
        if (bottom.length + top.ritzValues().length > p) {   // tiny P: the two ends overlap; keep the top run's values
            return new Extremes(top.ritzValues(), top.residuals(), converged);
        }
        double[] v = new double[bottom.length + k], r = new double[bottom.length + k];
        System.arraycopy(bottom, 0, v, 0, bottom.length);
        System.arraycopy(bottomRes, 0, r, 0, bottom.length);
        System.arraycopy(top.ritzValues(), 0, v, bottom.length, k);
        System.arraycopy(top.residuals(), 0, r, bottom.length, k);
        return new Extremes(v, r, converged);
    }

    /** τ from the norms by the rule of the class comment; returns {scale, τ}. */
    private static double[] tau(Evaluator ev, Options o, double h, double g, double m, double r) {
        boolean parts = DenseHessian.fromParts(ev);
        double scale = parts ? g + m + r : h;
        return new double[] {scale, EigenvalueCounts.tau(o.tauFactor(), ev.dim(), scale, o.absoluteTolerance())};
    }

    private static MorseReport inertia(Evaluator ev, double[] theta, Options o, Point pt, Listener listener, Clock clock, Boolean twoBuffers) {
        int p = ev.dim();
        Norms nm = lanczosNorms(ev, theta, o, listener, false);
        clock.lap("lanczos");
        double[] st = tau(ev, o, nm.h(), nm.g(), nm.m(), nm.r());
        double tau = st[1];
        String source = DenseHessian.fromParts(ev) ? "parts" : "hessian";

        // One P×P buffer is required; a second one (a copy of H) when it fits.
        String what = "Morse check: dense Hessian (P=" + p + ")";
        checkDenseMemory(p, o);   // again: the heap may have changed since the start
        boolean two = tau > 0 && (twoBuffers != null ? twoBuffers : MemoryGuard.fits(p, p, 2.05));
        String buffers = (two ? "two P×P buffers of " : "one P×P buffer of ") + MemoryGuard.formatBytes(8.0 * p * p);
        listener.phase("materializing H = " + (DenseHessian.fromParts(ev) ? "G + M + R″" : "Hessian products") + " (" + p + "×" + p + "; " + buffers + ")");
        double[] h = MemoryGuard.allocateDense(p, p, what);
        clock.lap("allocate");   // the JVM zeroes the buffer: 0.1–0.4 s at P = 9550, no part of the assembly's rate
        DenseHessian.Parts parts = DenseHessian.assemble(ev, theta, h, listener);
        int assemblies = 1;
        double trH = 0, trG = 0, trM = 0;
        for (int i = 0; i < p; i++) {
            trH += h[i * p + i];
            trG += parts.ggnDiagonal()[i];
            trM += parts.nmeDiagonal()[i];
        }
        double fH = DenseHessian.frobeniusSquaredLower(h, p);
        clock.lap("materialize");

        // The counts. H − τI first: when every eigenvalue exceeds τ (a nondegenerate minimum, the
        // usual point after a fit) that one factorization settles index = nullity = 0, and the
        // fastest way to find out is a Cholesky factorization (OpenBLAS's parallel dpotrf). It is
        // tried unless a short Lanczos probe already shows an eigenvalue below −τ (a Ritz value is
        // an upper bound of λ_min, so that is certain). With a copy of H a breakdown costs the copy
        // back; with one buffer, H assembled again.
        Linalg la = Linalg.get();
        Inertia atMinus = null, atPlus = null;   // the inertias of H + τI and H − τI (null: not needed)
        ShiftedFactorization solver = null;      // a factor to solve with, for shift-invert
        String plan;
        boolean indefinite = false;
        if (tau > 0) {
            listener.phase("Lanczos probe for negative curvature (exact products)");
            Lanczos.Result probe = Lanczos.run(CurvatureOperator.hessian(ev, theta), new Lanczos.Options().k(1).which(Lanczos.Which.SMALLEST)
                    .basis(Math.min(p, 30)).maxRestarts(1));
            indefinite = probe.ritzValues().length > 0 && probe.ritzValues()[0] < -tau;
            clock.lap("lanczos");
        }
        if (tau == 0 && NearestZero.zeroLower(h, p)) {
            // s = 0 and H = 0 exactly, every entry (a deep linear network at the origin): every
            // eigenvalue is 0, the counts and the nearest-zero values need no factorization.
            atMinus = atPlus = new Inertia(0, p, 0);
            plan = buffers + ": τ = 0 and H = 0 exactly (every entry), so every eigenvalue is 0: nothing to factor";
        } else if (tau == 0) {
            listener.phase("LDLᵀ factorization of H (dsytrf)");
            LdltFactorization f;
            try (NativeThreads.Scope s = ev.nativeScope()) {
                f = la.ldltInPlace(h, p, 0);
            }
            atMinus = atPlus = f.inertia();
            solver = f;
            plan = buffers + ": τ = 0, one LDLᵀ factorization";
        } else {
            double[] h2 = two ? h.clone() : null;
            boolean settled = false;
            String how = "";
            if (!indefinite) {
                listener.phase("Cholesky factorization of H − τI (dpotrf): is every eigenvalue above τ?");
                CholeskyFactorization chol;
                try (NativeThreads.Scope s = ev.nativeScope()) {
                    chol = la.choleskyInPlace(h, p, tau);
                }
                clock.lap("factorization");
                if (chol.positiveDefinite()) {
                    solver = chol;
                    settled = true;
                    how = "the Cholesky factorization of H − τI showed every eigenvalue above τ";
                } else {
                    how = "H − τI is not positive definite (Cholesky broke down at " + chol.failedAt() + "), so ";
                    if (two) {
                        System.arraycopy(h2, 0, h, 0, h.length);
                    } else {
                        listener.phase("materializing H again (" + p + "×" + p + ")");
                        DenseHessian.assemble(ev, theta, h, listener);
                        assemblies++;
                        clock.lap("materialize");
                    }
                }
            } else {
                how = "Lanczos found an eigenvalue below −τ, so ";
            }
            if (!settled && two) {
                listener.phase("LDLᵀ factorizations of H + τI and H − τI (dsytrf, side by side)");
                LdltFactorization[] fs = factorSideBySide(la, h, h2, p, tau, ev.threads());
                atMinus = fs[0].inertia();
                atPlus = fs[1].inertia();
                solver = !fs[1].singular() ? fs[1] : fs[0];
                how += "H + τI and H − τI were factored side by side (LDLᵀ)";
            } else if (!settled) {
                listener.phase("LDLᵀ factorization of H − τI (dsytrf)");
                LdltFactorization plus;
                try (NativeThreads.Scope s = ev.nativeScope()) {
                    plus = la.ldltInPlace(h, p, tau);
                }
                atPlus = plus.inertia();
                solver = plus;
                how += "LDLᵀ of H − τI";
                if (atPlus.negative() + atPlus.zero() == 0) {
                    atPlus = null;   // every eigenvalue above τ after all (the two agree up to rounding)
                    how += " showed every eigenvalue above τ";
                } else {
                    clock.lap("factorization");
                    listener.phase("materializing H again for the second shift (" + p + "×" + p + ")");
                    DenseHessian.assemble(ev, theta, h, listener);
                    assemblies++;
                    clock.lap("materialize");
                    listener.phase("LDLᵀ factorization of H + τI (dsytrf)");
                    LdltFactorization minus;
                    try (NativeThreads.Scope s = ev.nativeScope()) {
                        minus = la.ldltInPlace(h, p, -tau);
                    }
                    atMinus = minus.inertia();
                    solver = minus;   // H − τI's factor was overwritten by the assembly
                    how += ", then H assembled again for H + τI";
                }
            }
            plan = buffers + (two ? "" : " (two do not fit in the heap)") + ": " + how;
        }
        clock.lap("factorization");
        double flops = assemblies * parts.flops();

        // The eigenvalues nearest zero: shift-invert Lanczos on a factor that is not singular (none when H = 0).
        NearestZero nz;
        if (solver == null) {
            nz = NearestZero.zeroHessian(ev, theta, o.nearest());
        } else {
            listener.phase("shift-invert Lanczos for the eigenvalues nearest zero (" + (solver instanceof CholeskyFactorization ? "dpotrs" : "dsytrs") + ")");
            nz = solver.singular() ? null : NearestZero.shiftInvert(ev, theta, solver, o.nearest(), nm.h());
        }
        clock.lap("shift_invert");

        double[] near = nz == null ? new double[0] : nz.values();
        double minAbs = near.length == 0 ? Double.NaN : Math.abs(near[0]);
        String warning = pt.warning();
        if (atMinus != null && atPlus != null && !EigenvalueCounts.consistent(atMinus, atPlus)) {
            // Only when τ is below the rounding level of H (an absolute tolerance far below c·P·ε·s):
            // the two factorizations, each exact for a matrix within rounding of H, then disagree.
            warning = join(warning, "the inertias at −τ " + atMinus + " and +τ " + atPlus + " are inconsistent: τ = " + tau
                    + " is below the rounding level of H; use a larger --abs-tol or the default τ.");
            return new MorseReport(p, pt.loss(), pt.gradientNorm(), pt.gradTol(), pt.critical(), "inertia", nm.h(), nm.g(), nm.m(), nm.r(), "lanczos",
                    source, st[0], o.tauFactor(), o.absoluteTolerance(), tau, -1, -1, -1, false, false, minAbs,
                    EigenvalueCounts.ratio(minAbs, tau), null, new double[0], new double[0], near,
                    nz == null ? new double[0] : nz.residuals(), null, null, trH, trG, trM,
                    fH > 0 ? Math.sqrt(parts.nmeFrobeniusSquared() / fH) : 0, plan, clock.done(), flops, warning);
        }
        EigenvalueCounts c = atPlus == null && atMinus == null ? EigenvalueCounts.aboveTau(tau, p, minAbs, near)
                : EigenvalueCounts.ofInertia(tau, atMinus, atPlus, minAbs, near);
        listener.phase("Lanczos: the extreme eigenvalues of H (exact products)");
        Extremes ex = extremes(ev, theta, o, c.index(), near, nz == null ? new double[0] : nz.residuals());
        clock.lap("lanczos");
        if (!nm.converged()) warning = join(warning, "Lanczos did not converge for ‖H‖₂, ‖G‖₂ or ‖M‖₂ (τ is an estimate).");
        if (!ex.converged()) warning = join(warning, "Lanczos did not converge for the extreme eigenvalues within its budget (estimates; see their residuals).");
        // The reported pairs have verified residuals; Lanczos's own flag matters when some were dropped.
        boolean nearOk = nz != null && nz.values().length > 0;
        if (nz == null) {
            warning = join(warning, "the factor at hand has an exactly zero pivot (an eigenvalue at ±τ): the eigenvalues nearest zero were not computed.");
        } else if (nz.dropped() > 0) {
            // The nearest ones, min |λ| among them, are verified: a note, not a failure. A pair
            // nearer zero than a verified one missing its residual, or none verified, is a failure
            // (at a degenerate point the cluster at the shift may hold such pairs: a note).
            boolean degenerate = c.nullity() > 0;
            warning = join(warning, nz.note(degenerate));
            if (!(degenerate || nz.nearestFirst()) || nz.values().length == 0) nearOk = false;
        }
        return new MorseReport(p, pt.loss(), pt.gradientNorm(), pt.gradTol(), pt.critical(), "inertia", nm.h(), nm.g(), nm.m(), nm.r(), "lanczos",
                source, st[0], o.tauFactor(), o.absoluteTolerance(), tau, c.index(), c.nullity(), c.positive(), true,
                nm.converged() && nearOk, c.minAbs(), c.minAbsOverTau(), null, ex.values(), ex.residuals(), near,
                nz == null ? new double[0] : nz.residuals(), null, null, trH, trG, trM, fH > 0 ? Math.sqrt(parts.nmeFrobeniusSquared() / fH) : 0,
                plan, clock.done(), flops, warning);
    }

    private static String join(String a, String b) {
        return a == null ? b : a + " " + b;
    }

    /**
     * H + τI (in a) and H − τI (in b) factored at the same time on two threads, OpenBLAS at one
     * thread each when the budget is small (on 2 cores this beats one threaded factorization after
     * the other: the Bunch–Kaufman panel is level-2 BLAS and scales poorly), else one after the
     * other with every thread.
     */
    private static LdltFactorization[] factorSideBySide(Linalg la, double[] a, double[] b, int p, double tau, int threads) {
        if (threads > 3) {
            try (NativeThreads.Scope s = NativeThreads.dense(threads)) {
                return new LdltFactorization[] {la.ldltInPlace(a, p, -tau), la.ldltInPlace(b, p, tau)};
            }
        }
        try (NativeThreads.Scope s = NativeThreads.dense(1)) {
            FutureTask<LdltFactorization> other = new FutureTask<>(() -> la.ldltInPlace(b, p, tau));
            Thread.ofPlatform().name("morse-ldlt").daemon(true).start(other);
            LdltFactorization first;
            try {
                first = la.ldltInPlace(a, p, -tau);
            } catch (RuntimeException | Error e) {
                if (awaitEnd(other)) Thread.currentThread().interrupt();   // never leave the scope while the other dsytrf still writes b
                throw e;
            }
            boolean interrupted = awaitEnd(other);
            if (interrupted) {
                Thread.currentThread().interrupt();
                throw new java.util.concurrent.CancellationException("the Morse check was interrupted while factoring H − τI");
            }
            try {
                return new LdltFactorization[] {first, other.get()};
            } catch (InterruptedException e) {
                throw new AssertionError("the task has ended", e);
            } catch (ExecutionException e) {
                if (e.getCause() instanceof RuntimeException re) throw re;
                if (e.getCause() instanceof Error er) throw er;
                throw new IllegalStateException(e.getCause());
            }
        }
    }

    /**
     * Waits for {@code task} to end, through interrupts (LAPACK cannot be interrupted: the other
     * factorization runs under the caller's thread-count scope and holds its buffer until it
     * returns). Returns whether an interrupt came meanwhile; the flag is then clear.
     */
    private static boolean awaitEnd(FutureTask<?> task) {
        boolean interrupted = false;
        while (true) {
            try {
                task.get();
                return interrupted;
            } catch (InterruptedException e) {
                interrupted = true;
            } catch (ExecutionException e) {
                return interrupted;
            }
        }
    }

    /** The full spectra of H, G and M (three P×P matrices, dsyevd): counts from the eigenvalues. */
    private static MorseReport spectra(Evaluator ev, double[] theta, Options o, Point pt, Listener listener, Clock clock) {
        int p = ev.dim();
        checkDenseMemory(p, o);   // again: the heap may have changed since the start
        listener.phase("materializing G and M (" + p + "×" + p + " each)");
        double[] gg = ev.dense(Part.GGN, theta, (d, t) -> listener.update(d, 2 * t));
        double[] mm = ev.dense(Part.NME, theta, (d, t) -> listener.update(t + d, 2 * t));
        double[] diag = ev.problem().termsHessianDiagonal();
        double[] h;
        if (diag != null) {
            // H = G + M + R″ (SPEC §5): the terms' part is a diagonal and costs nothing.
            h = new double[p * p];
            for (int i = 0; i < h.length; i++) h[i] = gg[i] + mm[i];
            for (int i = 0; i < p; i++) h[i * p + i] += diag[i];
        } else {
            listener.phase("materializing H (" + p + "×" + p + ")");
            h = ev.dense(Part.HESSIAN, theta, listener);
        }
        double trH = 0, trG = 0, trM = 0, fH = 0, fM = 0;
        for (int i = 0; i < p; i++) {
            trH += h[i * p + i];
            trG += gg[i * p + i];
            trM += mm[i * p + i];
        }
        for (int i = 0; i < p * p; i++) {
            fH += h[i] * h[i];
            fM += mm[i] * mm[i];
        }
        clock.lap("materialize");
        // Exactly symmetric (ev.dense mirrors the lower triangle, the one dsyevd reads): refused naming the entry, not by LAPACK's input check.
        DenseSpectrum.requireFiniteAssembled(h, p, true, DenseHessian.forMorseCheck("H", CurvatureOperator::hessian, ev, theta));
        DenseSpectrum.requireFiniteAssembled(gg, p, true, DenseHessian.forMorseCheck("G", CurvatureOperator::ggn, ev, theta));
        DenseSpectrum.requireFiniteAssembled(mm, p, true, DenseHessian.forMorseCheck("M", CurvatureOperator::nme, ev, theta));
        listener.phase("eigendecompositions of H, G and M (dsyevd)");
        Linalg la = Linalg.get();
        double[] evH, evG, evM;
        // Three P×P eigendecompositions (dsyevd runs them on one OpenBLAS thread: the same bits for any count).
        try (NativeThreads.Scope s = ev.nativeScope()) {
            evH = la.eighInPlace(h, p, false).values();
            evG = la.eighInPlace(gg, p, false).values();
            evM = la.eighInPlace(mm, p, false).values();
        }
        clock.lap("eigendecomposition");
        double hn = EigenvalueCounts.spectralNorm(evH);
        double gNorm = EigenvalueCounts.spectralNorm(evG);
        double mNorm = EigenvalueCounts.spectralNorm(evM);
        double rNorm = diag == null ? Double.NaN : EigenvalueCounts.spectralNorm(diag);
        double[] st = tau(ev, o, hn, gNorm, mNorm, rNorm);
        double tau = st[1];
        EigenvalueCounts c = EigenvalueCounts.of(evH, tau, o.nearest());
        int k = Math.min(o.nearest(), p);
        double[] extremes;
        if (2 * k >= p) {
            extremes = evH.clone();
        } else {
            extremes = new double[2 * k];
            System.arraycopy(evH, 0, extremes, 0, k);
            System.arraycopy(evH, p - k, extremes, k, k);
        }
        return new MorseReport(p, pt.loss(), pt.gradientNorm(), pt.gradTol(), pt.critical(), "dense", hn, gNorm, mNorm, rNorm, "eigenvalues",
                diag != null ? "parts" : "hessian", st[0], o.tauFactor(), o.absoluteTolerance(), tau, c.index(), c.nullity(), c.positive(), true, true,
                c.minAbs(), c.minAbsOverTau(), evH, extremes, new double[extremes.length], c.nearestZero(), new double[c.nearestZero().length], evG, evM,
                trH, trG, trM, fH > 0 ? Math.sqrt(fM / fH) : 0, "three P×P matrices of " + MemoryGuard.formatBytes(8.0 * p * p), clock.done(),
                DenseHessian.denseFlops(ev, "ggn") + DenseHessian.denseFlops(ev, "nme") + (diag == null ? DenseHessian.denseFlops(ev, "hessian") : 0), pt.warning());
    }

    private static MorseReport lanczosOnly(Evaluator ev, double[] theta, Options o, Point pt, Listener listener, Clock clock) {
        int p = ev.dim();
        Norms nm = lanczosNorms(ev, theta, o, listener, true);
        clock.lap("lanczos");
        double[] st = tau(ev, o, nm.h(), nm.g(), nm.m(), nm.r());
        String w = join(pt.warning(), "P = " + p + " exceeds the dense limit " + o.denseLimit()
                + ": only the extreme eigenvalues (Lanczos) are reported; index and nullity need the dense matrix.")
                + (nm.converged() ? "" : " Lanczos did not converge: the extremes are estimates (see their residuals).");
        return new MorseReport(p, pt.loss(), pt.gradientNorm(), pt.gradTol(), pt.critical(), "lanczos", nm.h(), nm.g(), nm.m(), nm.r(), "lanczos",
                DenseHessian.fromParts(ev) ? "parts" : "hessian", st[0], o.tauFactor(), o.absoluteTolerance(), st[1], -1, -1, -1, false,
                nm.converged(), Double.NaN, Double.NaN, null, nm.extremes(), nm.residuals(), new double[0], new double[0], null, null,
                Double.NaN, Double.NaN, Double.NaN, Double.NaN, "no dense matrix", clock.done(), 0, w);
    }
}
