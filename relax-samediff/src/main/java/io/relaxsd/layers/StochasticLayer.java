package io.relaxsd.layers;

import io.relaxsd.estimator.DistributionKind;
import io.relaxsd.estimator.EstimatorConfig;
import io.relaxsd.estimator.Estimators;
import io.relaxsd.estimator.PathwiseEstimator;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.ParamInitializer;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.GradientNormalization;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.memory.LayerMemoryReport;
import org.deeplearning4j.nn.conf.memory.MemoryReport;
import org.deeplearning4j.nn.params.EmptyParamInitializer;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.learning.regularization.Regularization;

/**
 * Configuration shared by the stochastic layers: a layer that reads its input as logits, samples a
 * discrete variable in training mode and back-propagates the named estimator's gradient; see
 * {@link CategoricalStochasticLayer} and {@link BernoulliStochasticLayer}. With a pathwise estimator
 * the layer has no parameters; with a score-function estimator it has the estimator's (below).
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
 *   <li>{@code seed}: seed of the layer's own noise generator (and of the surrogate's initial
 *       parameters); null derives it from the network seed and the layer index, so that equal
 *       configurations sample equally (data-parallel copies: {@link NoiseStreams}).</li>
 * </ul>
 *
 * <p>Score-function estimators ({@code reinforce}, {@code relax}) need the per-example loss f(b) of
 * the sample, which a layer does not see: the output layer's loss must be wrapped in
 * {@link PerExampleScoreLoss}{@code (inner, channel)} and the layer set to {@code scoreFrom(channel)}.
 * Their fields:
 * <ul>
 *   <li>{@code scoreFrom}: the channel name (required for them, rejected for pathwise estimators);</li>
 *   <li>{@code baseline} (REINFORCE): {@code NONE} or {@code RUNNING_MEAN} with {@code baselineDecay};
 *       {@code LEAVE_ONE_OUT} is rejected: it needs f at S independent samples of each example, and a
 *       layer's forward pass emits one;</li>
 *   <li>{@code surrogate} (RELAX, default {@code MLP} here): {@code MLP} (c_φ = r_ρ(z)) or
 *       {@code MLP_OF_RELAXED} (c_φ = r_ρ(σ_λ(z)), learned λ), with {@code surrogateWidths} and
 *       {@code surrogateActivation}. {@code RELAXED_LOSS_PLUS_MLP} and the {@code rebar} estimator are
 *       rejected: they need f and ∂f/∂x at relaxed inputs σ_λ(z), σ_λ(z̃), i.e. the layers downstream
 *       evaluated a second and third time, which DL4J's forward pass does not do;</li>
 *   <li>{@code controlUpdater}: the DL4J updater of φ (default Adam with learning rate 1e-2, ten times
 *       the usual 1e-3 as {@link EstimatorConfig#DEFAULT_PHI_LR_MULTIPLIER}); the network's updater
 *       does not reach this layer.</li>
 * </ul>
 * The surrogate's φ are the layer's trainable parameters (DL4J updates them with {@code controlUpdater}
 * from the gradient ∂(Σ ĝ²/batch)/∂φ); REINFORCE's running-mean baseline and its count are parameters
 * with the {@code NoOp} updater and zero gradient, so that saved networks keep them.
 *
 * <p>The class names of the concrete layers are written into saved configurations and model files.
 */
public abstract class StochasticLayer extends org.deeplearning4j.nn.conf.layers.Layer {

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
    protected String scoreFrom;
    protected EstimatorConfig.Baseline baseline = EstimatorConfig.Baseline.NONE;
    protected double baselineDecay = EstimatorConfig.DEFAULT_BASELINE_DECAY;
    protected EstimatorConfig.SurrogateKind surrogate = EstimatorConfig.SurrogateKind.MLP;
    protected int[] surrogateWidths = EstimatorConfig.of("relax").surrogateWidths();
    protected EstimatorConfig.Activation surrogateActivation = EstimatorConfig.Activation.TANH;
    protected IUpdater controlUpdater = defaultControlUpdater();

