package io.relaxsd.samediff;

import io.relaxsd.estimator.StateUpdate;
import java.util.List;
import java.util.Objects;
import org.nd4j.autodiff.samediff.SDVariable;

/**
 * A score-function node (REINFORCE, REBAR, RELAX) in a graph.
 *
 * <p>Train with ONE gradient computation of {@code modelLoss + varianceLoss} (plus any other
 * terms of the model, e.g. a KL) for the model parameters and {@link #controlParameters()}:
 * the two losses reach disjoint parameter sets by construction (stop-gradient), so their sum has
 * the model gradient on the model and ∂ varianceLoss/∂φ on φ.
 * {@link io.relaxsd.train.TwoGroupTrainer} does this with two optimisers.
 *
 * @param sample            the hard sample, shaped like the logits (gradient-free)
 * @param gradient          ĝ per example {@code [batch, W]} (a value; for inspection and tests)
 * @param lossAtSample      f(D) per example {@code [batch]}, differentiable in f's own parameters
 * @param modelLoss         mean over the batch of Σ_w sg(ĝ)·θ + f(D): its gradient is ĝ/batch for the
 *                          logits (then the encoder by autodiff) and ∇ f(D)/batch for f's parameters;
 *                          its value is not a loss (use lossAtSample for reporting)
 * @param varianceLoss      Σ ĝ² / batch (+ the surrogate's weight decay, if configured), differentiable in φ only
 * @param controlParameters φ (empty for REINFORCE)
 * @param stateUpdates      run after each step with the named outputs
 * @param lossEvaluations   evaluations of f per step
 */
public record ScoreFunctionNode(SDVariable sample, SDVariable gradient, SDVariable lossAtSample,
                                SDVariable modelLoss, SDVariable varianceLoss, List<String> controlParameters,
                                List<StateUpdate> stateUpdates, int lossEvaluations) {
    public ScoreFunctionNode {
        Objects.requireNonNull(sample, "sample");
        Objects.requireNonNull(gradient, "gradient");
        controlParameters = List.copyOf(controlParameters);
        stateUpdates = List.copyOf(stateUpdates);
    }
}
