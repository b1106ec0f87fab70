package io.relaxsd.examples.vae;

import io.relaxsd.train.Updates;
import java.util.LinkedHashMap;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.GradientUpdater;
import org.nd4j.linalg.learning.config.IUpdater;

/**
 * One ND4J updater per parameter, applied in place after a {@code calculateGradients} call
 * (notes §6). The state lives in flat arrays owned here, so it can be checkpointed and restored.
 */
public final class ParameterUpdaters {
    private final Map<String, INDArray> params;
    private final Map<String, INDArray> states = new LinkedHashMap<>();
    private final Map<String, GradientUpdater<?>> updaters = new LinkedHashMap<>();

    public ParameterUpdaters(Map<String, INDArray> params, IUpdater config) {
        this.params = params;
        for (Map.Entry<String, INDArray> e : params.entrySet()) {
            long n = e.getValue().length();
            INDArray view = Nd4j.zeros(e.getValue().dataType(), 1, config.stateSize(n));
            states.put(e.getKey(), view);
            updaters.put(e.getKey(), config.clone().instantiate(view, true));
        }
    }

    /** θ ← θ − update(g) for every parameter; the gradients are consumed (left unspecified). */
    public void apply(Map<String, INDArray> gradients, int iteration, int epoch) {
        for (Map.Entry<String, INDArray> e : params.entrySet()) {
            INDArray g = gradients.get(e.getKey());
            if (g == null) {
                throw new IllegalStateException("no gradient for parameter " + e.getKey());
            }
            Updates.descend(updaters.get(e.getKey()), e.getValue(), g, iteration, epoch);
        }
    }

    /** The live state arrays (name → flat state), for checkpoints. */
    Map<String, INDArray> states() {
        return states;
    }

    /** Copies saved state into the live arrays. */
    void restore(Map<String, INDArray> saved) {
        for (Map.Entry<String, INDArray> e : states.entrySet()) {
            INDArray s = saved.get(e.getKey());
            if (s == null || s.length() != e.getValue().length()) {
                throw new IllegalArgumentException("checkpoint has no matching updater state for " + e.getKey());
            }
            e.getValue().assign(s.reshape(e.getValue().shape()));
        }
    }
}
