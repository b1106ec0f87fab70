package io.relaxsd.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import io.relaxsd.estimator.EstimatorConfig;
import io.relaxsd.layers.BernoulliStochasticLayer;
import io.relaxsd.layers.CategoricalStochasticLayer;
import io.relaxsd.layers.PerExampleScoreLoss;
import io.relaxsd.layers.StochasticLayer;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.util.stream.Stream;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import org.nd4j.linalg.lossfunctions.impl.LossMSE;
import org.nd4j.linalg.schedule.ExponentialSchedule;
import org.nd4j.linalg.schedule.ScheduleType;

/**
 * Save → load → continue with the project's updaters and layers: the loaded network gives the same
 * inference output, holds the same optimiser state, and its next training steps are exactly those of the
 * network that was never saved, noise included.
 */
class SaveLoadTest {
    private static final String CHANNEL = "f";

    static Stream<Arguments> cases() {
        IUpdater scheduled = new RAdam(1e-2);
        scheduled.setLrAndSchedule(1e-2, new ExponentialSchedule(ScheduleType.ITERATION, 1e-2, 0.99));
        return Stream.of(
                Arguments.of("FusedAdam, dense", new FusedAdam(1e-2, 0.8, 0.99, 1e-7), null),
                Arguments.of("RAdam, dense", new RAdam(1e-2), null),
                Arguments.of("RAdam with a schedule, dense", scheduled, null),
                Arguments.of("FusedAdam, categorical layer", new FusedAdam(1e-2),
                        new CategoricalStochasticLayer.Builder().groups(3).categories(4).estimator("reinmax").klWeight(1.0)
                                .build()),
                Arguments.of("RAdam, Bernoulli layer", new RAdam(1e-2),
                        new BernoulliStochasticLayer.Builder().units(12).estimator("gumbel-rao").build()),
                Arguments.of("FusedAdam, RELAX categorical layer (phi under RAdam)", new FusedAdam(1e-2),
                        new CategoricalStochasticLayer.Builder().groups(3).categories(4).estimator("relax")
                                .surrogate(EstimatorConfig.SurrogateKind.MLP_OF_RELAXED).surrogateWidths(5)
                                .controlUpdater(new RAdam(3e-2)).scoreFrom(CHANNEL).klWeight(0.5).build()),
                Arguments.of("RAdam, REINFORCE running-mean Bernoulli layer", new RAdam(1e-2),
                        new BernoulliStochasticLayer.Builder().units(12).estimator("reinforce")
                                .baseline(EstimatorConfig.Baseline.RUNNING_MEAN).scoreFrom(CHANNEL).build()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void savedNetworkLoadsAndContinuesExactly(String name, IUpdater updater, Layer stochastic) throws Exception {
        MultiLayerNetwork net = network(updater, stochastic);
        DataSet batch = batch();
        for (int i = 0; i < 5; i++) {
            net.fit(batch);
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ModelSerializer.writeModel(net, bytes, true);
        MultiLayerNetwork loaded = ModelSerializer.restoreMultiLayerNetwork(new ByteArrayInputStream(bytes.toByteArray()), true);

        assertEquals(net.getLayerWiseConfigurations(), loaded.getLayerWiseConfigurations(), name);
        assertEquals(net.params(), loaded.params(), name);
        assertEquals(net.getUpdater().getStateViewArray(), loaded.getUpdater().getStateViewArray(), "optimiser state");
        assertNotEquals(0.0, loaded.getUpdater().getStateViewArray().norm2Number().doubleValue(), "state was saved");
        assertEquals(net.output(batch.getFeatures(), false), loaded.output(batch.getFeatures(), false), "inference output");
        assertEquals(net.getIterationCount(), loaded.getIterationCount());

        for (int i = 0; i < 3; i++) {
            net.fit(batch);
            loaded.fit(batch);
        }
        assertEquals(net.params(), loaded.params(), "continued training");
        assertEquals(net.score(), loaded.score(), 0.0);
    }

    static MultiLayerNetwork network(IUpdater updater, Layer stochastic) {
        NeuralNetConfiguration.ListBuilder b = new NeuralNetConfiguration.Builder().seed(7).dataType(DataType.FLOAT)
                .updater(updater).list()
                .layer(new DenseLayer.Builder().nIn(6).nOut(12).activation(Activation.TANH).build());
        if (stochastic != null) {
            b.layer(stochastic);
        }
        // score-function layers read f from the output layer's wrapped loss (the same MSE)
        OutputLayer.Builder out = stochastic instanceof StochasticLayer s && s.scoreFunction()
                ? new OutputLayer.Builder().lossFunction(new PerExampleScoreLoss(new LossMSE(), CHANNEL))
                : new OutputLayer.Builder(LossFunctions.LossFunction.MSE);
        MultiLayerConfiguration conf = b.layer(out.nIn(12).nOut(3).activation(Activation.IDENTITY).build()).build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        return net;
    }

    static DataSet batch() {
        org.nd4j.linalg.api.rng.Random r = io.relaxsd.samediff.Seeds.generator(3);
        INDArray x = Nd4j.rand(r, 8, 6).castTo(DataType.FLOAT);
        INDArray y = Nd4j.rand(r, 8, 3).castTo(DataType.FLOAT);
        return new DataSet(x, y);
    }
}
