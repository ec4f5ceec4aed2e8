package dev.morse.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.morse.io.Npy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code morse train --penalty}: one full-batch SGD step equals θ − lr·(the direction {@code morse eval}
 * saves) for each deterministic penalty; with penalties that draw probes and noise from the step
 * seed, runs are bit-identical for 1 and 2 threads and a resumed run repeats the straight one; the
 * log lists the penalties and its objective includes them.
 */
class TrainPenaltyTest {

    @TempDir
    Path dir;

    static final String[] PROBLEM = {"--model", "5-12-3", "--activation", "gelu", "--loss", "cross_entropy", "--data", "gaussian:n=96",
            "--data-seed", "3", "--seed", "7", "--reg", "l2:0.001", "-q"};

    static String[] args(String command, String... extra) {
        String[] a = new String[1 + PROBLEM.length + extra.length];
        a[0] = command;
        System.arraycopy(PROBLEM, 0, a, 1, PROBLEM.length);
        System.arraycopy(extra, 0, a, 1 + PROBLEM.length, extra.length);
        return a;
    }

    /**
     * eval --seed-step reproduces a training step's draws: step t (0-based, counted over the whole
     * run) of a train run with --seed s draws its probes from the seed Seeds.derive(s, STEP_PROBES, t),
     * which the README spells out. With the full batch each epoch is one step, so epoch e's logged
     * train_objective is step e − 1's objective, at θ before that step: eval at θ₀ and θ₁ with those
     * seeds gives the same objectives (up to the order of summation: the step's batch is the
     * shuffled samples), and another seed does not.
     */
    @Test
    @SuppressWarnings("unchecked")
    void evalWithATrainStepsSeedReproducesItsLoggedObjective() throws Exception {
        Path theta0 = dir.resolve("theta0.npy"), theta1 = dir.resolve("theta1.npy"), log = dir.resolve("log.json");
        int p = 5 * 12 + 12 + 12 * 3 + 3;
        double[] t0 = new double[p];
        java.util.SplittableRandom r = new java.util.SplittableRandom(5);
        for (int i = 0; i < p; i++) t0[i] = 0.6 * (2 * r.nextDouble() - 1);
        Npy.write(theta0, t0);
        String pen = "hessian_trace:0.5:2";
        String[] run = {"--weights", theta0.toString(), "--optimizer", "sgd", "--lr", "0.2", "--batch-size", "96", "--penalty", pen};
        Cli.Result two = Cli.run(args("train", concat(run, "--epochs", "2", "--json", log.toString())));
        assertEquals(0, two.code(), two.toString());
        Cli.Result one = Cli.run(args("train", concat(run, "--epochs", "1", "--save", theta1.toString())));
        assertEquals(0, one.code(), one.toString());
        List<Map<String, Object>> epochs = (List<Map<String, Object>>) Cli.json(log).get("epochs");
        long seed = 7;   // PROBLEM's --seed
        Path[] at = {theta0, theta1};
        for (int t = 0; t < 2; t++) {
            double logged = ((Number) epochs.get(t).get("train_objective")).doubleValue();
            double evaluated = evalObjective(at[t], pen, dev.morse.training.Seeds.derive(seed, dev.morse.training.Seeds.STEP_PROBES, t), "e" + t);
            assertEquals(logged, evaluated, 1e-12 * Math.abs(logged), "step " + t + ": eval --seed-step derive(s, STEP_PROBES, t)");
            double other = evalObjective(at[t], pen, t, "o" + t);   // the step number itself is not the step's seed
            assertTrue(Math.abs(other - logged) > 1e-8 * Math.abs(logged), "step " + t + ": another seed draws other probes: " + other + " vs " + logged);
        }
    }

    private double evalObjective(Path theta, String pen, long seedStep, String tag) throws Exception {
        Path json = dir.resolve("eval-" + tag + ".json");
        List<String> a = new java.util.ArrayList<>(List.of(args("eval", "--weights", theta.toString(), "--penalty", pen,
                "--seed-step", Long.toString(seedStep), "--json", json.toString())));
        a.subList(a.indexOf("--seed"), a.indexOf("--seed") + 2).clear();   // eval's --seed draws only --init
        Cli.Result ev = Cli.run(a.toArray(new String[0]));
        assertEquals(0, ev.code(), ev.toString());
        return ((Number) Cli.json(json).get("objective")).doubleValue();
    }

