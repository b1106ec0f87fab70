package io.relaxsd.examples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.relaxsd.estimator.Estimators;
import io.relaxsd.examples.util.Json;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class RelaxCliTest {

    private record Run(int code, String out, String err) {
    }

    private static Run run(String... args) {
        CommandLine cl = RelaxCli.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int code = cl.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void helpListsCommandsAndExitsZero() {
        Run r = run("--help");
        assertEquals(0, r.code());
        assertTrue(r.out().contains("estimators"), r.out());
        assertTrue(r.out().contains("Commands:"), r.out());
    }

    @Test
    void unknownCommandIsOneLineAndExitTwo() {
        Run r = run("nosuch");
        assertEquals(2, r.code());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(r.err().startsWith("relax: "), r.err());
    }

    @Test
    void unknownOptionIsOneLineAndExitTwo() {
        Run r = run("estimators", "--frobnicate");
        assertEquals(2, r.code());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(r.err().contains("--frobnicate"), r.err());
    }

    @Test
    void noCommandIsAUsageError() {
        assertEquals(2, run().code());
    }

    @Test
    void estimatorsJsonHasOneObjectPerRegisteredEstimator() {
        java.io.ByteArrayOutputStream buf = new java.io.ByteArrayOutputStream();
        java.io.PrintStream old = System.out;
        System.setOut(new java.io.PrintStream(buf, true));
        try {
            assertEquals(0, run("estimators", "--json").code());
        } finally {
            System.setOut(old);
        }
        String[] lines = buf.toString().strip().split("\n");
        assertEquals(Estimators.names().size(), lines.length);
        assertEquals("st", Json.parse(lines[0]).get("name").asText());
        assertTrue(Json.parse(lines[0]).has("unbiased"));
    }
}
