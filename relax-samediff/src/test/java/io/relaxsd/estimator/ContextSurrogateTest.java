package io.relaxsd.estimator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.relaxsd.exact.QuadraticLoss;
import io.relaxsd.samediff.Discrete;
import io.relaxsd.samediff.RecordedGraph;
import io.relaxsd.samediff.ScoreFunctionNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * RELAX's surrogate c_φ = η·[f(s) + Q([sg(ctx), s])] with a graph context: the φ-gradient of the
 * variance loss (first-order autodiff through the hand-written ∂c/∂z) against finite differences,
 * the context's name checked against the graph, and its GEMM work paid once per step.
 */
class ContextSurrogateTest {
    static final double[] CAT_THETA = ScoreFunctionUnbiasednessTest.CAT_THETA;
    static final double[] BER_THETA = ScoreFunctionUnbiasednessTest.BER_THETA;

    static EstimatorConfig config(int contextWidth, int... widths) {
        EstimatorConfig.Builder b = EstimatorConfig.builder("relax")
                .surrogate(EstimatorConfig.SurrogateKind.RELAXED_LOSS_PLUS_CONTEXT_MLP).surrogateWidths(widths)
                .surrogateWeightDecay(0.01);
        return (contextWidth > 0 ? b.surrogateContext("ctx", contextWidth) : b).build();
    }

    static ScoreFunctionHarness harness(DistributionKind kind, EstimatorConfig cfg) {
        boolean cat = kind == DistributionKind.CATEGORICAL;
        return new ScoreFunctionHarness(kind, cat ? CAT_THETA : BER_THETA,
                cat ? ScoreFunctionUnbiasednessTest.CAT_LOSS : ScoreFunctionUnbiasednessTest.BER_LOSS, cfg, 5);
    }

    @ParameterizedTest
    @EnumSource(DistributionKind.class)
    void varianceLossGradientInPhiMatchesFiniteDifferences(DistributionKind kind) {
        ScoreFunctionHarness h = harness(kind, config(3, 6, 5));
        SameDiff sd = h.sd;
        String loss = h.node.varianceLoss().name();
        sd.setLossVariables(loss);
        Map<String, INDArray> feed = h.feed(7);
        Map<String, INDArray> grads = sd.calculateGradients(feed, h.node.controlParameters());
        assertEquals(List.of("z-qWc", "z-qW0", "z-qb0", "z-qW1", "z-qb1", "z-qW2", "z-qb2", "z-logLambdaIn", "z-eta"),
                h.node.controlParameters());
        double eps = 1e-6;
        int checked = 0;
        for (String name : h.node.controlParameters()) {
            INDArray p = sd.getVariable(name).getArr();
            INDArray g = grads.get(name);
            long n = p.length();
            for (long i : new long[] {0, n / 2, n - 1}) {
                double orig = p.getDouble(i);
                p.putScalar(i, orig + eps);
                double up = sd.output(feed, loss).get(loss).getDouble(0);
                p.putScalar(i, orig - eps);
                double down = sd.output(feed, loss).get(loss).getDouble(0);
                p.putScalar(i, orig);
                double fd = (up - down) / (2 * eps);
                double tol = 1e-6 * Math.max(1, Math.abs(fd));
                assertEquals(fd, g.getDouble(i), tol, name + "[" + i + "] " + kind);
                checked++;
            }
        }
        assertEquals(27, checked);
        double wGrad = grads.get("z-qWc").norm2Number().doubleValue();
        assertTrue(wGrad > 0, "the context reaches Q: its weights get a gradient");
    }

    @Test
    void contextNamingNoGraphVariableFailsNamingFieldAndName() {
        SameDiff sd = SameDiff.create();
        SDVariable logits = sd.placeHolder("theta", DataType.DOUBLE, -1, 4);
        EstimatorConfig cfg = EstimatorConfig.builder("relax")
                .surrogate(EstimatorConfig.SurrogateKind.RELAXED_LOSS_PLUS_CONTEXT_MLP).surrogateContext("xCentred", 4)
                .build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Discrete.in(sd)
                .categorical("z", logits, 1, 4, cfg, QuadraticSampleLoss.of(sd, ScoreFunctionUnbiasednessTest.CAT_LOSS,
                        DataType.DOUBLE)));
        assertEquals("surrogateContext: the graph has no variable named 'xCentred'", e.getMessage());
    }

    @Test
    void contextOfTheWrongWidthFails() {
        SameDiff sd = SameDiff.create();
        SDVariable logits = sd.placeHolder("theta", DataType.DOUBLE, -1, 4);
        sd.placeHolder("ctx", DataType.DOUBLE, -1, 6);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Discrete.in(sd)
                .categorical("z", logits, 1, 4, config(5, 8), QuadraticSampleLoss.of(sd,
                        ScoreFunctionUnbiasednessTest.CAT_LOSS, DataType.DOUBLE)));
        assertEquals("surrogateContext: variable 'ctx' has shape [-1, 6], expected [batch, 5] (surrogateContextWidth)",
                e.getMessage());
    }

    /**
     * The GEMM work a context of width m adds to a step (forward and φ-gradient of the variance
     * loss) is sg(ctx)·W_c once (2·B·m·h₁) and W_c's gradient ctxᵀ·δ once (2·B·m·h₁): 4·B·m·h₁. Computing
     * it at z and z̃ separately would cost twice that, and a {@code matmul_bp} half as much again.
     */
    @ParameterizedTest
    @EnumSource(DistributionKind.class)
    void contextCostsOneForwardAndOneWeightGradientProduct(DistributionKind kind) {
        int batch = 6;
        int m = 7;
        int h1 = 9;
        double[] flops = new double[2];
        for (int withContext = 0; withContext < 2; withContext++) {
            ScoreFunctionHarness h = harness(kind, config(withContext * m, h1, 4));
            h.sd.setLossVariables(h.node.varianceLoss().name());
            List<String> phi = new ArrayList<>(h.node.controlParameters());
            flops[withContext] = RecordedGraph.ofGradients(h.sd, h.feed(batch), phi).matmulFlops();
        }
        assertEquals(4.0 * batch * m * h1, flops[1] - flops[0], 0.0);
    }

    @Test
    void withoutContextTheSurrogateSeesTheRelaxedSampleAlone() {
        ScoreFunctionHarness h = harness(DistributionKind.BERNOULLI, config(0, 6));
        assertEquals(List.of("z-qW0", "z-qb0", "z-qW1", "z-qb1", "z-logLambdaIn", "z-eta"), h.node.controlParameters());
        INDArray g = h.estimates(4);
        assertEquals(4, g.size(0));
        assertTrue(Double.isFinite(g.sumNumber().doubleValue()));
    }
}
