package io.relaxsd.estimator;

import java.util.Arrays;
import java.util.Objects;
import java.util.function.Function;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * RELAX (Grathwohl et al., "Backpropagation through the Void", ICLR 2018, eq. 5 and Alg. 2):
 * <pre>
 *   ĝ = [f(D) − c_φ(z̃)]·∇θ log p(D) + ∇θ c_φ(z) − ∇θ c_φ(z̃)
 * </pre>
 * with z, z̃ as in REBAR and a learned surrogate c_φ ({@link EstimatorConfig#surrogate()}):
 * c_φ(z) = η·f(σ_λ(z)) + r_ρ(z) (φ = (η, log λ, ρ); the paper's f(σ_λ(z)) + r_ρ(z) with a learned η) or
 * c_φ = r_ρ or c_φ = r_ρ(σ_λ(z)) (the RELAX toy code's choice), r_ρ an {@link MlpSurrogate} of {@link EstimatorConfig#surrogateWidths()},
 * or c_φ(z) = η·[f(s) + Q([sg(ctx), s])], s = σ_λ(z), with a context ctx from the graph
 * ({@link EstimatorConfig#surrogateContext()}; the official VAE code gives Q the centred input x − x̄). Unbiased
 * for every φ; φ is trained by gradient descent on the per-logit Σ ĝ²/batch (its mean is fixed,
 * so this minimises the variance). Categorical and Bernoulli.
 * Cost: 3 evaluations of f per step with the relaxed-loss term, 1 for c_φ = r_ρ. The context enters Q's
 * first layer once per step, shared by c_φ(z) and c_φ(z̃). {@link EstimatorConfig#surrogateWeightDecay()}
 * adds L2 weight decay on the network to the variance loss.
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
        if (surrogateFactory != null) {
            return ScoreFunctionCore.estimate(node, new SurrogateControlVariate(surrogateFactory.apply(node),
                    lossEvaluationsPerSurrogateCall));
        }
        NodeDraw d = node.draw();
        SameDiff sd = d.sameDiff();
        DataType dt = d.logits().dataType();
        EstimatorConfig.SurrogateKind kind = config.surrogate();
        if (kind == EstimatorConfig.SurrogateKind.RELAXED_LOSS_PLUS_CONTEXT_MLP) {
            SDVariable context = resolveContext(sd, config);
            MlpSurrogate q = new MlpSurrogate(sd, node.name() + "-q", node.exampleWidth(), context,
                    config.surrogateContextWidth(), config.surrogateWidths(), config.surrogateActivation(), dt, node.rng());
            Surrogate c = relaxedLossPlusContextMlp(sd, node.name() + "-", node.loss(), q, d.kind(), d.width(),
                    config.eta(), config.temperature(), dt);
            return ScoreFunctionCore.estimate(node, new SurrogateControlVariate(c, 1, penalty(q)));
        }
        MlpSurrogate mlp = new MlpSurrogate(sd, node.name() + "-r", node.exampleWidth(),
                config.surrogateWidths(), config.surrogateActivation(), dt, node.rng());
        Surrogate c;
        int evaluations;
        if (kind == EstimatorConfig.SurrogateKind.MLP) {
            c = mlp;
            evaluations = 0;
        } else if (kind == EstimatorConfig.SurrogateKind.MLP_OF_RELAXED) {
            c = new RelaxedInputSurrogate(sd, node.name() + "-", mlp, d.kind(), d.width(), config.temperature(), dt);
            evaluations = 0;
        } else {
            c = Surrogate.sum(new RelaxedLossSurrogate(sd, node.name() + "-", node.loss(), d.kind(), d.width(),
                    config.eta(), config.temperature(), dt), mlp);
            evaluations = 1;
        }
        return ScoreFunctionCore.estimate(node, new SurrogateControlVariate(c, evaluations, penalty(mlp)));
    }

    private SDVariable penalty(MlpSurrogate network) {
        return config.surrogateWeightDecay() == 0 ? null : network.weightDecay(config.surrogateWeightDecay());
    }

    /**
     * c(z) = η·[f(s) + q(s)], s = σ_λ(z) (softmax(z/λ) per group of K, or σ(z/λ)), with learned η and
     * log λ: ∂c/∂z = (η/λ)·J(s)ᵀ [f'(s) + q'(s)], one Jacobian product for both terms. f is evaluated
     * through its {@link SampleLoss#frozen()} copy.
     */
    static Surrogate relaxedLossPlusContextMlp(SameDiff sd, String prefix, SampleLoss loss, Surrogate q,
                                               DistributionKind kind, int categories, double eta0, double lambda0,
                                               DataType dt) {
        Surrogate atRelaxed = Surrogate.sum(Surrogate.of(loss.frozen()), q);
        return new ScaledSurrogate(sd, prefix, new RelaxedInputSurrogate(sd, prefix, atRelaxed, kind, categories,
                lambda0, dt), eta0, dt);
    }

    /** The graph variable {@link EstimatorConfig#surrogateContext()} names, or null for none. */
    static SDVariable resolveContext(SameDiff sd, EstimatorConfig config) {
        String name = config.surrogateContext();
        if (name == null) {
            return null;
        }
        if (!sd.hasVariable(name)) {
            throw new IllegalArgumentException("surrogateContext: the graph has no variable named '" + name + "'");
        }
        SDVariable v = sd.getVariable(name);
        if (!v.dataType().isFPType()) {
            throw new IllegalArgumentException("surrogateContext: variable '" + name + "' must be floating-point, got "
                    + v.dataType());
        }
        long[] shape = v.getShape();     // known for placeholders, variables and constants only
        if (shape != null && (shape.length != 2 || (shape[1] >= 0 && shape[1] != config.surrogateContextWidth()))) {
            throw new IllegalArgumentException("surrogateContext: variable '" + name + "' has shape "
                    + Arrays.toString(shape) + ", expected [batch, " + config.surrogateContextWidth()
                    + "] (surrogateContextWidth)");
        }
        return v;
    }

    @Override
    public int conditionalSamples() {
        return 1;
    }
}
