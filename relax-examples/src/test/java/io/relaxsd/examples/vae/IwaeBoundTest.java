package io.relaxsd.examples.vae;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.relaxsd.estimator.DistributionKind;
import io.relaxsd.estimator.EstimatorConfig;
import io.relaxsd.samediff.Seeds;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.rng.Random;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The IWAE bound of tiny models (three Bernoulli latents per layer, so log p(x) is a sum over 8 or
 * 64 outcomes) against enumeration, and the log weights against a hand computation (plain double
 * loops) for the same uniforms.
 */
class IwaeBoundTest {
    private static final int N = 3;

    private static VaeSetup tinyLinear() {
        return new VaeSetup(VaeSetup.BINARY_LINEAR, DistributionKind.BERNOULLI, N, 1, new int[0],
                VaeSetup.Activation.TANH);
    }

    /** x̄ of the tests: pixel i at (i mod 10)/10, into the model (encoder centring, decoder output bias). */
    private static double[] withMean(VaeModel model) {
        double[] m = new double[784];
        for (int i = 0; i < 784; i++) {
            m[i] = (i % 10) / 10.0;
        }
        model.initialiseFromData(Nd4j.createFromArray(m).castTo(DataType.FLOAT));
        return m;
    }

    /** Rows of x − x̄. */
    private static double[][] centre(double[][] xs, double[] mean) {
        double[][] c = new double[xs.length][];
        for (int r = 0; r < xs.length; r++) {
            c[r] = xs[r].clone();
            for (int i = 0; i < c[r].length; i++) {
                c[r][i] -= mean[i];
            }
        }
        return c;
    }

    private static INDArray images(int count) {
        return new SyntheticDigits(count, count, 5).first(count).gt(0.5).castTo(DataType.FLOAT);
    }

    @Test
    void logMeanExpIsStableAndExact() {
        assertEquals(Math.log((Math.exp(-1) + Math.exp(-2) + Math.exp(-4)) / 3),
                IwaeBound.logMeanExp(new double[] {-1, -2, -4}), 1e-12);
        // far below exp's range: shifted by the maximum, not underflowing to −∞
        assertEquals(-1000 + Math.log((1 + Math.exp(-1)) / 2), IwaeBound.logMeanExp(new double[] {-1000, -1001}),
                1e-9);
        assertEquals(-5, IwaeBound.logMeanExp(new double[] {-5}), 0);
    }

    @Test
    void oneLayerLogWeightsAreTheHandComputedSingleSampleElbo() {
        VaeModel model = VaeModel.build(tinyLinear(), EstimatorConfig.of("st"), 3);
        double[] mean = withMean(model);
        model.parameters().get(TwoLayerGraph.PRIOR).assign(Nd4j.createFromArray(0.5f, -0.2f, 0.8f).reshape(1, N));
        INDArray x = images(4);
        double[][] w = new ImportanceWeights(model).logWeights(x, 2, Seeds.generator(17));
        Random replay = Seeds.generator(17);
        Map<String, INDArray> p = model.parameters();
        double[][] xs = x.castTo(DataType.DOUBLE).toDoubleMatrix();
        double[][] theta = affine(centre(xs, mean), p.get("enc0_W"), p.get("enc0_b"));
        double[] phi = p.get(TwoLayerGraph.PRIOR).castTo(DataType.DOUBLE).reshape(N).toDoubleVector();
        for (int j = 0; j < 2; j++) {
            double[][] b = draw(theta, replay);
            double[][] a = affine(signed(b), p.get("dec0_W"), p.get("dec0_b"));
            for (int i = 0; i < 4; i++) {
                // IWAE-1's weight: log p(x|b) + log p(b) − log q(b|x), the sampled (not analytic-KL) ELBO
                double expected = logBernoulli(xs[i], a[i]) + logBernoulli(b[i], phi) - logBernoulli(b[i], theta[i]);
                assertEquals(expected, w[i][j], 1e-6 * Math.abs(expected));
            }
        }
    }

