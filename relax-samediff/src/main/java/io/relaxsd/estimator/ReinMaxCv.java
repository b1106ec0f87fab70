package io.relaxsd.estimator;

import org.nd4j.autodiff.samediff.SDVariable;

/**
 * ReinMax-CV: ReinMax plus a control variate with zero mean given the sample. Wang &amp; Bui,
 * "Beyond ReinMax: Low-Variance Gradient Estimators for Discrete Latent Variables".
 *
 * <pre>
 *   θ' = log((π₀ + D)/2);  G_0, G_1..G_K ~ Gumbel | argmax(θ' + G) = D   (K + 1 independent draws)
 *   ĝ_GS = J(softmax((θ' + G_0)/τ))ᵀ g / τ
 *   ĝ_GR = (1/K) Σ_k J(softmax((θ' + G_k)/τ))ᵀ g / τ
 *   ĝ = ĝ_ReinMax − η·ĝ_GS + η·ĝ_GR                  (E[ĝ_GR − ĝ_GS | D] = 0, so E[ĝ] = E[ĝ_ReinMax])
 * </pre>
 * Bernoulli: the same with p' = (p + b)/2 and conditional logistic noise. Biased (as ReinMax).
 * Uses K = {@code samples} and η = {@code eta}; needs K + 1 conditional draws per variable.
 */
final class ReinMaxCv extends PathwiseBase {
    private final ReinMax reinMax;

    ReinMaxCv(EstimatorConfig config) {
        super(config);
        this.reinMax = new ReinMax(config);
    }

    @Override
    public SDVariable output(NodeDraw draw) {
        SDVariable shiftedProbs = Sg.sg(draw.probs().add(draw.hard()).mul(0.5));
        SDVariable zTilde = draw.conditionalPerturbedAt(shiftedProbs);                     // [K+1, N, K]
        int k = config.samples();
        SDVariable single = draw.conditionalRelaxedMean(zTilde.get(
                org.nd4j.autodiff.samediff.SDIndex.interval(0, 1)), config.temperature());
        SDVariable average = draw.conditionalRelaxedMean(zTilde.get(
                org.nd4j.autodiff.samediff.SDIndex.interval(1, k + 1)), config.temperature());
        SDVariable controlVariate = Sg.zeroWithGrad(average.sub(single)).mul(config.eta());
        return reinMax.output(draw).add(controlVariate);
    }

    @Override
    public int conditionalSamples() {
        return config.samples() + 1;
    }
}
