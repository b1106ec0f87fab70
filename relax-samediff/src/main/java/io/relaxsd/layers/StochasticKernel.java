package io.relaxsd.layers;

import io.relaxsd.estimator.DistributionKind;
import io.relaxsd.estimator.EstimatorConfig;
import io.relaxsd.samediff.Discrete;
import io.relaxsd.samediff.GradFunctions;
import java.util.HashMap;
import java.util.Map;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.rng.Random;

/**
 * The compiled SameDiff graph behind one stochastic layer, built with {@link Discrete} exactly as a
 * SameDiff user would build the node, so that the layer's backward pass is the SameDiff op's backward
 * pass (no second copy of any estimator formula).
 *
 * <p>Placeholders: {@code logits} {@code [batch, width]}, {@code epsilon} (the upstream gradient
 * dL/dout, same shape) and the node's noise. The loss {@code Σ out ⊙ ε (+ w · Σ KL)} has gradient
 * ĝ(ε) (+ w · ∂KL/∂θ) with respect to the logits placeholder. Besides the sample, the graph has the
 * deterministic inference outputs (mode, probabilities) and, with a KL weight, the per-example
 * KL(q ‖ uniform).
 */
final class StochasticKernel {
    static final String LOGITS = "logits";
    static final String EPSILON = "epsilon";
    static final String NODE = "z";

    private final SameDiff sd;
    private final Discrete discrete;
    private final String sample;
    private final String mode;
    private final String probs;
    private final String kl;      // null without KL term
    private final long width;

    private StochasticKernel(SameDiff sd, Discrete discrete, String sample, String mode, String probs, String kl,
                             long width) {
        this.sd = sd;
        this.discrete = discrete;
        this.sample = sample;
        this.mode = mode;
        this.probs = probs;
        this.kl = kl;
        this.width = width;
    }

    /**
     * Builds the graph of {@code variables} groups of {@code categories} categories (categorical) or of
     * {@code categories} Bernoulli units (then {@code variables} must be 1).
     */
    static StochasticKernel build(DistributionKind kind, int variables, int categories, EstimatorConfig config,
                                  double klWeight, DataType dt) {
        SameDiff sd = SameDiff.create();
        Discrete discrete = Discrete.in(sd);
        long width = (long) variables * categories;
        SDVariable logits = sd.placeHolder(LOGITS, dt, -1, width);
        SDVariable eps = sd.placeHolder(EPSILON, dt, -1, width);
        SDVariable out;
        SDVariable mode;
        SDVariable probs;
        SDVariable klPerExample = null;
        if (kind == DistributionKind.CATEGORICAL) {
            out = discrete.categorical(NODE, logits, variables, categories, config);
            SDVariable rows = sd.reshape(logits, -1, categories);
            probs = sd.reshape(sd.nn().softmax(rows, 1), sd.shape(logits));
            mode = sd.reshape(sd.oneHot(sd.argmax(rows, false, 1), categories, -1, 1.0, 0.0, dt), sd.shape(logits));
            if (klWeight > 0) {
                klPerExample = discrete.klToUniformCategorical(logits, variables, categories);
            }
        } else {
            out = discrete.bernoulli(NODE, logits, categories, config);
            probs = sd.nn().sigmoid(logits);
            mode = sd.gt(logits, 0.0).castTo(dt);
            if (klWeight > 0) {
                klPerExample = discrete.klToUniformBernoulli(logits, categories);
            }
        }
        SDVariable loss = out.mul(eps).sum();
        if (klPerExample != null) {
            loss = loss.add(klPerExample.sum().mul(klWeight));
        }
        loss.rename("loss");
        sd.setLossVariables(loss);
        GradFunctions.createQuietly(sd, LOGITS);
        return new StochasticKernel(sd, discrete, out.name(), mode.name(), probs.name(),
                klPerExample == null ? null : klPerExample.name(), width);
    }

    long width() {
        return width;
    }

    boolean hasKl() {
        return kl != null;
    }

    /** Fresh noise for {@code batch} examples from the layer's generator. */
    Map<String, INDArray> drawNoise(long batch, Random rng) {
        return discrete.drawNoise(batch, rng);
    }

    /** The forward outputs of one training step: the sample and, with a KL term, KL per example. */
    record Forward(INDArray sample, INDArray klPerExample) {
    }

    Forward sample(INDArray logits, Map<String, INDArray> noise) {
        Map<String, INDArray> feed = new HashMap<>(noise);
        feed.put(LOGITS, logits);
        Map<String, INDArray> res = kl == null ? sd.output(feed, sample) : sd.output(feed, sample, kl);
        return new Forward(res.get(sample), kl == null ? null : res.get(kl));
    }

    /** Deterministic output: the mode (one-hot arg-max / 1[p &gt; ½]) or the probabilities. */
    Forward infer(INDArray logits, InferenceMode inferenceMode) {
        String name = inferenceMode == InferenceMode.PROBABILITIES ? probs : mode;
        Map<String, INDArray> feed = Map.of(LOGITS, logits);
        Map<String, INDArray> res = kl == null ? sd.output(feed, name) : sd.output(feed, name, kl);
        return new Forward(res.get(name), kl == null ? null : res.get(kl));
    }

    /** dLoss/dlogits for the given logits, the noise of the forward pass and ε = dL/dout. */
    INDArray gradient(INDArray logits, Map<String, INDArray> noise, INDArray epsilon) {
        Map<String, INDArray> feed = new HashMap<>(noise);
        feed.put(LOGITS, logits);
        feed.put(EPSILON, epsilon);
        return sd.calculateGradients(feed, LOGITS).get(LOGITS);
    }
}
