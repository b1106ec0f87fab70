package io.relaxsd.layers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/** Copies of one network on different noise streams draw different samples; one stream repeats. */
class NoiseStreamsTest {
    private static final int GROUPS = 16;
    private static final int K = 4;
    private static final int BATCH = 32;

    private static MultiLayerNetwork copy() {
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().seed(5)
                .dataType(DataType.DOUBLE).updater(new Sgd(0.1)).list()
                .layer(new DenseLayer.Builder().nIn(3).nOut(GROUPS * K).activation(Activation.IDENTITY).build())
                .layer(new CategoricalStochasticLayer.Builder().groups(GROUPS).categories(K).estimator("st").build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.L2).nIn(GROUPS * K).nOut(2)
                        .activation(Activation.IDENTITY).build())
                .build());
        net.init();
        return net;
    }

    /** The one-hot sample of the stochastic layer (its activations) for input x in training mode. */
    private static INDArray sample(MultiLayerNetwork net, INDArray x) {
        return net.feedForward(x, true).get(2);
    }

    /** Number of (row, group) cells where the two one-hot samples pick different categories. */
    private static int differingCells(INDArray a, INDArray b) {
        INDArray ia = a.reshape(BATCH * GROUPS, K).argMax(1);
        INDArray ib = b.reshape(BATCH * GROUPS, K).argMax(1);
        return ia.neq(ib).castTo(DataType.INT32).sumNumber().intValue();
    }

    @Test
    void differentStreamsDrawDifferentSamplesAndOneStreamRepeats() {
        INDArray x = Nd4j.zeros(DataType.DOUBLE, BATCH, 3);   // uniform logits: every category has p = 1/4
        MultiLayerNetwork worker0 = copy();
        MultiLayerNetwork worker1 = copy();
        MultiLayerNetwork worker0Again = copy();
        assertEquals(1, NoiseStreams.assign(worker0, 0));
        assertEquals(1, NoiseStreams.assign(worker1, 1));
        assertEquals(1, NoiseStreams.assign(worker0Again, 0));
        INDArray s0 = sample(worker0, x);
        INDArray s1 = sample(worker1, x);
        INDArray s0Again = sample(worker0Again, x);
        assertEquals(0, differingCells(s0, s0Again), "one stream at one step draws the same sample");
        // independent uniform draws over 4 categories agree in 1/4 of 512 cells: expect 384 to differ
        int diff = differingCells(s0, s1);
        assertTrue(diff > 300 && diff < 460, "two streams should draw independent samples; differing cells " + diff);
    }

    @Test
    void withoutAStreamTheNetworkDrawsItsOwnNoiseAndClearRestoresIt() {
        INDArray x = Nd4j.zeros(DataType.DOUBLE, BATCH, 3);
        INDArray own = sample(copy(), x);
        MultiLayerNetwork streamed = copy();
        NoiseStreams.assign(streamed, 7);
        assertTrue(differingCells(own, sample(streamed, x)) > 300, "a stream replaces the layer seed");
        MultiLayerNetwork cleared = copy();
        NoiseStreams.assign(cleared, 7);
        assertEquals(1, NoiseStreams.clear(cleared));
        assertEquals(0, differingCells(own, sample(cleared, x)), "clear returns to the layer's own noise");
    }

    @Test
    void rejectsWhatIsNotANetwork() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> NoiseStreams.assign(null, 1));
        assertEquals("model: expected a MultiLayerNetwork or ComputationGraph, got null", e.getMessage());
    }
}
