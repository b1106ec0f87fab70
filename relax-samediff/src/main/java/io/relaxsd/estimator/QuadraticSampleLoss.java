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
    private final int rows;
    private final int width;

    private QuadraticSampleLoss(SDVariable mT, SDVariable m, SDVariable target, int rows, int width) {
        this.mT = mT;
        this.m = m;
        this.target = target;
        this.rows = rows;
        this.width = width;
    }

    /** Σ over the m columns; a reduction over a dimension of size 1 throws an NPE in SameDiff M2.1 (measured). */
    private SDVariable sumSquares(SDVariable r) {
        SDVariable sq = r.mul(r);
        return rows == 1 ? r.getSameDiff().reshape(sq, -1) : sq.sum(1);
    }

    /** The loss {@code q} as constants of {@code sd} in data type {@code dt}. */
    public static QuadraticSampleLoss of(SameDiff sd, QuadraticLoss q, DataType dt) {
        Objects.requireNonNull(q, "loss");
        double[][] mix = q.mixing();
        double[] t = q.target();
        var mArr = Nd4j.create(mix).castTo(dt);
        return new QuadraticSampleLoss(sd.constant(mArr.transpose().dup()), sd.constant(mArr),
                sd.constant(Nd4j.create(new double[][] {t}).castTo(dt)), t.length, q.width());
    }

    // a [B,1]x[1,m] or [B,m]x[m,1]... matmul with a size-1 inner dimension fails in matmul_bp at batch 1 in M2.1
    // ("mulRowVector: wrong arguments", measured): use the equivalent broadcast product there
    private SDVariable residual(SDVariable x) {
        return (width == 1 ? x.mul(mT) : x.mmul(mT)).sub(target);
    }

    private SDVariable backMix(SDVariable r) {
        return rows == 1 ? r.mul(m) : r.mmul(m);
    }

    @Override
    public SDVariable value(SDVariable x) {
        return sumSquares(residual(x));
    }

    @Override
    public SDVariable inputGradient(SDVariable x) {
        return backMix(residual(x)).mul(2.0);
    }

    @Override
    public ValueAndGradient evaluate(SDVariable x) {
        SDVariable r = residual(x);
        return new ValueAndGradient(sumSquares(r), backMix(r).mul(2.0));
    }

    @Override
    public SampleLoss frozen() {
        return this;
    }
}
