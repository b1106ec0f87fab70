package io.relaxsd.examples.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.relaxsd.examples.util.Charts;
import io.relaxsd.examples.util.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code relax chart}: one per-epoch metric of several {@code vae} / {@code dl4j-vae} runs on one
 * chart, one line per run directory. A directory of a {@code --seeds} run (its {@code seed*}
 * subdirectories) gives the mean over its seeds at each epoch they all reached.
 */
@Command(name = "chart", mixinStandardHelpOptions = true, sortOptions = false,
        header = "Plot a per-epoch metric of several vae runs, one line per run directory.",
        description = {"Reads metrics.json of each RUN directory, or of its seed* subdirectories",
                "(a --seeds run, averaged over the seeds at the epochs they all reached), and",
                "writes one line chart: the metric against the epoch, one line per run,",
                "labelled with the run's estimator (and its directory when two runs share one).",
                "The y axis is logarithmic when the values span a decade.", ""},
        footer = {"", "Examples:",
                "  ./relax chart --metric gradient_variance --out var.png runs/L1/relax runs/L1/rebar",
                "  ./relax chart --metric test_nelbo --out test.png runs/table-8x16-*"})
final class ChartCommand implements Callable<Integer> {

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--metric", defaultValue = "test_nelbo", paramLabel = "KEY",
            description = "A per-epoch key of metrics.json: train_nelbo, test_nelbo, validation_nelbo, test_iwae, "
                    + "validation_iwae, gradient_variance (score-function estimators: the mean over the epoch of the sum over the encoder logits of g-hat^2 per example), "
                    + "seconds (default: ${DEFAULT-VALUE}).")
    String metric;

    @Option(names = "--out", required = true, paramLabel = "FILE.png", description = "The PNG to write.")
    Path out;

    @Option(names = "--title", description = "Chart title (default: the metric's name).")
    String title;

    @Parameters(arity = "1..*", paramLabel = "RUN", description = "Run directories.")
    List<Path> runs;

    /** One run's curve: label and the metric per epoch 1..n. */
    record Curve(String estimator, String directory, double[] values) {
    }

    @Override
    public Integer call() throws IOException {
        List<Curve> curves = new ArrayList<>();
        try {
            if (!out.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".png")) {
                throw new IllegalArgumentException("--out must name a .png file, got " + out);
            }
            for (Path run : runs) {
                curves.add(curve(run, metric));
            }
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        Set<String> seen = new HashSet<>();
        Set<String> repeated = new HashSet<>();
        for (Curve c : curves) {
            if (!seen.add(c.estimator())) {
                repeated.add(c.estimator());
            }
        }
        List<Charts.Series> series = new ArrayList<>();
        for (Curve c : curves) {
            double[] epochs = new double[c.values().length];
            for (int i = 0; i < epochs.length; i++) {
                epochs[i] = i + 1;
            }
            String label = repeated.contains(c.estimator()) ? c.estimator() + " (" + c.directory() + ")" : c.estimator();
            series.add(new Charts.Series(label, epochs, c.values()));
        }
        if (out.toAbsolutePath().getParent() != null) {
            Files.createDirectories(out.toAbsolutePath().getParent());
        }
        Charts.line(out, title != null ? title : metric, "epoch", metric, true, series);
        spec.commandLine().getOut().println("wrote " + out + " (" + curves.size() + " runs)");
        spec.commandLine().getOut().flush();
        return 0;
    }

    /** The metric per epoch of {@code run}, averaged over its seed* subdirectories if it has no metrics.json. */
    static Curve curve(Path run, String metric) throws IOException {
        List<Path> files = new ArrayList<>();
        if (Files.isRegularFile(run.resolve("metrics.json"))) {
            files.add(run.resolve("metrics.json"));
        } else if (Files.isDirectory(run)) {
            try (Stream<Path> s = Files.list(run)) {
                s.filter(p -> p.getFileName().toString().startsWith("seed") && Files.isRegularFile(p.resolve("metrics.json")))
                        .sorted().forEach(p -> files.add(p.resolve("metrics.json")));
            }
        }
        if (files.isEmpty()) {
            throw new IllegalArgumentException(run + ": no metrics.json here or in seed* subdirectories (not a vae run)");
        }
        String estimator = null;
        double[] sum = null;
        for (Path f : files) {
            JsonNode doc;
            try {
                doc = Json.parse(Files.readString(f));
            } catch (RuntimeException e) {
                throw new IllegalArgumentException(f + ": not valid JSON");
            }
            JsonNode epochs = doc.path("epochs");
            String name = doc.path("config").path("estimator").path("name").asText("");
            if (!epochs.isArray() || epochs.isEmpty() || name.isEmpty()) {
                throw new IllegalArgumentException(f + ": no epochs or estimator (not a vae run's metrics.json)");
            }
            String baseline = doc.path("config").path("estimator").path("baseline").asText("none");
            if (name.equals("reinforce") && !baseline.equals("none")) {
                name = name + " + " + baseline;
            }
            estimator = estimator == null ? name : estimator;
            double[] v = new double[epochs.size()];
            for (int i = 0; i < v.length; i++) {
                JsonNode x = epochs.get(i).get(metric);
                if (x == null || !x.isNumber() || !Double.isFinite(x.asDouble())) {
                    throw new IllegalArgumentException(f + ": epoch " + (i + 1) + " has no finite '" + metric + "'");
                }
                v[i] = x.asDouble();
            }
            if (sum == null) {
                sum = v;
            } else {
                int n = Math.min(sum.length, v.length);   // the epochs every seed reached
                double[] s = new double[n];
                for (int i = 0; i < n; i++) {
                    s[i] = sum[i] + v[i];
                }
                sum = s;
            }
        }
        for (int i = 0; i < sum.length; i++) {
            sum[i] /= files.size();
        }
        return new Curve(estimator, run.getFileName() == null ? run.toString() : run.getFileName().toString(), sum);
    }
}
