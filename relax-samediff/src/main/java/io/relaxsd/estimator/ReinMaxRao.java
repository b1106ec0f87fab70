package io.relaxsd.estimator;

import org.nd4j.autodiff.samediff.SDVariable;

/**
 * ReinMax-Rao: ReinMax with its first-order term Rao-Blackwellised over conditional Gumbels.
 * Wang &amp; Bui, "Beyond ReinMax: Low-Variance Gradient Estimators for Discrete Latent Variables".
 *
 * <pre>
 *   π₀ = softmax(θ), D ~ Cat(π₀), θ' = log((π₀ + D)/2)
 *   G_k ~ Gumbel | argmax(θ' + G) = D,  k = 1..K
 *   J_RB = (1/K) Σ_k J(softmax((θ' + G_k)/τ)) / τ
 *   ĝ = 2·J_RBᵀ g − ½·J(π₀)ᵀ g
 * </pre>
 * Bernoulli: the same with p' = (p + b)/2 and conditional logistic noise. Biased; its mean differs
 * from ReinMax's. Uses K = {@code samples} conditional draws per variable.
 */
final class ReinMaxRao extends PathwiseBase {
    ReinMaxRao(EstimatorConfig config) {
        super(config);
    }

    @Override
    public SDVariable output(NodeDraw draw) {
        SDVariable shiftedProbs = Sg.sg(draw.probs().add(draw.hard()).mul(0.5));          // softmax(θ'), fixed
        SDVariable zTilde = draw.conditionalPerturbedAt(shiftedProbs);                    // θ' + G_k
        SDVariable firstOrder = draw.conditionalRelaxedMean(zTilde, config.temperature());
        SDVariable carrier = firstOrder.mul(2.0).sub(draw.probs().mul(0.5));
        return Sg.forwardWithGradOf(draw.hard(), carrier);
    }

    @Override
    public int conditionalSamples() {
        return config.samples();
    }
}
