package io.relaxsd.estimator;

import java.util.Objects;
import java.util.function.Consumer;

/**
 * A state change made outside the graph after a step, e.g. a running-mean baseline: the trainer
 * fetches the graph output {@code output} of the step and passes its value to {@code apply}.
 * State changes only through these named updates.
 */
public record StateUpdate(String output, Consumer<org.nd4j.linalg.api.ndarray.INDArray> apply) {
    public StateUpdate {
        Objects.requireNonNull(output, "output");
        Objects.requireNonNull(apply, "apply");
    }
}
