package io.relaxsd.layers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import org.nd4j.linalg.lossfunctions.impl.LossMSE;

/** The KL term's score and gradient agree in DL4J's conventions; the layers work in a ComputationGraph. */
class StochasticLayerGraphTest {
    private static final int BATCH = 5;

    /**
     * With the output layer's weights at zero the loss does not depend on the sample, so the dense
     * layer's gradient is the KL term's alone. DL4J reports the batch sum of per-example gradients and
     * the batch mean of the score: gradient = N · ∂score/∂W, checked by central differences.
     * Score-function layers too: the labels equal the output bias, so f(b) = 0 for every sample and
     * ĝ = f·∇log p = 0 exactly for REINFORCE, and for RELAX with φ = 0 (then c_φ ≡ 0).
     */
    @Test
    void klGradientIsTheDerivativeOfTheKlScore() {
        for (String estimator : new String[] {"st", "reinforce", "relax"}) {
            for (boolean categorical : new boolean[] {true, false}) {
                klCheck(estimator, categorical);
            }
        }
    }

    private static void klCheck(String estimator, boolean categorical) {
        StochasticLayer.Builder<?> lb = categorical
                ? new CategoricalStochasticLayer.Builder().groups(2).categories(3)
                : new BernoulliStochasticLayer.Builder().units(6);
        lb.estimator(estimator).klWeight(0.8);
        if (!estimator.equals("st")) {
            lb.scoreFrom("f");
        }
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().seed(1).dataType(DataType.DOUBLE)
                .updater(new Sgd(0.1)).list()
                .layer(new DenseLayer.Builder().nIn(4).nOut(6).activation(Activation.IDENTITY).build())
                .layer((StochasticLayer) lb.build())
                .layer(new OutputLayer.Builder().lossFunction(new PerExampleScoreLoss(new LossMSE(), "f")).nIn(6)
                        .nOut(2).activation(Activation.IDENTITY).build())
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        net.getParam("2_W").assign(0);
        if (net.getLayer(1).numParams() > 0) {
            net.getLayer(1).params().assign(0);
        }
        INDArray x = Nd4j.randn(DataType.DOUBLE, BATCH, 4);
        DataSet ds = new DataSet(x, net.getParam("2_b").reshape(1, 2).repeat(0, BATCH));
        net.setInput(x);
        net.setLabels(ds.getLabels());
        net.computeGradientAndScore();
        INDArray dW = net.gradient().getGradientFor("0_W").dup();
        INDArray w = net.getParam("0_W");
        double h = 1e-6;
        double maxGrad = 0;
        for (int a = 0; a < 4; a++) {
            for (int j = 0; j < 6; j++) {
                double old = w.getDouble(a, j);
                w.putScalar(a, j, old + h);
                double plus = net.score(ds);
                w.putScalar(a, j, old - h);
                double minus = net.score(ds);
                w.putScalar(a, j, old);
                double fd = BATCH * (plus - minus) / (2 * h);
                assertEquals(fd, dW.getDouble(a, j), 1e-6,
                        estimator + ", categorical=" + categorical + " W[" + a + "," + j + "]");
                maxGrad = Math.max(maxGrad, Math.abs(fd));
            }
        }
        assertTrue(maxGrad > 1e-3);
    }

    @Test
    void layersWorkInAComputationGraphWithJsonRoundTripAndFit() {
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder().seed(9).updater(new Sgd(0.05))
                .graphBuilder()
                .addInputs("in")
                .setInputTypes(InputType.feedForward(8))
                .addLayer("enc", new DenseLayer.Builder().nOut(12).activation(Activation.IDENTITY).build(), "in")
                .addLayer("z", new CategoricalStochasticLayer.Builder().groups(3).categories(4).estimator("reinmax")
                        .klWeight(0.05).build(), "enc")
                .addLayer("bits", new BernoulliStochasticLayer.Builder().units(12).build(), "enc")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MSE).nOut(8)
                        .activation(Activation.IDENTITY).build(), "z", "bits")
                .setOutputs("out")
                .build();
        assertEquals(conf, ComputationGraphConfiguration.fromJson(conf.toJson()));
        ComputationGraph graph = new ComputationGraph(conf);
        graph.init();
        INDArray x = Nd4j.rand(DataType.FLOAT, 40, 8);
        DataSet ds = new DataSet(x, x);
        INDArray before = graph.output(x)[0];
        double initial = graph.score(ds);
        for (int i = 0; i < 30; i++) {
            graph.fit(ds);
        }
        assertTrue(graph.score(ds) < initial, "score should fall: " + initial + " -> " + graph.score(ds));
        assertEquals(graph.output(x)[0], graph.output(x)[0]);
        assertTrue(before.sub(graph.output(x)[0]).amaxNumber().doubleValue() > 0);
    }
}
