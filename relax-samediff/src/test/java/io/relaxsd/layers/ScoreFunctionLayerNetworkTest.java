package io.relaxsd.layers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.relaxsd.estimator.EstimatorConfig;
import java.util.function.Supplier;
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
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import org.nd4j.linalg.lossfunctions.impl.LossMSE;

/** Score-function layers in networks: validation, JSON, ComputationGraph training equal to MultiLayerNetwork's. */
class ScoreFunctionLayerNetworkTest {

    private static String message(Supplier<?> build) {
        return assertThrows(IllegalArgumentException.class, build::get).getMessage();
    }

    @Test
    void unusableSettingsAreRejectedInBuildNamingTheField() {
        String m = message(() -> new BernoulliStochasticLayer.Builder().units(4).estimator("relax").build());
        assertTrue(m.startsWith("scoreFrom:") && m.contains("PerExampleScoreLoss"), m);
        m = message(() -> new BernoulliStochasticLayer.Builder().units(4).estimator("relax").scoreFrom("f")
                .surrogateWidths(8, 0).build());
        assertTrue(m.startsWith("surrogateWidths") && m.contains("0"), m);
        m = message(() -> new CategoricalStochasticLayer.Builder().groups(2).categories(3).estimator("rebar")
                .scoreFrom("f").build());
        assertTrue(m.contains("'rebar'") && m.contains("relaxed inputs") && m.contains("relax"), m);
        m = message(() -> new BernoulliStochasticLayer.Builder().units(4).estimator("relax").scoreFrom("f")
                .surrogate(EstimatorConfig.SurrogateKind.RELAXED_LOSS_PLUS_MLP).build());
        assertTrue(m.startsWith("surrogate RELAXED_LOSS_PLUS_MLP") && m.contains("MLP_OF_RELAXED"), m);
        m = message(() -> new BernoulliStochasticLayer.Builder().units(4).estimator("relax").scoreFrom("f")
                .surrogate(EstimatorConfig.SurrogateKind.RELAXED_LOSS_PLUS_CONTEXT_MLP).build());
        assertTrue(m.startsWith("surrogate RELAXED_LOSS_PLUS_CONTEXT_MLP") && m.contains("relaxed inputs"), m);
        m = message(() -> new BernoulliStochasticLayer.Builder().units(4).estimator(EstimatorConfig.of("relax"))
                .scoreFrom("f").build());
        assertTrue(m.startsWith("surrogate RELAXED_LOSS_PLUS_MLP"), "the library default surrogate: " + m);
        m = message(() -> new BernoulliStochasticLayer.Builder().units(4).estimator("reinforce").scoreFrom("f")
                .baseline(EstimatorConfig.Baseline.LEAVE_ONE_OUT).build());
        assertTrue(m.startsWith("baseline LEAVE_ONE_OUT") && m.contains("RUNNING_MEAN"), m);
        m = message(() -> new BernoulliStochasticLayer.Builder().units(4).estimator("st").scoreFrom("f").build());
        assertTrue(m.startsWith("scoreFrom:") && m.contains("pathwise"), m);
        m = message(() -> new BernoulliStochasticLayer.Builder().units(4).estimator("relax").scoreFrom("f")
                .controlUpdater(null).build());
        assertTrue(m.startsWith("controlUpdater"), m);
        m = message(() -> new BernoulliStochasticLayer.Builder().units(4).estimator("reinforce").scoreFrom("f")
                .baselineDecay(1.0).build());
        assertTrue(m.startsWith("baselineDecay"), m);
        m = message(() -> new PerExampleScoreLoss(null, "f"));
        assertTrue(m.startsWith("inner"), m);
        m = message(() -> new PerExampleScoreLoss(new LossMSE(), " "));
        assertTrue(m.startsWith("channel"), m);
    }

    private static MultiLayerConfiguration mln(boolean wrapped, String channel) {
        return new NeuralNetConfiguration.Builder().seed(3).dataType(DataType.DOUBLE).updater(new Sgd(0.1)).list()
                .layer(new DenseLayer.Builder().nIn(5).nOut(6).activation(Activation.IDENTITY).build())
                .layer(new CategoricalStochasticLayer.Builder().groups(2).categories(3).estimator("relax")
                        .surrogate(EstimatorConfig.SurrogateKind.MLP_OF_RELAXED).surrogateWidths(4)
                        .controlUpdater(new Adam(0.05)).scoreFrom("f").seed(21).klWeight(0.3).build())
                .layer(new DenseLayer.Builder().nIn(6).nOut(4).activation(Activation.TANH).build())
                .layer(new BernoulliStochasticLayer.Builder().units(4).estimator("reinforce")
                        .baseline(EstimatorConfig.Baseline.RUNNING_MEAN).scoreFrom("f").seed(22).build())
                .layer((wrapped ? new OutputLayer.Builder().lossFunction(new PerExampleScoreLoss(new LossMSE(), channel))
                        : new OutputLayer.Builder(LossFunctions.LossFunction.MSE))
                        .nIn(4).nOut(2).activation(Activation.IDENTITY).build())
                .build();
    }

