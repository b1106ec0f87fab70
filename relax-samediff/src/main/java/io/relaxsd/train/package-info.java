/**
 * Training utilities for SameDiff graphs: {@link io.relaxsd.train.TwoGroupTrainer} steps the model
 * parameters and the control-variate parameters φ of score-function nodes with one gradient
 * computation and two optimisers; {@link io.relaxsd.train.RAdam} (Rectified Adam, which ND4J
 * 1.0.0-M2.1 lacks) is an ND4J {@code IUpdater}, usable in a {@code TrainingConfig} or applied per
 * parameter by a hand-written loop; {@link io.relaxsd.train.FusedAdam} is ND4J's Adam step computed by
 * one fused loop, several times faster than ND4J 1.0.0-M2.1's native updater op (RAdam uses the same
 * loop).
 */
package io.relaxsd.train;