    @Test
    void oneFullBatchStepIsThetaMinusLrTimesEvalsDirection() throws Exception {
        Path theta0 = dir.resolve("theta0.npy");
        int p = 5 * 12 + 12 + 12 * 3 + 3;
        double[] t0 = new double[p];
        java.util.SplittableRandom r = new java.util.SplittableRandom(11);
        for (int i = 0; i < p; i++) t0[i] = 0.6 * (2 * r.nextDouble() - 1);
        Npy.write(theta0, t0);
        for (String pen : List.of("gradient_norm:0.2", "gradient_norm_ggn:0.2:2", "sam:0.05")) {
            String tag = pen.replace(':', '_');
            Path t1 = dir.resolve("theta1-" + tag + ".npy"), g = dir.resolve("g-" + tag + ".npy");
            Cli.Result step = Cli.run(args("train", "--weights", theta0.toString(), "--optimizer", "sgd", "--lr", "0.1", "--batch-size", "96",
                    "--epochs", "1", "--penalty", pen, "--save", t1.toString()));
            assertEquals(0, step.code(), step.toString());
            // eval's --seed would draw nothing next to --weights (its probes come from --seed-step): refused, so left out
            List<String> evalArgs = new java.util.ArrayList<>(List.of(args("eval", "--weights", theta0.toString(), "--penalty", pen,
                    "--save-gradient", g.toString())));
            evalArgs.subList(evalArgs.indexOf("--seed"), evalArgs.indexOf("--seed") + 2).clear();
            Cli.Result ev = Cli.run(evalArgs.toArray(new String[0]));
            assertEquals(0, ev.code(), ev.toString());
            double[] after = Npy.read(t1).values(), d = Npy.read(g).values();
            double worst = 0, scale = 0;
            for (int i = 0; i < d.length; i++) {
                worst = Math.max(worst, Math.abs(after[i] - (t0[i] - 0.1 * d[i])));
                scale = Math.max(scale, Math.abs(0.1 * d[i]));
            }
            // The shuffled sample order and the training chunk plan change sums in their last bits only.
            assertTrue(worst <= 1e-12 * scale, pen + ": θ1 vs θ0 − lr·(eval's direction): " + worst + " (step size " + scale + ")");
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void drawnProbesAndNoiseAreBitIdenticalAcrossThreadsAndResumption() throws Exception {
        String[] run = {"--optimizer", "sgd", "--lr", "0.05", "--momentum", "0.9", "--batch-size", "32", "--penalty", "hessian_trace:0.01:2,weight_noise:0.0004",
            "--penalty", "ggn_trace:0.02"};
        Path a = dir.resolve("a.npy"), b = dir.resolve("b.npy"), c = dir.resolve("c.npy"), la = dir.resolve("a.json"), ck = dir.resolve("ck");
        assertEquals(0, Cli.run(concat(args("train", run), "--epochs", "4", "--threads", "1", "--save", a.toString(), "--json", la.toString())).code());
        Cli.Result two = Cli.run(concat(args("train", run), "--epochs", "4", "--threads", "2", "--save", b.toString()));
        assertEquals(0, two.code(), two.toString());
        assertArrayEquals(Files.readAllBytes(a), Files.readAllBytes(b), "1 and 2 threads: θ bit for bit");
        Cli.Result half = Cli.run(concat(args("train", run), "--epochs", "2", "--checkpoint-dir", ck.toString()));
        assertEquals(0, half.code(), half.toString());
        Cli.Result rest = Cli.run("train", "--config", ck.resolve("config.json").toString(), "--resume", ck.toString(), "--epochs", "4",
                "--save", c.toString(), "-q");
        assertEquals(0, rest.code(), rest.toString());
        assertArrayEquals(Files.readAllBytes(a), Files.readAllBytes(c), "resumed: θ bit for bit (the probes of step t come from its seed)");

        Map<String, Object> log = Cli.json(la);
        List<Object> pens = (List<Object>) ((Map<String, Object>) log.get("training")).get("penalties");
        assertEquals(List.of("weight_noise:4.0E-4:1", "hessian_trace:0.01:2", "ggn_trace:0.02:1").size(), pens.size(), pens.toString());
        assertTrue(pens.containsAll(List.of("hessian_trace:0.01:2", "weight_noise:4.0E-4:1", "ggn_trace:0.02:1")), pens.toString());
        Map<String, Object> e1 = ((List<Map<String, Object>>) log.get("epochs")).get(0);
        assertNotEquals(Cli.num(e1, "train_loss"), Cli.num(e1, "train_objective"), "the objective includes the penalties");
    }

    static String[] concat(String[] a, String... b) {
        String[] out = new String[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
