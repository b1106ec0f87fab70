package io.relaxsd.examples.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ChartCommandTest {

    private static void metrics(Path dir, String estimator, String baseline, double... variance) throws Exception {
        Files.createDirectories(dir);
        StringBuilder epochs = new StringBuilder();
        for (int i = 0; i < variance.length; i++) {
            epochs.append(i == 0 ? "" : ",").append("{\"epoch\":").append(i + 1).append(",\"test_nelbo\":")
                    .append(200 - i).append(",\"gradient_variance\":").append(variance[i]).append('}');
        }
        Files.writeString(dir.resolve("metrics.json"), "{\"config\":{\"estimator\":{\"name\":\"" + estimator
                + "\",\"baseline\":\"" + baseline + "\"}},\"epochs\":[" + epochs + "]}");
    }

    @Test
    void averagesASeedsRunOverTheEpochsEverySeedReachedAndPlotsEveryRun(@TempDir Path tmp) throws Exception {
        metrics(tmp.resolve("relax/seed0"), "relax", "none", 10, 20, 30);
        metrics(tmp.resolve("relax/seed1"), "relax", "none", 30, 40);
        metrics(tmp.resolve("rf"), "reinforce", "running-mean", 1000, 2000, 4000);
        ChartCommand.Curve relax = ChartCommand.curve(tmp.resolve("relax"), "gradient_variance");
        assertEquals("relax", relax.estimator());
        assertArrayEquals(new double[] {20, 30}, relax.values(), 0.0);
        ChartCommand.Curve rf = ChartCommand.curve(tmp.resolve("rf"), "test_nelbo");
        assertEquals("reinforce + running-mean", rf.estimator());
        assertArrayEquals(new double[] {200, 199, 198}, rf.values(), 0.0);

        Path png = tmp.resolve("figs/v.png");
        CliRuns.Result r = CliRuns.run("chart", "--metric", "gradient_variance", "--out", png.toString(),
                tmp.resolve("relax").toString(), tmp.resolve("rf").toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(Files.size(png) > 1000);
    }

    @Test
    void badInputGetsOneLineAndExitTwoAndNoFile(@TempDir Path tmp) throws Exception {
        metrics(tmp.resolve("a"), "st", "none", 1, 2);
        Path png = tmp.resolve("x.png");
        CliRuns.Result noRun = CliRuns.run("chart", "--out", png.toString(), tmp.resolve("empty").toString());
        assertEquals(2, noRun.code());
        assertTrue(noRun.err().startsWith("relax: "), noRun.err());
        assertTrue(noRun.err().contains("no metrics.json"), noRun.err());
        CliRuns.Result noKey = CliRuns.run("chart", "--metric", "test_iwae", "--out", png.toString(),
                tmp.resolve("a").toString());
        assertEquals(2, noKey.code());
        assertTrue(noKey.err().contains("has no finite 'test_iwae'"), noKey.err());
        CliRuns.Result notPng = CliRuns.run("chart", "--out", tmp.resolve("x.txt").toString(), tmp.resolve("a").toString());
        assertEquals(2, notPng.code());
        assertFalse(Files.exists(png));
    }
}
