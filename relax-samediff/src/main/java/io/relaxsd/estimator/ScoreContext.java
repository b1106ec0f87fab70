package io.relaxsd.estimator;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;

/**
 * The shared pieces of one score-function node, on the example layout {@code [batch, W]}: the
 * loss at the sample, the score ∇θ log p(D), the perturbation z that produced D, one conditional
 * perturbation z̃ ~ p(z | D), and the transposed Jacobians of z and z̃ with respect to θ in closed
 * form (no autodiff, so ĝ stays differentiable in φ):
 * <pre>
 *   categorical z = log π + G:               (∂z/∂θ)ᵀu = u − π Σ_k u_k
 *   categorical z̃_k = −log(E_k/π_k + E_i):   (∂z̃/∂θ)ᵀu = w − π Σ_k w_k,  w_k = u_k E_k / (π_k a_k),
 *                                            a_k = E_k/π_k + E_i,  w_i = 0  (z̃_i = −log E_i)
 *                                            (computed as z̃_k = −log E_i − softplus(x_k), w_k = u_k σ(x_k),
 *                                            x_k = log E_k − log π_k − log E_i: finite when π_k underflows)
 *   Bernoulli z = θ + logit u:               ∂z/∂θ = 1
 *   Bernoulli z̃ = θ + logit ũ:               ∂z̃/∂θ = v p / ũ (b = 1),  (1 − p)(1 − v) / (1 − ũ) (b = 0)
 * </pre>
 * with E = −log v, i the sampled class, ũ = 1 − p + v p (b = 1) or v (1 − p) (b = 0).
 */
final class ScoreContext {
    private final ScoreNode node;
    private final SameDiff sd;
    private final NodeDraw draw;
    private final int k;
    private final SDVariable sampleEx;
    private final SDVariable lossAtSample;

    private SDVariable zEx;
    private SDVariable zTildeEx;
    private SDVariable cWeight;   // categorical: E/(π a) on non-sampled classes, rows; Bernoulli: dz̃/dθ

    ScoreContext(ScoreNode node) {
        this.node = node;
        this.draw = node.draw();
        this.sd = draw.sameDiff();
        this.k = draw.width();
        this.sampleEx = toExamples(draw.hard());
        this.lossAtSample = node.loss().value(sampleEx);
    }

    ScoreNode node() {
        return node;
    }

    SameDiff sameDiff() {
        return sd;
    }

    boolean categorical() {
        return draw.kind() == DistributionKind.CATEGORICAL;
    }

    SDVariable toExamples(SDVariable rows) {
        return categorical() && node.variables() > 1 ? sd.reshape(rows, -1, (long) node.exampleWidth()) : rows;
    }

    SDVariable toRows(SDVariable ex) {
        return categorical() && node.variables() > 1 ? sd.reshape(ex, -1, k) : ex;
    }

    /** D on the example layout. */
    SDVariable sample() {
        return sampleEx;
    }

    /** f(D) per example, differentiable in f's own parameters. */
    SDVariable lossAtSample() {
        return lossAtSample;
    }

    /** ∇θ log p(D) = D − π (b − p), example layout. */
    SDVariable score() {
        return score(draw.hard());
    }

    /** ∇θ log p(D') for another hard sample D' (rows) of the same logits, example layout. */
    SDVariable score(SDVariable hardRows) {
        return toExamples(hardRows.sub(draw.probs()));
    }

    SDVariable z() {
        if (zEx == null) {
            zEx = toExamples(draw.perturbed());
        }
        return zEx;
    }

    SDVariable conditionalZ() {
        if (zTildeEx == null) {
            buildConditional();
        }
        return zTildeEx;
    }

    /** (∂z/∂θ)ᵀ u for u on the example layout. */
    SDVariable zJacobianT(SDVariable u) {
        if (!categorical()) {
            return u;
        }
        SDVariable r = toRows(u);
        return toExamples(r.sub(draw.probs().mul(r.sum(true, 1))));
    }

    /** (∂z̃/∂θ)ᵀ u for u on the example layout. */
    SDVariable conditionalZJacobianT(SDVariable u) {
        if (cWeight == null) {
            buildConditional();
        }
        if (!categorical()) {
            return u.mul(cWeight);
        }
        SDVariable w = toRows(u).mul(cWeight);
        return toExamples(w.sub(draw.probs().mul(w.sum(true, 1))));
    }

    private void buildConditional() {
        SDVariable v = CategoricalMath.clampUnit(sd.reshape(draw.conditionalUniforms(), -1, k));  // S = 1
        SDVariable hard = draw.hard();
        if (categorical()) {
            // In log space: with x_k = log E_k − log π_k − log E_i, log a_k = log E_i + softplus(x_k) and
            // E_k/(π_k a_k) = σ(x_k). Not E/π directly: π_k underflows in FLOAT (a class ~88 nats below
            // the top one gives E/π = ∞ and w = ∞/∞ = NaN), which the VAE encoder reaches after epochs.
            SDVariable logE = sd.math().log(sd.math().log(v).neg());
            SDVariable logEI = logE.mul(hard).sum(true, 1);
            SDVariable x = logE.sub(draw.logProbs()).sub(logEI);
            SDVariable notHard = hard.rsub(1.0);
            zTildeEx = toExamples(hard.mul(logEI.neg()).sub(notHard.mul(logEI.add(NodeDraw.stableSoftplus(x)))));
            cWeight = notHard.mul(sd.nn().sigmoid(x));
        } else {
            SDVariable p = draw.probs();
            SDVariable q = p.rsub(1.0);
            SDVariable notHard = hard.rsub(1.0);
            SDVariable uT = hard.mul(q.add(v.mul(p))).add(notHard.mul(v.mul(q)));
            SDVariable oneMinusUT = uT.rsub(1.0);
            zTildeEx = draw.logits().add(sd.math().log(uT).sub(sd.math().log(oneMinusUT)));
            cWeight = hard.mul(v.mul(p).div(uT)).add(notHard.mul(q.mul(v.rsub(1.0)).div(oneMinusUT)));
        }
    }
}
