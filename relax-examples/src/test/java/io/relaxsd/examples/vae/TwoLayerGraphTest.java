package io.relaxsd.examples.vae;

import static io.relaxsd.examples.vae.IwaeBoundTest.affine;
import static io.relaxsd.examples.vae.IwaeBoundTest.bits;
import static io.relaxsd.examples.vae.IwaeBoundTest.logBernoulli;
import static io.relaxsd.examples.vae.IwaeBoundTest.signed;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.relaxsd.estimator.EstimatorConfig;
import io.relaxsd.samediff.Seeds;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.rng.Random;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The two-layer model L2 on a tiny instance (3 + 3 bits): its −ELBO gradient against central
 * differences of the exact −ELBO by enumeration of the 64 outcomes, and one control variate per
 * layer.
 */
class TwoLayerGraphTest {
    private static final int N = 3;
    private static final List<String> CHECKED = List.of("enc0_b", "enc_top0_b", "dec_top0_b", TwoLayerGraph.PRIOR,
            "dec0_b");

    private static VaeModel tiny(String estimator) {
        EstimatorConfig.Builder b = EstimatorConfig.builder(estimator);
        if (estimator.equals("reinforce")) {
            b.baseline(EstimatorConfig.Baseline.LEAVE_ONE_OUT).scoreSamples(4);
        }
        VaeModel model = VaeModel.build(VaeSetup.twoLayer(N), b.build(), 12);
        Map<String, INDArray> p = model.parameters();
        // the pixel term small and the upper layer strong, so the downstream part of f1 matters
        p.get("dec0_W").muli(0.1);
        p.get("enc_top0_W").muli(3);
        p.get("dec_top0_W").muli(3);
        p.get(TwoLayerGraph.PRIOR).assign(Nd4j.createFromArray(0.5f, -1f, 0.3f).reshape(1, N));
        return model;
    }

    private static INDArray image() {
        return new SyntheticDigits(1, 1, 8).first(1).gt(0.5).castTo(DataType.FLOAT);
    }

    @ParameterizedTest
    @ValueSource(strings = {"reinforce", "rebar", "relax"})
    void scoreFunctionGradientIsUnbiased(String estimator) {
        checkUnbiased(tiny(estimator), estimator.equals("reinforce"));
    }

    @Test
    void pathwiseTrainsOnTheSameElbo() {
        // st is biased, but its loss is the −ELBO: at a hard forward its value is the single-sample −ELBO
        VaeModel model = tiny("st");
        INDArray x = Nd4j.tile(image(), 20000, 1);
        double loss = model.sameDiff().output(model.feed(x, Seeds.generator(3)), VaeModel.LOSS).get(VaeModel.LOSS)
                .getDouble(0);
        double exact = negElbo(doubles(model), image().castTo(DataType.DOUBLE).toDoubleVector(), true);
        assertEquals(exact, loss, 0.05 * Math.abs(exact), "mean single-sample -ELBO of 20000 draws");
    }

    private static void checkUnbiased(VaeModel model, boolean discriminate) {
        double[] x = image().castTo(DataType.DOUBLE).toDoubleVector();
        Map<String, double[][]> p = doubles(model);
        int calls = 12;
        int rows = 1000;
        INDArray batch = Nd4j.tile(image(), rows, 1);
        Random rng = Seeds.generator(5);
        List<String> names = new ArrayList<>(model.parameters().keySet());
        names.addAll(model.controlParameters().keySet());
        Map<String, double[][]> draws = new LinkedHashMap<>();
        for (int c = 0; c < calls; c++) {
            Map<String, INDArray> g = model.sameDiff().calculateGradients(model.feed(batch, rng), names);
            for (String n : CHECKED) {
                draws.computeIfAbsent(n, k -> new double[calls][]);
                draws.get(n)[c] = g.get(n).castTo(DataType.DOUBLE).reshape(g.get(n).length()).toDoubleVector();
            }
        }
        double worstSe = 0;
        double separation = 0;
        String separationText = "";
        for (String n : CHECKED) {
            for (int j = 0; j < N; j++) {
                double exact = partial(p, x, n, j, true);
                double mean = 0;
                double sq = 0;
                for (int c = 0; c < calls; c++) {
                    mean += draws.get(n)[c][j] / calls;
                    sq += draws.get(n)[c][j] * draws.get(n)[c][j] / calls;
                }
                double se = Math.sqrt(Math.max(sq - mean * mean, 0) / (calls - 1));
                worstSe = Math.max(worstSe, se);
                assertEquals(exact, mean, 4.5 * se + 1e-3, n + "[" + j + "]: Monte-Carlo mean against enumeration");
                if (n.equals("enc0_b")) {
                    double withoutDownstream = partial(p, x, n, j, false);
                    separationText += String.format(" [%d] %.4f vs %.4f (se %.4f)", j, exact, withoutDownstream, se);
                    separation = Math.max(separation, Math.abs(withoutDownstream - exact) / se);
                }
            }
        }
        assertTrue(worstSe > 0, "the estimates vary between draws");
        if (discriminate) {
            // a layer-1 loss without the second layer's terms has another mean gradient for W1's bias
            assertTrue(separation > 8, "the test tells f1 with and without the downstream terms apart:"
                    + separationText);
        }
    }

