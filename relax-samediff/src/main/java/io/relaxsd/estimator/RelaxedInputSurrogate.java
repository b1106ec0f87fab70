package io.relaxsd.estimator;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

/**
 * c(z) = r(σ_λ(z)): a surrogate applied to the relaxed sample instead of the raw perturbation,
 * with a learned log λ (as the RELAX toy code: c_φ = MLP(σ(z/λ))). σ_λ = softmax(·/λ) per group of
 * K, or σ(·/λ) for Bernoulli, and ∂c/∂z = (1/λ)·J(σ_λ)ᵀ r'(σ_λ) per group (Bernoulli:
 * σ_λ(1 − σ_λ)/λ ⊙ r'(σ_λ)).
 */
public final class RelaxedInputSurrogate implements Surrogate {
    private final Surrogate inner;
    private final DistributionKind kind;
    private final int categories;
    private final SDVariable logLambda;

    /**
     * @param prefix  name prefix of the parameter {@code prefix + "logLambdaIn"}
     * @param lambda0 initial λ &gt; 0
     */
    public RelaxedInputSurrogate(SameDiff sd, String prefix, Surrogate inner, DistributionKind kind, int categories,
                                 double lambda0, DataType dataType) {
        this.inner = Objects.requireNonNull(inner, "inner");
        this.kind = Objects.requireNonNull(kind, "kind");
        if (kind == DistributionKind.CATEGORICAL && categories < 2) {
            throw new IllegalArgumentException("categories must be >= 2, got " + categories);
        }
        if (!(lambda0 > 0) || Double.isInfinite(lambda0)) {
            throw new IllegalArgumentException("temperature (initial lambda) must be finite and > 0, got " + lambda0);
        }
        this.categories = categories;
        this.logLambda = sd.var(prefix + "logLambdaIn", Nd4j.scalar(Math.log(lambda0)).castTo(dataType));
    }

    @Override
    public ValueAndGradient evaluate(SDVariable z) {
        SameDiff sd = z.getSameDiff();
        SDVariable invLambda = sd.math().exp(logLambda.neg());
        SDVariable scaled = z.mul(invLambda);
        SDVariable relaxed = kind == DistributionKind.CATEGORICAL
                ? sd.reshape(CategoricalMath.softmax(sd.reshape(scaled, -1, categories)), sd.shape(z))
                : sd.nn().sigmoid(scaled);
        ValueAndGradient r = inner.evaluate(relaxed);
        SDVariable g = r.inputGradient();
        SDVariable jtg = kind == DistributionKind.CATEGORICAL
                ? sd.reshape(CategoricalMath.softmaxJacobianT(sd.reshape(relaxed, -1, categories),
                        sd.reshape(g, -1, categories), 1), sd.shape(z))
                : relaxed.mul(relaxed.rsub(1.0)).mul(g);
        return new ValueAndGradient(r.value(), jtg.mul(invLambda));
    }

    @Override
    public List<String> parameterNames() {
        List<String> names = new ArrayList<>(inner.parameterNames());
        names.add(logLambda.name());
        return List.copyOf(names);
    }
}
