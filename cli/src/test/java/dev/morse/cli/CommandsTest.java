package dev.morse.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.morse.io.Npy;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The other commands end to end, exit codes, messages, config files, overwrite protection and plots. */
class CommandsTest {

    @TempDir
    Path dir;

    String[] tiny;

    @BeforeEach
    void setUp() throws Exception {
        tiny = SpectrumReferenceTest.writeTinyProblem(dir);
    }

    private String[] with(String command, String[] problem, String... extra) {
        List<String> a = new ArrayList<>();
        a.add(command);
        a.addAll(Arrays.asList(problem));
        a.addAll(Arrays.asList(extra));
        return a.toArray(new String[0]);
    }

    private double exactTrace() throws Exception {
        double s = 0;
        for (double l : Cli.doubles(((Map<?, ?>) SpectrumReferenceTest.reference().get("plain")).get("hessian_eigvals_asc"))) s += l;
        return s;
    }

    @Test
    void traceBudgetsAbovePAreReplacedByTheExactTrace() throws Exception {
        Path json = dir.resolve("t.json");
        Cli.Result r = Cli.run(with("trace", tiny, "--method", "hutchpp", "--probes", "63", "--json", json.toString()));
        assertEquals(0, r.code(), r.toString());
        Map<String, Object> rep = Cli.json(json);
        assertEquals("exact", rep.get("method"), "a budget of 63 > P = 21 products: the exact trace is cheaper");
        assertEquals(exactTrace(), Cli.num(rep, "estimate"), 1e-12);
        assertEquals(0, Cli.num(rep, "standard_error"), 0);
        assertEquals(21, Cli.num(rep, "products"), 0);
        assertTrue(((String) rep.get("note")).contains("--probes 63 > P = 21"), rep.get("note").toString());
        assertTrue(r.err().contains("exact trace costs only P products"), r.err());

        // trace --probes 2147483647 on P = 21 used to run for hours.
        Cli.Result huge = Cli.run(with("trace", tiny, "--method", "hutchinson", "--probes", "2147483647"));
        assertEquals(0, huge.code(), huge.toString());
        assertTrue(huge.out().contains("exact"), huge.out());

        Path exact = dir.resolve("e.json");
        assertEquals(0, Cli.run(with("trace", tiny, "--method", "exact", "--json", exact.toString())).code());
        assertEquals(exactTrace(), Cli.num(Cli.json(exact), "estimate"), 1e-12);

        Path json2 = dir.resolve("t2.json");
        assertEquals(0, Cli.run(with("trace", tiny, "--method", "hutchinson", "--probes", "20", "--json", json2.toString())).code());
        Map<String, Object> h = Cli.json(json2);
        assertEquals("hutchinson", h.get("method"));
        double se = Cli.num(h, "standard_error");
        assertTrue(se > 0 && Math.abs(Cli.num(h, "estimate") - exactTrace()) < 5 * se, "Hutchinson within 5 standard errors: " + h.get("estimate"));

        Path json3 = dir.resolve("t3.json");
        assertEquals(0, Cli.run(with("trace", tiny, "--method", "hutchpp", "--probes", "18", "--json", json3.toString())).code());
        assertEquals("hutch++", Cli.json(json3).get("method"));
        assertEquals(18, Cli.num(Cli.json(json3), "products"), 0);
    }

