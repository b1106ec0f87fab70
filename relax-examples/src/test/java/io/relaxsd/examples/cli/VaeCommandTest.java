package io.relaxsd.examples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.relaxsd.estimator.EstimatorConfig;
import io.relaxsd.examples.vae.SyntheticDigits;
import io.relaxsd.examples.vae.VaeData;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class VaeCommandTest {
    private static final VaeData.Split DATA = SyntheticDigits.split(200, 100);

    record Result(int exit, String out, String err) {
        List<JsonNode> json() throws Exception {
            List<JsonNode> l = new ArrayList<>();
            for (String line : out.split("\n")) {
                if (line.startsWith("{")) {
                    l.add(new ObjectMapper().readTree(line));
                }
            }
            return l;
        }
    }

    static Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = new CommandLine(new VaeCommand((dir, cfg, o, v) -> DATA));
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int exit = cl.execute(args);
        return new Result(exit, out.toString(), err.toString());
    }

    @Test
    void badOptionsGiveOneClearLineAndExit2() {
        Result r = run("--latent", "8by16");
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("latent must be CxL"), r.err());
        Result r2 = run("--estimator", "no-such-estimator");
        assertEquals(2, r2.exit());
        assertTrue(r2.err().toLowerCase().contains("no-such-estimator"), r2.err());
        assertEquals(2, run("--optimizer", "sgd").exit());
        assertEquals(2, run("--batch", "0").exit());
        Result r3 = run("--estimator", "relax", "--surrogate", "nosuch");
        assertEquals(2, r3.exit());
        assertTrue(r3.err().contains("--surrogate: unknown value 'nosuch'"), r3.err());
        Result r4 = run("--estimator", "reinmax", "--surrogate", "mlp");
        assertEquals(2, r4.exit());
        assertTrue(r4.err().contains("--surrogate applies to relax only"), r4.err());
        Result r5 = run("--estimator", "relax", "--surrogate", "relaxed-loss-plus-context-mlp", "--surrogate-widths",
                "200,0");
        assertEquals(2, r5.exit());
        assertTrue(r5.err().contains("surrogateWidths must all be >= 1, got [200, 0]"), r5.err());
        Result r6 = run("--estimator", "st", "--surrogate-weight-decay", "1e-4");
        assertEquals(2, r6.exit());
        assertTrue(r6.err().contains("applies to relax only"), r6.err());
        Result r7 = run("--estimator", "relax", "--surrogate-weight-decay", "-1");
        assertEquals(2, r7.exit());
        assertTrue(r7.err().contains("surrogateWeightDecay must be finite and >= 0, got -1.0"), r7.err());
    }

    /** The context surrogate pre-trains 1000 steps unless told otherwise, as the official code; the others 0. */
    @Test
    void contextSurrogatePretrainsLikeTheOfficialCodeByDefault() {
        EstimatorConfig.SurrogateKind ctx = EstimatorConfig.SurrogateKind.RELAXED_LOSS_PLUS_CONTEXT_MLP;
        EstimatorConfig.Builder b = EstimatorConfig.builder("relax");
        SurrogateOption.apply(b, ctx, null, "tanh", 1e-4, true);
        EstimatorConfig c = b.build();
        assertEquals(1000, c.pretrainSteps());
        assertEquals(EstimatorConfig.Activation.TANH, c.surrogateActivation());
        assertEquals(1e-4, c.surrogateWeightDecay());
        EstimatorConfig.Builder given = EstimatorConfig.builder("relax").pretrainSteps(7);
        SurrogateOption.apply(given, ctx, new int[] {5}, null, null, false);
        assertEquals(7, given.build().pretrainSteps());
        EstimatorConfig.Builder paper = EstimatorConfig.builder("relax");
        SurrogateOption.apply(paper, EstimatorConfig.SurrogateKind.MLP, null, null, null, true);
        assertEquals(0, paper.build().pretrainSteps());
    }

    @Test
    void jsonPrintsOneObjectPerEpochAndASummary() throws Exception {
        Result r = run("--estimator", "st", "--latent", "4x3", "--epochs", "2", "--batch", "50", "--json",
                "--eval-batch", "100");
        assertEquals(0, r.exit(), r.err());
        List<JsonNode> objs = r.json();
        assertEquals(3, objs.size(), r.out());
        assertEquals(1, objs.get(0).get("epoch").asInt());
        assertEquals(2, objs.get(1).get("epoch").asInt());
        for (String f : new String[] {"train_nelbo", "test_nelbo", "seconds", "samples_per_sec"}) {
            assertTrue(objs.get(1).get(f).isNumber(), f);
        }
        assertTrue(objs.get(2).get("summary").asBoolean());
        assertEquals(objs.get(1).get("test_nelbo").asDouble(), objs.get(2).get("final_test_nelbo").asDouble(), 0.0);
    }

    /** A run stopped after epoch 1 and resumed to epoch 3 ends with exactly the uninterrupted run's numbers. */
    @Test
    void resumeGivesTheSameFinalNumbers(@TempDir Path tmp) throws Exception {
        String[] common = {"--estimator", "reinmax,st", "--latent", "4x3", "--batch", "50", "--json", "--eval-batch", "100",
            "--seed", "3"};
        Result full = run(concat(common, "--epochs", "3", "--out", tmp.resolve("full").toString()));
        assertEquals(0, full.exit(), full.err());
        Result part = run(concat(common, "--epochs", "1", "--out", tmp.resolve("killed").toString()));
        assertEquals(0, part.exit(), part.err());
        Result resumed = run("--resume", tmp.resolve("killed").toString(), "--epochs", "3", "--json");
        assertEquals(0, resumed.exit(), resumed.err());
        List<JsonNode> a = summaries(full.json());
        List<JsonNode> b = summaries(resumed.json());
        assertEquals(2, a.size());
        assertEquals(2, b.size());
        for (int i = 0; i < 2; i++) {
            assertEquals(a.get(i).get("estimator").asText(), b.get(i).get("estimator").asText());
            assertEquals(3, b.get(i).get("epochs").asInt());
            assertEquals(a.get(i).get("final_test_nelbo").asDouble(), b.get(i).get("final_test_nelbo").asDouble(), 0.0);
            assertEquals(a.get(i).get("final_train_nelbo").asDouble(), b.get(i).get("final_train_nelbo").asDouble(), 0.0);
        }
        Path killed = tmp.resolve("killed");
        for (String f : new String[] {"reinmax/metrics.csv", "reinmax/metrics.json", "reinmax/config.json",
            "reinmax/checkpoint.bin", "reinmax/provenance.json", "reinmax/nelbo.png", "reinmax/reconstructions.png", "st/metrics.csv",
            "compare-nelbo.png", "compare.csv"}) {
            assertTrue(Files.isRegularFile(killed.resolve(f)), f);
        }
        assertEquals(4, Files.readAllLines(killed.resolve("reinmax/metrics.csv")).size());
        // a fresh run into a directory that holds one is refused
        Result again = run(concat(common, "--epochs", "1", "--out", killed.toString()));
        assertEquals(2, again.exit());
        assertTrue(again.err().contains("--resume"), again.err());
    }

    private static List<JsonNode> summaries(List<JsonNode> all) {
        List<JsonNode> s = new ArrayList<>();
        for (JsonNode n : all) {
            if (n.has("summary")) {
                s.add(n);
            }
        }
        return s;
    }

    private static String[] concat(String[] a, String... b) {
        String[] r = new String[a.length + b.length];
        System.arraycopy(a, 0, r, 0, a.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }
}
