package io.relaxsd.estimator;

import java.util.Objects;
import java.util.function.Function;

/**
 * RELAX (Grathwohl et al., "Backpropagation through the Void", ICLR 2018, eq. 5 and Alg. 2):
 * <pre>
 *   ĝ = [f(D) − c_φ(z̃)]·∇θ log p(D) + ∇θ c_φ(z) − ∇θ c_φ(z̃)
 * </pre>
 * with z, z̃ as in REBAR and a learned surrogate c_φ ({@link EstimatorConfig#surrogate()}):
 * c_φ(z) = η·f(σ_λ(z)) + r_ρ(z) (φ = (η, log λ, ρ), the official VAE code's choice) or
 * c_φ = r_ρ or c_φ = r_ρ(σ_λ(z)) (the RELAX toy code's choice), r_ρ an {@link MlpSurrogate} of {@link EstimatorConfig#surrogateWidths()}. Unbiased
 * for every φ; φ is trained by gradient descent on the per-logit Σ ĝ²/batch (its mean is fixed,
 * so this minimises the variance). Categorical and Bernoulli.
 * Cost: 3 evaluations of f per step with the relaxed-loss term, 1 for c_φ = r_ρ.
 * {@link #withSurrogate} plugs in any other {@link Surrogate}.
 */
public final class Relax extends ScoreFunctionBase {
    private final Function<ScoreNode, Surrogate> surrogateFactory;
    private final int lossEvaluationsPerSurrogateCall;

    Relax(EstimatorConfig config) {
        this(config, null, 0);
    }

    private Relax(EstimatorConfig config, Function<ScoreNode, Surrogate> factory, int evaluations) {
        super(config);
        this.surrogateFactory = factory;
        this.lossEvaluationsPerSurrogateCall = evaluations;
    }

    /**
     * RELAX with a user-built surrogate: {@code factory} is called once per node and must create its
     * parameters in the node's graph. {@code lossEvaluationsPerCall} is how often one
     * {@link Surrogate#evaluate} call evaluates f (for the documented cost).
     */
    public static Relax withSurrogate(EstimatorConfig config, Function<ScoreNode, Surrogate> factory,
                                      int lossEvaluationsPerCall) {
        return new Relax(config, Objects.requireNonNull(factory, "factory"), lossEvaluationsPerCall);
    }

    @Override
    public ScoreEstimate estimate(ScoreNode node) {
        Surrogate c;
        int evaluations;
        if (surrogateFactory != null) {
            c = surrogateFactory.apply(node);
            evaluations = lossEvaluationsPerSurrogateCall;
        } else {
            NodeDraw d = node.draw();
            Surrogate mlp = new MlpSurrogate(d.sameDiff(), node.name() + "-r", node.exampleWidth(),
                    config.surrogateWidths(), config.surrogateActivation(), d.logits().dataType(), node.rng());
            if (config.surrogate() == EstimatorConfig.SurrogateKind.MLP) {
                c = mlp;
                evaluations = 0;
            } else if (config.surrogate() == EstimatorConfig.SurrogateKind.MLP_OF_RELAXED) {
                c = new RelaxedInputSurrogate(d.sameDiff(), node.name() + "-", mlp, d.kind(), d.width(),
                        config.temperature(), d.logits().dataType());
                evaluations = 0;
            } else {
                c = Surrogate.sum(new RelaxedLossSurrogate(d.sameDiff(), node.name() + "-", node.loss(), d.kind(),
                        d.width(), config.eta(), config.temperature(), d.logits().dataType()), mlp);
                evaluations = 1;
            }
        }
        return ScoreFunctionCore.estimate(node, new SurrogateControlVariate(c, evaluations));
    }

    @Override
    public int conditionalSamples() {
        return 1;
    }
}
