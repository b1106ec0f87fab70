package io.relaxsd.examples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.relaxsd.exact.ExactGradient;
import io.relaxsd.exact.QuadraticLoss;
import io.relaxsd.examples.util.Json;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Iterator;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class GradCommandTest {

    @Test
    void printsExactMeanStderrAndExpectedInTheDocumentedOrder() {
        JsonNode r = CliRuns.runJson("grad", "--estimator", "st", "--dist", "categorical", "--logits", "0.3,-1.2,2.0",
                "--target", "0.1,0.7", "--mixing", "1,0.5,0;0,1,0.5", "--temperature", "1.5", "--samples", "20000",
                "--seed", "4", "--json");
        List<String> keys = new java.util.ArrayList<>();
        for (Iterator<String> it = r.fieldNames(); it.hasNext(); ) {
            keys.add(it.next());
        }
        assertEquals(List.of("estimator", "dist", "exact", "mean", "stderr", "variance", "samples", "expected"), keys);
        double[] exact = ExactGradient.categorical(new double[] {0.3, -1.2, 2.0},
                QuadraticLoss.of(new double[][] {{1, 0.5, 0}, {0, 1, 0.5}}, new double[] {0.1, 0.7}, 3)::value);
        for (int i = 0; i < 3; i++) {
            assertEquals(exact[i], r.get("exact").get(i).asDouble(), 1e-12);
            double se = r.get("stderr").get(i).asDouble();
            assertEquals(r.get("expected").get(i).asDouble(), r.get("mean").get(i).asDouble(), 4 * se);
        }
        assertEquals(20000, r.get("samples").asLong());
    }

    @Test
    void unbiasedEstimatorsHaveNoExpectedKeyAndBernoulliWorks() {
        JsonNode r = CliRuns.runJson("grad", "--estimator", "gumbel-rao", "--dist", "bernoulli", "--logits", "0.3,-1.2",
                "--target", "0.1", "--mixing", "1,1", "--samples", "5000", "--json");
        assertFalse(r.has("expected"));
        assertEquals("bernoulli", r.get("dist").asText());
        assertTrue(r.get("variance").asDouble() > 0);
    }

    @Test
    void reinmaxCvReportsItsOwnSettingsAndNoExpectedMean() {
        JsonNode r = CliRuns.runJson("grad", "--estimator", "reinmax-cv", "--dist", "categorical", "--logits",
                "0.3,-1.2,2.0", "--target", "0.1,0.7,0.2", "--temperature", "0.5", "--reinmax-temperature", "1.2",
                "--cv-noise", "conditional", "--k", "2", "--samples", "3000", "--json");
        assertFalse(r.has("expected"), "reinmax-cv's mean is not a finite sum");
        assertEquals(1.2, r.get("reinmaxTemperature").asDouble());
        assertEquals("conditional", r.get("cvNoise").asText());
        assertTrue(r.get("variance").asDouble() > 0);
    }

    @Test
    void badOptionsExitTwoWithOneLine() {
        String[][] bad = {
                {"grad", "--estimator", "st", "--dist", "categorical", "--logits", "0.3,x", "--target", "1,2"},
                {"grad", "--estimator", "st", "--dist", "categorical", "--logits", "0.3,1", "--target", "1,2,3"},
                {"grad", "--estimator", "nope", "--dist", "categorical", "--logits", "0.3,1", "--target", "1,2"},
                {"grad", "--estimator", "st", "--dist", "categorical", "--logits", "0.3,1", "--target", "1,2",
                        "--temperature", "-1"},
                {"grad", "--estimator", "st", "--dist", "categorical", "--logits", "0.3,1", "--target", "1",
                        "--mixing", "1,2,3"},
                {"grad", "--estimator", "st", "--dist", "cat", "--logits", "0.3,1", "--target", "1,2"},
                {"grad", "--estimator", "reinmax-cv", "--dist", "categorical", "--logits", "0.3,1", "--target", "1,2",
                        "--reinmax-temperature", "0"},
                {"grad", "--estimator", "reinmax-cv", "--dist", "categorical", "--logits", "0.3,1", "--target", "1,2",
                        "--cv-noise", "sometimes"},
        };
        for (String[] args : bad) {
            CommandLine cl = RelaxCli.commandLine();
            StringWriter err = new StringWriter();
            cl.setErr(new PrintWriter(err));
            assertEquals(2, cl.execute(args), String.join(" ", args));
            assertEquals(1, err.toString().strip().lines().count(), err.toString());
        }
    }
}
