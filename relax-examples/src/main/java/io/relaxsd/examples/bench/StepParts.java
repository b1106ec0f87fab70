package io.relaxsd.examples.bench;

import io.relaxsd.estimator.EstimatorConfig;
import io.relaxsd.examples.vae.ParameterUpdaters;
import io.relaxsd.examples.vae.VaeSetup;
import io.relaxsd.samediff.Discrete;
import io.relaxsd.samediff.GradFunctions;
import io.relaxsd.samediff.ReplayedCall;
import io.relaxsd.samediff.Seeds;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.rng.Random;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.IUpdater;

/** Pieces of a VAE training step timed on their own, for the bench's split of the step time. */
final class StepParts {
    private StepParts() {
    }

    /** The updater of every parameter, on copies of the model's parameters and a fixed gradient. */
    static final class Updater {
        private final Map<String, INDArray> params = new LinkedHashMap<>();
        private final Map<String, INDArray> source = new LinkedHashMap<>();
        private final Map<String, INDArray> gradients = new LinkedHashMap<>();
        private final ParameterUpdaters updaters;
        private int iteration;

        Updater(Map<String, INDArray> modelParams, IUpdater config) {
            Random rng = Seeds.generator(5);
            modelParams.forEach((name, p) -> {
                params.put(name, p.dup());
                source.put(name, Nd4j.randn(rng, p.shape()).castTo(p.dataType()).muli(1e-3));
                gradients.put(name, source.get(name).dup());
            });
            this.updaters = new ParameterUpdaters(params, config);
        }

        /** Wall milliseconds of one update (the consumed gradients are restored first, untimed). */
        double millis() {
            source.forEach((name, g) -> gradients.get(name).assign(g));
            long t0 = System.nanoTime();
            updaters.apply(gradients, iteration++, 0);
            return (System.nanoTime() - t0) / 1e6;
        }
    }

    /**
     * The estimator node alone on logits {@code [B, width]}: its sample forward and ∂[Σ z·δ]/∂θ for a
     * fixed upstream δ, replayed ({@link ReplayedCall}) as the whole step replays it.
     */
    static final class Node {
        private final ReplayedCall call;
        private final Map<String, INDArray> feed = new HashMap<>();

        Node(VaeSetup setup, EstimatorConfig config, int batch) {
            SameDiff sd = SameDiff.create();
            Discrete discrete = Discrete.in(sd);
            int width = setup.latentWidth();
            // SameDiff M2.1 builds no gradient function without a trainable variable: a zero anchor
            SDVariable anchor = sd.var("anchor", Nd4j.scalar(DataType.FLOAT, 0f));
            SDVariable theta = sd.placeHolder("logits", DataType.FLOAT, -1, width).add(anchor);
            SDVariable delta = sd.placeHolder("delta", DataType.FLOAT, -1, width);
            SDVariable z = setup.binary() ? discrete.bernoulli("z", theta, setup.variables(), config)
                    : discrete.categorical("z", theta, setup.variables(), setup.categories(), config);
            sd.identity("z_out", z);
            sd.identity("node_loss", z.mul(delta).sum()).markAsLoss();
            sd.setLossVariables("node_loss");
            GradFunctions.createQuietly(sd);
            Random rng = Seeds.generator(6);
            feed.putAll(discrete.drawNoise(batch, rng));
            feed.put("logits", Nd4j.randn(rng, new long[] {batch, width}).castTo(DataType.FLOAT));
            feed.put("delta", Nd4j.randn(rng, new long[] {batch, width}).castTo(DataType.FLOAT).muli(1e-2));
            this.call = ReplayedCall.gradientsAndOutputs(sd, List.of("z_out"), List.of("logits"));
        }

        /** Wall milliseconds of one forward and backward of the node. */
        double millis() {
            long t0 = System.nanoTime();
            call.run(feed);
            return (System.nanoTime() - t0) / 1e6;
        }
    }
}
