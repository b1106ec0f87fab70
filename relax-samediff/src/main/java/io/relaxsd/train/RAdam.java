package io.relaxsd.train;

import org.nd4j.shade.jackson.annotation.JsonCreator;
import org.nd4j.shade.jackson.annotation.JsonProperty;

import org.nd4j.linalg.learning.GradientUpdater;

/**
 * Rectified Adam as an ND4J {@link IUpdater} (ND4J 1.0.0-M2.1 ships none). Liu, Jiang, He, Chen,
 * Liu, Gao &amp; Han, "On the Variance of the Adaptive Learning Rate and Beyond", ICLR 2020,
 * Algorithm 2, with t = iteration + 1:
 *
 * <pre>
 *   m_t = β₁ m_{t−1} + (1 − β₁) g_t          v_t = β₂ v_{t−1} + (1 − β₂) g_t²
 *   m̂_t = m_t / (1 − β₁ᵗ)
 *   ρ_∞ = 2 / (1 − β₂) − 1                    ρ_t = ρ_∞ − 2 t β₂ᵗ / (1 − β₂ᵗ)
 *   if ρ_t &gt; 5:  r_t = sqrt( (ρ_t − 4)(ρ_t − 2) ρ_∞ / ((ρ_∞ − 4)(ρ_∞ − 2) ρ_t) )
 *                 Δ_t = α · r_t · m̂_t · sqrt(1 − β₂ᵗ) / (sqrt(v_t) + ε)
 *   else          Δ_t = α · m̂_t                 (un-adapted momentum SGD)
 *   θ_t = θ_{t−1} − Δ_t
 * </pre>
 *
 * <p>Where this differs from the paper: the paper's Algorithm 2 rectifies when ρ_t &gt; 4 and has no
 * ε; we follow PyTorch's {@code torch.optim.RAdam} (threshold ρ_t &gt; 5, ε added to sqrt(v_t)),
 * which the official ReinMax experiments were run with, so learning curves compare step by step.
 * With β₂ = 0.999 the two thresholds differ at a single step (t = 5, ρ₅ ≈ 4.99).
 *
 * <p>Like every ND4J updater, {@link GradientUpdater#applyUpdater} overwrites the gradient with
 * Δ_t; the caller subtracts it from the parameters. The state is m and v, stored in one flat view of
 * length 2n ({@link #stateSize(long)}).
 */
public final class RAdam extends AdamFamily {
    /** The rectification threshold on ρ_t (PyTorch's; the paper uses 4). */
    public static final double RHO_THRESHOLD = 5.0;

    public RAdam(double learningRate) {
        this(learningRate, DEFAULT_BETA1, DEFAULT_BETA2, DEFAULT_EPSILON);
    }

    /** Also the creator for DL4J's JSON (ModelSerializer, configuration JSON/YAML); the schedule is a field. */
    @JsonCreator
    public RAdam(@JsonProperty("learningRate") double learningRate, @JsonProperty("beta1") double beta1,
            @JsonProperty("beta2") double beta2, @JsonProperty("epsilon") double epsilon) {
        super(learningRate, beta1, beta2, epsilon);
    }

    /** ρ_∞ = 2/(1 − β₂) − 1. */
    public double rhoInfinity() {
        return 2.0 / (1.0 - beta2()) - 1.0;
    }

    /** ρ_t for step t ≥ 1. */
    public double rho(long t) {
        double b2t = Math.pow(beta2(), t);
        return rhoInfinity() - 2.0 * t * b2t / (1.0 - b2t);
    }

    /** r_t for step t ≥ 1, or NaN where ρ_t ≤ {@link #RHO_THRESHOLD} (no rectified step). */
    @Override
    public double rectification(long t) {
        double rt = rho(t);
        if (!(rt > RHO_THRESHOLD)) {
            return Double.NaN;
        }
        double ri = rhoInfinity();
        return Math.sqrt((rt - 4.0) * (rt - 2.0) * ri / ((ri - 4.0) * (ri - 2.0) * rt));
    }

    @Override
    RAdam copy() {
        return new RAdam(baseLearningRate(), beta1(), beta2(), epsilon());
    }

    @Override
    public RAdam clone() {
        return (RAdam) super.clone();
    }
}
