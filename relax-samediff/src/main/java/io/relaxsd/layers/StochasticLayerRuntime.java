package io.relaxsd.layers;

import io.relaxsd.samediff.Seeds;
import java.util.Arrays;
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
 */
final class StochasticLayerRuntime extends AbstractLayer<StochasticLayer> {

    private final long seed;
    private transient Random rng;
    private transient long drawStep = Long.MIN_VALUE;
    private transient int drawsInStep;
    private transient Map<DataType, StochasticKernel> kernels;
    private transient INDArray keptLogits;
    private transient Map<String, INDArray> keptNoise;
    private double klScore;

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
        long drawSeed = drawSeed(seed, getEpochCount(), getIterationCount(), drawsInStep++);
        if (rng == null) {
            rng = Seeds.generator(drawSeed);
        } else {
            Seeds.reseed(rng, drawSeed);
        }
        return rng;
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
            return StochasticKernel.build(c.kind(), c.variables(), c.categories(), c.estimatorConfig(),
                    c.getKlWeight(), d);
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
        try (MemoryWorkspace ws = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            INDArray eps = epsilon.dup('c');
            if (eps.dataType() != keptLogits.dataType()) {
                eps = eps.castTo(keptLogits.dataType());
            }
            grad = kernel(keptLogits.dataType()).gradient(keptLogits, keptNoise, eps);
        }
        INDArray ret = workspaceMgr.dup(ArrayType.ACTIVATION_GRAD, grad);
        ret = backpropDropOutIfPresent(ret);
        return new Pair<>(new DefaultGradient(), ret);
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
        // no weight noise: the layer has no parameters
    }

    @Override
    public INDArray params() {
        return null;
    }
}
