/**
 * The polynomial-programming benchmark of Liu et al. 2023 (ReinMax, §6.1): min E[Σ|z − 0.45|^p]/n
 * over n binary latents, each a 2-class categorical.
 */
package io.relaxsd.examples.poly;
