package io.relaxsd.train;

import java.util.HashMap;
import java.util.Map;
import org.nd4j.linalg.api.blas.Level1;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.DivOp;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.MulOp;
import org.nd4j.linalg.api.ops.impl.transforms.floating.Sqrt;
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
    private INDArray scratch;                 // g² and sqrt(v) + ε; not part of the state

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
        if (scratch == null || scratch.length() != m.length() || scratch.dataType() != m.dataType()) {
            scratch = Nd4j.createUninitialized(m.dataType(), m.length());
        }
        // In-place ops only (no temporaries): libnd4j's fused adam_updater was measured 3-4x slower
        // than these on CPU (4.5 ms for 400k floats).
        // m ← β₁ m + (1 − β₁) g ;  v ← β₂ v + (1 − β₂) g²
        Level1 blas = Nd4j.getBlasWrapper().level1();
        m.muli(b1);
        blas.axpy(m.length(), 1.0 - b1, g, m);
        Nd4j.exec(new MulOp(g, g, scratch));
        v.muli(b2);
        blas.axpy(v.length(), 1.0 - b2, scratch, v);
        double bc1 = 1.0 - Math.pow(b1, t);
        double rt = config.rectification(t);
        if (Double.isNaN(rt)) {
            g.assign(m).muli(lr / bc1);                                   // Δ = α m̂
        } else {
            double bc2 = 1.0 - Math.pow(b2, t);
            Nd4j.exec(new Sqrt(v, scratch));
            scratch.addi(config.epsilon());
            Nd4j.exec(new DivOp(m, scratch, g));
            g.muli(lr * rt * Math.sqrt(bc2) / bc1);                      // Δ = α r_t m̂ sqrt(1−β₂ᵗ)/(sqrt v + ε)
        }
        if (g.data() != gradient.data()) {          // reshape copied a non-contiguous gradient
            gradient.assign(g.reshape(gradient.shape()));
        }
    }
}
