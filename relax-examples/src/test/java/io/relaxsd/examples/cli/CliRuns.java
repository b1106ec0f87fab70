package io.relaxsd.examples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import io.relaxsd.examples.util.Json;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import picocli.CommandLine;

/** Runs the CLI in-process for tests. */
final class CliRuns {
    private CliRuns() {
    }

    /** Exit code and what the command wrote through picocli's out and err writers. */
    record Result(int code, String out, String err) {
    }

    /** Runs {@code relax args...} with its out and err captured. */
    static Result run(String... args) {
        CommandLine cl = RelaxCli.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int code = cl.execute(args);
        return new Result(code, out.toString(), err.toString());
    }

    /** Runs {@code relax args...}, asserts exit code 0 and parses its standard output as one JSON object. */
    static JsonNode runJson(String... args) {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        PrintStream old = System.out;
        System.setOut(new PrintStream(buf, true));
        try {
            assertEquals(0, RelaxCli.commandLine().execute(args));
        } finally {
            System.setOut(old);
        }
        return Json.parse(buf.toString().strip());
    }
}
