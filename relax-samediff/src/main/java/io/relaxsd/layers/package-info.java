/**
 * DL4J drop-in stochastic layers: {@link io.relaxsd.layers.CategoricalStochasticLayer} and
 * {@link io.relaxsd.layers.BernoulliStochasticLayer} put a discrete bottleneck into a
 * {@code MultiLayerNetwork} or {@code ComputationGraph} that trains with {@code fit()}.
 *
 * <p>Each layer is a native, parameter-free DL4J layer whose runtime owns a small SameDiff graph built
 * with {@link io.relaxsd.samediff.Discrete} — the same code path as SameDiff users — so the backward
 * pass is the estimator's own, not a second copy. The runtime draws the noise itself from a seeded
 * generator, keeps it from {@code activate} to {@code backpropGradient} (the forward sample is the one
 * differentiated) and does not use DL4J's {@code SameDiffLayer}, whose M2.1 runtime doubles gradients.
 *
 * <p>Only pathwise estimators fit here: a layer sees dL/d(output), never the loss f(D) itself, which
 * score-function estimators (REINFORCE, REBAR, RELAX) need.
 */
package io.relaxsd.layers;
