package io.relaxsd.examples.vae;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.markers.SeriesMarkers;
import org.nd4j.linalg.api.ndarray.INDArray;

/** The pictures and comparison files of VAE runs (PNG −ELBO curves, reconstruction grids). */
public final class VaeReport {
    public static final String NELBO_PNG = "nelbo.png";
    public static final String RECONSTRUCTIONS_PNG = "reconstructions.png";
    public static final String COMPARE_PNG = "compare-nelbo.png";
    public static final String COMPARE_CSV = "compare.csv";
    /** Test digits shown in the reconstruction grid. */
    public static final int GRID_DIGITS = 16;

    /** One estimator's curve. */
    public record Series(String name, List<EpochMetrics> history) {
        public EpochMetrics last() {
            return history.get(history.size() - 1);
        }
    }

    private VaeReport() {
    }

    /** −ELBO curves and the reconstruction grid of one finished run. */
    public static void writeRunFiles(VaeRun run, VaeData.Split split, Path dir) throws IOException {
        List<EpochMetrics> h = run.trainer().history();
        XYChart chart = chart("-ELBO, " + run.config().estimator().name() + ", " + run.config().setup().label());
        double[] ep = h.stream().mapToDouble(EpochMetrics::epoch).toArray();
        chart.addSeries("train", ep, h.stream().mapToDouble(EpochMetrics::trainNelbo).toArray()).setMarker(SeriesMarkers.CIRCLE);
        chart.addSeries("test", ep, h.stream().mapToDouble(EpochMetrics::testNelbo).toArray()).setMarker(SeriesMarkers.DIAMOND);
        savePng(chart, dir.resolve(NELBO_PNG));
        INDArray digits = split.testImages(run.config(), GRID_DIGITS);
        INDArray recon = run.trainer().reconstruct(digits, run.config().seed());
        writeGrid(digits, recon, dir.resolve(RECONSTRUCTIONS_PNG));
    }

    /** All estimators' test −ELBO on one chart, and a CSV with one column per estimator. */
    public static void writeComparison(Path dir, List<Series> series) throws IOException {
        XYChart chart = chart("test -ELBO by estimator");
        int maxEpochs = 0;
        for (Series s : series) {
            chart.addSeries(s.name(), s.history().stream().mapToDouble(EpochMetrics::epoch).toArray(),
                    s.history().stream().mapToDouble(EpochMetrics::testNelbo).toArray());
            maxEpochs = Math.max(maxEpochs, s.history().size());
        }
        Files.createDirectories(dir);
        savePng(chart, dir.resolve(COMPARE_PNG));
        StringBuilder csv = new StringBuilder("epoch");
        for (Series s : series) {
            csv.append(',').append(s.name()).append("_train_nelbo,").append(s.name()).append("_test_nelbo");
        }
        csv.append('\n');
        for (int e = 0; e < maxEpochs; e++) {
            csv.append(e + 1);
            for (Series s : series) {
                if (e < s.history().size()) {
                    EpochMetrics m = s.history().get(e);
                    csv.append(String.format(Locale.ROOT, ",%.6f,%.6f", m.trainNelbo(), m.testNelbo()));
                } else {
                    csv.append(",,");
                }
            }
            csv.append('\n');
        }
        VaeRun.writeAtomically(dir.resolve(COMPARE_CSV), csv.toString());
    }

    private static XYChart chart(String title) {
        XYChart c = new XYChartBuilder().width(800).height(500).title(title).xAxisTitle("epoch").yAxisTitle("-ELBO (nats)").build();
        c.getStyler().setLegendVisible(true);
        return c;
    }

    private static void savePng(XYChart chart, Path file) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp.png");
        BitmapEncoder.saveBitmap(chart, tmp.toString(), BitmapEncoder.BitmapFormat.PNG);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** Two rows of 28×28 tiles, scaled ×3: the test digits above their reconstructions. */
    static void writeGrid(INDArray digits, INDArray recon, Path file) throws IOException {
        int n = (int) digits.size(0);
        int scale = 3;
        int tile = 28 * scale;
        int gap = 2;
        BufferedImage img = new BufferedImage(n * (tile + gap) + gap, 2 * (tile + gap) + gap, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < img.getHeight(); y++) {
            for (int x = 0; x < img.getWidth(); x++) {
                img.setRGB(x, y, 0x808080);
            }
        }
        for (int row = 0; row < 2; row++) {
            INDArray src = row == 0 ? digits : recon;
            for (int i = 0; i < n; i++) {
                for (int p = 0; p < 784; p++) {
                    int v = (int) Math.round(255 * Math.max(0, Math.min(1, src.getDouble(i, p))));
                    int rgb = (v << 16) | (v << 8) | v;
                    int x0 = gap + i * (tile + gap) + (p % 28) * scale;
                    int y0 = gap + row * (tile + gap) + (p / 28) * scale;
                    for (int dy = 0; dy < scale; dy++) {
                        for (int dx = 0; dx < scale; dx++) {
                            img.setRGB(x0 + dx, y0 + dy, rgb);
                        }
                    }
                }
            }
        }
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        ImageIO.write(img, "png", tmp.toFile());
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
