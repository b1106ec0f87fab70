package io.relaxsd.examples.vae;

import java.util.ArrayList;
import java.util.List;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ops.impl.controlflow.compat.StopGradient;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.rng.Random;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * A stack of dense layers whose parameters are SameDiff variables; {@link #apply} can be called
 * several times (e.g. the decoder on the training sample and on the evaluation sample) and shares
 * the weights. Hidden layers use the activation; the last layer is linear (logits).
 *
 * <p>Initialisation ({@link Init}): as PyTorch's {@code nn.Linear} default, W and b uniform in
 * ±1/sqrt(fan_in), so the categorical setups compare with the ReinMax paper's PyTorch code; or as
 * TensorFlow's {@code tf.layers.dense} default, W Glorot-uniform in ±sqrt(6/(fan_in + fan_out)) and
 * b = 0, as the official RELAX (TensorFlow) code of the binary setups.
 */
final class Mlp {
    /** How the weights start. */
    enum Init {
        /** W, b ~ U(±1/sqrt(fan_in)) (PyTorch {@code nn.Linear}). */
        PYTORCH,
        /** W ~ U(±sqrt(6/(fan_in + fan_out))), b = 0 (TensorFlow {@code tf.layers.dense}). */
        GLOROT
    }

    private final SameDiff sd;
    private final List<SDVariable> weights = new ArrayList<>();
    private final List<SDVariable> biases = new ArrayList<>();
    private final VaeSetup.Activation activation;
    private final int[] widths;

    Mlp(SameDiff sd, String prefix, int[] widths, VaeSetup.Activation activation, Random rng) {
        this(sd, prefix, widths, activation, rng, Init.PYTORCH);
    }

    Mlp(SameDiff sd, String prefix, int[] widths, VaeSetup.Activation activation, Random rng, Init init) {
        this.sd = sd;
        this.activation = activation;
        this.widths = widths.clone();
        for (int i = 0; i + 1 < widths.length; i++) {
            if (init == Init.PYTORCH) {
                double bound = 1.0 / Math.sqrt(widths[i]);
                weights.add(sd.var(prefix + i + "_W", uniform(rng, bound, widths[i], widths[i + 1])));
                biases.add(sd.var(prefix + i + "_b", uniform(rng, bound, widths[i + 1])));
            } else {
                double bound = Math.sqrt(6.0 / (widths[i] + widths[i + 1]));
                weights.add(sd.var(prefix + i + "_W", uniform(rng, bound, widths[i], widths[i + 1])));
                biases.add(sd.var(prefix + i + "_b", Nd4j.zeros(DataType.FLOAT, widths[i + 1])));
            }
        }
    }

    private Mlp(SameDiff sd, List<SDVariable> weights, List<SDVariable> biases, VaeSetup.Activation activation,
                int[] widths) {
        this.sd = sd;
        this.weights.addAll(weights);
        this.biases.addAll(biases);
        this.activation = activation;
        this.widths = widths;
    }

    /**
     * The same function with every weight behind stop-gradient (same values, no gradient to them):
     * what a score-function estimator's control variate evaluates.
     */
    Mlp frozen() {
        List<SDVariable> w = new ArrayList<>();
        List<SDVariable> b = new ArrayList<>();
        for (int i = 0; i < weights.size(); i++) {
            w.add(new StopGradient(sd, weights.get(i)).outputVariable());
            b.add(new StopGradient(sd, biases.get(i)).outputVariable());
        }
        return new Mlp(sd, w, b, activation, widths);
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

    /**
     * Arrays for {@code rows} input rows for {@link #forward(INDArray, INDArray[])}: per layer its
     * output (c order) and the GEMM's result (f order, as {@code INDArray.mmul} computes it).
     */
    INDArray[] outputBuffers(long rows) {
        int layers = weights.size();
        INDArray[] out = new INDArray[2 * layers];
        for (int i = 0; i < layers; i++) {
            out[i] = Nd4j.createUninitialized(DataType.FLOAT, rows, widths[i + 1]);
            out[layers + i] = Nd4j.createUninitialized(DataType.FLOAT, new long[] {rows, widths[i + 1]}, 'f');
        }
        return out;
    }

    /**
     * The output logits for FLOAT input rows {@code in} with the weights' current values, in plain
     * ND4J outside the graph: GEMMs into {@code buffers} ({@link #outputBuffers}, one per layer, for
     * in's row count), bias and activation in place. The importance-weighted evaluation runs it k
     * times per image, so nothing is allocated. Returns the last buffer.
     */
    INDArray forward(INDArray in, INDArray[] buffers) {
        INDArray h = in;
        for (int i = 0; i < weights.size(); i++) {
            // INDArray.mmul allocates an f-order result per call (and mmul(other, result) a temporary):
            // the same GEMM into the kept f-order array, copied into the c-order output, gives its values
            INDArray product = buffers[weights.size() + i];
            Nd4j.gemm(h, weights.get(i).getArr(), product, false, false, 1.0, 0.0);
            h = buffers[i].assign(product).addiRowVector(biases.get(i).getArr());
            if (i + 1 < weights.size()) {
                h = activation == VaeSetup.Activation.RELU ? Transforms.relu(h, false) : Transforms.tanh(h, false);
            }
        }
        return h;
    }

    /** A per-example loss and its gradient with respect to the MLP's input, both as forward ops. */
    record ValueAndInputGradient(SDVariable value, SDVariable inputGradient) {
    }

    /**
     * Bernoulli cross-entropy of the output logits a = mlp(z) against targets x, per example,
     * f(z) = Σ_pixels softplus(a) − x·a, and ∂f/∂z written out by hand as forward ops (no
     * autodiff: SameDiff 1.0.0-M2.1 cannot differentiate a gradient, notes §4):
     * δ_L = σ(a) − x;  δ ← (δ W_iᵀ) ⊙ act'(pre_{i−1}) down the layers;  ∂f/∂z = δ W_0ᵀ.
     * Score-function estimators (REBAR, RELAX) need f at the sample and ∂f/∂z at relaxed inputs;
     * the weights are the same variables {@link #apply} uses, so one decoder serves both.
     *
     * @param z {@code [B, in]}
     * @param x {@code [B, out]} targets in [0, 1]
     */
    ValueAndInputGradient bceValueAndInputGradient(SDVariable z, SDVariable x) {
        int layers = weights.size();
        SDVariable[] outs = new SDVariable[layers];   // post-activation of each hidden layer
        SDVariable h = z;
        for (int i = 0; i < layers; i++) {
            SDVariable pre = sd.nn().linear(h, weights.get(i), biases.get(i));
            if (i + 1 < layers) {
                h = activation == VaeSetup.Activation.RELU ? sd.nn().relu(pre, 0.0) : sd.math().tanh(pre);
                outs[i] = h;
            } else {
                h = pre;
            }
        }
        SDVariable a = h;
        SDVariable value = VaeModel.bernoulliCrossEntropy(x, a).sum(1);   // stable: softplus is ∞ from a ≈ 89
        SDVariable delta = sd.nn().sigmoid(a).sub(x);
        for (int i = layers - 1; i >= 0; i--) {
            // δ·Wᵢᵀ as linear(δ, Wᵢᵀ, 0): its backward is two separate products, so when Wᵢ gets no
            // gradient (the frozen copy a surrogate evaluates) the weight-side product never runs;
            // mmul's matmul_bp would compute it anyway (0.23 GFLOP of a RELAX step)
            SDVariable wT = sd.transpose(weights.get(i));
            SDVariable back = sd.nn().linear(delta, wT, sd.constant(Nd4j.zeros(wT.dataType(), widths[i])));
            if (i == 0) {
                delta = back;
            } else {
                SDVariable post = outs[i - 1];
                SDVariable deriv = activation == VaeSetup.Activation.RELU
                        ? sd.gt(post, 0.0).castTo(post.dataType())
                        : post.mul(post).rsub(1.0);
                delta = back.mul(deriv);
            }
        }
        return new ValueAndInputGradient(value, delta);
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
