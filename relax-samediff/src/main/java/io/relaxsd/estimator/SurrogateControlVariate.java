package io.relaxsd.estimator;

import java.util.List;
import org.nd4j.autodiff.samediff.SDVariable;

/**
 * The REBAR/RELAX control variate of a surrogate c: offset c(z̃) and correction
 * ∇θ c(z) − ∇θ c(z̃) = (∂z/∂θ)ᵀ c'(z) − (∂z̃/∂θ)ᵀ c'(z̃) (Grathwohl et al. 2018, eq. 5).
 */
final class SurrogateControlVariate implements ControlVariate {
    private final Surrogate surrogate;
    private final int lossEvaluationsPerCall;
    private final SDVariable penalty;

    SurrogateControlVariate(Surrogate surrogate, int lossEvaluationsPerCall) {
        this(surrogate, lossEvaluationsPerCall, null);
    }

    /** @param penalty a scalar for the variance loss (the surrogate's weight decay), or null */
    SurrogateControlVariate(Surrogate surrogate, int lossEvaluationsPerCall, SDVariable penalty) {
        this.surrogate = surrogate;
        this.lossEvaluationsPerCall = lossEvaluationsPerCall;
        this.penalty = penalty;
    }

    @Override
    public Terms terms(ScoreContext ctx) {
        ValueAndGradient atZ = surrogate.evaluate(ctx.z());
        ValueAndGradient atZTilde = surrogate.evaluate(ctx.conditionalZ());
        SDVariable correction = ctx.zJacobianT(atZ.inputGradient())
                .sub(ctx.conditionalZJacobianT(atZTilde.inputGradient()));
        return new Terms(atZTilde.value(), correction, surrogate.parameterNames(), List.of(),
                2 * lossEvaluationsPerCall, penalty);
    }
}
