package io.relaxsd.examples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

/** {@code relax bench --dl4j}: its JSON record (few steps, small batch) and its usage errors. */
class BenchDl4jCommandTest {

    @Test
    void jsonRecordHasTheBenchKeysAndThePlainBaseline() {
        JsonNode r = CliRuns.runJson("bench", "--dl4j", "--estimator", "st", "--batch", "8", "--steps", "3",
                "--warmup", "1", "--json");
        assertEquals("st", r.get("estimator").asText());
        assertEquals("dl4j", r.get("network").asText());
        assertEquals("8x16", r.get("latent").asText());
        assertEquals(8, r.get("batch").asInt());
        assertEquals(3, r.get("steps").asInt());
        for (String key : new String[] {"steps_per_sec", "samples_per_sec", "ms_per_step_median", "ms_per_step_p90",
                "roofline_fraction", "overhead_vs_plain", "plain_ms_per_step_median", "gemm_gflops", "step_gflop"}) {
            assertTrue(r.get(key).isNumber() && r.get(key).asDouble() > 0, key + " in " + r);
        }
        assertEquals(r.get("ms_per_step_median").asDouble() / r.get("plain_ms_per_step_median").asDouble(),
                r.get("overhead_vs_plain").asDouble(), 1e-9);
    }

    @Test
    void whatNoLayerRunsIsOneUsageLine() {
        for (String[] args : new String[][] {
                {"bench", "--dl4j", "--estimator", "rebar"},
                {"bench", "--dl4j", "--jmh"},
                {"bench", "--dl4j", "--estimator", "relax", "--surrogate", "relaxed-loss-plus-mlp"}}) {
            CliRuns.Result r = CliRuns.run(args);
            assertEquals(2, r.code(), String.join(" ", args));
            assertEquals(1, r.err().strip().lines().count(), r.err());
        }
    }
}
