package io.relaxsd.train;

import java.util.HashMap;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.shape.Shape;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.GradientUpdater;

/**
 * The state (m, v) and step of the Adam family ({@link RAdam}, {@link FusedAdam}); see there for
 * the equations. The step runs in {@link FusedMoments} when the arrays allow it, else in ND4J ops.
 */
final class MomentsUpdater implements GradientUpdater<AdamFamily> {
    static final String M_STATE = "M";
    static final String V_STATE = "V";

    private final AdamFamily config;
    private INDArray m;
    private INDArray v;

    MomentsUpdater(AdamFamily config) {
        this.config = config;
    }

    @Override
    public AdamFamily getConfig() {
        return config;
    }

    @Override
    public void setState(Map<String, INDArray> state, boolean initialize) {
        INDArray sm = state.get(M_STATE);
        INDArray sv = state.get(V_STATE);
        if (sm == null || sv == null || sm.length() != sv.length()) {
            throw new IllegalArgumentException("Adam state needs arrays '" + M_STATE + "' and '" + V_STATE
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
            throw new IllegalArgumentException("Adam state view must have even length 2n, got " + viewArray.length());
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
        step(gradient, null, iteration, epoch);
    }

    /**
     * θ ← θ − Δ_t in one pass where {@link FusedMoments} can run ({@code gradient}'s contents are
     * then left unspecified), else through {@link #applyUpdater} and a subtraction.
     */
    void descend(INDArray param, INDArray gradient, int iteration, int epoch) {
        if (!step(gradient, param, iteration, epoch)) {
            applyUpdater(gradient, iteration, epoch);
            param.subi(gradient.reshape(param.shape()));
        }
    }

    /**
     * The step into {@code gradient}, or, with {@code param}, subtracted from it; returns false
     * (nothing changed) when {@code param} was given but the fused loop cannot run.
     */
    private boolean step(INDArray gradient, INDArray param, int iteration, int epoch) {
        if (m == null) {
            throw new IllegalStateException("updater state was not set");
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
        boolean adaptive = !Double.isNaN(rt);
        // Δ = α·r_t·sqrt(1 − β₂ᵗ)/(1 − β₁ᵗ) · m/(sqrt(v) + ε)   or   Δ = α/(1 − β₁ᵗ) · m
        double scale = adaptive ? lr * rt * Math.sqrt(1.0 - Math.pow(b2, t)) / (1.0 - Math.pow(b1, t))
                : lr / (1.0 - Math.pow(b1, t));
        if (param != null) {
            // reshaping a non-contiguous parameter would copy it: no fused path then
            return contiguous(param) && contiguous(gradient)
                    && FusedMoments.apply(g, m, v, param.reshape(m.length()), b1, b2, config.epsilon(), scale,
                    adaptive);
        }
        if (!FusedMoments.apply(g, m, v, null, b1, b2, config.epsilon(), scale, adaptive)) {
            if (adaptive) {
                // libnd4j's adam_updater computes exactly this step (with α·r_t as its learning rate)
                Nd4j.exec(new org.nd4j.linalg.api.ops.impl.updaters.AdamUpdater(g, v, m, lr * rt, b1, b2,
                        config.epsilon(), iteration));
            } else {
                m.muli(b1).addi(g.mul(1.0 - b1));
                v.muli(b2).addi(g.mul(g).muli(1.0 - b2));
                g.assign(m.mul(scale));
            }
        }
        if (!contiguous(gradient)) {                // reshape copied the gradient: write the step back
            gradient.assign(g.reshape(gradient.shape()));
        }
        return true;
    }

    /**
     * True if reshaping {@code a} to a vector gives a view of its memory rather than a copy. (Not
     * {@code reshape(n).data() == a.data()}: a reshaped view has a buffer object of its own.)
     */
    private static boolean contiguous(INDArray a) {
        return a.ordering() == 'c' && Shape.hasDefaultStridesForShape(a);
    }
}