    private static ComputationGraphConfiguration graph() {
        return new NeuralNetConfiguration.Builder().seed(3).dataType(DataType.DOUBLE).updater(new Sgd(0.1))
                .graphBuilder().addInputs("in").setInputTypes(InputType.feedForward(5))
                .addLayer("enc", new DenseLayer.Builder().nIn(5).nOut(6).activation(Activation.IDENTITY).build(), "in")
                .addLayer("z", new CategoricalStochasticLayer.Builder().groups(2).categories(3).estimator("relax")
                        .surrogate(EstimatorConfig.SurrogateKind.MLP_OF_RELAXED).surrogateWidths(4)
                        .controlUpdater(new Adam(0.05)).scoreFrom("f").seed(21).klWeight(0.3).build(), "enc")
                .addLayer("h", new DenseLayer.Builder().nIn(6).nOut(4).activation(Activation.TANH).build(), "z")
                .addLayer("bits", new BernoulliStochasticLayer.Builder().units(4).estimator("reinforce")
                        .baseline(EstimatorConfig.Baseline.RUNNING_MEAN).scoreFrom("f").seed(22).build(), "h")
                .addLayer("out", new OutputLayer.Builder().lossFunction(new PerExampleScoreLoss(new LossMSE(), "f"))
                        .nIn(4).nOut(2).activation(Activation.IDENTITY).build(), "bits")
                .setOutputs("out").build();
    }

    private static DataSet data() {
        org.nd4j.linalg.api.rng.Random r = io.relaxsd.samediff.Seeds.generator(4);
        return new DataSet(Nd4j.rand(r, 16, 5).castTo(DataType.DOUBLE), Nd4j.rand(r, 16, 2).castTo(DataType.DOUBLE));
    }

    @Test
    void configurationsRoundTripThroughJson() {
        MultiLayerConfiguration conf = mln(true, "f");
        String json = conf.toJson();
        assertTrue(json.contains("PerExampleScoreLoss") && json.contains("MLP_OF_RELAXED"), json);
        assertEquals(conf, MultiLayerConfiguration.fromJson(json));
        assertEquals(conf, MultiLayerConfiguration.fromYaml(conf.toYaml()));
        ComputationGraphConfiguration g = graph();
        assertEquals(g, ComputationGraphConfiguration.fromJson(g.toJson()));
    }

    /**
     * A ComputationGraph of the same layers, seeds and parameters trains exactly as the MultiLayerNetwork:
     * its output loss publishes f before the layers below back-propagate, as in the MultiLayerNetwork.
     */
    @Test
    void computationGraphFitEqualsMultiLayerNetworkFit() {
        MultiLayerNetwork net = new MultiLayerNetwork(mln(true, "f"));
        net.init();
        ComputationGraph cg = new ComputationGraph(graph());
        cg.init();
        String[] names = {"enc", "z", "h", "bits", "out"};
        assertEquals(net.numParams(), cg.numParams());
        for (int i = 0; i < names.length; i++) {
            if (net.getLayer(i).numParams() > 0) {
                cg.getLayer(names[i]).setParams(net.getLayer(i).params().dup());
            }
        }
        INDArray phi0 = net.getLayer(1).params().dup();
        DataSet ds = data();
        for (int i = 0; i < 4; i++) {
            net.fit(ds);
            cg.fit(ds);
        }
        for (int i = 0; i < names.length; i++) {
            if (net.getLayer(i).numParams() > 0) {
                INDArray a = net.getLayer(i).params();
                INDArray b = cg.getLayer(names[i]).params();
                assertEquals(0.0, a.sub(b).norm2Number().doubleValue(), 1e-12, names[i]);
            }
        }
        assertNotEquals(0.0, net.getLayer(1).params().sub(phi0).norm2Number().doubleValue(), "φ moved");
        assertTrue(net.getLayer(3).getParam("baseline").getDouble(0) > 0, "the running-mean baseline moved");
        assertEquals(4.0, net.getLayer(3).getParam("baseline-updates").getDouble(0), 0.0);
        assertEquals(net.score(), cg.score(), 1e-12);
    }

    @Test
    void aNetworkWithoutTheLossWrapperFailsAtTheFirstStepNamingTheChannel() {
        for (MultiLayerConfiguration conf : new MultiLayerConfiguration[] {mln(false, "f"), mln(true, "g")}) {
            MultiLayerNetwork net = new MultiLayerNetwork(conf);
            net.init();
            String m = assertThrows(IllegalArgumentException.class, () -> net.fit(data())).getMessage();
            assertTrue(m.contains("channel 'f'") && m.contains("new PerExampleScoreLoss(inner, \"f\")"), m);
        }
    }
}
