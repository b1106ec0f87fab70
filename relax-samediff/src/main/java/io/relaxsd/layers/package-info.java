/**
 * DL4J drop-in stochastic layers: {@link io.relaxsd.layers.CategoricalStochasticLayer} and
 * {@link io.relaxsd.layers.BernoulliStochasticLayer} put a discrete bottleneck into a
 * {@code MultiLayerNetwork} or {@code ComputationGraph} that trains with {@code fit()}.
 *
 * <p>Each layer is a native DL4J layer whose runtime owns a small SameDiff graph built
 * with {@link io.relaxsd.samediff.Discrete} — the same code path as SameDiff users — so the backward
 * pass is the estimator's own, not a second copy. The runtime draws the noise itself from a seeded
 * generator, keeps it from {@code activate} to {@code backpropGradient} (the forward sample is the one
 * differentiated) and does not use DL4J's {@code SameDiffLayer}, whose M2.1 runtime doubles gradients.
 *
 * <p>Pathwise estimators need only dL/d(output) and give parameter-free layers. Score-function
 * estimators (REINFORCE, RELAX) need the loss f(D) itself: the output layer's loss is wrapped in
 * {@link io.relaxsd.layers.PerExampleScoreLoss}, which publishes f per example when DL4J asks it for
 * its gradient (before the layers below back-propagate), and the layer reads it
 * ({@code scoreFrom(channel)}); RELAX's surrogate parameters are then the layer's parameters. REBAR
 * and RELAX's relaxed-loss surrogate need f at relaxed inputs and are rejected
 * ({@link io.relaxsd.layers.StochasticLayer}).
 */
package io.relaxsd.layers;
