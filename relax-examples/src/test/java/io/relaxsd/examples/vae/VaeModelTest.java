package io.relaxsd.examples.vae;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.relaxsd.estimator.EstimatorConfig;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** The graph's loss against the −ELBO computed by hand (plain double loops) from the same weights and noise. */
class VaeModelTest {

    /** Hard-forward estimators train on the −ELBO itself; relaxed ones (Gumbel-Softmax) report it from the hard branch. */
    @ParameterizedTest
    @ValueSource(strings = {"reinmax", "st-gumbel-softmax", "gumbel-softmax"})
    void categoricalNelboIsTheHandComputedNegativeElbo(String estimator) {
        VaeSetup setup = VaeSetup.categorical(4, 3);
        VaeModel model = VaeModel.build(setup, EstimatorConfig.builder(estimator).temperature(1.5).build(), 7);
        INDArray x = new SyntheticDigits(5, 5, 3).first(5).castTo(DataType.FLOAT);
        Map<String, INDArray> feed = model.feed(x, Nd4j.getRandomFactory().getNewRandomInstance(4));
        double loss = model.sameDiff().output(feed, VaeModel.LOSS).get(VaeModel.LOSS).getDouble(0);

        Map<String, INDArray> p = model.parameters();
        double[][] xs = x.castTo(DataType.DOUBLE).toDoubleMatrix();
        double[][] u = feed.get("z-u").castTo(DataType.DOUBLE).toDoubleMatrix();      // [B·L, C]
        double total = 0;
        for (int n = 0; n < 5; n++) {
            double[] theta = mlp(xs[n], p, "enc", 3, true);
            double[] z = new double[12];
            double kl = 0;
            for (int l = 0; l < 3; l++) {
                int best = 0;
                double bestV = Double.NEGATIVE_INFINITY;
                double max = Double.NEGATIVE_INFINITY;
                for (int c = 0; c < 4; c++) {
                    max = Math.max(max, theta[l * 4 + c]);
                    double g = -Math.log(-Math.log(u[n * 3 + l][c]));
                    if (theta[l * 4 + c] + g > bestV) {
                        bestV = theta[l * 4 + c] + g;
                        best = c;
                    }
                }
                z[l * 4 + best] = 1;
                double zsum = 0;
                for (int c = 0; c < 4; c++) {
                    zsum += Math.exp(theta[l * 4 + c] - max);
                }
                for (int c = 0; c < 4; c++) {
                    double pi = Math.exp(theta[l * 4 + c] - max) / zsum;
                    kl += pi * Math.log(pi * 4);
                }
            }
            double[] a = mlp(z, p, "dec", 3, true);
            double recon = 0;
            for (int i = 0; i < 784; i++) {
                recon += softplus(a[i]) - xs[n][i] * a[i];
            }
            total += recon + kl;
        }
        double expected = total / 5;
        if (!model.relaxedForward()) {
            assertEquals(expected, loss, 1e-5 * Math.abs(expected));
        } else {
            assertTrue(Math.abs(expected - loss) > 1e-3, "a relaxed forward differs from the hard -ELBO");
        }
        double sum = model.sameDiff().output(feed, VaeModel.NELBO_SUM).get(VaeModel.NELBO_SUM).getDouble(0);
        assertEquals(total, sum, 1e-5 * Math.abs(total));
    }

    @Test
    void initialisationIsPyTorchLinearDefault() {
        VaeModel model = VaeModel.build(VaeSetup.categorical(8, 16), EstimatorConfig.of("st"), 1);
        INDArray w = model.parameters().get("enc0_W");
        double bound = 1 / Math.sqrt(784);
        assertTrue(w.maxNumber().doubleValue() <= bound && w.minNumber().doubleValue() >= -bound);
        // uniform on ±bound: variance bound²/3
        assertEquals(bound * bound / 3, w.varNumber().doubleValue(), 0.02 * bound * bound / 3);
        assertEquals(List.of("enc0_W", "enc0_b", "enc1_W", "enc1_b", "enc2_W", "enc2_b", "dec0_W", "dec0_b",
                "dec1_W", "dec1_b", "dec2_W", "dec2_b"), List.copyOf(model.parameters().keySet()));
        assertEquals(784L * 512 + 512 + 512 * 256 + 256 + 256 * 128 + 128 + 128 * 256 + 256 + 256 * 512 + 512
                + 512 * 784 + 784, model.parameterCount());
    }

    private static double softplus(double a) {
        return Math.max(a, 0) + Math.log1p(Math.exp(-Math.abs(a)));
    }

    private static double[] mlp(double[] in, Map<String, INDArray> p, String prefix, int layers, boolean relu) {
        double[] h = in;
        for (int l = 0; l < layers; l++) {
            double[][] w = p.get(prefix + l + "_W").castTo(DataType.DOUBLE).toDoubleMatrix();
            double[] b = p.get(prefix + l + "_b").castTo(DataType.DOUBLE).toDoubleVector();
            double[] o = new double[b.length];
            for (int j = 0; j < b.length; j++) {
                double s = b[j];
                for (int i = 0; i < h.length; i++) {
                    s += h[i] * w[i][j];
                }
                o[j] = l + 1 < layers ? (relu ? Math.max(0, s) : Math.tanh(s)) : s;
            }
            h = o;
        }
        return h;
    }
}
