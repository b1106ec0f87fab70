package io.relaxsd.examples.cli;

import static io.relaxsd.examples.cli.VaeCommandTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.relaxsd.examples.vae.SyntheticDigits;
import io.relaxsd.examples.vae.VaeData;
import io.relaxsd.examples.vae.VaeRun;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code --iwae}, {@code --validation-size} and {@code binary-linear-2} through the command line. */
class VaeEvaluationOptionsTest {

    @Test
    void badEvaluationOptionsGiveOneLineAndExit2() {
        String[][] bad = {
            {"--iwae", "0"},
            {"--iwae", "-5"},
            {"--iwae-final-only"},
            {"--setup", "binary-linear", "--latent", "8x16"},
            {"--setup", "binary-linear-2", "--latent", "4x3"},
            {"--validation-size", "0"},
            {"--validation-size", "200"},            // all 200 synthetic training images
            {"--validation", "--validation-size", "10"},
            {"--estimator", "st", "--baseline", "leave-one-out"},
        };
        for (String[] args : bad) {
            VaeCommandTest.Result r = run(args);
            assertEquals(2, r.exit(), String.join(" ", args) + ": " + r.err());
            // RelaxCli prints the message line alone; the bare CommandLine here adds the usage after it
            assertFalse(r.err().contains("Exception") || r.err().contains("\tat "), r.err());
        }
        assertTrue(run("--iwae", "0").err().contains("--iwae must be >= 1"));
        assertTrue(run("--setup", "binary-linear", "--latent", "8x16").err().contains("--latent applies to the categorical"));
    }

    @Test
    void holdOutTakesTheLastTrainingImages() {
        VaeData.Split all = SyntheticDigits.split(200, 100);
        VaeData.Split held = all.holdOut(50);
        assertEquals(150, held.trainData().size());
        assertEquals(50, held.validationData().size());
        assertEquals(100, held.testData().size());
        for (int i = 0; i < 50; i++) {
            for (int p = 0; p < 784; p += 7) {
                assertEquals(all.trainData().pixel(150 + i, p), held.validationData().pixel(i, p));
            }
        }
        for (int p = 0; p < 784; p++) {
            assertEquals(all.trainData().pixel(149, p), held.trainData().pixel(149, p));
        }
        assertTrue(all.holdOut(0) == all);
        assertThrows(IllegalArgumentException.class, () -> all.holdOut(200));
    }

    @Test
    void twoLayerRunReportsValidationAndIwae(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("run");
        VaeCommandTest.Result r = run("--setup", "binary-linear-2", "--estimator", "rebar", "--epochs", "2",
                "--batch", "50", "--validation-size", "50", "--iwae", "3", "--json", "--eval-batch", "40",
                "--out", out.toString());
        assertEquals(0, r.exit(), r.err());
        List<JsonNode> objs = r.json();
        assertEquals(3, objs.size(), r.out());
        for (int e = 0; e < 2; e++) {
            JsonNode m = objs.get(e);
            assertEquals(3, m.get("steps").asInt(), "150 training images left in batches of 50");
            for (String f : new String[] {"validation_nelbo", "test_iwae", "validation_iwae", "test_nelbo"}) {
                assertTrue(m.get(f).isNumber() && Double.isFinite(m.get(f).asDouble()), f + " in " + m);
            }
            // one sample of the ELBO (analytic KL) and the bound: both positive numbers of nats
            assertTrue(m.get("test_iwae").asDouble() > 0);
        }
        JsonNode summary = objs.get(2);
        int best = summary.get("best_validation_epoch").asInt();
        assertEquals(Math.min(objs.get(0).get("validation_iwae").asDouble(), objs.get(1).get("validation_iwae").asDouble()),
                summary.get("best_validation_iwae").asDouble(), 0.0);
        assertEquals(objs.get(best - 1).get("test_iwae").asDouble(), summary.get("test_iwae_at_best_validation").asDouble(), 0.0);
        String csv = Files.readString(out.resolve(VaeRun.METRICS_CSV));
        assertTrue(csv.startsWith("epoch,train_nelbo,test_nelbo,seconds,samples_per_sec,steps,gradient_variance,"
                + "validation_nelbo,test_iwae,validation_iwae\n"), csv);
        assertTrue(Files.readString(out.resolve(VaeRun.METRICS_JSON)).contains("best_validation_iwae"));
    }

    @Test
    void iwaeFinalOnlyEvaluatesTheLastEpoch() throws Exception {
        VaeCommandTest.Result r = run("--setup", "binary-linear", "--estimator", "st", "--epochs", "2", "--batch", "100",
                "--iwae", "2", "--iwae-final-only", "--json", "--eval-batch", "100");
        assertEquals(0, r.exit(), r.err());
        List<JsonNode> objs = r.json();
        assertFalse(objs.get(0).has("test_iwae"), objs.get(0).toString());
        assertTrue(objs.get(1).get("test_iwae").isNumber(), objs.get(1).toString());
        assertEquals(objs.get(1).get("test_iwae").asDouble(), objs.get(2).get("final_test_iwae").asDouble(), 0.0);
    }
}
