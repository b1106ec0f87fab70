package io.relaxsd.layers;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.rng.Random;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * A discrete-bottleneck autoencoder, built and trained as a plain DL4J network with {@code fit()}:
 * 200 binary patterns, noisy copies of 4 prototypes, through a 4 × 4 categorical (or 8-bit Bernoulli)
 * code. The reconstruction score must fall clearly, and far below the best score reachable without
 * information through the bottleneck (measured: initial ≈ 17, input-independent optimum ≈ 12.2,
 * final ≈ 3.6–4.0 after 40 epochs).
 */
class DiscreteAutoencoderTest {
    private static final int DIM = 24;

    private static DataSet patterns() {
        Random rng = Nd4j.getRandomFactory().getNewRandomInstance(2024);
        INDArray prototypes = Nd4j.rand(rng, 4, DIM).gt(0.5).castTo(DataType.FLOAT);
        INDArray x = Nd4j.create(DataType.FLOAT, 200, DIM);
        for (int i = 0; i < 200; i++) {
            INDArray flip = Nd4j.rand(rng, 1, DIM).lt(0.05).castTo(DataType.FLOAT);
            INDArray p = prototypes.getRow(i % 4, true);
            x.putRow(i, p.add(flip).sub(p.mul(flip).mul(2)));   // XOR with the flip mask
        }
        return new DataSet(x, x);
    }

    private static MultiLayerConfiguration autoencoder(StochasticLayer bottleneck, int code) {
        return new NeuralNetConfiguration.Builder().seed(7).updater(new Adam(0.02)).list()
                .layer(new DenseLayer.Builder().nIn(DIM).nOut(32).activation(Activation.TANH).build())
                .layer(new DenseLayer.Builder().nIn(32).nOut(code).activation(Activation.IDENTITY).build())
                .layer(bottleneck)
                .layer(new DenseLayer.Builder().nIn(code).nOut(32).activation(Activation.TANH).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.XENT).nIn(32).nOut(DIM)
                        .activation(Activation.SIGMOID).build())
                .build();
    }

    private static void trainsAndLossFalls(StochasticLayer bottleneck, int code) {
        DataSet data = patterns();
        MultiLayerNetwork net = new MultiLayerNetwork(autoencoder(bottleneck, code));
        net.init();
        double initial = net.score(data);
        List<DataSet> batches = data.batchBy(50);
        for (int epoch = 0; epoch < 40; epoch++) {
            for (DataSet batch : batches) {
                net.fit(batch);
            }
        }
        double trainingScore = net.score(data, true);
        double finalScore = net.score(data);
        double baseline = marginalBaseline(data.getFeatures());
        assertTrue(finalScore < 0.7 * initial, bottleneck + ": initial " + initial + ", final " + finalScore);
        assertTrue(trainingScore < 0.7 * initial, bottleneck + ": initial " + initial + ", sampled " + trainingScore);
        // the code carries the prototype: far below what the decoder could reach without it
        assertTrue(finalScore < 0.5 * baseline, bottleneck + ": baseline " + baseline + ", final " + finalScore);
    }

    /**
     * The score of the best input-independent reconstruction (each bit's frequency): what a decoder
     * achieves without any information passing through the bottleneck.
     */
    private static double marginalBaseline(INDArray x) {
        double[] freq = x.mean(0).toDoubleVector();
        double total = 0;
        for (double f : freq) {
            total -= f == 0 || f == 1 ? 0 : f * Math.log(f) + (1 - f) * Math.log(1 - f);
        }
        return total;
    }

    @Test
    void categoricalBottleneckAutoencoderTrainsWithFit() {
        for (String estimator : List.of("st", "reinmax")) {
            trainsAndLossFalls(new CategoricalStochasticLayer.Builder().groups(4).categories(4).estimator(estimator)
                    .klWeight(0.01).build(), 16);
        }
    }

    @Test
    void bernoulliBottleneckAutoencoderTrainsWithFit() {
        trainsAndLossFalls(new BernoulliStochasticLayer.Builder().units(8).estimator("reinmax").build(), 8);
    }
}
