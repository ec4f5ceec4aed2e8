/**
 * Minibatch training on the engine (SPEC §11): the objective of one step is L_B(θ) + R(θ) (+ the
 * penalties, which are more {@link dev.morse.engine.Term}s of the {@link dev.morse.engine.Problem}),
 * evaluated by an {@link dev.morse.engine.Evaluator} on a {@link dev.morse.engine.Batch} of sample
 * indices; optimizers with torch.optim's conventions ({@link Optimizer}: SGD with momentum and
 * Nesterov, Adam, AdamW), learning-rate schedules ({@link LearningRateSchedule}), seeded shuffling
 * ({@link Shuffle}), held-out metrics, checkpoints that resume bit-identically
 * ({@link TrainingState}) and curvature along the way ({@link CurvatureMonitor}).
 *
 * <h2>Randomness</h2>
 * Every random choice comes from the run's seed through {@link Seeds#derive}, one stream per
 * purpose and index: the order of epoch e, the probes of step t, the held-out split, the curvature
 * subset and probes. Nothing is drawn from a generator whose position would have to be saved, so a
 * checkpoint needs only the epoch and step counters to continue with the very same draws.
 *
 * <h2>Chunk plan</h2>
 * A minibatch is cut into chunks like any batch (see {@link dev.morse.engine.Evaluator}); training
 * opens its evaluator with a smallest chunk of {@value Trainer#MIN_CHUNK_ROWS} rows
 * ({@link dev.morse.engine.Evaluator.Settings#minChunkRows()}), so a batch of 128 runs as 2 chunks
 * of 64 rows instead of 4 of 32: fewer, larger GEMMs (each packs the weights once) and half the
 * P-long partial gradients to reduce.
 */
package dev.morse.training;