    /** Adam with learning rate 1e-2. */
    static IUpdater defaultControlUpdater() {
        return new Adam(1e-2);
    }

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
        this.scoreFrom = b.scoreFrom;
        this.baseline = b.baseline;
        this.baselineDecay = b.baselineDecay;
        this.surrogate = b.surrogate;
        this.surrogateWidths = b.surrogateWidths == null ? null : b.surrogateWidths.clone();
        this.surrogateActivation = b.surrogateActivation;
        this.controlUpdater = b.controlUpdater;
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
     * The estimator config these fields describe, validated, and checked to be defined for this
     * layer's distribution and usable in a layer (see the class comment for what is rejected and why).
     *
     * @throws IllegalArgumentException naming the offending field and value
     */
    public EstimatorConfig estimatorConfig() {
        if (estimator == null) {
            throw new IllegalArgumentException("estimator must be named, got null");
        }
        boolean score = Estimators.names().contains(estimator) && Estimators.isScoreFunction(estimator);
        EstimatorConfig.Builder b = EstimatorConfig.builder(estimator).temperature(temperature).samples(samples)
                .eta(eta).alpha(alpha).reinmaxTemperature(reinmaxTemperature).cvNoise(cvNoise);
        if (score) {
            if (surrogateWidths == null) {
                throw new IllegalArgumentException("surrogateWidths must name at least one hidden width, got null");
            }
            b.baseline(baseline).baselineDecay(baselineDecay).surrogate(surrogate).surrogateWidths(surrogateWidths)
                    .surrogateActivation(surrogateActivation);
            if (baseline == EstimatorConfig.Baseline.LEAVE_ONE_OUT) {
                b.scoreSamples(2);   // lets the config validate; rejected below with the reason
            }
        }
        EstimatorConfig cfg = b.build();
        if (!score) {
            PathwiseEstimator p = Estimators.pathwise(cfg);
            if (!p.kinds().contains(kind())) {
                throw new IllegalArgumentException("estimator '" + estimator + "' is not defined for " + kind().id()
                        + " variables");
            }
            if (scoreFrom != null) {
                throw new IllegalArgumentException("scoreFrom: only score-function estimators (reinforce, relax) "
                        + "read a score channel; estimator '" + estimator + "' is pathwise, got scoreFrom '"
                        + scoreFrom + "'");
            }
            return cfg;
        }
        if (!Estimators.scoreFunction(cfg).kinds().contains(kind())) {
            throw new IllegalArgumentException("estimator '" + estimator + "' is not defined for " + kind().id()
                    + " variables");
        }
        if (estimator.equals("rebar")) {
            throw new IllegalArgumentException("estimator 'rebar' cannot run in a layer: its control variate "
                    + "η·f(σ_λ(z)) needs f and ∂f/∂x at relaxed inputs, i.e. the downstream layers evaluated again; "
                    + "use estimator 'relax' with surrogate MLP or MLP_OF_RELAXED, or 'reinforce', or the SameDiff "
                    + "API (Discrete) for REBAR");
        }
        if (estimator.equals("relax") && (surrogate == EstimatorConfig.SurrogateKind.RELAXED_LOSS_PLUS_MLP
                || surrogate == EstimatorConfig.SurrogateKind.RELAXED_LOSS_PLUS_CONTEXT_MLP)) {
            throw new IllegalArgumentException("surrogate " + surrogate + " cannot run in a layer: its term "
                    + "η·f(σ_λ(z)) needs f and ∂f/∂x at relaxed inputs, i.e. the downstream layers evaluated again; "
                    + "use surrogate MLP or MLP_OF_RELAXED, or the SameDiff API (Discrete) for this surrogate");
        }
        if (estimator.equals("reinforce") && baseline == EstimatorConfig.Baseline.LEAVE_ONE_OUT) {
            throw new IllegalArgumentException("baseline LEAVE_ONE_OUT cannot run in a layer: it needs f at S "
                    + "independent samples of every example and a layer's forward pass emits one; use baseline "
                    + "NONE or RUNNING_MEAN, or the SameDiff API (Discrete) for leave-one-out");
        }
        if (scoreFrom == null || scoreFrom.isBlank()) {
            throw new IllegalArgumentException("scoreFrom: estimator '" + estimator + "' needs the per-example loss "
                    + "f(b); set scoreFrom(channel) and wrap the output layer's loss in "
                    + "PerExampleScoreLoss(inner, channel), got scoreFrom " + (scoreFrom == null ? "null"
                    : "'" + scoreFrom + "'"));
        }
        if (controlUpdater == null) {
            throw new IllegalArgumentException("controlUpdater must not be null for estimator '" + estimator + "'");
        }
        return cfg;
    }

    /** Whether the configured estimator is a score-function one (then the layer has parameters). */
    public boolean scoreFunction() {
        return estimator != null && Estimators.names().contains(estimator) && Estimators.isScoreFunction(estimator);
    }

