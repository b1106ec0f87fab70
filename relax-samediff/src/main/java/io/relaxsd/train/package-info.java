/**
 * Training utilities that ND4J 1.0.0-M2.1 lacks: {@link io.relaxsd.train.RAdam} (Rectified Adam) as
 * an ND4J {@code IUpdater}, usable in a SameDiff {@code TrainingConfig} or applied per parameter by
 * a hand-written loop.
 */
package io.relaxsd.train;
