package io.relaxsd.examples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.relaxsd.examples.poly.PolyProblem;
import io.relaxsd.examples.util.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PolyCommandTest {

    @Test
    void summaryJsonCsvAndPngAgree(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("poly");
        CliRuns.Result r = CliRuns.run("poly", "--estimator", "st,reinforce", "--pnorm", "1.5", "--seeds", "0,1",
                "--latents", "4", "--batch", "8", "--epochs", "3", "--steps-per-epoch", "5", "--json", "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        List<String> lines = r.out().strip().lines().toList();
        assertEquals(2, lines.size(), r.out());
        JsonNode doc = Json.parse(Files.readString(out.resolve("poly.json")));
        assertEquals(Math.pow(0.45, 1.5), doc.get("optimum").asDouble(), 1e-15);
        assertTrue(doc.get("provenance").has("git_commit"));
        List<String> csv = Files.readAllLines(out.resolve("poly.csv"));
        assertEquals(1 + 2 * 2 * 3, csv.size());
        for (int i = 0; i < 2; i++) {
            JsonNode line = Json.parse(lines.get(i));
            JsonNode est = doc.get("estimators").get(i);
            assertEquals(line.get("estimator").asText(), est.get("estimator").asText());
            // the summary is the mean over the seeds of each run's last epoch, which the CSV lists
            List<Double> train = new ArrayList<>();
            List<Double> exact = new ArrayList<>();
            for (String row : csv.subList(1, csv.size())) {
                String[] c = row.split(",");
                if (c[0].equals(est.get("estimator").asText()) && c[2].equals("3")) {
                    train.add(Double.parseDouble(c[3]));
                    exact.add(Double.parseDouble(c[4]));
                }
            }
            assertEquals(2, train.size());
            assertEquals((train.get(0) + train.get(1)) / 2, line.get("final_train_loss_mean").asDouble(), 1e-9);
            assertEquals((exact.get(0) + exact.get(1)) / 2, line.get("final_exact_loss_mean").asDouble(), 1e-9);
            assertEquals(Math.abs(exact.get(0) - exact.get(1)) / 2, line.get("final_exact_loss_se").asDouble(), 1e-9);
            // every exact loss lies between the optimum and the worst value 0.55^p
            for (double e : exact) {
                assertTrue(e > PolyProblem.optimum(1.5) && e < Math.pow(0.55, 1.5), "exact " + e);
            }
        }
        assertTrue(Files.size(out.resolve("poly.png")) > 1000);
    }

    @Test
    void badInputIsOneLineExitTwoAndWritesNothing(@TempDir Path dir) {
        String[][] bad = {
            {"--pnorm", "0"}, {"--pnorm", "-1"}, {"--pnorm", "NaN"}, {"--pnorm", "Infinity"}, {"--pnorm", "x"},
            {"--seeds", ""}, {"--seeds", "1-"}, {"--seeds", "3-1"}, {"--estimator", "nope"}, {"--batch", "0"},
            {"--epochs", "0"}, {"--steps-per-epoch", "-1"}, {"--lr", "0"}, {"--latents", "0"}, {"--k", "0"},
            {"--temperature", "0"}, {"--baseline", "sometimes"}, {"--surrogate", "mlp"}, {"--threads", "0"},
        };
        for (String[] b : bad) {
            Path out = dir.resolve("out-" + b[0].substring(2) + "-" + Math.abs(b[1].hashCode()));
            List<String> args = new ArrayList<>(List.of("poly", "--estimator", "reinforce", "--epochs", "1",
                    "--steps-per-epoch", "1", "--latents", "2", "--batch", "2", "--quiet", "--out", out.toString()));
            if (b[0].equals("--estimator")) {
                args.set(2, b[1]);
            } else {
                args.add(b[0]);
                args.add(b[1]);
            }
            CliRuns.Result r = CliRuns.run(args.toArray(new String[0]));
            String what = String.join(" ", b);
            assertEquals(2, r.code(), what + ": " + r.err());
            assertEquals(1, r.err().strip().lines().count(), what + ": " + r.err());
            assertTrue(r.err().startsWith("relax: "), what + ": " + r.err());
            assertFalse(r.err().contains("Exception"), what + ": " + r.err());
            assertFalse(Files.exists(out), what);
        }
    }
}
