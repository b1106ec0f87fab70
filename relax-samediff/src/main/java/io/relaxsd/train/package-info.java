/**
 * Training loops for SameDiff graphs with score-function nodes: {@link io.relaxsd.train.TwoGroupTrainer}
 * steps the model parameters and the control-variate parameters φ with one gradient computation and
 * two optimisers.
 */
package io.relaxsd.train;
