package io.relaxsd.samediff;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.relaxsd.estimator.EstimatorConfig;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.rng.Random;
import org.nd4j.linalg.factory.Nd4j;

class DiscreteSmokeTest {

    @Test
    void straightThroughGradientIsTemperedSoftmaxJacobianAtEverySample() {
        double[] theta = {0.3, -1.2, 2.0};
        double tau = 1.5;
        int n = 64;
        SameDiff sd = SameDiff.create();
        INDArray init = Nd4j.create(new double[][] {theta}).repeat(0, n);
        SDVariable logits = sd.var("logits", init);
        Discrete discrete = Discrete.in(sd);
        SDVariable x = discrete.categorical("z", logits, 3,
                EstimatorConfig.builder("st").temperature(tau).build());
        INDArray w = Nd4j.create(new double[][] {{1.0, -2.0, 0.5}});
        SDVariable loss = x.mul(sd.constant("w", w)).sum();
        loss.markAsLoss();
        Random rng = Nd4j.getRandomFactory().getNewRandomInstance(7);
        Map<String, INDArray> feed = new HashMap<>(discrete.drawNoise(n, rng));
        INDArray sample = sd.output(feed, x.name()).get(x.name());
        INDArray grad = sd.calculateGradients(feed, "logits").get("logits");
        // closed form: J(q)ᵀ w / τ, q = softmax(θ/τ), the same for every row
        double[] q = new double[3];
        double z = 0;
        for (int k = 0; k < 3; k++) {
            q[k] = Math.exp(theta[k] / tau);
            z += q[k];
        }
        double qw = 0;
        for (int k = 0; k < 3; k++) {
            q[k] /= z;
            qw += q[k] * w.getDouble(0, k);
        }
        for (int r = 0; r < n; r++) {
            assertEquals(1.0, sample.getRow(r).sumNumber().doubleValue(), 0.0);
            for (int k = 0; k < 3; k++) {
                assertEquals(q[k] * (w.getDouble(0, k) - qw) / tau, grad.getDouble(r, k), 1e-12);
            }
        }
    }

    @Test
    void groupedLogitsKeepTheirShapeAndGiveOneHotGroups() {
        SameDiff sd = SameDiff.create();
        SDVariable logits = sd.placeHolder("logits", DataType.DOUBLE, -1, 4 * 3);
        Discrete discrete = Discrete.in(sd);
        SDVariable x = discrete.categorical("z", logits, 4, 3, EstimatorConfig.of("reinmax"));
        Map<String, INDArray> feed = new HashMap<>(discrete.drawNoise(5, Nd4j.getRandomFactory().getNewRandomInstance(1)));
        feed.put("logits", Nd4j.randn(DataType.DOUBLE, 5, 12));
        INDArray out = sd.output(feed, x.name()).get(x.name());
        assertEquals(5, out.size(0));
        assertEquals(12, out.size(1));
        INDArray groups = out.reshape(5, 4, 3).sum(2);
        assertEquals(20.0, groups.sumNumber().doubleValue(), 0.0);
        assertEquals(1.0, groups.maxNumber().doubleValue(), 0.0);
    }
}
