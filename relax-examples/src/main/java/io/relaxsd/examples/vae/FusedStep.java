package io.relaxsd.examples.vae;

import io.relaxsd.samediff.Discrete;
import io.relaxsd.samediff.GradFunctions;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.javacpp.FloatPointer;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The training step of a pathwise VAE (and of the softmax baseline) with the encoder and decoder as
 * hand-written GEMMs into arrays allocated once, and only the estimator node and the KL term run as
 * a small SameDiff graph:
 *
 * <pre>
 *   θ = enc(x)                                       Nd4j.gemm, bias, activation in place
 *   z, KL = node(θ, noise)                           SameDiff: the same Discrete node as VaeModel's
 *   a = dec(z);  f = Σ softplus(a) − x·a;  δa = (σ(a) − x)/B      one loop
 *   δz = dec backward (weight and bias gradients into preallocated arrays)
 *   δθ = ∂[Σ z·sg(δz) + KL/B]/∂θ                      SameDiff: the estimator's own backward
 *   enc backward
 * </pre>
 *
 * Why: in ND4J 1.0.0-M2.1 every SameDiff op allocates its output, and a fresh 1.6 MB array costs
 * about 3.5 ms (measured): the weight gradients of the 784×512 layers alone cost more than their
 * GEMMs. Here a GEMM into an existing array runs at the machine's GEMM rate. The parameters are the
 * model's own arrays, so updaters, checkpoints and evaluation (which stays on the SameDiff graph)
 * are unchanged; {@code VaeModelTest} checks value and gradients against the graph's autodiff.
 */
final class FusedStep {
    private static final String LOGITS = "logits";
    private static final String DZ = "dz";
    private static final String INV_BATCH = "inv_batch";
    private static final String NODE_LOSS = "node_loss";
    private static final String Z = "z_out";
    private static final String HARD = "hard_out";
    private static final String KL = "kl_sum";

    private final VaeModel model;
    private final SameDiff node = SameDiff.create();
    private final Layers encoder;
    private final Layers decoder;
    private final boolean relaxedForward;
    private final Map<String, INDArray> gradients = new LinkedHashMap<>();
    private long rows = -1;
    private INDArray onesRow;
    private INDArray reconDelta;

    FusedStep(VaeModel model) {
        if (model.scoreFunction()) {
            throw new IllegalArgumentException("the fused step is for pathwise estimators; "
                    + model.estimator().name() + " evaluates the decoder inside its node");
        }
        this.model = model;
        this.relaxedForward = model.relaxedForward();
        VaeSetup setup = model.setup();
        Discrete discrete = Discrete.in(node);
        // SameDiff M2.1 builds no gradient function for a graph without a trainable variable, even when
        // only the gradient w.r.t. a placeholder is asked for: a zero scalar variable anchors it
        SDVariable anchor = node.var("anchor", Nd4j.scalar(DataType.FLOAT, 0f));
        SDVariable theta = node.placeHolder(LOGITS, DataType.FLOAT, -1, setup.latentWidth()).add(anchor);
        SDVariable dz = node.placeHolder(DZ, DataType.FLOAT, -1, setup.latentWidth());
        SDVariable invBatch = node.placeHolder(INV_BATCH, DataType.FLOAT);
        SDVariable z = VaeModel.bottleneck(discrete, theta, setup, model.estimator());
        node.identity(Z, z);
        if (relaxedForward) {
            node.identity(HARD, VaeModel.hardSample(discrete, theta, setup));
        }
        SDVariable kl = node.identity(KL, VaeModel.klSum(discrete, theta, setup));
        node.identity(NODE_LOSS, z.mul(dz).sum().add(kl.mul(invBatch))).markAsLoss();
        node.setLossVariables(NODE_LOSS);
        GradFunctions.createQuietly(node);
        this.encoder = new Layers(model.encoder());
        this.decoder = new Layers(model.decoder());
        for (Map.Entry<String, INDArray> e : model.parameters().entrySet()) {
            gradients.put(e.getKey(), Nd4j.create(DataType.FLOAT, e.getValue().shape()));
        }
    }

