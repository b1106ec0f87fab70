package io.relaxsd.estimator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.relaxsd.exact.QuadraticLoss;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** After adaptation RELAX's variance is far below REINFORCE's; the model gradient is ĝ/batch. */
class ScoreFunctionVarianceTest {

    static double variance(String estimator, DistributionKind kind, double[] theta, QuadraticLoss q, int adaptSteps) {
        ScoreFunctionHarness h = new ScoreFunctionHarness(kind, theta, q, EstimatorConfig.of(estimator), 5);
        if (adaptSteps > 0) {
            h.adapt(adaptSteps, 64, 0.01);
        }
        return ScoreFunctionHarness.totalVariance(h.estimates(10000));
    }

    @Test
    void relaxAfterAdaptationHasFarLowerVarianceThanReinforceOnTheToy() {
        double[] theta = {0.0};
        QuadraticLoss toy = QuadraticLoss.identity(new double[] {0.499});
        double reinforce = variance("reinforce", DistributionKind.BERNOULLI, theta, toy, 0);
        double relax = variance("relax", DistributionKind.BERNOULLI, theta, toy, 300);
        System.out.printf("toy t=0.499, p=1/2: Var reinforce %.3e, relax (300 steps) %.3e, factor %.1f%n",
                reinforce, relax, reinforce / relax);
        assertEquals(0.015625, reinforce, 0.0015);     // f(b)^2 (b - p)^2 ~ 1/64 at p = 1/2
        assertTrue(relax < reinforce / 10, "relax " + relax + " reinforce " + reinforce);
    }

    @Test
    void relaxAfterAdaptationHasLowerVarianceThanReinforceOnTheCategoricalQuadratic() {
        double reinforce = variance("reinforce", DistributionKind.CATEGORICAL, ScoreFunctionUnbiasednessTest.CAT_THETA,
                ScoreFunctionUnbiasednessTest.CAT_LOSS, 0);
        double relax = variance("relax", DistributionKind.CATEGORICAL, ScoreFunctionUnbiasednessTest.CAT_THETA,
                ScoreFunctionUnbiasednessTest.CAT_LOSS, 300);
        System.out.printf("categorical quadratic: Var reinforce %.3e, relax (300 steps) %.3e, factor %.1f%n",
                reinforce, relax, reinforce / relax);
        assertTrue(relax < reinforce / 3, "relax " + relax + " reinforce " + reinforce);
    }

    @Test
    void modelLossSendsTheEstimateDividedByTheBatchToTheLogits() {
        SameDiff sd = SameDiff.create();
        int n = 16;
        double[] theta = {0.3, -1.2, 2.0, 0.5};
        SDVariable logits = sd.var("theta", Nd4j.create(new double[][] {theta}).repeat(0, n));
        io.relaxsd.samediff.Discrete d = io.relaxsd.samediff.Discrete.in(sd);
        var node = d.categorical("z", logits, 1, 4, EstimatorConfig.of("relax"),
                QuadraticSampleLoss.of(sd, ScoreFunctionUnbiasednessTest.CAT_LOSS, DataType.DOUBLE));
        sd.setLossVariables(node.modelLoss().name(), node.varianceLoss().name());
        Map<String, INDArray> feed = d.drawNoise(n, Nd4j.getRandomFactory().getNewRandomInstance(2));
        INDArray g = sd.output(feed, node.gradient().name()).get(node.gradient().name());
        INDArray grad = sd.calculateGradients(feed, "theta").get("theta");
        assertTrue(g.std(0).sumNumber().doubleValue() > 0, "estimates vary by row");
        for (int r = 0; r < n; r++) {
            for (int k = 0; k < 4; k++) {
                assertEquals(g.getDouble(r, k) / n, grad.getDouble(r, k), 1e-12);
            }
        }
    }
}
