package io.relaxsd.estimator;


/**
 * REBAR (Tucker et al., NeurIPS 2017, eq. 5 / Alg. 1), with η and log λ learned on the
 * variance loss as in the paper:
 * <pre>
 *   ĝ = [f(D) − η f(σ_λ(z̃))]·∇θ log p(D) + η ∇θ f(σ_λ(z)) − η ∇θ f(σ_λ(z̃))
 * </pre>
 * z the perturbation that produced D, z̃ ~ p(z | D) keeping its θ-dependence, σ_λ = softmax(·/λ)
 * (σ(·/λ) for Bernoulli). The score-function core with the control variate of a
 * {@link RelaxedLossSurrogate}. Unbiased for every η, λ; categorical and Bernoulli. Initial η =
 * {@link EstimatorConfig#eta()}, initial λ = {@link EstimatorConfig#temperature()}.
 * Cost: 3 evaluations of f per step (f(D); f and ∂f/∂x at σ_λ(z) and at σ_λ(z̃)).
 */
final class Rebar extends ScoreFunctionBase {

    Rebar(EstimatorConfig config) {
        super(config);
    }

    @Override
    public ScoreEstimate estimate(ScoreNode node) {
        NodeDraw d = node.draw();
        Surrogate c = new RelaxedLossSurrogate(d.sameDiff(), node.name() + "-", node.loss(), d.kind(), d.width(),
                config.eta(), config.temperature(), d.logits().dataType());
        return ScoreFunctionCore.estimate(node, new SurrogateControlVariate(c, 1));
    }

    @Override
    public int conditionalSamples() {
        return 1;
    }
}
