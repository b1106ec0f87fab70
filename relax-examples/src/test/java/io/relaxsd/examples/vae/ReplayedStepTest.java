package io.relaxsd.examples.vae;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.relaxsd.estimator.EstimatorConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.autodiff.samediff.api.OutAndGrad;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * The trainer's replayed step ({@link VaeTrainer#gradient}, the graph {@link VaeTrainer#step} runs)
 * against the session's autodiff of the same graph: same −ELBO, same parameter gradients, and θ's
 * gradient B·∂loss/∂θ; at two batch sizes (a second recording) and twice at the first (reused arrays
 * must not leak state from step to step).
 */
class ReplayedStepTest {

    @ParameterizedTest
    @CsvSource({"categorical,st", "categorical,reinmax", "categorical,gumbel-softmax", "categorical,gumbel-rao",
            "categorical,softmax", "categorical,reinforce", "binary-linear,st"})
    void valueAndGradientsMatchTheSession(String setupName, String estimator) {
        VaeSetup setup = setupName.equals("categorical") ? VaeSetup.categorical(4, 3) : VaeSetup.parse(setupName, "");
        VaeModel model = estimator.equals("softmax") ? VaeModel.softmaxBaseline(setup, 3)
                : VaeModel.build(setup, EstimatorConfig.builder(estimator).temperature(1.3).build(), 3);
        VaeTrainer trainer = new VaeTrainer(model, new Adam(1e-3), 0, 6);
        INDArray x = new SyntheticDigits(6, 6, 2).first(6).castTo(DataType.FLOAT);
        for (int step = 0; step < 3; step++) {
            int rows = step < 2 ? 6 : 4;
            INDArray batch = x.get(NDArrayIndex.interval(0, rows), NDArrayIndex.all()).dup();
            Map<String, INDArray> feed = model.feed(batch, Nd4j.getRandomFactory().getNewRandomInstance(10 + step));
            List<String> names = new ArrayList<>(model.parameters().keySet());
            List<String> withLogits = new ArrayList<>(names);
            withLogits.add(VaeModel.LOGITS);
            boolean sum = model.scoreFunction() || model.relaxedForward() || estimator.equals("softmax");
            String reported = sum ? VaeModel.NELBO_SUM : VaeModel.LOSS;
            OutAndGrad ref = model.sameDiff().calculateGradientsAndOutputs(feed, List.of(reported), withLogits);
            double expected = ref.getOutputs().get(reported).getDouble(0) / (sum ? rows : 1);
            VaeTrainer.StepGradient g = trainer.gradient(feed);
            assertEquals(expected, g.nelbo(), 1e-5 * Math.abs(expected), estimator + " value");
            StringBuilder wrong = new StringBuilder();
            for (String n : names) {
                relativeError(ref.getGradients().get(n), g.parameters().get(n), n, wrong);
            }
            relativeError(ref.getGradients().get(VaeModel.LOGITS).mul(rows), g.logits(), VaeModel.LOGITS, wrong);
            assertEquals("", wrong.toString(), estimator + " relative gradient errors at step " + step);
        }
        // the training step runs the same graph from its recording, not through the session
        trainer.step(x, Nd4j.getRandomFactory().getNewRandomInstance(20));
        assertTrue(trainer.replaying(), "the step's recording was refused");
    }

    private static void relativeError(INDArray want, INDArray got, String name, StringBuilder wrong) {
        double scale = want.norm2Number().doubleValue();
        assertTrue(scale > 0, name + " has a zero reference gradient");
        double rel = got.reshape(want.shape()).sub(want).norm2Number().doubleValue() / scale;
        if (!(rel < 1e-4)) {
            wrong.append(' ').append(name).append(": ").append(rel);
        }
    }
}
