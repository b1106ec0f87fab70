package io.relaxsd.layers;

import io.relaxsd.samediff.Seeds;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
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
 * logits; {@link #backpropGradient} feeds the same noise, logits and ε to the graph's gradient
 * call, so the sample of the forward pass is the one the backward pass uses (a second training
 * {@code activate} before backprop draws anew, and backprop differentiates the last draw). The
 * gradient is taken of {@code Σ out ⊙ ε} directly, without DL4J's {@code SameDiffLayer} and its
 * external-errors op, so it is not doubled (notes §5).
 *
 * <p><b>Speed.</b> The training step is one {@code calculateGradientsAndOutputs} call (sample, KL;
 * gradients) replayed from a recording ({@link io.relaxsd.samediff.ReplayedCall}, one per batch
 * shape, so an epoch's smaller last batch is recorded once): {@code activate} replays the steps that
 * read neither ε (or f) nor the graph's variables, {@code backpropGradient} the others, so the forward
 * pass runs once and no call goes through the session's per-op scheduling. Logits, noise (refilled
 * in place, {@link io.relaxsd.samediff.Discrete#drawNoiseInto}) and ε are copied into arrays kept
 * per batch shape. The recording shares the arrays of dead intermediate results for exactly this
 * split, and the KL score's batch mean is a Java loop (an ND4J reduction costs tens of µs). The
 * per-draw reseed of the generator costs about a microsecond and stays.
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
    /** Arrays reused from step to step, per (data type, batch size): the last {@value #KEPT} kept. */
    private transient Map<Shape, Buffers> buffers;
    /** The buffers and kernel used last (the common case: every batch of one shape and type). */
    private transient Buffers lastBuffers;
    private transient StochasticKernel lastKernel;
    private transient DataType lastKernelType;
    /** The buffers of the last training forward pass (its logits and noise), null if there is none. */
    private transient Buffers kept;
    private double klScore;
    private transient long channelAtForward;
    private INDArray paramsView;
    private INDArray gradientsView;
    private Map<String, INDArray> params = Collections.emptyMap();
    private transient Map<String, INDArray> gradientViews = Collections.emptyMap();
    private transient Gradient lastGradient = new DefaultGradient();

    /** Batch shapes whose buffers are kept: an epoch's smaller last batch does not evict the full one. */
    static final int KEPT = 4;

    private record Shape(DataType type, long batch) {
    }

    /**
     * A copy of the logits (the kernel's input), the noise arrays, refilled by every training draw, and
     * a copy of ε, for one batch shape.
     */
    private static final class Buffers {
        final INDArray logits;
        final Map<String, INDArray> noise = new LinkedHashMap<>();
        /**
         * The kernel's late input: ε {@code [batch, width]} (pathwise) or f {@code [batch]} (score
         * function), filled at backprop; ones until then, so the replay's recording check sees a
         * non-trivial backward pass.
         */
        final INDArray late;
        /** The feed of the last training forward pass on these buffers. */
        Map<String, INDArray> feed;

        Buffers(DataType type, long batch, long width, boolean scoreFunction) {
            logits = Nd4j.createUninitialized(type, batch, width);
            late = scoreFunction ? Nd4j.ones(type, batch) : Nd4j.ones(type, batch, width);
        }
    }

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
        if (lastKernel != null && lastKernelType == dt) {
            return lastKernel;
        }
        if (kernels == null) {
            kernels = new EnumMap<>(DataType.class);
        }
        StochasticKernel k = kernels.computeIfAbsent(dt, d -> {
            StochasticLayer c = layerConf();
            return c.buildKernel(d, seed, true);
        });
        lastKernel = k;
        lastKernelType = dt;
        return k;
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
            Buffers b = buffers(input.dataType(), input.size(0), c.width());
            b.logits.assign(input);
            if (training) {
                channelAtForward = ScoreChannel.current();
                // a second training pass before backprop (e.g. a score) draws anew: backprop uses the last
                kernel.drawNoiseInto(b.noise, input.size(0), rngForNextDraw());
                b.feed = kernel.trainingFeed(b.logits, b.noise, b.late);
                fwd = kernel.forward(b.feed);
                kept = b;
            } else {
                kept = null;           // nothing to differentiate: an inference pass has no sample
                fwd = kernel.infer(b.logits, c.getInferenceMode());
            }
            klScore = fwd.klPerExample() == null ? 0.0 : c.getKlWeight() * mean(fwd.klPerExample());
        }
        return workspaceMgr.dup(ArrayType.ACTIVATIONS, fwd.sample());
    }

    /**
     * The mean of a vector, summed in double: a Java loop over its {@code batch} values instead of an
     * ND4J reduction, whose op and scalar result cost tens of microseconds per step.
     */
    static double mean(INDArray v) {
        if (v.dataType() != DataType.FLOAT || v.ordering() != 'c' || v.offset() != 0 || v.data().length() != v.length()
                || !org.nd4j.linalg.api.shape.Shape.hasDefaultStridesForShape(v)) {
            return v.meanNumber().doubleValue();
        }
        java.nio.FloatBuffer b = v.data().asNioFloat();
        int n = (int) v.length();
        double sum = 0;
        for (int i = 0; i < n; i++) {
            sum += b.get(i);
        }
        return sum / n;
    }

    /**
     * The reused arrays for this batch shape. The last ones used are returned without a map lookup:
     * code that runs once per step stays interpreted for the first few hundred steps, where a
     * record-keyed lookup costs tens of microseconds.
     */
    private Buffers buffers(DataType type, long batch, long width) {
        if (lastBuffers != null && lastBuffers.logits.dataType() == type && lastBuffers.logits.size(0) == batch) {
            return lastBuffers;
        }
        if (buffers == null) {
            buffers = new LinkedHashMap<>(KEPT + 1, 0.75f, true) {
                @Override
                protected boolean removeEldestEntry(Map.Entry<Shape, Buffers> eldest) {
                    return size() > KEPT;
                }
            };
        }
        lastBuffers = buffers.computeIfAbsent(new Shape(type, batch),
                s -> new Buffers(type, batch, width, layerConf().scoreFunction()));
        return lastBuffers;
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
        assertInputSet(true);
        if (kept == null) {
            throw new IllegalStateException("layer " + index + ": backpropGradient needs a preceding "
                    + "activate(training = true), which draws the sample it differentiates");
        }
        INDArray keptLogits = kept.logits;
        if (epsilon.rank() != 2 || epsilon.size(0) != keptLogits.size(0) || epsilon.size(1) != keptLogits.size(1)) {
            throw new IllegalArgumentException("layer " + index + ": epsilon must be "
                    + Arrays.toString(keptLogits.shape()) + ", got " + Arrays.toString(epsilon.shape()));
        }
        // the score-function kernel writes ĝ straight into the returned array; the pathwise one's is copied
        INDArray ret = layerConf().scoreFunction() ? workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD,
                keptLogits.dataType(), keptLogits.shape(), 'c') : null;
        INDArray pathwise = null;
        Gradient paramGradient = new DefaultGradient();
        try (MemoryWorkspace ws = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            StochasticKernel kernel = kernel(keptLogits.dataType());
            if (kernel.scoreFunction()) {
                kernel.loadVariables(params);
                Map<String, INDArray> control = new LinkedHashMap<>();
                List<String> controlKeys = kernel.controlKeys();
                for (Map.Entry<String, INDArray> e : gradientViews.entrySet()) {
                    if (controlKeys.contains(e.getKey())) {
                        control.put(e.getKey(), e.getValue());
                    } else {
                        e.getValue().assign(0);        // estimator state: not trained
                    }
                    paramGradient.gradientForVariable().put(e.getKey(), e.getValue());
                }
                kept.late.assign(publishedLoss().reshape(kept.late.shape()));
                kernel.scoreBackward(kept.feed, ret, control);
                for (Map.Entry<String, INDArray> e : kernel.variables().entrySet()) {
                    if (!controlKeys.contains(e.getKey())) {     // state moved by the step's updates
                        params.get(e.getKey()).assign(e.getValue().reshape(params.get(e.getKey()).shape()));
                    }
                }
            } else {
                INDArray eps = kept.late;
                eps.assign(epsilon.dataType() == eps.dataType() ? epsilon : epsilon.castTo(eps.dataType()));
                pathwise = kernel.backward(kept.feed);
            }
        }
        if (pathwise != null) {
            ret = workspaceMgr.dup(ArrayType.ACTIVATION_GRAD, pathwise);
        }
        lastGradient = paramGradient;
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
        long batch = kept.logits.size(0);
        if (p.perExample().length() != batch) {
            throw new IllegalArgumentException("layer " + index + " (scoreFrom '" + c.getScoreFrom() + "'): the "
                    + "output layer gave " + p.perExample().length() + " per-example losses for a batch of "
                    + batch + "; the layer needs one per example");
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
        kept = null;
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
