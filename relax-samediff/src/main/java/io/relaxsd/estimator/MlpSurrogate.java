package io.relaxsd.estimator;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.rng.Random;
import org.nd4j.linalg.factory.Nd4j;

/**
 * r_ρ(z): a multilayer perceptron W → h₁ → … → h_m → 1 with tanh or ReLU hidden layers and a
 * linear output, value {@code [batch]}. Its input gradient is written out as forward ops:
 * <pre>
 *   a₀ = z,  pre_i = a_{i−1} W_i + b_i,  a_i = act(pre_i),  r = a_m w_o + b_o
 *   δ_m = act'(pre_m) ⊙ w_oᵀ,  δ_{i−1} = act'(pre_{i−1}) ⊙ (δ_i W_iᵀ),  ∂r/∂z = δ₁ W₁ᵀ
 * </pre>
 * with tanh' = 1 − a², ReLU' = 1[pre &gt; 0]. Initialised like PyTorch's {@code nn.Linear}
 * (uniform ±1/√fan_in) from the given seeded generator.
 *
 * <p>With a context c {@code [batch, m]} the network reads [sg(c), z]: the first layer is
 * pre₁ = z W₁ + (sg(c) W_c + b₁), its context part computed once per graph and shared by every
 * {@link #evaluate} call (RELAX evaluates at z and z̃: the context costs one forward product and
 * one weight-gradient product per step), and ∂r/∂z is unchanged in form (c is a constant).
 */
public final class MlpSurrogate implements Surrogate {
    private final SameDiff sd;
    private final List<SDVariable> weights = new ArrayList<>();
    private final List<SDVariable> biases = new ArrayList<>();
    private final EstimatorConfig.Activation activation;
    private final SDVariable context;          // behind stop-gradient; null without a context
    private final SDVariable contextWeights;
    private SDVariable firstLayerOffset;       // sg(c) W_c + b₁, built on the first evaluate

    /**
     * @param prefix     unique name prefix of the parameters ({@code prefix + "W0"}, …)
     * @param inputWidth W, the width of z per example
     * @param widths     hidden widths h₁ … h_m (m ≥ 1)
     */
    public MlpSurrogate(SameDiff sd, String prefix, int inputWidth, int[] widths, EstimatorConfig.Activation activation,
                        DataType dataType, Random rng) {
        this(sd, prefix, inputWidth, null, 0, widths, activation, dataType, rng);
    }

    /**
     * The network on [sg(context), z].
     *
     * @param context      a variable of {@code sd}, {@code [batch, contextWidth]}, read behind stop-gradient;
     *                     null for none
     * @param contextWidth m ≥ 1 with a context, 0 without
     */
    public MlpSurrogate(SameDiff sd, String prefix, int inputWidth, SDVariable context, int contextWidth, int[] widths,
                        EstimatorConfig.Activation activation, DataType dataType, Random rng) {
        this.sd = Objects.requireNonNull(sd, "sd");
        this.activation = Objects.requireNonNull(activation, "activation");
        if (inputWidth < 1) {
            throw new IllegalArgumentException("inputWidth must be >= 1, got " + inputWidth);
        }
        if (widths == null || widths.length == 0) {
            throw new IllegalArgumentException("widths must name at least one hidden width");
        }
        if (context == null ? contextWidth != 0 : contextWidth < 1) {
            throw new IllegalArgumentException("contextWidth must be " + (context == null ? "0 without" : ">= 1 with")
                    + " a context, got " + contextWidth);
        }
        for (int w : widths) {
            if (w < 1) {
                throw new IllegalArgumentException("widths must all be >= 1, got " + Arrays.toString(widths));
            }
        }
        this.context = context == null ? null : Sg.sg(context);
        // the first layer's fan-in counts the context's columns too
        this.contextWeights = context == null ? null : sd.var(prefix + "Wc", uniform(rng,
                1.0 / Math.sqrt(inputWidth + contextWidth), dataType, contextWidth, widths[0]));
        int in = inputWidth;
        for (int i = 0; i <= widths.length; i++) {
            int out = i < widths.length ? widths[i] : 1;
            double bound = 1.0 / Math.sqrt(i == 0 ? inputWidth + contextWidth : in);
            weights.add(sd.var(prefix + "W" + i, uniform(rng, bound, dataType, in, out)));
            // bias [1, out] with mmul + add: the bias gradient of nn().linear throws an NPE for a batch of 1 in M2.1
            biases.add(sd.var(prefix + "b" + i, uniform(rng, bound, dataType, 1, out)));
            in = out;
        }
    }

    private static INDArray uniform(Random rng, double bound, DataType dt, long... shape) {
        return Nd4j.rand(rng, shape).castTo(dt).muli(2 * bound).subi(bound);
    }

    @Override
    public ValueAndGradient evaluate(SDVariable z) {
        int hidden = weights.size() - 1;
        SDVariable[] derivs = new SDVariable[hidden];
        SDVariable a = z;
        for (int i = 0; i < hidden; i++) {
            SDVariable pre = a.mmul(weights.get(i)).add(i == 0 ? firstLayerOffset() : biases.get(i));
            if (activation == EstimatorConfig.Activation.TANH) {
                a = sd.math().tanh(pre);
                derivs[i] = a.mul(a).rsub(1.0);
            } else {
                a = sd.nn().relu(pre, 0.0);
                derivs[i] = sd.gt(pre, 0.0).castTo(pre.dataType());
            }
        }
        SDVariable value = sd.reshape(a.mmul(weights.get(hidden)).add(biases.get(hidden)), -1);
        SDVariable delta = derivs[hidden - 1].mul(sd.transpose(weights.get(hidden)));
        for (int i = hidden - 1; i > 0; i--) {
            delta = delta.mmul(sd.transpose(weights.get(i))).mul(derivs[i - 1]);
        }
        return new ValueAndGradient(value, delta.mmul(sd.transpose(weights.get(0))));
    }

    /**
     * b₁, or with a context sg(c) W_c + b₁ (one graph variable for all calls). {@code linear}, not
     * {@code mmul}: its backward is separate products, and with c behind stop-gradient only W_c's
     * runs (mmul's {@code matmul_bp} would also compute the discarded ∂/∂c, as many FLOPs again).
     */
    private SDVariable firstLayerOffset() {
        if (context == null) {
            return biases.get(0);
        }
        if (firstLayerOffset == null) {
            SDVariable noBias = sd.constant(Nd4j.zeros(contextWeights.dataType(), contextWeights.getShape()[1]));
            firstLayerOffset = sd.nn().linear(context, contextWeights, noBias).add(biases.get(0));
        }
        return firstLayerOffset;
    }

    /**
     * w·Σ ρ²/2 over every weight and bias of the network (L2 weight decay, as TensorFlow's
     * {@code l2_loss}), a scalar to add to the loss the parameters are trained on.
     */
    public SDVariable weightDecay(double w) {
        if (!(w >= 0) || Double.isInfinite(w)) {
            throw new IllegalArgumentException("weight decay must be finite and >= 0, got " + w);
        }
        SDVariable sum = null;
        for (String n : parameterNames()) {
            SDVariable v = sd.getVariable(n);
            SDVariable sq = v.mul(v).sum();
            sum = sum == null ? sq : sum.add(sq);
        }
        return sum.mul(w / 2);
    }

    @Override
    public List<String> parameterNames() {
        List<String> names = new ArrayList<>();
        if (contextWeights != null) {
            names.add(contextWeights.name());
        }
        for (int i = 0; i < weights.size(); i++) {
            names.add(weights.get(i).name());
            names.add(biases.get(i).name());
        }
        return List.copyOf(names);
    }
}
