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

    /** The numbered checkpoints kept round-trip, and do not change which checkpoints a run accepts. */
    @Test
    @SuppressWarnings("unchecked")
    void keptCheckpointsRoundTripOutsideTheFingerprint() throws Exception {
        CheckpointPolicy keep = CheckpointPolicy.of(java.util.List.of(10, 1, 5), 4);
        VaeRunConfig cfg = new VaeRunConfig(VaeSetup.categorical(8, 4), EstimatorConfig.of("reinmax"), OptimizerKind.ADAM,
                5e-4, 100, 10, 0, 0, 0, VaeRunConfig.Binarization.DYNAMIC, 1000, keep);
        VaeRunConfig read = VaeRunConfig.fromMap(Json.mapper().readValue(Json.line(cfg.toMap()), Map.class));
        assertEquals(cfg, read);
        assertEquals(java.util.List.of(1, 5, 10), java.util.List.copyOf(read.keepCheckpoints().epochs()));
        assertTrue(read.keepCheckpoints().keeps(8) && read.keepCheckpoints().keeps(5) && !read.keepCheckpoints().keeps(6));
        assertEquals(cfg.withKeepCheckpoints(CheckpointPolicy.NONE).fingerprint(), cfg.fingerprint());
        // a config.json written before numbered checkpoints existed reads as keeping none
        Map<String, Object> old = cfg.withKeepCheckpoints(CheckpointPolicy.NONE).toMap();
        assertTrue(!old.containsKey("keep_checkpoints"));
        assertEquals(CheckpointPolicy.NONE, VaeRunConfig.fromMap(old).keepCheckpoints());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> CheckpointPolicy.of(java.util.List.of(3, -2), null));
        assertEquals("keep-checkpoints: epochs must be >= 1, got -2", e.getMessage());
    }

    @Test
    @SuppressWarnings("unchecked")
    void jsonRoundTripKeepsReinmaxCvFieldsAndReadsOldConfigsAsTheOldForm() throws Exception {
        EstimatorConfig est = EstimatorConfig.builder("reinmax-cv").temperature(0.7).reinmaxTemperature(1.2)
                .cvNoise(EstimatorConfig.CvNoise.CONDITIONAL).build();
        VaeRunConfig cfg = new VaeRunConfig(VaeSetup.categorical(16, 12), est, OptimizerKind.ADAM, 3e-4, 50, 7, 11,
                1000, 200, VaeRunConfig.Binarization.THRESHOLD, 250);
        Map<String, Object> back = Json.mapper().readValue(Json.line(cfg.toMap()), Map.class);
        assertEquals(cfg, VaeRunConfig.fromMap(back));

        Map<String, Object> old = Json.mapper().readValue(Json.line(cfg.toMap()), Map.class);
        Map<String, Object> e = (Map<String, Object>) old.get("estimator");
        e.remove("reinmaxTemperature");
        e.remove("cvNoise");
        EstimatorConfig read = VaeRunConfig.fromMap(old).estimator();
        assertEquals(0.7, read.reinmaxTemperature(), "before the field existed the ReinMax term ran at temperature");
        assertEquals(EstimatorConfig.CvNoise.CONDITIONAL, read.cvNoise());
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
