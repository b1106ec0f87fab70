package io.relaxsd.estimator;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ops.impl.controlflow.compat.StopGradient;

/** Stop-gradient, the one primitive every estimator's backward pass is built from (notes §1). */
final class Sg {
    private Sg() {
    }

    /** Forward: {@code x}. Backward: zero. */
    static SDVariable sg(SDVariable x) {
        SameDiff sd = x.getSameDiff();
        return new StopGradient(sd, x).outputVariable();
    }

    /** Forward: zero. Backward: identity. {@code x − sg(x)}, the carrier of a custom Jacobian. */
    static SDVariable zeroWithGrad(SDVariable x) {
        return x.sub(sg(x));
    }

    /**
     * Forward: {@code value}. Backward: the Jacobian of {@code surrogate}. This is the
     * straight-through composition {@code sg(value) + surrogate − sg(surrogate)}.
     */
    static SDVariable forwardWithGradOf(SDVariable value, SDVariable surrogate) {
        return sg(value).add(zeroWithGrad(surrogate));
    }
}
