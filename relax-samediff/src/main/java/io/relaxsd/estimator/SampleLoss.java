package io.relaxsd.estimator;

import org.nd4j.autodiff.samediff.SDVariable;

/**
 * The downstream loss f of a discrete node, per example, as a SameDiff function of the node's
 * output x. Score-function estimators need f itself (REINFORCE: at the sample) and REBAR/RELAX
 * also f and ∂f/∂x at relaxed inputs.
 *
 * <p>Layout of x: {@code [batch, L·K]} (L categorical variables of K classes, grouped: columns
 * {@code l·K … l·K + K − 1} are variable l) or {@code [batch, n]} (n Bernoullis). The loss may be
 * called several times on different inputs (the sample, σ_λ(z), σ_λ(z̃)); every call must use the
 * same parameters (share the weights).
 *
 * <p>A loss with trainable parameters (a decoder) must return from {@link #frozen()} the same
 * function with its parameters behind stop-gradient: the control variates evaluate that copy, so
 * the variance loss, which contains those evaluations, trains only the control variate and not the
 * decoder.
 */
public interface SampleLoss {

    /** f(x), {@code [batch]}. */
    SDVariable value(SDVariable x);

    /** ∂f/∂x as forward ops (no autodiff), shaped like x. */
    SDVariable inputGradient(SDVariable x);

    /** Value and input gradient together; override to share the forward pass. */
    default ValueAndGradient evaluate(SDVariable x) {
        return new ValueAndGradient(value(x), inputGradient(x));
    }

    /**
     * This loss with every trainable parameter of its own behind stop-gradient (the same values).
     * A loss without parameters returns itself.
     */
    SampleLoss frozen();
}
