package io.relaxsd.train;

import org.nd4j.shade.jackson.annotation.JsonCreator;
import org.nd4j.shade.jackson.annotation.JsonProperty;

/**
 * Adam (Kingma &amp; Ba, "Adam: A Method for Stochastic Optimization", ICLR 2015, Algorithm 1) in
 * the form ND4J's {@code Adam} and libnd4j's {@code adam_updater} use, with t = iteration + 1:
 *
 * <pre>
 *   m_t = β₁ m_{t−1} + (1 − β₁) g_t          v_t = β₂ v_{t−1} + (1 − β₂) g_t²
 *   Δ_t = α · sqrt(1 − β₂ᵗ)/(1 − β₁ᵗ) · m_t / (sqrt(v_t) + ε)
 * </pre>
 *
 * The same step as {@link org.nd4j.linalg.learning.config.Adam}, computed by one fused loop instead
 * of the native op, which costs about 7 ms per 10⁶ FLOAT parameters in ND4J 1.0.0-M2.1 against
 * about 2 ms here (see {@code ./relax bench}). (PyTorch's Adam adds ε to sqrt(v̂_t) instead of
 * sqrt(v_t), a difference of the order of ε.)
 */
public final class FusedAdam extends AdamFamily {

    public FusedAdam(double learningRate) {
        this(learningRate, DEFAULT_BETA1, DEFAULT_BETA2, DEFAULT_EPSILON);
    }

    /** Also the creator for DL4J's JSON (ModelSerializer, configuration JSON/YAML); the schedule is a field. */
    @JsonCreator
    public FusedAdam(@JsonProperty("learningRate") double learningRate, @JsonProperty("beta1") double beta1,
            @JsonProperty("beta2") double beta2, @JsonProperty("epsilon") double epsilon) {
        super(learningRate, beta1, beta2, epsilon);
    }

    /** Always 1: Adam is the un-rectified member of the family. */
    @Override
    public double rectification(long t) {
        return 1.0;
    }

    @Override
    FusedAdam copy() {
        return new FusedAdam(baseLearningRate(), beta1(), beta2(), epsilon());
    }

    @Override
    public FusedAdam clone() {
        return (FusedAdam) super.clone();
    }
}
