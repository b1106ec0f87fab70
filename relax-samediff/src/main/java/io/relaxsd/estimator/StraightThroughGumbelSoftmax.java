package io.relaxsd.estimator;

import org.nd4j.autodiff.samediff.SDVariable;

/**
 * Straight-through Gumbel-Softmax. Jang, Gu &amp; Poole, ICLR 2017, Sec. 2.2 ("Straight-Through
 * Gumbel-Softmax Estimator").
 *
 * <pre>
 *   forward:  D = onehot(argmax(θ + G))                        (b = 1[θ + logit u &gt; 0])
 *   backward: ĝ = J(softmax((θ + G)/τ))ᵀ g / τ                  with the same G as the forward
 * </pre>
 * Biased. Stop-gradient form: {@code D + y − sg(y)}, y = softmax((θ + G)/τ).
 */
final class StraightThroughGumbelSoftmax extends PathwiseBase {
    StraightThroughGumbelSoftmax(EstimatorConfig config) {
        super(config);
    }

    @Override
    public SDVariable output(NodeDraw draw) {
        return Sg.forwardWithGradOf(draw.hard(), draw.relaxed(config.temperature()));
    }
}
