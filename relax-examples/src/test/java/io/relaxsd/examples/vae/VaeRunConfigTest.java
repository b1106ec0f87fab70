package io.relaxsd.examples.vae;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.relaxsd.estimator.EstimatorConfig;
import io.relaxsd.examples.util.Json;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** config.json round trip: what --resume reads back is the run that was started. */
class VaeRunConfigTest {
    @Test
    @SuppressWarnings("unchecked")
    void jsonRoundTripKeepsEveryEstimatorField() throws Exception {
        EstimatorConfig est = EstimatorConfig.builder("reinforce").temperature(0.7).samples(3)
                .baseline(EstimatorConfig.Baseline.LEAVE_ONE_OUT).scoreSamples(4).build();
        VaeRunConfig cfg = new VaeRunConfig(VaeSetup.binaryNonlinear(), est, OptimizerKind.ADAM, 3e-4, 50, 7, 11,
                1000, 200, VaeRunConfig.Binarization.THRESHOLD, 250);
        Map<String, Object> back = Json.mapper().readValue(Json.line(cfg.toMap()), Map.class);
        VaeRunConfig read = VaeRunConfig.fromMap(back);
        assertEquals(cfg, read);
        assertEquals(cfg.fingerprint(), read.fingerprint());
    }
}
