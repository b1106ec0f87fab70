package io.relaxsd.examples.vae;

import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationSigmoid;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.lossfunctions.ILossFunction;
import org.nd4j.linalg.lossfunctions.LossUtil;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Binary cross-entropy of a sigmoid output layer computed from its logits z, for targets y ∈ [0, 1]:
 * <pre>
 *   BCE(σ(z), y) = max(z, 0) − y·z + log(1 + e^{−|z|}),     ∂BCE/∂z = σ(z) − y
 * </pre>
 * summed over the outputs of an example and, for {@link #computeScore} with {@code average}, averaged
 * over the mini-batch. This is {@code ./relax vae}'s reconstruction term exactly. DL4J's
 * {@code LossBinaryXENT} instead clips σ(z) to [1e-5, 1 − 1e-5]: a confidently wrong pixel then costs at
 * most 11.5 nats, and its gradient shrinks to about −y·σ(z)/1e-5 instead of σ(z) − y, so such pixels
 * stop learning.
 *
 * <p>The layer's activation must be sigmoid (its output stays the probabilities σ(z)).
 */
public final class SigmoidBceLoss implements ILossFunction {
    private static final long serialVersionUID = 1L;

    private static void checkSigmoid(IActivation activationFn) {
        if (!(activationFn instanceof ActivationSigmoid)) {
            throw new IllegalArgumentException("SigmoidBceLoss needs a sigmoid output layer, got " + activationFn);
        }
    }

    @Override
    public INDArray computeScoreArray(INDArray labels, INDArray preOutput, IActivation activationFn, INDArray mask) {
        checkSigmoid(activationFn);
        INDArray z = preOutput;
        INDArray perOutput = Transforms.relu(z, true).subi(labels.mul(z))
                .addi(Transforms.log1p(Transforms.exp(Transforms.abs(z, true).negi(), false), false));
        if (mask != null) {
            LossUtil.applyMask(perOutput, mask);
        }
        return perOutput.sum(1);
    }

    @Override
    public double computeScore(INDArray labels, INDArray preOutput, IActivation activationFn, INDArray mask,
                               boolean average) {
        INDArray perExample = computeScoreArray(labels, preOutput, activationFn, mask);
        double sum = perExample.sumNumber().doubleValue();
        return average ? sum / perExample.size(0) : sum;
    }

    @Override
    public INDArray computeGradient(INDArray labels, INDArray preOutput, IActivation activationFn, INDArray mask) {
        checkSigmoid(activationFn);
        INDArray grad = Transforms.sigmoid(preOutput, true).subi(labels);
        if (mask != null) {
            LossUtil.applyMask(grad, mask);
        }
        return grad;
    }

    @Override
    public Pair<Double, INDArray> computeGradientAndScore(INDArray labels, INDArray preOutput, IActivation activationFn,
                                                          INDArray mask, boolean average) {
        return new Pair<>(computeScore(labels, preOutput, activationFn, mask, average),
                computeGradient(labels, preOutput, activationFn, mask));
    }

    @Override
    public String name() {
        return "SigmoidBceLoss";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SigmoidBceLoss;
    }

    @Override
    public int hashCode() {
        return SigmoidBceLoss.class.hashCode();
    }

    @Override
    public String toString() {
        return name() + "()";
    }
}
