package io.relaxsd.estimator;

import java.util.List;
import org.nd4j.autodiff.samediff.SDVariable;

/**
 * A control variate of the score-function core, in the estimator
 * ĝ = (f(D) − offset)·∇θ log p(D) + correction:
 * a baseline (offset independent of D, no correction), or a surrogate c (offset c(z̃),
 * correction ∇θ c(z) − ∇θ c(z̃), whose expectation is the score term's, so ĝ stays unbiased).
 */
interface ControlVariate {

    /** The terms for one node. */
    Terms terms(ScoreContext ctx);

    /**
     * @param offset          subtracted from f(D), {@code [batch]} or a scalar; may depend on φ
     * @param correction      added to ĝ on the example layout, or null
     * @param parameterNames  φ, trained on the variance loss
     * @param updates         state updates after each step
     * @param lossEvaluations extra evaluations of f per step
     * @param penalty         a scalar added to the variance loss (weight decay on φ), or null
     */
    record Terms(SDVariable offset, SDVariable correction, List<String> parameterNames, List<StateUpdate> updates,
                 int lossEvaluations, SDVariable penalty) {
        Terms(SDVariable offset, SDVariable correction, List<String> parameterNames, List<StateUpdate> updates,
              int lossEvaluations) {
            this(offset, correction, parameterNames, updates, lossEvaluations, null);
        }
    }
}
