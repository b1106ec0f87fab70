package io.relaxsd.examples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

/**
 * {@code relax bench} (interleaved, with the split), {@code --profile} (the replayed step op by op) and
 * {@code --alone} (steps back to back): their JSON records (few rounds, small batch) and usage errors.
 */
class BenchCommandTest {

    /** A score-function estimator has no node of its own to time: its node_ms is null, not a NaN JSON refuses. */
    @Test
    void interleavedRecordOfAScoreFunctionEstimatorHasNoNodeTime() {
        JsonNode r = CliRuns.runJson("bench", "--estimator", "reinforce", "--batch", "8", "--steps", "2", "--warmup",
                "1", "--json");
        assertEquals("reinforce", r.get("estimator").asText());
        assertTrue(r.get("node_ms").isNull(), r.toString());
        for (String key : new String[] {"ms_per_step_median", "overhead_vs_softmax", "gemm_ms", "updater_ms"}) {
            assertTrue(r.get(key).isNumber() && r.get(key).asDouble() > 0, key + " in " + r);
        }
        assertTrue(r.get("other_ms").isNumber(), r.toString());
    }

    @Test
    void aloneRecordTimesTheStepsAndTheirGemms() {
        JsonNode r = CliRuns.runJson("bench", "--alone", "--estimator", "reinmax", "--batch", "8", "--steps", "3",
                "--warmup", "1", "--json");
        assertEquals("reinmax", r.get("estimator").asText());
        assertEquals("alone", r.get("mode").asText());
        assertEquals(3, r.get("steps").asInt());
        for (String key : new String[] {"steps_per_sec", "ms_per_step_median", "ms_per_step_p90", "roofline_fraction",
                "gemm_gflops", "gemm_ms", "gemm_fraction", "executed_gflop"}) {
            assertTrue(r.get(key).isNumber() && r.get(key).asDouble() > 0, key + " in " + r);
        }
        assertEquals(r.get("gemm_ms").asDouble() / r.get("ms_per_step_median").asDouble(),
                r.get("gemm_fraction").asDouble(), 1e-9);
        // the roofline is the step's FLOP rate over its own GEMMs' rate: the GEMM share of the step's time
        assertEquals(r.get("gemm_fraction").asDouble(), r.get("roofline_fraction").asDouble(), 1e-9);
    }

    @Test
    void jsonRecordListsEveryOpOfTheReplayedStepWithItsTime() {
        JsonNode r = CliRuns.runJson("bench", "--profile", "--estimator", "st", "--batch", "8", "--steps", "3",
                "--warmup", "1", "--json");
        assertEquals("st", r.get("estimator").asText());
        JsonNode ops = r.get("op_times");
        assertEquals(r.get("ops").asInt(), ops.size());
        assertTrue(ops.size() > 50, "the st step replays its whole graph: " + ops.size() + " ops");
        double sum = 0;
        int matmuls = 0;
        for (int i = 0; i < ops.size(); i++) {
            JsonNode o = ops.get(i);
            assertEquals(i, o.get("index").asInt());
            assertTrue(o.get("median_us").asDouble() >= 0, o.toString());
            assertTrue(o.get("how").asText().matches("op|host|softmax_bp-from-output"), o.toString());
            sum += o.get("median_us").asDouble();
            matmuls += o.get("op").asText().equals("matmul") || o.get("op").asText().equals("xw_plus_b") ? 1 : 0;
        }
        // the encoder's and decoder's 3 layers each: forward, weight and input gradients (the first input's not)
        assertEquals(17, matmuls);
        assertEquals(sum / 1e3, r.get("sum_of_op_medians_ms").asDouble(), 1e-9);
    }

    @Test
    void theTableNamesTheSlowestOps() {
        java.io.ByteArrayOutputStream buf = new java.io.ByteArrayOutputStream();
        java.io.PrintStream old = System.out;
        System.setOut(new java.io.PrintStream(buf, true));
        int code;
        try {
            code = RelaxCli.commandLine().execute("bench", "--profile", "5", "--estimator", "st", "--batch", "8",
                    "--steps", "2", "--warmup", "1");
        } finally {
            System.setOut(old);
        }
        String out = buf.toString();
        assertEquals(0, code);
        assertTrue(out.contains("st: ") && out.contains("slowest ops:") && out.contains("matmul"), out);
        // the 5 slowest ops: one line each under the header
        String slowest = out.substring(out.indexOf("slowest ops:"));
        assertEquals(5 + 2, slowest.strip().lines().count(), slowest);
    }

    @Test
    void profilingWithAnotherModeOrNoOpsIsOneUsageLine() {
        for (String[] args : new String[][] {
                {"bench", "--profile", "--dl4j"},
                {"bench", "--profile", "--jmh"},
                {"bench", "--profile", "0"},
                {"bench", "--profile", "--alone"},
                {"bench", "--alone", "--dl4j"}}) {
            CliRuns.Result r = CliRuns.run(args);
            assertEquals(2, r.code(), String.join(" ", args));
            assertEquals(1, r.err().strip().lines().count(), r.err());
        }
    }
}
