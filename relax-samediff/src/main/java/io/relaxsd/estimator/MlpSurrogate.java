package io.relaxsd.estimator;

import java.util.ArrayList;
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
 */
public final class MlpSurrogate implements Surrogate {
    private final SameDiff sd;
    private final List<SDVariable> weights = new ArrayList<>();
    private final List<SDVariable> biases = new ArrayList<>();
    private final EstimatorConfig.Activation activation;

    /**
     * @param prefix     unique name prefix of the parameters ({@code prefix + "W0"}, …)
     * @param inputWidth W, the width of z per example
     * @param widths     hidden widths h₁ … h_m (m ≥ 1)
     */
    public MlpSurrogate(SameDiff sd, String prefix, int inputWidth, int[] widths, EstimatorConfig.Activation activation,
                        DataType dataType, Random rng) {
        this.sd = Objects.requireNonNull(sd, "sd");
        this.activation = Objects.requireNonNull(activation, "activation");
        if (inputWidth < 1) {
            throw new IllegalArgumentException("inputWidth must be >= 1, got " + inputWidth);
        }
        if (widths == null || widths.length == 0) {
            throw new IllegalArgumentException("widths must name at least one hidden width");
        }
        int in = inputWidth;
        for (int i = 0; i <= widths.length; i++) {
            int out = i < widths.length ? widths[i] : 1;
            if (out < 1) {
                throw new IllegalArgumentException("widths must all be >= 1, got " + out);
            }
            double bound = 1.0 / Math.sqrt(in);
            weights.add(sd.var(prefix + "W" + i, uniform(rng, bound, dataType, in, out)));
            biases.add(sd.var(prefix + "b" + i, uniform(rng, bound, dataType, out)));
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
            SDVariable pre = sd.nn().linear(a, weights.get(i), biases.get(i));
            if (activation == EstimatorConfig.Activation.TANH) {
                a = sd.math().tanh(pre);
                derivs[i] = a.mul(a).rsub(1.0);
            } else {
                a = sd.nn().relu(pre, 0.0);
                derivs[i] = sd.gt(pre, 0.0).castTo(pre.dataType());
            }
        }
        SDVariable value = sd.reshape(sd.nn().linear(a, weights.get(hidden), biases.get(hidden)), -1);
        SDVariable delta = derivs[hidden - 1].mul(sd.transpose(weights.get(hidden)));
        for (int i = hidden - 1; i > 0; i--) {
            delta = delta.mmul(sd.transpose(weights.get(i))).mul(derivs[i - 1]);
        }
        return new ValueAndGradient(value, delta.mmul(sd.transpose(weights.get(0))));
    }

    @Override
    public List<String> parameterNames() {
        List<String> names = new ArrayList<>();
        for (int i = 0; i < weights.size(); i++) {
            names.add(weights.get(i).name());
            names.add(biases.get(i).name());
        }
        return List.copyOf(names);
    }
}
