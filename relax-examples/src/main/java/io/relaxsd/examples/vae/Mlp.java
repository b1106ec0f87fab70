package io.relaxsd.examples.vae;

import java.util.ArrayList;
import java.util.List;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.rng.Random;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A stack of dense layers whose parameters are SameDiff variables; {@link #apply} can be called
 * several times (e.g. the decoder on the training sample and on the evaluation sample) and shares
 * the weights. Hidden layers use the activation; the last layer is linear (logits).
 *
 * <p>Initialisation as PyTorch's {@code nn.Linear} default: W and b uniform in ±1/sqrt(fan_in), so
 * results compare with the official PyTorch code.
 */
final class Mlp {
    private final SameDiff sd;
    private final List<SDVariable> weights = new ArrayList<>();
    private final List<SDVariable> biases = new ArrayList<>();
    private final VaeSetup.Activation activation;

    Mlp(SameDiff sd, String prefix, int[] widths, VaeSetup.Activation activation, Random rng) {
        this.sd = sd;
        this.activation = activation;
        for (int i = 0; i + 1 < widths.length; i++) {
            double bound = 1.0 / Math.sqrt(widths[i]);
            weights.add(sd.var(prefix + i + "_W", uniform(rng, bound, widths[i], widths[i + 1])));
            biases.add(sd.var(prefix + i + "_b", uniform(rng, bound, widths[i + 1])));
        }
    }

    private static INDArray uniform(Random rng, double bound, long... shape) {
        INDArray u = Nd4j.rand(rng, shape).castTo(DataType.FLOAT);
        return u.muli(2 * bound).subi(bound);
    }

    /** The output logits for input rows {@code in}. */
    SDVariable apply(SDVariable in) {
        SDVariable h = in;
        for (int i = 0; i < weights.size(); i++) {
            h = sd.nn().linear(h, weights.get(i), biases.get(i));
            if (i + 1 < weights.size()) {
                h = activation == VaeSetup.Activation.RELU ? sd.nn().relu(h, 0.0) : sd.math().tanh(h);
            }
        }
        return h;
    }

    /** All parameters, layer by layer (W then b). */
    List<SDVariable> parameters() {
        List<SDVariable> p = new ArrayList<>();
        for (int i = 0; i < weights.size(); i++) {
            p.add(weights.get(i));
            p.add(biases.get(i));
        }
        return p;
    }

    List<SDVariable> weights() {
        return weights;
    }

    List<SDVariable> biases() {
        return biases;
    }

    VaeSetup.Activation activation() {
        return activation;
    }
}
