package io.relaxsd.estimator;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.relaxsd.samediff.Discrete;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * RELAX in FLOAT with a class ~110 nats below the top one, where π underflows to 0 (a trained VAE
 * encoder gets there): z̃ and ĝ must stay finite (E/π would be ∞ and E/(π a) = ∞/∞ = NaN).
 */
class ScoreFunctionUnderflowTest {
    @Test
    void relaxStaysFiniteWhenAProbabilityUnderflows() {
        SameDiff sd = SameDiff.create();
        int n = 64;
        float[] theta = {60f, -50f, 0.5f, 30f};
        SDVariable logits = sd.var("theta", Nd4j.create(new float[][] {theta}).repeat(0, n));
        Discrete d = Discrete.in(sd);
        var node = d.categorical("z", logits, 1, 4, EstimatorConfig.of("relax"),
                QuadraticSampleLoss.of(sd, ScoreFunctionUnbiasednessTest.CAT_LOSS, DataType.FLOAT));
        sd.setLossVariables(node.modelLoss().name(), node.varianceLoss().name());
        Map<String, INDArray> feed = d.drawNoise(n, Nd4j.getRandomFactory().getNewRandomInstance(3));
        INDArray g = sd.output(feed, node.gradient().name()).get(node.gradient().name());
        assertTrue(Double.isFinite(g.sumNumber().doubleValue()), "estimate " + g);
        Map<String, INDArray> grads = sd.calculateGradients(feed, node.controlParameters());
        grads.forEach((k, v) -> assertTrue(Double.isFinite(v.sumNumber().doubleValue()), k + " " + v));
        INDArray dTheta = sd.calculateGradients(feed, "theta").get("theta");
        assertTrue(Double.isFinite(dTheta.sumNumber().doubleValue()), "theta gradient " + dTheta);
    }
}
