package io.relaxsd.examples.vae;

import io.relaxsd.samediff.Discrete;
import io.relaxsd.samediff.GradFunctions;
import io.relaxsd.samediff.RecordedGraph;
import io.relaxsd.samediff.ReplayedCall;
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
 * The training step of a pathwise categorical VAE (and of its softmax baseline) with the encoder, decoder,
 * reconstruction loss and KL term written by hand (GEMMs into arrays allocated once, loops over
 * float arrays), and only the estimator node running as a small SameDiff graph:
 *
 * <pre>
 *   θ = enc(x)                                       Nd4j.gemm, bias, activation in place
 *   z = D                                            SameDiff: only the sample's ops (a hard-forward
 *                                                    node's value is D; relaxed ones: the node's forward)
 *   a = dec(z);  f = Σ softplus(a) − x·a;  δa = (σ(a) − x)/B
 *   δz = dec backward (weight and bias gradients into preallocated arrays)
 *   δθ = ∂[Σ z·sg(δz)]/∂θ + ∂KL/∂θ / B                SameDiff: the estimator's own backward; KL by hand
 *   enc backward
 * </pre>
 *
 * Why: in ND4J 1.0.0-M2.1 every SameDiff op allocates its output, and a fresh 1.6 MB array costs
 * about 3.5 ms (measured): the weight gradients of the 784×512 layers alone cost more than their
 * GEMMs; and each op carries ~60 µs of session overhead, so the node's two calls are replayed from
 * recordings ({@link RecordedGraph}) at ~10 µs per op. The parameters are the model's own arrays,
 * so updaters, checkpoints and evaluation (which stays on the SameDiff graph) are unchanged.
 * {@code FusedStepTest} checks value and gradients against the graph's autodiff. The sample comes
 * from the library's own sampler ({@link VaeModel#hardSample}), never from a second implementation.
 */
final class FusedStep {
    private static final String LOGITS = "logits";
    private static final String DZ = "dz";
    private static final String NODE_LOSS = "node_loss";
    private static final String Z = "z_out";
    private static final String HARD = "hard_out";

    private final VaeModel model;
    private final SameDiff node = SameDiff.create();
    private final Layers encoder;
    private final Layers decoder;
    private final boolean relaxedForward;
    private final Map<String, INDArray> gradients = new LinkedHashMap<>();
    private long rows = -1;
    private INDArray onesRow;
    private INDArray reconDelta;
    private final float[][] scratch = {new float[0], new float[0]};
    // the node's two calls, replayed (RecordedGraph: ~10 µs per op instead of the session's ~60);
    // their arrays are overwritten by the next step
    private final ReplayedCall forward;
    private final ReplayedCall gradient;

    /** True where the step can run: the CPU backend (it reads and writes the arrays' host memory). */
    static boolean supported() {
        return Nd4j.getEnvironment().isCPU();
    }

