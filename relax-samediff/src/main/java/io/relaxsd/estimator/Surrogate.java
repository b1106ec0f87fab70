package io.relaxsd.estimator;

import java.util.ArrayList;
import java.util.List;
import org.nd4j.autodiff.samediff.SDVariable;

/**
 * A learned surrogate c_φ(z) of the loss as a function of the perturbed logits z {@code [batch, W]}
 * (W = L·K grouped, or n): its value {@code [batch]} and ∂c/∂z written as forward ops, so that
 * the variance loss E[ĝ²], which contains ∂c/∂z, can be differentiated with respect to φ by
 * first-order autodiff. Any network providing both can be plugged into RELAX.
 */
public interface Surrogate {

    /** c_φ(z) and ∂c_φ/∂z; every call shares the parameters. */
    ValueAndGradient evaluate(SDVariable z);

    /** Names of the SameDiff variables φ (trained on the variance loss). */
    List<String> parameterNames();

    /**
     * c(x) = f(x): a loss as a parameter-free surrogate. Pass the loss's {@link SampleLoss#frozen()}
     * copy, so that the variance loss does not train the loss's own parameters.
     */
    static Surrogate of(SampleLoss loss) {
        return new Surrogate() {
            @Override
            public ValueAndGradient evaluate(SDVariable x) {
                return loss.evaluate(x);
            }

            @Override
            public List<String> parameterNames() {
                return List.of();
            }
        };
    }

    /** c(z) = a(z) + b(z), e.g. RELAX's η·f(σ_λ(z)) + r_ρ(z). */
    static Surrogate sum(Surrogate a, Surrogate b) {
        return new Surrogate() {
            @Override
            public ValueAndGradient evaluate(SDVariable z) {
                ValueAndGradient x = a.evaluate(z);
                ValueAndGradient y = b.evaluate(z);
                return new ValueAndGradient(x.value().add(y.value()), x.inputGradient().add(y.inputGradient()));
            }

            @Override
            public List<String> parameterNames() {
                List<String> names = new ArrayList<>(a.parameterNames());
                names.addAll(b.parameterNames());
                return List.copyOf(names);
            }
        };
    }
}
