package io.relaxsd.estimator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ScoreFunctionConfigTest {

    private static void assertRejected(String field, EstimatorConfig.Builder b) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, b::build);
        assertTrue(e.getMessage().startsWith(field), e.getMessage());
    }

    @Test
    void badScoreFunctionSettingsNameTheField() {
        assertRejected("scoreSamples", EstimatorConfig.builder("reinforce")
                .baseline(EstimatorConfig.Baseline.LEAVE_ONE_OUT).scoreSamples(1));
        assertRejected("scoreSamples", EstimatorConfig.builder("reinforce").scoreSamples(0));
        assertRejected("baselineDecay", EstimatorConfig.builder("reinforce").baselineDecay(1.0));
        assertRejected("surrogateWidths", EstimatorConfig.builder("relax").surrogateWidths());
        assertRejected("surrogateWidths", EstimatorConfig.builder("relax").surrogateWidths(10, 0));
        assertRejected("phiLrMultiplier", EstimatorConfig.builder("relax").phiLrMultiplier(0));
        assertRejected("pretrainSteps", EstimatorConfig.builder("relax").pretrainSteps(-1));
        assertRejected("baseline", EstimatorConfig.builder("reinforce").baseline(null));
        assertThrows(IllegalArgumentException.class, () -> EstimatorConfig.Baseline.parse("median"));
        assertEquals(EstimatorConfig.Baseline.LEAVE_ONE_OUT, EstimatorConfig.Baseline.parse("leave-one-out"));
        assertEquals(EstimatorConfig.SurrogateKind.MLP_OF_RELAXED, EstimatorConfig.SurrogateKind.parse("mlp-of-relaxed"));
    }

    @Test
    void configRoundTripsThroughItsBuilderAndMap() {
        EstimatorConfig c = EstimatorConfig.builder("relax").surrogateWidths(20, 20)
                .surrogateActivation(EstimatorConfig.Activation.RELU).phiLrMultiplier(3).pretrainSteps(100).build();
        assertEquals(c, c.toBuilder().build());
        assertEquals(c.hashCode(), c.toBuilder().build().hashCode());
        assertFalse(c.equals(c.toBuilder().surrogateWidths(20).build()));
        assertEquals(java.util.List.of(20, 20), c.toMap().get("surrogateWidths"));
        assertEquals("relu", c.toMap().get("surrogateActivation"));
    }

    @Test
    void registryKnowsTheFamilies() {
        assertTrue(Estimators.isScoreFunction("relax"));
        assertFalse(Estimators.isScoreFunction("st"));
        assertEquals(1, Estimators.create(EstimatorConfig.of("relax")).conditionalSamples());
        assertEquals(2, Estimators.create(EstimatorConfig.builder("reinforce")
                .baseline(EstimatorConfig.Baseline.LEAVE_ONE_OUT).scoreSamples(3).build()).conditionalSamples());
        assertThrows(IllegalArgumentException.class, () -> Estimators.pathwise(EstimatorConfig.of("rebar")));
        assertThrows(IllegalArgumentException.class, () -> Estimators.scoreFunction(EstimatorConfig.of("reinmax")));
    }
}
