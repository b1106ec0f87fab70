package io.relaxsd.layers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.relaxsd.estimator.DistributionKind;
import io.relaxsd.estimator.EstimatorConfig;
import io.relaxsd.samediff.Discrete;
import io.relaxsd.samediff.Seeds;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The layer's gradient with respect to its input logits equals the SameDiff op's (a separately built
 * {@link Discrete} graph with the logits as a variable) for the same noise and upstream gradient.
 */
class StochasticLayerGradientTest {
    private static final int BATCH = 6;
    private static final int GROUPS = 3;
    private static final int K = 4;
    private static final int N_BERNOULLI = 5;
    private static final long SEED = 12345;

    @Test
    void categoricalLayerGradientEqualsSameDiffOpForEveryPathwiseEstimator() {
        List<String> names = LayerTestSupport.pathwise(DistributionKind.CATEGORICAL);
        assertTrue(names.contains("st") && names.contains("reinmax"), names.toString());
        for (String name : names) {
            EstimatorConfig cfg = EstimatorConfig.builder(name).temperature(1.7).samples(3).build();
            for (double klWeight : new double[] {0.0, 0.3}) {
                StochasticLayer conf = new CategoricalStochasticLayer.Builder().groups(GROUPS).categories(K)
                        .estimator(cfg).klWeight(klWeight).seed(SEED).build();
                compare(conf, cfg, DistributionKind.CATEGORICAL, klWeight);
            }
        }
    }

    @Test
    void bernoulliLayerGradientEqualsSameDiffOpForEveryPathwiseEstimator() {
        List<String> names = LayerTestSupport.pathwise(DistributionKind.BERNOULLI);
        assertTrue(names.contains("st") && names.contains("reinmax"), names.toString());
        for (String name : names) {
            EstimatorConfig cfg = EstimatorConfig.builder(name).temperature(0.6).samples(3).build();
            for (double klWeight : new double[] {0.0, 0.3}) {
                StochasticLayer conf = new BernoulliStochasticLayer.Builder().units(N_BERNOULLI)
                        .estimator(cfg).klWeight(klWeight).seed(SEED).build();
                compare(conf, cfg, DistributionKind.BERNOULLI, klWeight);
            }
        }
    }

    private static void compare(StochasticLayer conf, EstimatorConfig cfg, DistributionKind kind, double klWeight) {
        String what = kind + "/" + cfg.name() + "/kl=" + klWeight;
        int width = (int) conf.width();
        INDArray theta = Nd4j.randn(DataType.DOUBLE, BATCH, width).muli(1.5);
        INDArray eps = Nd4j.randn(DataType.DOUBLE, BATCH, width);

        Layer layer = LayerTestSupport.instantiate(conf, DataType.DOUBLE);
        LayerWorkspaceMgr mgr = LayerWorkspaceMgr.noWorkspaces();
        layer.setInput(theta.dup(), mgr);
        INDArray out = layer.activate(true, mgr);
        INDArray layerGrad = layer.backpropGradient(eps.dup(), mgr).getSecond();

        // reference: the SameDiff op, logits as a variable, noise of the layer's first draw (epoch 0, iteration 0)
        SameDiff sd = SameDiff.create();
        SDVariable logits = sd.var("theta", theta.dup());
        Discrete discrete = Discrete.in(sd);
        SDVariable x = kind == DistributionKind.CATEGORICAL
                ? discrete.categorical("ref", logits, GROUPS, K, cfg)
                : discrete.bernoulli("ref", logits, N_BERNOULLI, cfg);
        SDVariable loss = x.mul(sd.constant("eps", eps)).sum();
        if (klWeight > 0) {
            loss = loss.add(klToUniform(sd, logits, kind).mul(klWeight));
        }
        sd.setLossVariables(loss);
        Map<String, INDArray> feed = new HashMap<>(
                discrete.drawNoise(BATCH, Seeds.generator(StochasticLayerRuntime.drawSeed(SEED, 0, 0, 0))));
        INDArray refOut = sd.output(feed, x.name()).get(x.name());
        INDArray refGrad = sd.calculateGradients(feed, "theta").get("theta");

        assertEquals(0.0, out.sub(refOut).amaxNumber().doubleValue(), 0.0, what + ": forward sample");
        assertEquals(0.0, layerGrad.sub(refGrad).amaxNumber().doubleValue(), 1e-6, what + ": gradient");
        assertFalse(refGrad.amaxNumber().doubleValue() == 0.0, what + ": gradient must not vanish");
    }

    /** Σ over examples and variables of KL(q ‖ uniform), written independently of the layer's kernel. */
    private static SDVariable klToUniform(SameDiff sd, SDVariable logits, DistributionKind kind) {
        if (kind == DistributionKind.CATEGORICAL) {
            SDVariable rows = sd.reshape(logits, -1, K);
            SDVariable q = sd.nn().softmax(rows, 1);
            return q.mul(sd.math().log(q)).sum().add(BATCH * GROUPS * Math.log(K));
        }
        SDVariable p = sd.nn().sigmoid(logits);
        SDVariable negH = p.mul(sd.math().log(p)).add(p.rsub(1.0).mul(sd.math().log(p.rsub(1.0))));
        return negH.sum().add(BATCH * N_BERNOULLI * Math.log(2));
    }
}
