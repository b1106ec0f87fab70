package io.relaxsd.estimator;

import java.util.List;
import java.util.Objects;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

/**
 * REBAR's control variate as a surrogate: c(z) = η·f(σ_λ(z)) with learned η and log λ (one pair
 * per node). σ_λ(z) = softmax(z/λ) per group of K (categorical) or σ(z/λ) (Bernoulli), and
 * <pre>
 *   ∂c/∂z = η/λ · J(σ_λ(z))ᵀ f'(σ_λ(z))      (categorical, per group)
 *   ∂c/∂z = η/λ · σ_λ(1 − σ_λ) ⊙ f'(σ_λ(z))   (Bernoulli)
 * </pre>
 * Evaluates the loss's {@link SampleLoss#frozen()} copy, so the variance loss does not train the
 * loss's own parameters. Costs one evaluation of f (value and input gradient) per call.
 */
public final class RelaxedLossSurrogate implements Surrogate {
    private final SampleLoss loss;
    private final DistributionKind kind;
    private final int categories;
    private final SDVariable eta;
    private final SDVariable logLambda;

    /**
     * @param prefix     unique name prefix: the parameters are {@code prefix + "eta"} and {@code prefix + "logLambda"}
     * @param categories K for categorical nodes (ignored for Bernoulli)
     * @param eta0       initial η (finite)
     * @param lambda0    initial λ &gt; 0
     */
    public RelaxedLossSurrogate(SameDiff sd, String prefix, SampleLoss loss, DistributionKind kind, int categories,
                                double eta0, double lambda0, DataType dataType) {
        this.loss = Objects.requireNonNull(loss, "loss").frozen();
        this.kind = Objects.requireNonNull(kind, "kind");
        if (kind == DistributionKind.CATEGORICAL && categories < 2) {
            throw new IllegalArgumentException("categories must be >= 2, got " + categories);
        }
        if (!Double.isFinite(eta0)) {
            throw new IllegalArgumentException("eta must be finite, got " + eta0);
        }
        if (!(lambda0 > 0) || Double.isInfinite(lambda0)) {
            throw new IllegalArgumentException("temperature (initial lambda) must be finite and > 0, got " + lambda0);
        }
        this.categories = categories;
        this.eta = sd.var(prefix + "eta", Nd4j.scalar(eta0).castTo(dataType));
        this.logLambda = sd.var(prefix + "logLambda", Nd4j.scalar(Math.log(lambda0)).castTo(dataType));
    }

    @Override
    public ValueAndGradient evaluate(SDVariable z) {
        SameDiff sd = z.getSameDiff();
        SDVariable invLambda = sd.math().exp(logLambda.neg());
        SDVariable scaled = z.mul(invLambda);
        SDVariable relaxed;
        if (kind == DistributionKind.CATEGORICAL) {
            relaxed = sd.reshape(CategoricalMath.softmax(sd.reshape(scaled, -1, categories)), sd.shape(z));
        } else {
            relaxed = sd.nn().sigmoid(scaled);
        }
        ValueAndGradient f = loss.evaluate(relaxed);
        SDVariable g = f.inputGradient();
        SDVariable jtg;
        if (kind == DistributionKind.CATEGORICAL) {
            SDVariable q = sd.reshape(relaxed, -1, categories);
            jtg = sd.reshape(CategoricalMath.softmaxJacobianT(q, sd.reshape(g, -1, categories), 1), sd.shape(z));
        } else {
            jtg = relaxed.mul(relaxed.rsub(1.0)).mul(g);
        }
        return new ValueAndGradient(f.value().mul(eta), jtg.mul(eta.mul(invLambda)));
    }

    @Override
    public List<String> parameterNames() {
        return List.of(eta.name(), logLambda.name());
    }
}
