package io.relaxsd.train;

import java.util.Map;
import java.util.Objects;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.GradientUpdater;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.schedule.ISchedule;

/**
 * What Adam and its rectified variant share: the hyper-parameters (validated here), the state m and
 * v in one flat view of length 2n, and the step
 * {@code Δ_t = α·r_t·sqrt(1 − β₂ᵗ)/(1 − β₁ᵗ) · m_t/(sqrt(v_t) + ε)}, where a subclass says what r_t
 * is ({@link #rectification}; NaN asks for the un-adapted step {@code α·m_t/(1 − β₁ᵗ)}).
 */
abstract class AdamFamily implements IUpdater {
    public static final double DEFAULT_BETA1 = 0.9;
    public static final double DEFAULT_BETA2 = 0.999;
    public static final double DEFAULT_EPSILON = 1e-8;

    private double learningRate;
    private ISchedule schedule;
    private final double beta1;
    private final double beta2;
    private final double epsilon;

    AdamFamily(double learningRate, double beta1, double beta2, double epsilon) {
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

    /** r_t for step t ≥ 1; NaN for the un-adapted momentum step. */
    public abstract double rectification(long t);

    /** A copy with the same hyper-parameters and no schedule. */
    abstract AdamFamily copy();

    public double beta1() {
        return beta1;
    }

    public double beta2() {
        return beta2;
    }

    public double epsilon() {
        return epsilon;
    }

    @Override
    public long stateSize(long numParams) {
        return 2 * numParams;
    }

    @Override
    public GradientUpdater instantiate(INDArray viewArray, boolean initializeViewArray) {
        MomentsUpdater u = new MomentsUpdater(this);
        long n = viewArray.length() / 2;
        u.setStateViewArray(viewArray, new long[] {1, n}, 'c', initializeViewArray);
        return u;
    }

    @Override
    public GradientUpdater instantiate(Map<String, INDArray> updaterState, boolean initializeStateArrays) {
        MomentsUpdater u = new MomentsUpdater(this);
        u.setState(updaterState, initializeStateArrays);
        return u;
    }

    @Override
    public AdamFamily clone() {
        AdamFamily c = copy();
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

    /** The learning rate without a schedule. */
    double baseLearningRate() {
        return learningRate;
    }

    @Override
    public boolean equals(Object o) {
        if (o == null || o.getClass() != getClass()) {
            return false;
        }
        AdamFamily r = (AdamFamily) o;
        return Double.compare(learningRate, r.learningRate) == 0 && Double.compare(beta1, r.beta1) == 0
                && Double.compare(beta2, r.beta2) == 0 && Double.compare(epsilon, r.epsilon) == 0
                && Objects.equals(schedule, r.schedule);
    }

    @Override
    public int hashCode() {
        return Objects.hash(getClass(), learningRate, beta1, beta2, epsilon, schedule);
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "(lr=" + learningRate + ", beta1=" + beta1 + ", beta2=" + beta2
                + ", epsilon=" + epsilon + ")";
    }
}
