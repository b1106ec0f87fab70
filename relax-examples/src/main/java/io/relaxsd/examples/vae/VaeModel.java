package io.relaxsd.examples.vae;

import io.relaxsd.estimator.DistributionKind;
import io.relaxsd.estimator.EstimatorConfig;
import io.relaxsd.estimator.Estimators;
import io.relaxsd.estimator.NodeDraw;
import io.relaxsd.estimator.PathwiseEstimator;
import io.relaxsd.estimator.StateUpdate;
import io.relaxsd.samediff.Discrete;
import io.relaxsd.samediff.GradFunctions;
import io.relaxsd.samediff.ScoreFunctionNode;
import io.relaxsd.samediff.Seeds;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.rng.Random;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The discrete-latent VAE as ONE SameDiff graph (FLOAT):
 *
 * <pre>
 *   θ = enc(x)                                   logits, [B, L·C] (grouped by variable) or [B, n]
 *   z = estimator node(θ, noise)                 one-hot D (categorical) or b (Bernoulli) in the forward
 *   a = dec(z)                                   pixel logits, [B, 784]
 *   recon = Σ_pixels BCE(sigmoid(a), x)          Bernoulli cross-entropy against the pixel targets
 *   KL    = Σ_variables Σ_k π_k log(π_k·C)       KL(q(z|x) ‖ uniform prior), analytic from θ
 *   loss  = (1/B) Σ_batch (recon + KL) = −ELBO
 * </pre>
 *
 * <p><b>Binary setups</b> follow the official RELAX code ({@code binary_vae_multilayer_per_layer.py},
 * after REBAR, Tucker et al. 2017): the encoder reads x − x̄ (x̄ the training-set mean image, the
 * graph state {@link #INPUT_MEAN}); every layer above the pixels reads its bits as 2b − 1; the
 * prior over the top layer is Bernoulli(σ(φ)) with learned logits φ ({@code prior_logits}, starting
 * at 0, i.e. p = 1/2), KL(q(b|x) ‖ p(b)) = Σ q(θ − φ) − softplus θ + softplus φ; weights start
 * Glorot-uniform with zero biases (TensorFlow's dense default) and the decoder's output bias at
 * logit(clip(x̄, 0.001, 0.999)) ({@link #initialiseFromData}). The KL stays analytic (the official
 * code uses the single-sample log q − log p; same expectation, less variance).
 *
 * The reported −ELBO uses the hard sample, as the ReinMax paper does: for estimators whose forward
 * is the hard sample (ST, ReinMax, ...) it is the training objective itself; for relaxed-forward
 * estimators (Gumbel-Softmax) a second, gradient-free branch decodes the hard sample drawn from the
 * same noise.
 */
public final class VaeModel {
    /** Placeholder: pixels in [0, 1] (grey levels or binarised), {@code [B, 784]}. */
    public static final String INPUT = "x";
    /** Placeholder: the scalar 1/B. */
    public static final String INV_BATCH = "inv_batch";
    /** The training loss (mean over the batch), the estimator's forward. */
    public static final String LOSS = "loss";
    /** Σ over the batch of −ELBO with the hard sample. */
    public static final String NELBO_SUM = "nelbo_sum";
    /**
     * Score-function estimators: Σ_w ĝ² averaged over the batch (ĝ per logit, per example), the
     * quantity RELAX's control variate minimises; NaN-free only for those estimators.
     */
    public static final String GRADIENT_SECOND_MOMENT = "gradient_second_moment";
    /**
     * Score-function estimators: the estimate ĝ of ∂f(D)/∂θ per example, {@code [B, L·C]} (the
     * reconstruction term only; a value, not differentiated).
     */
    public static final String SCORE_GRADIENT = "score_gradient";
    /** Σ over the batch of KL(q(z|x) ‖ prior): uniform (categorical) or learned (binary setups). */
    public static final String KL_SUM = "kl_sum";
    /** The encoder logits θ. */
    public static final String LOGITS = "logits";
    /** Decoder pixel probabilities for the hard sample. */
    public static final String RECONSTRUCTION = "reconstruction";
    /**
     * Binary setups and RELAX surrogates that take a context: the training-set mean image x̄
     * {@code [1, 784]}, a graph state ({@link #initialiseFromData}).
     */
    public static final String INPUT_MEAN = "x_mean";
    /**
     * x − x̄: the encoder's input in binary setups, and what a RELAX surrogate that takes a context
     * reads by default (as the official VAE code's Q).
     */
    public static final String CENTRED_INPUT = "x_centred";
    /** Binary setups: clip of x̄ before the decoder's output bias starts at its logit (official code). */
    static final double MEAN_CLIP = 0.001;

    private final VaeSetup setup;
    private final EstimatorConfig estimator;
    private final SameDiff sd;
    private final Discrete discrete;
    private final Mlp encoder;
    private final Mlp decoder;
    private final boolean relaxedForward;
    private final boolean scoreFunction;
    private final List<String> controlNames = new ArrayList<>();
    private final List<StateUpdate> stateUpdates = new ArrayList<>();
    private final TwoLayerGraph twoLayer;      // binary-linear-2 only
    private final SDVariable prior;            // one-layer binary setups only: learned prior logits φ
    private boolean gradientsPrepared;
    private final Map<String, INDArray> noise = new LinkedHashMap<>();   // refilled by every feed()

    private VaeModel(VaeSetup setup, EstimatorConfig estimator, long initSeed) {
        this.setup = setup;
        this.estimator = estimator;
        // estimator == null: the benchmark's baseline, a plain softmax / sigmoid bottleneck (no sampling)
        this.scoreFunction = estimator != null && Estimators.isScoreFunction(estimator.name());
        PathwiseEstimator pathwise = estimator == null || scoreFunction ? null : Estimators.pathwise(estimator);
        this.relaxedForward = pathwise != null && pathwise.relaxedForward();
        this.sd = SameDiff.create();
        this.discrete = Discrete.in(sd);
        Random rng = Seeds.generator(initSeed);
        int[] h = setup.hidden();
        int[] encWidths = new int[h.length + 2];
        int[] decWidths = new int[h.length + 2];
        encWidths[0] = VaeSetup.PIXELS;
        decWidths[0] = setup.latentWidth();
        for (int i = 0; i < h.length; i++) {
            encWidths[i + 1] = h[i];
            decWidths[i + 1] = h[h.length - 1 - i];
        }
        encWidths[h.length + 1] = setup.latentWidth();
        decWidths[h.length + 1] = VaeSetup.PIXELS;
        Mlp.Init init = setup.binary() ? Mlp.Init.GLOROT : Mlp.Init.PYTORCH;
        this.encoder = new Mlp(sd, "enc", encWidths, setup.activation(), rng, init);
        this.decoder = new Mlp(sd, "dec", decWidths, setup.activation(), rng, init);
        this.twoLayer = setup.twoLayer() ? new TwoLayerGraph(sd, setup.variables(), rng) : null;
        this.prior = setup.binary() && twoLayer == null
                ? sd.var(TwoLayerGraph.PRIOR, Nd4j.zeros(DataType.FLOAT, 1, setup.variables())) : null;

        SDVariable x = sd.placeHolder(INPUT, DataType.FLOAT, -1, VaeSetup.PIXELS);
        SDVariable invBatch = sd.placeHolder(INV_BATCH, DataType.FLOAT);
        // binary setups: the encoder reads x − x̄, as the official RELAX code
        SDVariable theta = sd.identity(LOGITS, encoder.apply(setup.binary() ? centredInput(x) : x));
        if (twoLayer != null) {
            if (scoreFunction) {
                twoLayer.buildScoreFunction(discrete, decoder, x, invBatch, theta, withCentredInputContext(x));
            } else {
                twoLayer.buildPathwise(discrete, decoder, x, invBatch, theta, estimator, relaxedForward);
            }
            controlNames.addAll(twoLayer.controlNames());
            stateUpdates.addAll(twoLayer.stateUpdates());
        } else if (scoreFunction) {
            buildScoreFunction(x, invBatch, theta);
        } else {
            SDVariable z = bottleneck(discrete, theta, setup, estimator);
            SDVariable kl = sd.identity(KL_SUM, klSum(theta));
            SDVariable trainLogits = decoder.apply(decoderInput(z));
            SDVariable trainSum = reconSum(x, trainLogits).add(kl);
            sd.math().mul(LOSS, trainSum, invBatch);
            if (relaxedForward) {
                SDVariable hard = hardSample(discrete, theta, setup);
                SDVariable hardLogits = decoder.apply(decoderInput(hard));
                sd.nn().sigmoid(RECONSTRUCTION, hardLogits);
                sd.identity(NELBO_SUM, reconSum(x, hardLogits).add(kl));
            } else {
                sd.identity(NELBO_SUM, trainSum);
                // the decoder output of the training forward is the hard-sample reconstruction
                sd.nn().sigmoid(RECONSTRUCTION, trainLogits);
            }
        }
        sd.setLossVariables(LOSS);
    }

    /** Builds the graph; parameters are initialised from {@code initSeed}. */
    public static VaeModel build(VaeSetup setup, EstimatorConfig estimator, long initSeed) {
        return new VaeModel(setup, estimator, initSeed);
    }

    /**
     * The same network with a deterministic bottleneck: softmax per variable (sigmoid for binary
     * latents) instead of a sample. The reference step time of the benchmark's estimator overhead.
     */
    public static VaeModel softmaxBaseline(VaeSetup setup, long initSeed) {
        return new VaeModel(setup, null, initSeed);
    }

    /**
     * z: the estimator's node on θ, or for {@code estimator == null} the deterministic softmax per
     * variable (sigmoid for binary latents) of the benchmark's baseline.
     */
    static SDVariable bottleneck(Discrete discrete, SDVariable theta, VaeSetup setup, EstimatorConfig estimator) {
        SameDiff sd = theta.getSameDiff();
        if (estimator == null) {
            if (setup.binary()) {
                return sd.nn().sigmoid(theta);
            }
            SDVariable rows = sd.nn().softmax(sd.reshape(theta, -1, setup.categories()), 1);
            return sd.reshape(rows, -1, setup.latentWidth());
        }
        return setup.binary()
                ? discrete.bernoulli("z", theta, setup.variables(), estimator)
                : discrete.categorical("z", theta, setup.variables(), setup.categories(), estimator);
    }

    /**
     * Score-function estimators (REINFORCE, REBAR, RELAX): the decoder's loss enters the node as a
     * {@link DecoderLoss} (value and input gradient as forward ops). The training loss is the node's
     * model loss (its gradient is ĝ/B for the logits, then the encoder by autodiff, and ∇f(D)/B for
     * the decoder) + KL/B + the node's variance loss (Σĝ²/B, reaching only the control parameters φ).
     */
    private void buildScoreFunction(SDVariable x, SDVariable invBatch, SDVariable theta) {
        DecoderLoss pixels = new DecoderLoss(decoder, x);
        EstimatorConfig nodeConfig = withCentredInputContext(x);
        ScoreFunctionNode node = setup.binary()
                ? discrete.bernoulli("z", theta, setup.variables(), nodeConfig, new SignedInputLoss(pixels))
                : discrete.categorical("z", theta, setup.variables(), setup.categories(), nodeConfig, pixels);
        SDVariable kl = sd.identity(KL_SUM, klSum(theta));
        sd.identity(NELBO_SUM, node.lossAtSample().sum().add(kl));
        sd.identity(GRADIENT_SECOND_MOMENT, node.varianceLoss());
        sd.identity(SCORE_GRADIENT, node.gradient());
        sd.identity(LOSS, node.modelLoss().add(kl.mul(invBatch)).add(node.varianceLoss()));
        sd.nn().sigmoid(RECONSTRUCTION, decoder.apply(decoderInput(node.sample())));
        controlNames.addAll(node.controlParameters());
        stateUpdates.addAll(node.stateUpdates());
    }

    /**
     * The estimator's config, or for a RELAX surrogate that takes a context and names none, the
     * config with x − x̄ as its context: x̄ is the graph state {@link #INPUT_MEAN} (zeros until
     * {@link #inputMean(INDArray)}, saved in checkpoints with the other state).
     */
    private EstimatorConfig withCentredInputContext(SDVariable x) {
        if (!estimator.name().equals("relax") || !estimator.surrogate().takesContext()
                || estimator.surrogateContext() != null) {
            return estimator;
        }
        centredInput(x);
        return estimator.toBuilder().surrogateContext(CENTRED_INPUT, VaeSetup.PIXELS).build();
    }

    /** x − x̄ ({@link #CENTRED_INPUT}), made once; x̄ is the graph state {@link #INPUT_MEAN}. */
    private SDVariable centredInput(SDVariable x) {
        if (sd.hasVariable(CENTRED_INPUT)) {
            return sd.getVariable(CENTRED_INPUT);
        }
        SDVariable mean = sd.var(INPUT_MEAN, Nd4j.zeros(DataType.FLOAT, 1, VaeSetup.PIXELS));
        return x.sub(CENTRED_INPUT, mean);
    }

    /** What the decoder reads: 2z − 1 in binary setups (the official code's layers), z otherwise. */
    private SDVariable decoderInput(SDVariable z) {
        return setup.binary() ? SignedInputLoss.signed(z) : z;
    }

    /** True if the graph reads the training-set mean image ({@link #initialiseFromData}). */
    public boolean usesInputMean() {
        return sd.hasVariable(INPUT_MEAN);
    }

    /**
     * What the model takes from the training data before the first step (the official RELAX code's
     * {@code train_mean} and {@code train_output_bias}): x̄ = {@code mean} ({@code [1, 784]} or
     * {@code [784]}) into the graph state {@link #INPUT_MEAN}, and in binary setups the decoder's
     * output bias set to logit(clip(x̄, 0.001, 0.999)). A no-op for graphs that read neither.
     */
    public void initialiseFromData(INDArray mean) {
        if (mean.length() != VaeSetup.PIXELS) {
            throw new IllegalArgumentException("the mean image must have " + VaeSetup.PIXELS + " pixels, got "
                    + mean.length());
        }
        if (usesInputMean()) {
            INDArray target = sd.getVariable(INPUT_MEAN).getArr();
            target.assign(mean.reshape(target.shape()).castTo(target.dataType()));
        }
        if (setup.binary()) {
            INDArray bias = decoder.biases().get(decoder.biases().size() - 1).getArr();
            bias.assign(outputBias(mean).reshape(bias.shape()));
        }
    }

    /** logit(clip(x̄, 0.001, 0.999)) per pixel, FLOAT. */
    static INDArray outputBias(INDArray mean) {
        double[] m = mean.castTo(DataType.DOUBLE).reshape(mean.length()).toDoubleVector();
        float[] b = new float[m.length];
        for (int i = 0; i < m.length; i++) {
            double p = Math.min(Math.max(m[i], MEAN_CLIP), 1 - MEAN_CLIP);
            b[i] = (float) Math.log(p / (1 - p));
        }
        return Nd4j.createFromArray(b);
    }

    private SDVariable reconSum(SDVariable x, SDVariable pixelLogits) {
        return bernoulliCrossEntropySum(x, pixelLogits);
    }

    /**
     * Σ (over all entries) of the Bernoulli cross-entropy of pixel logits a against targets x ∈ [0, 1],
     * −x log σ(a) − (1 − x) log(1 − σ(a)) = softplus(a) − x·a, with the softplus finite for any a and
     * the gradient σ(a) − x as one backward op ({@link NodeDraw#bernoulliCrossEntropy}).
     *
     * <p>Written out with plain ops on purpose: the fused {@code sd.loss().sigmoidCrossEntropy} of
     * SameDiff 1.0.0-M2.1 ignores the gradient arriving at its output (it assumes it is the final loss),
     * so in {@code loss = (recon + KL) · 1/B} the decoder and the reconstruction path to the encoder got
     * B times the intended gradient while the KL got the intended one.
     */
    static SDVariable bernoulliCrossEntropySum(SDVariable x, SDVariable pixelLogits) {
        // per example, then over the batch: both sums then run in the replay's Java loops (a [batch, 784]
        // whole-array float sum by libnd4j, 0.2 ms, rounds too differently from an exact one to be replaced)
        return bernoulliCrossEntropy(x, pixelLogits).sum(1).sum();
    }

    /** The same cross-entropy per entry (not summed), for per-example sums. */
    static SDVariable bernoulliCrossEntropy(SDVariable x, SDVariable pixelLogits) {
        return NodeDraw.bernoulliCrossEntropy(x, pixelLogits);
    }

    /**
     * Σ over the batch of KL(q(z|x) ‖ prior), analytic from θ: to the learned prior φ in one-layer
     * binary setups, else to the uniform prior.
     */
    private SDVariable klSum(SDVariable theta) {
        return prior != null ? TwoLayerGraph.klToPrior(theta, prior).sum() : klSum(discrete, theta, setup);
    }

    /** Σ over the batch of KL(q(z|x) ‖ uniform prior), analytic from θ. */
    static SDVariable klSum(Discrete discrete, SDVariable theta, VaeSetup setup) {
        SDVariable perExample = setup.binary()
                ? discrete.klToUniformBernoulli(theta, setup.variables())
                : discrete.klToUniformCategorical(theta, setup.variables(), setup.categories());
        return perExample.sum();
    }

    /** D (or b) from the same uniforms as the graph's (first) estimator node, without gradient. */
    static SDVariable hardSample(Discrete discrete, SDVariable theta, VaeSetup setup) {
        SameDiff sd = theta.getSameDiff();
        Discrete.NodeInfo node = discrete.nodes().get(0);
        SDVariable u = sd.getVariable(node.uniformPlaceholder());
        if (setup.binary()) {
            return NodeDraw.sampled(DistributionKind.BERNOULLI, theta, setup.variables(), u, null).hard();
        }
        SDVariable rows = sd.reshape(theta, -1, setup.categories());
        SDVariable hard = NodeDraw.sampled(DistributionKind.CATEGORICAL, rows, setup.categories(), u, null).hard();
        return sd.reshape(hard, -1, setup.latentWidth());
    }

    /**
     * Builds the gradient function once with {@code System.out} silenced (SameDiff prints one line
     * per differentiated op there, outside any logger).
     */
    public void prepareGradients() {
        if (gradientsPrepared) {
            return;
        }
        gradientsPrepared = true;
        GradFunctions.createQuietly(sd);
    }

    /**
     * The placeholder feed for a batch of pixels {@code x} and freshly drawn noise. The noise arrays are
     * reused from call to call (see {@link Discrete#drawNoiseInto}): use a feed before asking for the next.
     */
    public Map<String, INDArray> feed(INDArray x, Random rng) {
        long b = x.size(0);
        Map<String, INDArray> feed = new LinkedHashMap<>(discrete.drawNoiseInto(noise, b, rng));
        feed.put(INPUT, x.dataType() == DataType.FLOAT ? x : x.castTo(DataType.FLOAT));
        feed.put(INV_BATCH, Nd4j.scalar(DataType.FLOAT, 1.0 / b));
        if (twoLayer != null) {
            twoLayer.alias(feed);
        }
        return feed;
    }

    /** Trainable parameters in a fixed order (encoder, decoder, then the upper layer's and the prior φ). */
    public Map<String, INDArray> parameters() {
        Map<String, INDArray> m = new LinkedHashMap<>();
        List<SDVariable> all = new ArrayList<>(encoder.parameters());
        all.addAll(decoder.parameters());
        if (twoLayer != null) {
            all.addAll(twoLayer.parameters());
        }
        if (prior != null) {
            all.add(prior);
        }
        for (SDVariable v : all) {
            m.put(v.name(), v.getArr());
        }
        return m;
    }

    /** True for REINFORCE, REBAR, RELAX: the decoder loss goes through the estimator's node. */
    public boolean scoreFunction() {
        return scoreFunction;
    }

    /** The control-variate parameters φ (REBAR's η, log λ; RELAX's surrogate); empty otherwise. */
    public Map<String, INDArray> controlParameters() {
        Map<String, INDArray> m = new LinkedHashMap<>();
        for (String n : controlNames) {
            m.put(n, sd.getVariable(n).getArr());
        }
        return m;
    }

    /**
     * Graph variables that are neither parameters nor φ, e.g. a running-mean baseline and its update
     * count: state that changes during training and belongs in a checkpoint.
     */
    public Map<String, INDArray> stateVariables() {
        java.util.Set<String> skip = new java.util.HashSet<>(parameters().keySet());
        skip.addAll(controlNames);
        Map<String, INDArray> m = new LinkedHashMap<>();
        for (SDVariable v : sd.variables()) {
            if (v.getVariableType() == org.nd4j.autodiff.samediff.VariableType.VARIABLE && !skip.contains(v.name())) {
                m.put(v.name(), v.getArr());
            }
        }
        return m;
    }

    /** State changes to run after each step with the named outputs (e.g. a running-mean baseline). */
    public List<StateUpdate> stateUpdates() {
        return List.copyOf(stateUpdates);
    }

    public long parameterCount() {
        long n = 0;
        for (INDArray a : parameters().values()) {
            n += a.length();
        }
        return n;
    }

    public SameDiff sameDiff() {
        return sd;
    }

    public VaeSetup setup() {
        return setup;
    }

    public EstimatorConfig estimator() {
        return estimator;
    }

    /** True if the training forward is relaxed (the reported −ELBO then comes from the hard branch). */
    public boolean relaxedForward() {
        return relaxedForward;
    }

    Mlp decoder() {
        return decoder;
    }

    Mlp encoder() {
        return encoder;
    }

    /** The learned prior logits φ {@code [1, n]} of binary setups' top layer; null for categorical ones. */
    INDArray priorLogits() {
        return prior != null ? prior.getArr() : twoLayer != null ? twoLayer.prior().getArr() : null;
    }

    /** x̄ {@code [1, 784]} as the graph holds it; null if the graph does not read it. */
    INDArray inputMean() {
        return usesInputMean() ? sd.getVariable(INPUT_MEAN).getArr() : null;
    }

    /** The upper layer of {@code binary-linear-2}; null for one-layer setups. */
    TwoLayerGraph twoLayer() {
        return twoLayer;
    }
}
