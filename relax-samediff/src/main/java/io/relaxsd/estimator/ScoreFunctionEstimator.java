package io.relaxsd.estimator;

/**
 * An estimator that needs the downstream loss f itself (REINFORCE, REBAR, RELAX): given the node
 * and f it builds ĝ explicitly as graph expressions. The caller turns ĝ into the model loss
 * Σ sg(ĝ)·θ and the variance loss Σ ĝ²/batch ({@link io.relaxsd.samediff.Discrete} does both).
 */
public interface ScoreFunctionEstimator extends Estimator {

    /** Builds ĝ for one node into the node's graph. */
    ScoreEstimate estimate(ScoreNode node);

    @Override
    default boolean unbiased() {
        return true;
    }
}
