package io.relaxsd.estimator;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Immutable, validated settings of one gradient estimator: its registry name plus the
 * hyper-parameters the estimators of this library take. Each estimator reads only the fields
 * it documents; the others keep their defaults and are ignored.
 *
 * <p>Validation happens in {@link Builder#build()}: a bad value throws an
 * {@link IllegalArgumentException} that names the field and the value.
 *
 * <pre>{@code
 * EstimatorConfig cfg = EstimatorConfig.builder("reinmax").temperature(1.5).build();
 * }</pre>
 */
public final class EstimatorConfig {

    /** Default temperature τ. */
    public static final double DEFAULT_TEMPERATURE = 1.0;
    /** Default number K of conditional samples (Gumbel-Rao, ReinMax-Rao, ReinMax-CV). */
    public static final int DEFAULT_SAMPLES = 10;
    /** Default control-variate weight η (ReinMax-CV). */
    public static final double DEFAULT_ETA = 0.5;
    /** Default α of generalised ReinMax (α = 1 is ReinMax). */
    public static final double DEFAULT_ALPHA = 1.0;

    private final String name;
    private final double temperature;
    private final int samples;
    private final double eta;
    private final double alpha;

    private EstimatorConfig(Builder b) {
        this.name = b.name;
        this.temperature = b.temperature;
        this.samples = b.samples;
        this.eta = b.eta;
        this.alpha = b.alpha;
    }

    /** A config with every hyper-parameter at its default. */
    public static EstimatorConfig of(String name) {
        return builder(name).build();
    }

    public static Builder builder(String name) {
        return new Builder(name);
    }

    /** A builder initialised from this config, for changing a field. */
    public Builder toBuilder() {
        return new Builder(name).temperature(temperature).samples(samples).eta(eta).alpha(alpha);
    }

    /** Registry name, e.g. {@code reinmax}. */
    public String name() {
        return name;
    }

    /** Temperature τ > 0 of the relaxation / of softmax(θ/τ) in the backward pass. */
    public double temperature() {
        return temperature;
    }

    /** Number K ≥ 1 of conditional Gumbel samples. */
    public int samples() {
        return samples;
    }

    /** Control-variate weight η (finite). */
    public double eta() {
        return eta;
    }

    /** α > 0 of generalised ReinMax. */
    public double alpha() {
        return alpha;
    }

    /** The fields as an ordered map, for JSON output and provenance. */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", name);
        m.put("temperature", temperature);
        m.put("samples", samples);
        m.put("eta", eta);
        m.put("alpha", alpha);
        return m;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof EstimatorConfig c)) {
            return false;
        }
        return name.equals(c.name) && Double.compare(temperature, c.temperature) == 0 && samples == c.samples
                && Double.compare(eta, c.eta) == 0 && Double.compare(alpha, c.alpha) == 0;
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, temperature, samples, eta, alpha);
    }

    @Override
    public String toString() {
        return "EstimatorConfig" + toMap();
    }

    /** Builder; {@link #build()} validates every field. */
    public static final class Builder {
        private final String name;
        private double temperature = DEFAULT_TEMPERATURE;
        private int samples = DEFAULT_SAMPLES;
        private double eta = DEFAULT_ETA;
        private double alpha = DEFAULT_ALPHA;

        private Builder(String name) {
            this.name = name;
        }

        public Builder temperature(double tau) {
            this.temperature = tau;
            return this;
        }

        public Builder samples(int k) {
            this.samples = k;
            return this;
        }

        public Builder eta(double eta) {
            this.eta = eta;
            return this;
        }

        public Builder alpha(double alpha) {
            this.alpha = alpha;
            return this;
        }

        public EstimatorConfig build() {
            if (name == null || !Estimators.names().contains(name)) {
                throw new IllegalArgumentException("estimator: unknown name '" + name + "'; known: "
                        + String.join(", ", Estimators.names()));
            }
            if (!(temperature > 0) || Double.isInfinite(temperature)) {
                throw new IllegalArgumentException("temperature must be finite and > 0, got " + temperature);
            }
            if (samples < 1) {
                throw new IllegalArgumentException("samples (K) must be >= 1, got " + samples);
            }
            if (!Double.isFinite(eta)) {
                throw new IllegalArgumentException("eta must be finite, got " + eta);
            }
            if (!(alpha > 0) || Double.isInfinite(alpha)) {
                throw new IllegalArgumentException("alpha must be finite and > 0, got " + alpha);
            }
            return new EstimatorConfig(this);
        }
    }
}
