package io.relaxsd.estimator;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;

/**
 * Generalised ReinMax(α): the second-order Runge-Kutta family behind ReinMax. Liu et al., "Bridging
 * Discrete and Backpropagation: Straight-Through and Beyond", NeurIPS 2023, Sec. 4 (α = 1 is
 * ReinMax / Heun, α = ½ the midpoint rule, α = ¾ Ralston's).
 *
 * <pre>
 *   c = 1/(2α),  π₀ = softmax(θ),  π₁ = (D + softmax(θ/τ))/2,  π_α = (1 − c)·softmax(θ/τ) + c·D
 *   ĝ = 2·(π_α ⊙ g − π₁ ⟨π_α, g⟩) − c·J(π₀)ᵀ g
 *   Bernoulli: ĝ = [2·π_α(1 − π₁) − c·p(1 − p)]·g,  π_α = (1 − c)σ(θ/τ) + c·b,  π₁ = (b + σ(θ/τ))/2
 * </pre>
 * Built linearly in ζ = θ − sg(θ) (zero forward, identity Jacobian):
 * out = D + 2·(π_α ⊙ ζ − π_α ⟨π₁, ζ⟩) − c·(π₀ − sg π₀) with π_α, π₁ held fixed, whose transposed
 * Jacobian applied to g is ĝ. Biased; deterministic given D. Uses α = {@code alpha}.
 */
final class ReinMaxAlpha extends PathwiseBase {
    ReinMaxAlpha(EstimatorConfig config) {
        super(config);
    }

    @Override
    public SDVariable output(NodeDraw draw) {
        SameDiff sd = draw.sameDiff();
        double c = 1.0 / (2.0 * config.alpha());
        SDVariable theta = draw.logits();
        SDVariable zeta = Sg.zeroWithGrad(theta);
        SDVariable hard = draw.hard();
        SDVariable tempered = Sg.sg(draw.kind() == DistributionKind.CATEGORICAL
                ? CategoricalMath.softmax(theta.div(config.temperature()))
                : sd.nn().sigmoid(theta.div(config.temperature())));
        SDVariable piAlpha = tempered.mul(1 - c).add(hard.mul(c));
        SDVariable pi1 = tempered.add(hard).mul(0.5);
        if (draw.kind() == DistributionKind.BERNOULLI) {
            SDVariable p = Sg.sg(draw.probs());
            SDVariable coef = piAlpha.mul(pi1.rsub(1.0)).mul(2.0).sub(p.mul(p.rsub(1.0)).mul(c));
            return hard.add(zeta.mul(coef));
        }
        SDVariable secondOrder = piAlpha.mul(zeta).sub(piAlpha.mul(pi1.mul(zeta).sum(true, 1))).mul(2.0);
        return hard.add(secondOrder).sub(Sg.zeroWithGrad(draw.probs()).mul(c));
    }

    @Override
    public boolean deterministicGivenSample() {
        return true;
    }
}
