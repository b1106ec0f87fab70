package io.relaxsd.examples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
    void reinmaxCvOptionsReachTheSavedConfig(@TempDir Path tmp) throws Exception {
        assertEquals(2, run("--estimator", "reinmax-cv", "--reinmax-temperature", "0").exit());
        Result bad = run("--estimator", "reinmax-cv", "--cv-noise", "sometimes");
        assertEquals(2, bad.exit());
        assertTrue(bad.err().contains("--cv-noise: unknown value 'sometimes'"), bad.err());
        Result r = run("--estimator", "reinmax-cv", "--latent", "4x3", "--epochs", "1", "--batch", "50", "--k", "2",
                "--reinmax-temperature", "1.2", "--cv-noise", "conditional", "--eval-batch", "100", "--json",
                "--out", tmp.toString());
        assertEquals(0, r.exit(), r.err());
        JsonNode est = new ObjectMapper().readTree(tmp.resolve("config.json").toFile()).get("estimator");
        assertEquals(1.2, est.get("reinmaxTemperature").asDouble());
        assertEquals("conditional", est.get("cvNoise").asText());
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

    /**
     * {@code --seeds} runs each seed as {@code --seed} would, and its summary row is the mean and standard error
     * of those runs' final test −ELBO, recomputed here from the single-seed runs.
     */
    @Test
    void seedsRunEachSeedAndSummariseThem(@TempDir Path tmp) throws Exception {
        String[] common = {"--estimator", "st", "--latent", "4x3", "--batch", "50", "--json", "--eval-batch", "100",
            "--epochs", "1"};
        Result sweep = run(concat(common, "--seeds", "1-2,5", "--out", tmp.resolve("sweep").toString()));
        assertEquals(0, sweep.exit(), sweep.err());
        double[] single = new double[3];
        long[] seeds = {1, 2, 5};
        for (int i = 0; i < 3; i++) {
            Result one = run(concat(common, "--seed", String.valueOf(seeds[i])));
            assertEquals(0, one.exit(), one.err());
            single[i] = summaries(one.json()).get(0).get("final_test_nelbo").asDouble();
        }
        JsonNode row = null;
        for (JsonNode n : sweep.json()) {
            if (n.has("seed_summary")) {
                row = n;
            }
        }
        assertTrue(row != null, sweep.out());
        assertEquals(3, row.get("n").asInt());
        double mean = (single[0] + single[1] + single[2]) / 3;
        double ss = 0;
        for (double v : single) {
            ss += (v - mean) * (v - mean);
        }
        assertEquals(mean, row.get("test_nelbo_mean").asDouble(), 1e-9);
        assertEquals(Math.sqrt(ss / 2 / 3), row.get("test_nelbo_se").asDouble(), 1e-9);
        assertTrue(row.get("test_nelbo_se").asDouble() > 0, "different seeds give different runs");
        for (String f : new String[] {"seed1/metrics.csv", "seed2/checkpoint.bin", "seed5/config.json",
            SeedSummary.CSV, SeedSummary.JSON}) {
            assertTrue(Files.isRegularFile(tmp.resolve("sweep").resolve(f)), f);
        }
        assertEquals(2, Files.readAllLines(tmp.resolve("sweep").resolve(SeedSummary.CSV)).size());
        // a resumed sweep finds every seed's run and prints the same summary
        Result resumed = run("--resume", tmp.resolve("sweep").toString(), "--json");
        assertEquals(0, resumed.exit(), resumed.err());
        assertTrue(resumed.out().contains("\"test_nelbo_mean\":" + row.get("test_nelbo_mean").asText()), resumed.out());
    }

    @Test
    void badSeedListsGiveOneClearLine() {
        Result r = run("--seeds", "0-x");
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("--seeds: '0-x' is not a seed"), r.err());
        Result r2 = run("--seeds", "3-1");
        assertEquals(2, r2.exit());
        assertTrue(r2.err().contains("runs backwards"), r2.err());
        Result r3 = run("--seeds", "0,1", "--seed", "4");
        assertEquals(2, r3.exit());
        assertTrue(r3.err().contains("either --seed or --seeds"), r3.err());
        assertEquals(2, run("--seeds", "").exit());
    }

    /** Numbered checkpoints: the listed epochs and every N-th, kept on --resume, validated. */
    @Test
    void keepCheckpointsWritesNumberedFilesAlsoAfterResume(@TempDir Path tmp) throws Exception {
        Path dir = tmp.resolve("run");
        String[] common = {"--estimator", "st", "--latent", "4x3", "--batch", "100", "--json", "--eval-batch", "100"};
        Result r = run(concat(common, "--epochs", "3", "--keep-checkpoints", "1", "--checkpoint-every", "2", "--out",
                dir.toString()));
        assertEquals(0, r.exit(), r.err());
        assertTrue(Files.isRegularFile(dir.resolve("checkpoint-epoch-1.bin")));
        assertTrue(Files.isRegularFile(dir.resolve("checkpoint-epoch-2.bin")));
        assertFalse(Files.exists(dir.resolve("checkpoint-epoch-3.bin")));
        assertTrue(Files.isRegularFile(dir.resolve("checkpoint.bin")));
        // a numbered checkpoint is the rolling checkpoint of its epoch; the rolling one moved on to epoch 3
        assertFalse(java.util.Arrays.equals(Files.readAllBytes(dir.resolve("checkpoint-epoch-2.bin")),
                Files.readAllBytes(dir.resolve("checkpoint.bin"))));
        Result resumed = run("--resume", dir.toString(), "--epochs", "4", "--json");
        assertEquals(0, resumed.exit(), resumed.err());
        assertTrue(Files.isRegularFile(dir.resolve("checkpoint-epoch-4.bin")), "every 2 is kept by config.json");
        assertTrue(java.util.Arrays.equals(Files.readAllBytes(dir.resolve("checkpoint-epoch-4.bin")),
                Files.readAllBytes(dir.resolve("checkpoint.bin"))));
        try (var files = Files.list(dir)) {
            assertTrue(files.noneMatch(p -> p.getFileName().toString().endsWith(".tmp")), "no temporary files left");
        }
        Result noOut = run(concat(common, "--epochs", "1", "--keep-checkpoints", "1"));
        assertEquals(2, noOut.exit());
        assertTrue(noOut.err().contains("need --out"), noOut.err());
        Result zero = run(concat(common, "--epochs", "1", "--keep-checkpoints", "0", "--out", tmp.resolve("z").toString()));
        assertEquals(2, zero.exit());
        assertTrue(zero.err().contains("epochs must be >= 1, got 0"), zero.err());
        Result late = run(concat(common, "--epochs", "2", "--keep-checkpoints", "5", "--out", tmp.resolve("l").toString()));
        assertEquals(2, late.exit());
        assertTrue(late.err().contains("after the last epoch"), late.err());
        assertEquals(2, run(concat(common, "--checkpoint-every", "-1", "--out", tmp.resolve("n").toString())).exit());
        assertFalse(Files.exists(tmp.resolve("z")) || Files.exists(tmp.resolve("l")) || Files.exists(tmp.resolve("n")));
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
