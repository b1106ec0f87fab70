/**
 * The one-Bernoulli toy problem of the REBAR and RELAX papers ({@code ./relax toy}): minimise
 * E[(b − t)²] over the logit θ, b ~ Bern(σ(θ)), with any registered estimator.
 */
package io.relaxsd.examples.toy;
