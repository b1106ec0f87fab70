package io.relaxsd.estimator;

import org.nd4j.autodiff.samediff.SDVariable;

/**
 * Gumbel-Softmax / Concrete relaxation. Jang, Gu &amp; Poole, "Categorical Reparameterization with
 * Gumbel-Softmax", ICLR 2017, Eq. (1); Maddison, Mnih &amp; Teh, "The Concrete Distribution", ICLR
 * 2017 (binary Concrete, Eq. 4).
 *
 * <pre>
 *   forward:  y = softmax((θ + G)/τ),  G = −log(−log u)      (relaxed, not one-hot)
 *             y = σ((θ + log(u/(1−u)))/τ)                     (Bernoulli)
 *   backward: autodiff through y:  ĝ = J(y)ᵀ g / τ
 * </pre>
 * Biased for E[f(D)] (it is unbiased for the relaxed objective E[f(y)]); g is taken at y.
 */
final class GumbelSoftmax extends PathwiseBase {
    GumbelSoftmax(EstimatorConfig config) {
        super(config);
    }

    @Override
    public SDVariable output(NodeDraw draw) {
        return draw.relaxed(config.temperature());
    }

    @Override
    public boolean relaxedForward() {
        return true;
    }
}
