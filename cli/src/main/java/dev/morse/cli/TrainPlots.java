package dev.morse.cli;

import dev.morse.training.CurvatureMonitor;
import dev.morse.training.EpochRecord;
import dev.morse.training.TrainingState;
import java.util.ArrayList;
import java.util.List;
import org.knowm.xchart.XYChart;

/**
 * The charts of {@code morse train}'s plots, per epoch from epoch 0 (θ₀): train-curves (the
 * training and held-out losses, the held-out accuracy) and train-curvature (λ_max, the traces of
 * H and G, the NME share ‖M‖_F/‖H‖_F, the fraction of pre-activations with σ″ ≠ 0). The command
 * saves them ({@link BaseCommand#savePlot}).
 */
final class TrainPlots {

    private TrainPlots() {
    }

    /** train-curves: the losses, then the held-out accuracy; {@code lossId} names the loss on the axis. */
    static XYChart[] curves(TrainingState s, String title, String lossId) {
        List<EpochRecord> recs = records(s);
        int n = recs.size();
        double[] ep = epochs(recs), trainLoss = new double[n], testLoss = new double[n], acc = new double[n];
        for (int i = 0; i < n; i++) {
            EpochRecord r = recs.get(i);
            trainLoss[i] = r.trainLoss();
            testLoss[i] = r.heldOut() == null ? Double.NaN : r.heldOut().loss();
            acc[i] = r.heldOut() == null ? Double.NaN : 100 * r.heldOut().accuracy();
        }
        var losses = Plots.epochCurves("Loss: " + title, "loss (" + lossId + ", mean over samples)", ep,
                // epoch 0 is L₀, the data loss over the whole training set at θ₀ (no minibatch ran yet)
                List.of("train (epoch 0: training set at θ₀; then mean of minibatch losses)", "held-out"), List.of(trainLoss, testLoss), null, Plots.WIDTH, Plots.HEIGHT);
        var accuracy = Plots.epochCurves("Held-out accuracy", "accuracy (%)", ep, List.of("held-out"), List.of(acc), null, Plots.WIDTH, Plots.HEIGHT);
        return new XYChart[] {losses, accuracy};
    }

    /** train-curvature: four charts for a grid of two columns, measured on {@code curvN} training samples. */
    static XYChart[] curvature(TrainingState s, int curvN) {
        List<EpochRecord> recs = records(s);
        int n = recs.size();
        double[] ep = epochs(recs);
        double[] top = new double[n], trH = new double[n], trHe = new double[n], trG = new double[n], trGe = new double[n];
        double[] ratio = new double[n], ratioE = new double[n], sigma = new double[n];
        for (int i = 0; i < n; i++) {
            CurvatureMonitor.Snapshot c = recs.get(i).curvature();
            top[i] = c == null ? Double.NaN : c.topEigenvalue();
            trH[i] = c == null ? Double.NaN : c.hessianTrace().estimate();
            trHe[i] = c == null ? Double.NaN : c.hessianTrace().standardError();
            trG[i] = c == null ? Double.NaN : c.ggnTrace().estimate();
            trGe[i] = c == null ? Double.NaN : c.ggnTrace().standardError();
            ratio[i] = c == null ? Double.NaN : c.nmeToHessianFrobenius();
            ratioE[i] = c == null ? Double.NaN : c.nmeToHessianFrobeniusError();
            sigma[i] = c == null ? Double.NaN : c.secondDerivativeFraction();
        }
        int w = 620, h = 420;
        String on = "on " + curvN + " training samples";
        var a = Plots.epochCurves("Largest Hessian eigenvalue λ_max (Lanczos)", "λ_max(H)", ep, List.of("λ_max " + on), List.of(top), null, w, h);
        var b = Plots.epochCurves("Traces (Hutchinson, ± standard error)", "trace", ep, List.of("tr H", "tr G"), List.of(trH, trG), List.of(trHe, trGe), w, h);
        var c = Plots.epochCurves("NME share ‖M‖_F / ‖H‖_F (± standard error)", "‖M‖_F / ‖H‖_F", ep, List.of("‖M‖_F / ‖H‖_F"), List.of(ratio), List.of(ratioE), w, h);
        var d = Plots.epochCurves("Pre-activations with σ″ ≠ 0", "fraction", ep, List.of("σ″ ≠ 0 (all hidden layers)"), List.of(sigma), null, w, h);
        d.getStyler().setYAxisMin(0.0);
        d.getStyler().setYAxisMax(1.0);
        return new XYChart[] {a, b, c, d};
    }

    /** The initial record (epoch 0), then each epoch's. */
    private static List<EpochRecord> records(TrainingState s) {
        List<EpochRecord> recs = new ArrayList<>();
        recs.add(s.initial());
        recs.addAll(s.epochs());
        return recs;
    }

    private static double[] epochs(List<EpochRecord> recs) {
        double[] ep = new double[recs.size()];
        for (int i = 0; i < ep.length; i++) ep[i] = recs.get(i).epoch();
        return ep;
    }
}
