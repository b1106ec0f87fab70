package io.relaxsd.examples.util;

import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.imageio.ImageIO;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/** PNG charts (XChart) and image grids, written atomically. Runs headless. */
public final class Charts {
    public static final int WIDTH = 900;
    public static final int HEIGHT = 560;

    static {
        System.setProperty("java.awt.headless", "true");
    }

    private Charts() {
    }

    /** A named x/y series. */
    public record Series(String name, double[] x, double[] y) {
        public Series {
            if (x.length != y.length) {
                throw new IllegalArgumentException("series '" + name + "': " + x.length + " x values but " + y.length
                        + " y values");
            }
        }
    }

    /**
     * A line chart of several series; {@code logY} for a logarithmic y axis where the values span at least a
     * decade (XChart labels a log axis at powers of ten only, so a narrower range would get no tick labels:
     * it keeps a linear axis).
     */
    public static void line(Path file, String title, String xLabel, String yLabel, boolean logY,
                            Iterable<Series> series) throws IOException {
        double lo = Double.POSITIVE_INFINITY;
        double hi = 0;
        for (Series s : series) {
            for (double v : s.y()) {
                if (v > 0 && Double.isFinite(v)) {
                    lo = Math.min(lo, v);
                    hi = Math.max(hi, v);
                }
            }
        }
        logY = logY && hi >= 10 * lo;
        XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT).title(title).xAxisTitle(xLabel)
                .yAxisTitle(yLabel).build();
        chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideNE);
        chart.getStyler().setYAxisLogarithmic(logY);
        chart.getStyler().setChartBackgroundColor(Color.WHITE);
        boolean any = false;
        for (Series s : series) {
            if (s.x().length == 0) {
                continue;
            }
            chart.addSeries(s.name(), s.x(), s.y()).setMarker(s.x().length > 40 ? SeriesMarkers.NONE
                    : SeriesMarkers.CIRCLE);
            any = true;
        }
        if (!any) {
            throw new IllegalArgumentException("chart '" + title + "' has no data");
        }
        savePng(file, BitmapEncoder.getBufferedImage(chart));
    }

    /** A bar chart of one value per category (e.g. samples/s per estimator). */
    public static void bars(Path file, String title, String yLabel, Map<String, Double> values) throws IOException {
        CategoryChart chart = new CategoryChartBuilder().width(WIDTH).height(HEIGHT).title(title).yAxisTitle(yLabel)
                .build();
        chart.getStyler().setLegendVisible(false);
        chart.getStyler().setChartBackgroundColor(Color.WHITE);
        chart.getStyler().setXAxisLabelRotation(30);
        Map<String, Double> copy = new LinkedHashMap<>(values);
        chart.addSeries(yLabel, new java.util.ArrayList<>(copy.keySet()), new java.util.ArrayList<>(copy.values()));
        savePng(file, BitmapEncoder.getBufferedImage(chart));
    }

    /**
     * A grid of grey images (values in [0, 1], row-major {@code side × side}), {@code columns} per
     * row, each scaled by {@code zoom}: e.g. test digits in the first row and their
     * reconstructions in the second.
     */
    public static void imageGrid(Path file, double[][] images, int side, int columns, int zoom) throws IOException {
        if (images.length == 0) {
            throw new IllegalArgumentException("no images to draw");
        }
        int rows = (images.length + columns - 1) / columns;
        int cell = side * zoom + 2;
        BufferedImage img = new BufferedImage(columns * cell, rows * cell, BufferedImage.TYPE_BYTE_GRAY);
        for (int i = 0; i < images.length; i++) {
            if (images[i].length != side * side) {
                throw new IllegalArgumentException("image " + i + " has " + images[i].length + " pixels, expected "
                        + side * side);
            }
            int ox = (i % columns) * cell + 1;
            int oy = (i / columns) * cell + 1;
            for (int p = 0; p < side * side; p++) {
                int grey = (int) Math.round(255 * Math.max(0, Math.min(1, images[i][p])));
                int rgb = grey << 16 | grey << 8 | grey;
                for (int dy = 0; dy < zoom; dy++) {
                    for (int dx = 0; dx < zoom; dx++) {
                        img.setRGB(ox + (p % side) * zoom + dx, oy + (p / side) * zoom + dy, rgb);
                    }
                }
            }
        }
        savePng(file, img);
    }

    private static void savePng(Path file, BufferedImage image) throws IOException {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        ImageIO.write(image, "png", buf);
        AtomicFiles.write(file, buf.toByteArray());
    }
}
