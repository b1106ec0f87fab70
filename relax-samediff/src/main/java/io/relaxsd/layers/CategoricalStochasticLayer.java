package io.relaxsd.layers;

import io.relaxsd.estimator.DistributionKind;

/**
 * A categorical stochastic layer: reads the previous layer's L·K activations as the logits of L
 * independent categorical variables with K categories each (group g owns columns g·K … g·K+K−1) and
 * outputs L one-hot groups.
 *
 * <p>Training mode draws D ~ Cat(softmax(θ_g)) per group from the layer's own seeded generator, and
 * the backward pass gives the configured estimator's gradient for that very sample (the
 * layer runs the SameDiff node of {@link io.relaxsd.samediff.Discrete#categorical}). Inference mode is
 * deterministic: one-hot arg-max or the softmax probabilities ({@link InferenceMode}).
 *
 * <pre>{@code
 * .layer(new DenseLayer.Builder().nIn(784).nOut(16 * 8).activation(Activation.IDENTITY).build())
 * .layer(new CategoricalStochasticLayer.Builder().groups(16).categories(8)
 *         .estimator("reinmax").temperature(1.5).klWeight(1.0).build())
 * }</pre>
 */
public class CategoricalStochasticLayer extends StochasticLayer {

    private int groups;
    private int categories;

    /** For JSON deserialisation only. */
    public CategoricalStochasticLayer() {
    }

    private CategoricalStochasticLayer(Builder b) {
        super(b);
        this.groups = b.groups;
        this.categories = b.categories;
        validate();
    }

    @Override
    DistributionKind kind() {
        return DistributionKind.CATEGORICAL;
    }

    @Override
    int variables() {
        return groups;
    }

    @Override
    int categories() {
        return categories;
    }

    @Override
    void validateSizes() {
        if (groups < 1) {
            throw new IllegalArgumentException("groups (L) must be >= 1, got " + groups);
        }
        if (categories < 2) {
            throw new IllegalArgumentException("categories (K) must be >= 2, got " + categories);
        }
    }

    @Override
    String sizeDescription() {
        return "groups × categories = " + groups + " × " + categories;
    }

    /** L, the number of categorical variables per example. */
    public int getGroups() {
        return groups;
    }

    public void setGroups(int groups) {
        this.groups = groups;
    }

    /** K, the number of categories of each variable. */
    public int getCategories() {
        return categories;
    }

    public void setCategories(int categories) {
        this.categories = categories;
    }

    @Override
    public CategoricalStochasticLayer clone() {
        return (CategoricalStochasticLayer) super.clone();
    }

    /** Builder; {@link #build()} validates every field. */
    public static class Builder extends StochasticLayer.Builder<Builder> {
        private int groups = 1;
        private int categories;

        /** L ≥ 1 variables per example (default 1). */
        public Builder groups(int l) {
            this.groups = l;
            return this;
        }

        /** K ≥ 2 categories per variable (required). */
        public Builder categories(int k) {
            this.categories = k;
            return this;
        }

        @Override
        @SuppressWarnings("unchecked")
        public CategoricalStochasticLayer build() {
            return new CategoricalStochasticLayer(this);
        }
    }
}