    @Test
    void densityIntegratesToOneAndPlotsAValidPng() throws Exception {
        Path json = dir.resolve("d.json");
        Path plots = dir.resolve("plots");
        Cli.Result r = Cli.run(with("density", tiny, "--probes", "4", "--steps", "21", "--grid", "400", "--json", json.toString(),
                "--plots", plots.toString(), "--log-scale"));
        assertEquals(0, r.code(), r.toString());
        Map<String, Object> rep = Cli.json(json);
        double[] grid = Cli.doubles(rep.get("grid")), d = Cli.doubles(rep.get("density"));
        assertEquals(400, grid.length);
        double integral = 0;
        for (int i = 1; i < grid.length; i++) integral += 0.5 * (d[i] + d[i - 1]) * (grid[i] - grid[i - 1]);
        assertEquals(1.0, integral, 1e-3, "SLQ density integrates to 1");
        assertTrue(Cli.num(rep, "sigma") > 0);
        assertEquals(4, Cli.num(rep, "probes"), 0);
        assertEquals(21, Cli.num(rep, "steps"), 0);

        Path png = plots.resolve("density.png");
        byte[] bytes = Files.readAllBytes(png);
        assertTrue(bytes.length > 1000, "a PNG of nonzero size");
        assertArrayEquals(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'}, Arrays.copyOf(bytes, 8), "PNG signature");
        BufferedImage img = ImageIO.read(png.toFile());
        assertEquals(Plots.WIDTH, img.getWidth());
        assertEquals(Plots.HEIGHT, img.getHeight());
        assertTrue(Files.readString(plots.resolve("density.svg")).contains("<svg"), "SVG written too");
    }

    @Test
    void fitThenMorseFindsTheDegenerateInterpolatingMinimum() throws Exception {
        String[] p = {"--model", "2-6-1", "--data", "gaussian:n=5", "-q"};
        Path theta = dir.resolve("fitted.npy");
        Path fitJson = dir.resolve("fit.json");
        Cli.Result fit = Cli.run(with("fit", p, "--optimizer", "lbfgs_newton", "--grad-tol", "rounding", "--save", theta.toString(),
                "--json", fitJson.toString(), "--plots", dir.resolve("plots").toString()));
        assertEquals(0, fit.code(), fit.toString());
        assertEquals(25, Npy.read(theta).values().length, "θ saved with P = 25 entries");
        Map<?, ?> traj = (Map<?, ?>) Cli.json(fitJson).get("trajectory");
        assertEquals(Boolean.TRUE, traj.get("converged"));
        assertTrue(Cli.num(Cli.json(fitJson), "gradient_norm") < 1e-12, "refined to rounding level");
        assertTrue(Files.size(dir.resolve("plots/fit-trajectory.png")) > 0);

        Path morseJson = dir.resolve("morse.json");
        Cli.Result m = Cli.run(with("morse", p, "--weights", theta.toString(), "--json", morseJson.toString()));
        assertEquals(0, m.code(), m.toString());
        Map<String, Object> rep = Cli.json(morseJson);
        // 5 samples, 1 output: rank G ≤ 5, so at the interpolating minimum at least 25 − 5 = 20 zero eigenvalues.
        assertEquals(20, Cli.num(rep, "nullity"), 0, "nullity = P − N");
        assertEquals(0, Cli.num(rep, "index"), 0);
        assertEquals(5, Cli.num(rep, "positive"), 0);
        assertEquals(Boolean.FALSE, rep.get("nondegenerate"));
        assertTrue(Cli.num(rep, "tau") > 0 && Cli.num(rep, "min_abs_eigenvalue") <= Cli.num(rep, "tau"));
        assertTrue(m.out().contains("NOT MORSE"), m.out());

        Path l2Json = dir.resolve("morse-l2.json");
        Cli.Result m2 = Cli.run(with("morse", p, "--weights", theta.toString(), "--reg", "l2:1e-2", "--refine", "lbfgs_newton",
                "--json", l2Json.toString()));
        assertEquals(0, m2.code(), m2.toString());
        Map<String, Object> rep2 = Cli.json(l2Json);
        assertEquals(0, Cli.num(rep2, "nullity"), 0, "weight decay removes the zero eigenvalues");
        assertEquals(Boolean.TRUE, rep2.get("nondegenerate"));
        assertEquals("inertia", rep2.get("method"), "counts by LDLᵀ inertia by default");
        assertEquals(null, rep2.get("ggn_eigenvalues"), "no full spectra without --spectra");

        Path specJson = dir.resolve("morse-spectra.json");
        Cli.Result m3 = Cli.run(with("morse", p, "--weights", theta.toString(), "--reg", "l2:1e-2", "--refine", "lbfgs_newton", "--spectra",
                "--json", specJson.toString()));
        assertEquals(0, m3.code(), m3.toString());
        Map<String, Object> rep3 = Cli.json(specJson);
        assertEquals("dense", rep3.get("method"));
        assertEquals(25, Cli.doubles(rep3.get("ggn_eigenvalues")).length);
        assertEquals(25, Cli.doubles(rep3.get("eigenvalues")).length);
        for (String k : new String[] {"index", "nullity", "positive"}) assertEquals(Cli.num(rep2, k), Cli.num(rep3, k), 0, k + ": inertia = eigenvalues");
        assertEquals(Cli.num(rep3, "tau"), Cli.num(rep2, "tau"), 1e-7 * Cli.num(rep3, "tau"), "τ from Lanczos norms = τ from the spectra");
    }

    /**
     * f = w₃w₂w₁x with x = y = (1, 2) from θ = (0.05, 0.04, 0.03): Newton creeps towards θ = 0,
     * where H = 0. The relative τ shrinks with H(θ), so the counts at the θ reached call it a
     * nondegenerate saddle; the refinement's linear convergence must overrule them.
     */
    @Test
    void refinementTowardsAVanishingHessianWarns() throws Exception {
        Path x = dir.resolve("x.npy"), y = dir.resolve("y.npy"), w = dir.resolve("w.npy"), json = dir.resolve("deg.json");
        Npy.write(x, new double[] {1, 2}, 2, 1);
        Npy.write(y, new double[] {1, 2}, 2, 1);
        Npy.write(w, new double[] {0.05, 0.04, 0.03});
        Cli.Result r = Cli.run("morse", "--model", "1-1-1-1", "--activation", "identity", "--no-bias", "all", "--loss", "mse",
                "--inputs", x.toString(), "--targets", y.toString(), "--weights", w.toString(), "--json", json.toString());
        assertEquals(0, r.code(), r.toString());
        Map<String, Object> rep = Cli.json(json);
        assertTrue(((String) rep.get("verdict")).contains("WARNING: refinement converged only linearly"), rep.get("verdict").toString());
        @SuppressWarnings("unchecked")
        Map<String, Object> refine = (Map<String, Object>) rep.get("refine");
        assertEquals("degenerate", String.valueOf(refine.get("reason")).toLowerCase(java.util.Locale.ROOT), refine.toString());
        // how it stopped, as a field the experiments read (not the detail's words), and the detail itself
        assertEquals("linear", refine.get("approach"), refine.toString());
        assertTrue(String.valueOf(refine.get("detail")).contains("linearly"), refine.toString());
        assertTrue(r.out().contains("converged only linearly"), r.out());
    }

    /**
     * A deep linear network without biases at θ = 0: H = 0 exactly, so s = 0 and τ = 0. The check
     * used to print "min |λ| NaN (min|λ|/τ = Infinity)" (Infinity with --spectra), the opposite of
     * the truth, then "Lanczos did not converge (… exactly zero pivot …)" with exit 3; every
     * eigenvalue is 0, a clean, fully degenerate verdict with exit 0.
     */
    @Test
    void aZeroHessianIsAFullyDegenerateVerdictNotAFailure() throws Exception {
        for (boolean spectra : new boolean[] {false, true}) {
            Path json = dir.resolve("zero-" + spectra + ".json");
            List<String> args = new ArrayList<>(List.of("morse", "--model", "2-2-2-1", "--activation", "identity", "--no-bias", "all",
                    "--data", "gaussian:n=10", "--init", "zeros", "--json", json.toString()));
            if (spectra) args.add("--spectra");
            Cli.Result r = Cli.run(args.toArray(new String[0]));
            assertEquals(0, r.code(), r.toString());
            assertTrue(r.out().contains("(min|λ|/τ = 0.00)") && !r.out().contains("Infinity") && !r.out().contains("NaN"), r.out());
            assertTrue(r.out().contains("NOT MORSE: critical point is fully degenerate: every eigenvalue lies in the zero band"), r.out());
            assertTrue(r.out().contains("(H = 0 exactly: every eigenvalue is 0)") && !r.out().contains("warning"), r.out());
            assertTrue(!r.err().contains("did not converge"), r.err());
            Map<String, Object> rep = Cli.json(json);
            assertEquals(0.0, Cli.num(rep, "tau"), rep.toString());
            assertEquals(0.0, Cli.num(rep, "min_abs_eigenvalue"), rep.toString());
            assertEquals(0.0, Cli.num(rep, "min_abs_over_tau"), rep.toString());
            assertEquals(Boolean.TRUE, rep.get("converged"), rep.toString());
            assertEquals(10.0, Cli.num(rep, "nullity"), rep.toString());
            assertEquals(0.0, Cli.num(rep, "index"), rep.toString());
            assertEquals(null, rep.get("warning"), rep.toString());
            if (!spectra) {
                assertTrue(r.out().contains("(H = 0: unit vectors, residuals ‖H·e_i‖ ≤ 0.00)"), r.out());
                for (double l : Cli.doubles(rep.get("nearest_zero"))) assertEquals(0.0, l, rep.toString());
            }
        }
    }

    /**
     * Gradient descent with a far too large rate blows up; the SPEC tolerance 1e-10·max(1, |L_R|)
     * grows with the loss, and used to call the blown-up run converged (exit 0).
     */
    @Test
    void aDivergedGradientDescentIsNotConverged() throws Exception {
        Path json = dir.resolve("gd.json");
        Cli.Result r = Cli.run("fit", "--model", "2-16-1", "--data", "teacher:n=16", "--optimizer", "gd", "--lr", "5", "--json", json.toString());
        assertEquals(3, r.code(), r.toString());
        assertTrue(r.err().contains("diverged"), r.err());
        @SuppressWarnings("unchecked")
        Map<String, Object> traj = (Map<String, Object>) Cli.json(json).get("trajectory");
        assertEquals("diverged", traj.get("reason"), traj.toString());
        assertEquals("steady", traj.get("approach"), "gradient descent says nothing of the point ahead: " + traj);
        assertEquals(Boolean.FALSE, traj.get("converged"), traj.toString());
        // The tolerance is SPEC's at the starting loss, in the report and in the summary: at the
        // blown-up final loss it grew with it (58.5 at --lr 1e6) and meant nothing.
        double l0 = Cli.doubles(traj.get("losses"))[0];
        assertEquals(1e-10 * Math.max(1, Math.abs(l0)), Cli.num(traj, "grad_tol"), 0, traj.toString());
        assertTrue(r.out().contains(String.format(java.util.Locale.ROOT, "(tolerance %.2e at the starting loss: NOT met)", Cli.num(traj, "grad_tol"))), r.out());
        // The divergence's detail once in the summary (it was in the optimizer's row and again below it).
        assertEquals(1, r.out().split("lower the learning rate", -1).length - 1, r.out());
    }

    /**
     * The advice on a missed tolerance names the limit of the phase that ran out (newton and newton_tr
     * run up to --newton-iter, lbfgs and gd up to --max-iter), and suggests lbfgs_newton only when it
     * is not what ran: it used to say "raise --max-iter, try --optimizer lbfgs_newton" for every optimizer.
     */
    @Test
    void fitAndRefinementAdviceNamesTheLimitThatRanOut() {
        String[] p = {"--model", "3-16-1", "--data", "teacher:n=40", "-q"};
        Cli.Result tr = Cli.run(with("fit", p, "--optimizer", "newton_tr", "--newton-iter", "3"));
        assertEquals(3, tr.code(), tr.toString());
        assertTrue(tr.err().contains("raise --newton-iter, try --optimizer lbfgs_newton, or loosen --grad-tol") && !tr.err().contains("--max-iter"), tr.err());
        Cli.Result ln = Cli.run(with("fit", p, "--optimizer", "lbfgs_newton", "--max-iter", "2", "--newton-iter", "1"));
        assertEquals(3, ln.code(), ln.toString());
        assertTrue(ln.err().contains("raise --max-iter and --newton-iter or loosen --grad-tol") && !ln.err().contains("try --optimizer"), ln.err());
        Cli.Result gd = Cli.run(with("fit", p, "--optimizer", "gd", "--max-iter", "2"));
        assertEquals(3, gd.code(), gd.toString());
        assertTrue(gd.err().contains("raise --max-iter, try --optimizer lbfgs_newton, or loosen --grad-tol") && !gd.err().contains("--newton-iter"), gd.err());
        Cli.Result m = Cli.run(with("morse", p, "--refine", "lbfgs_newton", "--max-iter", "2", "--newton-iter", "1"));
        assertEquals(3, m.code(), m.toString());
        assertTrue(m.err().contains("; raise --max-iter and --newton-iter.") && !m.err().contains("try --refine"), m.err());
        Cli.Result mn = Cli.run(with("morse", p, "--newton-iter", "1"));
        assertEquals(3, mn.code(), mn.toString());
        assertTrue(mn.err().contains("; raise --newton-iter or try --refine lbfgs_newton.") && !mn.err().contains("--max-iter"), mn.err());
    }

    /**
     * lbfgs_newton's miss says each phase's iterations against its own limit: morse said "after
     * 5100 iterations (iteration limit 100 reached …)", L-BFGS's 5000 and Newton's 100 summed and
     * set against Newton's limit alone; fit said "after 3 iterations (iteration limit reached)".
     */
    @Test
    void lbfgsNewtonSaysEachPhasesIterationsAgainstItsOwnLimit() {
        String[] p = {"--model", "3-16-1", "--data", "teacher:n=40", "-q"};
        for (String[] cmd : new String[][] {{"morse", "--refine"}, {"fit", "--optimizer"}}) {
            Cli.Result r = Cli.run(with(cmd[0], p, cmd[1], "lbfgs_newton", "--max-iter", "2", "--newton-iter", "1"));
            assertEquals(3, r.code(), r.toString());
            assertTrue(r.err().contains(" after lbfgs 2 iterations (iteration limit reached: --max-iter 2), then newton 1 iteration "
                    + "(iteration limit reached: --newton-iter 1); "), r.err());
            assertFalse(r.err().contains("after 3 iterations"), r.err());
            assertEquals(1, r.err().split("‖∇L_R‖", -1).length - 1, "‖∇L_R‖ once: " + r.err());
        }
        // an L-BFGS phase that reached its tolerance handed over to Newton: in a no-convergence
        // message it read "(converged)"
        double[] th = {0};
        var lbfgs = new dev.morse.analysis.Trajectory("lbfgs", th, new double[] {1, 0.5}, new double[] {1, 1e-11},
                dev.morse.analysis.Trajectory.StopReason.CONVERGED, 1);
        var newton = new dev.morse.analysis.Trajectory("newton", th, new double[] {0.5}, new double[] {1e-11},
                dev.morse.analysis.Trajectory.StopReason.MAX_ITERATIONS, 0, "iteration limit 0 reached at ‖∇L_R‖ = 1e-11");
        Optimize.Run run = new Optimize.Run(lbfgs, List.of(new Optimize.Phase("lbfgs", 0, 5, lbfgs, true), new Optimize.Phase("newton", 1, 0, newton, false)),
                1e-12, false);
        assertEquals("lbfgs 1 iteration (handed over), then newton 0 iterations (iteration limit reached: --newton-iter 0)", run.phasesText());
    }

    /** The progress line, fit's summary and the no-convergence message say a phase's stop in the same words ({@link Optimize#stopWords}). */
    @Test
    void aStopReadsTheSameOnTheProgressLineTheSummaryAndTheMessage() {
        Cli.Result r = Cli.run("fit", "--model", "3-16-1", "--data", "teacher:n=40", "--max-iter", "3");
        assertEquals(3, r.code(), r.toString());
        assertTrue(r.out().contains("3 iterations, iteration limit reached"), r.out());
        assertTrue(r.err().contains("3 iterations, iteration limit reached, loss"), "progress line: " + r.err());
        assertTrue(r.err().contains("after 3 iterations (iteration limit reached)"), r.err());
        assertFalse(r.err().contains("max iterations"), r.err());
        // morse's summary row and its one-phase message said the same stop their own ways ("(max iterations)",
        // Newton's detail with ‖∇L_R‖ a second time)
        Cli.Result m = Cli.run("morse", "--model", "3-16-1", "--data", "teacher:n=40", "--refine", "newton", "--newton-iter", "1");
        assertEquals(3, m.code(), m.toString());
        assertTrue(m.out().contains("(iteration limit reached)"), m.out());
        assertFalse(m.out().contains("max iterations"), m.out());
        assertTrue(m.err().contains("after 1 iteration (iteration limit reached); "), m.err());
        String message = m.err().lines().filter(l -> l.startsWith("morse morse: refinement")).findFirst().orElseThrow();
        assertEquals(1, message.split("‖∇L_R‖", -1).length - 1, "‖∇L_R‖ once: " + message);
    }

    /** fit --optimizer newton_tr reaches a minimum; morse then refines in a few Newton steps and finds it nondegenerate. */
    @Test
    void newtonTrustRegionFitsAMinimumThatMorseConfirms() throws Exception {
        String[] p = {"--model", "2-10-1", "--data", "gaussian:n=5", "--reg", "l2:1e-3", "-q"};
        Path theta = dir.resolve("tr.npy");
        Path fitJson = dir.resolve("tr-fit.json");
        Cli.Result fit = Cli.run(with("fit", p, "--optimizer", "newton_tr", "--grad-tol", "1e-12", "--save", theta.toString(), "--json", fitJson.toString()));
        assertEquals(0, fit.code(), fit.toString());
        Map<?, ?> traj = (Map<?, ?>) Cli.json(fitJson).get("trajectory");
        assertEquals("newton_tr", traj.get("optimizer"));
        assertEquals(Boolean.TRUE, traj.get("converged"));
        Path morseJson = dir.resolve("tr-morse.json");
        Cli.Result m = Cli.run(with("morse", p, "--weights", theta.toString(), "--json", morseJson.toString()));
        assertEquals(0, m.code(), m.toString());
        Map<String, Object> rep = Cli.json(morseJson);
        assertEquals(0, Cli.num(rep, "index"), 0, "newton_tr found a minimum");
        assertEquals(0, Cli.num(rep, "nullity"), 0);
        @SuppressWarnings("unchecked")
        Map<String, Object> refine = (Map<String, Object>) rep.get("refine");
        assertTrue(Cli.num(refine, "iterations") <= 10, "refinement from a minimum to rounding level is short: " + refine.get("iterations"));
        assertEquals(2, Cli.run(with("fit", p, "--optimizer", "newton_tr", "--krylov-iter", "0")).code(), "--krylov-iter 0 is bad usage");
    }

    /**
     * Options read at some P only are refused at the P where they are not read, and pass where
     * they are: newton_tr's --krylov-iter (its CG steps) at P ≤ --newton-dense-limit, where its steps
     * are dense (P = 41 here), was accepted and ignored; so was morse's --spectra above --dense-limit.
     */
    @Test
    void optionsReadAtSomePOnlyAreRefusedWhereTheyAreNot() {
        String[] p = {"--model", "2-10-1", "--data", "gaussian:n=5", "--reg", "l2:1e-3", "-q"};
        Cli.Result dense = Cli.run(with("fit", p, "--optimizer", "newton_tr", "--krylov-iter", "5"));
        assertEquals(2, dense.code(), dense.toString());
        assertTrue(dense.err().contains("morse fit: --krylov-iter: --optimizer newton_tr takes dense steps at P = 41 ≤ --newton-dense-limit 3000")
                && dense.err().contains("lower --newton-dense-limit below P = 41"), dense.err());
        Cli.Result matrixFree = Cli.run(with("fit", p, "--optimizer", "newton_tr", "--krylov-iter", "50", "--newton-dense-limit", "40", "--grad-tol", "1e-8"));
        assertEquals(0, matrixFree.code(), "P = 41 above the limit: Steihaug–CG reads --krylov-iter; " + matrixFree);
        Cli.Result newton = Cli.run(with("fit", p, "--optimizer", "newton", "--krylov-iter", "50", "--newton-iter", "3"));
        assertNotEquals(2, newton.code(), "newton's dense steps run MINRES: it reads --krylov-iter at any P; " + newton);
        Cli.Result spectra = Cli.run(with("morse", p, "--no-refine", "--spectra", "--dense-limit", "40"));
        assertEquals(2, spectra.code(), spectra.toString());
        assertTrue(spectra.err().contains("morse morse: --spectra: P = 41 is above --dense-limit 40"), spectra.err());
        assertEquals(0, Cli.run(with("morse", p, "--no-refine", "--spectra", "--dense-limit", "41")).code(), "P = 41 at the limit: dense");
        // P comes from --model, so a sweep's driver (Main.check) refuses them too, before any task runs
        String fitCheck = Main.check(null, with("fit", p, "--optimizer", "newton_tr", "--krylov-iter", "5"));
        assertTrue(fitCheck != null && fitCheck.contains("morse fit: --krylov-iter: --optimizer newton_tr takes dense steps at P = 41"), fitCheck);
        String morseCheck = Main.check(null, with("morse", p, "--no-refine", "--spectra", "--dense-limit", "40"));
        assertTrue(morseCheck != null && morseCheck.contains("morse morse: --spectra: P = 41 is above --dense-limit 40"), morseCheck);
        assertNull(Main.check(null, with("fit", p, "--optimizer", "newton_tr", "--krylov-iter", "5", "--newton-dense-limit", "40")));
        assertNull(Main.check(null, with("morse", p, "--no-refine", "--spectra", "--dense-limit", "41")));
        // the command line's --dense-limit wins over a report's --spectra: it is set back to its default, and the new report says so
        Path first = dir.resolve("spectra.json"), second = dir.resolve("limited.json");
        assertEquals(0, Cli.run(with("morse", p, "--no-refine", "--spectra", "--json", first.toString())).code());
        Cli.Result rerun = Cli.run("morse", "--config", first.toString(), "--dense-limit", "40", "-q", "--json", second.toString());
        assertEquals(0, rerun.code(), rerun.toString());
        Map<String, Object> limited = Cli.json(second);
        assertEquals(false, ((Map<?, ?>) limited.get("config")).get("spectra"), "the config reruns what ran");
        assertEquals(null, limited.get("eigenvalues"), limited.toString());
    }

    /**
     * Lanczos options are not dropped in silence: under --method auto they choose Lanczos (and say
     * so), --method dense refuses them, and a --k above P computes all P eigenvalues and says so
     * (dense ignored --k, --which, …, and --k 100 at P = 21 reported "largest 100", "k": 100).
     */
    @Test
    void lanczosOptionsChooseLanczosOrAreRefusedAndKIsCappedAloud() throws Exception {
        Path auto = dir.resolve("auto.json");
        Cli.Result r = Cli.run(with("spectrum", tiny, "--which", "both", "--k", "3", "--json", auto.toString()));
        assertEquals(0, r.code(), r.toString());
        Map<String, Object> rep = Cli.json(auto);
        assertEquals("lanczos", rep.get("method"));
        assertEquals(6, Cli.doubles(rep.get("eigenvalues")).length);
        assertTrue(String.valueOf(rep.get("method_choice")).contains("auto chose lanczos for --k, --which"), rep.toString());
        assertTrue(r.out().contains("lanczos (both 3; auto chose lanczos for --k, --which)"), r.out());
        assertEquals("lanczos", ((Map<?, ?>) rep.get("config")).get("method"), "the config reruns what ran");
        // a rerun from the config (its k, which, … are defaults there, not command-line options) reproduces it
        Path again = dir.resolve("again.json");
        Cli.Result rerun = Cli.run("--config", auto.toString(), "--json", again.toString());
        assertEquals(0, rerun.code(), rerun.toString());
        assertEquals(rep.get("eigenvalues"), Cli.json(again).get("eigenvalues"));
        // without Lanczos options auto stays dense at this P, also when rerun from its report
        Path dense = dir.resolve("dense.json"), dense2 = dir.resolve("dense2.json");
        assertEquals(0, Cli.run(with("spectrum", tiny, "--json", dense.toString())).code());
        assertEquals("dense", Cli.json(dense).get("method"));
        assertEquals(0, Cli.run("--config", dense.toString(), "--json", dense2.toString()).code());
        assertEquals("dense", Cli.json(dense2).get("method"));

        Cli.Result refused = Cli.run(with("spectrum", tiny, "--method", "dense", "--k", "5", "--lanczos-seed", "2"));
        assertEquals(2, refused.code(), refused.toString());
        assertTrue(refused.err().contains("--k, --lanczos-seed: Lanczos options; --method dense computes every eigenvalue without them"), refused.err());

        Path big = dir.resolve("big.json");
        Cli.Result capped = Cli.run(with("spectrum", tiny, "--method", "lanczos", "--k", "100", "--json", big.toString()));
        assertEquals(0, capped.code(), capped.toString());
        Map<String, Object> b = Cli.json(big);
        assertEquals(21, Cli.num(b, "k"), 0);
        assertEquals(100, Cli.num(b, "k_requested"), 0);
        assertEquals(21, Cli.doubles(b.get("eigenvalues")).length);
        assertTrue(capped.out().contains("lanczos (largest 21)") && capped.out().contains("--k 100 > P = 21: all 21 eigenvalues"), capped.out());
    }

    @Test
    void configFileSuppliesOptionsAndTheCommandLineWins() throws Exception {
        Path cfg = dir.resolve("run.json");
        Files.writeString(cfg, "{\"command\": \"spectrum\", \"model\": \"3-4-1\", \"weights\": \"" + dir.resolve("theta.npy") + "\", \"inputs\": \""
                + dir.resolve("X.npy") + "\", \"targets\": \"" + dir.resolve("y.npy") + "\", \"operator\": \"ggn\", \"quiet\": true, \"no_bias\": []}");
        Path json = dir.resolve("c.json");
        Cli.Result r = Cli.run("--config", cfg.toString(), "--json", json.toString());
        assertEquals(0, r.code(), r.toString());
        Map<String, Object> rep = Cli.json(json);
        assertEquals("ggn", rep.get("operator"), "operator from the config file");

        Path json2 = dir.resolve("c2.json");
        assertEquals(0, Cli.run("spectrum", "--config", cfg.toString(), "--operator", "nme", "--json", json2.toString()).code());
        assertEquals("nme", Cli.json(json2).get("operator"), "the command line wins");

        // A report reruns its own config.
        Path json3 = dir.resolve("c3.json");
        assertEquals(0, Cli.run("--config", json2.toString(), "--json", json3.toString(), "-q").code());
        assertEquals(Cli.json(json2).get("eigenvalues"), Cli.json(json3).get("eigenvalues"));

        // Seeds beyond 2⁵³ (exact in a long, not in a JSON number read as a double) survive the round trip.
        // θ from --init (the seed's use outside train): next to --weights the seed is not recorded.
        List<String> initTiny = new java.util.ArrayList<>(List.of(tiny));
        int w = initTiny.indexOf("--weights");
        initTiny.remove(w + 1);
        initTiny.remove(w);
        for (String seed : new String[] {"1234567890123456789", "9007199254740993", "-9007199254740993", "9007199254740992", "-9007199254740992", "4000000000000000", "-9223372036854775808"}) {
            Path big = dir.resolve("big" + seed + ".json"), again = dir.resolve("again" + seed + ".json");
            assertEquals(0, Cli.run(with("trace", initTiny.toArray(new String[0]), "--method", "hutchinson", "--probes", "3", "--seed", seed,
                    "--json", big.toString())).code());
            Cli.Result rerun = Cli.run("--config", big.toString(), "--json", again.toString(), "-q");
            assertEquals(0, rerun.code(), rerun.toString());
            @SuppressWarnings("unchecked")
            Map<String, Object> config = (Map<String, Object>) Cli.json(again).get("config");
            Object written = config.get("seed");
            long back = written instanceof String t ? Long.parseLong(t) : (long) (double) (Double) written;
            assertEquals(Long.parseLong(seed), back, "seed " + seed + " read back exactly (written as " + written + ")");
            assertEquals(Cli.json(big).get("estimate"), Cli.json(again).get("estimate"), "the same run");
        }

        Files.writeString(cfg, "{\"command\": \"spectrum\", \"modle\": \"3-4-1\"}");
        Cli.Result bad = Cli.run("--config", cfg.toString());
        assertEquals(2, bad.code());
        assertTrue(bad.err().contains("unknown option \"modle\""), bad.err());
    }

    @Test
    void neverOverwritesWithoutForce() throws Exception {
        Path json = dir.resolve("s.json");
        Files.writeString(json, "precious");
        Cli.Result r = Cli.run(with("spectrum", tiny, "--json", json.toString()));
        assertEquals(2, r.code());
        assertTrue(r.err().contains("refusing to overwrite") && r.err().contains("--force"), r.err());
        assertEquals("precious", Files.readString(json), "the file is untouched");
        assertEquals(0, Cli.run(with("spectrum", tiny, "--json", json.toString(), "--force")).code());
        assertTrue(Files.readString(json).contains("\"eigenvalues\""));
    }

    @Test
    void malformedInputsExitWith2AndSayWhatAndWhere() throws Exception {
        Path bad = dir.resolve("bad.npy");
        Files.writeString(bad, "not numpy at all");
        assertBadInput(bad, "bad.npy: not a .npy file: bad magic");

        byte[] full = Files.readAllBytes(dir.resolve("theta.npy"));
        Path cut = dir.resolve("cut.npy");
        Files.write(cut, Arrays.copyOf(full, full.length - 16));
        assertBadInput(cut, "cut.npy: truncated data: shape (21,) of <f8 needs 168 bytes, the file has 152");

        Path ints = dir.resolve("ints.npy");
        Files.write(ints, new String(full, java.nio.charset.StandardCharsets.ISO_8859_1).replace("<f8", "<c8").getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
        assertBadInput(ints, "ints.npy: unsupported dtype '<c8'");

        Path shortW = dir.resolve("short.npy");
        Npy.write(shortW, new double[20]);
        assertBadInput(shortW, "short.npy: weights have length 20, expected P = 21");

        Cli.Result dims = Cli.run("spectrum", "-q", "--model", "4-4-1", "--inputs", dir.resolve("X.npy").toString(), "--targets", dir.resolve("y.npy").toString());
        assertEquals(2, dims.code());
        assertTrue(dims.err().contains("X.npy: inputs have d = 3 features per sample") && dims.err().contains("expects d0 = 4"), dims.err());

        Cli.Result usage = Cli.run("spectrum", "--model", "3-4-1", "--data", "gaussian", "--operator", "hesian");
        assertEquals(2, usage.code());
        assertTrue(usage.err().contains("--operator") && usage.err().contains("hesian"), usage.err());
    }

    private void assertBadInput(Path weights, String message) {
        Cli.Result r = Cli.run("spectrum", "-q", "--model", "3-4-1", "--data", "gaussian:n=4", "--weights", weights.toString());
        assertEquals(2, r.code(), r.toString());
        assertTrue(r.err().contains(message), "expected «" + message + "» in: " + r.err());
        assertEquals(1, r.err().strip().lines().count(), "one line: " + r.err());
    }

    @Test
    void memoryRefusalExits4WithTheEstimateAndTheAlternative() {
        Cli.Result r = Cli.run("spectrum", "-q", "--model", "1-50000-1", "--data", "gaussian:n=2", "--method", "dense");
        assertEquals(4, r.code(), r.toString());
        assertTrue(r.err().contains("GiB") && r.err().contains("--method lanczos"), r.err());
    }

    @Test
    void lanczosWithoutConvergenceExits3AndStillWritesTheReport() {
        Path json = dir.resolve("l.json");
        Cli.Result r = Cli.run(with("spectrum", tiny, "--method", "lanczos", "--k", "3", "--basis", "6", "--max-restarts", "0", "--tol", "1e-14",
                "--json", json.toString()));
        assertEquals(3, r.code(), r.toString());
        assertTrue(r.err().contains("did not converge"), r.err());
        assertEquals(Boolean.FALSE, Cli.json(json).get("all_converged"));
    }

    /**
     * The README's "Reports" said that --json FILE works "in every command", but demo has none (it
     * writes demo.json into --out): the commands with --json are every one but those it names.
     */
    @Test
    void theReadmeSaysWhichCommandsHaveJson() throws Exception {
        Path base = Path.of(System.getProperty("basedir", ".")).toAbsolutePath();
        Path readme = base.resolveSibling("README.md");
        if (!Files.exists(readme)) readme = base.resolve("README.md");
        String text = Files.readString(readme).replaceAll("\\s+", " ");
        assertTrue(text.contains("the same in every command, `bench` and `doctor` included, except `demo`, which always writes its report as "
                + "`demo.json` in its `--out` folder)"), "README's Reports section names the exception");
        picocli.CommandLine root = new picocli.CommandLine(new Main());
        List<String> without = new java.util.ArrayList<>();
        for (var e : root.getSubcommands().entrySet()) {
            if (!e.getKey().equals("help") && e.getValue().getCommandSpec().findOption("--json") == null) without.add(e.getKey());
        }
        assertEquals(List.of("demo"), without, "the commands without --json are the README's exceptions");
    }

    @Test
    void everyCommandHasHelp() {
        java.io.PrintStream stderr = System.err;
        java.io.ByteArrayOutputStream picocliWarnings = new java.io.ByteArrayOutputStream();
        System.setErr(new java.io.PrintStream(picocliWarnings, true));   // picocli's tracer writes its WARN lines there
        try {
            for (String c : List.of("demo", "spectrum", "density", "trace", "fit", "morse", "doctor", "bench")) {
                Cli.Result r = Cli.run(c, "--help");
                assertEquals(0, r.code(), c);
                assertTrue(r.out().contains("Usage: morse " + c), r.out());
                assertTrue(r.err().isEmpty(), c + ": " + r.err());
            }
            Cli.run("--help");
        } finally {
            System.setErr(stderr);
        }
        assertEquals("", picocliWarnings.toString(), "no picocli WARN (an unescaped % in a description)");
        Cli.Result top = Cli.run("--help");
        assertTrue(top.out().contains("spectrum") && top.out().contains("Exit codes"), top.out());
        // sweeps' tasks missing have their own code, apart from 1 (a bug)
        assertTrue(top.out().replaceAll("\\s+", " ").contains("5 incomplete (sweep run, experiment run: tasks missing"), top.out());
        Cli.Result spectrum = Cli.run("spectrum", "--help");
        for (String opt : List.of("--model", "--weights", "--data", "--reg", "--operator", "--method", "--json", "--plots", "--config", "--force", "--quiet")) {
            assertTrue(spectrum.out().contains(opt), "spectrum --help lists " + opt);
        }
    }

    /**
     * The top-level help lists the commands bin/morse hands to bin/morse-cluster, experiment
     * included (it was missing); every command's example lines fit the 80 columns picocli lays the
     * help out in without a terminal (eval's, train's, morse's, init's and bench's wrapped in the
     * middle of options).
     */
    @Test
    void helpListsExperimentAndExamplesDoNotWrap() {
        Cli.Result top = Cli.run("--help");
        assertTrue(top.out().contains("'morse experiment list|run|report'"), top.out());
        picocli.CommandLine root = new picocli.CommandLine(new Main());
        for (var e : root.getSubcommands().entrySet()) {
            var usage = e.getValue().getCommandSpec().usageMessage();
            List<String> lines = new ArrayList<>(Arrays.asList(usage.footer()));
            lines.addAll(Arrays.asList(usage.description()));
            for (String line : lines) {
                if (!line.startsWith("  ")) continue;   // example lines start indented; prose is wrapped by picocli
                assertTrue(line.codePointCount(0, line.length()) < 80, e.getKey() + ": an example line of " + line.length() + " columns: " + line);
            }
        }
        Cli.Result eval = Cli.run("eval", "--help");
        assertTrue(eval.out().contains("  morse eval --model 4-6-5-3 --activation tanh,gelu --loss cross_entropy \\\n"
                + "      --weights theta.npy --inputs X.npy --targets y.npy \\\n"), eval.out());
    }

    /** bench takes the names the other commands use, --batch-size and --chunk-rows; --batch and --chunk stay (bench scripts use them). */
    @Test
    void benchTakesTheCommonNamesAndTheOldOnes() throws Exception {
        for (String[] names : List.of(new String[] {"--batch-size", "--chunk-rows"}, new String[] {"--batch", "--chunk"})) {
            Path json = dir.resolve("bench" + names[0] + ".json");
            String[] b = {"bench", "--model", "2-3-2", names[0], "6", names[1], "2", "--reps", "1", "--warmup", "0", "--warmup-seconds", "0",
                    "--products", "gradient", "--peak-gflops", "10", "--json", json.toString()};
            java.io.PrintStream stdout = System.out;
            System.setOut(new java.io.PrintStream(new java.io.ByteArrayOutputStream(), true));
            try {
                assertEquals(0, Cli.run(b).code(), String.join(" ", b));
            } finally {
                System.setOut(stdout);
            }
            @SuppressWarnings("unchecked")
            Map<String, Object> config = (Map<String, Object>) Cli.json(json).get("config");
            assertEquals(6.0, ((Number) config.get("batch")).doubleValue(), names[0]);
            assertEquals(2.0, ((Number) config.get("chunk")).doubleValue(), names[1]);
        }
        String help = Cli.run("bench", "--help").out();
        assertTrue(help.contains("--batch-size=N") && help.contains("--chunk-rows=ROWS") && !help.contains("--batch=") && !help.contains("--chunk="), help);
        Cli.Result both = Cli.run("bench", "--batch", "4", "--batch-size", "8", "--products", "none");
        assertEquals(2, both.code(), both.toString());
        assertTrue(both.err().contains("--batch is the older name of --batch-size; give one of them"), both.err());
    }

    /**
     * density of the regularizer's operator: every Ritz node at one value (0 without a regularizer,
     * λ for l2:λ), so σ is not "1% of the node range" (a range of 0) but 1e-12 or 0.1% of |λ|; and
     * Lanczos stops after one step a probe, so not "10 × 26 (10 products)".
     */
    @Test
    void densityOfTheRegularizerSaysHowSigmaAndTheStepsCameAbout() throws Exception {
        Cli.Result none = Cli.run(with("density", tiny, "--operator", "regularizer"));
        assertEquals(0, none.code(), none.toString());
        assertTrue(none.out().contains("every Ritz node at 0, a range of 0: the least σ, 1e-12") && !none.out().contains("1% of the node range"), none.out());
        assertTrue(none.out().contains("10 × at most 21 (10 products, probe seed 0; 1 step a probe on average"), none.out());
        Path json = dir.resolve("density-l2.json");
        Cli.Result l2 = Cli.run(with("density", tiny, "--operator", "regularizer", "--reg", "l2:0.1", "--json", json.toString()));
        assertEquals(0, l2.code(), l2.toString());
        assertEquals("every Ritz node at 0.1, a range of 0: 0.1% of |0.1|", Cli.json(json).get("sigma_rule"));
        assertEquals(1e-4, Cli.num(Cli.json(json), "sigma"), 1e-15);
        Path hessian = dir.resolve("density-h.json");
        Cli.Result h = Cli.run(with("density", tiny, "--json", hessian.toString()));
        assertEquals(0, h.code(), h.toString());
        assertEquals("1% of the node range", Cli.json(hessian).get("sigma_rule"));
        Cli.Result hs = Cli.run(with("density", tiny));
        assertTrue(hs.out().contains("(1% of the node range)") && hs.out().contains("10 × 21 (210 products, probe seed 0)"), hs.out());
    }

    /** The morse report's ggn_rank, a count, is an integer (it was written 14.0). */
    @Test
    void theGgnRankIsAnInteger() throws Exception {
        Path morse = dir.resolve("morse-spectra.json");
        Cli.Result m = Cli.run(with("morse", tiny, "--no-refine", "--spectra", "--json", morse.toString()));
        assertEquals(0, m.code(), m.toString());
        String text = Files.readString(morse);
        assertTrue(text.matches("(?s).*\"ggn_rank\": \\d+,.*"), "an integer: " + text.lines().filter(l -> l.contains("ggn_rank")).toList());
    }

    @Test
    void syntheticSetsAreSeededAndSizedByTheModel() throws Exception {
        for (String data : List.of("gaussian:n=7", "teacher:n=7,width=2", "orthogonal:n=3", "spirals:n=7")) {
            String model = data.startsWith("spirals") ? "2-3-2" : "4-3-2";
            Path a = dir.resolve(data.hashCode() + "a.json"), b = dir.resolve(data.hashCode() + "b.json");
            String[] args = {"trace", "-q", "--model", model, "--data", data, "--loss", "cross_entropy", "--method", "hutchpp", "--probes", "60"};
            assertEquals(0, Cli.run(with(args[0], Arrays.copyOfRange(args, 1, args.length), "--json", a.toString())).code(), data);
            assertEquals(0, Cli.run(with(args[0], Arrays.copyOfRange(args, 1, args.length), "--json", b.toString())).code(), data);
            assertEquals(Cli.num(Cli.json(a), "estimate"), Cli.num(Cli.json(b), "estimate"), 0.0, data + ": same seed, same result");
            assertEquals(data.startsWith("orthogonal") ? 3 : 7, Cli.num(Cli.json(a), "N"), 0, data);
        }
        Cli.Result r = Cli.run("trace", "-q", "--model", "3-3-1", "--data", "spirals");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("input width d0 must be 2"), r.err());
    }

    @Test
    void csvTablesWithANamedTargetColumn() throws Exception {
        Path csv = dir.resolve("d.csv");
        StringBuilder sb = new StringBuilder("a,b,label,c\n");
        for (int i = 0; i < 8; i++) sb.append(Math.sin(i)).append(',').append(Math.cos(i)).append(',').append(i % 3).append(',').append(i * 0.1).append('\n');
        Files.writeString(csv, sb);
        Path json = dir.resolve("csv.json");
        Cli.Result r = Cli.run("spectrum", "-q", "--model", "3-5-3", "--loss", "cross_entropy", "--inputs", csv.toString(), "--target-column", "label",
                "--json", json.toString());
        assertEquals(0, r.code(), r.toString());
        assertEquals(8, Cli.num(Cli.json(json), "N"), 0);
        Cli.Result missing = Cli.run("spectrum", "-q", "--model", "3-5-3", "--inputs", csv.toString(), "--target-column", "y");
        assertEquals(2, missing.code());
        assertTrue(missing.err().contains("target column 'y' is not in the header (columns: a, b, label, c)"), missing.err());
    }
}
