package io.relaxsd.estimator;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.relaxsd.exact.QuadraticLoss;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.rng.Random;
import org.nd4j.linalg.factory.Nd4j;

/** Each surrogate's hand-written ∂c/∂z equals SameDiff's autodiff and central finite differences. */
class SurrogateGradientTest {

    record Case(String label, int width, Function<SameDiff, Surrogate> build) {
        @Override
        public String toString() {
            return label;
        }
    }

    static Random rng() {
        return Nd4j.getRandomFactory().getNewRandomInstance(3);
    }

    static Stream<Arguments> cases() {
        QuadraticLoss q6 = QuadraticLoss.of(new double[][] {{1, 2, -1, 0.5, 0.2, -0.3}, {0.3, -0.7, 1.5, 2, 1, 0}},
                new double[] {0.4, 1.1}, 6);
        QuadraticLoss q3 = QuadraticLoss.of(new double[][] {{1, -2, 0.5}}, new double[] {0.2}, 3);
        return Stream.of(
                new Case("mlp tanh 5-3", 4, sd -> new MlpSurrogate(sd, "r", 4, new int[] {5, 3},
                        EstimatorConfig.Activation.TANH, DataType.DOUBLE, rng())),
                new Case("mlp relu 7", 3, sd -> new MlpSurrogate(sd, "r", 3, new int[] {7},
                        EstimatorConfig.Activation.RELU, DataType.DOUBLE, rng())),
                new Case("relaxed loss categorical 2x3", 6, sd -> new RelaxedLossSurrogate(sd, "c",
                        QuadraticSampleLoss.of(sd, q6, DataType.DOUBLE), DistributionKind.CATEGORICAL, 3, 0.7, 0.6,
                        DataType.DOUBLE)),
                new Case("relaxed loss bernoulli 3", 3, sd -> new RelaxedLossSurrogate(sd, "c",
                        QuadraticSampleLoss.of(sd, q3, DataType.DOUBLE), DistributionKind.BERNOULLI, 1, -1.3, 1.7,
                        DataType.DOUBLE)),
                new Case("mlp of relaxed categorical 2x3", 6, sd -> new RelaxedInputSurrogate(sd, "c",
                        new MlpSurrogate(sd, "r", 6, new int[] {4}, EstimatorConfig.Activation.TANH, DataType.DOUBLE,
                                rng()), DistributionKind.CATEGORICAL, 3, 0.8, DataType.DOUBLE)),
                new Case("mlp of relaxed bernoulli 3", 3, sd -> new RelaxedInputSurrogate(sd, "c",
                        new MlpSurrogate(sd, "r", 3, new int[] {4}, EstimatorConfig.Activation.TANH, DataType.DOUBLE,
                                rng()), DistributionKind.BERNOULLI, 1, 1.6, DataType.DOUBLE)),
                new Case("relaxed loss + mlp", 6, sd -> Surrogate.sum(new RelaxedLossSurrogate(sd, "c",
                        QuadraticSampleLoss.of(sd, q6, DataType.DOUBLE), DistributionKind.CATEGORICAL, 2, 0.7, 0.6,
                        DataType.DOUBLE), new MlpSurrogate(sd, "r", 6, new int[] {4}, EstimatorConfig.Activation.TANH,
                        DataType.DOUBLE, rng()))),
                new Case("context mlp relu 6-5, context 4", 3, sd -> new MlpSurrogate(sd, "q", 3, context(sd, 4), 4,
                        new int[] {6, 5}, EstimatorConfig.Activation.RELU, DataType.DOUBLE, rng())),
                new Case("relaxed loss + context mlp categorical 2x3", 6, sd -> Relax.relaxedLossPlusContextMlp(sd, "c",
                        QuadraticSampleLoss.of(sd, q6, DataType.DOUBLE), new MlpSurrogate(sd, "q", 6, context(sd, 4), 4,
                                new int[] {5, 5}, EstimatorConfig.Activation.TANH, DataType.DOUBLE, rng()),
                        DistributionKind.CATEGORICAL, 3, 0.7, 0.6, DataType.DOUBLE)),
                new Case("relaxed loss + context mlp bernoulli 3", 3, sd -> Relax.relaxedLossPlusContextMlp(sd, "c",
                        QuadraticSampleLoss.of(sd, q3, DataType.DOUBLE), new MlpSurrogate(sd, "q", 3, context(sd, 2), 2,
                                new int[] {7}, EstimatorConfig.Activation.RELU, DataType.DOUBLE, rng()),
                        DistributionKind.BERNOULLI, 1, -1.3, 1.7, DataType.DOUBLE)))
                .map(Arguments::of);
    }

    /** A context variable [5, m] of the graph (5 = the test's batch). */
    static SDVariable context(SameDiff sd, int m) {
        return sd.var("ctx", Nd4j.randn(rng(), 5, m).castTo(DataType.DOUBLE));
    }

    @ParameterizedTest
    @MethodSource("cases")
    void handWrittenInputGradientEqualsAutodiffAndFiniteDifferences(Case c) {
        SameDiff sd = SameDiff.create();
        INDArray z0 = Nd4j.rand(rng(), 5, c.width()).castTo(DataType.DOUBLE).muli(4).subi(2);
        SDVariable z = sd.var("z", z0.dup());
        Surrogate s = c.build().apply(sd);
        ValueAndGradient vg = s.evaluate(z);
        SDVariable value = sd.identity("value", vg.value());
        SDVariable grad = sd.identity("dcdz", vg.inputGradient());
        value.sum().markAsLoss();
        Map<String, INDArray> none = new HashMap<>();
        INDArray hand = sd.output(none, "dcdz").get("dcdz");
        INDArray auto = sd.calculateGradients(none, "z").get("z");
        assertEquals(5, sd.output(none, "value").get("value").length());
        double h = 1e-6;
        for (int r = 0; r < 5; r++) {
            for (int w = 0; w < c.width(); w++) {
                assertEquals(auto.getDouble(r, w), hand.getDouble(r, w), 1e-10, c + " autodiff " + r + "," + w);
                INDArray arr = z.getArr();
                double orig = arr.getDouble(r, w);
                arr.putScalar(r, w, orig + h);
                double up = sd.output(none, "value").get("value").getDouble(r);
                arr.putScalar(r, w, orig - h);
                double down = sd.output(none, "value").get("value").getDouble(r);
                arr.putScalar(r, w, orig);
                assertEquals((up - down) / (2 * h), hand.getDouble(r, w), 1e-6, c + " finite differences " + r + "," + w);
            }
        }
    }
}
