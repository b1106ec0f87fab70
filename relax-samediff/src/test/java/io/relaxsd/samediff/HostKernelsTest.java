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
 * a whole-array sum)
 * give the session's values: on the recorded feed, on new ones, and on a fed view (the loops then
 * leave the op to libnd4j).
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
