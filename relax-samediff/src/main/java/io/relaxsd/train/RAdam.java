package io.relaxsd.train;

import java.util.Map;
import java.util.Objects;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.GradientUpdater;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.schedule.ISchedule;

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
public final class RAdam implements IUpdater {
    public static final double DEFAULT_BETA1 = 0.9;
    public static final double DEFAULT_BETA2 = 0.999;
    public static final double DEFAULT_EPSILON = 1e-8;
    /** The rectification threshold on ρ_t (PyTorch's; the paper uses 4). */
    public static final double RHO_THRESHOLD = 5.0;

    private double learningRate;
    private ISchedule schedule;
    private final double beta1;
    private final double beta2;
    private final double epsilon;

    public RAdam(double learningRate) {
        this(learningRate, DEFAULT_BETA1, DEFAULT_BETA2, DEFAULT_EPSILON);
    }

    public RAdam(double learningRate, double beta1, double beta2, double epsilon) {
        if (!(learningRate > 0) || Double.isInfinite(learningRate)) {
            throw new IllegalArgumentException("learningRate must be finite and > 0, got " + learningRate);
        }
        if (!(beta1 >= 0 && beta1 < 1)) {
            throw new IllegalArgumentException("beta1 must be in [0, 1), got " + beta1);
        }
        if (!(beta2 > 0 && beta2 < 1)) {
            throw new IllegalArgumentException("beta2 must be in (0, 1), got " + beta2);
        }
        if (!(epsilon >= 0) || Double.isInfinite(epsilon)) {
            throw new IllegalArgumentException("epsilon must be finite and >= 0, got " + epsilon);
        }
        this.learningRate = learningRate;
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.epsilon = epsilon;
    }

    public double beta1() {
        return beta1;
    }

    public double beta2() {
        return beta2;
    }

    public double epsilon() {
        return epsilon;
    }

    /** ρ_∞ = 2/(1 − β₂) − 1. */
    public double rhoInfinity() {
        return 2.0 / (1.0 - beta2) - 1.0;
    }

    /** ρ_t for step t ≥ 1. */
    public double rho(long t) {
        double b2t = Math.pow(beta2, t);
        return rhoInfinity() - 2.0 * t * b2t / (1.0 - b2t);
    }

    /** r_t for step t ≥ 1, or NaN where ρ_t ≤ {@link #RHO_THRESHOLD} (no rectified step). */
    public double rectification(long t) {
        double rt = rho(t);
        if (!(rt > RHO_THRESHOLD)) {
            return Double.NaN;
        }
        double ri = rhoInfinity();
        return Math.sqrt((rt - 4.0) * (rt - 2.0) * ri / ((ri - 4.0) * (ri - 2.0) * rt));
    }

    @Override
    public long stateSize(long numParams) {
        return 2 * numParams;
    }

    @Override
    public GradientUpdater instantiate(INDArray viewArray, boolean initializeViewArray) {
        RAdamUpdater u = new RAdamUpdater(this);
        long n = viewArray.length() / 2;
        u.setStateViewArray(viewArray, new long[] {1, n}, 'c', initializeViewArray);
        return u;
    }

    @Override
    public GradientUpdater instantiate(Map<String, INDArray> updaterState, boolean initializeStateArrays) {
        RAdamUpdater u = new RAdamUpdater(this);
        u.setState(updaterState, initializeStateArrays);
        return u;
    }

    @Override
    public RAdam clone() {
        RAdam c = new RAdam(learningRate, beta1, beta2, epsilon);
        c.schedule = schedule == null ? null : schedule.clone();
        return c;
    }

    @Override
    public double getLearningRate(int iteration, int epoch) {
        return schedule != null ? schedule.valueAt(iteration, epoch) : learningRate;
    }

    @Override
    public boolean hasLearningRate() {
        return true;
    }

    @Override
    public void setLrAndSchedule(double lr, ISchedule lrSchedule) {
        this.learningRate = lr;
        this.schedule = lrSchedule;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof RAdam r)) {
            return false;
        }
        return Double.compare(learningRate, r.learningRate) == 0 && Double.compare(beta1, r.beta1) == 0
                && Double.compare(beta2, r.beta2) == 0 && Double.compare(epsilon, r.epsilon) == 0
                && Objects.equals(schedule, r.schedule);
    }

    @Override
    public int hashCode() {
        return Objects.hash(learningRate, beta1, beta2, epsilon, schedule);
    }

    @Override
    public String toString() {
        return "RAdam(lr=" + learningRate + ", beta1=" + beta1 + ", beta2=" + beta2 + ", epsilon=" + epsilon + ")";
    }
}