    /**
     * Computes the step's −ELBO (batch mean, hard sample) and writes the loss gradients into the
     * returned map (name → gradient, the same names as {@link VaeModel#parameters()}; the arrays are
     * reused by the next call).
     *
     * @param feed the model's feed for this batch ({@link VaeModel#feed}): pixels and noise
     */
    Result step(Map<String, INDArray> feed) {
        INDArray x = feed.get(VaeModel.INPUT);
        long b = x.size(0);
        allocate(b);
        float invB = 1f / b;
        INDArray theta = encoder.forward(x);
        Map<String, INDArray> nodeFeed = new HashMap<>(feed);
        nodeFeed.remove(VaeModel.INPUT);
        nodeFeed.remove(VaeModel.INV_BATCH);
        nodeFeed.put(LOGITS, theta);
        nodeFeed.put(INV_BATCH, Nd4j.scalar(DataType.FLOAT, invB));
        List<String> outs = new ArrayList<>(List.of(Z, KL));
        if (relaxedForward) {
            outs.add(HARD);
        }
        Map<String, INDArray> nodeOut = node.output(nodeFeed, outs);
        double kl = nodeOut.get(KL).getDouble(0);
        INDArray a = decoder.forward(nodeOut.get(Z));
        double recon = bce(a, x, reconDelta, invB);
        INDArray dz = decoder.backward(reconDelta, gradients, true);
        nodeFeed.put(DZ, dz);
        INDArray dTheta = node.calculateGradients(nodeFeed, LOGITS).get(LOGITS);
        encoder.backward(dTheta, gradients, false);
        if (relaxedForward) {
            // the reported −ELBO decodes the hard sample drawn from the same noise
            recon = bce(decoder.forward(nodeOut.get(HARD)), x, null, invB);
        }
        return new Result((recon + kl) / b, gradients);
    }

    /** The step's −ELBO (batch mean) and the gradients of the training loss. */
    record Result(double nelbo, Map<String, INDArray> gradients) {
    }

    private void allocate(long b) {
        if (b == rows) {
            return;
        }
        rows = b;
        onesRow = Nd4j.ones(DataType.FLOAT, 1, b);
        reconDelta = Nd4j.create(DataType.FLOAT, b, VaeSetup.PIXELS);
        encoder.allocate(b);
        decoder.allocate(b);
    }

    /**
     * Σ softplus(a) − x·a over the batch (computed stably as max(a, 0) − x·a + log1p(exp(−|a|))),
     * and, if {@code delta} is given, δ = (σ(a) − x)/B into it.
     */
    private static double bce(INDArray a, INDArray x, INDArray delta, float invB) {
        FloatBuffer av = floats(a);
        FloatBuffer xv = floats(x);
        FloatBuffer dv = delta == null ? null : floats(delta);
        int n = (int) a.length();
        double sum = 0;
        for (int i = 0; i < n; i++) {
            float ai = av.get(i);
            float xi = xv.get(i);
            float e = (float) Math.exp(-Math.abs(ai));
            sum += Math.max(ai, 0f) - xi * ai + Math.log1p(e);
            if (dv != null) {
                float s = ai >= 0 ? 1f / (1f + e) : e / (1f + e);
                dv.put(i, (s - xi) * invB);
            }
        }
        return sum;
    }

    /** The native memory of a dense FLOAT array (dense: the arrays here are all allocated by this class or fed). */
    static FloatBuffer floats(INDArray a) {
        if (a.dataType() != DataType.FLOAT || (a.length() > 1 && a.elementWiseStride() != 1) || a.ordering() != 'c') {
            throw new IllegalStateException("expected a dense FLOAT array in c order, got " + a.shapeInfoToString());
        }
        return new FloatPointer(a.data().addressPointer()).capacity(a.length()).asBuffer();
    }

