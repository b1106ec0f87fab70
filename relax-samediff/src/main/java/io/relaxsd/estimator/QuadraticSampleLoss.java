package io.relaxsd.estimator;

import io.relaxsd.exact.QuadraticLoss;
import java.util.Objects;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

/**
 * f(x) = ‖M x − t‖² per example as a {@link SampleLoss} (the exactness checks' loss, and the toy
 * problem's (b − t)² with M = 1): value Σ_r (Mx − t)_r², input gradient 2 Mᵀ(Mx − t). No
 * trainable parameters, so {@link #frozen()} is itself.
 */
public final class QuadraticSampleLoss implements SampleLoss {
    private final SDVariable mT;      // Mᵀ, [width, m]
    private final SDVariable m;       // M, [m, width]
    private final SDVariable target;  // [1, m]

    private QuadraticSampleLoss(SDVariable mT, SDVariable m, SDVariable target) {
        this.mT = mT;
        this.m = m;
        this.target = target;
    }

    /** The loss {@code q} as constants of {@code sd} in data type {@code dt}. */
    public static QuadraticSampleLoss of(SameDiff sd, QuadraticLoss q, DataType dt) {
        Objects.requireNonNull(q, "loss");
        double[][] mix = q.mixing();
        double[] t = q.target();
        var mArr = Nd4j.create(mix).castTo(dt);
        return new QuadraticSampleLoss(sd.constant(mArr.transpose().dup()), sd.constant(mArr),
                sd.constant(Nd4j.create(new double[][] {t}).castTo(dt)));
    }

    private SDVariable residual(SDVariable x) {
        return x.mmul(mT).sub(target);
    }

    @Override
    public SDVariable value(SDVariable x) {
        SDVariable r = residual(x);
        return r.mul(r).sum(1);
    }

    @Override
    public SDVariable inputGradient(SDVariable x) {
        return residual(x).mmul(m).mul(2.0);
    }

    @Override
    public ValueAndGradient evaluate(SDVariable x) {
        SDVariable r = residual(x);
        return new ValueAndGradient(r.mul(r).sum(1), r.mmul(m).mul(2.0));
    }

    @Override
    public SampleLoss frozen() {
        return this;
    }
}
