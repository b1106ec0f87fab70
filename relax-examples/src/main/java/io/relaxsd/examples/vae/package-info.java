/**
 * The MNIST VAE with discrete latents ({@code ./relax vae}): the model as one SameDiff graph
 * ({@link io.relaxsd.examples.vae.VaeModel}), its setups ({@link io.relaxsd.examples.vae.VaeSetup}),
 * and the deterministic, resumable training loop ({@link io.relaxsd.examples.vae.VaeTrainer}).
 */
package io.relaxsd.examples.vae;
