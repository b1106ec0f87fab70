package io.relaxsd.estimator;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;

/**
 * SameDiff building blocks for categorical variables, rows of logits {@code [N, K]}; the last
 * dimension is the category. Formulas: estimators note, "Sampling".
 */
final class CategoricalMath {
    /** Uniforms are clamped to [EPS, 1 − EPS] before logarithms. */
    static final double EPS = 1e-6;

    private CategoricalMath() {
    }

    /** Softmax over the last dimension of a rank-2 {@code [N, K]} variable. */
    static SDVariable softmax(SDVariable x) {
        return x.getSameDiff().nn().softmax(x, 1);
    }

    /** Softmax over the last dimension of a rank-3 {@code [S, N, K]} variable. */
    static SDVariable softmax3(SDVariable x) {
        return x.getSameDiff().nn().softmax(x, 2);
    }

    static SDVariable clampUnit(SDVariable u) {
        return u.getSameDiff().math().clipByValue(u, EPS, 1 - EPS);
    }

    /** Gumbel noise G = −log(−log u). */
    static SDVariable gumbel(SDVariable u) {
        SameDiff sd = u.getSameDiff();
        return sd.math().log(sd.math().log(clampUnit(u)).neg()).neg();
    }

    /** One-hot of the arg-max over the last dimension of {@code [N, K]}, without gradient. */
    static SDVariable oneHotArgmax(SDVariable x, int categories) {
        SameDiff sd = x.getSameDiff();
        SDVariable idx = sd.argmax(Sg.sg(x), false, 1);
        return Sg.sg(sd.oneHot(idx, categories, -1, 1.0, 0.0, x.dataType()));
    }

    /**
     * Perturbed log-probabilities given the sample, z̃ = log π + G̃ with G̃ ~ Gumbel | argmax = D
     * ("exponential race" form with E = −log v):
     * z̃_i = −log E_i at the sampled class i, z̃_k = −log(E_k / π_k + E_i) elsewhere.
     *
     * <p>A class whose π underflows to 0 gets z̃ = −∞, which the softmax of a relaxation maps to 0.
     * {@code ScoreContext} computes the same z̃ in log space instead, because it also needs the
     * Jacobian weight E/(π a), which is ∞/∞ there; this direct form saves two transcendental passes
     * over the {@code [S, N, K]} samples of the Rao-Blackwellised estimators.
     *
     * @param probs π, {@code [N, K]} (the result depends on π differentiably)
     * @param hard  D, one-hot {@code [N, K]}
     * @param v     uniforms {@code [S, N, K]}
     * @return z̃ {@code [S, N, K]}
     */
    static SDVariable conditionalPerturbed(SDVariable probs, SDVariable hard, SDVariable v) {
        SameDiff sd = probs.getSameDiff();
        SDVariable e = sd.math().log(clampUnit(v)).neg();                 // E ~ Exp(1), [S,N,K]
        SDVariable eAtSample = e.mul(hard).sum(true, 2);                   // E_i, [S,N,1]
        SDVariable top = sd.math().log(eAtSample).neg();                  // −log E_i
        SDVariable rest = sd.math().log(e.div(probs).add(eAtSample)).neg();
        return hard.mul(top).add(hard.rsub(1.0).mul(rest));
    }

    /**
     * The transposed softmax Jacobian at fixed q applied to g: J(q)ᵀg = q ⊙ g − q ⟨q, g⟩, with the
     * category along dimension {@code dim} (1 for {@code [N, K]}, 2 for {@code [S, N, K]}).
     */
    static SDVariable softmaxJacobianT(SDVariable q, SDVariable g, int dim) {
        return q.mul(g).sub(q.mul(q.mul(g).sum(true, dim)));
    }
}
