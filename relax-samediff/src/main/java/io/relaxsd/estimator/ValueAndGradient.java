package io.relaxsd.estimator;

import java.util.Objects;
import org.nd4j.autodiff.samediff.SDVariable;

/**
 * A scalar function of a per-example input evaluated on a batch: its value {@code [batch]} and its
 * gradient with respect to the input, with the input's shape, both as ordinary forward ops.
 *
 * <p>The gradient is written out as forward ops (not taken by autodiff) because SameDiff
 * 1.0.0-M2.1 cannot differentiate a gradient, and REBAR/RELAX must differentiate their estimator,
 * which contains ∂c/∂z, with respect to the control-variate parameters.
 */
public record ValueAndGradient(SDVariable value, SDVariable inputGradient) {
    public ValueAndGradient {
        Objects.requireNonNull(value, "value");
        Objects.requireNonNull(inputGradient, "inputGradient");
    }
}
