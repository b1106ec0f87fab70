package io.relaxsd.examples.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.relaxsd.estimator.EstimatorConfig;
import io.relaxsd.examples.vae.VaeSetup;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The bench on the RELAX paper's binary setups: their GEMM count, and a record with the bench's keys. */
class VaeBenchmarkTest {

    /**
     * L2 at batch 24: encoder 784 → 200 forward and weight gradient (2 GEMMs), decoder 200 → 784
     * with its input gradient (3), and the 200 → 200 maps between the layers (2 and 3), 2·B·in·out each.
     */
    @Test
    void twoLayerStepCountsItsUpperMaps() {
        VaeBenchmark l2 = new VaeBenchmark(VaeSetup.binaryLinear2(), 24, 0, 1);
        double pixelSide = 2.0 * 24 * 784 * 200;
        double upper = 2.0 * 24 * 200 * 200;
        assertEquals(5 * pixelSide + 5 * upper, l2.stepFlops(), 1e-6);
        assertEquals(5 * pixelSide, new VaeBenchmark(VaeSetup.binaryLinear(), 24, 0, 1).stepFlops(), 1e-6);
    }

    /** reinforce on L2 (two nodes) against its σ(θ) baseline: the same keys as the categorical records. */
    @Test
    void binaryRecordHasTheBenchKeys() {
        VaeBenchmark l2 = new VaeBenchmark(VaeSetup.binaryLinear2(), 24, 1, 3);
        Map<String, Object> rec = l2.record("reinforce", 1, l2.measure("reinforce", EstimatorConfig.of("reinforce"),
                i -> { }));
        assertEquals("binary-linear-2", rec.get("latent"));
        assertEquals(24, rec.get("batch"));
        assertEquals(3, rec.get("steps"));
        double median = (Double) rec.get("ms_per_step_median");
        assertTrue(median > 0 && (Double) rec.get("softmax_ms_per_step_median") > 0, rec.toString());
        assertEquals(24 * (Double) rec.get("steps_per_sec"), (Double) rec.get("samples_per_sec"), 1e-9);
        // the graph's recorded GEMMs: at least the forward passes of the four maps
        double forward = 2.0 * 24 * (2 * 784 * 200 + 2 * 200 * 200);
        assertTrue((Double) rec.get("executed_gflop") * 1e9 > forward, rec.toString());
        // the split: a score-function node evaluates the decoder, so it has no time of its own
        assertTrue((Double) rec.get("gemm_ms") > 0 && (Double) rec.get("updater_ms") > 0, rec.toString());
        // null, not NaN: the record is written as JSON, which has no NaN
        assertTrue(rec.containsKey("node_ms") && rec.get("node_ms") == null, rec.toString());
        assertEquals(median - (Double) rec.get("gemm_ms") - (Double) rec.get("updater_ms"),
                (Double) rec.get("other_ms"), 1e-9);
    }

    /** A pathwise estimator's split has the node's own time, and the four parts add up to the median step. */
    @Test
    void pathwiseSplitHasTheNode() {
        VaeBenchmark bench = new VaeBenchmark(VaeSetup.categorical(4, 3), 16, 1, 3);
        Map<String, Object> rec = bench.record("reinmax", 1, bench.measure("reinmax", EstimatorConfig.of("reinmax"),
                i -> { }));
        double node = (Double) rec.get("node_ms");
        assertTrue(node > 0 && node < (Double) rec.get("ms_per_step_median"), rec.toString());
        double sum = (Double) rec.get("gemm_ms") + (Double) rec.get("updater_ms") + node + (Double) rec.get("other_ms");
        assertEquals((Double) rec.get("ms_per_step_median"), sum, 1e-9);
    }
}