    FusedStep(VaeModel model) {
        if (!supported()) {
            throw new IllegalStateException("the fused step needs the CPU backend");
        }
        if (model.scoreFunction()) {
            throw new IllegalArgumentException("the fused step is for pathwise estimators; "
                    + model.estimator().name() + " evaluates the decoder inside its node");
        }
        if (model.setup().binary()) {
            // its encoder, decoder and KL are the categorical setups': binary ones centre the input,
            // feed 2b − 1 to the decoder and learn the prior (VaeModel), and train through the graph
            throw new IllegalArgumentException("the fused step is for categorical setups; " + model.setup().id()
                    + " trains through the graph");
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
        SDVariable z = VaeModel.bottleneck(discrete, theta, setup, model.estimator());
        node.identity(Z, z);
        if (model.estimator() != null) {
            // the sample alone: for a hard-forward node its value is the node's forward value, and
            // SameDiff runs only the few ops it needs
            node.identity(HARD, VaeModel.hardSample(discrete, theta, setup));
        }
        node.identity(NODE_LOSS, z.mul(dz).sum()).markAsLoss();
        node.setLossVariables(NODE_LOSS);
        GradFunctions.createQuietly(node);
        this.forward = ReplayedCall.outputs(node, relaxedForward ? List.of(Z, HARD)
                : List.of(model.estimator() == null ? Z : HARD));
        this.gradient = ReplayedCall.gradients(node, List.of(LOGITS));
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
        Map<String, INDArray> sample = forward.run(nodeFeed);
        // hard-forward nodes: z's value is the sample D, so the decoder runs on it before the node's backward
        INDArray z = relaxedForward || model.estimator() == null ? sample.get(Z) : sample.get(HARD);
        double recon = bce(decoder.forward(z), x, reconDelta, invB);
        nodeFeed.put(DZ, decoder.backward(reconDelta, gradients, true));
        INDArray dTheta = gradient.run(nodeFeed).get(LOGITS);
        double kl = klAndGradient(theta, dTheta, invB);
        encoder.backward(dTheta, gradients, false);
        if (relaxedForward) {
            // the reported −ELBO decodes the hard sample drawn from the same noise
            recon = bce(decoder.forward(sample.get(HARD)), x, null, invB);
        }
        return new Result((recon + kl) / b, gradients, dTheta);
    }

    /** False once a recording was refused and the node runs through the session. */
    boolean replaying() {
        return forward.replaying() && gradient.replaying();
    }

    /**
     * Σ over the batch of KL(q(z|x) ‖ uniform prior), and its gradient / B added into {@code dTheta}:
     * categorical rows KL = Σ_k π_k log(π_k C) with ∂KL/∂θ_j = π_j (log π_j − Σ_k π_k log π_k);
     * Bernoulli KL = p log 2p + (1 − p) log 2(1 − p) with ∂KL/∂θ = p(1 − p) θ. (The model graph
     * computes the same term with {@link VaeModel#klSum}; {@code FusedStepTest} compares the two.)
     */
    private double klAndGradient(INDArray theta, INDArray dTheta, float invB) {
        int n = (int) theta.length();
        float[] t = scratch(0, n);
        float[] d = scratch(1, n);
        floats(theta).get(0, t, 0, n);
        FloatBuffer dv = floats(dTheta);
        dv.get(0, d, 0, n);
        double kl = klAndGradient(model.setup(), t, d, n, invB);
        dv.put(0, d, 0, n);
        return kl;
    }

    /**
     * The same on plain arrays: Σ KL over the first {@code n} logits {@code t} (whole rows of the
     * setup's latent), and {@code scale} · ∂KL/∂θ added into {@code d}.
     */
    static double klAndGradient(VaeSetup setup, float[] t, float[] d, int n, float scale) {
        double kl = 0;
        if (setup.binary()) {
            for (int i = 0; i < n; i++) {
                double th = t[i];
                double logP = -softplus(-th);
                double log1mP = -softplus(th);
                double p = Math.exp(logP);
                kl += p * (logP + LOG2) + (1 - p) * (log1mP + LOG2);
                d[i] += (float) (p * (1 - p) * th * scale);
            }
        } else {
            int c = setup.categories();
            double logC = Math.log(c);
            for (int row = 0; row < n; row += c) {
                double logZ = logSumExp(t, row, c);
                double plogp = 0;
                for (int k = 0; k < c; k++) {
                    double logPi = t[row + k] - logZ;
                    plogp += Math.exp(logPi) * logPi;
                }
                kl += plogp + logC;
                for (int k = 0; k < c; k++) {
                    double logPi = t[row + k] - logZ;
                    d[row + k] += (float) (Math.exp(logPi) * (logPi - plogp) * scale);
                }
            }
        }
        return kl;
    }

    private static final double LOG2 = Math.log(2);

    /** log Σ_k exp(t[from + k]), k &lt; c, shifted by the max. */
    private static double logSumExp(float[] t, int from, int c) {
        double max = Double.NEGATIVE_INFINITY;
        for (int k = 0; k < c; k++) {
            max = Math.max(max, t[from + k]);
        }
        double sum = 0;
        for (int k = 0; k < c; k++) {
            sum += Math.exp(t[from + k] - max);
        }
        return max + Math.log(sum);
    }

    private static double softplus(double a) {
        return Math.max(a, 0) + Math.log(1 + Math.exp(-Math.abs(a)));
    }

    /**
     * The step's −ELBO (batch mean) and the gradients of the training loss: the parameters', and
     * {@code logits} = ∂loss/∂θ {@code [B, L·C]} (the estimator's backward plus the KL term's).
     */
    record Result(double nelbo, Map<String, INDArray> gradients, INDArray logits) {
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
    private double bce(INDArray a, INDArray x, INDArray delta, float invB) {
        int n = (int) a.length();
        float[] as = scratch(0, n);
        float[] xs = scratch(1, n);
        floats(a).get(0, as, 0, n);
        floats(x).get(0, xs, 0, n);
        double sum = 0;
        double product = 1;      // Π (1 + e) over up to 512 entries (≤ 2^512), then one log: 78 400 logs cost ~1 ms
        for (int i = 0; i < n; i++) {
            float ai = as[i];
            float xi = xs[i];
            float e = (float) Math.exp(-Math.abs(ai));
            sum += Math.max(ai, 0f) - xi * ai;
            product *= 1.0 + e;
            if ((i & 511) == 511) {
                sum += Math.log(product);
                product = 1;
            }
            // σ(a) = 1/(1 + e) for a ≥ 0 and e/(1 + e) below: 1/2 ± (1 − e)/(2(1 + e)), without a branch
            // (the sign of a is random, so a branch mispredicts half the time)
            float s = 0.5f + Math.copySign((1f - e) / (2f * (1f + e)), ai);
            as[i] = (s - xi) * invB;
        }
        sum += Math.log(product);
        if (delta != null) {
            floats(delta).put(0, as, 0, n);
        }
        return sum;
    }

    /** Reusable heap scratch array {@code slot} of at least n floats. */
    private float[] scratch(int slot, int n) {
        if (scratch[slot].length < n) {
            scratch[slot] = new float[n];
        }
        return scratch[slot];
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
            float[] y = scratch(0, n);
            v.get(0, y, 0, n);
            if (relu) {
                for (int k = 0; k < n; k++) {
                    y[k] = Math.max(y[k], 0f);      // +0 for −0 and below: activationBackward relies on it
                }
            } else {
                for (int k = 0; k < n; k++) {
                    y[k] = (float) Math.tanh(y[k]);
                }
            }
            v.put(0, y, 0, n);
        }

        /** d ← d ⊙ act'(pre), written with the activation's output y: relu' = 1[y &gt; 0], tanh' = 1 − y². */
        private void activationBackward(INDArray d, INDArray y) {
            FloatBuffer dv = floats(d);
            int n = (int) d.length();
            float[] ds = scratch(0, n);
            float[] ys = scratch(1, n);
            dv.get(0, ds, 0, n);
            floats(y).get(0, ys, 0, n);
            if (relu) {
                // y = max(pre, 0) is +0 or positive: −bits(y) >> 31 is all ones exactly where y > 0; a mask
                // instead of a branch on a sign that is random
                for (int k = 0; k < n; k++) {
                    int keep = -Float.floatToRawIntBits(ys[k]) >> 31;
                    ds[k] = Float.intBitsToFloat(Float.floatToRawIntBits(ds[k]) & keep);
                }
            } else {
                for (int k = 0; k < n; k++) {
                    ds[k] *= 1 - ys[k] * ys[k];
                }
            }
            dv.put(0, ds, 0, n);
        }
    }
}
