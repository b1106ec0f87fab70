package io.relaxsd.examples.poly;

import io.relaxsd.estimator.SampleLoss;
import io.relaxsd.samediff.RowSum;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The benchmark's loss of one example, on the node's grouped categorical layout x {@code [batch, 2n]}
 * (columns 2i, 2i + 1 are latent i's two classes):
 * <pre>
 *   f(x) = (1/n) Σ_i |z_i − t|^p,   z_i = x_{i,0} (class 0 is z = 1, as in the official poly/ code)
 *   ∂f/∂x_{i,0} = (p/n)·|z_i − t|^{p−1}·sign(z_i − t),   ∂f/∂x_{i,1} = 0
 * </pre>
 * z = x·S with S {@code [2n, n]} selecting the even columns, so both the value (differentiated by
 * SameDiff for the pathwise estimators) and the hand-written input gradient (for the
 * score-function estimators, REBAR/RELAX evaluate it at relaxed x in (0, 1)) are plain products.
 * No trainable parameters: {@link #frozen()} is itself.
 */
final class PolyLoss implements SampleLoss {
    private final SDVariable select;     // S, [2n, n]
    private final SDVariable selectT;    // Sᵀ, [n, 2n]
    private final int latents;
    private final double p;
    private final double target;

    PolyLoss(SameDiff sd, int latents, double p, double target, DataType dt) {
        INDArray s = Nd4j.zeros(dt, 2L * latents, latents);
        for (int i = 0; i < latents; i++) {
            s.putScalar(2L * i, i, 1.0);
        }
        this.select = sd.constant(s);
        this.selectT = sd.constant(s.transpose().dup());
        this.latents = latents;
        this.p = p;
        this.target = target;
    }

    @Override
    public SDVariable value(SDVariable x) {
        SameDiff sd = x.getSameDiff();
        SDVariable a = sd.math().abs(x.mmul(select).sub(target));
        return RowSum.of(sd.math().pow(a, p), latents).div(latents);
    }

    @Override
    public SDVariable inputGradient(SDVariable x) {
        SameDiff sd = x.getSameDiff();
        SDVariable d = x.mmul(select).sub(target);
        SDVariable g = sd.math().sign(d).mul(sd.math().pow(sd.math().abs(d), p - 1)).mul(p / latents);
        return g.mmul(selectT);
    }

    @Override
    public SampleLoss frozen() {
        return this;
    }
}
