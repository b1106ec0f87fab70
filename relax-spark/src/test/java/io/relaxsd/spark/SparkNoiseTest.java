package io.relaxsd.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.relaxsd.estimator.EstimatorConfig;
import io.relaxsd.examples.vae.Dl4jVaeRun;
import io.relaxsd.examples.vae.OptimizerKind;
import io.relaxsd.examples.vae.SyntheticDigits;
import io.relaxsd.examples.vae.VaeData;
import io.relaxsd.examples.vae.VaeRun;
import io.relaxsd.examples.vae.VaeRunConfig;
import io.relaxsd.examples.vae.VaeSetup;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.TaskContext;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.spark.api.TrainingHook;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.DataSet;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * On Spark, every worker's stochastic layer draws its own noise: at the start of a round all workers'
 * copies hold the same parameters, so the sample each draws for one fixed probe input differs only
 * through the noise stream. Two workers' samples differ; a rerun draws the same samples again.
 */
class SparkNoiseTest {
    private static final int GROUPS = 16;
    private static final int CATEGORIES = 4;
    private static final int PROBE_ROWS = 8;

    /** Records, per worker, the one-hot sample the copy draws for a fixed probe before each step. */
    static final class ProbeHook implements TrainingHook {
        private static final long serialVersionUID = 1L;
        /** Test-only: local mode runs the workers as threads of this JVM. */
        static final Map<Integer, List<int[]>> SAMPLES = new TreeMap<>();

        @Override
        public void preUpdate(DataSet minibatch, Model model) {
            MultiLayerNetwork net = (MultiLayerNetwork) model;
            INDArray probe = Nd4j.zeros(DataType.FLOAT, PROBE_ROWS, 784);
            INDArray sample = net.feedForward(probe, true).get(4);     // input, 3 dense (the last gives θ), the stochastic layer
            int[] picks = sample.reshape(PROBE_ROWS * GROUPS, CATEGORIES).argMax(1).toIntVector();
            synchronized (SAMPLES) {
                SAMPLES.computeIfAbsent(TaskContext.get().partitionId(), k -> new ArrayList<>()).add(picks);
            }
        }

        @Override
        public void postUpdate(DataSet minibatch, Model model) {
        }

        @Override
        public void preUpdate(MultiDataSet minibatch, Model model) {
        }

        @Override
        public void postUpdate(MultiDataSet minibatch, Model model) {
        }
    }

    private static Map<Integer, List<int[]>> trainAndProbe() throws Exception {
        synchronized (ProbeHook.SAMPLES) {
            ProbeHook.SAMPLES.clear();
        }
        VaeRunConfig cfg = new VaeRunConfig(VaeSetup.parse(VaeSetup.CATEGORICAL, CATEGORIES + "x" + GROUPS),
                EstimatorConfig.builder("st").temperature(1.0).build(), OptimizerKind.ADAM, 1e-3, 20, 1, 9, 0, 0,
                VaeRunConfig.Binarization.DYNAMIC, 100, 0, 0, false);
        VaeData.Split data = SyntheticDigits.split(40, 20);
        Dl4jVaeRun run = Dl4jVaeRun.start(cfg, null);
        new SparkTraining(List.of(new ProbeHook())).train(run, "local[2]", 1, data.train(cfg), data.test(cfg),
                new VaeRun.Events() { });
        synchronized (ProbeHook.SAMPLES) {
            return new TreeMap<>(ProbeHook.SAMPLES);
        }
    }

    private static int differing(int[] a, int[] b) {
        int n = 0;
        for (int i = 0; i < a.length; i++) {
            n += a[i] != b[i] ? 1 : 0;
        }
        return n;
    }

    @Test
    void workersDrawDifferentNoiseAndARerunDrawsTheSame() throws Exception {
        Map<Integer, List<int[]>> first = trainAndProbe();
        assertEquals(List.of(0, 1), new ArrayList<>(first.keySet()), "two workers");
        assertEquals(2, first.get(0).size(), "40 images in batches of 20: two rounds, one step each per worker");
        int cells = PROBE_ROWS * GROUPS;
        for (int round = 0; round < 2; round++) {
            int diff = differing(first.get(0).get(round), first.get(1).get(round));
            // identical parameters, independent noise: the two samples disagree in most of the 128 cells
            // (all would agree if the workers shared one stream)
            assertTrue(diff > cells / 4, "round " + round + ": workers' samples differ in only " + diff + " of " + cells);
        }
        assertNotEquals(0, differing(first.get(0).get(0), first.get(0).get(1)), "a worker's rounds draw anew");
        Map<Integer, List<int[]>> again = trainAndProbe();
        for (int w = 0; w < 2; w++) {
            for (int round = 0; round < 2; round++) {
                assertEquals(0, differing(first.get(w).get(round), again.get(w).get(round)),
                        "worker " + w + ", round " + round + ": a rerun draws the same noise");
            }
        }
    }

    @Test
    void streamsOfWorkersAndRoundsAreDistinct() {
        assertNotEquals(NoiseStreamHook.stream(9, 0, 0), NoiseStreamHook.stream(9, 0, 1));
        assertNotEquals(NoiseStreamHook.stream(9, 0, 1), NoiseStreamHook.stream(9, 1, 0));
        assertEquals(NoiseStreamHook.stream(9, 3, 1), NoiseStreamHook.stream(9, 3, 1));
    }
}
