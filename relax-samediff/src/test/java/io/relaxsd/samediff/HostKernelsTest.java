package io.relaxsd.samediff;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.api.OutAndGrad;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.rng.Random;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * The replay's host loops ({@link HostKernels}: ReLU, its backward, the bias gradient's column sums,
 * a whole-array sum; the estimator nodes' softmax, clip, mean over K samples and its backward, and
 * sums and maxima along the last axis) give the session's values: on the recorded feed, on new
 * ones, on a fed view (the loops then leave the op to libnd4j), and for a softmax whose inputs are
 * out of its loop's range (libnd4j runs it).
 */
class HostKernelsTest {
    private static final int ROWS = 5;

    private static SameDiff mlp() {
        SameDiff sd = SameDiff.create();
        Random rng = Nd4j.getRandomFactory().getNewRandomInstance(3);
        SDVariable x = sd.placeHolder("x", DataType.FLOAT, -1, 7);
        SDVariable y = sd.placeHolder("y", DataType.FLOAT, -1, 4);
        SDVariable w0 = sd.var("w0", Nd4j.randn(rng, new long[] {7, 6}).castTo(DataType.FLOAT));
        SDVariable b0 = sd.var("b0", Nd4j.randn(rng, new long[] {6}).castTo(DataType.FLOAT));
        SDVariable w1 = sd.var("w1", Nd4j.randn(rng, new long[] {6, 4}).castTo(DataType.FLOAT));
        SDVariable b1 = sd.var("b1", Nd4j.randn(rng, new long[] {4}).castTo(DataType.FLOAT));
        // relu(x) reads the placeholder itself: a fed view reaches its host loop
        SDVariable h = sd.nn().relu(sd.nn().linear(sd.nn().relu(x, 0.0), w0, b0), 0.0);
        SDVariable out = sd.nn().linear(h, w1, b1);
        sd.identity("loss", out.mul(y).sum()).markAsLoss();
        sd.setLossVariables("loss");
        GradFunctions.createQuietly(sd);
        return sd;
    }

    private static Map<String, INDArray> feed(long seed) {
        Random rng = Nd4j.getRandomFactory().getNewRandomInstance(seed);
        Map<String, INDArray> feed = new HashMap<>();
        feed.put("x", Nd4j.randn(rng, new long[] {ROWS, 7}).castTo(DataType.FLOAT));
        feed.put("y", Nd4j.randn(rng, new long[] {ROWS, 4}).castTo(DataType.FLOAT));
        return feed;
    }

    /** A K-sample node's shape of work: softmax over K samples, clipped, averaged over K, row sums and maxima. */
    private static SameDiff samples(double scale) {
        SameDiff sd = SameDiff.create();
        Random rng = Nd4j.getRandomFactory().getNewRandomInstance(5);
        SDVariable x = sd.placeHolder("x", DataType.FLOAT, 3, -1, 4);
        SDVariable b = sd.var("b", Nd4j.randn(rng, new long[] {ROWS, 4}).castTo(DataType.FLOAT));
        SDVariable w = sd.var("w", Nd4j.randn(rng, new long[] {3, ROWS, 4}).castTo(DataType.FLOAT));
        SDVariable y = sd.nn().softmax(x.mul(scale).add(b), -1);
        SDVariable mean = sd.math().clipByValue(y, 0.05, 0.9).mul(w).mean(0);
        SDVariable rows = mean.sum(true, 1).add(mean.max(true, 1)).add(y.sum(false, 2).sum(0).reshape(ROWS, 1));
        sd.identity("loss", rows.mul(rows).sum()).markAsLoss();
        sd.setLossVariables("loss");
        GradFunctions.createQuietly(sd);
        return sd;
    }

    @Test
    void sampleLoopsGiveTheSessionsGradients() {
        List<String> vars = List.of("b", "w");
        for (double scale : new double[] {1.0, 100.0}) {
            SameDiff sd = samples(scale);
            Map<String, INDArray> first = Map.of("x", Nd4j.randn(Nd4j.getRandomFactory().getNewRandomInstance(1),
                    new long[] {3, ROWS, 4}).castTo(DataType.FLOAT));
            RecordedGraph g = RecordedGraph.ofGradientsAndOutputs(sd, first, List.of("loss"), vars);
            // softmax, clip, mean over axis 0 and its backward, the row sum, the row max, the last-axis sum,
            // the sum over axis 0 and the loss's whole-array sum (scale 100: the softmax's inputs leave its
            // loop's range, and libnd4j runs it on every feed)
            assertEquals(scale == 1.0 ? 9 : 8, g.hostKernelCount(), "host loops in use");
            for (long seed = 2; seed < 5; seed++) {
                Map<String, INDArray> f = Map.of("x", Nd4j.randn(Nd4j.getRandomFactory().getNewRandomInstance(seed),
                        new long[] {3, ROWS, 4}).castTo(DataType.FLOAT));
                OutAndGrad ref = sd.calculateGradientsAndOutputs(f, List.of("loss"), vars);
                Map<String, INDArray> got = g.run(f);
                double loss = ref.getOutputs().get("loss").getDouble(0);
                assertEquals(loss, got.get("loss").getDouble(0), 1e-5 * Math.max(1, Math.abs(loss)));
                for (String v : vars) {
                    INDArray want = ref.getGradients().get(v);
                    double diff = want.sub(got.get(v)).amaxNumber().doubleValue();
                    assertTrue(diff <= 1e-5 * Math.max(1, want.amaxNumber().doubleValue()),
                            v + " differs by " + diff + " at feed " + seed + ", scale " + scale);
                }
            }
        }
    }

    @Test
    void hostLoopsGiveTheSessionsGradients() {
        SameDiff sd = mlp();
        List<String> vars = List.of("w0", "b0", "w1", "b1");
        RecordedGraph g = RecordedGraph.ofGradientsAndOutputs(sd, feed(1), List.of("loss"), vars);
        // the two relus, one backward (x gets no gradient), the two bias gradients and the loss's sum
        assertEquals(6, g.hostKernelCount(), "host loops in use");
        INDArray wide = Nd4j.randn(Nd4j.getRandomFactory().getNewRandomInstance(9), new long[] {ROWS, 9})
                .castTo(DataType.FLOAT);
        for (long seed = 2; seed < 5; seed++) {
            Map<String, INDArray> f = feed(seed);
            if (seed == 4) {
                // a view with an offset: not dense from its buffer's start, so libnd4j runs relu(x)
                f.put("x", wide.get(NDArrayIndex.all(), NDArrayIndex.interval(1, 8)));
                assertTrue(g.accepts(f));
            }
            OutAndGrad ref = sd.calculateGradientsAndOutputs(f, List.of("loss"), vars);
            Map<String, INDArray> got = g.run(f);
            assertEquals(ref.getOutputs().get("loss").getDouble(0), got.get("loss").getDouble(0), 1e-4);
            for (String v : vars) {
                INDArray want = ref.getGradients().get(v);
                double diff = want.sub(got.get(v).reshape(want.shape())).amaxNumber().doubleValue();
                assertTrue(diff <= 1e-5 * Math.max(1, want.amaxNumber().doubleValue()),
                        v + " differs by " + diff + " at feed " + seed);
            }
        }
    }
}
