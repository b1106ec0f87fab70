package io.relaxsd.examples.cli;

import io.relaxsd.examples.util.AtomicFiles;
import io.relaxsd.examples.util.Json;
import io.relaxsd.examples.vae.EpochMetrics;
import io.relaxsd.examples.vae.VaeRunConfig;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The summary of a multi-seed VAE sweep: per estimator, the final test and train −ELBO of every seed, their
 * mean and standard error (sample standard deviation / √n).
 */
final class SeedSummary {
    static final String CSV = "seeds-summary.csv";
    static final String JSON = "seeds-summary.json";

    private final Map<String, List<Object[]>> byEstimator = new LinkedHashMap<>();

    /** Records one finished run: its seed and its last epoch. */
    void add(VaeRunConfig cfg, EpochMetrics last) {
        byEstimator.computeIfAbsent(cfg.estimator().name(), n -> new ArrayList<>())
                .add(new Object[] {cfg.seed(), last.testNelbo(), last.trainNelbo(), last.epoch()});
    }

    /** One row per estimator, in the order first seen. */
    List<Map<String, Object>> rows() {
        List<Map<String, Object>> rows = new ArrayList<>();
        for (Map.Entry<String, List<Object[]>> e : byEstimator.entrySet()) {
            List<Object[]> runs = e.getValue();
            double[] test = runs.stream().mapToDouble(r -> (Double) r[1]).toArray();
            double[] train = runs.stream().mapToDouble(r -> (Double) r[2]).toArray();
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("seed_summary", true);
            row.put("estimator", e.getKey());
            row.put("seeds", runs.stream().map(r -> r[0]).toList());
            row.put("epochs", runs.stream().map(r -> r[3]).toList());
            row.put("n", runs.size());
            row.put("test_nelbo_mean", mean(test));
            row.put("test_nelbo_se", orNull(standardError(test)));
            row.put("train_nelbo_mean", mean(train));
            row.put("train_nelbo_se", orNull(standardError(train)));
            row.put("test_nelbo", toList(test));
            row.put("train_nelbo", toList(train));
            rows.add(row);
        }
        return rows;
    }

    /** The rows as a text table. */
    String table() {
        StringBuilder b = new StringBuilder(String.format(Locale.ROOT, "%-22s %5s %20s %20s%n", "estimator", "seeds",
                "test -ELBO (s.e.)", "train -ELBO (s.e.)"));
        for (Map<String, Object> r : rows()) {
            b.append(String.format(Locale.ROOT, "%-22s %5d %12.2f (%5s) %12.2f (%5s)%n", r.get("estimator"), r.get("n"),
                    r.get("test_nelbo_mean"), se(r.get("test_nelbo_se")), r.get("train_nelbo_mean"), se(r.get("train_nelbo_se"))));
        }
        return b.toString();
    }

    /** Writes {@value #CSV} and {@value #JSON} into {@code dir}, each atomically. */
    void write(Path dir) throws IOException {
        StringBuilder csv = new StringBuilder("estimator,n,seeds,test_nelbo_mean,test_nelbo_se,train_nelbo_mean,train_nelbo_se\n");
        for (Map<String, Object> r : rows()) {
            csv.append(String.format(Locale.ROOT, "%s,%d,%s,%.4f,%s,%.4f,%s%n", r.get("estimator"), r.get("n"),
                    ((List<?>) r.get("seeds")).stream().map(String::valueOf).reduce((x, y) -> x + " " + y).orElse(""),
                    r.get("test_nelbo_mean"), csvNumber(r.get("test_nelbo_se")), r.get("train_nelbo_mean"),
                    csvNumber(r.get("train_nelbo_se"))));
        }
        AtomicFiles.writeString(dir.resolve(CSV), csv.toString());
        AtomicFiles.writeString(dir.resolve(JSON), Json.pretty(Map.of("rows", rows())));
    }

    static double mean(double[] v) {
        double s = 0;
        for (double x : v) {
            s += x;
        }
        return s / v.length;
    }

    /** Sample standard deviation over √n; NaN for a single value, where it is undefined. */
    static double standardError(double[] v) {
        if (v.length < 2) {
            return Double.NaN;
        }
        double m = mean(v);
        double ss = 0;
        for (double x : v) {
            ss += (x - m) * (x - m);
        }
        return Math.sqrt(ss / (v.length - 1) / v.length);
    }

    /** The standard error is undefined for one seed: JSON null, an empty CSV cell, "-" in the table. */
    private static Double orNull(double v) {
        return Double.isFinite(v) ? v : null;
    }

    private static String se(Object v) {
        return v == null ? "-" : String.format(Locale.ROOT, "%.2f", (Double) v);
    }

    private static String csvNumber(Object v) {
        return v == null ? "" : String.format(Locale.ROOT, "%.4f", (Double) v);
    }

    private static List<Double> toList(double[] v) {
        List<Double> l = new ArrayList<>();
        for (double x : v) {
            l.add(x);
        }
        return l;
    }
}
