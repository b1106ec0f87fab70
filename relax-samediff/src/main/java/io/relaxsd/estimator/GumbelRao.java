package io.relaxsd.estimator;

import org.nd4j.autodiff.samediff.SDVariable;

/**
 * Gumbel-Rao (GR-MCK). Paulus, Maddison &amp; Krause, "Rao-Blackwellizing the Straight-Through
 * Gumbel-Softmax Gradient Estimator", ICLR 2021, Eq. (9).
 *
 * <pre>
 *   forward:  D ~ Cat(softmax(θ))
 *   backward: ĝ = (1/K) Σ_k J(softmax((θ + G_k)/τ))ᵀ g / τ,   G_k ~ Gumbel | argmax(θ + G) = D
 * </pre>
 * The conditional noise is held fixed (no gradient through its dependence on θ). Its mean equals
 * ST-Gumbel-Softmax's for every K (a Rao-Blackwellisation); biased. Uses K = {@code samples}
 * conditional draws per variable.
 */
final class GumbelRao extends PathwiseBase {
    GumbelRao(EstimatorConfig config) {
        super(config);
    }

    @Override
    public SDVariable output(NodeDraw draw) {
        SDVariable carrier = draw.conditionalRelaxedMean(draw.conditionalPerturbed(), config.temperature());
        return Sg.forwardWithGradOf(draw.hard(), carrier);
    }

    @Override
    public int conditionalSamples() {
        return config.samples();
    }
}