    /** The estimator graph of this layer ({@link StochasticKernel}). */
    StochasticKernel buildKernel(DataType dt, long parameterSeed, boolean withGradients) {
        EstimatorConfig cfg = estimatorConfig();
        return scoreFunction()
                ? StochasticKernel.buildScoreFunction(kind(), variables(), categories(), cfg, klWeight, dt,
                        parameterSeed, withGradients)
                : StochasticKernel.build(kind(), variables(), categories(), cfg, klWeight, dt);
    }

    /** What determines the parameter layout: kind, sizes and estimator config. */
    String layoutKey() {
        return kind() + "/" + variables() + "x" + categories() + "/" + estimatorConfig() + "/" + (klWeight > 0);
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
        Map<String, INDArray> paramTable = scoreFunction()
                ? ControlParamInitializer.getInstance().init(conf, layerParamsView, initializeParams, layerSeed)
                : initializer().init(conf, layerParamsView, initializeParams);
        ret.setParamTable(paramTable);
        ret.setConf(conf);
        return ret;
    }

    @Override
    public ParamInitializer initializer() {
        return scoreFunction() ? ControlParamInitializer.getInstance() : EmptyParamInitializer.getInstance();
    }

    /** φ get {@code controlUpdater}; the estimator's state (a running-mean baseline) is not trained. */
    @Override
    public IUpdater getUpdaterByParam(String paramName) {
        return ControlParamInitializer.controlKeys(this).contains(paramName) ? controlUpdater : new NoOp();
    }

    @Override
    public List<Regularization> getRegularizationByParam(String paramName) {
        return List.of();
    }

    @Override
    public boolean isPretrainParam(String paramName) {
        return false;
    }

    @Override
    public GradientNormalization getGradientNormalization() {
        return GradientNormalization.None;
    }

    @Override
    public double getGradientNormalizationThreshold() {
        return 1.0;
    }

