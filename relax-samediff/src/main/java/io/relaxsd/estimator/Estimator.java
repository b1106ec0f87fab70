package io.relaxsd.estimator;

import java.util.Set;

/**
 * A gradient estimator for a discrete stochastic node: an estimate ĝ of ∇θ E[f(D)] where θ are
 * the node's logits and D its sample.
 *
 * <p>Implementations are immutable and built from an {@link EstimatorConfig} by
 * {@link Estimators#create(EstimatorConfig)}. Pathwise estimators (given only the upstream
 * gradient ∂f/∂x at the sample) implement {@link PathwiseEstimator}.
 */
public interface Estimator {

    /** The validated settings this estimator was built from. */
    EstimatorConfig config();

    /** Registry name. */
    default String name() {
        return config().name();
    }

    /** True if E[ĝ] = ∇θ E[f(D)] exactly. */
    boolean unbiased();

    /** The distribution kinds this estimator is defined for. */
    Set<DistributionKind> kinds();

    /**
     * How many conditional noise draws per variable (given the sample) the node must supply as
     * the {@code [S, rows, K]} uniform input of {@link NodeDraw#conditionalUniforms()}; 0 for none.
     */
    default int conditionalSamples() {
        return 0;
    }

    /**
     * True if the estimate is a deterministic function of the logits, the hard sample and the
     * upstream gradient (no other noise): then E[ĝ] is the finite sum Σ_D p(D) ĝ(D).
     */
    default boolean deterministicGivenSample() {
        return false;
    }
}