    @Test
    void twoLayerLogWeightsAreTheHandComputedSingleSampleElbo() {
        VaeModel model = VaeModel.build(VaeSetup.twoLayer(N), EstimatorConfig.of("st"), 4);
        double[] mean = withMean(model);
        model.parameters().get(TwoLayerGraph.PRIOR).assign(Nd4j.createFromArray(0.3f, -0.7f, 1.1f).reshape(1, N));
        INDArray x = images(3);
        double[][] w = new ImportanceWeights(model).logWeights(x, 2, Seeds.generator(23));
        Random replay = Seeds.generator(23);
        Map<String, INDArray> p = model.parameters();
        double[][] xs = x.castTo(DataType.DOUBLE).toDoubleMatrix();
        double[][] theta1 = affine(centre(xs, mean), p.get("enc0_W"), p.get("enc0_b"));
        double[] phi = p.get(TwoLayerGraph.PRIOR).castTo(DataType.DOUBLE).reshape(N).toDoubleVector();
        for (int j = 0; j < 2; j++) {
            double[][] b1 = draw(theta1, replay);
            double[][] theta2 = affine(signed(b1), p.get("enc_top0_W"), p.get("enc_top0_b"));
            double[][] b2 = draw(theta2, replay);
            double[][] a2 = affine(signed(b2), p.get("dec_top0_W"), p.get("dec_top0_b"));
            double[][] a1 = affine(signed(b1), p.get("dec0_W"), p.get("dec0_b"));
            for (int i = 0; i < 3; i++) {
                double expected = logBernoulli(xs[i], a1[i]) + logBernoulli(b1[i], a2[i]) + logBernoulli(b2[i], phi)
                        - logBernoulli(b1[i], theta1[i]) - logBernoulli(b2[i], theta2[i]);
                assertEquals(expected, w[i][j], 1e-6 * Math.abs(expected));
            }
        }
    }

    /**
     * Exact E[IWAE_1] (the ELBO) and E[IWAE_2] by enumeration of the outcomes (and pairs of them),
     * against the Monte-Carlo means of the implementation; E[IWAE_1] < E[IWAE_2] < log p(x), and
     * IWAE_1000 within 0.03 nats of log p(x).
     */
    @Test
    void oneLayerBoundMatchesEnumeration() {
        VaeModel model = VaeModel.build(tinyLinear(), EstimatorConfig.of("st"), 3);
        double[] mean = withMean(model);
        model.parameters().get("dec0_W").muli(0.2);       // a posterior q can roughly follow
        model.parameters().get(TwoLayerGraph.PRIOR).assign(Nd4j.createFromArray(-0.6f, 0.4f, 1.2f).reshape(1, N));
        INDArray x = images(1);
        Map<String, INDArray> p = model.parameters();
        double[] xs = x.castTo(DataType.DOUBLE).toDoubleMatrix()[0];
        double[] phi = p.get(TwoLayerGraph.PRIOR).castTo(DataType.DOUBLE).reshape(N).toDoubleVector();
        double[] theta = affine(centre(new double[][] {xs}, mean), p.get("enc0_W"), p.get("enc0_b"))[0];
        double[] logQ = new double[1 << N];
        double[] logW = new double[1 << N];
        for (int c = 0; c < logQ.length; c++) {
            double[] b = bits(c, N);
            logQ[c] = logBernoulli(b, theta);
            logW[c] = logBernoulli(xs, affine(signed(new double[][] {b}), p.get("dec0_W"), p.get("dec0_b"))[0])
                    + logBernoulli(b, phi) - logQ[c];
        }
        checkBounds(model, x, logQ, logW);
    }

    /** Two categorical variables of three classes (9 outcomes), linear maps, uniform prior. */
    @Test
    void categoricalBoundMatchesEnumeration() {
        int c = 3;
        int l = 2;
        VaeSetup setup = new VaeSetup(VaeSetup.CATEGORICAL, DistributionKind.CATEGORICAL, l, c, new int[0],
                VaeSetup.Activation.RELU);
        VaeModel model = VaeModel.build(setup, EstimatorConfig.of("st"), 8);
        model.parameters().get("dec0_W").muli(0.2);
        model.parameters().get("enc0_W").muli(10);
        INDArray x = images(1);
        Map<String, INDArray> p = model.parameters();
        double[] xs = x.castTo(DataType.DOUBLE).toDoubleMatrix()[0];
        double[] theta = affine(new double[][] {xs}, p.get("enc0_W"), p.get("enc0_b"))[0];
        double[] logQ = new double[c * c];
        double[] logW = new double[c * c];
        for (int o = 0; o < c * c; o++) {
            int[] cls = {o % c, o / c};
            double[] d = new double[l * c];
            for (int v = 0; v < l; v++) {
                d[v * c + cls[v]] = 1;
                double z = 0;
                for (int k = 0; k < c; k++) {
                    z += Math.exp(theta[v * c + k]);
                }
                logQ[o] += theta[v * c + cls[v]] - Math.log(z);
            }
            logW[o] = logBernoulli(xs, affine(new double[][] {d}, p.get("dec0_W"), p.get("dec0_b"))[0])
                    - l * Math.log(c) - logQ[o];
        }
        checkBounds(model, x, logQ, logW);
    }

