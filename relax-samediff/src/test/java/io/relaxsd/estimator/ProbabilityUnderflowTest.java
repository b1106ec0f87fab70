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
 * Estimators that use the conditional perturbation z̃, in FLOAT with a class ~110 nats below the top
 * one, where π underflows to 0 (a trained VAE encoder gets there): their estimates must stay finite.
 * RELAX's closed-form Jacobian weight E/(π a) would be ∞/∞; the pathwise ones' z̃ is −∞ for that
 * class, harmless forward, but differentiating through it gave NaN before the stop-gradient cut.
 */
class ProbabilityUnderflowTest {
    private static final float[] THETA = {60f, -50f, 0.5f, 30f};

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"gumbel-rao", "reinmax-rao", "reinmax-cv"})
    void pathwiseGradientStaysFiniteWhenAProbabilityUnderflows(String estimator) {
        SameDiff sd = SameDiff.create();
        int n = 64;
        SDVariable logits = sd.var("theta", Nd4j.create(new float[][] {THETA}).repeat(0, n));
        Discrete d = Discrete.in(sd);
        SDVariable z = d.categorical("z", logits, 1, 4, EstimatorConfig.of(estimator));
        SDVariable w = sd.constant(Nd4j.create(new float[][] {{0.3f, -1.2f, 0.7f, 2.0f}}).repeat(0, n));
        z.mul(w).sum().markAsLoss();
        Map<String, INDArray> feed = d.drawNoise(n, Nd4j.getRandomFactory().getNewRandomInstance(3));
        INDArray dTheta = sd.calculateGradients(feed, "theta").get("theta");
        assertTrue(Double.isFinite(dTheta.sumNumber().doubleValue()), estimator + " gradient " + dTheta);
    }

    @Test
    void relaxStaysFiniteWhenAProbabilityUnderflows() {
        SameDiff sd = SameDiff.create();
        int n = 64;
        SDVariable logits = sd.var("theta", Nd4j.create(new float[][] {THETA}).repeat(0, n));
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