    @Override
    public void setNIn(InputType inputType, boolean override) {
        // sizes are configured explicitly and checked in getOutputType
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
        long params = initializer().numParams(this);
        long controlState = params > 0 ? controlUpdater.stateSize(ControlParamInitializer.controlSize(this)) : 0;
        return new LayerMemoryReport.Builder(layerName, getClass(), inputType, InputType.feedForward(width()))
                .standardMemory(params, controlState)
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

    public String getScoreFrom() {
        return scoreFrom;
    }

    public void setScoreFrom(String scoreFrom) {
        this.scoreFrom = scoreFrom;
    }

    public EstimatorConfig.Baseline getBaseline() {
        return baseline;
    }

    public void setBaseline(EstimatorConfig.Baseline baseline) {
        this.baseline = baseline;
    }

    public double getBaselineDecay() {
        return baselineDecay;
    }

    public void setBaselineDecay(double baselineDecay) {
        this.baselineDecay = baselineDecay;
    }

    public EstimatorConfig.SurrogateKind getSurrogate() {
        return surrogate;
    }

    public void setSurrogate(EstimatorConfig.SurrogateKind surrogate) {
        this.surrogate = surrogate;
    }

    public int[] getSurrogateWidths() {
        return surrogateWidths == null ? null : surrogateWidths.clone();
    }

    public void setSurrogateWidths(int[] surrogateWidths) {
        this.surrogateWidths = surrogateWidths == null ? null : surrogateWidths.clone();
    }

    public EstimatorConfig.Activation getSurrogateActivation() {
        return surrogateActivation;
    }

    public void setSurrogateActivation(EstimatorConfig.Activation surrogateActivation) {
        this.surrogateActivation = surrogateActivation;
    }

    public IUpdater getControlUpdater() {
        return controlUpdater;
    }

    public void setControlUpdater(IUpdater controlUpdater) {
        this.controlUpdater = controlUpdater;
    }

    @Override
    public StochasticLayer clone() {
        StochasticLayer c = (StochasticLayer) super.clone();
        c.surrogateWidths = surrogateWidths == null ? null : surrogateWidths.clone();
        c.controlUpdater = controlUpdater == null ? null : controlUpdater.clone();
        return c;
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
                && Objects.equals(seed, s.seed) && variables() == s.variables() && categories() == s.categories()
                && Objects.equals(scoreFrom, s.scoreFrom) && baseline == s.baseline
                && Double.compare(baselineDecay, s.baselineDecay) == 0 && surrogate == s.surrogate
                && Arrays.equals(surrogateWidths, s.surrogateWidths) && surrogateActivation == s.surrogateActivation
                && Objects.equals(controlUpdater, s.controlUpdater);
    }

    @Override
    public int hashCode() {
        return Objects.hash(super.hashCode(), estimator, temperature, samples, eta, alpha, reinmaxTemperature, cvNoise,
                inferenceMode, klWeight,
                seed, variables(), categories(), scoreFrom, baseline, baselineDecay, surrogate,
                Arrays.hashCode(surrogateWidths), surrogateActivation, controlUpdater);
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "(" + sizeDescription() + ", estimator=" + estimator + ", temperature="
                + temperature + ", samples=" + samples + ", eta=" + eta + ", alpha=" + alpha
                + ", reinmaxTemperature=" + reinmaxTemperature + ", cvNoise=" + cvNoise + ", inferenceMode="
                + inferenceMode + ", klWeight=" + klWeight + ", seed=" + seed
                + (scoreFunction() ? ", scoreFrom=" + scoreFrom + ", baseline=" + baseline + ", baselineDecay="
                + baselineDecay + ", surrogate=" + surrogate + ", surrogateWidths=" + Arrays.toString(surrogateWidths)
                + ", surrogateActivation=" + surrogateActivation + ", controlUpdater=" + controlUpdater : "")
                + ", name=" + layerName + ")";
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
        private String scoreFrom;
        private EstimatorConfig.Baseline baseline = EstimatorConfig.Baseline.NONE;
        private double baselineDecay = EstimatorConfig.DEFAULT_BASELINE_DECAY;
        private EstimatorConfig.SurrogateKind surrogate = EstimatorConfig.SurrogateKind.MLP;
        private int[] surrogateWidths = EstimatorConfig.of("relax").surrogateWidths();
        private EstimatorConfig.Activation surrogateActivation = EstimatorConfig.Activation.TANH;
        private IUpdater controlUpdater = defaultControlUpdater();

        @SuppressWarnings("unchecked")
        private T self() {
            return (T) this;
        }

        /**
         * Estimator name: a pathwise one ({@code st}, {@code reinmax}, …) or {@code reinforce} /
         * {@code relax}, which also need {@link #scoreFrom(String)}.
         */
        public T estimator(String name) {
            this.estimator = name;
            return self();
        }

        /**
         * Copies name and every hyper-parameter a layer uses from an estimator config (including its
         * surrogate, whose default {@code RELAXED_LOSS_PLUS_MLP} a layer rejects; the config's
         * {@code phiLrMultiplier} and {@code pretrainSteps} are not used: see {@link #controlUpdater}).
         */
        public T estimator(EstimatorConfig config) {
            this.estimator = config.name();
            this.temperature = config.temperature();
            this.samples = config.samples();
            this.eta = config.eta();
            this.alpha = config.alpha();
            this.reinmaxTemperature = config.reinmaxTemperature();
            this.cvNoise = config.cvNoise();
            this.baseline = config.baseline();
            this.baselineDecay = config.baselineDecay();
            this.surrogate = config.surrogate();
            this.surrogateWidths = config.surrogateWidths();
            this.surrogateActivation = config.surrogateActivation();
            return self();
        }

        /**
         * The channel of a {@link PerExampleScoreLoss} on the output layer, from which a score-function
         * estimator reads the per-example loss f(b) (required for them, rejected for pathwise ones).
         */
        public T scoreFrom(String channel) {
            this.scoreFrom = channel;
            return self();
        }

        /** REINFORCE's baseline: NONE (default) or RUNNING_MEAN. */
        public T baseline(EstimatorConfig.Baseline baseline) {
            this.baseline = baseline;
            return self();
        }

        /** Decay d ∈ [0, 1) of the running-mean baseline (default 0.9). */
        public T baselineDecay(double d) {
            this.baselineDecay = d;
            return self();
        }

        /** RELAX's surrogate: MLP (default) or MLP_OF_RELAXED. */
        public T surrogate(EstimatorConfig.SurrogateKind kind) {
            this.surrogate = kind;
            return self();
        }

        /** Hidden widths (each ≥ 1) of RELAX's surrogate MLP (default {10}). */
        public T surrogateWidths(int... widths) {
            this.surrogateWidths = widths == null ? null : widths.clone();
            return self();
        }

        public T surrogateActivation(EstimatorConfig.Activation a) {
            this.surrogateActivation = a;
            return self();
        }

        /** DL4J updater (and so learning rate) of RELAX's surrogate parameters φ (default Adam(1e-2)). */
        public T controlUpdater(IUpdater updater) {
            this.controlUpdater = updater;
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
