package io.relaxsd.layers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.relaxsd.estimator.EstimatorConfig;
import io.relaxsd.samediff.Seeds;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.rng.Random;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The layer's replayed training call (forward steps at activate, the rest at backprop) gives the
 * values of the SameDiff session on the same logits, noise and ε or f: sample, KL, input gradient
 * and, for score-function layers, φ's gradient and the state update. Batch shapes alternate (the
 * replay keeps one recording per shape) and a second forward pass before the backward one draws new
 * noise, as a DL4J score() between fit() steps would.
 */
class ReplayedKernelTest {
    private static final long[] BATCHES = {6, 3, 6};

    @Test
    void pathwiseReplayEqualsTheSession() {
        for (String name : List.of("st", "reinmax", "gumbel-rao", "reinmax-cv")) {
            StochasticLayer conf = new CategoricalStochasticLayer.Builder().groups(3).categories(4).estimator(name)
                    .klWeight(0.5).build();
            StochasticKernel replayed = conf.buildKernel(DataType.FLOAT, 1L, true);
            StochasticKernel session = conf.buildKernel(DataType.FLOAT, 1L, true).sessionOnly();
            Random rng = Seeds.generator(11);
            double largest = 0;
            for (long batch : BATCHES) {
                INDArray logits = Nd4j.rand(rng, batch, 12).subi(0.5).muli(4);
                INDArray eps = Nd4j.ones(DataType.FLOAT, batch, 12);
                Map<String, INDArray> noise = new LinkedHashMap<>();
                Map<String, INDArray> feed = null;
                StochasticKernel.Forward r = null;
                for (int draw = 0; draw < 2; draw++) {      // backprop differentiates the second draw
                    replayed.drawNoiseInto(noise, batch, rng);
                    feed = replayed.trainingFeed(logits, noise, eps);
                    r = replayed.forward(feed);
                }
                StochasticKernel.Forward s = session.forward(feed);
                assertEqual(s.sample(), r.sample(), name + " sample");
                assertEqual(s.klPerExample(), r.klPerExample(), name + " KL");
                eps.assign(Nd4j.rand(rng, batch, 12).subi(0.5));
                INDArray gr = replayed.backward(feed).dup();
                INDArray gs = session.backward(feed);
                assertEqual(gs, gr, name + " gradient, batch " + batch);
                largest = Math.max(largest, gs.amaxNumber().doubleValue());
            }
            assertTrue(replayed.replaying(), name + ": the replay was refused");
            assertTrue(largest > 1e-3, name + ": the gradient must not vanish, largest " + largest);
        }
    }

    @Test
    void scoreFunctionReplayEqualsTheSession() {
        StochasticLayer relax = new BernoulliStochasticLayer.Builder().units(5).estimator("relax")
                .surrogate(EstimatorConfig.SurrogateKind.MLP_OF_RELAXED).surrogateWidths(3).scoreFrom("c").build();
        StochasticLayer reinforce = new CategoricalStochasticLayer.Builder().groups(2).categories(3)
                .estimator("reinforce").baseline(EstimatorConfig.Baseline.RUNNING_MEAN).klWeight(1.0)
                .scoreFrom("c").build();
        for (StochasticLayer conf : List.of(relax, reinforce)) {
            StochasticKernel replayed = conf.buildKernel(DataType.FLOAT, 3L, true);
            StochasticKernel session = conf.buildKernel(DataType.FLOAT, 3L, true).sessionOnly();
            long width = replayed.width();
            Random rng = Seeds.generator(5);
            for (long batch : BATCHES) {
                INDArray logits = Nd4j.rand(rng, batch, width).subi(0.5).muli(3);
                INDArray f = Nd4j.ones(DataType.FLOAT, batch);
                Map<String, INDArray> noise = replayed.drawNoiseInto(new LinkedHashMap<>(), batch, rng);
                Map<String, INDArray> feed = replayed.trainingFeed(logits, noise, f);
                StochasticKernel.Forward r = replayed.forward(feed);
                StochasticKernel.Forward s = session.forward(feed);
                assertEqual(s.sample(), r.sample(), conf.getEstimator() + " sample");
                f.assign(Nd4j.rand(rng, batch).muli(3));
                Map<String, INDArray> cr = targets(replayed);
                Map<String, INDArray> cs = targets(session);
                INDArray gr = Nd4j.create(DataType.FLOAT, batch, width);
                INDArray gs = Nd4j.create(DataType.FLOAT, batch, width);
                replayed.scoreBackward(feed, gr, cr);
                session.scoreBackward(feed, gs, cs);
                assertEqual(gs, gr, conf.getEstimator() + " logits gradient, batch " + batch);
                assertTrue(gs.amaxNumber().doubleValue() > 1e-3, conf.getEstimator() + ": the gradient vanishes");
                for (String key : cs.keySet()) {
                    assertEqual(cs.get(key), cr.get(key), conf.getEstimator() + " " + key);
                }
                for (String key : session.variables().keySet()) {   // state updates (running-mean baseline)
                    assertEqual(session.variables().get(key), replayed.variables().get(key), key + " after the step");
                }
            }
            assertTrue(replayed.replaying(), conf.getEstimator() + ": the replay was refused");
        }
    }

    private static Map<String, INDArray> targets(StochasticKernel k) {
        Map<String, INDArray> m = new LinkedHashMap<>();
        for (String key : k.controlKeys()) {
            m.put(key, Nd4j.create(k.variables().get(key).dataType(), k.variables().get(key).shape()));
        }
        return m;
    }

    /** Equal up to float rounding: |a − b| ≤ 1e-6 · max(1, max |a|). */
    private static void assertEqual(INDArray want, INDArray got, String what) {
        assertEquals(List.of(want.shape().length, want.length()), List.of(got.shape().length, got.length()), what);
        double scale = Math.max(1, want.amaxNumber().doubleValue());
        double diff = want.castTo(DataType.DOUBLE).sub(got.castTo(DataType.DOUBLE)).amaxNumber().doubleValue();
        assertTrue(diff <= 1e-6 * scale, what + ": replay differs from the session by " + diff);
    }
}
