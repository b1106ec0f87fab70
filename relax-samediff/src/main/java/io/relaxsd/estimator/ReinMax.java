package io.relaxsd.estimator;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;

/**
 * ReinMax: second-order accuracy by Heun's method on the softmax ODE. Liu, Liu, Gao, Wang &amp;
 * Han, "Bridging Discrete and Backpropagation: Straight-Through and Beyond", NeurIPS 2023,
 * Algorithm 2 (ReinMax), with the temperature placed as in the official implementation.
 *
 * <pre>
 *   π₀ = softmax(θ),  D ~ Cat(π₀),  π₁ = (D + softmax(θ/τ)) / 2
 *   ĝ = 2·J(π₁)ᵀ g − ½·J(π₀)ᵀ g                       (categorical)
 *   ĝ = [2·π₁(1 − π₁) − ½·p(1 − p)] · g,  p = σ(θ)     (Bernoulli, π₁ = (b + σ(θ/τ)) / 2)
 * </pre>
 * J(q) = diag(q) − q qᵀ. Biased; deterministic given D. The official code also subtracts the
 * class mean from ĝ; both terms already sum to zero over classes, so that step is omitted.
 *
 * <p>Stop-gradient form (categorical): π₁' = softmax(sg(log π₁ − θ) + θ) has value π₁ and Jacobian
 * J(π₁); output = D + 2·(π₁' − sg π₁') − ½·(π₀ − sg π₀).
 */
final class ReinMax extends PathwiseBase {
    ReinMax(EstimatorConfig config) {
        super(config);
    }

    @Override
    public SDVariable output(NodeDraw draw) {
        SameDiff sd = draw.sameDiff();
        SDVariable theta = draw.logits();
        SDVariable scaled = theta.div(config.temperature());
        if (draw.kind() == DistributionKind.BERNOULLI) {
            SDVariable p = draw.probs();
            SDVariable pi1 = draw.hard().add(sd.nn().sigmoid(scaled)).mul(0.5);
            SDVariable coef = pi1.mul(pi1.rsub(1.0)).mul(2.0).sub(p.mul(p.rsub(1.0)).mul(0.5));
            return draw.hard().add(Sg.zeroWithGrad(theta).mul(Sg.sg(coef)));
        }
        SDVariable pi1 = Sg.sg(draw.hard().add(CategoricalMath.softmax(scaled)).mul(0.5));
        SDVariable pi1WithJacobian = CategoricalMath.softmax(Sg.sg(sd.math().log(pi1).sub(theta)).add(theta));
        SDVariable secondOrder = Sg.zeroWithGrad(pi1WithJacobian).mul(2.0)
                .sub(Sg.zeroWithGrad(draw.probs()).mul(0.5));
        return draw.hard().add(secondOrder);
    }

    @Override
    public boolean deterministicGivenSample() {
        return true;
    }
}
