package io.relaxsd.estimator;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;

/**
 * SameDiff building blocks for Bernoulli variables (elementwise over {@code [N, n]} logits).
 * Formulas: estimators note, "Sampling".
 */
final class BernoulliMath {
    private BernoulliMath() {
    }

    /** Logistic noise log(u / (1 − u)), u clamped away from 0 and 1. */
    static SDVariable logistic(SDVariable u) {
        SameDiff sd = u.getSameDiff();
        SDVariable c = CategoricalMath.clampUnit(u);
        return sd.math().log(c).sub(sd.math().log(c.rsub(1.0)));
    }

    /** b = 1[z > 0] as a gradient-free 0/1 array of z's type. */
    static SDVariable step(SDVariable z) {
        SameDiff sd = z.getSameDiff();
        return Sg.sg(sd.gt(Sg.sg(z), 0.0).castTo(z.dataType()));
    }

    /**
     * Perturbed logit given the sample: z̃ = logit(p) + logit(ũ) with ũ = (1 − p) + v·p if b = 1 and
     * ũ = v·(1 − p) if b = 0. Depends on p (hence θ) differentiably, with v and b fixed.
     *
     * @param probs p {@code [N, n]}
     * @param hard  b {@code [N, n]}
     * @param v     uniforms {@code [S, N, n]}
     * @return z̃ {@code [S, N, n]}
     */
    static SDVariable conditionalPerturbed(SDVariable probs, SDVariable hard, SDVariable v) {
        SameDiff sd = probs.getSameDiff();
        SDVariable vc = CategoricalMath.clampUnit(v);
        SDVariable q = probs.rsub(1.0);                                  // 1 − p
        SDVariable uTilde = hard.mul(q.add(vc.mul(probs))).add(hard.rsub(1.0).mul(vc.mul(q)));
        SDVariable logitP = sd.math().log(probs).sub(sd.math().log(q));
        return logitP.add(sd.math().log(uTilde).sub(sd.math().log(uTilde.rsub(1.0))));
    }
}
