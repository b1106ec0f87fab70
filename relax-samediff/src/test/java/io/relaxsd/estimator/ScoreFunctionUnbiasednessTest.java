package io.relaxsd.estimator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.relaxsd.exact.QuadraticLoss;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Monte-Carlo means of REINFORCE (each baseline), REBAR and RELAX against exact enumeration, for a
 * non-separable quadratic loss, both kinds; before and after the control variate was trained at the
 * fixed logits (training φ must not bias the estimator).
 */
class ScoreFunctionUnbiasednessTest {
    static final int N = 20000;

    static final double[] CAT_THETA = {0.3, -1.2, 2.0, 0.5};
    static final QuadraticLoss CAT_LOSS = QuadraticLoss.of(new double[][] {{1.0, 2.0, -1.0, 0.5}, {0.3, -0.7, 1.5, 2.0}},
            new double[] {0.4, 1.1}, 4);
    static final double[] BER_THETA = {0.4, -0.8, 1.5};
    static final QuadraticLoss BER_LOSS = QuadraticLoss.of(new double[][] {{1.0, -2.0, 0.5}, {0.7, 1.0, 1.3}},
            new double[] {0.2, 0.9}, 3);

    static Stream<Arguments> cases() {
        List<EstimatorConfig> cfgs = List.of(
                EstimatorConfig.of("reinforce"),
                EstimatorConfig.builder("reinforce").baseline(EstimatorConfig.Baseline.RUNNING_MEAN).build(),
                EstimatorConfig.builder("reinforce").baseline(EstimatorConfig.Baseline.LEAVE_ONE_OUT).scoreSamples(3).build(),
                EstimatorConfig.builder("rebar").eta(1.0).temperature(0.5).build(),
                EstimatorConfig.of("relax"),
                EstimatorConfig.builder("relax").surrogate(EstimatorConfig.SurrogateKind.MLP)
                        .surrogateActivation(EstimatorConfig.Activation.RELU).surrogateWidths(8, 8).build(),
                EstimatorConfig.builder("relax").surrogate(EstimatorConfig.SurrogateKind.MLP_OF_RELAXED).build(),
                EstimatorConfig.builder("relax").surrogate(EstimatorConfig.SurrogateKind.RELAXED_LOSS_PLUS_CONTEXT_MLP)
                        .surrogateContext("ctx", 5).surrogateWidths(32, 32).build());
        return cfgs.stream().flatMap(c -> Stream.of(Arguments.of(c, DistributionKind.CATEGORICAL),
                Arguments.of(c, DistributionKind.BERNOULLI)));
    }

    @ParameterizedTest
    @MethodSource("cases")
    void monteCarloMeanMatchesExactGradientBeforeAndAfterAdaptation(EstimatorConfig cfg, DistributionKind kind) {
        boolean cat = kind == DistributionKind.CATEGORICAL;
        ScoreFunctionHarness h = new ScoreFunctionHarness(kind, cat ? CAT_THETA : BER_THETA, cat ? CAT_LOSS : BER_LOSS,
                cfg, 11);
        double[] exact = h.exact();
        if (!h.node.stateUpdates().isEmpty()) {
            h.node.stateUpdates().get(0).apply().accept(Nd4j.scalar(2.5));   // a non-zero running baseline
        }
        assertMeanWithin(h.estimates(N), exact, cfg + " " + kind + " initial");
        if (!h.node.controlParameters().isEmpty()) {
            h.adapt(150, 64, 0.01);
            assertMeanWithin(h.estimates(N), exact, cfg + " " + kind + " adapted");
        }
    }

    static void assertMeanWithin(INDArray g, double[] exact, String what) {
        assertEquals(exact.length, g.size(1));
        INDArray mean = g.mean(0);
        INDArray sd = g.std(0);
        for (int w = 0; w < exact.length; w++) {
            double m = mean.getDouble(w);
            double se = sd.getDouble(w) / Math.sqrt(g.size(0));
            assertFalse(Double.isNaN(m), what + ": NaN");
            assertTrue(Math.abs(m - exact[w]) <= 4 * se + 1e-9, String.format("%s: coordinate %d mean %.5f exact %.5f "
                    + "stderr %.5f", what, w, m, exact[w], se));
        }
    }
}
