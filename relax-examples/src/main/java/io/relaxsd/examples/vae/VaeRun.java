package io.relaxsd.examples.vae;

import com.fasterxml.jackson.core.type.TypeReference;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import io.relaxsd.examples.util.AtomicFiles;
import io.relaxsd.examples.util.Json;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * One training run of the VAE with its files: in the run directory (if any) {@code config.json},
 * {@code checkpoint.bin} (every epoch), {@code checkpoint-epoch-N.bin} (the epochs the
 * {@link CheckpointPolicy} keeps), {@code metrics.csv} and {@code metrics.json} (every epoch).
 * All files are written atomically (temporary file, then rename), so a killed run leaves the last
 * complete epoch behind, and {@link #resume} continues from it with the same numbers as an
 * uninterrupted run.
 */
public final class VaeRun {
    public static final String CONFIG = "config.json";
    public static final String CHECKPOINT = "checkpoint.bin";
    public static final String METRICS_CSV = "metrics.csv";
    public static final String METRICS_JSON = "metrics.json";
    private static final Pattern NUMBERED = Pattern.compile("checkpoint-epoch-(\\d{1,9})\\.bin");

    /** Progress callbacks. */
    public interface Events {
        default void onStep(int epoch, int step, int stepsInEpoch, double runningTrainNelbo) {
        }

        default void onEpoch(EpochMetrics metrics) {
        }

        default void onIwae(int epoch, String what, int done, int total) {
        }
    }

    private final VaeRunConfig config;
    private final VaeTrainer trainer;
    private final Path dir;

    private VaeRun(VaeRunConfig config, Path dir) {
        this.config = config;
        this.dir = dir;
        VaeModel model = VaeModel.build(config.setup(), config.estimator(), config.seed());
        this.trainer = new VaeTrainer(model, config.optimizer().create(config.learningRate()), config.seed(),
                config.evalBatch());
    }

    /** A fresh run; {@code dir} may be null (no files). */
    public static VaeRun start(VaeRunConfig config, Path dir) throws IOException {
        if (dir != null && Files.exists(dir.resolve(CHECKPOINT))) {
            throw new IllegalArgumentException(dir + " already holds a vae run; continue it with --resume " + dir
                    + " or choose another --out");
        }
        VaeRun r = new VaeRun(config, dir);
        if (dir != null) {
            Files.createDirectories(dir);
            writeAtomically(dir.resolve(CONFIG), Json.pretty(config.toMap()));
        }
        return r;
    }

    /** The run configuration saved in {@code dir}. */
    public static VaeRunConfig savedConfig(Path dir) throws IOException {
        Path f = dir.resolve(CONFIG);
        if (!Files.isRegularFile(f)) {
            throw new IllegalArgumentException("no " + CONFIG + " in " + dir + ": not a vae run directory");
        }
        Map<String, Object> m = Json.mapper().readValue(f.toFile(),
                new TypeReference<LinkedHashMap<String, Object>>() { });
        if (m.containsKey("command")) {
            throw new IllegalArgumentException(dir + " holds a '" + m.get("command") + "' run; continue it with './relax "
                    + m.get("command") + " --resume " + dir + "'");
        }
        return VaeRunConfig.fromMap(m);
    }

    /**
     * Continues the run in {@code dir} from its last checkpoint (or from scratch if it was killed before
     * its first epoch ended), training up to {@code config.epochs()}.
     */
    public static VaeRun resume(VaeRunConfig config, Path dir) throws IOException {
        VaeRun r = new VaeRun(config, dir);
        Path ckpt = dir.resolve(CHECKPOINT);
        if (Files.isRegularFile(ckpt)) {
            r.trainer.loadCheckpoint(ckpt, config.fingerprint());
        }
        writeAtomically(dir.resolve(CONFIG), Json.pretty(config.toMap()));
        return r;
    }

    /** Trains the remaining epochs; writes checkpoint and metrics after each. */
    public List<EpochMetrics> train(ImageBatches train, ImageBatches test, Events events) throws IOException {
        return train(train, null, test, events);
    }

    /**
     * As {@link #train(ImageBatches, ImageBatches, Events)} with a validation set (may be null),
     * and the −IWAE bound after the epochs {@link VaeRunConfig#iwaeAfter} names.
     */
    public List<EpochMetrics> train(ImageBatches train, ImageBatches validation, ImageBatches test, Events events)
            throws IOException {
        VaeTrainer.Listener listener = new VaeTrainer.Listener() {
            @Override
            public void onStep(int epoch, int step, int stepsInEpoch, double running) {
                events.onStep(epoch, step, stepsInEpoch, running);
            }

            @Override
            public void onIwae(int epoch, String what, int done, int total) {
                events.onIwae(epoch, what, done, total);
            }
        };
        while (trainer.epochsDone() < config.epochs()) {
            int epoch = trainer.epochsDone() + 1;
            EpochMetrics m = trainer.runEpoch(train, validation, test,
                    config.iwaeAfter(epoch) ? config.iwaeSamples() : 0, listener);
            if (dir != null) {
                Path rolling = dir.resolve(CHECKPOINT);
                trainer.saveCheckpoint(rolling, config.fingerprint());
                if (config.keepCheckpoints().keeps(m.epoch())) {
                    AtomicFiles.write(dir.resolve(numberedCheckpoint(m.epoch())), out -> Files.copy(rolling, out));
                }
                writeMetrics();
            }
            events.onEpoch(m);
        }
        return trainer.history();
    }

    /** The file name of epoch {@code epoch}'s numbered checkpoint. */
    public static String numberedCheckpoint(int epoch) {
        return "checkpoint-epoch-" + epoch + ".bin";
    }

    /** The numbered checkpoints in {@code dir}, by epoch (ascending); empty if there are none. */
    public static SortedMap<Integer, Path> numberedCheckpoints(Path dir) throws IOException {
        SortedMap<Integer, Path> m = new TreeMap<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path p : (Iterable<Path>) files::iterator) {
                Matcher x = NUMBERED.matcher(p.getFileName().toString());
                if (x.matches() && Files.isRegularFile(p)) {
                    m.put(Integer.parseInt(x.group(1)), p);
                }
            }
        }
        return m;
    }

    private void writeMetrics() throws IOException {
        writeMetrics(dir, config, trainer.history());
    }

    /** {@code metrics.csv} and {@code metrics.json} of a run's history (shared with {@link Dl4jVaeRun}). */
    static void writeMetrics(Path dir, VaeRunConfig config, List<EpochMetrics> history) throws IOException {
        StringBuilder csv = new StringBuilder("epoch,train_nelbo,test_nelbo,seconds,samples_per_sec,steps,gradient_variance,"
                + "validation_nelbo,test_iwae,validation_iwae\n");
        List<Map<String, Object>> rows = new ArrayList<>();
        for (EpochMetrics m : history) {
            csv.append(String.format(Locale.ROOT, "%d,%.6f,%.6f,%.3f,%.1f,%d,%s,%s,%s,%s%n", m.epoch(), m.trainNelbo(),
                    m.testNelbo(), m.seconds(), m.samplesPerSec(), m.steps(),
                    Double.isNaN(m.gradientVariance()) ? "" : String.format(Locale.ROOT, "%.6g", m.gradientVariance()),
                    cell(m.validationNelbo()), cell(m.testIwae()), cell(m.validationIwae())));
            rows.add(m.toMap());
        }
        writeAtomically(dir.resolve(METRICS_CSV), csv.toString());
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("config", config.toMap());
        doc.put("epochs", rows);
        doc.putAll(EpochMetrics.bestValidationSummary(history));
        writeAtomically(dir.resolve(METRICS_JSON), Json.pretty(doc));
    }

    private static String cell(double v) {
        return Double.isNaN(v) ? "" : String.format(Locale.ROOT, "%.6f", v);
    }

    static void writeAtomically(Path file, String text) throws IOException {
        AtomicFiles.writeString(file, text);
    }

    public VaeRunConfig config() {
        return config;
    }

    public VaeTrainer trainer() {
        return trainer;
    }

    public Path dir() {
        return dir;
    }
}
