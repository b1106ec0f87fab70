package io.relaxsd.layers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.relaxsd.estimator.EstimatorConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import org.deeplearning4j.datasets.iterator.utilty.ListDataSetIterator;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import org.nd4j.linalg.lossfunctions.impl.LossBinaryXENT;

/** The README's DL4J snippets (pathwise layer, RELAX layer), verbatim, built and trained on random binary data. */
class ReadmeSnippetTest {

    @Test
    void readmePathwiseLayerSnippetBuildsAndTrains() throws Exception {
        // ---- README snippet (section "Using it from DL4J") ----
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder()
                .seed(42).updater(new Adam(1e-3)).list()
                .layer(new DenseLayer.Builder().nIn(784).nOut(256).activation(Activation.RELU).build())
                .layer(new DenseLayer.Builder().nIn(256).nOut(16 * 8).activation(Activation.IDENTITY).build()) // logits
                .layer(new CategoricalStochasticLayer.Builder()
                        .groups(16).categories(8)              // 16 one-hot groups of 8 categories
                        .estimator("reinmax").temperature(1.3) // any pathwise estimator, see below
                        .inferenceMode(InferenceMode.ARGMAX)   // or PROBABILITIES
                        .klWeight(1.0)                         // + KL(q ‖ uniform) per example: a discrete VAE
                        .build())
                .layer(new DenseLayer.Builder().nIn(16 * 8).nOut(256).activation(Activation.RELU).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.XENT).nIn(256).nOut(784)
                        .activation(Activation.SIGMOID).build())
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        net.fit(trainIterator(), 2);
        // ---- end of snippet ----

        String readme = Files.readString(Path.of("..", "README.md"));
        for (String line : new String[] {".groups(16).categories(8)", ".estimator(\"reinmax\").temperature(1.3)",
                ".inferenceMode(InferenceMode.ARGMAX)", ".klWeight(1.0)",
                ".layer(new OutputLayer.Builder(LossFunctions.LossFunction.XENT).nIn(256).nOut(784)",
                "net.fit(trainIterator, 10);"}) {
            assertTrue(readme.contains(line), "README snippet line: " + line);
        }
        double before = net.score(trainIterator().next());
        net.fit(trainIterator(), 5);
        double after = net.score(trainIterator().next());
        assertTrue(after < before, "the score falls: " + before + " -> " + after);
        INDArray out = net.output(trainIterator().next().getFeatures(), false);
        assertEquals(784, out.size(1));
    }

    @Test
    void readmeRelaxLayerSnippetBuildsAndTrains() throws Exception {
        // ---- README snippet (section "REINFORCE and RELAX layers") ----
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder()
                .seed(42).updater(new Adam(1e-3)).list()
                .layer(new DenseLayer.Builder().nIn(784).nOut(200).activation(Activation.IDENTITY).build()) // logits
                .layer(new BernoulliStochasticLayer.Builder().units(200)
                        .estimator("relax")                                  // or "reinforce"
                        .surrogate(EstimatorConfig.SurrogateKind.MLP)        // c_φ = r_ρ(z); or MLP_OF_RELAXED
                        .surrogateWidths(50)
                        .controlUpdater(new Adam(1e-2))                      // the updater of φ
                        .scoreFrom("f")                                      // f(b) from the channel "f"
                        .build())
                .layer(new DenseLayer.Builder().nIn(200).nOut(200).activation(Activation.TANH).build())
                .layer(new OutputLayer.Builder()
                        .lossFunction(new PerExampleScoreLoss(new LossBinaryXENT(), "f")) // publishes f(b)
                        .nIn(200).nOut(784).activation(Activation.SIGMOID).build())
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        net.fit(trainIterator(), 2);
        // ---- end of snippet ----

        String readme = Files.readString(Path.of("..", "README.md"));
        for (String line : new String[] {".estimator(\"relax\")", ".surrogateWidths(50)",
                ".controlUpdater(new Adam(1e-2))", ".scoreFrom(\"f\")",
                ".lossFunction(new PerExampleScoreLoss(new LossBinaryXENT(), \"f\"))", "net.fit(trainIterator, 10);"}) {
            assertTrue(readme.contains(line), "README snippet line: " + line);
        }
        assertEquals(200L * 50 + 50 + 50 + 1, net.getLayer(1).numParams(), "φ: 200-50-1 MLP");
        INDArray phi = net.getLayer(1).params().dup();
        net.fit(trainIterator());
        assertNotEquals(0.0, net.getLayer(1).params().sub(phi).norm2Number().doubleValue(), "φ trains");
        assertTrue(Double.isFinite(net.score()), "score " + net.score());
    }

    private static DataSetIterator trainIterator() {
        org.nd4j.linalg.api.rng.Random r = io.relaxsd.samediff.Seeds.generator(1);
        INDArray x = Nd4j.rand(r, 64, 784).castTo(DataType.FLOAT).gt(0.5).castTo(DataType.FLOAT);
        return new ListDataSetIterator<>(new DataSet(x, x).asList(), 32);
    }
}
