package io.relaxsd.layers;

import io.relaxsd.estimator.DistributionKind;
import io.relaxsd.estimator.EstimatorConfig;
import io.relaxsd.estimator.Estimators;
import io.relaxsd.estimator.PathwiseEstimator;
import java.util.Collection;
import java.util.Map;
import java.util.Objects;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.ParamInitializer;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.NoParamLayer;
import org.deeplearning4j.nn.conf.memory.LayerMemoryReport;
import org.deeplearning4j.nn.conf.memory.MemoryReport;
import org.deeplearning4j.nn.params.EmptyParamInitializer;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Configuration shared by the stochastic layers: a parameter-free layer that reads its input as
 * logits, samples a discrete variable in training mode and back-propagates the named pathwise
 * estimator's gradient; see {@link CategoricalStochasticLayer} and {@link BernoulliStochasticLayer}.
 *
 * <p>Fields (all validated by the builders' {@code build()} and again when a deserialised
 * configuration is instantiated):
 * <ul>
 *   <li>{@code estimator}: a pathwise estimator name from {@link Estimators#names()} that supports the
 *       layer's distribution, with its {@code temperature}, {@code samples}, {@code eta}, {@code alpha},
 *       {@code reinmaxTemperature} and {@code cvNoise} (see {@link EstimatorConfig});</li>
 *   <li>{@code inferenceMode}: output at inference time ({@link InferenceMode});</li>
 *   <li>{@code klWeight} ≥ 0: adds {@code klWeight · KL(q ‖ uniform)} per example to the network score
 *       (averaged over the mini-batch, like DL4J's losses) and its gradient to the logits;</li>
 *   <li>{@code seed}: seed of the layer's own noise generator; null derives it from the network seed
 *       and the layer index, so that equal configurations sample equally.</li>
 * </ul>
 *
 * <p>The class names of the concrete layers are written into saved configurations and model files.
 */
public abstract class StochasticLayer extends NoParamLayer {

    protected String estimator = "st";
    protected double temperature = EstimatorConfig.DEFAULT_TEMPERATURE;
    protected int samples = EstimatorConfig.DEFAULT_SAMPLES;
    protected double eta = EstimatorConfig.DEFAULT_ETA;
    protected double alpha = EstimatorConfig.DEFAULT_ALPHA;
    protected double reinmaxTemperature = EstimatorConfig.DEFAULT_REINMAX_TEMPERATURE;
    protected EstimatorConfig.CvNoise cvNoise = EstimatorConfig.CvNoise.UNCONDITIONAL;
    protected InferenceMode inferenceMode = InferenceMode.ARGMAX;
    protected double klWeight;
    protected Long seed;

    /** For JSON deserialisation only. */
    protected StochasticLayer() {
    }

    protected StochasticLayer(Builder<?> b) {
        super(b);
        this.estimator = b.estimator;
        this.temperature = b.temperature;
        this.samples = b.samples;
        this.eta = b.eta;
        this.alpha = b.alpha;
        this.reinmaxTemperature = b.reinmaxTemperature;
        this.cvNoise = b.cvNoise;
        this.inferenceMode = b.inferenceMode;
        this.klWeight = b.klWeight;
        this.seed = b.seed;
    }

    /** The distribution this layer samples. */
    abstract DistributionKind kind();

    /** Number of independent variables (groups) per example: L, or 1 for Bernoulli layers. */
    abstract int variables();

    /** Categories K per variable, or the number n of Bernoulli units. */
    abstract int categories();

    /** Input and output size per example: L·K, or n. */
    public final long width() {
        return (long) variables() * categories();
    }

    /** Checks the layer-specific sizes; throws {@link IllegalArgumentException} naming the field. */
    abstract void validateSizes();

    /**
     * The estimator config these fields describe, validated, and checked to be a pathwise estimator
     * defined for this layer's distribution.
     *
     * @throws IllegalArgumentException naming the offending field and value
     */
    public EstimatorConfig estimatorConfig() {
        EstimatorConfig cfg = EstimatorConfig.builder(estimator).temperature(temperature).samples(samples)
                .eta(eta).alpha(alpha).reinmaxTemperature(reinmaxTemperature).cvNoise(cvNoise).build();
        PathwiseEstimator p = Estimators.pathwise(cfg);
        if (!p.kinds().contains(kind())) {
            throw new IllegalArgumentException("estimator '" + estimator + "' is not defined for " + kind().id()
                    + " variables");
        }
        return cfg;
    }

    /** Validates every field (the builder calls this; so does {@link #instantiate} for JSON configs). */
    final void validate() {
        validateSizes();
        estimatorConfig();
        if (inferenceMode == null) {
            throw new IllegalArgumentException("inferenceMode must be ARGMAX or PROBABILITIES, got null");
        }
        if (!(klWeight >= 0) || Double.isInfinite(klWeight)) {
            throw new IllegalArgumentException("klWeight must be finite and >= 0, got " + klWeight);
        }
    }

    @Override
    public Layer instantiate(NeuralNetConfiguration conf, Collection<TrainingListener> trainingListeners,
                             int layerIndex, INDArray layerParamsView, boolean initializeParams,
                             DataType networkDataType) {
        validate();
        long layerSeed = seed != null ? seed : conf.getSeed() + 0x9E3779B97F4A7C15L * (layerIndex + 1L);
        StochasticLayerRuntime ret = new StochasticLayerRuntime(conf, networkDataType, layerSeed);
        ret.setListeners(trainingListeners);
        ret.setIndex(layerIndex);
        ret.setParamsViewArray(layerParamsView);
        Map<String, INDArray> paramTable = initializer().init(conf, layerParamsView, initializeParams);
        ret.setParamTable(paramTable);
        ret.setConf(conf);
        return ret;
    }

    @Override
    public ParamInitializer initializer() {
        return EmptyParamInitializer.getInstance();
    }

    @Override
    public InputType getOutputType(int layerIndex, InputType inputType) {
        if (inputType == null || inputType.getType() != InputType.Type.FF) {
            throw new IllegalArgumentException("layer " + layerIndex + " (" + getClass().getSimpleName()
                    + "): input must be feed-forward of size " + width() + ", got " + inputType);
        }
        long size = inputType.arrayElementsPerExample();
        if (size != width()) {
            throw new IllegalArgumentException("layer " + layerIndex + " (" + getClass().getSimpleName()
                    + "): input size must be " + sizeDescription() + " = " + width() + ", got " + size);
        }
        return InputType.feedForward(width());
    }

    /** How the width is made up, for error messages. */
    abstract String sizeDescription();

    @Override
    public InputPreProcessor getPreProcessorForInputType(InputType inputType) {
        return null;
    }

    @Override
    public LayerMemoryReport getMemoryReport(InputType inputType) {
        long perEx = width();
        return new LayerMemoryReport.Builder(layerName, getClass(), inputType, InputType.feedForward(width()))
                .standardMemory(0, 0)
                .workingMemory(0, 3 * perEx, 0, 4 * perEx)
                .cacheMemory(MemoryReport.CACHE_MODE_ALL_ZEROS, MemoryReport.CACHE_MODE_ALL_ZEROS)
                .build();
    }

    public String getEstimator() {
        return estimator;
    }

    public void setEstimator(String estimator) {
        this.estimator = estimator;
    }

    public double getTemperature() {
        return temperature;
    }

    public void setTemperature(double temperature) {
        this.temperature = temperature;
    }

    public int getSamples() {
        return samples;
    }

    public void setSamples(int samples) {
        this.samples = samples;
    }

    public double getEta() {
        return eta;
    }

    public void setEta(double eta) {
        this.eta = eta;
    }

    public double getAlpha() {
        return alpha;
    }

    public void setAlpha(double alpha) {
        this.alpha = alpha;
    }

    public double getReinmaxTemperature() {
        return reinmaxTemperature;
    }

    public void setReinmaxTemperature(double reinmaxTemperature) {
        this.reinmaxTemperature = reinmaxTemperature;
    }

    public EstimatorConfig.CvNoise getCvNoise() {
        return cvNoise;
    }

    public void setCvNoise(EstimatorConfig.CvNoise cvNoise) {
        this.cvNoise = cvNoise;
    }

    public InferenceMode getInferenceMode() {
        return inferenceMode;
    }

    public void setInferenceMode(InferenceMode inferenceMode) {
        this.inferenceMode = inferenceMode;
    }

    public double getKlWeight() {
        return klWeight;
    }

    public void setKlWeight(double klWeight) {
        this.klWeight = klWeight;
    }

    public Long getSeed() {
        return seed;
    }

    public void setSeed(Long seed) {
        this.seed = seed;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (o == null || o.getClass() != getClass() || !super.equals(o)) {
            return false;
        }
        StochasticLayer s = (StochasticLayer) o;
        return Objects.equals(estimator, s.estimator) && Double.compare(temperature, s.temperature) == 0
                && samples == s.samples && Double.compare(eta, s.eta) == 0 && Double.compare(alpha, s.alpha) == 0
                && Double.compare(reinmaxTemperature, s.reinmaxTemperature) == 0 && cvNoise == s.cvNoise
                && inferenceMode == s.inferenceMode && Double.compare(klWeight, s.klWeight) == 0
                && Objects.equals(seed, s.seed) && variables() == s.variables() && categories() == s.categories();
    }

    @Override
    public int hashCode() {
        return Objects.hash(super.hashCode(), estimator, temperature, samples, eta, alpha, reinmaxTemperature, cvNoise,
                inferenceMode, klWeight,
                seed, variables(), categories());
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "(" + sizeDescription() + ", estimator=" + estimator + ", temperature="
                + temperature + ", samples=" + samples + ", eta=" + eta + ", alpha=" + alpha
                + ", reinmaxTemperature=" + reinmaxTemperature + ", cvNoise=" + cvNoise + ", inferenceMode="
                + inferenceMode + ", klWeight=" + klWeight + ", seed=" + seed + ", name=" + layerName + ")";
    }

    /**
     * Settings shared by both layer builders; the defaults are those of {@link EstimatorConfig},
     * estimator {@code st}, {@link InferenceMode#ARGMAX}, no KL term, seed from the network.
     */
    public abstract static class Builder<T extends Builder<T>> extends org.deeplearning4j.nn.conf.layers.Layer.Builder<T> {
        private String estimator = "st";
        private double temperature = EstimatorConfig.DEFAULT_TEMPERATURE;
        private int samples = EstimatorConfig.DEFAULT_SAMPLES;
        private double eta = EstimatorConfig.DEFAULT_ETA;
        private double alpha = EstimatorConfig.DEFAULT_ALPHA;
        private double reinmaxTemperature = EstimatorConfig.DEFAULT_REINMAX_TEMPERATURE;
        private EstimatorConfig.CvNoise cvNoise = EstimatorConfig.CvNoise.UNCONDITIONAL;
        private InferenceMode inferenceMode = InferenceMode.ARGMAX;
        private double klWeight;
        private Long seed;

        @SuppressWarnings("unchecked")
        private T self() {
            return (T) this;
        }

        /** Pathwise estimator name, e.g. {@code st} or {@code reinmax}. */
        public T estimator(String name) {
            this.estimator = name;
            return self();
        }

        /** Copies name and every hyper-parameter from an estimator config. */
        public T estimator(EstimatorConfig config) {
            this.estimator = config.name();
            this.temperature = config.temperature();
            this.samples = config.samples();
            this.eta = config.eta();
            this.alpha = config.alpha();
            this.reinmaxTemperature = config.reinmaxTemperature();
            this.cvNoise = config.cvNoise();
            return self();
        }

        public T temperature(double tau) {
            this.temperature = tau;
            return self();
        }

        public T samples(int k) {
            this.samples = k;
            return self();
        }

        public T eta(double eta) {
            this.eta = eta;
            return self();
        }

        public T alpha(double alpha) {
            this.alpha = alpha;
            return self();
        }

        /** reinmax-cv: temperature of its ReinMax term (default 1). */
        public T reinmaxTemperature(double tauRm) {
            this.reinmaxTemperature = tauRm;
            return self();
        }

        /** reinmax-cv: noise of its single-draw term (default unconditional, the paper's eq. 18). */
        public T cvNoise(EstimatorConfig.CvNoise noise) {
            this.cvNoise = noise;
            return self();
        }

        public T inferenceMode(InferenceMode mode) {
            this.inferenceMode = mode;
            return self();
        }

        /** Weight w ≥ 0 of the KL(q ‖ uniform) term; 0 (default) disables it. */
        public T klWeight(double w) {
            this.klWeight = w;
            return self();
        }

        /** Seed of the layer's noise generator (default: derived from the network seed). */
        public T seed(long seed) {
            this.seed = seed;
            return self();
        }
    }
}
