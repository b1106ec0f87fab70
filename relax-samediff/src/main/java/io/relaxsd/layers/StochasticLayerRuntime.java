package io.relaxsd.layers;

import io.relaxsd.samediff.Seeds;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.AbstractLayer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.rng.Random;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Runtime of a {@link StochasticLayer}. It owns a small compiled SameDiff graph
 * ({@link StochasticKernel}, one per data type) and its own seeded noise generator.
 *
 * <p>{@link #activate} in training mode draws the noise, runs the forward pass and keeps noise and
 * logits; {@link #backpropGradient} feeds the same noise, logits and ε to the graph's
 * {@code calculateGradients}, so the sample of the forward pass is the one the backward pass uses.
 * The gradient is taken of {@code Σ out ⊙ ε} directly, without DL4J's {@code SameDiffLayer} and its
 * external-errors op, so it is not doubled (notes §5).
 *
 * <p>With a score-function estimator the backward pass ignores ε: it reads the per-example loss f of
 * the step from the layer's score channel ({@link PerExampleScoreLoss}, published after this layer's
 * forward pass), returns ĝ (+ the KL term's gradient) as the input gradient and fills the gradient
 * of φ; the graph's variables are loaded from the layer's parameters before every use and the
 * estimator's state is written back after it.
 */
final class StochasticLayerRuntime extends AbstractLayer<StochasticLayer> {

    /** Stream index under which {@link NoiseStreams} derives a worker's layer seed. */
    private static final long STREAM = 0x5752_4B52L;

    private final long seed;
    /** {@link NoiseStreams}' stream of this copy, or null: the layer's own seed. */
    private transient Long noiseStream;
    private transient Random rng;
    private transient long drawStep = Long.MIN_VALUE;
    private transient int drawsInStep;
    private transient Map<DataType, StochasticKernel> kernels;
    private transient INDArray keptLogits;
    private transient Map<String, INDArray> keptNoise;
    private double klScore;
    private transient long channelAtForward;
    private INDArray paramsView;
    private INDArray gradientsView;
    private Map<String, INDArray> params = Collections.emptyMap();
    private transient Map<String, INDArray> gradientViews = Collections.emptyMap();
    private transient Gradient lastGradient = new DefaultGradient();

    StochasticLayerRuntime(NeuralNetConfiguration conf, DataType dataType, long seed) {
        super(conf, dataType);
        this.seed = seed;
    }

    /**
     * The layer's noise generator for the next training draw, restarted at a seed derived from (layer seed,
     * epoch, iteration, draw within the iteration). The network keeps its epoch and iteration counts in its
     * configuration, which {@code ModelSerializer} saves, so a loaded network draws exactly the noise the
     * network that was never saved would have drawn: it neither replays the first steps' draws nor depends
     * on how many times it was saved.
     */
    private Random rngForNextDraw() {
        long step = ((long) getEpochCount() << 40) ^ getIterationCount();
        if (step != drawStep) {
            drawStep = step;
            drawsInStep = 0;
        }
        long base = noiseStream == null ? seed : streamSeed(seed, noiseStream);
        long drawSeed = drawSeed(base, getEpochCount(), getIterationCount(), drawsInStep++);
        if (rng == null) {
            rng = Seeds.generator(drawSeed);
        } else {
            Seeds.reseed(rng, drawSeed);
        }
        return rng;
    }

    /** The layer seed of a copy on noise stream {@code stream} ({@link NoiseStreams}). */
    static long streamSeed(long layerSeed, long stream) {
        return Seeds.derive(Seeds.derive(layerSeed, STREAM), stream);
    }

    /** Sets this copy's noise stream (null: the layer's own seed). */
    void noiseStream(Long stream) {
        this.noiseStream = stream;
    }

    /** The seed of training draw {@code draw} (0, 1, …) of the given epoch and iteration. */
    static long drawSeed(long layerSeed, int epoch, int iteration, int draw) {
        long step = ((long) epoch << 40) ^ iteration;
        return Seeds.derive(Seeds.derive(layerSeed, step), draw);
    }

    private StochasticKernel kernel(DataType dt) {
        if (kernels == null) {
            kernels = new EnumMap<>(DataType.class);
        }
        return kernels.computeIfAbsent(dt, d -> {
            StochasticLayer c = layerConf();
            return c.buildKernel(d, seed, true);
        });
    }

    @Override
    public INDArray activate(boolean training, LayerWorkspaceMgr workspaceMgr) {
        assertInputSet(false);
        applyDropOutIfNecessary(training, workspaceMgr);
        StochasticLayer c = layerConf();
        if (input.rank() != 2 || input.size(1) != c.width()) {
            throw new IllegalArgumentException("layer " + index + " (" + c.getClass().getSimpleName()
                    + "): input must be [batch, " + c.width() + "] (" + c.sizeDescription() + "), got "
                    + Arrays.toString(input.shape()));
        }
        StochasticKernel.Forward fwd;
        try (MemoryWorkspace ws = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            StochasticKernel kernel = kernel(input.dataType());
            INDArray logits = input.dup('c');
            if (training) {
                channelAtForward = ScoreChannel.current();
                Map<String, INDArray> noise = kernel.drawNoise(logits.size(0), rngForNextDraw());
                fwd = kernel.sample(logits, noise);
                keptLogits = logits;
                keptNoise = noise;
            } else {
                fwd = kernel.infer(logits, c.getInferenceMode());
                keptLogits = null;           // nothing to differentiate: an inference pass has no sample
                keptNoise = null;
            }
            klScore = fwd.klPerExample() == null ? 0.0
                    : c.getKlWeight() * fwd.klPerExample().meanNumber().doubleValue();
        }
        return workspaceMgr.dup(ArrayType.ACTIVATIONS, fwd.sample());
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
        assertInputSet(true);
        if (keptNoise == null) {
            throw new IllegalStateException("layer " + index + ": backpropGradient needs a preceding "
                    + "activate(training = true), which draws the sample it differentiates");
        }
        if (epsilon.rank() != 2 || epsilon.size(0) != keptLogits.size(0) || epsilon.size(1) != keptLogits.size(1)) {
            throw new IllegalArgumentException("layer " + index + ": epsilon must be "
                    + Arrays.toString(keptLogits.shape()) + ", got " + Arrays.toString(epsilon.shape()));
        }
        INDArray grad;
        Gradient paramGradient = new DefaultGradient();
        try (MemoryWorkspace ws = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            StochasticKernel kernel = kernel(keptLogits.dataType());
            if (kernel.scoreFunction()) {
                kernel.loadVariables(params);
                StochasticKernel.ScoreGradients g = kernel.scoreGradients(keptLogits, keptNoise, publishedLoss());
                grad = g.logits();
                for (Map.Entry<String, INDArray> e : gradientViews.entrySet()) {
                    INDArray control = g.control().get(e.getKey());
                    if (control == null) {
                        e.getValue().assign(0);        // estimator state: not trained
                    } else {
                        e.getValue().assign(control.reshape(e.getValue().shape()));
                    }
                    paramGradient.gradientForVariable().put(e.getKey(), e.getValue());
                }
                for (Map.Entry<String, INDArray> e : kernel.variables().entrySet()) {
                    if (!g.control().containsKey(e.getKey())) {     // state moved by the step's updates
                        params.get(e.getKey()).assign(e.getValue().reshape(params.get(e.getKey()).shape()));
                    }
                }
            } else {
                INDArray eps = epsilon.dup('c');
                if (eps.dataType() != keptLogits.dataType()) {
                    eps = eps.castTo(keptLogits.dataType());
                }
                grad = kernel.gradient(keptLogits, keptNoise, eps);
            }
        }
        lastGradient = paramGradient;
        INDArray ret = workspaceMgr.dup(ArrayType.ACTIVATION_GRAD, grad);
        ret = backpropDropOutIfPresent(ret);
        return new Pair<>(paramGradient, ret);
    }

    /** f of this step from the score channel, {@code [batch]}; published after this layer's forward pass. */
    private INDArray publishedLoss() {
        StochasticLayer c = layerConf();
        ScoreChannel.Published p = ScoreChannel.latest(c.getScoreFrom());
        if (p == null || p.sequence() <= channelAtForward) {
            throw new IllegalArgumentException("layer " + index + " (estimator '" + c.getEstimator() + "', scoreFrom '"
                    + c.getScoreFrom() + "'): no per-example loss was published on channel '" + c.getScoreFrom()
                    + "' in this step; the network's output layer must use the loss function "
                    + "new PerExampleScoreLoss(inner, \"" + c.getScoreFrom() + "\")");
        }
        if (p.perExample().length() != keptLogits.size(0)) {
            throw new IllegalArgumentException("layer " + index + " (scoreFrom '" + c.getScoreFrom() + "'): the "
                    + "output layer gave " + p.perExample().length() + " per-example losses for a batch of "
                    + keptLogits.size(0) + "; the layer needs one per example");
        }
        return p.perExample();
    }

    /**
     * {@code klWeight · mean over the batch of KL(q ‖ uniform)} of the last forward pass; DL4J adds
     * every layer's regularisation score to the network score.
     */
    @Override
    public double calcRegularizationScore(boolean backpropParamsOnly) {
        return klScore;
    }

    @Override
    public void clear() {
        super.clear();
        keptLogits = null;
        keptNoise = null;
    }

    @Override
    public Type type() {
        return Type.FEED_FORWARD;
    }

    @Override
    public boolean isPretrainLayer() {
        return false;
    }

    @Override
    public void clearNoiseWeightParams() {
        // no weight noise
    }

    @Override
    public INDArray params() {
        return paramsView == null || paramsView.length() == 0 ? null : paramsView;
    }

    @Override
    public long numParams() {
        return paramsView == null ? 0 : paramsView.length();
    }

    @Override
    public void setParamsViewArray(INDArray params) {
        this.paramsView = params;
    }

    @Override
    public INDArray getGradientsViewArray() {
        return gradientsView;
    }

    @Override
    public void setBackpropGradientsViewArray(INDArray gradients) {
        this.gradientsView = gradients;
        this.gradientViews = gradients == null || gradients.length() == 0 ? Collections.emptyMap()
                : layerConf().initializer().getGradientsFromFlattened(conf, gradients);
    }

    @Override
    public void setParamTable(Map<String, INDArray> paramTable) {
        this.params = paramTable == null ? Collections.emptyMap() : paramTable;
    }

    @Override
    public Map<String, INDArray> paramTable() {
        return paramTable(false);
    }

    @Override
    public Map<String, INDArray> paramTable(boolean backpropParamsOnly) {
        return params;
    }

    @Override
    public INDArray getParam(String param) {
        return params.get(param);
    }

    @Override
    public void setParam(String key, INDArray val) {
        INDArray p = params.get(key);
        if (p == null) {
            throw new IllegalArgumentException("layer " + index + ": no parameter '" + key + "'; has " + params.keySet());
        }
        p.assign(val.reshape(p.shape()));
    }

    @Override
    public void setParams(INDArray flat) {
        if (flat == paramsView) {
            return;
        }
        if (flat.length() != numParams()) {
            throw new IllegalArgumentException("layer " + index + ": expected " + numParams() + " parameters, got "
                    + flat.length());
        }
        paramsView.assign(flat.reshape(paramsView.shape()));
    }

    @Override
    public Gradient gradient() {
        return lastGradient;
    }
}
