/**
 * Gradient estimators for discrete random variables: one class per estimator, each with its
 * formula, paper and equation in the Javadoc; {@link io.relaxsd.estimator.Estimators} maps names to
 * implementations; {@link io.relaxsd.estimator.EstimatorConfig} holds validated settings.
 *
 * <p>Notation (as in the project's estimators note): θ logits, π = softmax(θ), D the one-hot
 * sample, g = ∂f/∂x at the sample, J(q) = diag(q) − q qᵀ, sg the stop-gradient.
 */
package io.relaxsd.estimator;
