package io.relaxsd.examples.vae;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.relaxsd.estimator.EstimatorConfig;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The gradients the trainer applies, against a backward pass written by hand (plain double loops)
 * from the same weights and noise: loss = (1/B) Σ_n [BCE(dec(z_n), x_n) + KL_n], so
 * ∂loss/∂b_out = (1/B) Σ_n (σ(a_n) − x_n) and, for ST, ∂loss/∂θ = (1/B)[J(softmax(θ/τ))ᵀ ∂f/∂z / τ
 * + J(π)ᵀ log π]. The forward value alone cannot catch a loss op that drops the 1/B on its way back
 * (SameDiff's fused sigmoidCrossEntropy did: the decoder got B times its gradient, the KL did not).
 */
class VaeModelGradientTest {
    private static final int C = 4;
    private static final int L = 3;
    private static final int B = 5;
    private static final double TAU = 1.5;

    /** Decoder output bias: exact for hard-forward and relaxed-forward estimators alike. */
    @ParameterizedTest
    @ValueSource(strings = {"st", "reinmax", "st-gumbel-softmax", "gumbel-softmax"})
    void decoderOutputBiasGradientIsTheBatchMeanOfSigmoidMinusTarget(String estimator) {
        VaeModel model = VaeModel.build(VaeSetup.categorical(C, L), EstimatorConfig.builder(estimator)
                .temperature(TAU).build(), 11);
        INDArray x = new SyntheticDigits(B, B, 2).first(B).castTo(DataType.FLOAT);
        Map<String, INDArray> feed = model.feed(x, Nd4j.getRandomFactory().getNewRandomInstance(3));
        Map<String, INDArray> g = gradients(model, feed);
        Hand hand = new Hand(model, x, feed, model.relaxedForward());
        assertClose(hand.outputBiasGradient, g.get("dec2_b").castTo(DataType.DOUBLE).toDoubleVector(), "dec2_b");
    }

    /** Encoder output bias under ST: the reconstruction and KL terms with the same 1/B weight. */
    @Test
    void encoderOutputBiasGradientIsTheHandComputedStraightThroughPlusKl() {
        VaeModel model = VaeModel.build(VaeSetup.categorical(C, L), EstimatorConfig.builder("st")
                .temperature(TAU).build(), 12);
        INDArray x = new SyntheticDigits(B, B, 9).first(B).castTo(DataType.FLOAT);
        Map<String, INDArray> feed = model.feed(x, Nd4j.getRandomFactory().getNewRandomInstance(5));
        Map<String, INDArray> g = gradients(model, feed);
        Hand hand = new Hand(model, x, feed, false);
        assertClose(hand.encoderBiasGradientSt, g.get("enc2_b").castTo(DataType.DOUBLE).toDoubleVector(), "enc2_b");
    }

    /** The BCE helper alone: value and gradient under an upstream factor, and finite for large logits. */
    @Test
    void crossEntropyHelperPassesTheUpstreamGradientAndStaysFinite() {
        SameDiff sd = SameDiff.create();
        // 0: σ = ½ exactly; 85: above the softplus's clip at 80; −95: e^a underflows FLOAT (σ = 0)
        double[] a = {0.3, -1.2, 2.0, 120.0, -130.0, 0.0, 85.0, -95.0};
        double[] t = {0.2, 0.9, 0.5, 1.0, 0.25, 0.7, 0.4, 0.6};
        int n = a.length;
        SDVariable logits = sd.var("a", Nd4j.createFromArray(a).castTo(DataType.FLOAT).reshape(1, n));
        SDVariable target = sd.constant("t", Nd4j.createFromArray(t).castTo(DataType.FLOAT).reshape(1, n));
        SDVariable bce = VaeModel.bernoulliCrossEntropySum(target, logits);
        sd.math().mul("loss", bce, sd.constant(Nd4j.scalar(DataType.FLOAT, 0.25)));
        sd.setLossVariables("loss");
        double expected = 0;
        double[] grad = new double[n];
        for (int i = 0; i < n; i++) {
            expected += Math.max(a[i], 0) - t[i] * a[i] + Math.log1p(Math.exp(-Math.abs(a[i])));
            grad[i] = 0.25 * (1 / (1 + Math.exp(-a[i])) - t[i]);
        }
        assertEquals(0.25 * expected, sd.output(Map.of(), "loss").get("loss").getDouble(0), 1e-5 * expected);
        double[] got = sd.calculateGradients(Map.of(), "a").get("a").castTo(DataType.DOUBLE).toDoubleVector();
        for (int i = 0; i < n; i++) {
            assertEquals(grad[i], got[i], 1e-6, "dloss/da[" + i + "]");
        }
    }

    private static Map<String, INDArray> gradients(VaeModel model, Map<String, INDArray> feed) {
        model.prepareGradients();
        return model.sameDiff().calculateGradients(feed, List.of("dec2_b", "enc2_b"));
    }

    private static void assertClose(double[] expected, double[] actual, String what) {
        assertEquals(expected.length, actual.length, what + " length");
        double scale = 0;
        for (double e : expected) {
            scale = Math.max(scale, Math.abs(e));
        }
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual[i], 1e-4 * scale + 1e-7, what + "[" + i + "]");
        }
    }

    /** Forward and backward of the whole model in double, one example at a time. */
    private static final class Hand {
        final double[] outputBiasGradient = new double[784];
        final double[] encoderBiasGradientSt = new double[L * C];

        Hand(VaeModel model, INDArray xArr, Map<String, INDArray> feed, boolean relaxed) {
            Map<String, INDArray> p = model.parameters();
            double[][] xs = xArr.castTo(DataType.DOUBLE).toDoubleMatrix();
            double[][] u = feed.get("z-u").castTo(DataType.DOUBLE).toDoubleMatrix();     // [B·L, C]
            for (int n = 0; n < B; n++) {
                double[][] enc = forward(xs[n], p, "enc");
                double[] theta = enc[enc.length - 1];
                double[] z = new double[L * C];
                for (int l = 0; l < L; l++) {
                    double[] perturbed = new double[C];
                    int best = 0;
                    for (int c = 0; c < C; c++) {
                        perturbed[c] = theta[l * C + c] - Math.log(-Math.log(u[n * L + l][c]));
                        if (perturbed[c] > perturbed[best]) {
                            best = c;
                        }
                    }
                    if (relaxed) {
                        double[] y = softmax(perturbed, TAU);
                        System.arraycopy(y, 0, z, l * C, C);
                    } else {
                        z[l * C + best] = 1;
                    }
                }
                double[][] dec = forward(z, p, "dec");
                double[] a = dec[dec.length - 1];
                double[] delta = new double[784];
                for (int i = 0; i < 784; i++) {
                    delta[i] = 1 / (1 + Math.exp(-a[i])) - xs[n][i];
                    outputBiasGradient[i] += delta[i] / B;
                }
                double[] dz = backToInput(delta, dec, p, "dec");
                for (int l = 0; l < L; l++) {
                    double[] rowTheta = new double[C];
                    double[] rowDz = new double[C];
                    for (int c = 0; c < C; c++) {
                        rowTheta[c] = theta[l * C + c];
                        rowDz[c] = dz[l * C + c];
                    }
                    double[] q = softmax(rowTheta, TAU);
                    double[] pi = softmax(rowTheta, 1.0);
                    double qg = 0;
                    double piLogPi = 0;
                    for (int c = 0; c < C; c++) {
                        qg += q[c] * rowDz[c];
                        piLogPi += pi[c] * Math.log(pi[c]);
                    }
                    for (int c = 0; c < C; c++) {
                        double st = q[c] * (rowDz[c] - qg) / TAU;
                        double kl = pi[c] * (Math.log(pi[c]) - piLogPi);
                        encoderBiasGradientSt[l * C + c] += (st + kl) / B;
                    }
                }
            }
        }

        /** Activations of every layer: [0] = input, then post-activations, last = output logits. */
        private static double[][] forward(double[] in, Map<String, INDArray> p, String prefix) {
            double[][] acts = new double[4][];
            acts[0] = in;
            for (int l = 0; l < 3; l++) {
                double[][] w = p.get(prefix + l + "_W").castTo(DataType.DOUBLE).toDoubleMatrix();
                double[] b = p.get(prefix + l + "_b").castTo(DataType.DOUBLE).toDoubleVector();
                double[] o = new double[b.length];
                for (int j = 0; j < b.length; j++) {
                    double s = b[j];
                    for (int i = 0; i < acts[l].length; i++) {
                        s += acts[l][i] * w[i][j];
                    }
                    o[j] = l < 2 ? Math.max(0, s) : s;
                }
                acts[l + 1] = o;
            }
            return acts;
        }

        /** ∂f/∂input from ∂f/∂(output logits), through the ReLU layers. */
        private static double[] backToInput(double[] delta, double[][] acts, Map<String, INDArray> p, String prefix) {
            double[] d = delta;
            for (int l = 2; l >= 0; l--) {
                double[][] w = p.get(prefix + l + "_W").castTo(DataType.DOUBLE).toDoubleMatrix();
                double[] back = new double[w.length];
                for (int i = 0; i < w.length; i++) {
                    double s = 0;
                    for (int j = 0; j < d.length; j++) {
                        s += w[i][j] * d[j];
                    }
                    back[i] = l > 0 && acts[l][i] <= 0 ? 0 : s;
                }
                d = back;
            }
            return d;
        }

        private static double[] softmax(double[] v, double tau) {
            double max = Double.NEGATIVE_INFINITY;
            for (double x : v) {
                max = Math.max(max, x / tau);
            }
            double[] e = new double[v.length];
            double sum = 0;
            for (int i = 0; i < v.length; i++) {
                e[i] = Math.exp(v[i] / tau - max);
                sum += e[i];
            }
            for (int i = 0; i < v.length; i++) {
                e[i] /= sum;
            }
            return e;
        }
    }
}
