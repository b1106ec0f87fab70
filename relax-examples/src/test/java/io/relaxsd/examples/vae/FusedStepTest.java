package io.relaxsd.examples.vae;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.relaxsd.estimator.EstimatorConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.autodiff.samediff.api.OutAndGrad;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/** The hand-written step against the SameDiff graph's own autodiff: same value, same gradients. */
class FusedStepTest {

    @ParameterizedTest
    @CsvSource({"categorical,st", "categorical,reinmax", "categorical,gumbel-softmax", "categorical,gumbel-rao",
            "categorical,softmax"})
    void valueAndGradientsMatchTheGraph(String setupName, String estimator) {
        VaeSetup setup = setupName.equals("categorical") ? VaeSetup.categorical(4, 3)
                : VaeSetup.parse(setupName, "");
        VaeModel model = estimator.equals("softmax") ? VaeModel.softmaxBaseline(setup, 3)
                : VaeModel.build(setup, EstimatorConfig.builder(estimator).temperature(1.3).build(), 3);
        INDArray x = new SyntheticDigits(6, 6, 2).first(6).castTo(DataType.FLOAT);
        model.prepareGradients();
        FusedStep fused = new FusedStep(model);
        // twice at 6 rows (the reused buffers and recordings must not leak state), then at 4 (a new recording)
        for (int step = 0; step < 3; step++) {
            int rows = step < 2 ? 6 : 4;
            INDArray batch = x.get(NDArrayIndex.interval(0, rows), NDArrayIndex.all()).dup();
            Map<String, INDArray> feed = model.feed(batch, Nd4j.getRandomFactory().getNewRandomInstance(10 + step));
            List<String> names = new ArrayList<>(model.parameters().keySet());
            String reported = model.relaxedForward() || estimator.equals("softmax") ? VaeModel.NELBO_SUM : VaeModel.LOSS;
            OutAndGrad ref = model.sameDiff().calculateGradientsAndOutputs(feed, List.of(reported), names);
            double expected = ref.getOutputs().get(reported).getDouble(0) / (reported.equals(VaeModel.LOSS) ? 1 : rows);
            FusedStep.Result r = fused.step(feed);
            assertEquals(expected, r.nelbo(), 1e-5 * Math.abs(expected), estimator + " value");
            StringBuilder wrong = new StringBuilder();
            for (String n : names) {
                INDArray want = ref.getGradients().get(n);
                INDArray got = r.gradients().get(n);
                double scale = want.norm2Number().doubleValue();
                assertTrue(scale > 0, n + " has a zero reference gradient");
                double rel = got.reshape(want.shape()).sub(want).norm2Number().doubleValue() / scale;
                if (!(rel < 1e-4)) {
                    wrong.append(' ').append(n).append(": ").append(rel);
                }
            }
            assertEquals("", wrong.toString(), estimator + " relative gradient errors at step " + step);
        }
        assertTrue(fused.replaying(), "the node ran from its recordings, not through the session");
    }

    @Test
    void scoreFunctionModelsAreRefused() {
        VaeModel model = VaeModel.build(VaeSetup.binaryLinear(), EstimatorConfig.of("reinforce"), 1);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new FusedStep(model));
        assertTrue(e.getMessage().contains("reinforce"), e.getMessage());
    }
}
