package io.relaxsd.estimator;

/**
 * The two kinds of discrete variable the estimators handle.
 *
 * <p>A categorical node has logits {@code θ ∈ R^K} per variable and emits a one-hot sample D;
 * a Bernoulli node has one logit {@code θ} per variable and emits {@code b ∈ {0, 1}}. A Bernoulli
 * is the 2-class categorical with logits {@code (θ, 0)}; every estimator implements it natively
 * and the tests check it against that reduction.
 */
public enum DistributionKind {
    CATEGORICAL,
    BERNOULLI;

    /** Parses {@code categorical} / {@code bernoulli} (case-insensitive). */
    public static DistributionKind parse(String text) {
        for (DistributionKind k : values()) {
            if (k.name().equalsIgnoreCase(text.trim())) {
                return k;
            }
        }
        throw new IllegalArgumentException("distribution must be 'categorical' or 'bernoulli', got '" + text + "'");
    }

    /** Lower-case name as used on the command line and in JSON. */
    public String id() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
