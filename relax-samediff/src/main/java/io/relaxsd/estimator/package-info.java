/**
 * Gradient estimators for discrete random variables: one class per estimator, each with its
 * formula, paper and equation in the Javadoc; {@link io.relaxsd.estimator.Estimators} maps names to
 * implementations; {@link io.relaxsd.estimator.EstimatorConfig} holds validated settings.
 *
 * <p>Notation (as in the project's estimators note): θ logits, π = softmax(θ), D the one-hot
 * sample, g = ∂f/∂x at the sample, J(q) = diag(q) − q qᵀ, sg the stop-gradient.
 *
 * <p>Two families: {@link io.relaxsd.estimator.PathwiseEstimator}s need only g (their backward pass
 * maps g to ĝ); {@link io.relaxsd.estimator.ScoreFunctionEstimator}s (REINFORCE, REBAR, RELAX) need
 * the loss itself as a {@link io.relaxsd.estimator.SampleLoss} and build ĝ explicitly. The latter
 * are a score-function core plus a control variate (a baseline, or a
 * {@link io.relaxsd.estimator.Surrogate} c with its reparameterised correction ∇θc(z) − ∇θc(z̃)),
 * composed, not switched by flags.
 */
package io.relaxsd.estimator;
