package io.relaxsd.examples.toy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.relaxsd.estimator.EstimatorConfig;
import io.relaxsd.exact.ExactGradient;
import org.junit.jupiter.api.Test;

class ToyProblemTest {

    @Test
    void exactLossIsTheTwoOutcomeAverage() {
        assertEquals(0.5 * 0.551 * 0.551 + 0.5 * 0.449 * 0.449, ToyProblem.exactLoss(0.5, 0.449), 1e-15);
        assertEquals(0.45 * 0.45, ToyProblem.exactLoss(0.0, 0.45), 1e-15);
    }

    @Test
    void curvesAreConsistentAndRelaxMovesTheLogitDownForAClearTarget() {
        ToyProblem.Settings s = new ToyProblem.Settings(0.3, 200, 0.05, 1, 4, 50, 200);
        ToyProblem.Result r = ToyProblem.run(EstimatorConfig.of("relax"), s, i -> { });
        assertEquals(5, r.curveSteps().length);          // steps 0, 50, 100, 150, 200
        assertEquals(ToyProblem.exactLoss(0.5, 0.3), r.exactLoss()[0], 1e-12);
        assertEquals(ToyProblem.exactLoss(r.pFinal(), 0.3), r.exactLossFinal(), 1e-12);
        assertEquals(r.exactLossFinal(), r.exactLoss()[4], 1e-12);
        // E[f] decreases with p for t < 1/2; 200 Adam steps of 0.05 on a clear signal move p well below 1/2
        assertTrue(r.pFinal() < 0.2, "p_final " + r.pFinal());
        for (double lv : r.logVariance()) {
            assertTrue(Double.isFinite(lv));
        }
        // REINFORCE without baseline at p = 1/2: Var = E[f²(b − p)²] = ((1−t)⁴ + t⁴)/8 exactly
        ToyProblem.Result rf = ToyProblem.run(EstimatorConfig.of("reinforce"),
                new ToyProblem.Settings(0.3, 1, 1e-9, 1, 4, 1, 4000), i -> { });
        double exactVar = (Math.pow(0.7, 4) + Math.pow(0.3, 4)) / 8
                - Math.pow(0.25 * (1 - 0.6), 2);   // minus the squared mean p(1−p)(1−2t)
        assertEquals(Math.log(exactVar), rf.logVariance()[0], 0.1);
        assertEquals(0.5, ExactGradient.sigmoid(0), 0);
    }

    /**
     * Surrogate pre-training moves φ only: θ is still 0 when training starts, θ's Adam takes its
     * first step (exactly lr, bias-corrected) as if fresh, and the trained φ has already cut the
     * variance of ĝ far below REINFORCE's level at the start.
     */
    @Test
    void pretrainingTrainsPhiAloneAndLeavesThetasAdamFresh() {
        double lr = 0.05;
        double t = 0.499;
        ToyProblem.Settings s = new ToyProblem.Settings(t, 1, lr, 1, 5, 1, 400);
        ToyProblem.Result pre = ToyProblem.run(EstimatorConfig.builder("relax").pretrainSteps(300).build(), s, i -> { });
        ToyProblem.Result none = ToyProblem.run(EstimatorConfig.of("relax"), s, i -> { });
        assertEquals(ToyProblem.exactLoss(0.5, t), pre.exactLoss()[0], 1e-12);
        // exact loss is linear in p: p = (L − t²)/(1 − 2t). A fresh Adam's first step is
        // lr·g/(|g| + ε) ≈ lr; one whose clock had run on during pre-training would step ≈ 1.6·lr
        double p1 = (pre.exactLoss()[1] - t * t) / (1 - 2 * t);
        assertEquals(lr, Math.abs(Math.log(p1 / (1 - p1))), 1e-3);
        assertTrue(pre.logVariance()[0] < none.logVariance()[0] - 3,
                "log Var after pre-training " + pre.logVariance()[0] + ", without " + none.logVariance()[0]);
    }

    @Test
    void settingsNameTheBadField() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new ToyProblem.Settings(1.5, 10, 0.01, 1, 0, 10, 1000));
        assertTrue(e.getMessage().startsWith("target"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new ToyProblem.Settings(0.4, 0, 0.01, 1, 0, 10, 1000));
        assertTrue(e.getMessage().startsWith("steps"), e.getMessage());
    }
}
