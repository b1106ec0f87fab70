package io.relaxsd.layers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.relaxsd.estimator.EstimatorConfig;
import java.io.File;
import java.nio.file.Path;
import java.util.List;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/** The layers inside a MultiLayerNetwork: gradients, KL score, modes, JSON and model files. */
class StochasticLayerNetworkTest {
    private static final int N_IN = 5;
    private static final int L = 2;
    private static final int K = 3;
    private static final int N_OUT = 2;
    private static final int BATCH = 7;

    private static MultiLayerConfiguration denseStochasticOutput(StochasticLayer stochastic, int width) {
        return new NeuralNetConfiguration.Builder().seed(3).dataType(DataType.DOUBLE).updater(new Sgd(0.1)).list()
                .layer(new DenseLayer.Builder().nIn(N_IN).nOut(width).activation(Activation.IDENTITY).build())
                .layer(stochastic)
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.L2).nIn(width).nOut(N_OUT)
                        .activation(Activation.IDENTITY).build())
                .build();
    }

    /**
     * The dense layer's gradient is xᵀ ĝ with ĝ the ST estimate J(softmax(θ/τ))ᵀ g / τ per group, g the
     * output layer's gradient at the sample D — computed by hand in plain Java; no factor 2.
     */
    @Test
    void denseGradientBeforeTheLayerIsTheStraightThroughEstimateChainedByHand() {
        double tau = 1.3;
        MultiLayerNetwork net = new MultiLayerNetwork(denseStochasticOutput(
                new CategoricalStochasticLayer.Builder().groups(L).categories(K).estimator("st").temperature(tau)
                        .build(), L * K));
        net.init();
        INDArray x = Nd4j.randn(DataType.DOUBLE, BATCH, N_IN);
        INDArray y = Nd4j.randn(DataType.DOUBLE, BATCH, N_OUT);
        // an identical network (same seeds) replays the sample the first one will draw
        MultiLayerNetwork twin = net.clone();
        List<INDArray> acts = twin.feedForward(x, true);
        INDArray sample = acts.get(2);

        net.setInput(x);
        net.setLabels(y);
        net.computeGradientAndScore();
        INDArray dW = net.gradient().getGradientFor("0_W");
        INDArray db = net.gradient().getGradientFor("0_b");

        double[][] xs = x.toDoubleMatrix();
        double[][] w1 = net.getParam("0_W").toDoubleMatrix();
        double[] b1 = net.getParam("0_b").toDoubleVector();
        double[][] w2 = net.getParam("2_W").toDoubleMatrix();
        double[] b2 = net.getParam("2_b").toDoubleVector();
        double[][] d = sample.toDoubleMatrix();
        double[][] refW = new double[N_IN][L * K];
        double[] refB = new double[L * K];
        for (int i = 0; i < BATCH; i++) {
            for (int g = 0; g < L; g++) {
                double ones = 0;
                for (int k = 0; k < K; k++) {
                    ones += d[i][g * K + k];
                    assertTrue(d[i][g * K + k] == 0.0 || d[i][g * K + k] == 1.0);
                }
                assertEquals(1.0, ones, 0.0);
            }
            // upstream gradient g = dL/dD for the L2 loss Σ(ŷ − y)²: 2(ŷ − y) W2ᵀ
            double[] gOut = new double[N_OUT];
            for (int o = 0; o < N_OUT; o++) {
                double yHat = b2[o];
                for (int j = 0; j < L * K; j++) {
                    yHat += d[i][j] * w2[j][o];
                }
                gOut[o] = 2 * (yHat - y.getDouble(i, o));
            }
            double[] up = new double[L * K];
            for (int j = 0; j < L * K; j++) {
                for (int o = 0; o < N_OUT; o++) {
                    up[j] += gOut[o] * w2[j][o];
                }
            }
            double[] theta = new double[L * K];
            for (int j = 0; j < L * K; j++) {
                theta[j] = b1[j];
                for (int a = 0; a < N_IN; a++) {
                    theta[j] += xs[i][a] * w1[a][j];
                }
            }
            double[] ghat = new double[L * K];
            for (int g = 0; g < L; g++) {
                double[] q = new double[K];
                double z = 0;
                double qg = 0;
                for (int k = 0; k < K; k++) {
                    q[k] = Math.exp(theta[g * K + k] / tau);
                    z += q[k];
                }
                for (int k = 0; k < K; k++) {
                    q[k] /= z;
                    qg += q[k] * up[g * K + k];
                }
                for (int k = 0; k < K; k++) {
                    ghat[g * K + k] = q[k] * (up[g * K + k] - qg) / tau;
                }
            }
            for (int j = 0; j < L * K; j++) {
                refB[j] += ghat[j];
                for (int a = 0; a < N_IN; a++) {
                    refW[a][j] += xs[i][a] * ghat[j];
                }
            }
        }
        double maxRef = 0;
        double[] dbv = db.toDoubleVector();
        for (int j = 0; j < L * K; j++) {
            assertEquals(refB[j], dbv[j], 1e-10, "db[" + j + "]");
            for (int a = 0; a < N_IN; a++) {
                assertEquals(refW[a][j], dW.getDouble(a, j), 1e-10, "dW[" + a + "," + j + "]");
                maxRef = Math.max(maxRef, Math.abs(refW[a][j]));
            }
        }
        assertTrue(maxRef > 1e-3, "reference gradient must not be trivial");
    }

    @Test
    void klWeightAddsTheMeanKlToUniformToTheScore() {
        double w = 0.7;
        INDArray x = Nd4j.randn(DataType.DOUBLE, BATCH, N_IN);
        DataSet ds = new DataSet(x, Nd4j.randn(DataType.DOUBLE, BATCH, N_OUT));
        for (boolean categorical : new boolean[] {true, false}) {
            int width = categorical ? L * K : L * K;
            MultiLayerNetwork with = new MultiLayerNetwork(denseStochasticOutput(
                    categorical ? new CategoricalStochasticLayer.Builder().groups(L).categories(K).klWeight(w).build()
                            : new BernoulliStochasticLayer.Builder().units(width).klWeight(w).build(), width));
            with.init();
            MultiLayerNetwork without = new MultiLayerNetwork(denseStochasticOutput(
                    categorical ? new CategoricalStochasticLayer.Builder().groups(L).categories(K).build()
                            : new BernoulliStochasticLayer.Builder().units(width).build(), width));
            without.init();
            without.setParams(with.params());
            double[][] theta = with.feedForward(x, false).get(1).toDoubleMatrix();
            double kl = 0;
            for (double[] row : theta) {
                if (categorical) {
                    for (int g = 0; g < L; g++) {
                        double z = 0;
                        for (int k = 0; k < K; k++) {
                            z += Math.exp(row[g * K + k]);
                        }
                        for (int k = 0; k < K; k++) {
                            double q = Math.exp(row[g * K + k]) / z;
                            kl += q * Math.log(q * K);
                        }
                    }
                } else {
                    for (double t : row) {
                        double p = 1 / (1 + Math.exp(-t));
                        kl += p * Math.log(2 * p) + (1 - p) * Math.log(2 * (1 - p));
                    }
                }
            }
            kl /= BATCH;
            assertTrue(kl > 1e-3);
            assertEquals(w * kl, with.score(ds) - without.score(ds), 1e-10, "categorical=" + categorical);
        }
    }

    @Test
    void inferenceIsDeterministicArgmaxOrProbabilitiesAndTrainingSamples() {
        INDArray x = Nd4j.randn(DataType.DOUBLE, 50, N_IN).muli(0.3);
        for (InferenceMode mode : InferenceMode.values()) {
            MultiLayerNetwork cat = new MultiLayerNetwork(denseStochasticOutput(
                    new CategoricalStochasticLayer.Builder().groups(L).categories(K).inferenceMode(mode).build(), L * K));
            cat.init();
            double[][] theta = cat.feedForward(x, false).get(1).toDoubleMatrix();
            INDArray out = cat.feedForward(x, false).get(2);
            assertEquals(out, cat.feedForward(x, false).get(2));
            for (int i = 0; i < theta.length; i++) {
                for (int g = 0; g < L; g++) {
                    int best = 0;
                    double z = 0;
                    for (int k = 0; k < K; k++) {
                        z += Math.exp(theta[i][g * K + k]);
                        if (theta[i][g * K + k] > theta[i][g * K + best]) {
                            best = k;
                        }
                    }
                    for (int k = 0; k < K; k++) {
                        double expected = mode == InferenceMode.ARGMAX ? (k == best ? 1 : 0)
                                : Math.exp(theta[i][g * K + k]) / z;
                        assertEquals(expected, out.getDouble(i, g * K + k), 1e-12);
                    }
                }
            }
            MultiLayerNetwork bern = new MultiLayerNetwork(denseStochasticOutput(
                    new BernoulliStochasticLayer.Builder().units(4).inferenceMode(mode).build(), 4));
            bern.init();
            double[][] t = bern.feedForward(x, false).get(1).toDoubleMatrix();
            INDArray b = bern.feedForward(x, false).get(2);
            for (int i = 0; i < t.length; i++) {
                for (int j = 0; j < 4; j++) {
                    double expected = mode == InferenceMode.ARGMAX ? (t[i][j] > 0 ? 1 : 0) : 1 / (1 + Math.exp(-t[i][j]));
                    assertEquals(expected, b.getDouble(i, j), 1e-12);
                }
            }
            // training mode samples: fresh noise on each pass, 0/1 values
            INDArray s1 = bern.feedForward(x, true).get(2);
            INDArray s2 = bern.feedForward(x, true).get(2);
            assertNotEquals(s1, s2);
            assertEquals(s1.length(), s1.eq(0.0).castTo(DataType.INT32).sumNumber().longValue()
                    + s1.eq(1.0).castTo(DataType.INT32).sumNumber().longValue());
        }
    }

    @Test
    void jsonConfigurationRoundTripsToAnEqualConfiguration() {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().seed(5).list()
                .layer(new DenseLayer.Builder().nIn(N_IN).nOut(12).build())
                .layer(new CategoricalStochasticLayer.Builder().groups(4).categories(3).estimator("reinmax")
                        .temperature(1.7).samples(4).eta(0.25).alpha(1.5).klWeight(0.1).seed(99)
                        .inferenceMode(InferenceMode.PROBABILITIES).name("z").build())
                .layer(new DenseLayer.Builder().nIn(12).nOut(6).build())
                .layer(new BernoulliStochasticLayer.Builder().units(6).estimator("reinmax-cv").reinmaxTemperature(1.3)
                        .cvNoise(EstimatorConfig.CvNoise.CONDITIONAL).build())
                .layer(new OutputLayer.Builder().nIn(6).nOut(2).build())
                .build();
        String json = conf.toJson();
        assertTrue(json.contains("io.relaxsd.layers.CategoricalStochasticLayer"), json);
        MultiLayerConfiguration back = MultiLayerConfiguration.fromJson(json);
        assertEquals(conf, back);
        CategoricalStochasticLayer z = (CategoricalStochasticLayer) back.getConf(1).getLayer();
        assertEquals(4, z.getGroups());
        assertEquals("reinmax", z.getEstimator());
        assertEquals(99L, z.getSeed());
        assertEquals(InferenceMode.PROBABILITIES, z.getInferenceMode());
        assertEquals(null, ((BernoulliStochasticLayer) back.getConf(3).getLayer()).getSeed());
        assertEquals(EstimatorConfig.builder("reinmax-cv").reinmaxTemperature(1.3)
                .cvNoise(EstimatorConfig.CvNoise.CONDITIONAL).build(),
                ((BernoulliStochasticLayer) back.getConf(3).getLayer()).estimatorConfig());
        assertEquals(conf, MultiLayerConfiguration.fromYaml(conf.toYaml()));
    }

    @Test
    void modelFileRoundTripGivesIdenticalInferenceOutputs(@TempDir Path dir) throws Exception {
        for (InferenceMode mode : InferenceMode.values()) {
            MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().seed(11).updater(new Adam(0.01)).list()
                    .layer(new DenseLayer.Builder().nIn(N_IN).nOut(L * K).activation(Activation.IDENTITY).build())
                    .layer(new CategoricalStochasticLayer.Builder().groups(L).categories(K).estimator("reinmax")
                            .inferenceMode(mode).klWeight(0.1).build())
                    .layer(new DenseLayer.Builder().nIn(L * K).nOut(4).activation(Activation.IDENTITY).build())
                    .layer(new BernoulliStochasticLayer.Builder().units(4).inferenceMode(mode).build())
                    .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MSE).nIn(4).nOut(N_OUT)
                            .activation(Activation.IDENTITY).build())
                    .build();
            MultiLayerNetwork net = new MultiLayerNetwork(conf);
            net.init();
            INDArray x = Nd4j.randn(DataType.FLOAT, 20, N_IN);
            DataSet ds = new DataSet(x, Nd4j.randn(DataType.FLOAT, 20, N_OUT));
            for (int i = 0; i < 5; i++) {
                net.fit(ds);
            }
            File file = dir.resolve("net-" + mode + ".zip").toFile();
            ModelSerializer.writeModel(net, file, true);
            MultiLayerNetwork back = ModelSerializer.restoreMultiLayerNetwork(file, true);
            assertEquals(net.getLayerWiseConfigurations(), back.getLayerWiseConfigurations());
            assertEquals(net.params(), back.params());
            INDArray expected = net.output(x);
            assertEquals(expected, back.output(x));
            assertEquals(expected, net.output(x));
        }
    }
}
