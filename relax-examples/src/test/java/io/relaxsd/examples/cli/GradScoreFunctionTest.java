package io.relaxsd.examples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.relaxsd.examples.util.Json;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code relax grad} for the score-function estimators, with control-variate adaptation. */
class GradScoreFunctionTest {

    @Test
    void scoreFunctionEstimatorsAreUnbiasedWithAndWithoutAdaptation() {
        String[][] variants = {{"reinforce", "--baseline", "leave-one-out", "--score-samples", "3"},
            {"rebar", "--adapt-steps", "30"}, {"relax", "--adapt-steps", "30"}};
        for (String[] v : variants) {
            String[] base = {"grad", "--dist", "categorical", "--logits", "0.3,-1.2,2.0", "--target", "0.1,0.7",
                "--mixing", "1,0.5,0;0,1,0.5", "--samples", "10000", "--seed", "2", "--json", "--estimator"};
            String[] args = new String[base.length + v.length];
            System.arraycopy(base, 0, args, 0, base.length);
            System.arraycopy(v, 0, args, base.length, v.length);
            JsonNode r = CliRuns.runJson(args);
            assertEquals(v[0], r.get("estimator").asText());
            for (int i = 0; i < 3; i++) {
                double se = r.get("stderr").get(i).asDouble();
                assertTrue(se > 0);
                assertEquals(r.get("exact").get(i).asDouble(), r.get("mean").get(i).asDouble(), 4 * se, v[0]);
            }
        }
    }

    @Test
    void adaptStepsWithAPathwiseEstimatorIsAUsageError() {
        CommandLine cl = RelaxCli.commandLine();
        StringWriter err = new StringWriter();
        cl.setErr(new PrintWriter(err));
        int code = cl.execute("grad", "--estimator", "st", "--dist", "bernoulli", "--logits", "0.3", "--target", "0.1",
                "--adapt-steps", "5");
        assertEquals(2, code);
        assertTrue(err.toString().contains("--adapt-steps"), err.toString());
    }
}
