package io.relaxsd.layers;

import io.relaxsd.estimator.DistributionKind;

/**
 * A Bernoulli stochastic layer: reads the previous layer's n activations as logits θ and outputs n
 * bits b ~ Bernoulli(σ(θ)).
 *
 * <p>Training mode samples from the layer's own seeded generator; the backward pass gives the
 * configured estimator's gradient for that very sample (the layer runs the SameDiff node of
 * {@link io.relaxsd.samediff.Discrete#bernoulli}). Inference mode is deterministic: 1[σ(θ) &gt; ½] or
 * σ(θ) ({@link InferenceMode}).
 *
 * <pre>{@code
 * .layer(new BernoulliStochasticLayer.Builder().units(64).estimator("reinmax").build())
 * }</pre>
 */
public class BernoulliStochasticLayer extends StochasticLayer {

    private int units;

    /** For JSON deserialisation only. */
    public BernoulliStochasticLayer() {
    }

    private BernoulliStochasticLayer(Builder b) {
        super(b);
        this.units = b.units;
        validate();
    }

    @Override
    DistributionKind kind() {
        return DistributionKind.BERNOULLI;
    }

    @Override
    int variables() {
        return 1;
    }

    @Override
    int categories() {
        return units;
    }

    @Override
    void validateSizes() {
        if (units < 1) {
            throw new IllegalArgumentException("units (n) must be >= 1, got " + units);
        }
    }

    @Override
    String sizeDescription() {
        return "units = " + units;
    }

    /** n, the number of Bernoulli variables per example. */
    public int getUnits() {
        return units;
    }

    public void setUnits(int units) {
        this.units = units;
    }

    @Override
    public BernoulliStochasticLayer clone() {
        return (BernoulliStochasticLayer) super.clone();
    }

    /** Builder; {@link #build()} validates every field. */
    public static class Builder extends StochasticLayer.Builder<Builder> {
        private int units;

        /** n ≥ 1 Bernoulli variables per example (required). */
        public Builder units(int n) {
            this.units = n;
            return this;
        }

        @Override
        @SuppressWarnings("unchecked")
        public BernoulliStochasticLayer build() {
            return new BernoulliStochasticLayer(this);
        }
    }
}
