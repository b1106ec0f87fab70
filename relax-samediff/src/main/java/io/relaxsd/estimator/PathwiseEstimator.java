package io.relaxsd.estimator;

import org.nd4j.autodiff.samediff.SDVariable;

/**
 * An estimator that needs only the upstream gradient g = ∂f/∂x at the node's output: its
 * backward pass maps g to ĝ. Built into the SameDiff graph with stop-gradient algebra, so that
 * ordinary autodiff through {@link #output(NodeDraw)} yields ĝ for the logits.
 */
public interface PathwiseEstimator extends Estimator {

    /**
     * The node's output variable, with the shape of {@link NodeDraw#logits()}: its forward value
     * is the hard sample D (or the relaxed sample for relaxed-forward estimators) and its gradient
     * with respect to the logits is this estimator's ĝ.
     */
    SDVariable output(NodeDraw draw);

    /** True if the forward value is a relaxed (non-discrete) sample, as for Gumbel-Softmax. */
    default boolean relaxedForward() {
        return false;
    }
}
