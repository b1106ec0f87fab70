/**
 * Training utilities for SameDiff graphs: {@link io.relaxsd.train.TwoGroupTrainer} steps the model
 * parameters and the control-variate parameters φ of score-function nodes with one gradient
 * computation and two optimisers; {@link io.relaxsd.train.RAdam} (Rectified Adam, which ND4J
 * 1.0.0-M2.1 lacks) is an ND4J {@code IUpdater}, usable in a {@code TrainingConfig} or applied per
 * parameter by a hand-written loop.
 */
package io.relaxsd.train;
