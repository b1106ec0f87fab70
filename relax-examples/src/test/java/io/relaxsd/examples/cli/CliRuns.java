package io.relaxsd.examples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import io.relaxsd.examples.util.Json;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;

/** Runs the CLI in-process for tests. */
final class CliRuns {
    private CliRuns() {
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
