package io.relaxsd.train;

import java.util.HashMap;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.GradientUpdater;

/** The state (m, v) and step of {@link RAdam}; see there for the equations. */
final class RAdamUpdater implements GradientUpdater<RAdam> {
    static final String M_STATE = "M";
    static final String V_STATE = "V";

    private final RAdam config;
    private INDArray m;
    private INDArray v;

    RAdamUpdater(RAdam config) {
        this.config = config;
    }

    @Override
    public RAdam getConfig() {
        return config;
    }

    @Override
    public void setState(Map<String, INDArray> state, boolean initialize) {
        INDArray sm = state.get(M_STATE);
        INDArray sv = state.get(V_STATE);
        if (sm == null || sv == null || sm.length() != sv.length()) {
            throw new IllegalArgumentException("RAdam state needs arrays '" + M_STATE + "' and '" + V_STATE
                    + "' of equal length, got keys " + state.keySet());
        }
        this.m = sm;
        this.v = sv;
        if (initialize) {
            m.assign(0);
            v.assign(0);
        }
    }

    @Override
    public Map<String, INDArray> getState() {
        Map<String, INDArray> s = new HashMap<>();
        s.put(M_STATE, m);
        s.put(V_STATE, v);
        return s;
    }

    @Override
    public void setStateViewArray(INDArray viewArray, long[] gradientShape, char order, boolean initialize) {
        if (viewArray.length() % 2 != 0) {
            throw new IllegalArgumentException("RAdam state view must have even length 2n, got " + viewArray.length());
        }
        if (initialize) {
            viewArray.assign(0);
        }
        long n = viewArray.length() / 2;
        INDArray flat = viewArray.reshape(viewArray.length());
        this.m = flat.get(NDArrayIndex.interval(0, n));
        this.v = flat.get(NDArrayIndex.interval(n, 2 * n));
    }

    /** Overwrites {@code gradient} with the step Δ_t; t = iteration + 1. */
    @Override
    public void applyUpdater(INDArray gradient, int iteration, int epoch) {
        if (m == null) {
            throw new IllegalStateException("RAdam updater state was not set");
        }
        if (gradient.length() != m.length()) {
            throw new IllegalArgumentException("gradient has " + gradient.length() + " entries, state has " + m.length());
        }
        long t = (long) iteration + 1;
        double b1 = config.beta1();
        double b2 = config.beta2();
        double lr = config.getLearningRate(iteration, epoch);
        INDArray g = gradient.reshape(m.length());
        double rt = config.rectification(t);
        if (Double.isNaN(rt)) {
            // m ← β₁ m + (1 − β₁) g ;  v ← β₂ v + (1 − β₂) g² ;  Δ = α m̂
            m.muli(b1).addi(g.mul(1.0 - b1));
            v.muli(b2).addi(g.mul(g).muli(1.0 - b2));
            gradient.assign(m.mul(lr / (1.0 - Math.pow(b1, t))).reshape(gradient.shape()));
            return;
        }
        // The rectified step is Adam's with α·r_t: libnd4j's adam_updater computes
        // Δ = α·sqrt(1 − β₂ᵗ)/(1 − β₁ᵗ) · m/(sqrt(v) + ε) after updating m and v in place, in one op.
        Nd4j.exec(new org.nd4j.linalg.api.ops.impl.updaters.AdamUpdater(g, v, m, lr * rt, b1, b2,
                config.epsilon(), iteration));
        if (g.data() != gradient.data()) {          // reshape copied a non-contiguous gradient
            gradient.assign(g.reshape(gradient.shape()));
        }
    }
}
