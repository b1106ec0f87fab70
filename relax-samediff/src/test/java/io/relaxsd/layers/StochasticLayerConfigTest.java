package io.relaxsd.layers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.relaxsd.estimator.EstimatorConfig;
import io.relaxsd.estimator.Estimators;
import io.relaxsd.estimator.PathwiseEstimator;
import java.util.function.Supplier;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

/** Every bad setting fails early with an IllegalArgumentException that names the field and value. */
class StochasticLayerConfigTest {

    private static void rejects(String field, String value, Supplier<Object> build) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, build::get);
        assertTrue(e.getMessage().contains(field) && e.getMessage().contains(value),
                "message should name " + field + " and " + value + ": " + e.getMessage());
    }

    private static CategoricalStochasticLayer.Builder cat() {
        return new CategoricalStochasticLayer.Builder().groups(2).categories(3);
    }

    @Test
    void builderRejectsBadValuesNamingTheField() {
        rejects("groups", "0", () -> cat().groups(0).build());
        rejects("categories", "1", () -> cat().categories(1).build());
        rejects("categories", "0", () -> new CategoricalStochasticLayer.Builder().build());
        rejects("units", "0", () -> new BernoulliStochasticLayer.Builder().build());
        rejects("units", "-3", () -> new BernoulliStochasticLayer.Builder().units(-3).build());
        rejects("estimator", "no-such", () -> cat().estimator("no-such").build());
        rejects("estimator", "null", () -> cat().estimator((String) null).build());
        rejects("temperature", "0.0", () -> cat().temperature(0).build());
        rejects("temperature", "NaN", () -> cat().temperature(Double.NaN).build());
        rejects("samples", "0", () -> cat().samples(0).build());
        rejects("eta", "Infinity", () -> cat().eta(Double.POSITIVE_INFINITY).build());
        rejects("alpha", "-1.0", () -> cat().alpha(-1).build());
        rejects("reinmaxTemperature", "0.0", () -> cat().estimator("reinmax-cv").reinmaxTemperature(0).build());
        rejects("cvNoise", "null", () -> cat().estimator("reinmax-cv").cvNoise(null).build());
        rejects("klWeight", "-0.5", () -> cat().klWeight(-0.5).build());
        rejects("klWeight", "NaN", () -> new BernoulliStochasticLayer.Builder().units(2).klWeight(Double.NaN).build());
        rejects("inferenceMode", "null", () -> cat().inferenceMode(null).build());
    }

    @Test
    void scoreFunctionEstimatorsWithoutAScoreChannelAreRejectedBecauseTheLayerWouldNeverSeeTheLoss() {
        for (String name : Estimators.names()) {
            if (!(Estimators.create(EstimatorConfig.of(name)) instanceof PathwiseEstimator)) {
                rejects("estimator", name, () -> cat().estimator(name).build());
                if (!name.equals("rebar")) {
                    rejects("scoreFrom", name, () -> cat().estimator(name).build());
                }
            }
        }
    }

    @Test
    void defaultsAreStraightThroughArgmaxWithoutKl() {
        CategoricalStochasticLayer c = cat().build();
        assertEquals("st", c.getEstimator());
        assertEquals(InferenceMode.ARGMAX, c.getInferenceMode());
        assertEquals(0.0, c.getKlWeight(), 0.0);
        assertEquals(EstimatorConfig.of("st"), c.estimatorConfig());
        assertEquals(6, c.width());
    }

    @Test
    void estimatorConfigIsCopiedWhole() {
        EstimatorConfig cfg = EstimatorConfig.builder("reinmax-cv").temperature(0.7).samples(3).eta(1.5)
                .reinmaxTemperature(1.2).cvNoise(EstimatorConfig.CvNoise.CONDITIONAL).build();
        assertEquals(cfg, cat().estimator(cfg).build().estimatorConfig());
    }

    @Test
    void deserialisedConfigurationIsValidatedWhenInstantiated() {
        CategoricalStochasticLayer c = cat().build();
        c.setTemperature(-2);
        rejects("temperature", "-2.0", () -> LayerTestSupport.instantiate(c, DataType.FLOAT));
    }

    @Test
    void wrongInputSizeIsRejectedAtConfigurationAndAtRuntime() {
        rejects("input size", "5", () -> new NeuralNetConfiguration.Builder().list()
                .layer(new DenseLayer.Builder().nOut(5).build())
                .layer(cat().build())
                .layer(new OutputLayer.Builder().nOut(2).build())
                .setInputType(InputType.feedForward(4))
                .build());
        MultiLayerConfiguration ok = new NeuralNetConfiguration.Builder().list()
                .layer(new DenseLayer.Builder().nOut(6).build())
                .layer(cat().build())
                .layer(new OutputLayer.Builder().nOut(2).build())
                .setInputType(InputType.feedForward(4))
                .build();
        assertEquals(6, ((OutputLayer) ok.getConf(2).getLayer()).getNIn());
        Layer layer = LayerTestSupport.instantiate(cat().build(), DataType.FLOAT);
        layer.setInput(Nd4j.zeros(DataType.FLOAT, 3, 7), LayerWorkspaceMgr.noWorkspaces());
        rejects("input", "7", () -> layer.activate(true, LayerWorkspaceMgr.noWorkspaces()));
    }

    @Test
    void backpropWithoutATrainingForwardPassIsAnError() {
        Layer layer = LayerTestSupport.instantiate(cat().build(), DataType.FLOAT);
        LayerWorkspaceMgr mgr = LayerWorkspaceMgr.noWorkspaces();
        layer.setInput(Nd4j.zeros(DataType.FLOAT, 3, 6), mgr);
        layer.activate(true, mgr);
        layer.activate(false, mgr);   // the latest pass drew no sample
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> layer.backpropGradient(Nd4j.zeros(DataType.FLOAT, 3, 6), mgr));
        assertTrue(e.getMessage().contains("activate(training = true)"), e.getMessage());
    }
}
