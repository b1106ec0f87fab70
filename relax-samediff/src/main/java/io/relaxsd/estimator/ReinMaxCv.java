package io.relaxsd.estimator;

import org.nd4j.autodiff.samediff.SDIndex;
import org.nd4j.autodiff.samediff.SDVariable;

/**
 * ReinMax-CV: ReinMax plus η times the gap between Gumbel-Rao and straight-through Gumbel-Softmax at
 * the shifted logits. Wang &amp; Bui, "Beyond ReinMax: Low-Variance Gradient Estimators for Discrete
 * Latent Variables", eq. 18, as two independent public re-implementations read it.
 *
 * <pre>
 *   π₀ = softmax(θ),  D ~ Cat(π₀),  θ_D = log((π₀ + D)/2),  g = ∂f/∂x at x = D
 *   ĝ_RM   = 2·J(π₁)ᵀg − ½·J(π₀)ᵀg,  π₁ = (D + softmax(θ/τ_RM))/2     (τ_RM = reinmaxTemperature, default 1)
 *   ĝ_GR   = (1/K) Σ_k J(softmax((θ_D + G_k)/τ))ᵀ g / τ,  G_k ~ Gumbel | argmax(θ_D + G_k) = D
 *   ĝ_STGS = J(softmax((θ_D + G)/τ))ᵀ g / τ,               G ~ Gumbel, FRESH and independent of D
 *   ĝ      = ĝ_RM + η·(ĝ_GR − ĝ_STGS)                                    (eq. 18; default, CvNoise.UNCONDITIONAL)
 * </pre>
 * J(q) = diag(q) − q qᵀ; τ = {@code temperature}, K = {@code samples}, η = {@code eta}. Its mean is not
 * ReinMax's: E[ĝ] = E_D[ĝ_RM(D)] + η·Σ_D p(D)·(E[J·g | argmax(θ_D + G) = D] − E_G[J·g]), g = g(D) in both.
 * The authors' research code passes the forward soft sample where G belongs in ĝ_STGS; that is not
 * done here.
 *
 * <p>{@link EstimatorConfig.CvNoise#CONDITIONAL} draws G conditionally on D as well, like the G_k:
 * <pre>
 *   ĝ = ĝ_RM + η·(ĝ_GR − ĝ_STGS(G_0)),  G_0 ~ Gumbel | argmax(θ_D + G_0) = D
 * </pre>
 * Then E[ĝ_GR − ĝ_STGS | D] = 0, so the mean is ReinMax's. That form cannot lower the variance:
 * ĝ_RM is a function of D alone, so Var ĝ = Var E[ĝ | D] + E Var(ĝ | D) = Var ĝ_RM + η²·E Var(ĝ_GR −
 * ĝ_STGS | D) ≥ Var ĝ_RM. The same holds in a model with many nodes (a VAE), where ĝ is a deterministic
 * function of the input and of all the samples D. It is kept as an option for variance studies.
 *
 * <p>Bernoulli: the same with p_b = (p + b)/2, J(q) → q(1 − q), conditional logistic noise for the
 * G_k and unconditional logistic noise for the single draw; it is the 2-class categorical with logits
 * (θ, 0). Biased. Uses K + 1 uniform draws per variable: the first feeds the single draw, the other K
 * the conditional ones.
 */
final class ReinMaxCv extends PathwiseBase {
    private final ReinMax reinMax;

    ReinMaxCv(EstimatorConfig config) {
        super(config);
        this.reinMax = new ReinMax(config.toBuilder().temperature(config.reinmaxTemperature()).build());
    }

    @Override
    public SDVariable output(NodeDraw draw) {
        SDVariable shiftedProbs = Sg.sg(draw.probs().add(draw.hard()).mul(0.5));           // softmax(θ_D)
        SDVariable v = draw.conditionalUniforms();                                         // [K+1, N, K]
        int k = config.samples();
        SDVariable first = v.get(SDIndex.interval(0, 1));
        SDVariable rest = v.get(SDIndex.interval(1, k + 1));
        SDVariable single = config.cvNoise() == EstimatorConfig.CvNoise.UNCONDITIONAL
                ? draw.unconditionalPerturbedAt(shiftedProbs, first)
                : draw.conditionalPerturbedAt(shiftedProbs, first);
        SDVariable singleRelaxed = draw.conditionalRelaxedMean(single, config.temperature());
        SDVariable average = draw.conditionalRelaxedMean(draw.conditionalPerturbedAt(shiftedProbs, rest),
                config.temperature());
        SDVariable controlVariate = Sg.zeroWithGrad(average.sub(singleRelaxed)).mul(config.eta());
        return reinMax.output(draw).add(controlVariate);
    }

    @Override
    public int conditionalSamples() {
        return config.samples() + 1;
    }
}
