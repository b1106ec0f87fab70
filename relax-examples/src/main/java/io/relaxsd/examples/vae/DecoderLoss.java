package io.relaxsd.examples.vae;

import io.relaxsd.estimator.SampleLoss;
import io.relaxsd.estimator.ValueAndGradient;
import org.nd4j.autodiff.samediff.SDVariable;

/**
 * The VAE decoder's reconstruction loss as a score-function estimator sees it: f(z) = Σ_pixels
 * BCE(σ(dec(z)), x) per example, with ∂f/∂z written out as forward ops
 * ({@link Mlp#bceValueAndInputGradient}); one decoder definition serves the model's value and the
 * control variates' relaxed evaluations.
 */
final class DecoderLoss implements SampleLoss {
    private final Mlp decoder;
    private final SDVariable targets;

    DecoderLoss(Mlp decoder, SDVariable targets) {
        this.decoder = decoder;
        this.targets = targets;
    }

    @Override
    public SDVariable value(SDVariable z) {
        return evaluate(z).value();
    }

    @Override
    public SDVariable inputGradient(SDVariable z) {
        return evaluate(z).inputGradient();
    }

    @Override
    public ValueAndGradient evaluate(SDVariable z) {
        Mlp.ValueAndInputGradient v = decoder.bceValueAndInputGradient(z, targets);
        return new ValueAndGradient(v.value(), v.inputGradient());
    }

    @Override
    public SampleLoss frozen() {
        return new DecoderLoss(decoder.frozen(), targets);
    }
}
