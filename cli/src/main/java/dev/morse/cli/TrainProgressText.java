package dev.morse.cli;

import dev.morse.training.EpochRecord;
import java.util.Locale;

/**
 * How {@code morse train} says a run's progress in words: a loss on the progress line, the line
 * that closes an epoch (losses, accuracy, curvature, time), and the steps that ran, in the summary.
 */
final class TrainProgressText {

    private TrainProgressText() {
    }

    /**
     * The steps that ran, as the summary says them: "12 steps of 16 samples"; with a last batch that
     * keeps the rest, "15 steps: 4 of 16 samples and 1 of 6 each epoch"; with --batch-size above
     * N, "1 step of all 64 samples: --batch-size 1000 is above N = 64". It said "1 steps of 1000
     * samples" for N = 64.
     */
    static String stepsText(long steps, int epochsDone, int n, int batchSize) {
        String s = steps + (steps == 1 ? " step" : " steps");
        if (batchSize >= n) {
            return s + " of all " + n + " samples" + (epochsDone > 1 ? ", one an epoch" : "")
                    + (batchSize > n ? ": --batch-size " + batchSize + " is above N = " + n : "");
        }
        int full = n / batchSize, rest = n % batchSize;
        if (rest == 0) return s + " of " + batchSize + " samples";
        return s + ": " + full + " of " + batchSize + " samples and 1 of " + rest + " each epoch";
    }

    /**
     * A loss on a progress line: four decimals in the usual range, scientific outside it (a
     * diverging run's 1e200 printed 200 digits, a converged one's 1e-7 printed 0.0000).
     */
    static String progressLoss(double x) {
        return x == 0 || (Math.abs(x) >= 1e-3 && Math.abs(x) < 1e5) ? String.format(Locale.ROOT, "%.4f", x) : BaseCommand.sci(x);
    }

    static String summary(EpochRecord r) {
        StringBuilder s = new StringBuilder();
        if (!Double.isNaN(r.trainLoss())) s.append("train loss ").append(progressLoss(r.trainLoss()));
        if (r.heldOut() != null) {
            if (!s.isEmpty()) s.append(" · ");
            s.append("test loss ").append(progressLoss(r.heldOut().loss()));
            if (Double.isFinite(r.heldOut().accuracy())) s.append(String.format(Locale.ROOT, ", accuracy %.2f%%", 100 * r.heldOut().accuracy()));
        }
        if (r.curvature() != null) {
            if (!s.isEmpty()) s.append(" · ");
            s.append("λ_max ").append(BaseCommand.g3(r.curvature().topEigenvalue())).append(", tr H ").append(BaseCommand.g3(r.curvature().hessianTrace().estimate()))
                    .append(", ‖M‖/‖H‖ ").append(BaseCommand.g3(r.curvature().nmeToHessianFrobenius()));
        }
        if (r.epoch() > 0) s.append(" · steps ").append(Progress.seconds(r.seconds()));
        return s.toString();
    }
}
