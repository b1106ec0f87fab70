package io.relaxsd.layers;

import java.util.Objects;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.ILossFunction;
import org.nd4j.shade.jackson.annotation.JsonCreator;
import org.nd4j.shade.jackson.annotation.JsonProperty;

/**
 * A loss function that behaves exactly like {@code inner} and, whenever DL4J asks it for a gradient
 * (the first thing back-propagation does), also hands the per-example loss f(b) of the step to the
 * score-function stochastic layers that read {@code channel}
 * ({@link StochasticLayer.Builder#scoreFrom(String)}). REINFORCE and RELAX need f itself, and a layer
 * otherwise sees only ∂L/∂(its output).
 *
 * <pre>{@code
 * .layer(new OutputLayer.Builder().lossFunction(new PerExampleScoreLoss(new LossMSE(), "f")) ...)
 * }</pre>
 *
 * <p>f is {@code inner.computeScoreArray(labels, preOutput, activation, mask)}, one value per example
 * (so the network score is its batch mean plus regularisation); the inner loss must give one value per
 * example, i.e. 2-d labels: the wrapper throws {@link IllegalArgumentException} otherwise. The
 * publication is per thread (see {@link ScoreChannel}), so networks trained in parallel threads do
 * not see each other's losses. Serialises to JSON with the network configuration.
 */
public final class PerExampleScoreLoss implements ILossFunction {
    private static final long serialVersionUID = 1L;

    private final ILossFunction inner;
    private final String channel;

    /**
     * @param inner   the loss to compute (any DL4J loss giving one score per example)
     * @param channel the name layers read f from ({@code scoreFrom}); non-empty
     */
    @JsonCreator
    public PerExampleScoreLoss(@JsonProperty("inner") ILossFunction inner, @JsonProperty("channel") String channel) {
        if (inner == null) {
            throw new IllegalArgumentException("inner: the wrapped loss function must not be null");
        }
        if (inner instanceof PerExampleScoreLoss) {
            throw new IllegalArgumentException("inner: must not itself be a PerExampleScoreLoss, got " + inner);
        }
        if (channel == null || channel.isBlank()) {
            throw new IllegalArgumentException("channel must be a non-empty name, got '" + channel + "'");
        }
        this.inner = inner;
        this.channel = channel;
    }

    public ILossFunction getInner() {
        return inner;
    }

    public String getChannel() {
        return channel;
    }

    @Override
    public double computeScore(INDArray labels, INDArray preOutput, IActivation activationFn, INDArray mask,
                               boolean average) {
        return inner.computeScore(labels, preOutput, activationFn, mask, average);
    }

    @Override
    public INDArray computeScoreArray(INDArray labels, INDArray preOutput, IActivation activationFn, INDArray mask) {
        return inner.computeScoreArray(labels, preOutput, activationFn, mask);
    }

    @Override
    public INDArray computeGradient(INDArray labels, INDArray preOutput, IActivation activationFn, INDArray mask) {
        publish(labels, preOutput, activationFn, mask);
        return inner.computeGradient(labels, preOutput, activationFn, mask);
    }

    @Override
    public Pair<Double, INDArray> computeGradientAndScore(INDArray labels, INDArray preOutput,
                                                          IActivation activationFn, INDArray mask, boolean average) {
        publish(labels, preOutput, activationFn, mask);
        return inner.computeGradientAndScore(labels, preOutput, activationFn, mask, average);
    }

    private void publish(INDArray labels, INDArray preOutput, IActivation activationFn, INDArray mask) {
        long batch = preOutput.size(0);
        if (labels.rank() != 2) {
            throw new IllegalArgumentException("PerExampleScoreLoss (channel '" + channel + "'): labels must be "
                    + "[batch, outputs] so that the loss has one value per example, got rank " + labels.rank()
                    + " (time series and image outputs give no per-example score)");
        }
        try (MemoryWorkspace ws = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            // the inner losses may work in place on their inputs: give them copies
            INDArray scores = inner.computeScoreArray(labels.dup(), preOutput.dup(), activationFn,
                    mask == null ? null : mask.dup());
            if (scores.length() != batch) {
                throw new IllegalArgumentException("PerExampleScoreLoss (channel '" + channel + "'): inner loss "
                        + inner.name() + " gave " + scores.length() + " scores for " + batch
                        + " examples; it must give one per example");
            }
            ScoreChannel.publish(channel, scores.reshape(batch).dup());
        }
    }

    @Override
    public String name() {
        return "PerExampleScoreLoss(" + inner.name() + ", " + channel + ")";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PerExampleScoreLoss p && p.inner.equals(inner) && p.channel.equals(channel);
    }

    @Override
    public int hashCode() {
        return Objects.hash(inner, channel);
    }

    @Override
    public String toString() {
        return name();
    }
}
