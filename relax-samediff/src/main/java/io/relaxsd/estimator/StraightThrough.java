package io.relaxsd.estimator;

import org.nd4j.autodiff.samediff.SDVariable;

/**
 * Straight-through (ST) with temperature τ. Bengio, Léonard &amp; Courville 2013, "Estimating or
 * propagating gradients through stochastic neurons"; the tempered form follows the ReinMax paper
 * (Liu et al., NeurIPS 2023, Sec. 3, ĝ_ST).
 *
 * <pre>
 *   forward:  D ~ Cat(softmax(θ))
 *   backward: ĝ = J(softmax(θ/τ))ᵀ g / τ            (categorical)
 *             ĝ = σ'(θ/τ) / τ · g                    (Bernoulli)
 * </pre>
 * where g = ∂f/∂x at x = D and J(q) = diag(q) − q qᵀ. Biased; deterministic given D, so
 * E[ĝ] = Σ_D p(D) ĝ(D). Stop-gradient form: {@code D + softmax(θ/τ) − sg(softmax(θ/τ))}.
 */
final class StraightThrough extends PathwiseBase {
    StraightThrough(EstimatorConfig config) {
        super(config);
    }

    @Override
    public SDVariable output(NodeDraw draw) {
        SDVariable scaled = draw.logits().div(config.temperature());
        SDVariable relaxed = draw.kind() == DistributionKind.CATEGORICAL
                ? CategoricalMath.softmax(scaled)
                : draw.sameDiff().nn().sigmoid(scaled);
        return Sg.forwardWithGradOf(draw.hard(), relaxed);
    }

    @Override
    public boolean deterministicGivenSample() {
        return true;
    }
}