    @Test
    void twoLayerBoundMatchesEnumeration() {
        VaeModel model = VaeModel.build(VaeSetup.twoLayer(N), EstimatorConfig.of("st"), 6);
        Map<String, INDArray> p = model.parameters();
        p.get(TwoLayerGraph.PRIOR).assign(Nd4j.createFromArray(-0.4f, 0.9f, 0.2f).reshape(1, N));
        p.get("dec0_W").muli(0.2);
        // the PyTorch-default scale times 3 on dec_top (Glorot's bounds are ±0.087 at 784 → 3, ±1 at 3 → 3):
        // a q close enough to the posterior for IWAE_1000 to come within 0.03 of log p(x)
        p.get("dec_top0_W").muli(3 / Math.sqrt(3));
        p.get("enc_top0_W").muli(1 / Math.sqrt(3));
        p.get("enc0_W").muli(Math.sqrt(787.0 / 6) / 28);
        INDArray x = images(1);
        double[] xs = x.castTo(DataType.DOUBLE).toDoubleMatrix()[0];
        double[] phi = p.get(TwoLayerGraph.PRIOR).castTo(DataType.DOUBLE).reshape(N).toDoubleVector();
        double[] theta1 = affine(new double[][] {xs}, p.get("enc0_W"), p.get("enc0_b"))[0];
        double[] logQ = new double[1 << (2 * N)];
        double[] logW = new double[logQ.length];
        for (int c1 = 0; c1 < 1 << N; c1++) {
            double[][] b1 = {bits(c1, N)};
            double px = logBernoulli(xs, affine(signed(b1), p.get("dec0_W"), p.get("dec0_b"))[0]);
            double[] theta2 = affine(signed(b1), p.get("enc_top0_W"), p.get("enc_top0_b"))[0];
            for (int c2 = 0; c2 < 1 << N; c2++) {
                double[][] b2 = {bits(c2, N)};
                double[] a2 = affine(signed(b2), p.get("dec_top0_W"), p.get("dec_top0_b"))[0];
                int c = (c1 << N) | c2;
                logQ[c] = logBernoulli(b1[0], theta1) + logBernoulli(b2[0], theta2);
                logW[c] = px + logBernoulli(b1[0], a2) + logBernoulli(b2[0], phi) - logQ[c];
            }
        }
        checkBounds(model, x, logQ, logW);
    }

    /** Outcome c has probability exp(logQ[c]) under q and weight exp(logW[c]). */
    private static void checkBounds(VaeModel model, INDArray x, double[] logQ, double[] logW) {
        double[] joint = new double[logQ.length];
        double elbo = 0;
        double iwae2 = 0;
        for (int c = 0; c < logQ.length; c++) {
            joint[c] = logQ[c] + logW[c];
            elbo += Math.exp(logQ[c]) * logW[c];
            for (int d = 0; d < logQ.length; d++) {
                iwae2 += Math.exp(logQ[c] + logQ[d]) * IwaeBound.logMeanExp(new double[] {logW[c], logW[d]});
            }
        }
        double logPx = logSumExp(joint);
        assertTrue(elbo < iwae2 - 1e-3 && iwae2 < logPx - 1e-3,
                "ELBO " + elbo + " < E[IWAE_2] " + iwae2 + " < log p(x) " + logPx);
        ImportanceWeights iw = new ImportanceWeights(model);
        Random rng = Seeds.generator(99);
        double[] exact = {elbo, iwae2, logPx};
        int[] ks = {1, 2, 1000};
        int[] rows = {8000, 4000, 20};
        for (int t = 0; t < ks.length; t++) {
            double[][] w = iw.logWeights(Nd4j.tile(x, rows[t], 1), ks[t], rng);
            double sum = 0;
            double sq = 0;
            for (double[] row : w) {
                double v = IwaeBound.logMeanExp(row);
                sum += v;
                sq += v * v;
            }
            double mean = sum / rows[t];
            double se = Math.sqrt(Math.max(0, sq / rows[t] - mean * mean) / rows[t]);
            // IWAE_1000 sits a little below log p(x) (its bias) and is noisy over 20 images
            double tolerance = t < 2 ? 4 * se : 0.03 + 2 * se;
            assertEquals(exact[t], mean, tolerance, "mean IWAE_" + ks[t] + " (standard error " + se + ")");
        }
    }

