package dev.morse.training;

/**
 * One line of a training log: the state after epoch {@code epoch} (epoch 0: the starting point,
 * before any step).
 *
 * @param epoch           1-based epoch (0: the start)
 * @param step            optimizer steps taken so far in the run
 * @param learningRate    the rate of the epoch's last step (NaN for epoch 0)
 * @param trainLoss       the sample-weighted mean of the minibatch data losses L_B during the
 *                        epoch (θ moving, as PyTorch loops usually report it); for epoch 0 the
 *                        data loss L(θ₀) over the training set, the reference of the divergence
 *                        rule ({@link Trainer#DIVERGENCE_FACTOR}; NaN in checkpoints written before it)
 * @param trainObjective  the same for the minibatch objectives L_B + R (+ penalties)
 * @param heldOut         loss and accuracy on the held-out set after the epoch, or null
 * @param curvature       the curvature measurement after the epoch, or null
 * @param seconds         wall time of the epoch's optimizer steps
 * @param evalSeconds     wall time of the held-out evaluation
 */
public record EpochRecord(int epoch, long step, double learningRate, double trainLoss, double trainObjective,
                          HeldOutMetrics heldOut, CurvatureMonitor.Snapshot curvature, double seconds, double evalSeconds) {

    /** Loss on the held-out set (mean over its samples, the data loss without terms) and, for classification, the accuracy (else NaN). */
    public record HeldOutMetrics(double loss, double accuracy, long correct, int samples) {}
}
