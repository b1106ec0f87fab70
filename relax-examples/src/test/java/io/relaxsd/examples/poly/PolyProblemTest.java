package io.relaxsd.examples.poly;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.relaxsd.estimator.EstimatorConfig;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class PolyProblemTest {

    /** Σ_z p(z) f(z) over all 2^n outcomes. */
    private static double enumerated(double[] q, double p) {
        int n = q.length;
        double total = 0;
        for (int mask = 0; mask < 1 << n; mask++) {
            double prob = 1;
            double f = 0;
            for (int i = 0; i < n; i++) {
                int z = mask >> i & 1;
                prob *= z == 1 ? q[i] : 1 - q[i];
                f += Math.pow(Math.abs(z - 0.45), p);
            }
            total += prob * f / n;
        }
        return total;
    }

    @Test
    void exactLossMatchesEnumeration() {
        double[] q = {0.1, 0.73, 0.5};
        for (double p : new double[] {1.5, 2, 3, 0.7}) {
            assertEquals(enumerated(q, p), PolyProblem.exactLoss(q, p), 1e-14, "p = " + p);
        }
        assertEquals(Math.pow(0.45, 2), PolyProblem.exactLoss(new double[] {0, 0, 0}, 2), 1e-15);
        assertEquals(Math.pow(0.45, 3), PolyProblem.optimum(3), 1e-15);
    }

    @Test
    void probabilityOfOneIsClassZerosSoftmax() {
        INDArray theta = Nd4j.createFromArray(new double[] {0.3, -0.2, -1.0, 1.0}).reshape(1, 4);
        double[] q = PolyProblem.probabilities(theta);
        assertEquals(1 / (1 + Math.exp(-0.5)), q[0], 1e-12);
        assertEquals(1 / (1 + Math.exp(2.0)), q[1], 1e-12);
    }

    @Test
    void lossValueAndInputGradientMatchTheFormulaAtRelaxedInputs() {
        SameDiff sd = SameDiff.create();
        double p = 1.5;
        PolyLoss f = new PolyLoss(sd, 3, p, 0.45, DataType.DOUBLE);
        SDVariable x = sd.placeHolder("x", DataType.DOUBLE, -1, 6);
        SDVariable value = f.value(x);
        SDVariable grad = f.inputGradient(x);
        double[][] xs = {{0.1, 0.9, 0.8, 0.2, 0.45 + 1e-3, 0.55 - 1e-3}, {1, 0, 0, 1, 0.3, 0.7}};
        Map<String, INDArray> out = sd.output(Map.of("x", Nd4j.create(xs)), value.name(), grad.name());
        for (int b = 0; b < 2; b++) {
            double v = 0;
            for (int i = 0; i < 3; i++) {
                double d = xs[b][2 * i] - 0.45;
                v += Math.pow(Math.abs(d), p) / 3;
                assertEquals(p / 3 * Math.pow(Math.abs(d), p - 1) * Math.signum(d),
                        out.get(grad.name()).getDouble(b, 2 * i), 1e-12);
                assertEquals(0, out.get(grad.name()).getDouble(b, 2 * i + 1), 0);
            }
            assertEquals(v, out.get(value.name()).getDouble(b), 1e-12);
        }
    }

    /**
     * REINFORCE (no baseline, as in the official code) and REBAR are unbiased: the mean of many
     * batch estimates of ∂E/∂θ equals the exact gradient (1/n)(0.55^p − 0.45^p)·q(1 − q)·(+1, −1)
     * per latent within 4 standard errors, while that gradient is many standard errors from 0.
     */
    @Test
    void unbiasedEstimatorsMatchTheExactGradient() {
        double p = 2;
        PolyProblem.Settings s = new PolyProblem.Settings(3, p, 2000, 1, 1, 1e-3, 0.01);
        for (String name : new String[] {"reinforce", "rebar"}) {
            PolyProblem.Model m = new PolyProblem.Model(EstimatorConfig.of(name), s, 5);
            m.theta.assign(Nd4j.createFromArray(new float[] {0.8f, -0.4f, 0f, 0f, -1f, 0.5f}).reshape(1, 6));
            double[] q = PolyProblem.probabilities(m.theta);
            int calls = 24;
            double[] sum = new double[6];
            double[] sumSq = new double[6];
            for (int c = 0; c < calls; c++) {
                INDArray g = m.gradient().get("logits");
                for (int j = 0; j < 6; j++) {
                    double v = g.getDouble(0, j);
                    sum[j] += v;
                    sumSq[j] += v * v;
                }
            }
            for (int j = 0; j < 6; j++) {
                double mean = sum[j] / calls;
                double se = Math.sqrt((sumSq[j] / calls - mean * mean) / (calls - 1));
                double qi = q[j / 2];
                double exact = (j % 2 == 0 ? 1 : -1) * (Math.pow(0.55, p) - Math.pow(0.45, p)) / 3 * qi * (1 - qi);
                assertTrue(Math.abs(mean - exact) < 4 * se, name + " coordinate " + j + ": mean " + mean + " vs exact "
                        + exact + " (s.e. " + se + ")");
                assertTrue(Math.abs(exact) > 5 * se, name + ": the test cannot tell the gradient from 0 (s.e. " + se
                        + ")");
            }
        }
    }

    /** A short run at a large learning rate takes the exact loss at least 70 % of the way to 0.45^p. */
    @Test
    void trainingApproachesTheOptimum() {
        double p = 2;
        PolyProblem.Settings s = new PolyProblem.Settings(8, p, 16, 2, 100, 0.05, 0.01);
        double start = PolyProblem.exactLoss(new double[] {0.5}, p);
        double optimum = PolyProblem.optimum(p);
        for (String name : new String[] {"reinmax", "reinforce"}) {
            PolyProblem.Result r = PolyProblem.run(EstimatorConfig.of(name), s, 1, done -> { });
            assertEquals(2, r.exactLoss().length);
            assertTrue(r.replayed(), name);
            assertTrue(r.finalExactLoss() < optimum + 0.3 * (start - optimum), name + ": " + r.finalExactLoss());
            assertTrue(r.finalExactLoss() > optimum, name);
            // the training average of the last epoch estimates the average exact loss of that epoch
            assertTrue(Math.abs(r.finalTrainLoss() - r.finalExactLoss()) < 0.2 * (start - optimum), name);
        }
    }

    @Test
    void settingsNameTheBadField() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new PolyProblem.Settings(128, Double.NaN, 64, 40, 200, 1e-3, 0.01));
        assertTrue(e.getMessage().startsWith("pnorm must be"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new PolyProblem.Settings(128, 2, 0, 40, 200, 1e-3, 0.01));
        assertTrue(e.getMessage().startsWith("batch must be"), e.getMessage());
        assertEquals(8000, PolyProblem.Settings.paper(2).totalSteps());
    }
}