    @Test
    void evaluateAveragesOverImagesAndRejectsBadK() {
        VaeModel model = VaeModel.build(tinyLinear(), EstimatorConfig.of("st"), 3);
        SyntheticDigits data = new SyntheticDigits(6, 4, 5);
        double v = IwaeBound.evaluate(model, new BinarisedBatches(data), 5, 4, Seeds.generator(1), null);
        assertTrue(Double.isFinite(v) && v > 0, "-IWAE is a positive number of nats: " + v);
        assertThrows(IllegalArgumentException.class,
                () -> IwaeBound.evaluate(model, data, 0, 4, Seeds.generator(1), null));
    }

    /** Threshold-binarised images of another batch source. */
    private record BinarisedBatches(ImageBatches inner) implements ImageBatches {
        @Override
        public int size() {
            return inner.size();
        }

        @Override
        public int batchCount() {
            return inner.batchCount();
        }

        @Override
        public java.util.Iterator<INDArray> epoch(int epoch) {
            java.util.Iterator<INDArray> it = inner.epoch(epoch);
            return new java.util.Iterator<>() {
                @Override
                public boolean hasNext() {
                    return it.hasNext();
                }

                @Override
                public INDArray next() {
                    return it.next().gt(0.5).castTo(DataType.FLOAT);
                }
            };
        }
    }

    // ---- plain double helpers ----

    static double[][] affine(double[][] in, INDArray w, INDArray b) {
        double[][] wm = w.castTo(DataType.DOUBLE).toDoubleMatrix();
        double[] bv = b.castTo(DataType.DOUBLE).reshape(b.length()).toDoubleVector();
        double[][] out = new double[in.length][bv.length];
        for (int r = 0; r < in.length; r++) {
            for (int j = 0; j < bv.length; j++) {
                double s = bv[j];
                for (int i = 0; i < in[r].length; i++) {
                    s += in[r][i] * wm[i][j];
                }
                out[r][j] = s;
            }
        }
        return out;
    }

    /** The draw ImportanceWeights makes: b = 1 where u > 1 − σ(θ), u from the same generator. */
    private static double[][] draw(double[][] theta, Random rng) {
        double[][] u = Nd4j.rand(rng, theta.length, theta[0].length).castTo(DataType.DOUBLE).toDoubleMatrix();
        double[][] b = new double[theta.length][theta[0].length];
        for (int r = 0; r < theta.length; r++) {
            for (int j = 0; j < theta[r].length; j++) {
                b[r][j] = u[r][j] > 1 / (1 + Math.exp(theta[r][j])) ? 1 : 0;
            }
        }
        return b;
    }

    static double[][] signed(double[][] b) {
        double[][] s = new double[b.length][];
        for (int r = 0; r < b.length; r++) {
            s[r] = new double[b[r].length];
            for (int j = 0; j < b[r].length; j++) {
                s[r][j] = 2 * b[r][j] - 1;
            }
        }
        return s;
    }

    static double[] bits(int code, int n) {
        double[] b = new double[n];
        for (int j = 0; j < n; j++) {
            b[j] = (code >> j) & 1;
        }
        return b;
    }

    static double softplus(double a) {
        return Math.max(a, 0) + Math.log1p(Math.exp(-Math.abs(a)));
    }

    static double logBernoulli(double[] t, double[] a) {
        double s = 0;
        for (int i = 0; i < t.length; i++) {
            s += t[i] * a[i] - softplus(a[i]);
        }
        return s;
    }

    static double logSumExp(double[] v) {
        double m = Double.NEGATIVE_INFINITY;
        for (double d : v) {
            m = Math.max(m, d);
        }
        double s = 0;
        for (double d : v) {
            s += Math.exp(d - m);
        }
        return m + Math.log(s);
    }
}
