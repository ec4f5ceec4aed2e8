package dev.morse.cli;

import dev.morse.json.Json;
import dev.morse.spectra.TraceEstimator;
import dev.morse.training.CurvatureMonitor;
import dev.morse.training.EpochRecord;
import java.util.List;
import java.util.Map;

/**
 * The JSON form of a training log entry ({@link EpochRecord}): written into {@code train}'s report
 * ({@code initial} and each of {@code epochs}) and into checkpoints, and read back from
 * checkpoints. Numbers are written in Java's shortest round-trip form, so a record read back is
 * bit-identical to the one written (NaN, "no value", is written as null and read back as NaN).
 *
 * <p>Keys of an entry: {@code epoch}, {@code step} (optimizer steps so far), {@code learning_rate}
 * (of the epoch's last step), {@code train_loss} (sample-weighted mean of the minibatch data
 * losses L_B during the epoch; in {@code initial}, L(θ₀) over the training set), {@code train_objective} (the same for L_B + R + penalties),
 * {@code test_loss}, {@code test_accuracy}, {@code test_correct}, {@code test_samples} (null
 * without held-out data; accuracy null for mse), {@code seconds} (the epoch's steps),
 * {@code eval_seconds}, and {@code curvature} when measured: {@code top_eigenvalue},
 * {@code top_eigenvalue_residual}, {@code top_eigenvalue_converged}, {@code lanczos_products},
 * {@code hessian_trace}, {@code hessian_trace_se}, {@code ggn_trace}, {@code ggn_trace_se},
 * {@code nme_frobenius_sq}, {@code nme_frobenius_sq_se}, {@code hessian_frobenius_sq},
 * {@code hessian_frobenius_sq_se}, {@code nme_to_hessian_frobenius},
 * {@code nme_to_hessian_frobenius_se}, {@code sigma2_nonzero_fraction},
 * {@code sigma2_nonzero_fraction_per_layer}, {@code products}, {@code samples}, {@code seconds}.
 */
final class TrainingLog {
    private TrainingLog() {}

    static void write(Json j, EpochRecord r) {
        j.beginObject();
        j.name("epoch").value(r.epoch());
        j.name("step").value(r.step());
        j.name("learning_rate").valueOrNull(r.learningRate());
        j.name("train_loss").valueOrNull(r.trainLoss());
        j.name("train_objective").valueOrNull(r.trainObjective());
        EpochRecord.HeldOutMetrics h = r.heldOut();
        j.name("test_loss").valueOrNull(h == null ? Double.NaN : h.loss());
        j.name("test_accuracy").valueOrNull(h == null ? Double.NaN : h.accuracy());
        if (h == null || h.correct() < 0) j.name("test_correct").nullValue();
        else j.name("test_correct").value(h.correct());
        if (h == null) j.name("test_samples").nullValue();
        else j.name("test_samples").value(h.samples());
        j.name("seconds").valueOrNull(r.seconds());
        j.name("eval_seconds").valueOrNull(r.evalSeconds());
        if (r.curvature() != null) {
            j.name("curvature");
            write(j, r.curvature());
        }
        j.endObject();
    }

    private static void write(Json j, CurvatureMonitor.Snapshot s) {
        j.beginObject();
        j.name("top_eigenvalue").valueOrNull(s.topEigenvalue());
        j.name("top_eigenvalue_residual").valueOrNull(s.topResidual());
        j.name("top_eigenvalue_converged").value(s.topConverged());
        j.name("lanczos_products").value(s.lanczosProducts());
        estimate(j, "hessian_trace", s.hessianTrace());
        estimate(j, "ggn_trace", s.ggnTrace());
        estimate(j, "nme_frobenius_sq", s.nmeFrobeniusSquared());
        estimate(j, "hessian_frobenius_sq", s.hessianFrobeniusSquared());
        j.name("nme_to_hessian_frobenius").valueOrNull(s.nmeToHessianFrobenius());
        j.name("nme_to_hessian_frobenius_se").valueOrNull(s.nmeToHessianFrobeniusError());
        j.name("sigma2_nonzero_fraction").valueOrNull(s.secondDerivativeFraction());
        j.name("sigma2_nonzero_fraction_per_layer");
        Report.array(j, s.secondDerivativeFractions());
        j.name("products").value(s.products());
        j.name("samples").value(s.samples());
        j.name("seconds").valueOrNull(s.seconds());
        j.endObject();
    }

    private static void estimate(Json j, String name, TraceEstimator.Estimate e) {
        j.name(name).valueOrNull(e.estimate());
        j.name(name + "_se").valueOrNull(e.standardError());
    }

    /** Reads an entry written by {@link #write(Json, EpochRecord)}; {@code probes} restores the estimates' product counts. */
    @SuppressWarnings("unchecked")
    static EpochRecord read(Map<String, Object> m, int probes, String source) {
        EpochRecord.HeldOutMetrics h = null;
        if (m.get("test_samples") != null) {
            Object correct = m.get("test_correct");
            h = new EpochRecord.HeldOutMetrics(num(m, "test_loss", source), num(m, "test_accuracy", source),
                    correct == null ? -1 : (long) num(m, "test_correct", source), (int) num(m, "test_samples", source));
        }
        CurvatureMonitor.Snapshot c = null;
        if (m.get("curvature") instanceof Map<?, ?> cm) c = readCurvature((Map<String, Object>) cm, probes, source);
        return new EpochRecord((int) num(m, "epoch", source), (long) num(m, "step", source), num(m, "learning_rate", source),
                num(m, "train_loss", source), num(m, "train_objective", source), h, c, num(m, "seconds", source), num(m, "eval_seconds", source));
    }

    private static CurvatureMonitor.Snapshot readCurvature(Map<String, Object> m, int probes, String source) {
        Object per = m.get("sigma2_nonzero_fraction_per_layer");
        if (!(per instanceof List<?> l)) throw new dev.morse.io.InputException(source + ": curvature entry lacks sigma2_nonzero_fraction_per_layer");
        double[] fractions = new double[l.size()];
        for (int i = 0; i < fractions.length; i++) fractions[i] = l.get(i) == null ? Double.NaN : ((Number) l.get(i)).doubleValue();
        return new CurvatureMonitor.Snapshot(num(m, "top_eigenvalue", source), num(m, "top_eigenvalue_residual", source),
                Boolean.TRUE.equals(m.get("top_eigenvalue_converged")), (long) num(m, "lanczos_products", source),
                estimate(m, "hessian_trace", probes, source), estimate(m, "ggn_trace", probes, source),
                estimate(m, "nme_frobenius_sq", probes, source), estimate(m, "hessian_frobenius_sq", probes, source),
                num(m, "nme_to_hessian_frobenius", source), num(m, "nme_to_hessian_frobenius_se", source),
                num(m, "sigma2_nonzero_fraction", source), fractions, (long) num(m, "products", source), (int) num(m, "samples", source),
                num(m, "seconds", source));
    }

    private static TraceEstimator.Estimate estimate(Map<String, Object> m, String name, int probes, String source) {
        return new TraceEstimator.Estimate(num(m, name, source), num(m, name + "_se", source), probes, "hutchinson");
    }

    /** A number, or NaN for null; a missing key is an error naming the file. */
    static double num(Map<String, Object> m, String key, String source) {
        if (!m.containsKey(key)) throw new dev.morse.io.InputException(source + ": \"" + key + "\" is missing");
        Object v = m.get(key);
        if (v == null) return Double.NaN;
        if (!(v instanceof Number n)) throw new dev.morse.io.InputException(source + ": \"" + key + "\" must be a number, found " + v);
        return n.doubleValue();
    }
}