    /** One MLP's layers: activations and deltas allocated per batch size, GEMMs into them. */
    private final class Layers {
        private final List<SDVariable> weights;     // read through getArr() each step: a restore may swap arrays
        private final List<SDVariable> biases;
        private final List<String> weightNames = new ArrayList<>();
        private final List<String> biasNames = new ArrayList<>();
        private final boolean relu;
        private final INDArray[] out;       // out[i] = activation of layer i (the last: linear)
        private final INDArray[] delta;     // delta[i] = ∂L/∂(pre-activation input of layer i + 1)
        private INDArray input;

        Layers(Mlp mlp) {
            this.weights = List.copyOf(mlp.weights());
            this.biases = List.copyOf(mlp.biases());
            for (int i = 0; i < weights.size(); i++) {
                weightNames.add(weights.get(i).name());
                biasNames.add(biases.get(i).name());
            }
            this.relu = mlp.activation() == VaeSetup.Activation.RELU;
            this.out = new INDArray[weights.size()];
            this.delta = new INDArray[weights.size()];
        }

        void allocate(long b) {
            for (int i = 0; i < weights.size(); i++) {
                out[i] = Nd4j.create(DataType.FLOAT, b, weights.get(i).getArr().size(1));
                delta[i] = Nd4j.create(DataType.FLOAT, b, weights.get(i).getArr().size(0));
            }
        }

        INDArray forward(INDArray in) {
            input = in.dataType() == DataType.FLOAT && in.ordering() == 'c' ? in : in.castTo(DataType.FLOAT).dup('c');
            INDArray h = input;
            for (int i = 0; i < weights.size(); i++) {
                Nd4j.gemm(h, weights.get(i).getArr(), out[i], false, false, 1.0, 0.0);
                out[i].addiRowVector(biases.get(i).getArr());
                if (i + 1 < weights.size()) {
                    activate(out[i]);
                }
                h = out[i];
            }
            return h;
        }

        /**
         * Back from ∂L/∂(output logits) {@code d}: weight and bias gradients into {@code grads};
         * returns ∂L/∂input if {@code inputGradient}, else null.
         */
        INDArray backward(INDArray d, Map<String, INDArray> grads, boolean inputGradient) {
            INDArray g = d;
            for (int i = weights.size() - 1; i >= 0; i--) {
                INDArray below = i == 0 ? input : out[i - 1];
                Nd4j.gemm(below, g, grads.get(weightNames.get(i)), true, false, 1.0, 0.0);
                INDArray gb = grads.get(biasNames.get(i));
                Nd4j.gemm(onesRow, g, gb.reshape(1, gb.length()), false, false, 1.0, 0.0);
                if (i == 0 && !inputGradient) {
                    return null;
                }
                Nd4j.gemm(g, weights.get(i).getArr(), delta[i], false, true, 1.0, 0.0);
                if (i > 0) {
                    activationBackward(delta[i], out[i - 1]);
                }
                g = delta[i];
            }
            return g;
        }

        private void activate(INDArray h) {
            FloatBuffer v = floats(h);
            int n = (int) h.length();
            for (int k = 0; k < n; k++) {
                float y = v.get(k);
                v.put(k, relu ? Math.max(y, 0f) : (float) Math.tanh(y));
            }
        }

        /** d ← d ⊙ act'(pre), written with the activation's output y: relu' = 1[y &gt; 0], tanh' = 1 − y². */
        private void activationBackward(INDArray d, INDArray y) {
            FloatBuffer dv = floats(d);
            FloatBuffer yv = floats(y);
            int n = (int) d.length();
            for (int k = 0; k < n; k++) {
                float yk = yv.get(k);
                dv.put(k, relu ? (yk > 0 ? dv.get(k) : 0f) : dv.get(k) * (1 - yk * yk));
            }
        }
    }
}
