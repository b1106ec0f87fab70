package io.relaxsd.examples.vae;

import io.relaxsd.estimator.SampleLoss;
import io.relaxsd.estimator.ValueAndGradient;
import org.nd4j.autodiff.samediff.SDVariable;

/**
 * A loss of a Bernoulli node that sees its bits as ±1, as the RELAX paper's layers do:
 * f(z) = g(2z − 1), ∂f/∂z = 2·∂g/∂y at y = 2z − 1.
 */
final class SignedInputLoss implements SampleLoss {
    private final SampleLoss inner;

    SignedInputLoss(SampleLoss inner) {
        this.inner = inner;
    }

    /** 2z − 1. */
    static SDVariable signed(SDVariable z) {
        return z.mul(2.0).sub(1.0);
    }

    @Override
    public SDVariable value(SDVariable z) {
        return inner.value(signed(z));
    }

    @Override
    public SDVariable inputGradient(SDVariable z) {
        return inner.inputGradient(signed(z)).mul(2.0);
    }

    @Override
    public ValueAndGradient evaluate(SDVariable z) {
        ValueAndGradient v = inner.evaluate(signed(z));
        return new ValueAndGradient(v.value(), v.inputGradient().mul(2.0));
    }

    @Override
    public SampleLoss frozen() {
        return new SignedInputLoss(inner.frozen());
    }
}
