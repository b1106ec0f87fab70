package io.relaxsd.examples.vae;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.relaxsd.estimator.EstimatorConfig;
import io.relaxsd.examples.util.Json;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** config.json round trip: what --resume reads back is the run that was started. */
class VaeRunConfigTest {
    @Test
    @SuppressWarnings("unchecked")
    void jsonRoundTrip() throws Exception {
        EstimatorConfig est = EstimatorConfig.builder("reinmax").temperature(0.7).samples(3).eta(0.25).alpha(0.75).build();
        VaeRunConfig cfg = new VaeRunConfig(VaeSetup.categorical(16, 12), est, OptimizerKind.ADAM, 3e-4, 50, 7, 11,
                1000, 200, VaeRunConfig.Binarization.THRESHOLD, 250);
        Map<String, Object> back = Json.mapper().readValue(Json.line(cfg.toMap()), Map.class);
        VaeRunConfig read = VaeRunConfig.fromMap(back);
        assertEquals(cfg, read);
        assertEquals(cfg.fingerprint(), read.withEpochs(99).fingerprint());
    }

    @Test
    @SuppressWarnings("unchecked")
    void jsonRoundTripKeepsScoreFunctionFields() throws Exception {
        EstimatorConfig est = EstimatorConfig.builder("reinforce").temperature(0.7)
                .baseline(EstimatorConfig.Baseline.LEAVE_ONE_OUT).scoreSamples(4).build();
        VaeRunConfig cfg = new VaeRunConfig(VaeSetup.binaryNonlinear(), est, OptimizerKind.ADAM, 3e-4, 50, 7, 11,
                1000, 200, VaeRunConfig.Binarization.THRESHOLD, 250);
        Map<String, Object> back = Json.mapper().readValue(Json.line(cfg.toMap()), Map.class);
        assertEquals(cfg, VaeRunConfig.fromMap(back));
        EstimatorConfig relax = EstimatorConfig.builder("relax")
                .surrogate(EstimatorConfig.SurrogateKind.RELAXED_LOSS_PLUS_CONTEXT_MLP).surrogateContext("x", 784)
                .surrogateWidths(50, 40, 30).surrogateWeightDecay(1e-4).pretrainSteps(1000).build();
        VaeRunConfig rc = new VaeRunConfig(VaeSetup.categorical(8, 16), relax, OptimizerKind.ADAM, 1e-3, 100, 3, 0,
                0, 0, VaeRunConfig.Binarization.DYNAMIC, 1000);
        assertEquals(rc, VaeRunConfig.fromMap(Json.mapper().readValue(Json.line(rc.toMap()), Map.class)));
    }

    @Test
    void rejectsBadValuesNamingTheField() {
        EstimatorConfig est = EstimatorConfig.of("st");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new VaeRunConfig(
                VaeSetup.binaryLinear(), est, OptimizerKind.RADAM, -1, 100, 1, 0, 0, 0,
                VaeRunConfig.Binarization.DYNAMIC, 100));
        assertTrue(e.getMessage().startsWith("lr"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> VaeSetup.parseLatent("1x16"));
        assertThrows(IllegalArgumentException.class, () -> VaeSetup.parse("ternary", null));
    }
}
