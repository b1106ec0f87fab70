package io.relaxsd.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.GradientUpdater;

class RAdamTest {

    @Test
    void rhoAndRectificationMatchTheEquations() {
        RAdam r = new RAdam(1e-3);
        assertEquals(1999.0, r.rhoInfinity(), 1e-9);            // 2/(1−0.999) − 1
        assertEquals(1.0, r.rho(1), 1e-9);                      // ρ₁ = 1 for every β₂
        assertEquals(1.999499749846109, r.rho(2), 1e-9);
        assertEquals(4.995998000395048, r.rho(5), 1e-9);
        assertEquals(5.994163751655833, r.rho(6), 1e-9);
        // t = 5 is below PyTorch's threshold 5 (the paper's threshold 4 would rectify here)
        assertTrue(Double.isNaN(r.rectification(5)));
        assertEquals(0.02582111280185855, r.rectification(6), 1e-12);
        assertEquals(0.04899801344710748, r.rectification(10), 1e-12);
    }

    /**
     * Constant gradient g, ε = 0: m̂_t = g and v_t = (1 − β₂ᵗ) g², so the rectified step is
     * α·r_t·sign(g) and the fallback step is α·g.
     */
    @Test
    void constantGradientGivesClosedFormSteps() {
        double lr = 0.01;
        RAdam cfg = new RAdam(lr, 0.9, 0.999, 0.0);
        double[] g = {0.5, -2.0, 3.0};
        GradientUpdater<?> up = cfg.instantiate(Nd4j.zeros(DataType.DOUBLE, 1, cfg.stateSize(3)), true);
        for (int it = 0; it < 10; it++) {
            INDArray grad = Nd4j.createFromArray(g.clone()).reshape(1, 3);
            up.applyUpdater(grad, it, 0);
            long t = it + 1;
            for (int i = 0; i < 3; i++) {
                double expected = t <= 5 ? lr * g[i] : lr * cfg.rectification(t) * Math.signum(g[i]);
                assertEquals(expected, grad.getDouble(0, i), 1e-12, "t=" + t + " i=" + i);
            }
        }
    }

    /**
     * Twelve steps with changing gradients against a scalar re-implementation of Algorithm 2: the
     * fused loop in DOUBLE and FLOAT (also for a transposed gradient, which reshape copies), and the
     * ND4J-op fallback in HALF, which the loop declines.
     */
    @ParameterizedTest
    @CsvSource({"DOUBLE,false,1e-12", "FLOAT,false,2e-6", "DOUBLE,true,1e-12", "HALF,false,2e-3"})
    void multiStepMatchesScalarReference(DataType dt, boolean transposedGradient, double tol) {
        double lr = 7e-4, b1 = 0.9, b2 = 0.999, eps = 1e-8;
        RAdam cfg = new RAdam(lr, b1, b2, eps);
        INDArray view = Nd4j.zeros(dt, 1, cfg.stateSize(4));
        GradientUpdater<?> up = cfg.instantiate(view, true);
        INDArray param = Nd4j.createFromArray(0.1, -0.2, 0.3, 0.0).reshape(2, 2).castTo(dt);
        double[] ref = {0.1, -0.2, 0.3, 0.0};
        double[] m = new double[4];
        double[] v = new double[4];
        double rhoInf = 2 / (1 - b2) - 1;
        for (int it = 0; it < 12; it++) {
            double[] g = new double[4];
            for (int i = 0; i < 4; i++) {
                g[i] = Math.sin(1.3 * it + i) * (i + 1) + 0.1 * ref[i];
            }
            int t = it + 1;
            for (int i = 0; i < 4; i++) {
                m[i] = b1 * m[i] + (1 - b1) * g[i];
                v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i];
                double mHat = m[i] / (1 - Math.pow(b1, t));
                double rho = rhoInf - 2 * t * Math.pow(b2, t) / (1 - Math.pow(b2, t));
                double step;
                if (rho > 5) {
                    double rt = Math.sqrt((rho - 4) * (rho - 2) * rhoInf / ((rhoInf - 4) * (rhoInf - 2) * rho));
                    step = lr * rt * mHat * Math.sqrt(1 - Math.pow(b2, t)) / (Math.sqrt(v[i]) + eps);
                } else {
                    step = lr * mHat;
                }
                ref[i] -= step;
            }
            INDArray grad = transposedGradient
                    ? Nd4j.createFromArray(g[0], g[2], g[1], g[3]).reshape(2, 2).castTo(dt).transpose()
                    : Nd4j.createFromArray(g).reshape(2, 2).castTo(dt);
            assertEquals(g[1], grad.getDouble(0, 1), Math.max(1e-7, tol));
            up.applyUpdater(grad, it, 0);
            param.subi(grad);
        }
        for (int i = 0; i < 4; i++) {
            assertEquals(ref[i], param.getDouble(i / 2, i % 2), tol);
            // the state lives in the caller's view: m first, then v
            assertEquals(m[i], view.getDouble(0, i), tol);
            assertEquals(v[i], view.getDouble(0, 4 + i), tol * 10);
        }
    }

    @Test
    void rejectsBadHyperParameters() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new RAdam(-1));
        assertTrue(e.getMessage().contains("learningRate"));
        assertThrows(IllegalArgumentException.class, () -> new RAdam(1e-3, 1.0, 0.999, 1e-8));
        assertThrows(IllegalArgumentException.class, () -> new RAdam(1e-3, 0.9, 1.0, 1e-8));
        assertEquals(new RAdam(1e-3), new RAdam(1e-3).clone());
    }
}
