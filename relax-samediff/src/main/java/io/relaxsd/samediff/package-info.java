/**
 * The SameDiff face of the library: {@link io.relaxsd.samediff.Discrete} puts discrete stochastic
 * nodes into a graph with an estimator's backward pass.
 */
package io.relaxsd.samediff;
