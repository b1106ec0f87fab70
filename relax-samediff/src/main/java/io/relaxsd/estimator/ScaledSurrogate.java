package io.relaxsd.estimator;

import java.util.ArrayList;
import java.util.List;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

/** c(z) = η·s(z) with a learned scalar η: value η·s(z), ∂c/∂z = η·∂s/∂z. */
final class ScaledSurrogate implements Surrogate {
    private final Surrogate inner;
    private final SDVariable eta;

    /**
     * @param prefix name prefix of the parameter {@code prefix + "eta"}
     * @param eta0   initial η (finite)
     */
    ScaledSurrogate(SameDiff sd, String prefix, Surrogate inner, double eta0, DataType dataType) {
        if (!Double.isFinite(eta0)) {
            throw new IllegalArgumentException("eta must be finite, got " + eta0);
        }
        this.inner = inner;
        this.eta = sd.var(prefix + "eta", Nd4j.scalar(eta0).castTo(dataType));
    }

    @Override
    public ValueAndGradient evaluate(SDVariable z) {
        ValueAndGradient s = inner.evaluate(z);
        return new ValueAndGradient(s.value().mul(eta), s.inputGradient().mul(eta));
    }

    @Override
    public List<String> parameterNames() {
        List<String> names = new ArrayList<>(inner.parameterNames());
        names.add(eta.name());
        return List.copyOf(names);
    }
}
