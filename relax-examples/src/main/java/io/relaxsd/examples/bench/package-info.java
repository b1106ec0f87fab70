/**
 * Benchmarks: VAE training-step throughput with roofline and estimator-overhead ratios
 * ({@code ./relax bench}), JMH microbenchmarks of the estimator nodes ({@code ./relax bench --jmh}),
 * and the CUDA capability check.
 */
package io.relaxsd.examples.bench;
