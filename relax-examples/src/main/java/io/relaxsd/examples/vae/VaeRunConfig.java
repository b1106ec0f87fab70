package io.relaxsd.examples.vae;

import io.relaxsd.estimator.EstimatorConfig;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * Everything that determines one VAE training run (immutable, validated). {@link #toMap()} is
 * what {@code config.json} stores and {@link #fromMap} reads back for {@code --resume}; the
 * {@link #fingerprint()} (everything but the epoch count) must match for a checkpoint to load.
 *
 * <p>{@code validationSize} images at the end of the training file are held out as a validation
 * set (0: none); {@code iwaeSamples} is k of the −IWAE_k bound evaluated on the test (and
 * validation) set (0: not evaluated), after every epoch or, with {@code iwaeFinalOnly}, after the
 * last one.
 */
public record VaeRunConfig(VaeSetup setup, EstimatorConfig estimator, OptimizerKind optimizer, double learningRate,
                           int batch, int epochs, long seed, int trainLimit, int testLimit, Binarization binarization,
                           int evalBatch, int validationSize, int iwaeSamples, boolean iwaeFinalOnly,
                           CheckpointPolicy keepCheckpoints) {

    /**
     * {@code config.json}'s mark of a binary setup built as the official RELAX code
     * ({@link VaeModel}: x − x̄ in, 2b − 1 between layers, learned prior, output bias from x̄).
     */
    static final String BINARY_MODEL = "official-relax";

    /** The RELAX paper's validation set: the last 10 000 training images. */
    public static final int PAPER_VALIDATION_SIZE = 10_000;

    /** Without validation set and IWAE bound. */
    public VaeRunConfig(VaeSetup setup, EstimatorConfig estimator, OptimizerKind optimizer, double learningRate,
                        int batch, int epochs, long seed, int trainLimit, int testLimit, Binarization binarization,
                        int evalBatch, int validationSize, int iwaeSamples, boolean iwaeFinalOnly) {
        this(setup, estimator, optimizer, learningRate, batch, epochs, seed, trainLimit, testLimit, binarization,
                evalBatch, validationSize, iwaeSamples, iwaeFinalOnly, CheckpointPolicy.NONE);
    }

    /** Without validation set and IWAE bound, keeping the given numbered checkpoints. */
    public VaeRunConfig(VaeSetup setup, EstimatorConfig estimator, OptimizerKind optimizer, double learningRate,
                        int batch, int epochs, long seed, int trainLimit, int testLimit, Binarization binarization,
                        int evalBatch, CheckpointPolicy keepCheckpoints) {
        this(setup, estimator, optimizer, learningRate, batch, epochs, seed, trainLimit, testLimit, binarization,
                evalBatch, 0, 0, false, keepCheckpoints);
    }

    /** How binary setups turn grey levels into 0/1 targets (categorical setups use grey levels). */
    public enum Binarization {
        /** pixel > 0.5 → 1, fixed. */
        THRESHOLD,
        /** pixel ~ Bernoulli(grey level), redrawn every epoch (seeded). */
        DYNAMIC;

        public String id() {
            return name().toLowerCase(Locale.ROOT);
        }

        public static Binarization parse(String s) {
            for (Binarization b : values()) {
                if (b.id().equals(s.trim().toLowerCase(Locale.ROOT))) {
                    return b;
                }
            }
            throw new IllegalArgumentException("binarize must be threshold or dynamic, got '" + s + "'");
        }
    }

    /** A run that keeps no numbered checkpoints. */
    public VaeRunConfig(VaeSetup setup, EstimatorConfig estimator, OptimizerKind optimizer, double learningRate,
                        int batch, int epochs, long seed, int trainLimit, int testLimit, Binarization binarization,
                        int evalBatch) {
        this(setup, estimator, optimizer, learningRate, batch, epochs, seed, trainLimit, testLimit, binarization,
                evalBatch, 0, 0, false, CheckpointPolicy.NONE);
    }

    public VaeRunConfig {
        Objects.requireNonNull(setup, "setup");
        Objects.requireNonNull(keepCheckpoints, "keepCheckpoints");
        Objects.requireNonNull(estimator, "estimator");
        Objects.requireNonNull(optimizer, "optimizer");
        Objects.requireNonNull(binarization, "binarization");
        if (!(learningRate > 0) || Double.isInfinite(learningRate)) {
            throw new IllegalArgumentException("lr must be finite and > 0, got " + learningRate);
        }
        if (batch < 1) {
            throw new IllegalArgumentException("batch must be >= 1, got " + batch);
        }
        if (epochs < 1) {
            throw new IllegalArgumentException("epochs must be >= 1, got " + epochs);
        }
        if (trainLimit < 0) {
            throw new IllegalArgumentException("train-limit must be >= 0 (0 = all), got " + trainLimit);
        }
        if (testLimit < 0) {
            throw new IllegalArgumentException("test-limit must be >= 0 (0 = all), got " + testLimit);
        }
        if (evalBatch < 1) {
            throw new IllegalArgumentException("eval-batch must be >= 1, got " + evalBatch);
        }
        if (validationSize < 0) {
            throw new IllegalArgumentException("validation-size must be >= 0 (0 = none), got " + validationSize);
        }
        if (iwaeSamples < 0) {
            throw new IllegalArgumentException("iwae must be >= 1 samples (0 = off), got " + iwaeSamples);
        }
    }

    /** True if the −IWAE bound is evaluated after {@code epoch}. */
    public boolean iwaeAfter(int epoch) {
        return iwaeSamples > 0 && (!iwaeFinalOnly || epoch >= epochs);
    }

    /** The same run with a different epoch count (resume may extend a run). */
    public VaeRunConfig withEpochs(int newEpochs) {
        return new VaeRunConfig(setup, estimator, optimizer, learningRate, batch, newEpochs, seed, trainLimit,
                testLimit, binarization, evalBatch, validationSize, iwaeSamples, iwaeFinalOnly, keepCheckpoints);
    }

    /** The same run keeping other numbered checkpoints (resume may change which). */
    public VaeRunConfig withKeepCheckpoints(CheckpointPolicy policy) {
        return new VaeRunConfig(setup, estimator, optimizer, learningRate, batch, epochs, seed, trainLimit,
                testLimit, binarization, evalBatch, validationSize, iwaeSamples, iwaeFinalOnly, policy);
    }

    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("setup", setup.id());
        if (!setup.binary()) {
            m.put("latent", setup.categories() + "x" + setup.variables());
        }
        m.put("binarize", binarization.id());          // used by binary setups only
        if (setup.binary()) {
            m.put("binary_model", BINARY_MODEL);
        }
        m.put("estimator", estimator.toMap());
        m.put("optimizer", optimizer.id());
        m.put("lr", learningRate);
        m.put("batch", batch);
        m.put("epochs", epochs);
        m.put("seed", seed);
        m.put("train_limit", trainLimit);
        m.put("test_limit", testLimit);
        m.put("eval_batch", evalBatch);
        // only when set, so runs (and checkpoint fingerprints) from before these options stay valid
        if (validationSize > 0) {
            m.put("validation_size", validationSize);
        }
        if (iwaeSamples > 0) {
            m.put("iwae", iwaeSamples);
            m.put("iwae_final_only", iwaeFinalOnly);
        }
        if (!keepCheckpoints.isNone()) {
            m.put("keep_checkpoints", keepCheckpoints.toMap());
        }
        return m;
    }

    /** Reads {@link #toMap()} back (as parsed from JSON: numbers may be any {@link Number}). */
    @SuppressWarnings("unchecked")
    public static VaeRunConfig fromMap(Map<String, Object> m) {
        VaeSetup setup = VaeSetup.parse((String) m.get("setup"), (String) m.get("latent"));
        if (setup.binary() && !BINARY_MODEL.equals(m.get("binary_model"))) {
            throw new IllegalArgumentException("this " + setup.id() + " run was made with the earlier binary model "
                    + "(input x, bits 0/1, uniform prior); this build trains the official RELAX form and cannot "
                    + "continue it");
        }
        Map<String, Object> e = (Map<String, Object>) m.get("estimator");
        EstimatorConfig.Builder b = EstimatorConfig.builder((String) e.get("name"))
                .temperature(num(e, "temperature").doubleValue())
                .samples(num(e, "samples").intValue())
                .eta(num(e, "eta").doubleValue())
                .alpha(num(e, "alpha").doubleValue());
        if (EstimatorConfig.usesCvFields((String) e.get("name"))) {
            // a config.json written before these fields existed ran the old ReinMax-CV: conditional noise,
            // ReinMax term at the control variate's temperature
            b.reinmaxTemperature(e.containsKey("reinmaxTemperature") ? num(e, "reinmaxTemperature").doubleValue()
                            : num(e, "temperature").doubleValue())
                    .cvNoise(e.containsKey("cvNoise") ? EstimatorConfig.CvNoise.parse((String) e.get("cvNoise"))
                            : EstimatorConfig.CvNoise.CONDITIONAL);
        }
        if (e.containsKey("baseline")) {
            b.baseline(EstimatorConfig.Baseline.parse((String) e.get("baseline")))
                    .scoreSamples(num(e, "scoreSamples").intValue())
                    .baselineDecay(num(e, "baselineDecay").doubleValue())
                    .surrogate(EstimatorConfig.SurrogateKind.parse((String) e.get("surrogate")))
                    .surrogateWidths(((List<Number>) e.get("surrogateWidths")).stream().mapToInt(Number::intValue).toArray())
                    .surrogateActivation(EstimatorConfig.Activation.parse((String) e.get("surrogateActivation")))
                    .phiLrMultiplier(num(e, "phiLrMultiplier").doubleValue())
                    .pretrainSteps(num(e, "pretrainSteps").intValue());
            if (e.get("surrogateContext") != null) {
                b.surrogateContext((String) e.get("surrogateContext"), num(e, "surrogateContextWidth").intValue());
            }
            if (e.containsKey("surrogateWeightDecay")) {
                b.surrogateWeightDecay(num(e, "surrogateWeightDecay").doubleValue());
            }
        }
        EstimatorConfig est = b.build();
        Binarization bin = m.containsKey("binarize") ? Binarization.parse((String) m.get("binarize")) : Binarization.DYNAMIC;
        return new VaeRunConfig(setup, est, OptimizerKind.parse((String) m.get("optimizer")),
                num(m, "lr").doubleValue(), num(m, "batch").intValue(), num(m, "epochs").intValue(),
                num(m, "seed").longValue(), num(m, "train_limit").intValue(), num(m, "test_limit").intValue(), bin,
                num(m, "eval_batch").intValue(),
                m.containsKey("validation_size") ? num(m, "validation_size").intValue() : 0,
                m.containsKey("iwae") ? num(m, "iwae").intValue() : 0,
                Boolean.TRUE.equals(m.get("iwae_final_only")), CheckpointPolicy.fromMap(m.get("keep_checkpoints")));
    }

    private static Number num(Map<String, Object> m, String key) {
        Object v = m.get(key);
        if (!(v instanceof Number n)) {
            throw new IllegalArgumentException("config field '" + key + "' is missing or not a number: " + v);
        }
        return n;
    }

    /**
     * Identity of the run for checkpoints: the config without the epoch count and the numbered
     * checkpoints kept (neither changes the numbers of a run).
     */
    public String fingerprint() {
        Map<String, Object> m = toMap();
        m.remove("epochs");
        m.remove("keep_checkpoints");
        return m.toString();
    }
}
