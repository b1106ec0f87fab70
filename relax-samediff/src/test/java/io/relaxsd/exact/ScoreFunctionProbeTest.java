package io.relaxsd.exact;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.relaxsd.estimator.DistributionKind;
import io.relaxsd.estimator.EstimatorConfig;
import org.junit.jupiter.api.Test;

/** The probe runs score-function estimators, with and without adapting the control variate first. */
class ScoreFunctionProbeTest {

    static void assertUnbiased(GradientProbe.Result r) {
        for (int i = 0; i < r.exact().length; i++) {
            assertTrue(Math.abs(r.mean()[i] - r.exact()[i]) <= 4 * r.stderr()[i] + 1e-9,
                    r.estimator() + " coordinate " + i + ": mean " + r.mean()[i] + " exact " + r.exact()[i]
                            + " stderr " + r.stderr()[i]);
        }
    }

    @Test
    void relaxAdaptedAtTheLogitsIsUnbiasedAndHasLowerVariance() {
        double[] logits = {0.4, -0.8, 1.5};
        QuadraticLoss f = QuadraticLoss.of(new double[][] {{1.0, -2.0, 0.5}, {0.7, 1.0, 1.3}}, new double[] {0.2, 0.9}, 3);
        EstimatorConfig cfg = EstimatorConfig.of("relax");
        GradientProbe.Result plain = GradientProbe.run(cfg, DistributionKind.BERNOULLI, logits, f, 20000, 3);
        GradientProbe.Result adapted = GradientProbe.run("relax", ScoreFunctionProbe.of(cfg, logits, 200, 3),
                DistributionKind.BERNOULLI, logits, f, 20000, 3);
        GradientProbe.Result reinforce = GradientProbe.run(EstimatorConfig.of("reinforce"), DistributionKind.BERNOULLI,
                logits, f, 20000, 3);
        assertUnbiased(plain);
        assertUnbiased(adapted);
        assertUnbiased(reinforce);
        System.out.printf("probe, 3 Bernoullis: Var reinforce %.4f, relax %.4f, relax adapted 200 steps %.4f%n",
                reinforce.variance(), plain.variance(), adapted.variance());
        assertTrue(adapted.variance() < plain.variance() / 2, adapted.variance() + " vs " + plain.variance());
        assertTrue(adapted.variance() < reinforce.variance() / 2, adapted.variance() + " vs " + reinforce.variance());
    }
}
