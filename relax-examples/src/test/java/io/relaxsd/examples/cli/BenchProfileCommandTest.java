package io.relaxsd.examples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

/** {@code relax bench --profile}: the replayed step op by op (few rounds, small batch) and its usage errors. */
class BenchProfileCommandTest {

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
                {"bench", "--profile", "0"}}) {
            CliRuns.Result r = CliRuns.run(args);
            assertEquals(2, r.code(), String.join(" ", args));
            assertEquals(1, r.err().strip().lines().count(), r.err());
        }
    }
}
