package io.relaxsd.samediff;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.relaxsd.estimator.DistributionKind;
import io.relaxsd.estimator.NodeDraw;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Saturated logits (a class 200 nats below the top one, as a VAE encoder reaches within a few dozen
 * steps) must give a finite KL, a finite gradient and finite log-probabilities in FLOAT.
 */
class SaturatedLogitsTest {
    private static final float[][] LOGITS = {{0f, -200f, 3f, 1f}, {120f, -80f, 0f, 119f}};

    @Test
    void klToUniformIsFiniteAndExactForSaturatedLogits() {
        SameDiff sd = SameDiff.create();
        SDVariable theta = sd.var("theta", Nd4j.createFromArray(LOGITS));
        SDVariable kl = Discrete.in(sd).klToUniformCategorical(theta, 1, 4);
        sd.identity("loss", kl.sum());
        sd.setLossVariables("loss");
        INDArray value = sd.output((Map<String, INDArray>) null, "loss").get("loss");
        double expected = 0;
        for (float[] row : LOGITS) {
            double max = Double.NEGATIVE_INFINITY;
            for (float v : row) {
                max = Math.max(max, v);
            }
            double z = 0;
            for (float v : row) {
                z += Math.exp(v - max);
            }
            for (float v : row) {
                double logQ = v - max - Math.log(z);
                expected += Math.exp(logQ) * (logQ + Math.log(4));
            }
        }
        assertEquals(expected, value.getDouble(0), 1e-4);
        INDArray grad = sd.calculateGradients(null, "theta").get("theta");
        assertFalse(grad.isNaN().any() || grad.isInfinite().any(), grad.toString());
    }

    @Test
    void bernoulliKlIsFiniteAndExactForSaturatedLogits() {
        float[][] logits = {{120f, -120f, 0f, 3f}};
        SameDiff sd = SameDiff.create();
        SDVariable theta = sd.var("theta", Nd4j.createFromArray(logits));
        sd.identity("loss", Discrete.in(sd).klToUniformBernoulli(theta, 4).sum());
        sd.setLossVariables("loss");
        double expected = 0;
        for (float t : logits[0]) {
            double p = 1 / (1 + Math.exp(-t));
            expected += Math.log(2) + (p > 0 ? p * Math.log(p) : 0) + (p < 1 ? (1 - p) * Math.log(1 - p) : 0);
        }
        assertEquals(expected, sd.output((Map<String, INDArray>) null, "loss").get("loss").getDouble(0), 1e-5);
        // ∂KL/∂θ = p(1 − p)θ: 0 at θ = 0 and vanishing at ±120
        INDArray grad = sd.calculateGradients(null, "theta").get("theta");
        double p3 = 1 / (1 + Math.exp(-3.0));
        assertEquals(p3 * (1 - p3) * 3, grad.getDouble(0, 3), 1e-5);
        assertEquals(0, grad.getDouble(0, 0), 1e-6);
        assertEquals(0, grad.getDouble(0, 1), 1e-6);
        assertEquals(0, grad.getDouble(0, 2), 1e-6);
    }

    @Test
    void logProbsAreFiniteForSaturatedLogits() {
        SameDiff sd = SameDiff.create();
        SDVariable theta = sd.var("theta", Nd4j.createFromArray(LOGITS));
        SDVariable hard = sd.constant("hard", Nd4j.createFromArray(new float[][] {{0, 0, 1, 0}, {1, 0, 0, 0}}));
        INDArray logProbs = NodeDraw.given(DistributionKind.CATEGORICAL, theta, 4, hard, null).logProbs().eval();
        assertEquals(-203.0 - Math.log(1 + Math.exp(-3) + Math.exp(-2)), logProbs.getDouble(0, 1), 1e-3);
        assertFalse(logProbs.isInfinite().any() || logProbs.isNaN().any(), logProbs.toString());
        assertEquals(DataType.FLOAT, logProbs.dataType());
    }
}
