package io.relaxsd.examples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.relaxsd.examples.util.Json;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class ToyCommandTest {

    private record Run(int code, String out, String err) {
    }

    private static Run run(String... args) {
        CommandLine cl = RelaxCli.commandLine();
        StringWriter err = new StringWriter();
        cl.setErr(new PrintWriter(err));
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        PrintStream old = System.out;
        System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
        try {
            int code = cl.execute(args);
            return new Run(code, buf.toString(StandardCharsets.UTF_8), err.toString());
        } finally {
            System.setOut(old);
        }
    }

    @Test
    void jsonPerEstimatorAndPngWithOut(@TempDir Path dir) throws Exception {
        Run r = run("toy", "--estimator", "reinforce,relax", "--estimator", "st", "--target", "0.45", "--steps", "30",
                "--variance-every", "10", "--json", "--out", dir.toString());
        assertEquals(0, r.code(), r.err());
        List<String> lines = r.out().strip().lines().toList();
        assertEquals(3, lines.size(), r.out());
        String[] names = {"reinforce", "relax", "st"};
        for (int i = 0; i < 3; i++) {
            JsonNode n = Json.parse(lines.get(i));
            assertEquals(names[i], n.get("estimator").asText());
            assertEquals(0.45, n.get("target").asDouble(), 0);
            assertEquals(30, n.get("steps").asInt());
            double p = n.get("p_final").asDouble();
            assertEquals(p * 0.55 * 0.55 + (1 - p) * 0.45 * 0.45, n.get("exact_loss_final").asDouble(), 1e-12);
            assertTrue(Double.isFinite(n.get("log_variance_mean").asDouble()));
            assertTrue(n.has("loss_final"));
        }
        assertTrue(Files.size(dir.resolve("toy.png")) > 1000);
        JsonNode doc = Json.parse(Files.readString(dir.resolve("toy.json")));
        assertEquals(3, doc.get("runs").size());
        assertEquals(4, doc.get("runs").get(0).get("curve").get("step").size());   // 0, 10, 20, 30
    }

    @Test
    void unknownEstimatorIsAUsageErrorNamingTheOption() {
        Run r = run("toy", "--estimator", "nosuch");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--estimator"), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
    }
}
