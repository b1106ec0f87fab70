package io.relaxsd.examples.vae;

import io.relaxsd.examples.util.AtomicFiles;
import io.relaxsd.examples.util.Charts;
import io.relaxsd.examples.util.Json;
import io.relaxsd.examples.util.Provenance;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/** The pictures and comparison files of VAE runs (PNG −ELBO curves, reconstruction grids, provenance). */
public final class VaeReport {
    public static final String NELBO_PNG = "nelbo.png";
    public static final String RECONSTRUCTIONS_PNG = "reconstructions.png";
    public static final String PROVENANCE_JSON = "provenance.json";
    public static final String GRADIENT_PNG = "gradient-variance.png";
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

    /** Provenance of a run: versions, machine, command line, seed, config and the data checksums. */
    public static void writeProvenance(VaeRun run, VaeData.Split split, List<String> commandLine) throws IOException {
        writeProvenance(run.config(), run.dir(), split, commandLine);
    }

    static void writeProvenance(VaeRunConfig config, Path dir, VaeData.Split split, List<String> commandLine)
            throws IOException {
        Map<String, Object> extra = new LinkedHashMap<>();
        extra.put("seed", config.seed());
        extra.put("config", config.toMap());
        extra.put("data_source", split.source());
        extra.put("data_checksums", split.checksums());
        AtomicFiles.writeString(dir.resolve(PROVENANCE_JSON), Json.pretty(Provenance.collect(commandLine, extra)));
    }

    /** −ELBO curves and the reconstruction grid of one run. */
    public static void writeRunFiles(VaeRun run, VaeData.Split split, Path dir) throws IOException {
        List<EpochMetrics> h = run.trainer().history();
        INDArray digits = split.testImages(run.config(), GRID_DIGITS);
        writeRunFiles(run.config(), h, digits, run.trainer().reconstruct(digits, run.config().seed()), dir);
    }

    /**
     * −ELBO curves (and the gradient second moment if the estimator reports one) of {@code h}, and the
     * grid of {@code digits} (top row) over their reconstructions {@code recon}.
     */
    static void writeRunFiles(VaeRunConfig config, List<EpochMetrics> h, INDArray digits, INDArray recon, Path dir)
            throws IOException {
        double[] ep = h.stream().mapToDouble(EpochMetrics::epoch).toArray();
        List<Charts.Series> curves = new ArrayList<>(List.of(
                new Charts.Series("train (running mean)", ep, h.stream().mapToDouble(EpochMetrics::trainNelbo).toArray()),
                new Charts.Series("test", ep, h.stream().mapToDouble(EpochMetrics::testNelbo).toArray())));
        int k = config.iwaeSamples();
        addKnown(curves, "validation", h, EpochMetrics::validationNelbo);
        addKnown(curves, "test -IWAE-" + k, h, EpochMetrics::testIwae);
        addKnown(curves, "validation -IWAE-" + k, h, EpochMetrics::validationIwae);
        Charts.line(dir.resolve(NELBO_PNG), "-ELBO, " + config.estimator().name() + ", " + config.setup().label(),
                "epoch", "-ELBO (nats)", false, curves);
        if (h.stream().anyMatch(m -> Double.isFinite(m.gradientVariance()))) {
            Charts.line(dir.resolve(GRADIENT_PNG), "estimator second moment, " + config.estimator().name(), "epoch",
                    "mean over the epoch of sum over logits of g-hat^2 (per example)", true, List.of(new Charts.Series(
                            config.estimator().name(), ep,
                            h.stream().mapToDouble(EpochMetrics::gradientVariance).toArray())));
        }
        int n = (int) digits.size(0);
        double[][] images = new double[2 * n][];
        double[][] d = digits.castTo(DataType.DOUBLE).toDoubleMatrix();
        double[][] r = recon.castTo(DataType.DOUBLE).toDoubleMatrix();
        for (int i = 0; i < n; i++) {
            images[i] = d[i];
            images[n + i] = r[i];
        }
        Charts.imageGrid(dir.resolve(RECONSTRUCTIONS_PNG), images, 28, n, 3);
    }

    /** A curve of the epochs where {@code value} was evaluated (not NaN), if any. */
    private static void addKnown(List<Charts.Series> curves, String name, List<EpochMetrics> h,
                                 java.util.function.ToDoubleFunction<EpochMetrics> value) {
        List<EpochMetrics> known = h.stream().filter(m -> !Double.isNaN(value.applyAsDouble(m))).toList();
        if (!known.isEmpty()) {
            curves.add(new Charts.Series(name, known.stream().mapToDouble(EpochMetrics::epoch).toArray(),
                    known.stream().mapToDouble(value).toArray()));
        }
    }

    /** All estimators' test −ELBO on one chart, and a CSV with their train and test columns. */
    public static void writeComparison(Path dir, List<Series> series) throws IOException {
        List<Charts.Series> lines = new ArrayList<>();
        int maxEpochs = 0;
        for (Series s : series) {
            lines.add(new Charts.Series(s.name(), s.history().stream().mapToDouble(EpochMetrics::epoch).toArray(),
                    s.history().stream().mapToDouble(EpochMetrics::testNelbo).toArray()));
            maxEpochs = Math.max(maxEpochs, s.history().size());
        }
        Charts.line(dir.resolve(COMPARE_PNG), "test -ELBO by estimator", "epoch", "-ELBO (nats)", false, lines);
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
        AtomicFiles.writeString(dir.resolve(COMPARE_CSV), csv.toString());
    }
}
