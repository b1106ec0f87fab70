package io.relaxsd.estimator;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
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
    void contextSurrogateDefaultsToTheOfficialNetworkAndValidatesItsContext() {
        EstimatorConfig.SurrogateKind ctx = EstimatorConfig.SurrogateKind.RELAXED_LOSS_PLUS_CONTEXT_MLP;
        assertEquals(ctx, EstimatorConfig.SurrogateKind.parse("relaxed-loss-plus-context-mlp"));
        EstimatorConfig d = EstimatorConfig.builder("relax").surrogate(ctx).build();
        assertArrayEquals(new int[] {200, 200}, d.surrogateWidths());
        assertEquals(EstimatorConfig.Activation.RELU, d.surrogateActivation());
        assertArrayEquals(new int[] {10}, EstimatorConfig.of("relax").surrogateWidths());
        assertEquals(EstimatorConfig.Activation.TANH, EstimatorConfig.of("relax").surrogateActivation());
        assertEquals(null, d.surrogateContext());
        assertFalse(d.toMap().containsKey("surrogateContext"), "unset fields stay out of the map");

        EstimatorConfig c = EstimatorConfig.builder("relax").surrogate(ctx).surrogateContext("x_centred", 784)
                .surrogateWidths(200, 200, 200, 200).surrogateWeightDecay(1e-4).build();
        assertEquals(c, c.toBuilder().build());
        assertEquals(c.hashCode(), c.toBuilder().build().hashCode());
        assertFalse(c.equals(c.toBuilder().surrogateContext("x", 784).build()));
        assertEquals("x_centred", c.toMap().get("surrogateContext"));
        assertEquals(784, c.toMap().get("surrogateContextWidth"));
        assertEquals(1e-4, c.toMap().get("surrogateWeightDecay"));

        assertRejected("surrogateWidths", EstimatorConfig.builder("relax").surrogate(ctx).surrogateWidths(200, 0));
        assertRejected("surrogateContextWidth", EstimatorConfig.builder("relax").surrogate(ctx)
                .surrogateContext("x_centred", 0));
        assertRejected("surrogateContextWidth", EstimatorConfig.builder("relax").surrogate(ctx)
                .surrogateContext(null, 3));
        assertRejected("surrogateContext", EstimatorConfig.builder("relax").surrogate(ctx).surrogateContext(" ", 3));
        assertRejected("surrogateContext", EstimatorConfig.builder("relax").surrogateContext("x_centred", 784));
        assertRejected("surrogateWeightDecay", EstimatorConfig.builder("relax").surrogateWeightDecay(-1e-3));
        assertRejected("surrogateWeightDecay", EstimatorConfig.builder("relax")
                .surrogateWeightDecay(Double.POSITIVE_INFINITY));
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
