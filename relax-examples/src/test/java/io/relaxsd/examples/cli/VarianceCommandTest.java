package io.relaxsd.examples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.relaxsd.examples.util.Json;
import io.relaxsd.examples.vae.SyntheticDigits;
import io.relaxsd.examples.vae.VaeData;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class VarianceCommandTest {
    private static final VaeData.Split DATA = SyntheticDigits.split(200, 100);

    @TempDir
    static Path runs;

    /** Categorical 4x3 with numbered checkpoints 1 and 2. */
    private static Path run;
    /** Categorical 4x4 (other parameter shapes), checkpoint 1. */
    private static Path other;
    /** A run without numbered checkpoints. */
    private static Path plain;

    @BeforeAll
    static void train() {
        run = runs.resolve("a");
        other = runs.resolve("b");
        plain = runs.resolve("c");
        String[] common = {"--estimator", "st", "--batch", "50", "--json", "--eval-batch", "100"};
        assertEquals(0, VaeCommandTest.run(concat(common, "--latent", "4x3", "--epochs", "2", "--keep-checkpoints", "1,2",
                "--out", run.toString())).exit());
        assertEquals(0, VaeCommandTest.run(concat(common, "--latent", "4x4", "--epochs", "1", "--checkpoint-every", "1",
                "--out", other.toString())).exit());
        assertEquals(0, VaeCommandTest.run(concat(common, "--latent", "4x3", "--epochs", "1", "--out",
                plain.toString())).exit());
    }

    static VaeCommandTest.Result variance(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = RelaxCli.commandLine();
        CommandLine sub = new CommandLine(new VarianceCommand((dir, cfg, o, v) -> DATA));
        sub.setParameterExceptionHandler(cl.getParameterExceptionHandler());
        sub.setExecutionExceptionHandler(cl.getExecutionExceptionHandler());
        sub.setOut(new PrintWriter(out));
        sub.setErr(new PrintWriter(err));
        int exit = sub.execute(args);
        return new VaeCommandTest.Result(exit, out.toString(), err.toString());
    }

    @Test
    void writesCsvJsonAndPngWithFiniteNumbersForEveryCheckpointAndEstimator(@TempDir Path tmp) throws Exception {
        Path out = tmp.resolve("v");
        VaeCommandTest.Result r = variance("--run", run.toString(), "--estimator", "st,reinmax,reinforce", "--samples", "6",
                "--batch-size", "20", "--json", "--out", out.toString());
        assertEquals(0, r.exit(), r.err());
        List<JsonNode> lines = r.json();
        assertEquals(6, lines.size(), r.out());
        List<String> csv = Files.readAllLines(out.resolve(VarianceCommand.CSV));
        assertEquals(7, csv.size());
        assertTrue(csv.get(0).startsWith("epoch,estimator,temperature,samples,coordinates,mean_std"), csv.get(0));
        JsonNode doc = Json.parse(Files.readString(out.resolve(VarianceCommand.JSON)));
        assertEquals(6, doc.get("provenance").get("samples").asInt());
        assertEquals("variance", doc.get("provenance").get("command_line").get(1).asText());
        assertEquals("--run", doc.get("provenance").get("command_line").get(2).asText());
        JsonNode results = doc.get("results");
        assertEquals(6, results.size());
        for (JsonNode row : results) {
            assertEquals(6, row.get("samples").asInt());
            assertEquals(20 * 12, row.get("coordinates").asInt());
            for (String f : new String[] {"mean_std", "mean_gradient_norm", "total_variance", "nelbo", "seconds"}) {
                assertTrue(row.get(f).isNumber() && Double.isFinite(row.get(f).asDouble()), f + " in " + row);
            }
            assertTrue(row.get("mean_std").asDouble() > 0, row.toString());
        }
        assertEquals(1, results.get(0).get("epoch").asInt());
        assertEquals("st", results.get(0).get("estimator").asText());
        assertEquals(2, results.get(5).get("epoch").asInt());
        assertEquals("reinforce", results.get(5).get("estimator").asText());
        // REINFORCE without a baseline is far noisier than the pathwise estimators at the same weights
        assertTrue(results.get(5).get("mean_std").asDouble() > 3 * results.get(3).get("mean_std").asDouble(),
                results.toString());
        assertTrue(Files.size(out.resolve(VarianceCommand.PNG)) > 1000);

        // the default output directory is inside the run; weights: the whole encoder
        VaeCommandTest.Result w = variance("--run", run.toString(), "--estimator", "st", "--samples", "2",
                "--batch-size", "5", "--wrt", "weights", "--checkpoints", "2");
        assertEquals(0, w.exit(), w.err());
        List<String> wcsv = Files.readAllLines(run.resolve("variance").resolve(VarianceCommand.CSV));
        assertEquals(2, wcsv.size());
        long encoder = 784L * 512 + 512 + 512L * 256 + 256 + 256L * 12 + 12;
        assertEquals(String.valueOf(encoder), wcsv.get(1).split(",")[4]);
    }

    @Test
    void badInputGivesOneLineNonZeroExitAndWritesNothing(@TempDir Path tmp) throws Exception {
        Path out = tmp.resolve("never");
        Path empty = Files.createDirectories(tmp.resolve("empty"));
        Path mixed = tmp.resolve("mixed");
        Files.createDirectories(mixed);
        for (String f : new String[] {"config.json", "checkpoint-epoch-1.bin"}) {
            Files.copy(run.resolve(f), mixed.resolve(f));
        }
        Files.copy(other.resolve("checkpoint-epoch-1.bin"), mixed.resolve("checkpoint-epoch-2.bin"),
                StandardCopyOption.REPLACE_EXISTING);
        String[][] cases = {
            {"--run", run.toString(), "--samples", "0"},
            {"--run", run.toString(), "--samples", "1"},
            {"--run", plain.toString()},
            {"--run", tmp.resolve("missing").toString()},
            {"--run", empty.toString()},
            {"--run", run.toString(), "--estimator", "st,no-such-estimator"},
            {"--run", mixed.toString(), "--estimator", "st"},
            {"--run", run.toString(), "--estimator", "st", "--latent", "4x4"},
            {"--run", run.toString(), "--estimator", "st", "--latent", "3x4"},
            {"--run", run.toString(), "--estimator", "st", "--checkpoints", "7"},
            {"--run", run.toString(), "--estimator", "st", "--batch-size", "201"},
            {"--run", run.toString(), "--estimator", "st", "--wrt", "everything"},
        };
        String[] expected = {"--samples must be >= 2", "--samples must be >= 2", "no numbered checkpoints",
            "no such directory", "holds no vae run", "no-such-estimator", "parameter", "parameter",
            "written by a categorical 4x3 run", "no checkpoint of epoch 7", "batch-size", "wrt must be"};
        for (int i = 0; i < cases.length; i++) {
            String[] args = List.of(cases[i]).contains("--samples") ? cases[i] : concat(cases[i], "--samples", "2");
            VaeCommandTest.Result r = variance(concat(args, "--out", out.toString()));
            String what = String.join(" ", cases[i]) + " -> " + r.err();
            assertTrue(r.exit() != 0, what);
            assertEquals(1, r.err().strip().lines().count(), what);
            assertTrue(r.err().contains(expected[i]), what);
            assertFalse(r.err().contains("Exception"), what);
            assertFalse(Files.exists(out), what);
        }
    }

    @Test
    void aComparisonRootNamesItsRuns(@TempDir Path tmp) throws Exception {
        Path root = tmp.resolve("cmp");
        Files.createDirectories(root.resolve("st"));
        Files.copy(run.resolve("config.json"), root.resolve("st").resolve("config.json"));
        VaeCommandTest.Result r = variance("--run", root.toString());
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("pass one of its runs: st"), r.err());
    }

    private static String[] concat(String[] a, String... b) {
        String[] r = new String[a.length + b.length];
        System.arraycopy(a, 0, r, 0, a.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }
}
