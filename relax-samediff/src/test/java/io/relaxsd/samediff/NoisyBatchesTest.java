package io.relaxsd.samediff;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.relaxsd.estimator.EstimatorConfig;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.datasets.iterator.utilty.ListDataSetIterator;
import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.TrainingConfig;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.Sgd;

/** {@code sd.fit()} on a graph with discrete nodes, fed through {@link NoisyBatches}. */
class NoisyBatchesTest {
    private static final int IN = 6;
    private static final int GROUPS = 3;
    private static final int CATEGORIES = 4;

    record Model(SameDiff sd, Discrete discrete, SDVariable loss) {
    }

    /** x → logits → categorical z (ReinMax) → linear read-out, mean squared error to y. */
    static Model model() {
        SameDiff sd = SameDiff.create();
        Discrete discrete = Discrete.in(sd);
        SDVariable x = sd.placeHolder("x", DataType.FLOAT, -1, IN);
        SDVariable y = sd.placeHolder("y", DataType.FLOAT, -1, 2);
        org.nd4j.linalg.api.rng.Random r = Seeds.generator(11);
        SDVariable w = sd.var("w", Nd4j.randn(r, IN, GROUPS * CATEGORIES).castTo(DataType.FLOAT).muli(0.3));
        SDVariable v = sd.var("v", Nd4j.randn(r, GROUPS * CATEGORIES, 2).castTo(DataType.FLOAT).muli(0.3));
        SDVariable z = discrete.categorical("z", x.mmul(w), GROUPS, CATEGORIES, EstimatorConfig.of("reinmax"));
        SDVariable loss = sd.math().squaredDifference(z.mmul(v), y).mean().rename("loss");
        sd.setLossVariables(loss);
        return new Model(sd, discrete, loss);
    }

    static ListDataSetIterator<DataSet> data(int batch) {
        org.nd4j.linalg.api.rng.Random r = Seeds.generator(5);
        INDArray x = Nd4j.randn(r, 40, IN).castTo(DataType.FLOAT);
        INDArray target = Nd4j.createFromArray(new float[][] {{1, -1}, {0.5f, 0.5f}, {-1, 0.2f}, {0.3f, 1}, {1, 1}, {-0.5f, 0}});
        INDArray y = x.mmul(target).gt(0).castTo(DataType.FLOAT);
        return new ListDataSetIterator<>(new DataSet(x, y).asList(), batch);
    }

    @Test
    void fitTrainsAGraphWithDiscreteNodes() {
        Model m = model();
        NoisyBatches batches = m.discrete().withNoise(data(10), Seeds.generator(3));
        m.sd().setTrainingConfig(TrainingConfig.builder().updater(new Adam(5e-2))
                .dataSetFeatureMapping(batches.featureMapping("x")).dataSetLabelMapping("y").build());
        double before = meanLoss(m, batches);
        m.sd().fit(batches, 40);
        double after = meanLoss(m, batches);
        assertTrue(after < 0.7 * before, "loss " + before + " -> " + after);
    }

    /** One SGD step of fit moves the weights by −lr × the gradient calculateGradients gives for the same batch and noise. */
    @Test
    void fitStepUsesTheGradientOfCalculateGradients() {
        double lr = 0.1;
        Model m = model();
        NoisyBatches probe = m.discrete().withNoise(data(40), Seeds.generator(9));
        MultiDataSet batch = probe.next();
        String[] mapping = probe.featureMapping("x");
        Map<String, INDArray> feed = new HashMap<>();
        for (int i = 0; i < mapping.length; i++) {
            feed.put(mapping[i], batch.getFeatures(i));
        }
        feed.put("y", batch.getLabels(0));
        Map<String, INDArray> grads = m.sd().calculateGradients(feed, "w", "v");
        INDArray w0 = m.sd().getVariable("w").getArr().dup();

        NoisyBatches same = m.discrete().withNoise(data(40), Seeds.generator(9));
        m.sd().setTrainingConfig(TrainingConfig.builder().updater(new Sgd(lr))
                .dataSetFeatureMapping(same.featureMapping("x")).dataSetLabelMapping("y").build());
        m.sd().fit(same, 1);
        INDArray step = w0.sub(m.sd().getVariable("w").getArr()).divi(lr);
        assertTrue(grads.get("w").norm2Number().doubleValue() > 1e-3, "a gradient to compare");
        assertArrayEquals(grads.get("w").ravel().toFloatVector(), step.ravel().toFloatVector(), 1e-4f);
    }

    @Test
    void mappingListsTheDataFeaturesThenEveryNoisePlaceholder() {
        Model m = model();
        NoisyBatches b = m.discrete().withNoise(data(10), Seeds.generator(1));
        List<String> noise = b.noisePlaceholders();
        assertEquals(m.discrete().drawNoise(2, Seeds.generator(1)).keySet().stream().toList(), noise);
        String[] mapping = b.featureMapping("x");
        assertEquals("x", mapping[0]);
        assertEquals(1 + noise.size(), mapping.length);
        MultiDataSet first = b.next();
        assertEquals(mapping.length, first.getFeatures().length);
        assertEquals(10 * GROUPS, first.getFeatures(1).size(0), "one row of noise per example and variable");
        assertThrows(IllegalArgumentException.class, () -> Discrete.in(SameDiff.create()).withNoise(data(10), Seeds.generator(1)));
        assertThrows(IllegalArgumentException.class, b::featureMapping);
    }

    private static double meanLoss(Model m, NoisyBatches batches) {
        batches.reset();
        String[] mapping = batches.featureMapping("x");
        double sum = 0;
        int n = 0;
        while (batches.hasNext()) {
            MultiDataSet ds = batches.next();
            Map<String, INDArray> feed = new HashMap<>();
            for (int i = 0; i < mapping.length; i++) {
                feed.put(mapping[i], ds.getFeatures(i));
            }
            feed.put("y", ds.getLabels(0));
            sum += m.sd().output(feed, "loss").get("loss").getDouble(0);
            n++;
        }
        batches.reset();
        return sum / n;
    }
}
