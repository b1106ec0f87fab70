package io.relaxsd.estimator;

import java.util.List;
import java.util.Objects;
import org.nd4j.autodiff.samediff.SDVariable;

/**
 * The graph pieces a score-function estimator builds for one node.
 *
 * @param sample             the hard sample D on the example layout (gradient-free)
 * @param gradient           ĝ per example, {@code [batch, W]}: an estimate of ∇θ E[f(D)] for that
 *                           example's logits; differentiable in the control-variate parameters φ
 *                           only (θ and f's own parameters enter behind stop-gradient)
 * @param lossAtSample       f(D) per example {@code [batch]} (mean over S samples), differentiable in f's
 *                           own parameters (a decoder), not in θ
 * @param controlParameters  names of φ (empty for REINFORCE)
 * @param stateUpdates       out-of-graph state changes to run after each step
 * @param lossEvaluations    evaluations of f per step (value and, where needed, input gradient)
 * @param penalty            a scalar the variance loss adds to Σ ĝ²/batch (weight decay on φ), or null
 */
public record ScoreEstimate(SDVariable sample, SDVariable gradient, SDVariable lossAtSample,
                            List<String> controlParameters, List<StateUpdate> stateUpdates, int lossEvaluations,
                            SDVariable penalty) {

    /** An estimate without a penalty on φ. */
    public ScoreEstimate(SDVariable sample, SDVariable gradient, SDVariable lossAtSample,
                         List<String> controlParameters, List<StateUpdate> stateUpdates, int lossEvaluations) {
        this(sample, gradient, lossAtSample, controlParameters, stateUpdates, lossEvaluations, null);
    }

    public ScoreEstimate {
        Objects.requireNonNull(sample, "sample");
        Objects.requireNonNull(gradient, "gradient");
        Objects.requireNonNull(lossAtSample, "lossAtSample");
        controlParameters = List.copyOf(controlParameters);
        stateUpdates = List.copyOf(stateUpdates);
    }
}