    /** Each layer's node has a control variate of its own, and the variance loss reaches all of them. */
    @ParameterizedTest
    @ValueSource(strings = {"rebar", "relax"})
    void eachLayerHasItsOwnControlVariate(String estimator) {
        VaeModel model = tiny(estimator);
        Set<String> bottom = new HashSet<>();
        Set<String> top = new HashSet<>();
        for (String n : model.controlParameters().keySet()) {
            (n.startsWith(TwoLayerGraph.TOP_NODE + "-") ? top : bottom).add(n);
        }
        assertFalse(bottom.isEmpty(), "layer 1's control variate");
        assertEquals(bottom.size(), top.size(), "the same kind of control variate on both layers: " + bottom + " " + top);
        assertTrue(bottom.stream().allMatch(n -> n.startsWith("z-")), "layer 1's parameters: " + bottom);
        Map<String, INDArray> g = model.sameDiff().calculateGradients(
                model.feed(Nd4j.tile(image(), 64, 1), Seeds.generator(9)),
                new ArrayList<>(model.controlParameters().keySet()));
        for (String n : model.controlParameters().keySet()) {
            double norm = g.get(n).norm2Number().doubleValue();
            assertTrue(norm > 0 && Double.isFinite(norm), n + " receives a gradient: " + norm);
        }
    }

    // ---- the exact −ELBO of the tiny model ----

    private static Map<String, double[][]> doubles(VaeModel model) {
        Map<String, double[][]> m = new LinkedHashMap<>();
        model.parameters().forEach((k, v) -> m.put(k, v.rank() == 1
                ? new double[][] {v.castTo(DataType.DOUBLE).toDoubleVector()}
                : v.castTo(DataType.DOUBLE).toDoubleMatrix()));
        return m;
    }

    /** Central difference of {@link #negElbo} in entry j of the bias / prior row {@code name}. */
    private static double partial(Map<String, double[][]> p, double[] x, String name, int j, boolean downstream) {
        double h = 1e-4;
        double[] row = p.get(name)[0];
        double keep = row[j];
        row[j] = keep + h;
        double up = negElbo(p, x, downstream);
        row[j] = keep - h;
        double down = negElbo(p, x, downstream);
        row[j] = keep;
        return (up - down) / (2 * h);
    }

    /**
     * Σ_{b1,b2} q(b1|x) q(b2|b1) [−log p(x|b1) − log p(b1|b2) − log p(b2) + log q(b1|x) + log q(b2|b1)];
     * without {@code downstream}, E_{q(b1|x)}[−log p(x|b1) + log q(b1|x)] only.
     */
    static double negElbo(Map<String, double[][]> p, double[] x, boolean downstream) {
        double[] theta1 = affine(new double[][] {x}, nd(p, "enc0_W"), nd(p, "enc0_b"))[0];
        double[] phi = p.get(TwoLayerGraph.PRIOR)[0];
        double total = 0;
        for (int c1 = 0; c1 < 1 << N; c1++) {
            double[][] b1 = {bits(c1, N)};
            double lq1 = logBernoulli(b1[0], theta1);
            double lpx = logBernoulli(x, affine(signed(b1), nd(p, "dec0_W"), nd(p, "dec0_b"))[0]);
            if (!downstream) {
                total += Math.exp(lq1) * (lq1 - lpx);
                continue;
            }
            double[] theta2 = affine(signed(b1), nd(p, "enc_top0_W"), nd(p, "enc_top0_b"))[0];
            for (int c2 = 0; c2 < 1 << N; c2++) {
                double[][] b2 = {bits(c2, N)};
                double lq2 = logBernoulli(b2[0], theta2);
                double lpb1 = logBernoulli(b1[0], affine(signed(b2), nd(p, "dec_top0_W"), nd(p, "dec_top0_b"))[0]);
                double lpb2 = logBernoulli(b2[0], phi);
                total += Math.exp(lq1 + lq2) * (-lpx - lpb1 - lpb2 + lq1 + lq2);
            }
        }
        return total;
    }

    private static INDArray nd(Map<String, double[][]> p, String name) {
        double[][] v = p.get(name);
        return name.endsWith("_b") ? Nd4j.createFromArray(v[0]) : Nd4j.createFromArray(v);
    }
}
