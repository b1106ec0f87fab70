package io.relaxsd.layers;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;

/**
 * Noise streams of the stochastic layers of one network copy, for data-parallel training.
 *
 * <p>A stochastic layer draws training draw {@code d} of (epoch e, iteration t) from a generator
 * seeded by {@code derive(derive(layerSeed, (e << 40) ^ t), d)}. Copies of one network that train on
 * different data at the same time (the workers of DL4J's Spark training masters, each with the same
 * configuration, epoch and iteration counts) would therefore draw identical noise for different
 * examples. Giving each copy its own stream {@code s} replaces the layer seed by
 * {@code derive(derive(layerSeed, STREAM), s)}: copies with different streams draw unrelated noise,
 * a copy with the same stream at the same step draws the same noise again (reproducible), and a
 * network whose stream was never assigned draws exactly what it drew before this class existed.
 *
 * <p>A trainer sets the stream once per worker and step, e.g. from (run seed, worker, step), before
 * the copy's {@code fit}. The stream belongs to the layer instance and is not saved with the model.
 */
public final class NoiseStreams {

    private NoiseStreams() {
    }

    /**
     * Sets the noise stream of every stochastic layer of {@code model}.
     *
     * @return the number of stochastic layers whose stream was set
     * @throws IllegalArgumentException if {@code model} is neither a MultiLayerNetwork nor a ComputationGraph
     */
    public static int assign(Model model, long stream) {
        return apply(model, stream, true);
    }

    /** Returns every stochastic layer of {@code model} to the network's own noise (no stream). */
    public static int clear(Model model) {
        return apply(model, 0, false);
    }

    private static int apply(Model model, long stream, boolean set) {
        Layer[] layers;
        if (model instanceof MultiLayerNetwork net) {
            layers = net.getLayers();
        } else if (model instanceof ComputationGraph graph) {
            layers = graph.getLayers();
        } else {
            throw new IllegalArgumentException("model: expected a MultiLayerNetwork or ComputationGraph, got "
                    + (model == null ? "null" : model.getClass().getName()));
        }
        int n = 0;
        for (Layer l : layers) {
            if (l instanceof StochasticLayerRuntime r) {
                r.noiseStream(set ? stream : null);
                n++;
            }
        }
        return n;
    }
}
